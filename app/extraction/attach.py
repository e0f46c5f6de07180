"""Attaching a role to its governing predicate and holders, and conditions to a role."""

from itertools import pairwise

from app.extraction.context import (
    Condition,
    Document,
    Governed,
    Holder,
    Memory,
    Sentence,
    SentenceContext,
)
from app.extraction.cues import Cue, Hit, Patterns
from app.extraction.mentions import expand, holder_of, holders, index_before, partners
from app.extraction.roles import as_role
from app.vocab import STATUS_RANK, ActorKind, Status

# How far (in tokens) a status cue may stand from the role it governs.
MAX_GOVERN_GAP = 8
MAX_PLAN_GAP = 12
MAX_AFTER_GAP = 6
# How far a rung cue may stand from a role that only the lone actor of its clause can hold.
MAX_LONE_GAP = 8
# Most tokens between two roles whose verbs "and" coordinates under one predicate.
MAX_COORDINATED_GAP = 16
# Most tokens a condition set off by commas may add between a predicate and its role.
MAX_ASIDE = 12
# The layers whose cues can govern a role from before it.
_PREDICATE_LAYERS = ("status", "call", "plan", "agent")
# A table row's cells are set off by this.
TABLE_BAR = "|"
_RUNGS = frozenset(s.value for s in Status)
# Before a role, these make it the recipient of another role named before it.
_RECIPIENT_PREPOSITIONS = frozenset({"to", "of", "for"})
FORCE_ROLE = "ground_forces"


def govern_roles(ctx: SentenceContext) -> list[tuple[Hit, Governed]]:
    """Every role cue of the sentence that a predicate governs, with its predicate."""
    governed: dict[int, Governed] = {}
    roles: list[Hit] = []
    previous_role: Hit | None = None
    if is_question(ctx):
        # "Will NATO troops be part of the force?": an interviewer's or reporter's
        # question states nobody's position.
        return []
    if is_table_row(ctx):
        return _table_row(ctx)
    for role in ctx.hits("role"):
        if declined(ctx, role):
            continue
        chained = None
        if previous_role is not None and _is_list_glue(ctx, previous_role.end, role.start):
            chained = governed.get(previous_role.start)
        if chained is None:
            chained = _govern(ctx, role)
        if chained is None and previous_role is not None and _coordinated(ctx, previous_role, role):
            # "will impose sanctions ... and provide budget support": one predicate.
            chained = governed.get(previous_role.start)
        previous_role = role
        if chained is None:
            chained = _lone_actor(ctx, role)
        if chained is None:
            continue
        governed[role.start] = chained
        roles.append(role)
    if not roles:
        roles, governed = _listed_amounts(ctx)
    # Two roles read from one cue ("paid for" air defence) share their start: the last wins.
    return [(role, _with_partners(ctx, role, governed[role.start])) for role in roles]


def _listed_amounts(ctx: SentenceContext) -> tuple[list[Hit], dict[int, Governed]]:
    """An item of a list that names roles and an amount, with no predicate of its own
    ("- DKK 900 million for artillery ammunition"), in a text with a voice (a press
    release's government): what that side has pledged."""
    doc = ctx.doc
    start = ctx.sentence.start
    if not ctx.voice or doc[start].text not in ctx.patterns.clauses.bullets:
        return [], {}
    # The item opens with its amount: "- DKK 900 million for ...", "- 100,000 drones".
    if not any(doc[i].like_num for i in range(start + 1, min(start + 3, ctx.sentence.end))):
        return [], {}
    predicate = Hit(Cue("status", Status.PLEDGED.value, "an amount listed"), start, start + 1)
    governed = Governed(predicate, "before", [Holder(a, None, None) for a in ctx.voice])
    roles = [r for r in ctx.hits("role") if not _own_forces(ctx, r)]
    return roles, {r.start: governed for r in roles}


def _with_partners(ctx: SentenceContext, role: Hit, governed: Governed) -> Governed:
    """The role's holders and the partners named with them before it ("together with")."""
    found = partners(ctx, role, governed.holders)
    return governed._replace(holders=governed.holders + found) if found else governed


