"""The data files of patterns/: cues compiled into one matcher, and the word lists rules read."""

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

PATTERN_DIR = Path(__file__).parent / "patterns"

# Gaps never cross punctuation: "host ... talks" does not reach over a comma.
_GAP = re.compile(r"^\.\.(\d)?\.?$")


class PatternError(ValueError):
    """A cue pattern in a data file cannot be compiled."""


@dataclass(frozen=True)
class Cue:
    """One matched cue kind: its layer, its value and the pattern's text."""

    layer: str
    value: str
    pattern: str


@dataclass(frozen=True)
class Hit:
    """A cue found in a text, in token offsets [start, end)."""

    cue: Cue
    start: int
    end: int

    @property
    def layer(self) -> str:
        """The cue's layer (role, status, condition, ...)."""
        return self.cue.layer

    @property
    def value(self) -> str:
        """The cue's value (a role id, a status id, ...)."""
        return self.cue.value


@dataclass(frozen=True)
class CompiledCue:
    """A cue as fixed segments joined by gaps: each segment is a set of token sequences."""

    cue: Cue
    segments: tuple[tuple[tuple[str, ...], ...], ...]
    gaps: tuple[int, ...]  # most words allowed after each segment but the last


class CueMatcher:
    """Finds cues fast: one PhraseMatcher (on token norms) over every fixed segment.

    spaCy's Matcher tries every pattern at every token; with a thousand cues that costs
    most of the time. Fixed segments go into a PhraseMatcher (a hash lookup per token)
    and gaps ("host ... talks") are joined afterwards; a word prefix ("mediat*") is a
    segment of its own, found by one scan of the tokens.
    """

    def __init__(self, nlp: Language, skip: frozenset[str] = frozenset()) -> None:
        self.nlp = nlp
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.compiled: list[CompiledCue] = []
        self.prefixes: dict[str, tuple[str, ...]] = {}
        self.skip = skip

    def add(self, compiled: CompiledCue) -> None:
        """Register a compiled cue."""
        n = len(self.compiled)
        self.compiled.append(compiled)
        for i, segment in enumerate(compiled.segments):
            key = f"{n}#{i}"
            fixed = [seq for seq in segment if not seq[0].startswith(PREFIX_MARK)]
            prefixes = tuple(seq[0][len(PREFIX_MARK) :] for seq in segment if seq not in fixed)
            if prefixes:
                self.prefixes[key] = prefixes
            if fixed:
                docs = [Doc(self.nlp.vocab, words=list(seq)) for seq in fixed]
                for d in docs:
                    for token in d:
                        token.norm_ = token.text
                self.phrases.add(key, docs)

    def __call__(self, doc: Doc) -> list[Hit]:
        """Every cue match in the document, and in it without the skippable adverbs."""
        hits = self._match(doc, list(range(len(doc))))
        kept = [i for i, t in enumerate(doc) if t.norm_.lower() not in self.skip]
        if len(kept) < len(doc):
            reduced = Doc(
                doc.vocab,
                words=[doc[i].text for i in kept],
                spaces=[bool(doc[i].whitespace_) for i in kept],
            )
            for j, i in enumerate(kept):
                reduced[j].norm_ = doc[i].norm_
            seen = {(h.cue, h.start, h.end) for h in hits}
            for hit in self._match(reduced, kept):
                if (hit.cue, hit.start, hit.end) not in seen:
                    hits.append(hit)
        return hits

    def _match(self, doc: Doc, index: list[int]) -> list[Hit]:
        """Matches in `doc`, in the offsets of the original text (`index` maps them)."""
        found: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in self.phrases(doc):
            found.setdefault(self.nlp.vocab.strings[match_id], []).append((start, end))
        if self.prefixes:
            norms = [t.norm_.lower() for t in doc]
            for name, prefixes in self.prefixes.items():
                for i, norm in enumerate(norms):
                    if norm.startswith(prefixes):
                        found.setdefault(name, []).append((i, i + 1))
        hits: list[Hit] = []
        for name in [k for k in found if k.endswith("#0")]:
            n = name.removesuffix("#0")
            compiled = self.compiled[int(n)]
            for start, end in found[name]:
                last = self._extend(doc, compiled, n, found, 1, end)
                if last is not None:
                    hits.append(Hit(compiled.cue, index[start], index[last - 1] + 1))
        return hits

    def _extend(
        self,
        doc: Doc,
        compiled: CompiledCue,
        n: str,
        found: dict[str, list[tuple[int, int]]],
        segment: int,
        end: int,
    ) -> int | None:
        if segment == len(compiled.segments):
            return end
        gap = compiled.gaps[segment - 1]
        for start, next_end in sorted(found.get(f"{n}#{segment}", [])):
            if not end <= start <= end + gap:
                continue
            if any(doc[i].is_punct for i in range(end, start)):
                continue
            last = self._extend(doc, compiled, n, found, segment + 1, next_end)
            if last is not None:
                return last
        return None


