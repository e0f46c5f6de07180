"""Who says so: a claim's basis, speaker and via by the attribution cues (codebook 8)."""

from app.extraction.context import Holder, SentenceContext
from app.extraction.cues import Hit
from app.extraction.document import cited_outlets
from app.vocab import ActorKind, Basis, Status

# What `basis` gives: the basis, the speaker (a person's code) and the outlets cited.
Attribution = tuple[str, str | None, list[str]]


def basis(ctx: SentenceContext, holder: Holder, mode: str, status: str) -> Attribution:
    """Basis, speaker and via of the holder's claim (codebook section 8)."""
    if mode == "plan":
        return Basis.PLAN.value, None, ctx.own_via or ctx.para_via
    reported = _reported(ctx, holder)
    if reported is not None:
        return reported
    if holder.speaker is not None:
        return Basis.STATEMENT.value, holder.speaker, ctx.own_via
    spoken = _spoken(ctx, holder)
    if spoken is not None:
        return spoken
    if ctx.para_via:
        return Basis.REPORT.value, None, ctx.para_via
    if status == Status.ACTIVE.value:
        return Basis.STATEMENT.value, None, ctx.own_via
    return Basis.REPORT.value, None, ctx.own_via


def _reported(ctx: SentenceContext, holder: Holder) -> Attribution | None:
    """A report cue: the holder's own word when it is the source cited, else a report;
    "according to" counts only with an outlet cited."""
    doc = ctx.doc
    own_via = ctx.own_via
    for h in ctx.hits("report"):
        source = [m for m in ctx.document.mentions if h.end <= m.start <= h.end + 3]
        if source and source[0].name.code == holder.actor:
            return Basis.STATEMENT.value, holder.speaker, own_via
        if (
            h.value == "report"
            and doc[h.start].norm_.lower() == "according"
            and not (own_via or cited_outlets(ctx.document, h.start, ctx.sentence.end))
        ):
            continue
        return Basis.REPORT.value, None, own_via
    return None


def _spoken(ctx: SentenceContext, holder: Holder) -> Attribution | None:
    """A speech verb: a statement when its speaker speaks for the holder; a person of
    another side makes it a report."""
    for speech in ctx.hits("speech"):
        speaker = _speech_speaker(ctx, speech)
        if speaker is None:
            continue
        kind, code = speaker
        if kind == "person":
            actor = ctx.index.speaks_for(code, ctx.today)
            if actor == holder.actor:
                return Basis.STATEMENT.value, code, ctx.own_via
            return Basis.REPORT.value, None, ctx.own_via
        if code == holder.actor:
            return Basis.STATEMENT.value, None, ctx.own_via
    return None


def _speech_speaker(ctx: SentenceContext, speech: Hit) -> tuple[str, str] | None:
    """Who speaks: ('person', code) or ('actor', code), from the words around the verb."""
    doc = ctx.doc
    sentence = ctx.sentence
    near = [
        m
        for m in ctx.document.mentions
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
    last_person = ctx.memory.last_person
    if prev in ctx.patterns.clauses.pronoun_speakers and last_person is not None:
        return "person", last_person
    return None
