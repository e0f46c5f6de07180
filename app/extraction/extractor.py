"""The rule-based claim extractor: cues and actor names in, proposed claims out.

The pipeline (docs/extraction.md), one module a stage: `document` (sentences,
paragraphs, datelines, outlets, days), `cues` (the patterns and their matcher),
`mentions` (actor mentions and holders), `roles` (which roles a sentence's cues name),
`attach` (a role's governing predicate, holders and conditions), `status_rules` (the
rung adjustments), `commitments` and `attribution` (status, certainty, basis and span of
each claim), `stances`, and `merge` (one claim per actor and object). This module reads
a text through them, sentence by sentence.
"""

from collections.abc import Iterator
from datetime import date

from spacy.matcher import PhraseMatcher

from app.extraction.actors import ActorIndex
from app.extraction.attach import find_conditions, govern_roles, owns
from app.extraction.commitments import commitments
from app.extraction.context import Document, Memory, Sentence, SentenceContext
from app.extraction.cues import Patterns, default_patterns
from app.extraction.dates import datelines, find_dates
from app.extraction.document import (
    cited_outlets,
    outlet_mentions,
    paragraph_via,
    sentence_day,
    split_sentences,
)
from app.extraction.mentions import find_mentions, paragraph_voices
from app.extraction.merge import Candidate, merge
from app.extraction.pairs import PairReader, PairScorer, default_scorer
from app.extraction.roles import sentence_cues
from app.extraction.same import said_the_same
from app.extraction.schemas import ProposedClaim
from app.extraction.stances import stances
from app.vocab import ActorKind


class Extractor:
    """Reads news text against the cue patterns and one snapshot of the actors table."""

    def __init__(
        self,
        index: ActorIndex,
        patterns: Patterns | None = None,
        scorer: PairScorer | None = None,
    ) -> None:
        self.index = index
        self.patterns = patterns or default_patterns()
        self.scorer = scorer or default_scorer()
        self.nlp = self.patterns.nlp
        self._outlets = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for outlet in self.patterns.outlets:
            self._outlets.add(outlet, [self.nlp.make_doc(outlet)])

    def extract(
        self, text: str, published_on: date, *, outlet: str | None = None
    ) -> list[ProposedClaim]:
        """The claims the text supports, one per actor and role (or initiative)."""
        candidates, pairs = self.read(text, published_on)
        candidates += pairs.claims(candidates, self.scorer)
        return merge(candidates, text, self.index, outlet)

    def read(self, text: str, published_on: date) -> tuple[list[Candidate], PairReader]:
        """What the rules read, sentence by sentence, and the pairs they left."""
        candidates: list[Candidate] = []
        pairs = PairReader()
        for ctx in self.contexts(text, published_on):
            candidates.extend(_read_sentence(ctx, pairs))
        return candidates, pairs

    def contexts(self, text: str, published_on: date) -> Iterator[SentenceContext]:
        """Each sentence of the text in its context, in order. Lazily: what a sentence's
        claims leave in the memory (the last holders) is there for the next one."""
        doc = self.nlp(text)
        skip = datelines(text)
        document = Document(
            doc=doc,
            text=text,
            published_on=published_on,
            hits=self.patterns.hits(doc),
            mentions=find_mentions(self.index, self.patterns, doc, skip),
            outlets=outlet_mentions(self._outlets, doc),
            dates=[
                d
                for d in find_dates(text, published_on)
                if not any(s <= d.start < e for s, e in skip)
            ],
        )
        memory = Memory()
        sentences = split_sentences(
            doc, self.patterns.clauses.quotes, self.patterns.clauses.honorifics
        )
        para_via = paragraph_via(document, sentences)
        voices = paragraph_voices(document, sentences, self.patterns, self.index)
        para_starts: dict[int, int] = {}
        for sentence in sentences:
            para_starts.setdefault(sentence.para, sentence.start)
            yield self._context(
                document,
                memory,
                sentence,
                para_via.get(sentence.para, []),
                (voices.get(sentence.para, ()), para_starts[sentence.para]),
            )

    def _context(
        self,
        document: Document,
        memory: Memory,
        sentence: Sentence,
        para_via: list[str],
        voice: tuple[tuple[str, ...], int],
    ) -> SentenceContext:
        """The sentence with its cues, mentions, day, conditions and outlets read."""
        layer = sentence_cues(document, memory, self.patterns, sentence)
        s0, s1 = sentence.start, sentence.end
        day, dated = sentence_day(
            document, memory, sentence, layer, self.patterns.clauses.interview_openers
        )
        return SentenceContext(
            document=document,
            memory=memory,
            patterns=self.patterns,
            index=self.index,
            sentence=sentence,
            layer=layer,
            mentions=[m for m in document.mentions if s0 <= m.start < s1],
            day=day,
            dated=dated,
            conditions=find_conditions(document, memory, self.patterns, sentence, layer),
            own_via=cited_outlets(document, s0, s1),
            para_via=para_via,
            voice=voice[0],
            para_start=voice[1],
        )


def _read_sentence(ctx: SentenceContext, pairs: PairReader) -> list[Candidate]:
    """The sentence's commitments and stances, the pairs of actor and role they leave
    out; then what it leaves to the next ones."""
    # First every role's governing predicate, then the claims: a condition belongs to
    # the last predicate before it that governs a role.
    governed = govern_roles(ctx)
    predicates = {g.predicate.start for _, g in governed if g.mode != "call"}
    out: list[Candidate] = []
    for role, g in governed:
        if g.holders and g.mode != "call":
            ctx.memory.last_holders = g.holders
        owned = [c for c in ctx.conditions if owns(c, g.predicate, role, predicates)]
        out.extend(commitments(ctx, role, g, owned))
    out.extend(said_the_same(ctx, out))
    out.extend(stances(ctx))
    pairs.read(ctx, governed, out)
    _remember(ctx, out)
    return out


def _remember(ctx: SentenceContext, found: list[Candidate]) -> None:
    """The last person named (for "he said"), the sentence's first subject ("Its ..."),
    and its last commitment (what "says the same" repeats)."""
    commitments_read = [c for c in found if c.role is not None]
    if commitments_read:
        ctx.memory.last_commitment = commitments_read[-1]
    for m in ctx.mentions:
        if m.name.kind == ActorKind.PERSON:
            ctx.memory.last_person = m.name.code
    subjects = [m for m in ctx.mentions if m.eligible and m.name.kind != ActorKind.PERSON]
    ctx.memory.previous_subject = subjects[0].name.code if subjects else None