PREFIX_MARK = "\x00prefix:"
# Tables of roles.toml that are rules about roles, not roles.
NOT_ROLES = frozenset({"absorbed_by", "taking_part", "paying", "aircraft", "same"})


@dataclass(frozen=True)
class Clauses:
    """The function words of patterns/clauses.toml: how the rules see a sentence's clauses."""

    barriers: frozenset[str]
    clause_ends: frozenset[str]
    supply_verbs: frozenset[str]
    modals: frozenset[str]
    unnamed_subjects: frozenset[str]
    unnamed_groups: frozenset[str]
    includes: frozenset[str]
    relatives: frozenset[str]
    quotes: frozenset[str]
    pronoun_speakers: frozenset[str]
    pronoun_subjects: frozenset[str]
    pronoun_adverbs: frozenset[str]
    role_glue: frozenset[str]
    conjunctions: frozenset[str]
    articles: frozenset[str]
    possessive_openers: frozenset[str]
    seat_determiners: frozenset[str]
    destinations: frozenset[str]
    label_words: frozenset[str]
    questioners: frozenset[str]
    answerers: frozenset[str]
    honorifics: frozenset[str]
    partners: frozenset[str]
    auxiliaries: frozenset[str]
    negations: frozenset[str]
    announcing: frozenset[str]
    self_references: frozenset[str]
    bullets: frozenset[str]
    status_headers: frozenset[str]
    interview_openers: frozenset[str]
    transfers: frozenset[str]
    ukraine_roles: frozenset[str]
    ukraine_words: frozenset[str]
    other_theatres: frozenset[str]
    compass: frozenset[str]
    locatives: frozenset[str]
    recipients: frozenset[str]
    oblique_words: frozenset[str]
    list_words: frozenset[str]


def _clauses(data: dict[str, Any]) -> Clauses:
    names = [f.name for f in fields(Clauses)]
    missing = [name for name in names if name not in data]
    if missing:
        # Every rule reads its list: a missing one would silently switch a rule off.
        raise PatternError(f"clauses.toml: missing {', '.join(missing)}")
    return Clauses(**{name: frozenset(_strings(data, name, "clauses.toml")) for name in names})


@dataclass
class Patterns:
    """Everything read from the data files, plus the compiled matcher."""

    nlp: Language
    matcher: CueMatcher
    role_exclusions: dict[str, frozenset[str]]
    role_territory: dict[str, str]
    absorbed_by: dict[str, str]
    condition_priority: list[str]
    plan_nouns: frozenset[str]
    agent_nouns: frozenset[str]
    possessive_heads: frozenset[str]
    possessed_commitments: frozenset[str]
    possessed_gap: int
    adjective_agents: frozenset[str]
    people_followers: frozenset[str]
    of_holders: frozenset[str]
    object_words: frozenset[str]
    list_glue: frozenset[str]
    first_person: frozenset[str]
    territory_nouns: frozenset[str]
    air_context: frozenset[str]
    outlets: list[str]
    clauses: Clauses
    units: frozenset[str]  # quantities.toml: what an amount must count to be a quantity
    currencies: dict[str, str]  # a currency sign or word, as a code
    name_stopwords: frozenset[str]  # words of an initiative's name that do not identify it
    counts: dict[str, int] = field(default_factory=dict)

    def hits(self, doc: Doc) -> list[Hit]:
        """Every cue in the document; within a layer, overlaps keep the longest."""
        by_layer: dict[str, list[Hit]] = {}
        for hit in self.matcher(doc):
            group = "predicate" if hit.layer in COMPETING else hit.layer
            by_layer.setdefault(group, []).append(hit)
        out: list[Hit] = []
        for layer_hits in by_layer.values():
            out.extend(_longest(layer_hits))
        out.sort(key=lambda h: (h.start, h.end))
        return out


