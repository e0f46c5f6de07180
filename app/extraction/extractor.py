"""The rule-based claim extractor: cues and actor names in, proposed claims out.

The pipeline (docs/extraction.md): spaCy's blank English tokenizer and sentencizer;
one Matcher over the cue patterns (patterns/*.toml) and one PhraseMatcher over the
actor names in the database; then, per sentence, each role cue is tied to the status
cue that governs it and to the named actors that hold it, and the codebook's rules
(section 8) decide status, conditions, limits, certainty, basis and date.
"""

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from app.extraction.actors import ActorIndex, ActorName
from app.extraction.cues import Cue, Hit, Patterns, default_patterns
from app.extraction.dates import DateMention, datelines, find_dates
from app.extraction.schemas import (
    ProposedClaim,
    ProposedCondition,
    ProposedEvidence,
    ProposedQuantity,
)
from app.vocab import STATUS_RANK, ActorKind, AliasKind, Basis, Certainty, Status

# How far (in tokens) a status cue may stand from the role it governs, and an actor
# from its status cue.
MAX_GOVERN_GAP = 8
MAX_PLAN_GAP = 12
MAX_AFTER_GAP = 6
MAX_SUBJECT_GAP = 20
# Most tokens between two roles whose verbs "and" coordinates under one predicate.
MAX_COORDINATED_GAP = 16
# Most tokens a condition set off by commas may add between a predicate and its role.
MAX_ASIDE = 12
# Words that open a new clause: a status cue never governs a role across one.
BARRIERS = frozenset(
    {
        ";",
        ":",
        "that",
        "which",
        "who",
        "whose",
        "while",
        "whereas",
        "but",
        "although",
        "though",
        "because",
        "when",
        "where",
    }
)
CLAUSE_ENDS = frozenset({";", ".", "!", "?", "although", "but", "though", "whereas", "while"})
# Verbs of giving right after a predicate: their object phrase may run long.
SUPPLY_VERBS = frozenset(
    {
        *("pay", "provide", "send", "deliver", "supply", "contribute", "deploy", "fund"),
        *("finance", "give", "donate", "buy", "purchase", "commit", "offer", "allocate"),
    }
)
UNNAMED_SUBJECTS = frozenset({"some", "many", "several", "other", "most", "all", "few", "no"})
UNNAMED_GROUPS = frozenset(
    {
        *("group", "countries", "allies", "states", "members", "nations", "governments"),
        *("others", "rest", "coalition", "partners", "participants"),
    }
)
INCLUDES = frozenset({"include", "includes", "included", "comprise", "comprises", "comprised"})
RELATIVES = frozenset({"whose", "which", "who", "where", "whom"})
QUOTES = frozenset({'"', "“", "”", "«", "»"})
MODALS = frozenset({"will", "would", "could", "may", "might", "shall", "'ll", "can"})
PRONOUN_SPEAKERS = frozenset({"he", "she"})
PRONOUN_SUBJECTS = frozenset({"it", "they", "he", "she"})
ADVERBS = frozenset({"also", "already", "still", "now", "too", "however", "instead", "only"})
LADDER = [
    Status.RULED_OUT,
    Status.RELUCTANT,
    Status.CONSIDERING,
    Status.WILLING,
    Status.PLEDGED,
    Status.ACTIVE,
]
# Merging the evidence of one source: the strongest rung wins; a reported reversal
# is the latest word, so it outranks the ladder; undisclosed sits beside considering.
MERGE_RANK: dict[str, float] = {
    **{s.value: float(r) for s, r in STATUS_RANK.items() if r is not None},
    Status.WITHDRAWN.value: 6.0,
    Status.UNDISCLOSED.value: 1.5,
}
_NUMBER = re.compile(
    r"(?P<cur>EUR|USD|GBP|€|\$|£)?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
    r"(?P<scale>billion|million|bn|m)?\s+(?P<unit>[A-Za-z][A-Za-z-]+)?",
)
_UNITS = frozenset(
    [
        *("troops", "soldiers", "servicemen", "personnel", "instructors", "observers"),
        *("jets", "aircraft", "fighters", "frigates", "warships", "ships", "tanks"),
        *("howitzers", "missiles", "shells", "drones", "systems", "batteries"),
        *("euros", "dollars", "pounds"),
    ]
)
_CURRENCY = {"€": "EUR", "$": "USD", "£": "GBP", "euros": "EUR", "dollars": "USD", "pounds": "GBP"}


@dataclass
class Mention:
    """An actor named in the text, in token offsets."""

    start: int
    end: int
    name: ActorName
    eligible: bool  # may hold a position (not an object or a place)


@dataclass
class Sentence:
    """A sentence in token offsets, with its paragraph."""

    start: int
    end: int
    para: int


@dataclass
class Holder:
    """Who holds a position: the actor, and the person who voiced it, if named."""

    actor: str
    speaker: str | None
    mention: Mention | None
    hedged: bool = False


@dataclass
class Candidate:
    """One piece of evidence for one (actor, role) or (actor, initiative)."""

    actor: str
    kind: str
    role: str | None
    initiative: str | None
    status: str | None
    stance: str | None
    conditions: list[tuple[str, str]]
    limits: list[str]
    quantity: tuple[Decimal, str] | None
    certainty: str
    basis: str
    speaker: str | None
    via: list[str]
    stated_on: date
    dated: bool
    start: int
    end: int
    notes: list[str] = field(default_factory=list)


@dataclass
class _Doc:
    """What the extractor knows about one text while reading it."""

    doc: Doc
    text: str
    published_on: date
    hits: list[Hit]
    mentions: list[Mention]
    outlets: list[tuple[int, int, str]]
    dates: list[DateMention]
    last_person: str | None = None
    current_day: date | None = None
    plan_conditions: dict[int, list[tuple[int, int, str, str]]] = field(default_factory=dict)
    last_holders: list[Holder] = field(default_factory=list)
    # The role the text last named: what "join" or "take part" refers to.
    topic_role: str | None = None
    previous_subject: str | None = None  # the first actor the last sentence named
    speech: list[Hit] = field(default_factory=list)  # the current sentence's speech verbs
    by_layer: dict[str, list[Hit]] = field(default_factory=dict)
    hit_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Hits come sorted by start: a sentence's are one slice; a layer's, one list.
        self.hit_starts = [h.start for h in self.hits]
        for h in self.hits:
            self.by_layer.setdefault(h.layer, []).append(h)

    role_counts: dict[str, int] = field(default_factory=dict)