def _table_row(ctx: SentenceContext) -> list[tuple[Hit, Governed]]:
    """A row of a table of positions ("| Country | Contribution | Status |"): the actors
    of the first cell hold the roles of the status cell ("Ruled out (troops)"), else of
    the other cells, else the text's topic role, at the rung the status cell names. The
    status cell is the one under a header "Status", else the last."""
    doc = ctx.doc
    bars = [i for i in range(ctx.sentence.start, ctx.sentence.end) if doc[i].text == TABLE_BAR]
    if len(bars) < 4:  # three cells at least: actor, contribution, status
        return []
    cells = list(pairwise(bars))
    first = cells[0]
    named = [m for m in ctx.mentions if first[0] < m.start and m.end <= first[1]]
    if not named:
        _read_header(ctx, cells)
        return []
    column = ctx.memory.status_column
    status = cells[column] if column is not None and column < len(cells) else cells[-1]
    predicate = _cell_status(ctx, *status)
    if predicate is None:
        return []
    roles = [r for r in ctx.hits("role") if status[0] < r.start < status[1]]
    roles = roles or [
        r
        for r in ctx.hits("role")
        if first[1] < r.start < bars[-1] and not status[0] < r.start < status[1]
    ]
    if not roles and ctx.memory.topic_role is not None:
        roles = [as_role(predicate, ctx.memory.topic_role, "the text's role")]
    found = [h for h in (holder_of(ctx, m) for m in named) if h is not None]
    governed = Governed(predicate, "before", found)
    return [(role, governed) for role in roles]


def _read_header(ctx: SentenceContext, cells: list[tuple[int, int]]) -> None:
    """A header row ("| Contributor | Amount | Status | Notes |") names the status column
    of the rows under it; a rule row ("|---|---|") changes nothing."""
    doc = ctx.doc
    heads = [{doc[i].norm_.lower() for i in range(a + 1, b)} for a, b in cells]
    if not any(words - {"-", ":"} for words in heads):
        return
    ctx.memory.status_column = next(
        (n for n, words in enumerate(heads) if words & ctx.patterns.clauses.status_headers),
        None,
    )


def _cell_status(ctx: SentenceContext, start: int, end: int) -> Hit | None:
    """The rung a status cell names: a rung's own name ("Willing", "Ruled out"), else
    the first status cue in it ("Delivered / under way"); none after a negation ("Not
    confirmed")."""
    doc = ctx.doc
    words = [doc[i].norm_.lower() for i in range(start + 1, end) if not doc[i].is_punct]
    if not words or words[0] in ctx.patterns.clauses.negations:
        return None
    name = "_".join(words[:2]) if "_".join(words[:2]) in _RUNGS else words[0]
    if name in _RUNGS:
        return Hit(Cue("status", name, f"table: {name}"), start + 1, start + 2)
    return next(
        (h for layer in ("status", "after") for h in ctx.hits(layer) if start < h.start < end),
        None,
    )


def declined(ctx: SentenceContext, role: Hit) -> bool:
    """Whether the role cue names no role of anyone's here: a side's own forces, forces
    sent elsewhere, or a force that another role goes to."""
    return _own_forces(ctx, role) or _recipient(ctx, role)


def is_table_row(ctx: SentenceContext) -> bool:
    """Whether the sentence is a row of a pipe table (read by its columns)."""
    return ctx.doc[ctx.sentence.start].text == TABLE_BAR


def _recipient(ctx: SentenceContext, role: Hit) -> bool:
    """ "Offer logistical support to a multinational force", "contributions to the air
    component of the reassurance force": a force that another role is given to or is
    part of is where that role goes, not a role of its own."""
    if role.value != FORCE_ROLE:
        return False
    doc = ctx.doc
    articles = ctx.patterns.clauses.articles
    i = role.start - 1
    while i > ctx.sentence.start and doc[i].norm_.lower() in articles:
        i -= 1
    if doc[i].norm_.lower() not in _RECIPIENT_PREPOSITIONS:
        return False
    return any(
        r.end <= i and r.value != role.value and not ctx.crosses(r.end, i) for r in ctx.hits("role")
    )


def is_question(ctx: SentenceContext) -> bool:
    """Whether the sentence ends with a question mark (closing quotes and the Markdown
    emphasis of an interviewer's bold question aside)."""
    doc = ctx.doc
    quotes = ctx.patterns.clauses.quotes
    i = ctx.sentence.end - 1
    while i > ctx.sentence.start and (
        doc[i].is_space or doc[i].text in quotes or not doc[i].text.strip("*_")
    ):
        i -= 1
    return doc[i].text == "?"