# Layers whose cues compete: an overlap keeps the longest match of any of them.
COMPETING = {"status", "after", "agent", "call", "plan"}


def _longest(hits: list[Hit]) -> list[Hit]:
    """Non-overlapping hits, longest first, then earliest."""
    chosen: list[Hit] = []
    taken: set[int] = set()
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        tokens = set(range(hit.start, hit.end))
        if tokens & taken:
            continue
        taken |= tokens
        chosen.append(hit)
    return chosen


MAX_SEQUENCES = 2000


def compile_pattern(nlp: Language, text: str, cue: Cue | None = None) -> CompiledCue:
    """One cue written in the data files' syntax, as fixed segments joined by gaps.

    Words match the token's norm (lower case; "won't" reads "will not"); "a|b" is one
    word with alternatives ("the_kremlin" is an alternative of two words); "word?" is
    optional; "..." skips up to three words and
    "..N" up to N (never across punctuation); "pre*" is a word starting with "pre" and
    stands alone between gaps. A word that spaCy splits ("air-defence", "Ukraine's")
    becomes its tokens.
    """
    segments: list[list[tuple[str, ...]]] = []
    gaps: list[int] = []
    current: list[tuple[str, ...]] = [()]
    for part in text.split():
        gap = _GAP.match(part)
        if gap:
            if current == [()]:
                raise PatternError(f"{text!r}: a gap must stand between words")
            segments.append(current)
            gaps.append(int(gap.group(1)) if gap.group(1) else 3)
            current = [()]
            continue
        optional = part.endswith("?") and len(part) > 1
        body = part[:-1] if optional else part
        options: list[tuple[str, ...]] = [()] if optional else []
        for alternative in body.split("|"):
            if not alternative:
                raise PatternError(f"empty alternative in {text!r}")
            if alternative.endswith("*") and len(alternative) > 1:
                if current != [()] or len(body.split("|")) != len(
                    [a for a in body.split("|") if a.endswith("*")]
                ):
                    raise PatternError(f"{text!r}: a prefix must stand alone between gaps")
                options.append((PREFIX_MARK + alternative[:-1].lower(),))
                continue
            words = alternative.replace("_", " ")
            options.append(tuple(t.norm_.lower() for t in nlp.make_doc(words)))
        current = [seq + option for seq in current for option in options]
        if len(current) > MAX_SEQUENCES:
            raise PatternError(f"{text!r} expands to too many phrases; split it")
    if current == [()] and not segments:
        raise PatternError("empty pattern")
    if current == [()]:
        raise PatternError(f"{text!r}: a pattern cannot end with a gap")
    segments.append(current)
    if any(() in segment for segment in segments):
        raise PatternError(f"{text!r}: a segment may not be all optional")
    return CompiledCue(
        cue or Cue("", "", text),
        tuple(tuple(dict.fromkeys(segment)) for segment in segments),
        tuple(gaps),
    )


