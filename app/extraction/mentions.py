"""Actor mentions (which names may hold a position) and the holders of a governed role."""

from dataclasses import replace

from spacy.tokens import Doc

from app.extraction.actors import ActorIndex
from app.extraction.context import Document, Holder, Mention, SentenceContext
from app.extraction.cues import Hit, Patterns
from app.vocab import ActorKind, AliasKind

# How far (in tokens) the actor holding a role may stand before its predicate.
MAX_SUBJECT_GAP = 20
# How far after a role an "included" may list the members of an unnamed subject.
MAX_INCLUDED_GAP = 8


# -- mentions ------------------------------------------------------------------


def find_mentions(
    index: ActorIndex, patterns: Patterns, doc: Doc, skip: list[tuple[int, int]]
) -> list[Mention]:
    """Every actor the text names outside the datelines, marked whether it may hold."""
    out: list[Mention] = []
    p = patterns
    for start, end, name in index.mentions(doc):
        if any(s <= doc[start].idx < e for s, e in skip):
            continue
        prev = _prev_word(doc, start, p.clauses.articles)
        nxt = doc[end].norm_.lower() if end < len(doc) else ""
        # "the Italian Foreign Minister", not "Ukrainian skies".
        is_adjective = name.alias_kind in (AliasKind.ADJECTIVE, AliasKind.DEMONYM)
        if is_adjective and nxt not in p.agent_nouns:
            continue
        seat = _seat_of_subject(p, doc, start, end)
        if name.alias_kind == AliasKind.CAPITAL and prev in p.object_words and not seat:
            continue  # "talks in Bern": a place
        eligible = prev not in p.object_words or seat
        if nxt == "'s":
            head = doc[end + 1].norm_.lower() if end + 1 < len(doc) else ""
            eligible = eligible and head in p.possessive_heads
        out.append(Mention(start, end, name, eligible))
    _places_in_lists(doc, out, p.clauses.conjunctions)
    return out


def _seat_of_subject(patterns: Patterns, doc: Doc, start: int, end: int) -> bool:
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
    while head and head[0] in patterns.clauses.seat_determiners:
        head.pop(0)
    # "the government", "the caretaker government", "senior officials"
    return any(w in patterns.agent_nouns for w in head[:3])


def _places_in_lists(doc: Doc, mentions: list[Mention], conjunctions: frozenset[str]) -> None:
    """A list that opens as a place or an object is one throughout: "bases in Poland
    and Romania", "sanctions on Russia and Belarus". A bare comma is not a list
    ("sanctions against Russia, France said")."""
    joiners = conjunctions | {","}
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
            clause = len(run) == 1 and "," in words and bool(words & conjunctions)
            if words and words <= joiners and not clause:
                run.append(m)
                joined_by_and = joined_by_and or bool(words & conjunctions)
                continue
            close()
        run, joined_by_and = [m], False
    close()


def _prev_word(doc: Doc, start: int, articles: frozenset[str]) -> str:
    """The word before a token, skipping articles ("in the Kremlin" -> "in")."""
    i = start - 1
    while i >= 0 and doc[i].norm_.lower() in articles:
        i -= 1
    return doc[i].norm_.lower() if i >= 0 else ""


# -- who holds a role ----------------------------------------------------------


def holders(ctx: SentenceContext, predicate: Hit, role: Hit, mode: str) -> list[Holder]:
    """Who holds the role its predicate governs, in the order the rules try them."""
    found = _holders_by_mode(ctx, predicate, role, mode)
    if found is not None:
        return found
    anchor = role.start if mode == "after" else predicate.start
    found = _subject_before(ctx, role, anchor)
    if found is not None:
        return found
    return _holders_elsewhere(ctx, predicate, role, anchor)


def _holders_by_mode(
    ctx: SentenceContext, predicate: Hit, role: Hit, mode: str
) -> list[Holder] | None:
    """The holder the predicate's own kind names: the agent after "hosted by", the actor a
    plan names, a role noun's modifier, a name inside the predicate; None when it names none."""
    mentions = ctx.mentions
    if mode == "agent":
        after = [m for m in mentions if 0 <= m.start - predicate.end <= 2]
        return expand(ctx, after[:1], forward=True)
    if mode == "plan" and predicate.layer == "plan":
        between = [
            m for m in mentions if predicate.end <= m.start and m.end <= role.start and m.eligible
        ]
        return expand(ctx, between[-1:])
    if mode == "after":
        modifier = [m for m in mentions if m.end == role.start or m.end + 1 == role.start]
        if modifier:
            return expand(ctx, modifier[-1:])
    if mode == "before":
        inside = [
            m
            for m in mentions
            if predicate.start <= m.start and m.end <= predicate.end and m.eligible
        ]
        if inside:
            return expand(ctx, inside[:1])  # "No Austrian troops will ..."
    return None