def _own_forces(ctx: SentenceContext, role: Hit) -> bool:
    """Not this role: an excluded side's own forces ("Ukrainian soldiers"), or forces
    sent to another state than the role's territory ("troops to Estonia")."""
    doc = ctx.doc
    p = ctx.patterns
    excluded = p.role_exclusions.get(role.value, frozenset())
    territory = p.role_territory.get(role.value)
    for m in ctx.mentions:
        modifies = m.end == role.start or (m.end + 1 == role.start and doc[m.end].text == "'s")
        place = doc[role.start].norm_.lower() in p.territory_nouns
        if modifies and m.name.code in excluded and not place:
            return True
        if (
            territory is not None
            and role.end < m.start <= role.end + 3
            and doc[m.start - 1].norm_.lower() in p.clauses.destinations
            and m.name.kind == ActorKind.STATE
            and m.name.code != territory
            and not any(doc[i].is_punct for i in range(role.end, m.start))
        ):
            return True
    return False


def _is_list_glue(ctx: SentenceContext, start: int, end: int) -> bool:
    """Whether only list words stand between two roles ("intelligence and possibly ...")."""
    if end <= start or end - start > 5:
        return end == start
    doc = ctx.doc
    words = {doc[i].norm_.lower() for i in range(start, end)}
    return words <= ctx.patterns.clauses.role_glue


def _govern(ctx: SentenceContext, role: Hit) -> Governed | None:
    """The predicate that governs the role, its mode, and who holds the role."""
    predicate, mode = _predicate_before(ctx, role), "before"
    if predicate is None or (predicate.layer != "agent" and not _named_before(ctx, predicate)):
        # "Ministers discussed an air mission, led by Sweden": nobody named holds the
        # discussing, so the mission's agent (or a relative clause's subject) holds it.
        agent = _agent_after(ctx, role)
        if agent is not None:
            predicate, mode = agent, "after"
        else:
            relative = _object_relative(ctx, role)
            if relative is not None:
                return relative
    if predicate is None:
        predicate, mode = _predicate_after(ctx, role), "after"
    if predicate is None:
        return None
    if predicate.layer == "call":
        return Governed(predicate, "call", [])
    if predicate.layer == "agent" and any(
        predicate.end <= m.start and m.end <= role.start and m.eligible for m in ctx.mentions
    ):
        return None  # "hosted by Saudi Arabia, the United States resumed deliveries"
    predicate = _with_modal(ctx, predicate)
    lo, hi = sorted((predicate.end, role.start))
    if any(lo <= e.start < hi for e in ctx.hits("event")):
        return None
    mode = _mode(ctx, predicate, mode)
    found = holders(ctx, predicate, role, mode)
    if _contrasted(ctx, role):
        # "ammunition, not troops": whatever the predicate, this role is refused.
        predicate = Hit(Cue("status", Status.RULED_OUT.value, "not"), role.start - 1, role.start)
    return Governed(predicate, mode, found)


def _contrasted(ctx: SentenceContext, role: Hit) -> bool:
    """A role set against another by "not" after a comma or "but": "shells, not troops"."""
    doc = ctx.doc
    i = index_before(doc, role.start, ctx.patterns.clauses.articles, ctx.sentence.start + 1)
    if i <= ctx.sentence.start or doc[i].norm_.lower() not in ("not", "never"):
        return False
    return doc[i - 1].text == "," or doc[i - 1].norm_.lower() in ("but", "and")


def _predicate_before(ctx: SentenceContext, role: Hit) -> Hit | None:
    """The nearest predicate before the role, if near enough and in the same clause."""
    doc = ctx.doc
    candidates = [
        h
        for name in _PREDICATE_LAYERS
        for h in ctx.hits(name)
        if h.start <= role.start or (h.start < role.end and h.layer == "agent")
    ]
    if not candidates:
        return None
    h = sorted(candidates, key=lambda h: -h.start)[0]
    limit = MAX_PLAN_GAP if h.layer == "plan" else MAX_GOVERN_GAP
    supply_verbs = ctx.patterns.clauses.supply_verbs
    if doc[h.end - 1].norm_.lower() in supply_verbs or (
        h.end < len(doc) and doc[h.end].norm_.lower() in supply_verbs
    ):
        # "would pay for a further 250 million euros' worth of U.S.-made weapons":
        # the role is the object of a verb of giving, however long its phrase.
        limit = MAX_PLAN_GAP
    if role.start - h.end > limit + MAX_ASIDE:
        return None
    gap, crosses = _span(ctx, h.end, role.start)
    if gap > limit or crosses:
        return None
    return h