def _strings(data: dict[str, Any], key: str, source: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PatternError(f"{source}: '{key}' must be a list of strings")
    return value


def _iter_cues(directory: Path) -> Iterator[tuple[str, str, str, str]]:
    """(layer, value, pattern, file) for every cue in the data files."""
    yield from _role_cues(_read(directory / "roles.toml"))
    yield from _status_cues(_read(directory / "statuses.toml"))
    for stance, entry in _read(directory / "stances.toml").items():
        for text in _strings(entry, "cues", f"stances.toml [{stance}]"):
            yield "stance", stance, text, "stances.toml"
    yield from _condition_cues(_read(directory / "conditions.toml"))
    hedges = _read(directory / "hedges.toml")
    for text in _strings(hedges, "medium", "hedges.toml"):
        yield "hedge", "medium", text, "hedges.toml"
    attribution = _read(directory / "attribution.toml")
    for key in ("statement", "report", "plan", "plan_context", "call", "continuation", "via"):
        layer = {"statement": "speech", "report": "report"}.get(key, key)
        for text in _strings(attribution, key, "attribution.toml"):
            yield layer, key, text, "attribution.toml"
    for text in _strings(_read(directory / "events.toml"), "cues", "events.toml"):
        yield "event", "event", text, "events.toml"
    limits = _read(directory / "limits.toml")
    for kind in ("place", "time"):
        for text in _strings(limits, kind, "limits.toml"):
            yield "limit", kind, text, "limits.toml"


def _role_cues(roles: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    for role, entry in roles.items():
        if role in NOT_ROLES:
            continue
        for text in _strings(entry, "cues", f"roles.toml [{role}]"):
            yield "role", role, text, "roles.toml"
    for rule, key, layer in (
        ("taking_part", "cues", "taking_part"),
        ("taking_part", "nouns", "taking_part_noun"),
        ("paying", "cues", "paying"),
        ("aircraft", "cues", "aircraft"),
        ("same", "cues", "same"),
    ):
        for text in _strings(roles.get(rule, {}), key, f"roles.toml [{rule}] {key}"):
            yield layer, rule, text, "roles.toml"


def _status_cues(statuses: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    for status, entry in statuses.items():
        for key, layer in (("cues", "status"), ("after", "after"), ("agent", "agent")):
            for text in _strings(entry, key, f"statuses.toml [{status}]"):
                yield layer, status, text, "statuses.toml"


def _condition_cues(conditions: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    for strength in ("strong", "weak"):
        for text in _strings(conditions["triggers"], strength, "conditions.toml [triggers]"):
            yield "trigger", strength, text, "conditions.toml"
    for ctype, texts in conditions["types"].items():
        for text in _strings({"t": texts}, "t", f"conditions.toml [types] {ctype}"):
            yield "condition", ctype, text, "conditions.toml"


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def blank_pipeline() -> Language:
    """spaCy's blank English pipeline with a rule-based sentencizer; nothing is downloaded."""
    nlp = spacy.blank("en")
    # "U.S.-brokered", "U.K.-led": split after an abbreviation's full stop as after a
    # letter ("US-brokered"), so the state and its compound are read apart.
    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[A-Z]\.)-(?=[a-z])"]
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    return nlp


def load_patterns(directory: Path = PATTERN_DIR) -> Patterns:
    """Read every data file and compile its cues; a bad pattern names its file."""
    nlp = blank_pipeline()
    skip = frozenset(_strings(_read(directory / "adverbs.toml"), "skip", "adverbs.toml"))
    matcher = CueMatcher(nlp, skip)
    counts: dict[str, int] = {}
    for layer, value, text, source in _iter_cues(directory):
        try:
            matcher.add(compile_pattern(nlp, text, Cue(layer, value, text)))
        except PatternError as exc:
            raise PatternError(f"{source}: {value}: {exc}") from exc
        counts[layer] = counts.get(layer, 0) + 1
    roles = _read(directory / "roles.toml")
    conditions = _read(directory / "conditions.toml")
    actors = _read(directory / "actors.toml")
    attribution = _read(directory / "attribution.toml")
    quantities = _read(directory / "quantities.toml")
    return Patterns(
        nlp=nlp,
        matcher=matcher,
        role_exclusions={
            role: frozenset(entry.get("exclude_actors", []))
            for role, entry in roles.items()
            if role not in NOT_ROLES
        },
        role_territory={
            role: entry["territory"]
            for role, entry in roles.items()
            if role not in NOT_ROLES and "territory" in entry
        },
        absorbed_by=dict(roles.get("absorbed_by", {})),
        condition_priority=list(conditions["priority"]),
        plan_nouns=frozenset(conditions["plan_nouns"]),
        agent_nouns=frozenset(actors["agent_nouns"]),
        possessive_heads=frozenset(actors["possessive_heads"]),
        possessed_commitments=frozenset(actors["possessed_commitments"]),
        possessed_gap=int(actors["possessed_gap"]),
        adjective_agents=frozenset(actors["adjective_agents"]),
        people_followers=frozenset(actors["people_followers"]),
        of_holders=frozenset(actors["of_holders"]),
        object_words=frozenset(actors["object_words"]),
        list_glue=frozenset(actors["list_glue"]),
        first_person=frozenset(actors["first_person"]),
        territory_nouns=frozenset(actors.get("territory_nouns", [])),
        air_context=frozenset(roles.get("aircraft", {}).get("air_context", [])),
        outlets=list(attribution["outlets"]),
        clauses=_clauses(_read(directory / "clauses.toml")),
        units=frozenset(_strings(quantities, "units", "quantities.toml")),
        currencies=dict(quantities["currencies"]),
        name_stopwords=frozenset(_strings(actors, "name_stopwords", "actors.toml")),
        counts=counts,
    )


@lru_cache(maxsize=1)
def default_patterns() -> Patterns:
    """The patterns shipped in app/extraction/patterns, compiled once per process."""
    return load_patterns()
