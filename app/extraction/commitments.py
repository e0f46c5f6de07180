"""A governed role's commitments, one per holder: status, limits, certainty, basis, span."""

from app.extraction.attach import attach_conditions
from app.extraction.attribution import basis
from app.extraction.context import Condition, Governed, Holder, SentenceContext
from app.extraction.cues import Hit
from app.extraction.document import char_span, quantity
from app.extraction.merge import Candidate
from app.extraction.status_rules import (
    CLAUSE_RULES,
    MEMBER_RULES,
    RoleEvidence,
    apply_member_rules,
    apply_rules,
)
from app.vocab import Basis, Certainty, Status

# How far after a refused role a limit makes the refusal a limit ("will not send troops
# into combat zones"); a positive claim keeps limits anywhere in its clause.
MAX_REFUSAL_LIMIT_GAP = 6


def commitments(
    ctx: SentenceContext, role: Hit, governed: Governed, owned: list[Condition]
) -> list[Candidate]:
    """The claims of each holder of a governed role; `owned` are the role's conditions."""
    predicate, mode, holders = governed
    if mode == "call" or not holders:
        return []
    doc = ctx.doc
    clause_end = _clause_end(ctx, role)
    status = Status.CONSIDERING.value if mode == "plan" else predicate.value
    notes = [f"{role.value} from '{doc[role.start : role.end].text}'"]
    words = doc[predicate.start : predicate.end].text
    notes.append(
        "assigned by a plan"
        if mode == "plan"
        # A rung no words give (the pair scorer's "in force") says where it comes from.
        else (f"{status} from '{words}'" if words else f"{status}: {predicate.cue.pattern}")
    )
    limits = _limits(ctx, role, predicate, status, clause_end)
    attached = attach_conditions(ctx, (predicate, role), owned, holders)
    if mode == "plan" and not attached:
        attached = list(ctx.memory.plan_conditions.get(ctx.sentence.para, []))
    evidence = RoleEvidence(ctx, role, predicate, holders, limits, attached)
    status = apply_rules(CLAUSE_RULES, evidence, status, notes)
    certainty = _certainty(ctx, role, holders)
    amount = quantity(
        doc[min(predicate.start, role.start) : clause_end].text,
        ctx.patterns.units,
        ctx.patterns.currencies,
    )
    excluded = ctx.patterns.role_exclusions.get(role.value, frozenset())
    out: list[Candidate] = []
    for holder in holders:
        if holder.actor in excluded:
            continue
        member_notes = list(notes)
        member_status = apply_member_rules(MEMBER_RULES, evidence, holder, status, member_notes)
        # A hedge on the member ("and possibly Finland") lowers its certainty too.
        member_certainty = Certainty.MEDIUM.value if holder.hedged else certainty
        found_basis, speaker, via = basis(ctx, holder, mode, member_status)
        if found_basis == Basis.REPORT.value and _reportedly(ctx):
            member_certainty = Certainty.MEDIUM.value
        start, end = _evidence_span(evidence, holder, mode, owned)
        out.append(
            Candidate(
                actor=holder.actor,
                kind="commitment",
                role=role.value,
                initiative=None,
                status=member_status,
                stance=None,
                conditions=[(c.type, c.text) for c in attached],
                limits=limits,
                quantity=amount,
                certainty=member_certainty,
                basis=found_basis,
                speaker=speaker,
                via=via,
                stated_on=ctx.day,
                dated=ctx.dated,
                start=start,
                end=end,
                notes=member_notes,
            )
        )
    return out


def _clause_end(ctx: SentenceContext, role: Hit) -> int:
    """The token where the role's clause ends."""
    doc = ctx.doc
    ends = ctx.patterns.clauses.clause_ends
    end = role.end
    while end < ctx.sentence.end and doc[end].norm_.lower() not in ends:
        end += 1
    return end


def _limits(
    ctx: SentenceContext, role: Hit, predicate: Hit, status: str, clause_end: int
) -> list[str]:
    """Scope limits in the clause; a refusal's limit must follow the role closely, before
    any comma, and quotes the refusal with it ("will not send troops into combat zones")."""
    doc = ctx.doc
    refusal = status == Status.RULED_OUT.value
    limit_end = clause_end
    if refusal:
        limit_end = min(clause_end, role.end + MAX_REFUSAL_LIMIT_GAP)
        while limit_end > role.end and any(doc[i].text == "," for i in range(role.end, limit_end)):
            limit_end -= 1
    out: list[str] = []
    for limit in ctx.hits("limit"):
        if min(predicate.start, role.start) <= limit.start < limit_end:
            start = predicate.start if refusal else limit.start
            out.append(doc[start : limit.end].text)
    return out


def _certainty(ctx: SentenceContext, role: Hit, holders: list[Holder]) -> str:
    """`medium` for a hedge in the clause after the holder, or right before the role;
    hedges that belong to another list member or another listed role do not count."""
    hedges = ctx.hits("hedge")
    reserved = _reserved_hedges(ctx, role)
    scan_from = max((h.mention.end for h in holders if h.mention), default=ctx.sentence.start)
    if scan_from > role.end:
        scan_from = ctx.sentence.start
    if any(scan_from <= h.start < role.end and h.start not in reserved for h in hedges):
        return Certainty.MEDIUM.value
    if any(role.start - 2 <= h.start and h.end <= role.start for h in hedges):
        return Certainty.MEDIUM.value
    return Certainty.HIGH.value


def _reserved_hedges(ctx: SentenceContext, role: Hit) -> set[int]:
    """Hedges that belong to one list member or one listed role, not to the clause."""
    reserved: set[int] = set()
    mentions = ctx.document.mentions
    for h in ctx.hits("hedge"):
        if any(m.start - 2 <= h.start and h.end <= m.start for m in mentions):
            reserved.add(h.start)
        if any(
            r.start != role.start and r.start - 2 <= h.start and h.end <= r.start
            for r in ctx.hits("role")
        ):
            reserved.add(h.start)
    return reserved


def _reportedly(ctx: SentenceContext) -> bool:
    """Whether the sentence says "reportedly": a report's attribution hedge."""
    doc = ctx.doc
    return any(
        h.value == "reportedly" or doc[h.start].norm_.lower() == "reportedly"
        for h in ctx.hits("hedge")
    )


def _evidence_span(
    evidence: RoleEvidence, holder: Holder, mode: str, owned: list[Condition]
) -> tuple[int, int]:
    """Character span of a holder's evidence: holder, predicate, role and the attached
    conditions; a quoted speaker's claim takes the whole sentence."""
    ctx = evidence.ctx
    predicate, role = evidence.predicate, evidence.role
    start_tok = min(
        holder.mention.start if holder.mention else ctx.sentence.start,
        predicate.start,
        role.start,
    )
    end_tok = max(role.end, predicate.end if mode == "after" else role.end)
    if holder.mention is not None:
        end_tok = max(end_tok, holder.mention.end)
    for condition in owned:
        if (
            any(c.trigger == condition.trigger for c in evidence.conditions)
            and condition.end > end_tok
        ):
            end_tok = condition.end
    if holder.mention is None and holder.speaker is not None:
        end_tok = ctx.sentence.end
    return char_span(ctx.doc, start_tok, end_tok, ctx.patterns.clauses.quotes)