def _subject_before(ctx: SentenceContext, role: Hit, anchor: int) -> list[Holder] | None:
    """The nearest named actor before the predicate, past relative clauses; None if none."""
    aside = _relative_asides(ctx, anchor)
    before = [
        m
        for m in ctx.mentions
        if m.end <= anchor
        and m.eligible
        and m.start not in aside
        and anchor - m.end - len(aside & set(range(m.end, anchor))) <= MAX_SUBJECT_GAP
    ]
    if not before:
        return None
    if _unnamed_subject(ctx, before[-1].end, anchor):
        # "the defence secretary said the group ready to ...": the clause has its own
        # subject, unnamed; whoever said it does not hold the role.
        return named_after(ctx, role)
    return expand(ctx, before[-1:])


def _holders_elsewhere(
    ctx: SentenceContext, predicate: Hit, role: Hit, anchor: int
) -> list[Holder]:
    """With no named subject: a pronoun's antecedent, "Its ministry", a quotation's
    speaker, an actor after the predicate, or the members an "included" lists."""
    memory = ctx.memory
    if _pronoun_before(ctx, anchor):
        earlier = [m for m in ctx.mentions if m.end <= anchor and m.eligible]
        if earlier:
            return expand(ctx, earlier[-1:])
        if memory.last_holders:
            return [replace(h, hedged=False) for h in memory.last_holders]
    if memory.previous_subject is not None and _possessive_opening(ctx):
        # "Indonesia has gone furthest. Its defence ministry said ... troops could ..."
        return [Holder(memory.previous_subject, None, None)]
    speaker = quote_speaker(ctx, predicate)
    if speaker is not None:
        return [speaker]
    between = [
        m
        for m in ctx.mentions
        if predicate.end <= m.start
        and m.end < role.start
        and m.eligible
        and not ctx.crosses(predicate.end, m.start)
    ]
    if between:
        return expand(ctx, between[:1], forward=True)
    return named_after(ctx, role)


def _unnamed_subject(ctx: SentenceContext, start: int, anchor: int) -> bool:
    """Whether a speech verb between the mention and the predicate opens a clause whose
    subject is a common noun phrase ("said the group ...", "said most allies ...")."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    speech = [h for h in ctx.hits("speech") if start <= h.start < anchor]
    if not speech:
        return False
    i = speech[-1].end
    if i < anchor and doc[i].norm_.lower() == "that":
        i += 1
    if i < anchor and doc[i].norm_.lower() in clauses.articles:
        # "the group", "the other countries"; but "the bloc", "the government" are
        # the speaker's own side.
        i += 1
        if i < anchor and doc[i].norm_.lower() == "other":
            return True
        return i < anchor and doc[i].norm_.lower() in clauses.unnamed_groups
    return i < anchor and doc[i].norm_.lower() in clauses.unnamed_subjects


def named_after(ctx: SentenceContext, role: Hit) -> list[Holder]:
    """An unnamed subject whose members the sentence lists after it: "the group ready
    to put troops on the ground included Lithuania, Latvia and possibly Finland"."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    for i in range(role.end, min(role.end + MAX_INCLUDED_GAP, ctx.sentence.end)):
        word = doc[i].norm_.lower()
        if word in clauses.barriers:
            return []
        if word in clauses.includes:
            first = [m for m in ctx.mentions if 0 <= m.start - i - 1 <= 1]
            return expand(ctx, first[:1], forward=True)
    return []


