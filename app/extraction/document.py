"""The text as a document: sentences and paragraphs, outlets cited, days, spans, quantities."""

import itertools
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from app.extraction.context import Document, Memory, Sentence
from app.extraction.cues import Hit
from app.extraction.dates import DateMention

# An amount may open with a currency sign or code; the units that may follow it, and the
# codes the signs stand for, are in patterns/quantities.toml.
_NUMBER = re.compile(
    r"(?P<cur>EUR|USD|GBP|€|\$|£)?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
    r"(?P<scale>billion|million|bn|m)?\s+(?P<unit>[A-Za-z][A-Za-z-]+)?",
)
_SCALES = {"billion": 10**9, "bn": 10**9, "million": 10**6, "m": 10**6}


def split_sentences(
    doc: Doc, quotes: frozenset[str], honorifics: frozenset[str] = frozenset()
) -> list[Sentence]:
    """The sentences, numbered by paragraph: a line break ends both; an honorific's
    full stop ("MS. BRUCE:") ends neither."""
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
            and last.text in quotes
            and not last.whitespace_
            and doc[before.end - 2].whitespace_
        ):
            before.end -= 1
            after.start -= 1
    return _join_honorifics(doc, out, honorifics)


def _join_honorifics(doc: Doc, out: list[Sentence], honorifics: frozenset[str]) -> list[Sentence]:
    joined: list[Sentence] = []
    for sentence in out:
        if joined:
            last = joined[-1]
            # Only the sentence's last two tokens: "MS" and "." or "Mr.".
            words = [doc[i].norm_.lower() for i in range(max(last.start, last.end - 2), last.end)]
            if (
                last.para == sentence.para
                and last.end == sentence.start
                and ("".join(words) in honorifics or words[-1] in honorifics)
            ):
                last.end = sentence.end
                continue
        joined.append(sentence)
    return joined


def outlet_mentions(matcher: PhraseMatcher, doc: Doc) -> list[tuple[int, int, str]]:
    """Outlets named in the text (token start, end, name), longest where they overlap."""
    found = sorted(
        ((s, e, doc.vocab.strings[k]) for k, s, e in matcher(doc)),
        key=lambda m: (m[0], -(m[1] - m[0])),
    )
    out: list[tuple[int, int, str]] = []
    for s, e, name in found:
        if out and s < out[-1][1]:
            continue
        out.append((s, e, name))
    return out


def cited_outlets(document: Document, start: int, end: int) -> list[str]:
    """Outlets the span cites ("according to Bloomberg", "The Guardian reported")."""
    via_hits = [h for h in document.by_layer.get("via", []) if start <= h.start < end]
    report_hits = [h for h in document.by_layer.get("report", []) if start <= h.start < end]
    out: list[str] = []
    for s, e, name in document.outlets:
        if not start <= s < end:
            continue
        cited = any(0 <= s - h.end <= 3 for h in via_hits) or any(
            0 <= h.start - e <= 2 for h in report_hits
        )
        if cited and name not in out:
            out.append(name)
    return out


def paragraph_via(document: Document, sentences: list[Sentence]) -> dict[int, list[str]]:
    """The outlets each paragraph cites, in order."""
    out: dict[int, list[str]] = {}
    for sentence in sentences:
        for name in cited_outlets(document, sentence.start, sentence.end):
            names = out.setdefault(sentence.para, [])
            if name not in names:
                names.append(name)
    return out


# An interview's introduction is among the text's first paragraphs (after the headline).
INTRODUCTION_PARAGRAPHS = 3


def sentence_day(
    document: Document,
    memory: Memory,
    sentence: Sentence,
    layer: dict[str, list[Hit]],
    interview_openers: frozenset[str] = frozenset(),
) -> tuple[date, bool]:
    """The sentence's day, and whether the text gives it (or carries it over). The day an
    introduction gives an interview ("spoke to us on Thursday") dates the answers under
    it, as a live blog's day header dates its entries."""
    doc = document.doc
    c0 = doc[sentence.start].idx
    c1 = doc[sentence.end - 1].idx + len(doc[sentence.end - 1].text)
    mentions = [d for d in document.dates if c0 <= d.start < c1]
    days = [d for d in mentions if d.day is not None]
    if days:
        memory.current_day = days[0].day
        assert days[0].day is not None
        if _only_dates(document.text, c0, c1, days):
            memory.header_day = days[-1].day
        elif sentence.para < INTRODUCTION_PARAGRAPHS and _opens_interview(
            document.text[c0:c1], interview_openers
        ):
            memory.header_day = days[0].day
        return days[0].day, True
    if mentions:  # "this month", "in March": dated, but to no day
        memory.current_day = None
        return document.published_on, False
    if layer.get("continuation") and memory.current_day is not None:
        return memory.current_day, True
    if memory.header_day is not None:
        return memory.header_day, True
    return document.published_on, False


def _opens_interview(sentence: str, openers: frozenset[str]) -> bool:
    """Whether an introduction's sentence says when the interview took place."""
    lowered = sentence.lower()
    return any(opener in lowered for opener in openers)


def _only_dates(text: str, start: int, end: int, days: list[DateMention]) -> bool:
    """Whether the line holds nothing but its days: a live blog's day header."""
    covered: set[int] = set()
    for d in days:
        covered.update(range(d.start, d.end))
    return all(i in covered or not text[i].isalnum() for i in range(start, end))


def char_span(doc: Doc, start_tok: int, end_tok: int, quotes: frozenset[str]) -> tuple[int, int]:
    """Character offsets of a token span, without edge punctuation or spaces."""
    while end_tok - 1 > start_tok and (doc[end_tok - 1].is_punct or doc[end_tok - 1].is_space):
        if doc[end_tok - 1].text in quotes and _open_quote(doc, start_tok, end_tok - 1, quotes):
            break
        end_tok -= 1
    while start_tok < end_tok - 1 and (doc[start_tok].is_punct or doc[start_tok].is_space):
        if doc[start_tok].text in quotes:
            break
        start_tok += 1
    start = doc[start_tok].idx
    last = doc[end_tok - 1]
    return start, last.idx + len(last.text)


def _open_quote(doc: Doc, start: int, end: int, quotes: frozenset[str]) -> bool:
    return sum(1 for i in range(start, end) if doc[i].text in quotes) % 2 == 1


def quantity(
    text: str, units: frozenset[str], currencies: dict[str, str]
) -> tuple[Decimal, str] | None:
    """The first amount with a unit ("5,000 troops", "EUR 1.5 billion")."""
    for m in _NUMBER.finditer(text):
        unit = (m.group("unit") or "").lower()
        currency = m.group("cur")
        if not currency and unit not in units:
            continue
        try:
            amount = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:
            continue
        amount *= _SCALES.get((m.group("scale") or "").lower(), 1)
        if currency:
            return amount, currencies.get(currency, currency)
        return amount, currencies.get(unit, unit)
    return None
