"""Actor mentions (which names may hold a position) and the holders of a governed role."""

from dataclasses import replace

from spacy.tokens import Doc

from app.extraction.actors import ActorIndex
from app.extraction.context import Document, Holder, Mention, Sentence, SentenceContext
from app.extraction.cues import Hit, Patterns
from app.vocab import ActorKind, AliasKind

# A hyphen and an en dash (U+2013) join a compound modifier: "Czech-led", "two-billion-crown".
HYPHENS = frozenset({"-", "\u2013"})
# How far (in tokens) the actor holding a role may stand before its predicate.
MAX_SUBJECT_GAP = 20
# How many words a list of adjectives may run before the noun they qualify.
MAX_ADJECTIVE_LIST = 6
# How far after a role its partners may be named ("... clearing mines together with A").
MAX_PARTNER_GAP = 8
# How far after a role an "included" may list the members of an unnamed subject.
MAX_INCLUDED_GAP = 8
# How far after a role a donor ("the transfer of F-16s from Denmark") may be named.
MAX_DONOR_GAP = 8


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
        prev = _prev_word(doc, start, p.clauses.articles | p.clauses.compass)
        nxt = doc[end].norm_.lower() if end < len(doc) else ""
        # "the Italian Foreign Minister", not "Ukrainian skies"; but "the Czechs say".
        if name.alias_kind == AliasKind.ADJECTIVE and not _adjective_names(p, doc, start, end):
            continue
        seat = _seat_of_subject(p, doc, start, end)
        if name.alias_kind == AliasKind.CAPITAL and prev in p.object_words and not seat:
            continue  # "talks in Bern": a place
        # "no question of Italian soldiers": the soldiers, not Italy, are the object.
        personnel = name.alias_kind == AliasKind.ADJECTIVE and prev == "of"
        eligible = prev not in p.object_words or seat or personnel or _whose(p, doc, start)
        if nxt == "'s":
            eligible = eligible and _possessor_holds(p, doc, end + 1)
        out.append(Mention(start, end, name, eligible))
    _places_in_lists(doc, out, p.clauses.conjunctions)
    return _offices_of_others(doc, out)


def _names_after_of(doc: Doc, of: int, starts: set[int]) -> bool:
    """Whether a mention starts right after the "of" (or "of the")."""
    if of + 1 in starts:
        return True
    return of + 2 in starts and doc[of + 1].norm_.lower() == "the"


