"""The status rules: each moves a commitment's rung for one reason the codebook names.

A governed role starts at its predicate's rung (`considering` when a plan assigns it).
The clause rules then run once per role, in the order of `CLAUSE_RULES`, each reading
the rung the rules before it left; the member rules run for each holder after them.
The order matters because each rule reads the rung the ones before it left: a
conditional "will" is first made `willing`, then mixed signals make it `considering`
(both notes kept); declining to say comes last, as it overrides any rung. Each rule
that moves the rung adds its note, for the reviewer.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.extraction.context import Condition, Holder, SentenceContext
from app.extraction.cues import Hit
from app.vocab import STATUS_RANK, Status

LADDER = [
    Status.RULED_OUT,
    Status.RELUCTANT,
    Status.CONSIDERING,
    Status.WILLING,
    Status.PLEDGED,
    Status.ACTIVE,
]
# How far (in tokens) a "declined to say" may stand before the predicate it withholds.
MAX_UNDISCLOSED_GAP = 6
# The verbs of a lead role.
LEADING = frozenset({"lead", "leads", "leading", "co-lead", "command", "head"})


@dataclass(frozen=True)
class RoleEvidence:
    """A role tied to its predicate and holders in one sentence: what a status rule reads."""

    ctx: SentenceContext
    role: Hit
    predicate: Hit
    holders: list[Holder]
    limits: list[str]
    conditions: list[Condition]  # the conditions attached to this role


@dataclass(frozen=True)
class StatusRule:
    """One rung adjustment: the new rung when the rule applies, else None; and its note."""

    name: str
    note: str
    adjust: Callable[[RoleEvidence, str], str | None]


@dataclass(frozen=True)
class MemberRule:
    """A rung adjustment for one holder of the role (a member of a list)."""

    name: str
    note: str
    adjust: Callable[[RoleEvidence, Holder, str], str | None]


def apply_rules(
    rules: tuple[StatusRule, ...], evidence: RoleEvidence, status: str, notes: list[str]
) -> str:
    """The rung after the clause rules, in order; each rule that applies adds its note."""
    for rule in rules:
        adjusted = rule.adjust(evidence, status)
        if adjusted is not None:
            status = adjusted
            notes.append(rule.note)
    return status


def apply_member_rules(
    rules: tuple[MemberRule, ...],
    evidence: RoleEvidence,
    holder: Holder,
    status: str,
    notes: list[str],
) -> str:
    """The holder's rung after the member rules, in order, each adding its note."""
    for rule in rules:
        adjusted = rule.adjust(evidence, holder, status)
        if adjusted is not None:
            status = adjusted
            notes.append(rule.note)
    return status


def _first_holder_start(evidence: RoleEvidence) -> int:
    """Where the first holder is named (the sentence's start when none is)."""
    return min(
        (h.mention.start for h in evidence.holders if h.mention),
        default=evidence.ctx.sentence.start,
    )


def limited_refusal(evidence: RoleEvidence, status: str) -> str | None:
    """A refusal limited in time or place ("not into combat zones") is a limit; alone,
    what is left of it is hesitation, `reluctant`."""
    if status == Status.RULED_OUT.value and evidence.limits:
        return Status.RELUCTANT.value
    return None


def conditional_will(evidence: RoleEvidence, status: str) -> str | None:
    """ "Will send ... if" is a conditional threat or offer: `willing`, not `pledged`. A
    lead role allocated for after a ceasefire ("will lead the force once ...") stays
    `pledged` (codebook section 8: an allocated lead role)."""
    ctx = evidence.ctx
    doc = ctx.doc
    modal = doc[evidence.predicate.start].norm_.lower() in ctx.patterns.clauses.modals
    if status != Status.PLEDGED.value or not evidence.conditions or not modal:
        return None
    lo, hi = sorted((evidence.predicate.start, evidence.role.end))
    if any(doc[i].norm_.lower() in LEADING for i in range(lo, hi)):
        return None
    return Status.WILLING.value


def mixed_signals(evidence: RoleEvidence, status: str) -> str | None:
    """A `reluctant` cue between the actor and a willing one ("cautious, although they
    agree to ...") is `considering`."""
    if status not in (Status.WILLING.value, Status.PLEDGED.value):
        return None
    first = _first_holder_start(evidence)
    if any(
        first <= h.start < evidence.predicate.start and h.value == Status.RELUCTANT.value
        for h in evidence.ctx.hits("status")
    ):
        return Status.CONSIDERING.value
    return None


def declines_to_say(evidence: RoleEvidence, status: str) -> str | None:
    """ "Declined to say whether it would ..." right before the predicate: `undisclosed`."""
    first = _first_holder_start(evidence)
    start = evidence.predicate.start
    if any(
        h.value == Status.UNDISCLOSED.value
        and first <= h.start
        and 0 <= start - h.end <= MAX_UNDISCLOSED_GAP
        for h in evidence.ctx.hits("status")
    ):
        return Status.UNDISCLOSED.value
    return None


# How far a verb of announcing may stand before the "would" it reports.
MAX_ANNOUNCED_GAP = 6


def announced_would(evidence: RoleEvidence, status: str) -> str | None:
    """ "Announced that it would provide ...": an announcement's "would" is reported
    "will", a decision (`pledged`), not willingness."""
    ctx = evidence.ctx
    doc = ctx.doc
    predicate = evidence.predicate
    if status != Status.WILLING.value or predicate.end - predicate.start != 1:
        return None
    if doc[predicate.start].norm_.lower() != "would":
        return None
    announcing = ctx.patterns.clauses.announcing
    if any(
        0 <= predicate.start - h.end <= MAX_ANNOUNCED_GAP
        and doc[h.start].norm_.lower() in announcing
        for h in ctx.hits("speech")
    ):
        return Status.PLEDGED.value
    return None


def hedged_member(evidence: RoleEvidence, holder: Holder, status: str) -> str | None:
    """A hedge right before a list member ("and possibly Finland") lowers that member one
    rung, from `willing` up (its certainty is lowered apart)."""
    if not holder.hedged:
        return None
    rank = STATUS_RANK.get(Status(status))
    if rank is not None and rank >= 3:
        return LADDER[rank - 1].value
    return None


LIMITED_REFUSAL = StatusRule(
    "limited_refusal",
    "a refusal limited in time or place is a limit, not ruled_out",
    limited_refusal,
)
CONDITIONAL_WILL = StatusRule(
    "conditional_will", "a conditional 'will' is willing", conditional_will
)
MIXED_SIGNALS = StatusRule(
    "mixed_signals", "mixed signals (cautious, but would ...) are considering", mixed_signals
)
ANNOUNCED_WOULD = StatusRule(
    "announced_would", "an announced 'would' is a decision: pledged", announced_would
)
DECLINES_TO_SAY = StatusRule(
    "declines_to_say", "declines to say whether: undisclosed", declines_to_say
)
HEDGED_MEMBER = MemberRule("hedged_member", "a hedged list member is one rung lower", hedged_member)

# Once per role, in this order.
CLAUSE_RULES = (
    LIMITED_REFUSAL,
    ANNOUNCED_WOULD,
    CONDITIONAL_WILL,
    MIXED_SIGNALS,
    DECLINES_TO_SAY,
)
# Then for each holder of the role.
MEMBER_RULES = (HEDGED_MEMBER,)