def _object_relative(ctx: SentenceContext, role: Hit) -> Governed | None:
    """ "the force, which Britain and France have committed to lead", "the Patriot
    system that Romania donated", "the sanctions the EU has adopted": the role is the
    object of the relative clause after it, whose subject holds it."""
    doc = ctx.doc
    i = role.end
    # The role's head noun may follow it: "the Patriot system that ...".
    relatives = ("which", "that")
    ahead = range(i, min(i + 3, ctx.sentence.end))
    head = next((k for k in ahead if doc[k].norm_.lower() in relatives), i)
    if head > i and any(doc[k].is_punct and doc[k].text != "," for k in range(i, head)):
        return None
    i = head
    while i < ctx.sentence.end and doc[i].norm_.lower() in (",", "which", "that", "the"):
        i += 1
    subject = [
        m for m in ctx.mentions if m.start == i and m.eligible and m.name.kind != ActorKind.PERSON
    ]
    if not subject:
        return None
    found = expand(ctx, subject[:1], forward=True)
    last = max((h.mention.end for h in found if h.mention is not None), default=subject[0].end)
    for h in ctx.hits("status"):
        if 0 <= h.start - last <= MAX_AFTER_GAP and not ctx.crosses(last, h.start):
            return Governed(_with_modal(ctx, h), "before", found)
    return None


def _lone_actor(ctx: SentenceContext, role: Hit) -> Governed | None:
    """A role no predicate reaches by position, in a clause that holds a rung cue and names
    one actor that may hold it, and no other: that actor's, at that rung ("Poland already
    carries the weight of the logistic hub of Rzeszow")."""
    excluded = ctx.patterns.role_exclusions.get(role.value, frozenset())
    named = {
        m.name.code: m
        for m in ctx.mentions
        if m.eligible and m.name.kind != ActorKind.PERSON and m.name.code not in excluded
    }
    if len(named) != 1:
        return None
    mention = next(iter(named.values()))
    rungs = [
        h
        for layer in ("status", "after")
        for h in ctx.hits(layer)
        if not ctx.crosses(min(h.start, role.start), max(h.end, role.end))
        and min(abs(h.start - role.end), abs(role.start - h.end)) <= MAX_LONE_GAP
    ]
    if not rungs:
        return None
    holder = holder_of(ctx, mention)
    if holder is None:
        return None
    nearest = min(rungs, key=lambda h: abs(h.start - role.start))
    return Governed(_with_modal(ctx, nearest), "before", [holder])


def _named_before(ctx: SentenceContext, predicate: Hit) -> bool:
    """Whether an actor that may hold a position is named before the predicate."""
    return any(m.eligible and m.end <= predicate.start for m in ctx.mentions)


def _agent_after(ctx: SentenceContext, role: Hit) -> Hit | None:
    """An agent cue right after the role: "a reassurance force, led by the UK and
    France" is theirs, whatever verb the sentence puts before the force."""
    for h in ctx.hits("agent"):
        if role.end < h.start and h.start - role.end <= MAX_AFTER_GAP:
            # Not across a relative clause: "sanctions that are not adopted by the UN".
            return None if ctx.crosses(role.end, h.start) else h
    return None


def _predicate_after(ctx: SentenceContext, role: Hit) -> Hit | None:
    """A passive cue after the role ("ground forces had been ruled out"), or a status
    right after a role noun that is the subject ("20,000 troops could deploy")."""
    for h in ctx.hits("after"):
        if 0 <= h.start - role.end <= MAX_AFTER_GAP and not ctx.crosses(role.end, h.start):
            return h
    for h in ctx.hits("status"):
        if 0 <= h.start - role.end <= 1:
            return h
    return None


def _mode(ctx: SentenceContext, predicate: Hit, mode: str) -> str:
    """How the predicate governs: a plan assigns, an agent cue names the actor after it,
    and a modal under "under the plan" assigns too."""
    if predicate.layer == "plan":
        return "plan"
    if predicate.layer == "agent":
        return "agent"
    if (
        predicate.value in (Status.CONSIDERING, Status.WILLING, Status.PLEDGED)
        and ctx.doc[predicate.start].norm_.lower() in ctx.patterns.clauses.modals
        and any(h.start < predicate.start for h in ctx.hits("plan_context"))
    ):
        return "plan"
    return mode