class Extractor:
    """Reads news text against the cue patterns and one snapshot of the actors table."""

    def __init__(self, index: ActorIndex, patterns: Patterns | None = None) -> None:
        self.index = index
        self.patterns = patterns or default_patterns()
        self.nlp = self.patterns.nlp
        self._outlets = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for outlet in self.patterns.outlets:
            self._outlets.add(outlet, [self.nlp.make_doc(outlet)])

    # -- reading ---------------------------------------------------------------

    def extract(
        self, text: str, published_on: date, *, outlet: str | None = None
    ) -> list[ProposedClaim]:
        """The claims the text supports, one per actor and role (or initiative)."""
        doc = self.nlp(text)
        ctx = _Doc(
            doc=doc,
            text=text,
            published_on=published_on,
            hits=self.patterns.hits(doc),
            mentions=self._mentions(doc, datelines(text)),
            outlets=self._outlet_mentions(doc),
            dates=[],
        )
        skip = datelines(text)
        ctx.dates = [
            d for d in find_dates(text, published_on) if not any(s <= d.start < e for s, e in skip)
        ]
        candidates: list[Candidate] = []
        sentences = self._sentences(doc)
        para_via = self._paragraph_via(ctx, sentences)
        for sentence in sentences:
            candidates.extend(self._read_sentence(ctx, sentence, para_via.get(sentence.para, [])))
        return self._merge(ctx, candidates, outlet)

    def _sentences(self, doc: Doc) -> list[Sentence]:
        out: list[Sentence] = []
        para = 0
        for sent in doc.sents:
            start = sent.start
            for i in range(sent.start, sent.end):
                token = doc[i]
                if token.is_space and "\n" in token.text:
                    if i > start:
                        out.append(Sentence(start, i, para))
                    para += 1
                    start = i + 1
            if start < sent.end:
                out.append(Sentence(start, sent.end, para))
        # The sentencizer leaves an opening quote at the end of the sentence before it.
        for before, after in itertools.pairwise(out):
            last = doc[before.end - 1]
            if (
                before.para == after.para
                and before.end == after.start
                and before.end - before.start > 1
                and last.text in QUOTES
                and not last.whitespace_
                and doc[before.end - 2].whitespace_
            ):
                before.end -= 1
                after.start -= 1
        return out

    def _mentions(self, doc: Doc, skip: list[tuple[int, int]]) -> list[Mention]:
        out: list[Mention] = []
        p = self.patterns
        for start, end, name in self.index.mentions(doc):
            if any(s <= doc[start].idx < e for s, e in skip):
                continue
            prev = _prev_word(doc, start)
            nxt = doc[end].norm_.lower() if end < len(doc) else ""
            # "the Italian Foreign Minister", not "Ukrainian skies".
            is_adjective = name.alias_kind in (AliasKind.ADJECTIVE, AliasKind.DEMONYM)
            if is_adjective and nxt not in p.agent_nouns:
                continue
            seat = self._seat_of_subject(doc, start, end)
            if name.alias_kind == AliasKind.CAPITAL and prev in p.object_words and not seat:
                continue  # "talks in Bern": a place
            eligible = prev not in p.object_words or seat
            if nxt == "'s":
                head = doc[end + 1].norm_.lower() if end + 1 < len(doc) else ""
                eligible = eligible and head in p.possessive_heads
            out.append(Mention(start, end, name, eligible))
        self._places_in_lists(doc, out)
        return out

    def _seat_of_subject(self, doc: Doc, start: int, end: int) -> bool:
        """ "In London, the government imposed ...": the place that opens the sentence is
        whose government (officials, ministry) the subject is."""
        if start < 1 or doc[start - 1].norm_.lower() != "in":
            return False
        opens = start == 1 or doc[start - 1].is_sent_start or doc[start - 2].is_space
        if not opens:
            return False
        if end >= len(doc) or doc[end].text != ",":
            return False
        head = [doc[k].norm_.lower() for k in range(end + 1, min(end + 5, len(doc)))]
        while head and head[0] in ("the", "a", "its"):
            head.pop(0)
        # "the government", "the caretaker government", "senior officials"
        return any(w in self.patterns.agent_nouns for w in head[:3])

    def _places_in_lists(self, doc: Doc, mentions: list[Mention]) -> None:
        """A list that opens as a place or an object is one throughout: "bases in Poland
        and Romania", "sanctions on Russia and Belarus". A bare comma is not a list
        ("sanctions against Russia, France said")."""
        run: list[Mention] = []
        joined_by_and = False

        def close() -> None:
            if len(run) > 1 and joined_by_and and not run[0].eligible:
                for m in run[1:]:
                    m.eligible = False

        for m in mentions:
            if run:
                gap = range(run[-1].end, m.start)
                words = {doc[k].norm_.lower() for k in gap} if len(gap) <= 3 else set()
                # ", and" after a single name opens a new clause ("to Ukraine, and
                # Estonia may join"); in a longer list it is the serial comma.
                clause = len(run) == 1 and "," in words and bool(words & {"and", "or"})
                if words and words <= {",", "and", "or"} and not clause:
                    run.append(m)
                    joined_by_and = joined_by_and or bool(words & {"and", "or"})
                    continue
                close()
            run, joined_by_and = [m], False
        close()

    def _outlet_mentions(self, doc: Doc) -> list[tuple[int, int, str]]:
        found = sorted(
            ((s, e, doc.vocab.strings[k]) for k, s, e in self._outlets(doc)),
            key=lambda m: (m[0], -(m[1] - m[0])),
        )
        out: list[tuple[int, int, str]] = []
        for s, e, name in found:
            if out and s < out[-1][1]:
                continue
            out.append((s, e, name))
        return out

    def _cited_outlets(self, ctx: _Doc, start: int, end: int) -> list[str]:
        """Outlets the span cites ("according to Bloomberg", "The Guardian reported")."""
        via_hits = [h for h in ctx.by_layer.get("via", []) if start <= h.start < end]
        report_hits = [h for h in ctx.by_layer.get("report", []) if start <= h.start < end]
        out: list[str] = []
        for s, e, name in ctx.outlets:
            if not start <= s < end:
                continue
            cited = any(0 <= s - h.end <= 3 for h in via_hits) or any(
                0 <= h.start - e <= 2 for h in report_hits
            )
            if cited and name not in out:
                out.append(name)
        return out

    def _paragraph_via(self, ctx: _Doc, sentences: list[Sentence]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for sentence in sentences:
            for name in self._cited_outlets(ctx, sentence.start, sentence.end):
                names = out.setdefault(sentence.para, [])
                if name not in names:
                    names.append(name)
        return out

    # -- one sentence ----------------------------------------------------------

    def _read_sentence(self, ctx: _Doc, sentence: Sentence, para_via: list[str]) -> list[Candidate]:
        doc = ctx.doc
        s0, s1 = sentence.start, sentence.end
        lo = bisect_left(ctx.hit_starts, s0)
        hi = bisect_left(ctx.hit_starts, s1)
        hits = ctx.hits[lo:hi]
        layer: dict[str, list[Hit]] = {}
        for h in hits:
            layer.setdefault(h.layer, []).append(h)
        self._paid_weapons(layer)
        ctx.speech = layer.get("speech", [])
        self._aircraft(ctx, sentence, layer)
        self._joining_in(doc, layer)
        if layer.get("role"):
            for h in layer["role"]:
                ctx.role_counts[h.value] = ctx.role_counts.get(h.value, 0) + 1
            # Of the roles the last such sentence names, the one the text is most about.
            latest = {h.value: n for n, h in enumerate(layer["role"])}
            ctx.topic_role = max(latest, key=lambda r: (ctx.role_counts[r], latest[r]))
        elif ctx.topic_role is not None and (
            layer.get("taking_part") or layer.get("taking_part_noun")
        ):
            # "Canada and Belgium are expected to join": join what the text is about.
            part = min(
                layer.get("taking_part", []) + layer.get("taking_part_noun", []),
                key=lambda h: h.start,
            )
            layer["role"] = [_as_role(part, ctx.topic_role)]
        mentions = [m for m in ctx.mentions if s0 <= m.start < s1]
        day, dated = self._sentence_day(ctx, sentence, layer)
        conditions = self._conditions(ctx, sentence, layer)
        own_via = self._cited_outlets(ctx, s0, s1)
        out: list[Candidate] = []
        # First every role's governing predicate, then the claims: a condition belongs to
        # the last predicate before it that governs a role.
        governed: dict[int, tuple[Hit, str, list[Holder]]] = {}
        roles: list[Hit] = []
        previous_role: Hit | None = None
        for role in layer.get("role", []):
            if self._own_forces(ctx, role, mentions):
                continue
            chained = None
            if previous_role is not None and self._is_list_glue(doc, previous_role.end, role.start):
                chained = governed.get(previous_role.start)
            if chained is None:
                chained = self._govern(ctx, sentence, layer, role, mentions)
            if (
                chained is None
                and previous_role is not None
                and self._coordinated(doc, layer, previous_role, role)
            ):
                # "will impose sanctions ... and provide budget support": one predicate.
                chained = governed.get(previous_role.start)
            previous_role = role
            if chained is None:
                continue
            governed[role.start] = chained
            roles.append(role)
        predicates = {g[0].start for g in governed.values() if g[1] != "call"}
        for role in roles:
            predicate, mode, holders = governed[role.start]
            if holders and mode != "call":
                ctx.last_holders = holders
            out.extend(
                self._commitments(
                    ctx,
                    sentence,
                    layer,
                    role,
                    predicate,
                    mode,
                    holders,
                    [c for c in conditions if self._owns(c, predicate, role, predicates)],
                    day,
                    dated,
                    own_via,
                    para_via,
                )
            )
        out.extend(
            self._stances(ctx, sentence, layer, mentions, conditions, day, dated, own_via, para_via)
        )
        for m in mentions:
            if m.name.kind == ActorKind.PERSON:
                ctx.last_person = m.name.code
        subjects = [m for m in mentions if m.eligible and m.name.kind != ActorKind.PERSON]
        ctx.previous_subject = subjects[0].name.code if subjects else None
        return out

    def _aircraft(self, ctx: _Doc, sentence: Sentence, layer: dict[str, list[Hit]]) -> None:
        """Combat aircraft fly air cover in a sentence about a mission or the skies (or in a
        text about air cover); otherwise they are weapons supplied."""
        planes = layer.get("aircraft", [])
        if not planes:
            return
        words = {ctx.doc[i].norm_.lower() for i in range(sentence.start, sentence.end)}
        flying = bool(words & self.patterns.air_context) or ctx.topic_role == "air_cover"
        role = "air_cover" if flying else "arms_supply"
        roles = layer.setdefault("role", [])
        for h in planes:
            if not any(r.start <= h.start < r.end for r in roles):
                roles.append(_as_role(h, role))
        roles.sort(key=lambda h: h.start)

    def _joining_in(self, doc: Doc, layer: dict[str, list[Hit]]) -> None:
        """ "Finland will deliver shells, and Latvia may join": joining, with a predicate of
        its own right before it, takes the role named earlier in the sentence."""
        roles = layer.get("role", [])
        if not roles:
            return
        for part in layer.get("taking_part", []):
            if any(
                r.start <= part.start < r.end or part.start <= r.start < part.end for r in roles
            ):
                continue
            earlier = [r for r in roles if r.end <= part.start]
            own = any(0 <= part.start - h.end <= 2 for h in layer.get("status", []))
            if earlier and own:
                roles.append(_as_role(part, earlier[-1].value))
        roles.sort(key=lambda h: h.start)

    def _paid_weapons(self, layer: dict[str, list[Hit]]) -> None:
        """Paying for air-defence systems is also arms supply (codebook section 8)."""
        paying = layer.get("paying", [])
        for h in list(layer.get("role", [])):
            if h.value == "air_defense" and any(0 <= h.start - p.end <= 10 for p in paying):
                layer["role"].append(_as_role(h, "arms_supply", "paid for"))
        if "role" in layer:
            layer["role"].sort(key=lambda h: (h.start, h.value != "air_defense"))

    def _owns(
        self,
        condition: tuple[int, int, str, str],
        predicate: Hit,
        role: Hit,
        predicates: set[int],
    ) -> bool:
        """Whether a condition after the role is still the role's: no other predicate between."""
        trigger = condition[0]
        if trigger < role.end:
            return True
        return not any(role.end <= p < trigger for p in predicates if p != predicate.start)

    def _own_forces(self, ctx: _Doc, role: Hit, mentions: list[Mention]) -> bool:
        """Not this role: an excluded side's own forces ("Ukrainian soldiers"), or forces
        sent to another state than the role's territory ("troops to Estonia")."""
        doc = ctx.doc
        excluded = self.patterns.role_exclusions.get(role.value, frozenset())
        territory = self.patterns.role_territory.get(role.value)
        for m in mentions:
            modifies = m.end == role.start or (m.end + 1 == role.start and doc[m.end].text == "'s")
            place = doc[role.start].norm_.lower() in self.patterns.territory_nouns
            if modifies and m.name.code in excluded and not place:
                return True
            if (
                territory is not None
                and role.end < m.start <= role.end + 3
                and doc[m.start - 1].norm_.lower() in ("to", "in", "into", "the")
                and m.name.kind == ActorKind.STATE
                and m.name.code != territory
                and not any(doc[i].is_punct for i in range(role.end, m.start))
            ):
                return True
        return False

    def _sentence_day(
        self, ctx: _Doc, sentence: Sentence, layer: dict[str, list[Hit]]
    ) -> tuple[date, bool]:
        """The sentence's day, and whether the text gives it (or carries it over)."""
        doc = ctx.doc
        c0 = doc[sentence.start].idx
        c1 = doc[sentence.end - 1].idx + len(doc[sentence.end - 1].text)
        mentions = [d for d in ctx.dates if c0 <= d.start < c1]
        days = [d for d in mentions if d.day is not None]
        if days:
            ctx.current_day = days[0].day
            assert days[0].day is not None
            return days[0].day, True
        if mentions:  # "this month", "in March": dated, but to no day
            ctx.current_day = None
            return ctx.published_on, False
        if layer.get("continuation") and ctx.current_day is not None:
            return ctx.current_day, True
        return ctx.published_on, False

    def _conditions(
        self, ctx: _Doc, sentence: Sentence, layer: dict[str, list[Hit]]
    ) -> list[tuple[int, int, str, str]]:
        """(trigger token, end token, type, text) of the sentence's conditions."""
        doc = ctx.doc
        p = self.patterns
        out: list[tuple[int, int, str, str]] = []
        covered = -1
        for trigger in layer.get("trigger", []):
            if trigger.start < covered:
                continue
            end = trigger.end
            while end < sentence.end and doc[end].norm_.lower() not in CLAUSE_ENDS | {","}:
                end += 1
            types = {h.value for h in layer.get("condition", []) if trigger.start <= h.start < end}
            if not types and trigger.value == "weak":
                continue
            ctype = next((t for t in p.condition_priority if t in types), "other")
            text = doc[trigger.start : end].text
            out.append((trigger.start, end, ctype, text))
            covered = end
            lead = range(max(sentence.start, trigger.start - 3), trigger.start)
            before = {doc[i].norm_.lower() for i in lead}
            if before & p.plan_nouns:
                ctx.plan_conditions.setdefault(sentence.para, []).append((-1, -1, ctype, text))
        return out

    def _is_list_glue(self, doc: Doc, start: int, end: int) -> bool:
        if end <= start or end - start > 5:
            return end == start
        words = {doc[i].norm_.lower() for i in range(start, end)}
        return words <= {
            ",",
            "and",
            "or",
            "as",
            "well",
            "possibly",
            "probably",
            "perhaps",
            "maybe",
            "also",
            "even",
            "potentially",
            "eventually",
            "the",
        }

    def _govern(
        self,
        ctx: _Doc,
        sentence: Sentence,
        layer: dict[str, list[Hit]],
        role: Hit,
        mentions: list[Mention],
    ) -> tuple[Hit, str, list[Holder]] | None:
        """The predicate that governs the role, its mode, and who holds the role."""
        doc = ctx.doc
        predicates = [
            h
            for h in layer.get("status", [])
            + layer.get("call", [])
            + layer.get("plan", [])
            + layer.get("agent", [])
            if h.start <= role.start or (h.start < role.end and h.layer == "agent")
        ]
        predicate: Hit | None = None
        for h in sorted(predicates, key=lambda h: -h.start):
            limit = MAX_PLAN_GAP if h.layer == "plan" else MAX_GOVERN_GAP
            if h.end < len(doc) and doc[h.end].norm_.lower() in SUPPLY_VERBS:
                # "would pay for a further 250 million euros' worth of U.S.-made weapons":
                # the role is the object of a verb of giving, however long its phrase.
                limit = MAX_PLAN_GAP
            if role.start - h.end > limit + MAX_ASIDE:
                break
            gap, crosses = self._span(doc, layer, h.end, role.start)
            if gap > limit or crosses:
                break
            predicate = h
            break
        mode = "before"
        if predicate is None:
            for h in layer.get("after", []):
                if 0 <= h.start - role.end <= MAX_AFTER_GAP and not self._crosses(
                    doc, role.end, h.start
                ):
                    predicate, mode = h, "after"
                    break
        if predicate is None:
            # The role as subject: "up to 20,000 troops could be ready to deploy".
            for h in layer.get("status", []):
                if 0 <= h.start - role.end <= 1:
                    predicate, mode = h, "after"
                    break
        if predicate is None:
            return None
        if predicate.layer == "call":
            return predicate, "call", []
        predicate = self._with_modal(doc, layer, predicate)
        lo, hi = sorted((predicate.end, role.start))
        if any(lo <= e.start < hi for e in layer.get("event", [])):
            return None
        if predicate.layer == "plan":
            mode = "plan"
        elif predicate.layer == "agent":
            mode = "agent"
        elif (
            predicate.value in (Status.CONSIDERING, Status.WILLING, Status.PLEDGED)
            and doc[predicate.start].norm_.lower() in MODALS
            and any(h.start < predicate.start for h in layer.get("plan_context", []))
        ):
            mode = "plan"
        holders = self._holders(ctx, sentence, predicate, role, mode, mentions)
        return predicate, mode, holders

    def _with_modal(self, doc: Doc, layer: dict[str, list[Hit]], predicate: Hit) -> Hit:
        """A modal right before the predicate sets the rung: "could offer" is considering."""
        if predicate.layer != "status":
            return predicate
        for h in layer.get("status", []):
            if h is predicate or not 0 <= predicate.start - h.end <= 2:
                continue
            modal = doc[h.start].norm_.lower()
            if modal not in MODALS or h.end - h.start != 1:
                continue
            rank = STATUS_RANK.get(Status(predicate.value))
            weaker = STATUS_RANK.get(Status(h.value))
            if rank is not None and weaker is not None and weaker < rank:
                return Hit(h.cue, h.start, predicate.end)
        return predicate

    def _coordinated(self, doc: Doc, layer: dict[str, list[Hit]], previous: Hit, role: Hit) -> bool:
        """Whether the role's verb is coordinated with the previous role's: "and" joins
        them, in one clause, with no predicate or event of its own between."""
        between = range(previous.end, role.start)
        words = [doc[i].norm_.lower() for i in between]
        if "and" not in words or len(words) > MAX_COORDINATED_GAP:
            return False
        if any(w in BARRIERS for w in words):
            return False
        return not any(
            previous.end <= h.start < role.start
            for name in ("status", "call", "event", "speech", "plan")
            for h in layer.get(name, [])
        )

    def _span(
        self, doc: Doc, layer: dict[str, list[Hit]], start: int, end: int
    ) -> tuple[int, bool]:
        """The words between a predicate and its role, and whether a clause barrier stands
        among them. A condition set off by commas (", once the fighting stops,") is an
        aside: its words do not count and its "when" is no barrier."""
        aside: set[int] = set()
        for t in layer.get("trigger", []):
            if start < t.start < end and doc[t.start - 1].text == ",":
                close = next((i for i in range(t.end, end) if doc[i].text == ","), None)
                if close is not None:
                    aside.update(range(t.start - 1, close + 1))
        kept = [i for i in range(start, end) if i not in aside]
        words = sum(1 for i in kept if not doc[i].is_punct)
        return words, any(doc[i].norm_.lower() in BARRIERS for i in kept)

    def _crosses(self, doc: Doc, start: int, end: int) -> bool:
        return any(doc[i].norm_.lower() in BARRIERS for i in range(start, end))

    # -- who holds it ----------------------------------------------------------

    def _holders(
        self,
        ctx: _Doc,
        sentence: Sentence,
        predicate: Hit,
        role: Hit,
        mode: str,
        mentions: list[Mention],
    ) -> list[Holder]:
        doc = ctx.doc
        if mode == "agent":
            after = [m for m in mentions if 0 <= m.start - predicate.end <= 2]
            return self._expand(ctx, after[:1], mentions, forward=True)
        if mode == "plan" and predicate.layer == "plan":
            between = [
                m
                for m in mentions
                if predicate.end <= m.start and m.end <= role.start and m.eligible
            ]
            return self._expand(ctx, between[-1:], mentions)
        anchor = role.start if mode == "after" else predicate.start
        if mode == "after":
            modifier = [m for m in mentions if m.end == role.start or m.end + 1 == role.start]
            if modifier:
                return self._expand(ctx, modifier[-1:], mentions)
        inside = [
            m
            for m in mentions
            if predicate.start <= m.start and m.end <= predicate.end and m.eligible
        ]
        if inside and mode == "before":
            return self._expand(ctx, inside[:1], mentions)  # "No Austrian troops will ..."
        aside = self._relative_asides(doc, sentence, anchor)
        before = [
            m
            for m in mentions
            if m.end <= anchor
            and m.eligible
            and m.start not in aside
            and anchor - m.end - len(aside & set(range(m.end, anchor))) <= MAX_SUBJECT_GAP
        ]
        if before and self._unnamed_subject(ctx, before[-1].end, anchor):
            # "the defence secretary said the group ready to ...": the clause has its own
            # subject, unnamed; whoever said it does not hold the role.
            return self._named_after(ctx, sentence, role, mentions)
        if before:
            return self._expand(ctx, before[-1:], mentions)
        if self._pronoun_before(doc, sentence, anchor):
            earlier = [m for m in mentions if m.end <= anchor and m.eligible]
            if earlier:
                return self._expand(ctx, earlier[-1:], mentions)
            if ctx.last_holders:
                return [replace(h, hedged=False) for h in ctx.last_holders]
        if ctx.previous_subject is not None and self._possessive_opening(doc, sentence):
            # "Indonesia has gone furthest. Its defence ministry said ... troops could ..."
            return [Holder(ctx.previous_subject, None, None)]
        speaker = self._quote_speaker(ctx, sentence, predicate, mentions)
        if speaker is not None:
            return [speaker]
        between = [
            m
            for m in mentions
            if predicate.end <= m.start
            and m.end < role.start
            and m.eligible
            and not self._crosses(doc, predicate.end, m.start)
        ]
        if between:
            return self._expand(ctx, between[:1], mentions, forward=True)
        return self._named_after(ctx, sentence, role, mentions)

    def _unnamed_subject(self, ctx: _Doc, start: int, anchor: int) -> bool:
        """Whether a speech verb between the mention and the predicate opens a clause whose
        subject is a common noun phrase ("said the group ...", "said most allies ...")."""
        doc = ctx.doc
        speech = [h for h in ctx.speech if start <= h.start < anchor]
        if not speech:
            return False
        i = speech[-1].end
        if i < anchor and doc[i].norm_.lower() == "that":
            i += 1
        if i < anchor and doc[i].norm_.lower() in ("the", "a", "an"):
            # "the group", "the other countries"; but "the bloc", "the government" are
            # the speaker's own side.
            i += 1
            if i < anchor and doc[i].norm_.lower() == "other":
                return True
            return i < anchor and doc[i].norm_.lower() in UNNAMED_GROUPS
        return i < anchor and doc[i].norm_.lower() in UNNAMED_SUBJECTS

    def _named_after(
        self, ctx: _Doc, sentence: Sentence, role: Hit, mentions: list[Mention]
    ) -> list[Holder]:
        """An unnamed subject whose members the sentence lists after it: "the group ready
        to put troops on the ground included Lithuania, Latvia and possibly Finland"."""
        doc = ctx.doc
        for i in range(role.end, min(role.end + MAX_GOVERN_GAP, sentence.end)):
            word = doc[i].norm_.lower()
            if word in BARRIERS:
                return []
            if word in INCLUDES:
                first = [m for m in mentions if 0 <= m.start - i - 1 <= 1]
                return self._expand(ctx, first[:1], mentions, forward=True)
        return []

    def _relative_asides(self, doc: Doc, sentence: Sentence, anchor: int) -> set[int]:
        """Tokens of relative clauses set off by commas before the predicate: in "Sweden,
        whose fighters Kyiv has coveted, has not ruled out ...", Kyiv is not the subject."""
        out: set[int] = set()
        i = sentence.start
        while i < anchor:
            if doc[i].text == "," and i + 1 < anchor and doc[i + 1].norm_.lower() in RELATIVES:
                close = next((k for k in range(i + 2, anchor) if doc[k].text == ","), None)
                if close is None:
                    break
                out.update(range(i, close + 1))
                i = close + 1
                continue
            i += 1
        return out

    def _possessive_opening(self, doc: Doc, sentence: Sentence) -> bool:
        """Whether the sentence opens with "Its|Their <office>" ("Its defence ministry")."""
        first = doc[sentence.start].norm_.lower()
        head = {doc[i].norm_.lower() for i in range(sentence.start + 1, sentence.start + 3)}
        return first in ("its", "their") and bool(head & self.patterns.agent_nouns)

    def _pronoun_before(self, doc: Doc, sentence: Sentence, anchor: int) -> bool:
        """Whether a pronoun subject stands right before the predicate ("it could ...")."""
        i = anchor - 1
        while i >= sentence.start and doc[i].norm_.lower() in ADVERBS:
            i -= 1
        return i >= sentence.start and doc[i].norm_.lower() in PRONOUN_SUBJECTS

    def _quote_speaker(
        self, ctx: _Doc, sentence: Sentence, predicate: Hit, mentions: list[Mention]
    ) -> Holder | None:
        """Inside a quotation, the side of whoever is quoted: "'...,' he said"."""
        doc = ctx.doc
        quotes = [i for i in range(sentence.start, sentence.end) if doc[i].text in QUOTES]
        if not quotes or quotes[0] > predicate.start:
            return None
        close = next((i for i in quotes if i > predicate.start), None)
        if close is None:
            return None
        after = [m for m in mentions if close < m.start and m.eligible]
        if after:
            holders = self._expand(ctx, after[:1], mentions)
            return holders[0] if holders else None
        tail = {doc[i].norm_.lower() for i in range(close, min(close + 4, sentence.end))}
        if tail & PRONOUN_SPEAKERS and ctx.last_person is not None:
            day = ctx.current_day or ctx.published_on
            actor = self.index.speaks_for(ctx.last_person, day)
            if actor is not None:
                return Holder(actor, ctx.last_person, None)
        return None

    def _expand(
        self, ctx: _Doc, chosen: list[Mention], mentions: list[Mention], *, forward: bool = False
    ) -> list[Holder]:
        """The chosen mention and the members of the list it stands in."""
        if not chosen:
            return []
        doc = ctx.doc
        glue = self.patterns.list_glue
        members = [chosen[0]]
        ordered = sorted(mentions, key=lambda m: m.start)
        i = ordered.index(chosen[0])
        j = i - 1
        while j >= 0:
            words = {doc[k].norm_.lower() for k in range(ordered[j].end, members[0].start)}
            if not words or not words <= glue | _hedge_words(ctx, ordered[j].end, members[0].start):
                break
            members.insert(0, ordered[j])
            j -= 1
        if forward:
            j = i + 1
            while j < len(ordered):
                words = {doc[k].norm_.lower() for k in range(members[-1].end, ordered[j].start)}
                if not words or not words <= glue | _hedge_words(
                    ctx, members[-1].end, ordered[j].start
                ):
                    break
                members.append(ordered[j])
                j += 1
        holders: list[Holder] = []
        # A member that is a place or an object ("bases in Poland and Romania") holds nothing.
        members = [m for m in members if m is chosen[0] or m.eligible]
        for m in members:
            hedged = any(
                m.start - 2 <= h.start and h.end <= m.start for h in ctx.by_layer.get("hedge", [])
            )
            holder = self._holder(ctx, m)
            if holder is not None:
                holder.hedged = hedged
                holders.append(holder)
        return holders

    def _holder(self, ctx: _Doc, m: Mention) -> Holder | None:
        if m.name.kind == ActorKind.PERSON:
            actor = self.index.speaks_for(m.name.code, ctx.current_day or ctx.published_on)
            return Holder(actor, m.name.code, m) if actor else None
        return Holder(m.name.code, None, m)

    # -- the codebook's rules --------------------------------------------------

    def _commitments(
        self,
        ctx: _Doc,
        sentence: Sentence,
        layer: dict[str, list[Hit]],
        role: Hit,
        predicate: Hit,
        mode: str,
        holders: list[Holder],
        conditions: list[tuple[int, int, str, str]],
        day: date,
        dated: bool,
        own_via: list[str],
        para_via: list[str],
    ) -> list[Candidate]:
        if mode == "call" or not holders:
            return []
        doc = ctx.doc
        p = self.patterns
        role_id = role.value
        clause_end = role.end
        while clause_end < sentence.end and doc[clause_end].norm_.lower() not in CLAUSE_ENDS:
            clause_end += 1
        status = Status.CONSIDERING.value if mode == "plan" else predicate.value
        notes = [f"{role_id} from '{doc[role.start : role.end].text}'"]
        notes.append(
            "assigned by a plan"
            if mode == "plan"
            else f"{status} from '{doc[predicate.start : predicate.end].text}'"
        )
        limits: list[str] = []
        limit_end = min(clause_end, role.end + 6)
        while limit_end > role.end and any(doc[i].text == "," for i in range(role.end, limit_end)):
            limit_end -= 1
        if status != Status.RULED_OUT.value:
            limit_end = clause_end
        for limit in layer.get("limit", []):
            if min(predicate.start, role.start) <= limit.start < limit_end:
                if status == Status.RULED_OUT.value:
                    limits.append(doc[predicate.start : limit.end].text)
                else:
                    limits.append(doc[limit.start : limit.end].text)
        if status == Status.RULED_OUT.value and limits:
            status = Status.RELUCTANT.value
            notes.append("a refusal limited in time or place is a limit, not ruled_out")
        attached = self._attach_conditions(ctx, layer, predicate, role, conditions, holders)
        if mode == "plan" and not attached:
            attached = list(ctx.plan_conditions.get(sentence.para, []))
        if (
            status == Status.PLEDGED.value
            and attached
            and doc[predicate.start].norm_.lower() in MODALS
        ):
            status = Status.WILLING.value
            notes.append("a conditional 'will' is willing")
        first = min((h.mention.start for h in holders if h.mention), default=sentence.start)
        if status in (Status.WILLING.value, Status.PLEDGED.value) and any(
            first <= h.start < predicate.start and h.value == Status.RELUCTANT.value
            for h in layer.get("status", [])
        ):
            status = Status.CONSIDERING.value
            notes.append("mixed signals (cautious, but would ...) are considering")
        if any(
            h.value == Status.UNDISCLOSED.value
            and first <= h.start
            and 0 <= predicate.start - h.end <= 6
            for h in layer.get("status", [])
        ):
            status = Status.UNDISCLOSED.value
            notes.append("declines to say whether: undisclosed")
        certainty = Certainty.HIGH.value
        reserved = self._reserved_hedges(ctx, layer, role)
        scan_from = max((h.mention.end for h in holders if h.mention), default=sentence.start)
        if scan_from > role.end:
            scan_from = sentence.start
        if any(
            scan_from <= h.start < role.end and h.start not in reserved
            for h in layer.get("hedge", [])
        ):
            certainty = Certainty.MEDIUM.value
        if any(role.start - 2 <= h.start and h.end <= role.start for h in layer.get("hedge", [])):
            certainty = Certainty.MEDIUM.value
        quantity = _quantity(doc[min(predicate.start, role.start) : clause_end].text)
        out: list[Candidate] = []
        for holder in holders:
            if holder.actor in p.role_exclusions.get(role_id, frozenset()):
                continue
            member_status, member_certainty = status, certainty
            member_notes = list(notes)
            if holder.hedged:
                member_certainty = Certainty.MEDIUM.value
                rank = STATUS_RANK.get(Status(member_status))
                if rank is not None and rank >= 3:
                    member_status = LADDER[rank - 1].value
                    member_notes.append("a hedged list member is one rung lower")
            basis, speaker, via = self._basis(
                ctx, sentence, layer, holder, mode, member_status, own_via, para_via
            )
            if basis == Basis.REPORT.value and any(
                h.value == "reportedly" or doc[h.start].norm_.lower() == "reportedly"
                for h in layer.get("hedge", [])
            ):
                member_certainty = Certainty.MEDIUM.value
            start_tok = min(
                holder.mention.start if holder.mention else sentence.start,
                predicate.start,
                role.start,
            )
            end_tok = max(role.end, predicate.end if mode == "after" else role.end)
            if holder.mention is not None:
                end_tok = max(end_tok, holder.mention.end)
            for trigger, cond_end, _, _ in conditions:
                if any(c[0] == trigger for c in attached) and cond_end > end_tok:
                    end_tok = cond_end
            if holder.mention is None and holder.speaker is not None:
                end_tok = sentence.end
            start, end = _char_span(doc, start_tok, end_tok)
            out.append(
                Candidate(
                    actor=holder.actor,
                    kind="commitment",
                    role=role_id,
                    initiative=None,
                    status=member_status,
                    stance=None,
                    conditions=[(t, x) for _, _, t, x in attached],
                    limits=limits,
                    quantity=quantity,
                    certainty=member_certainty,
                    basis=basis,
                    speaker=speaker,
                    via=via,
                    stated_on=day,
                    dated=dated,
                    start=start,
                    end=end,
                    notes=member_notes,
                )
            )
        return out

    def _attach_conditions(
        self,
        ctx: _Doc,
        layer: dict[str, list[Hit]],
        predicate: Hit,
        role: Hit,
        conditions: list[tuple[int, int, str, str]],
        holders: list[Holder],
    ) -> list[tuple[int, int, str, str]]:
        """Conditions tied to this position: after it in its clause, between its predicate
        and its role, or fronted before it."""
        first = min((h.mention.start for h in holders if h.mention), default=predicate.start)
        attached = []
        for condition in conditions:
            trigger = condition[0]
            between = predicate.end <= trigger < role.start  # "ready, once ..., to send"
            if trigger >= role.end or between or (trigger < first and trigger < predicate.start):
                attached.append(condition)
        return attached

    def _reserved_hedges(self, ctx: _Doc, layer: dict[str, list[Hit]], role: Hit) -> set[int]:
        """Hedges that belong to one list member or one listed role, not to the clause."""
        reserved: set[int] = set()
        for h in layer.get("hedge", []):
            if any(m.start - 2 <= h.start and h.end <= m.start for m in ctx.mentions):
                reserved.add(h.start)
            if any(
                r.start != role.start and r.start - 2 <= h.start and h.end <= r.start
                for r in layer.get("role", [])
            ):
                reserved.add(h.start)
        return reserved

    def _basis(
        self,
        ctx: _Doc,
        sentence: Sentence,
        layer: dict[str, list[Hit]],
        holder: Holder,
        mode: str,
        status: str,
        own_via: list[str],
        para_via: list[str],
    ) -> tuple[str, str | None, list[str]]:
        """Basis, speaker and via by the attribution cues (codebook section 8)."""
        doc = ctx.doc
        if mode == "plan":
            return Basis.PLAN.value, None, own_via or para_via
        for h in layer.get("report", []):
            source = [m for m in ctx.mentions if h.end <= m.start <= h.end + 3]
            if source and source[0].name.code == holder.actor:
                return Basis.STATEMENT.value, holder.speaker, own_via
            if (
                h.value == "report"
                and doc[h.start].norm_.lower() == "according"
                and not (own_via or self._cited_outlets(ctx, h.start, sentence.end))
            ):
                continue
            return Basis.REPORT.value, None, own_via
        if holder.speaker is not None:
            return Basis.STATEMENT.value, holder.speaker, own_via
        for speech in layer.get("speech", []):
            speaker = self._speech_speaker(ctx, sentence, speech)
            if speaker is None:
                continue
            kind, code = speaker
            if kind == "person":
                actor = self.index.speaks_for(code, ctx.current_day or ctx.published_on)
                if actor == holder.actor:
                    return Basis.STATEMENT.value, code, own_via
                return Basis.REPORT.value, None, own_via
            if code == holder.actor:
                return Basis.STATEMENT.value, None, own_via
        if para_via:
            return Basis.REPORT.value, None, para_via
        if status == Status.ACTIVE.value:
            return Basis.STATEMENT.value, None, own_via
        return Basis.REPORT.value, None, own_via

    def _speech_speaker(self, ctx: _Doc, sentence: Sentence, speech: Hit) -> tuple[str, str] | None:
        """Who speaks: ('person', code) or ('actor', code), from the words around the verb."""
        doc = ctx.doc
        near = [
            m
            for m in ctx.mentions
            if sentence.start <= m.start < sentence.end
            and m.eligible
            and (0 <= speech.start - m.end <= 15 or 0 <= m.start - speech.end <= 1)
        ]
        persons = [m for m in near if m.name.kind == ActorKind.PERSON]
        if persons:
            return "person", persons[-1].name.code
        before = [m for m in near if m.end <= speech.start]
        if before:
            return "actor", before[-1].name.code
        prev = doc[speech.start - 1].norm_.lower() if speech.start > sentence.start else ""
        if prev in PRONOUN_SPEAKERS and ctx.last_person is not None:
            return "person", ctx.last_person
        return None

    # -- stances ---------------------------------------------------------------

    def _stances(
        self,
        ctx: _Doc,
        sentence: Sentence,
        layer: dict[str, list[Hit]],
        mentions: list[Mention],
        conditions: list[tuple[int, int, str, str]],
        day: date,
        dated: bool,
        own_via: list[str],
        para_via: list[str],
    ) -> list[Candidate]:
        if not layer.get("stance") or not self.index.initiatives:
            return []
        doc = ctx.doc
        words = {doc[i].norm_.lower() for i in range(sentence.start, sentence.end)}
        matched = []
        for initiative in self.index.initiatives:
            overlap = len(initiative.words & words)
            size = len(initiative.words)
            needed = size if size <= 3 else -(-3 * size // 5)
            if overlap >= needed:
                matched.append((overlap / len(initiative.words), initiative.slug))
        if not matched:
            return []
        matched.sort(reverse=True)
        slug = matched[0][1]
        out: list[Candidate] = []
        for cue in layer["stance"]:
            before = [
                m
                for m in mentions
                if m.end <= cue.start and m.eligible and cue.start - m.end <= MAX_SUBJECT_GAP
            ]
            holders = self._expand(ctx, before[-1:], mentions) if before else []
            if not holders:
                speaker = self._quote_speaker(ctx, sentence, cue, mentions)
                holders = [speaker] if speaker else []
            stance = cue.value
            attached = [c for c in conditions if c[0] >= cue.start]
            if stance == "supports" and attached:
                stance = "conditional"
            for holder in holders:
                basis, speaker_code, via = self._basis(
                    ctx, sentence, layer, holder, "before", "", own_via, para_via
                )
                start_tok = min(
                    holder.mention.start if holder.mention else sentence.start, cue.start
                )
                end_tok = max(cue.end, max((c[1] for c in attached), default=cue.end))
                start, end = _char_span(doc, start_tok, end_tok)
                out.append(
                    Candidate(
                        actor=holder.actor,
                        kind="stance",
                        role=None,
                        initiative=slug,
                        status=None,
                        stance=stance,
                        conditions=[(t, x) for _, _, t, x in attached]
                        if stance == "conditional"
                        else [],
                        limits=[],
                        quantity=None,
                        certainty=Certainty.HIGH.value,
                        basis=basis,
                        speaker=speaker_code,
                        via=via,
                        stated_on=day,
                        dated=dated,
                        start=start,
                        end=end,
                        notes=[
                            f"{stance} from '{doc[cue.start : cue.end].text}'; initiative by name"
                        ],
                    )
                )
            break
        return out

    # -- one claim per actor and object ----------------------------------------

    def _merge(
        self, ctx: _Doc, candidates: list[Candidate], outlet: str | None
    ) -> list[ProposedClaim]:
        groups: dict[tuple[str, str, str], list[Candidate]] = {}
        for c in candidates:
            key = (c.actor, c.kind, c.role or c.initiative or "")
            groups.setdefault(key, []).append(c)
        claims: list[ProposedClaim] = []
        for group in groups.values():
            best = max(
                enumerate(group),
                key=lambda ic: (MERGE_RANK.get(ic[1].status or "", 0.0), -ic[0]),
            )[1]
            chosen = replace(best)
            if not chosen.dated:
                dated = [c for c in group if c.dated and c.status == chosen.status]
                if dated:
                    chosen.stated_on = dated[0].stated_on
            limits: list[str] = []
            for c in group:
                for limit in c.limits:
                    if limit not in limits:
                        limits.append(limit)
            claims.append(self._claim(ctx, chosen, limits, outlet))
        claims.sort(key=lambda c: (c.evidence.start, c.actor, c.role or c.initiative or ""))
        return claims

    def _claim(
        self, ctx: _Doc, c: Candidate, limits: list[str], outlet: str | None
    ) -> ProposedClaim:
        return ProposedClaim(
            actor=c.actor,
            actor_name=self.index.actor_names.get(c.actor),
            kind=c.kind,
            role=c.role,
            initiative=c.initiative,
            status=c.status,
            stance=c.stance,
            conditional=bool(c.conditions),
            conditions=[ProposedCondition(type=t, text=x) for t, x in c.conditions],
            limits="; ".join(limits) or None,
            quantity=ProposedQuantity(amount=c.quantity[0], unit=c.quantity[1])
            if c.quantity
            else None,
            certainty=c.certainty,
            basis=c.basis,
            speaker=c.speaker,
            reported_by=outlet,
            via=c.via,
            stated_on=c.stated_on,
            evidence=ProposedEvidence(start=c.start, end=c.end, text=ctx.text[c.start : c.end]),
            note="; ".join(c.notes),
        )


def _as_role(hit: Hit, role: str, why: str | None = None) -> Hit:
    """The hit read as a cue of this role (a rule's reading, named in the reviewer's note)."""
    return Hit(Cue("role", role, f"{hit.cue.pattern} ({why or role})"), hit.start, hit.end)


def _prev_word(doc: Doc, start: int) -> str:
    """The word before a token, skipping determiners ("in the Kremlin" -> "in")."""
    i = start - 1
    while i >= 0 and doc[i].norm_.lower() in ("the", "a", "an"):
        i -= 1
    return doc[i].norm_.lower() if i >= 0 else ""


def _hedge_words(ctx: _Doc, start: int, end: int) -> set[str]:
    words: set[str] = set()
    for h in ctx.by_layer.get("hedge", []):
        if start <= h.start and h.end <= end:
            words |= {ctx.doc[i].norm_.lower() for i in range(h.start, h.end)}
    return words


def _char_span(doc: Doc, start_tok: int, end_tok: int) -> tuple[int, int]:
    """Character offsets of a token span, without edge punctuation or spaces."""
    while end_tok - 1 > start_tok and (doc[end_tok - 1].is_punct or doc[end_tok - 1].is_space):
        if doc[end_tok - 1].text in QUOTES and _open_quote(doc, start_tok, end_tok - 1):
            break
        end_tok -= 1
    while start_tok < end_tok - 1 and (doc[start_tok].is_punct or doc[start_tok].is_space):
        if doc[start_tok].text in QUOTES:
            break
        start_tok += 1
    start = doc[start_tok].idx
    last = doc[end_tok - 1]
    return start, last.idx + len(last.text)


def _open_quote(doc: Doc, start: int, end: int) -> bool:
    return sum(1 for i in range(start, end) if doc[i].text in QUOTES) % 2 == 1


def _quantity(text: str) -> tuple[Decimal, str] | None:
    """The first amount with a unit ("5,000 troops", "EUR 1.5 billion")."""
    for m in _NUMBER.finditer(text):
        unit = (m.group("unit") or "").lower()
        currency = m.group("cur")
        if not currency and unit not in _UNITS:
            continue
        try:
            amount = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:
            continue
        scale = (m.group("scale") or "").lower()
        amount *= {"billion": 10**9, "bn": 10**9, "million": 10**6, "m": 10**6}.get(scale, 1)
        if currency:
            return amount, _CURRENCY.get(currency, currency)
        return amount, _CURRENCY.get(unit, unit)
    return None