def _offices_of_others(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """ "The Ministry of Defence of Bulgaria": a name that one state uses for an office
    (the United Kingdom's "Ministry of Defence") is the office of the state named after
    "of", which stands for itself."""
    starts = {m.start for m in mentions}
    return [
        m
        for m in mentions
        if not (
            m.name.alias_kind in (AliasKind.OTHER, AliasKind.SEAT)
            and m.end + 1 < len(doc)
            and doc[m.end].norm_.lower() == "of"
            and _names_after_of(doc, m.end, starts)
        )
    ]


def _whose(patterns: Patterns, doc: Doc, start: int) -> bool:
    """ "the readiness of Rome to facilitate", "the decision of Germany and Norway to
    provide": after one of these nouns and "of", the actor holds what follows."""
    i = index_before(doc, start, patterns.clauses.articles)
    if i < 1 or doc[i].norm_.lower() != "of":
        return False
    return doc[i - 1].norm_.lower() in patterns.of_holders


def _adjective_names(patterns: Patterns, doc: Doc, start: int, end: int) -> bool:
    """Whether an adjective stands for its state: before an agent noun ("the Italian
    Foreign Minister"), as the agent of a participle ("Czech-led", "Canadian-funded"),
    or as a people ("the British and the French say")."""
    nxt = doc[end].norm_.lower() if end < len(doc) else ""
    if nxt in patterns.agent_nouns:
        return True
    # Machine translation keeps the adjective after its noun: "the Navy Turkish",
    # "no soldier Polish".
    noun = doc[start - 1].norm_.lower() if start > 0 else ""
    if noun in patterns.agent_nouns or noun == "soldier":
        return True
    # "Italian and French frigates", "Finnish, Swedish and German warships".
    for i in range(end, min(end + MAX_ADJECTIVE_LIST, len(doc))):
        word = doc[i].norm_.lower()
        if word in patterns.agent_nouns:
            return True  # "Swedish Armed Forces", "Italian and French frigates"
        if not (word in ("and", "or", ",") or doc[i].text[:1].isupper()):
            break
    if nxt in HYPHENS and end + 1 < len(doc):
        return doc[end + 1].norm_.lower() in patterns.adjective_agents
    before = doc[start - 1].norm_.lower() if start > 0 else ""
    return before == "the" and (nxt in patterns.people_followers or doc[end].is_punct)


def _possessor_holds(patterns: Patterns, doc: Doc, head: int) -> bool:
    """Whether what follows "'s" is the possessor's voice ("France's foreign minister")
    or a commitment of its own ("Canada's five-billion-dollar loan")."""
    if head < len(doc) and doc[head].norm_.lower() in patterns.possessive_heads:
        return True
    words = 0
    for i in range(head, len(doc)):
        if doc[i].text in HYPHENS:
            continue  # "two-billion-crown": one modifier, whatever its hyphens
        if doc[i].is_punct or words > patterns.possessed_gap:
            return False
        if doc[i].norm_.lower() in patterns.possessed_commitments:
            return True
        words += 1
    return False


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


def index_before(doc: Doc, start: int, skip: frozenset[str], floor: int = 0) -> int:
    """The index of the token before `start`, skipping the words of `skip` ("in the
    Kremlin" -> "in"), not below `floor`: `floor - 1` when none is left."""
    i = start - 1
    while i >= floor and doc[i].norm_.lower() in skip:
        i -= 1
    return i


def _prev_word(doc: Doc, start: int, articles: frozenset[str]) -> str:
    """The word before a token, skipping articles ("in the Kremlin" -> "in")."""
    i = index_before(doc, start, articles)
    return doc[i].norm_.lower() if i >= 0 else ""


# -- who holds a role ----------------------------------------------------------


def holders(ctx: SentenceContext, predicate: Hit, role: Hit, mode: str) -> list[Holder]:
    """Who holds the role its predicate governs, in the order the rules try them."""
    found = _holders_by_mode(ctx, predicate, role, mode)
    if found is not None:
        return found
    anchor = role.start if mode == "after" else predicate.start
    found = _first_person(ctx, predicate, role, anchor)
    if found is not None:
        return found
    found = _relative_subject(ctx, anchor)
    if found is not None:
        return found
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
        # Machine translation's adjective after its noun: "soldiers Italian".
        modifier = modifier or [
            m for m in mentions if m.start == role.end and m.name.alias_kind == AliasKind.ADJECTIVE
        ]
        if modifier:
            return expand(ctx, modifier[-1:])
        donors = _donors(ctx, role)
        if donors:
            return donors
    if mode == "before":
        inside = [
            m
            for m in mentions
            if predicate.start <= m.start and m.end <= predicate.end and m.eligible
        ]
        if inside:
            return expand(ctx, inside[:1])  # "No Austrian troops will ..."
    return None


def _first_person(
    ctx: SentenceContext, predicate: Hit, role: Hit, anchor: int
) -> list[Holder] | None:
    """ "We have delivered ...", "our minehunters ...": inside a quotation, the quoted
    speaker's side; outside one, whom the paragraph's voice is (a speaker label, a joint
    statement's signatories, the side the text is by), nobody if none. None when the
    subject is not the first person."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    first_person = ctx.patterns.first_person
    named = {k for m in ctx.mentions for k in range(m.start, m.end)}  # "US" is no "us"

    def is_first_person(k: int) -> bool:
        if k < ctx.sentence.start or k in named:
            return False
        if doc[k].lower_ in first_person:
            return True
        # An official text names its own side "the Government", capitalised.
        return (
            doc[k].lower_ in clauses.self_references
            and doc[k].text[:1].isupper()
            and k > ctx.sentence.start
            and (doc[k - 1].lower_ in clauses.articles or doc[k - 1].lower_ == "this")
        )

    i = anchor - 1
    while i > ctx.sentence.start and doc[i].norm_.lower() in clauses.auxiliaries:
        i -= 1
    if is_first_person(anchor):  # the predicate opens with it: "we train ..."
        pronoun = anchor
    elif is_first_person(i):
        pronoun = i
    elif is_first_person(i - 1) and doc[i].is_alpha:  # "our minehunters have been ..."
        pronoun = i - 1
    elif is_first_person(role.start - 1):
        pronoun = role.start - 1
    else:
        return None
    opened = sum(1 for k in range(ctx.para_start, pronoun) if doc[k].text in clauses.quotes)
    if opened % 2 == 1:
        speaker = quote_speaker(ctx, predicate)
        return [speaker] if speaker is not None else None
    return [Holder(actor, None, None) for actor in ctx.voice]


def _relative_subject(ctx: SentenceContext, anchor: int) -> list[Holder] | None:
    """ "The coalition is led by Britain and France, who have said they are prepared to
    ...": in a relative clause that runs to the predicate, whoever "who" or "which"
    follows holds the role, even where it was an object in the main clause."""
    doc = ctx.doc
    clauses = ctx.patterns.clauses
    for i in range(anchor - 1, ctx.sentence.start + 1, -1):
        word = doc[i].norm_.lower()
        if word in clauses.clause_ends or doc[i].text == ",":
            return None
        if word not in ("who", "which") or doc[i - 1].text != ",":
            continue
        if any(i < m.start < anchor for m in ctx.mentions):
            return None  # the clause names its own subject
        named = [m for m in ctx.mentions if m.end == i - 1]
        if not named or named[0].eligible:
            return None  # an eligible subject is found the ordinary way
        place = _prev_word(doc, named[0].start, clauses.articles | clauses.compass)
        if place in clauses.locatives:
            return []  # "a centre in southern Israel, which monitors ...": a place
        members = [named[0]]
        for m in reversed([m for m in ctx.mentions if m.end < members[0].start]):
            words = {doc[k].norm_.lower() for k in range(m.end, members[0].start)}
            if not words <= ctx.patterns.list_glue:
                break
            members.insert(0, m)
        found = [holder_of(ctx, m) for m in members]
        return [h for h in found if h is not None]
    return None


def partners(ctx: SentenceContext, role: Hit, found: list[Holder]) -> list[Holder]:
    """ "We will deliver, together with Belgium and Norway, a package ...", "With Romania
    and Bulgaria, Turkey has been clearing mines": the partners
    named before the role share the holders' position, even where the holders are not
    known ("together with Denmark and Sweden we have paid for ...", in nobody's voice)."""
    doc = ctx.doc
    words = ctx.patterns.clauses.partners
    taken = {h.actor for h in found}
    out: list[Holder] = []
    glue = ctx.patterns.list_glue
    articles = ctx.patterns.clauses.articles
    opened = False  # inside the list a partner word opened
    last = -1
    for m in ctx.mentions:
        if m.end > role.start and (
            m.start - role.end > MAX_PARTNER_GAP
            or ctx.crosses(role.end, m.start)
            or any(
                doc[k].text == "," and doc[k + 1].norm_.lower() not in words
                for k in range(role.end, m.start)
            )
        ):
            break  # after the role, partners in its clause: "clearing mines together with A"
        first = index_before(doc, m.start, articles, ctx.sentence.start) + 1
        before = [doc[k].norm_.lower() for k in range(max(ctx.sentence.start, first - 2), first)]
        with_partner = len(before) == 2 and before[1] == "with" and before[0] in words
        # "With Romania and Bulgaria, Turkey has been clearing mines": an opening "with".
        with_partner |= before[-1:] == ["with"] and first - 1 == ctx.sentence.start
        if with_partner or before[-1:] == ["alongside"]:
            opened = True
        elif not opened or not {doc[k].norm_.lower() for k in range(last, m.start)} <= glue:
            opened = False
            continue
        last = m.end
        holder = holder_of(ctx, m)
        if holder is not None and holder.actor not in taken:
            taken.add(holder.actor)
            out.append(holder)
    return out


def _donors(ctx: SentenceContext, role: Hit) -> list[Holder]:
    """ "The transfer of F-16s from Denmark and the Netherlands is under way": in the
    transfer of a role that is the subject of a passive, whoever it comes from holds it."""
    doc = ctx.doc
    lead = range(max(ctx.sentence.start, role.start - 3), role.start)
    if not any(doc[k].norm_.lower() in ctx.patterns.clauses.transfers for k in lead):
        return []
    glue = ctx.patterns.list_glue
    out: list[Holder] = []
    last = -1
    for m in ctx.mentions:
        if m.start <= role.end or m.start - role.end > MAX_DONOR_GAP:
            continue
        if not out:
            if doc[m.start - 1].norm_.lower() != "from" or ctx.crosses(role.end, m.start):
                continue
        elif not {doc[k].norm_.lower() for k in range(last, m.start)} <= glue:
            break
        last = m.end
        holder = holder_of(ctx, m)
        if holder is not None:
            out.append(holder)
    return out


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
    if unnamed_subject(ctx, before[-1].end, anchor):
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
        and m.end <= role.start
        and m.eligible
        and not ctx.crosses(predicate.end, m.start)
    ]
    if between:
        return expand(ctx, between[:1], forward=True)
    return named_after(ctx, role)


def unnamed_subject(ctx: SentenceContext, start: int, anchor: int) -> bool:
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
        # A list of objects or agents ends where a subject follows ("hosted by Saudi
        # Arabia, the United States resumed ...").
        while j < len(ordered) and (chosen[0].eligible or not ordered[j].eligible):
            words = {doc[k].norm_.lower() for k in range(members[-1].end, ordered[j].start)}
            if not words or not words <= glue | _hedge_words(
                document, members[-1].end, ordered[j].start
            ):
                break
            members.append(ordered[j])
            j += 1
    out: list[Holder] = []
    # A member that is a place or an object ("bases in Poland and Romania") holds nothing;
    # but the list an agent opens goes on as one ("funded by Spain and by Italy").
    opened = forward and not chosen[0].eligible
    members = [
        m for m in members if m is chosen[0] or m.eligible or (opened and m.start > chosen[0].start)
    ]
    for m in members:
        hedged = any(
            m.start - 2 <= h.start and h.end <= m.start for h in document.by_layer.get("hedge", [])
        )
        holder = _holder(ctx, m)
        if holder is not None:
            holder.hedged = hedged
            out.append(holder)
    return out


def holder_of(ctx: SentenceContext, m: Mention) -> Holder | None:
    """The holder a mention names: a person holds for the actor of their office."""
    return _holder(ctx, m)


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


# -- the first person ------------------------------------------------------------

# How many tokens a speaker label ("The Secretary of State for Defence (Jane Doe):")
# may run before its colon.
MAX_LABEL = 16
# How many paragraphs at the top (title, standfirst) name the side a text is by.
HEAD_PARAGRAPHS = 2


def paragraph_voices(
    document: Document, sentences: list[Sentence], patterns: Patterns, index: ActorIndex
) -> dict[int, tuple[str, ...]]:
    """Whom "we" and "I" outside quotations stand for, paragraph by paragraph: the actor
    of the speaker label that opens the turn, the signatories of "We, the ministers of
    A, B and C", or else the side the text is by (the actor its title names)."""
    home = _home(document, sentences, patterns, index)
    firsts: dict[int, Sentence] = {}
    for sentence in sentences:
        firsts.setdefault(sentence.para, sentence)
    out: dict[int, tuple[str, ...]] = {}
    voice = home
    for sentence in sentences:
        if firsts[sentence.para] is sentence:
            label = _speaker_label(document.doc, sentence, patterns)
            said = None if label is None else _label_voice(document, label, home, patterns, index)
            if said is not None:
                voice = said
        # "1. We, the Prime Ministers of ...": the opening may follow a paragraph number.
        signed = _signatories(document, sentence, patterns)
        if signed:
            voice = signed
            home = home or signed
        out[sentence.para] = voice
    return out


def _home(
    document: Document, sentences: list[Sentence], patterns: Patterns, index: ActorIndex
) -> tuple[str, ...]:
    """The side a text is by: the first actor that may hold a position in its title or
    standfirst, else the first one named after "by" or "of" there ("Briefing by the
    spokesperson of the Ministry of Foreign Affairs of Ruritania")."""
    doc = document.doc
    head = [s for s in sentences if s.para < HEAD_PARAGRAPHS]
    if not head:
        return ()
    end = head[-1].end
    named = [m for m in document.mentions if m.end <= end]
    # "Press Briefing by the White House Press Secretary (Ukraine excerpts)": the text is
    # by whoever "by" names, before any other actor its title names.
    chosen = next(
        (m for m in named if _prev_word(doc, m.start, patterns.clauses.articles) == "by"), None
    )
    # A title names the war's victim as its subject ("Ukraine: ... deployments") more
    # often than as its author: another actor the title names comes first.
    eligible = [m for m in named if m.eligible]
    chosen = chosen or next(
        (m for m in eligible if m.name.code not in patterns.clauses.recipients),
        eligible[0] if eligible else None,
    )
    if chosen is None:
        chosen = next(
            (m for m in named if _prev_word(doc, m.start, patterns.clauses.articles) == "of"),
            None,
        )
    if chosen is None:
        return ()
    if chosen.name.kind == ActorKind.PERSON:
        # An interview headed by its interviewee's name: the side the person speaks for.
        actor = index.speaks_for(chosen.name.code, document.published_on)
        return (actor,) if actor else ()
    return (chosen.name.code,)


def _speaker_label(doc: Doc, sentence: Sentence, patterns: Patterns) -> tuple[int, int] | None:
    """The tokens of a speaker label opening the sentence ("MR. SMITH:", "Q:"): up to a
    colon, only capitalised words, label words, punctuation and asides in brackets."""
    words = patterns.clauses.label_words
    depth = 0
    for i in range(sentence.start, min(sentence.end, sentence.start + MAX_LABEL)):
        token = doc[i]
        if token.is_punct and token.text.endswith(":"):  # ":" or "):"
            return (sentence.start, i) if i > sentence.start else None
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif not (
            depth > 0 or token.is_punct or token.text[:1].isupper() or token.norm_.lower() in words
        ):
            return None
    return None


def _label_voice(
    document: Document,
    label: tuple[int, int],
    home: tuple[str, ...],
    patterns: Patterns,
    index: ActorIndex,
) -> tuple[str, ...] | None:
    """Whom the labelled speaker speaks for: the actor the label names; the text's side
    for an office ("The Prime Minister", "THE SPOKESPERSON") or an answer ("A:"); nobody
    for a question ("Q:") or a member named by party or honorific ("Jane Doe (Party):");
    None when the label is no speaker's ("From:", "Published:", a headline's "Name:")."""
    doc = document.doc
    start, end = label
    for m in document.mentions:
        if start <= m.start and m.end <= end:
            if m.name.kind != ActorKind.PERSON:
                return (m.name.code,)
            actor = index.speaks_for(m.name.code, document.published_on)
            if actor is not None:
                return (actor,)
    words = {doc[i].norm_.lower() for i in range(start, end)}
    clauses = patterns.clauses
    if words & clauses.questioners and end - start == 1:
        return ()
    # "MR. MILLER:", "Mr MARLES (Corio—Deputy Prime Minister) (14:22):": the one
    # office-holder of that surname on the day, before what the label's words say.
    for i in range(start, end):
        if doc[i].text[:1].isupper() and doc[i].norm_.lower() not in clauses.honorifics:
            actor = index.speaks_for_surname(doc[i].text, document.published_on)
            if actor is not None:
                return (actor,)
    if words & patterns.agent_nouns or words & clauses.answerers:
        return home
    if "(" in words or words & clauses.honorifics:
        return ()
    return None


def _signatories(document: Document, sentence: Sentence, patterns: Patterns) -> tuple[str, ...]:
    """ "We, the Ministers of Defence of A, B and C, ...": the actors the opening "We"
    lists (a joint statement's signatories)."""
    doc = document.doc
    first = next(
        (
            i
            for i in range(sentence.start, min(sentence.end, sentence.start + 4))
            if doc[i].norm_.lower() == "we"
        ),
        None,
    )
    if first is None or first + 1 >= sentence.end or doc[first + 1].text != ",":
        return ()
    glue = patterns.list_glue
    out: list[str] = []
    last = -1
    for m in document.mentions:
        if m.start <= first or m.start >= sentence.end:
            continue
        between = {doc[k].norm_.lower() for k in range(last, m.start)} if out else set()
        if out and not between <= glue:
            break
        if m.name.kind != ActorKind.PERSON and m.name.code not in out:
            out.append(m.name.code)
        last = m.end
    return tuple(out)