def _with_modal(ctx: SentenceContext, predicate: Hit) -> Hit:
    """A modal or an attitude right before the predicate sets the rung: "could offer" is
    considering, "prepared to commit" willing."""
    if predicate.layer != "status":
        return predicate
    doc = ctx.doc
    modals = ctx.patterns.clauses.modals
    for h in ctx.hits("status"):
        if h is predicate or not 0 <= predicate.start - h.end <= 2:
            continue
        modal = doc[h.start].norm_.lower() in modals and h.end - h.start == 1
        # "prepared to commit", "reluctant to commit", "expected to announce": the
        # attitude to the act, right before it, is the rung.
        attitude = all(doc[i].norm_.lower() == "to" for i in range(h.end, predicate.start))
        if not modal and not (attitude and predicate.start - h.end <= 1):
            continue
        rank = STATUS_RANK.get(Status(predicate.value))
        weaker = STATUS_RANK.get(Status(h.value))
        if rank is not None and weaker is not None and weaker < rank:
            return Hit(h.cue, h.start, predicate.end)
    return predicate


def _coordinated(ctx: SentenceContext, previous: Hit, role: Hit) -> bool:
    """Whether the role's verb is coordinated with the previous role's: "and" joins
    them, in one clause, with no predicate or event of its own between."""
    doc = ctx.doc
    words = [doc[i].norm_.lower() for i in range(previous.end, role.start)]
    if "and" not in words or len(words) > MAX_COORDINATED_GAP:
        return False
    if any(w in ctx.patterns.clauses.barriers for w in words):
        return False
    return not any(
        previous.end <= h.start < role.start
        for name in ("status", "call", "event", "speech", "plan")
        for h in ctx.hits(name)
    )


def _span(ctx: SentenceContext, start: int, end: int) -> tuple[int, bool]:
    """The words between a predicate and its role, and whether a clause barrier stands
    among them. A condition set off by commas (", once the fighting stops,") is an
    aside: its words do not count and its "when" is no barrier."""
    doc = ctx.doc
    aside: set[int] = set()
    for t in ctx.hits("trigger"):
        if start < t.start < end and doc[t.start - 1].text == ",":
            close = next((i for i in range(t.end, end) if doc[i].text == ","), None)
            if close is not None:
                aside.update(range(t.start - 1, close + 1))
    kept = [i for i in range(start, end) if i not in aside]
    words = sum(1 for i in kept if not doc[i].is_punct)
    barriers = ctx.patterns.clauses.barriers
    return words, any(doc[i].norm_.lower() in barriers for i in kept)


# -- conditions ----------------------------------------------------------------


def find_conditions(
    document: Document,
    memory: Memory,
    patterns: Patterns,
    sentence: Sentence,
    layer: dict[str, list[Hit]],
) -> list[Condition]:
    """The sentence's conditions; one after a plan noun is kept for the plan's roles."""
    doc = document.doc
    ends = patterns.clauses.clause_ends | {","}
    out: list[Condition] = []
    covered = -1
    for trigger in layer.get("trigger", []):
        if trigger.start < covered:
            continue
        end = trigger.end
        while end < sentence.end and doc[end].norm_.lower() not in ends:
            end += 1
        types = {h.value for h in layer.get("condition", []) if trigger.start <= h.start < end}
        if not types and trigger.value == "weak":
            continue
        ctype = next((t for t in patterns.condition_priority if t in types), "other")
        text = doc[trigger.start : end].text
        out.append(Condition(trigger.start, end, ctype, text))
        covered = end
        lead = range(max(sentence.start, trigger.start - 3), trigger.start)
        before = {doc[i].norm_.lower() for i in lead}
        if before & patterns.plan_nouns:
            memory.plan_conditions.setdefault(sentence.para, []).append(
                Condition(-1, -1, ctype, text)
            )
    return out


def owns(condition: Condition, predicate: Hit, role: Hit, predicates: set[int]) -> bool:
    """Whether a condition after the role is still the role's: no other predicate between."""
    trigger = condition.trigger
    if trigger < role.end:
        return True
    return not any(role.end <= p < trigger for p in predicates if p != predicate.start)


def attach_conditions(
    ctx: SentenceContext,
    governed: tuple[Hit, Hit],
    conditions: list[Condition],
    holders: list[Holder],
) -> list[Condition]:
    """Conditions tied to this position: after it in its clause, between its predicate
    and its role, or fronted before it (not across a ";": "ready to deploy after a
    ceasefire; Spain offers trainers")."""
    predicate, role = governed
    first = min((h.mention.start for h in holders if h.mention), default=predicate.start)
    doc = ctx.doc
    attached = []
    for condition in conditions:
        trigger = condition.trigger
        between = predicate.end <= trigger < role.start  # "ready, once ..., to send"
        fronted = trigger < first and trigger < predicate.start
        if fronted and 0 <= condition.end < len(doc) and doc[condition.end].text == ";":
            fronted = False
        if trigger >= role.end or between or fronted:
            attached.append(condition)
    return attached
