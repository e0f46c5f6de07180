"""Stances on initiatives the database knows, named in the sentence with a stance cue."""

from app.extraction.attribution import basis
from app.extraction.context import Condition, Holder, SentenceContext
from app.extraction.cues import Hit
from app.extraction.document import char_span
from app.extraction.mentions import MAX_SUBJECT_GAP, expand, quote_speaker
from app.extraction.merge import Candidate
from app.vocab import Certainty


def stances(ctx: SentenceContext) -> list[Candidate]:
    """The stances of the sentence's first stance cue, on the initiative it names."""
    if not ctx.hits("stance") or not ctx.index.initiatives:
        return []
    slug = _initiative(ctx)
    if slug is None:
        return []
    # One stance per sentence: the first cue's.
    cue = ctx.hits("stance")[0]
    stance = cue.value
    attached = [c for c in ctx.conditions if c.trigger >= cue.start]
    if stance == "supports" and attached:
        stance = "conditional"
    return [
        _stance(ctx, cue, holder, stance, slug, attached) for holder in _stance_holders(ctx, cue)
    ]


def _initiative(ctx: SentenceContext) -> str | None:
    """The initiative whose name the sentence holds (all its content words, three fifths
    of them for names of four words or more), the fullest match first."""
    doc = ctx.doc
    sentence = ctx.sentence
    words = {doc[i].norm_.lower() for i in range(sentence.start, sentence.end)}
    matched = []
    for initiative in ctx.index.initiatives:
        overlap = len(initiative.words & words)
        size = len(initiative.words)
        needed = size if size <= 3 else -(-3 * size // 5)
        if overlap >= needed:
            matched.append((overlap / len(initiative.words), initiative.slug))
    if not matched:
        return None
    matched.sort(reverse=True)
    return matched[0][1]


def _stance_holders(ctx: SentenceContext, cue: Hit) -> list[Holder]:
    """The nearest actor before the cue (and its list), else a quotation's speaker."""
    before = [
        m
        for m in ctx.mentions
        if m.end <= cue.start and m.eligible and cue.start - m.end <= MAX_SUBJECT_GAP
    ]
    found = expand(ctx, before[-1:]) if before else []
    if not found:
        speaker = quote_speaker(ctx, cue)
        found = [speaker] if speaker else []
    return found


def _stance(
    ctx: SentenceContext,
    cue: Hit,
    holder: Holder,
    stance: str,
    slug: str,
    attached: list[Condition],
) -> Candidate:
    doc = ctx.doc
    found_basis, speaker, via = basis(ctx, holder, "before", "")
    start_tok = min(holder.mention.start if holder.mention else ctx.sentence.start, cue.start)
    end_tok = max(cue.end, max((c.end for c in attached), default=cue.end))
    start, end = char_span(doc, start_tok, end_tok, ctx.patterns.clauses.quotes)
    return Candidate(
        actor=holder.actor,
        kind="stance",
        role=None,
        initiative=slug,
        status=None,
        stance=stance,
        conditions=[(c.type, c.text) for c in attached] if stance == "conditional" else [],
        limits=[],
        quantity=None,
        certainty=Certainty.HIGH.value,
        basis=found_basis,
        speaker=speaker,
        via=via,
        stated_on=ctx.day,
        dated=ctx.dated,
        start=start,
        end=end,
        notes=[f"{stance} from '{doc[cue.start : cue.end].text}'; initiative by name"],
    )