def _relative_asides(ctx: SentenceContext, anchor: int) -> set[int]:
    """Tokens of relative clauses set off by commas before the predicate: in "Sweden,
    whose fighters Kyiv has coveted, has not ruled out ...", Kyiv is not the subject."""
    doc = ctx.doc
    relatives = ctx.patterns.clauses.relatives
    out: set[int] = set()
    i = ctx.sentence.start
    while i < anchor:
        if doc[i].text == "," and i + 1 < anchor and doc[i + 1].norm_.lower() in relatives:
            close = next((k for k in range(i + 2, anchor) if doc[k].text == ","), None)
            if close is None:
                break
            out.update(range(i, close + 1))
            i = close + 1
            continue
        i += 1
    return out


def _possessive_opening(ctx: SentenceContext) -> bool:
    """Whether the sentence opens with "Its|Their <office>" ("Its defence ministry")."""
    doc = ctx.doc
    start = ctx.sentence.start
    first = doc[start].norm_.lower()
    head = {doc[i].norm_.lower() for i in range(start + 1, start + 3)}
    return first in ctx.patterns.clauses.possessive_openers and bool(
        head & ctx.patterns.agent_nouns
    )


def _pronoun_before(ctx: SentenceContext, anchor: int) -> bool:
    """Whether a pronoun subject stands right before the predicate ("it could ...")."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    start = ctx.sentence.start
    i = anchor - 1
    while i >= start and doc[i].norm_.lower() in clauses.pronoun_adverbs:
        i -= 1
    return i >= start and doc[i].norm_.lower() in clauses.pronoun_subjects


def quote_speaker(ctx: SentenceContext, predicate: Hit) -> Holder | None:
    """Inside a quotation, the side of whoever is quoted: "'...,' he said"."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    sentence = ctx.sentence
    quotes = [i for i in range(sentence.start, sentence.end) if doc[i].text in clauses.quotes]
    if not quotes or quotes[0] > predicate.start:
        return None
    close = next((i for i in quotes if i > predicate.start), None)
    if close is None:
        return None
    after = [m for m in ctx.mentions if close < m.start and m.eligible]
    if after:
        found = expand(ctx, after[:1])
        return found[0] if found else None
    tail = {doc[i].norm_.lower() for i in range(close, min(close + 4, sentence.end))}
    last_person = ctx.memory.last_person
    if tail & clauses.pronoun_speakers and last_person is not None:
        actor = ctx.index.speaks_for(last_person, ctx.today)
        if actor is not None:
            return Holder(actor, last_person, None)
    return None


def expand(ctx: SentenceContext, chosen: list[Mention], *, forward: bool = False) -> list[Holder]:
    """The chosen mention and the members of the list it stands in."""
    if not chosen:
        return []
    doc = ctx.doc
    document = ctx.document
    glue = ctx.patterns.list_glue
    members = [chosen[0]]
    ordered = sorted(ctx.mentions, key=lambda m: m.start)
    i = ordered.index(chosen[0])
    j = i - 1
    while j >= 0:
        words = {doc[k].norm_.lower() for k in range(ordered[j].end, members[0].start)}
        if not words or not words <= glue | _hedge_words(
            document, ordered[j].end, members[0].start
        ):
            break
        members.insert(0, ordered[j])
        j -= 1
    if forward:
        j = i + 1
        while j < len(ordered):
            words = {doc[k].norm_.lower() for k in range(members[-1].end, ordered[j].start)}
            if not words or not words <= glue | _hedge_words(
                document, members[-1].end, ordered[j].start
            ):
                break
            members.append(ordered[j])
            j += 1
    out: list[Holder] = []
    # A member that is a place or an object ("bases in Poland and Romania") holds nothing.
    members = [m for m in members if m is chosen[0] or m.eligible]
    for m in members:
        hedged = any(
            m.start - 2 <= h.start and h.end <= m.start for h in document.by_layer.get("hedge", [])
        )
        holder = _holder(ctx, m)
        if holder is not None:
            holder.hedged = hedged
            out.append(holder)
    return out


def _holder(ctx: SentenceContext, m: Mention) -> Holder | None:
    if m.name.kind == ActorKind.PERSON:
        actor = ctx.index.speaks_for(m.name.code, ctx.today)
        return Holder(actor, m.name.code, m) if actor else None
    return Holder(m.name.code, None, m)


def _hedge_words(document: Document, start: int, end: int) -> set[str]:
    words: set[str] = set()
    for h in document.by_layer.get("hedge", []):
        if start <= h.start and h.end <= end:
            words |= {document.doc[i].norm_.lower() for i in range(h.start, h.end)}
    return words
