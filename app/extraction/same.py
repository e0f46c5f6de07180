"""Saying the same: "Italy will not send troops. Poland says the same." repeats the
commitment the text last read for the actor this sentence names."""

from dataclasses import replace

from app.extraction.context import SentenceContext
from app.extraction.document import char_span
from app.extraction.mentions import holder_of
from app.extraction.merge import Candidate


def said_the_same(ctx: SentenceContext, found: list[Candidate]) -> list[Candidate]:
    """The last commitment (of this sentence, before the cue: "Warsaw won't send troops,
    and Rome says the same"; else of the text), held by the actor that says the same (the
    subject before the cue, or the actor after "of": "Tusk said the same of Poland")."""
    cues = ctx.hits("same")
    if not cues:
        return []
    cue = cues[0]
    cue_at = ctx.doc[cue.start].idx
    earlier = [c for c in found if c.role is not None and c.end <= cue_at]
    last = earlier[-1] if earlier else ctx.memory.last_commitment
    if last is None:
        return []
    doc = ctx.doc
    after = [
        m for m in ctx.mentions if m.start == cue.end + 1 and doc[cue.end].norm_.lower() == "of"
    ]
    # The subject before the cue: the last named since that commitment, else the last one.
    before = [m for m in ctx.mentions if m.end <= cue.start and m.eligible]
    since = [m for m in before if doc[m.start].idx >= last.end]
    chosen = after[:1] or (since or before)[-1:]
    holder = holder_of(ctx, chosen[0]) if chosen else None
    if holder is None or holder.actor == last.actor:
        return []
    start, end = char_span(doc, ctx.sentence.start, ctx.sentence.end, ctx.patterns.clauses.quotes)
    return [
        replace(
            last,
            actor=holder.actor,
            speaker=holder.speaker,
            stated_on=ctx.day,
            dated=ctx.dated,
            start=start,
            end=end,
            notes=[*last.notes, f"says the same as {last.actor}"],
        )
    ]
