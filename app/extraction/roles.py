"""A sentence's cues, and which roles they name: aircraft, paying, taking part, the topic."""

from bisect import bisect_left

from app.extraction.context import Document, Memory, Sentence
from app.extraction.cues import Cue, Hit, Patterns

FINANCIAL = "financial_support"
WEAPONS = frozenset({"air_defense", "arms_supply"})
# Most tokens between money named and the weapons it pays for.
MAX_PAID_GAP = 3
# How near another theatre's name ("troops in Mali") a role tied to Ukraine is not read.
THEATRE_REACH = 8


def sentence_cues(
    document: Document, memory: Memory, patterns: Patterns, sentence: Sentence
) -> dict[str, list[Hit]]:
    """The sentence's cue hits by layer, with the roles the role rules read into them."""
    lo = bisect_left(document.hit_starts, sentence.start)
    hi = bisect_left(document.hit_starts, sentence.end)
    layer: dict[str, list[Hit]] = {}
    for h in document.hits[lo:hi]:
        layer.setdefault(h.layer, []).append(h)
    _theatre(document, memory, patterns, sentence, layer)
    _paid_weapons(layer)
    _aircraft(document, memory, patterns, sentence, layer)
    _joining_in(document, patterns, layer)
    _topic(memory, layer)
    return layer


def _theatre(
    document: Document,
    memory: Memory,
    patterns: Patterns,
    sentence: Sentence,
    layer: dict[str, list[Hit]],
) -> None:
    """In a passage about another theatre than Ukraine, the roles the codebook ties to
    Ukraine are not read: forces for Gaza are no `ground_forces`. A paragraph that opens
    on another theatre sets the passage there, until a sentence names Ukraine; elsewhere
    only the roles named close to the other theatre are dropped ("troops in Mali")."""
    clauses = patterns.clauses
    doc = document.doc
    words = [(i, doc[i].norm_.lower()) for i in range(sentence.start, sentence.end)]
    places = [i for i, word in words if word in clauses.other_theatres]
    ukraine = any(word in clauses.ukraine_words for _, word in words)
    opens = sentence.start == 0 or "\n" in doc[sentence.start - 1].text
    if ukraine:
        memory.other_theatre = False
    elif places and opens:
        memory.other_theatre = True
    roles = layer.get("role", [])

    def elsewhere(h: Hit) -> bool:
        if h.value not in clauses.ukraine_roles:
            return False
        return memory.other_theatre or any(abs(i - h.start) <= THEATRE_REACH for i in places)

    kept = [h for h in roles if not elsewhere(h)]
    if len(kept) < len(roles) or (
        memory.other_theatre and memory.topic_role in clauses.ukraine_roles
    ):
        # "Italian troops could join": not what else the text is about.
        layer.pop("taking_part", None)
        layer.pop("taking_part_noun", None)
    if roles:
        layer["role"] = kept


def _topic(memory: Memory, layer: dict[str, list[Hit]]) -> None:
    """Count the roles the sentence names, or read taking part as the text's topic role."""
    if layer.get("role"):
        for h in layer["role"]:
            memory.role_counts[h.value] = memory.role_counts.get(h.value, 0) + 1
        # Of the roles the last such sentence names, the one the text is most about.
        latest = {h.value: n for n, h in enumerate(layer["role"])}
        memory.topic_role = max(latest, key=lambda r: (memory.role_counts[r], latest[r]))
    elif memory.topic_role is not None and (
        layer.get("taking_part") or layer.get("taking_part_noun")
    ):
        # "Canada and Belgium are expected to join": join what the text is about.
        part = min(
            layer.get("taking_part", []) + layer.get("taking_part_noun", []),
            key=lambda h: h.start,
        )
        layer["role"] = [as_role(part, memory.topic_role)]


def _aircraft(
    document: Document,
    memory: Memory,
    patterns: Patterns,
    sentence: Sentence,
    layer: dict[str, list[Hit]],
) -> None:
    """Combat aircraft fly air cover in a sentence about a mission or the skies (or in a
    text about air cover); otherwise, or when they are transferred, weapons supplied."""
    planes = layer.get("aircraft", [])
    if not planes:
        return
    words = {document.doc[i].norm_.lower() for i in range(sentence.start, sentence.end)}
    flying = bool(words & patterns.air_context) or memory.topic_role == "air_cover"
    # "The transfer of F-16s is under way": aircraft handed over are weapons supplied.
    flying = flying and not words & patterns.clauses.transfers
    role = "air_cover" if flying else "arms_supply"
    roles = layer.setdefault("role", [])
    for h in planes:
        if not any(r.start <= h.start < r.end for r in roles):
            roles.append(as_role(h, role))
    roles.sort(key=lambda h: h.start)


def _joining_in(document: Document, patterns: Patterns, layer: dict[str, list[Hit]]) -> None:
    """ "Finland will deliver shells, and Latvia may join": joining, with a predicate of
    its own right before it, takes the role named earlier in the sentence; not across a
    contrast ("will not deploy troops but is prepared to contribute to ...")."""
    roles = layer.get("role", [])
    if not roles:
        return
    doc = document.doc
    contrasts = patterns.clauses.clause_ends
    for part in layer.get("taking_part", []):
        if any(r.start <= part.start < r.end or part.start <= r.start < part.end for r in roles):
            continue
        earlier = [
            r
            for r in roles
            if r.end <= part.start
            and not any(doc[i].norm_.lower() in contrasts for i in range(r.end, part.start))
        ]
        own = any(0 <= part.start - h.end <= 2 for h in layer.get("status", []))
        if earlier and own:
            roles.append(as_role(part, earlier[-1].value))
    roles.sort(key=lambda h: h.start)


def _paid_weapons(layer: dict[str, list[Hit]]) -> None:
    """Paying for air-defence systems is also arms supply (codebook section 8); money
    named right before weapons ("funding for Ukraine's air defence") pays for them and is
    not `financial_support`."""
    paying = list(layer.get("paying", []))
    roles = layer.get("role", [])
    for money in [h for h in roles if h.value == FINANCIAL]:
        if any(r.value in WEAPONS and 0 <= r.start - money.end <= MAX_PAID_GAP for r in roles):
            roles.remove(money)
            paying.append(money)
    for h in list(layer.get("role", [])):
        if h.value == "air_defense" and any(0 <= h.start - p.end <= 10 for p in paying):
            layer["role"].append(as_role(h, "arms_supply", "paid for"))
    if "role" in layer:
        layer["role"].sort(key=lambda h: (h.start, h.value != "air_defense"))


def as_role(hit: Hit, role: str, why: str | None = None) -> Hit:
    """The hit read as a cue of this role (a rule's reading, named in the reviewer's note)."""
    return Hit(Cue("role", role, f"{hit.cue.pattern} ({why or role})"), hit.start, hit.end)
