"""Actor names from the database, compiled into a PhraseMatcher; cached per snapshot."""

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from sqlalchemy.orm import Session

from app.extraction import queries
from app.extraction.cues import Patterns, default_patterns
from app.folding import fold, spelling_variants
from app.vocab import ActorKind

# When one alias names several actors, the state wins, then the organisation.
_KIND_ORDER = {"state": 0, "organization": 1, "group": 2, "person": 3}


@dataclass(frozen=True)
class ActorName:
    """What a matched name stands for."""

    code: str
    kind: str
    name: str
    alias_kind: str  # name, capital, seat, demonym, adjective, other


@dataclass(frozen=True)
class Office:
    """A person's office with an actor between two dates (inclusive)."""

    actor: str
    from_on: date | None
    until_on: date | None

    def holds_on(self, day: date) -> bool:
        """Whether the office was held on the day."""
        return (self.from_on is None or self.from_on <= day) and (
            self.until_on is None or self.until_on >= day
        )


@dataclass(frozen=True)
class InitiativeName:
    """An initiative and the content words of its name."""

    slug: str
    name: str
    words: frozenset[str]


@dataclass
class ActorIndex:
    """A snapshot of the actors table as the extractor reads it."""

    matcher: PhraseMatcher
    names: dict[int, ActorName]  # by match id (a string hash, the same in every vocab)
    offices: dict[str, list[Office]]
    actor_names: dict[str, str]
    initiatives: list[InitiativeName] = field(default_factory=list)
    # A person's surname (folded) and who bears it: "MR. MILLER:" labels a turn by one.
    surnames: dict[str, list[str]] = field(default_factory=dict)

    def mentions(self, doc: Doc) -> list[tuple[int, int, ActorName]]:
        """Every actor name in the document, longest first where they overlap."""
        found = []
        taken: set[int] = set()
        spans = sorted(self.matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1]))
        for key, start, end in spans:
            tokens = set(range(start, end))
            if tokens & taken:
                continue
            taken |= tokens
            found.append((start, end, self.names[key]))
        found.sort(key=lambda m: m[0])
        return found

    def speaks_for_surname(self, word: str, day: date) -> str | None:
        """The actor for which the one office-holder of that surname spoke on the day;
        None when nobody or several actors' officials bear it."""
        actors = {self.speaks_for(p, day) for p in self.surnames.get(fold(word), [])}
        actors.discard(None)
        return actors.pop() if len(actors) == 1 else None

    def speaks_for(self, person: str, day: date) -> str | None:
        """The actor the person spoke for on the day (the first office held then)."""
        for office in self.offices.get(person, []):
            if office.holds_on(day):
                return office.actor
        return None


def build_index(session: Session, patterns: Patterns | None = None) -> ActorIndex:
    """Read actors, aliases, offices and initiatives, and compile their names."""
    patterns = patterns or default_patterns()
    nlp = patterns.nlp
    actors = {row.id: row for row in queries.actor_rows(session)}
    candidates: dict[str, list[ActorName]] = {}

    def add(text: str, actor_id: int, alias_kind: str) -> None:
        text = text.strip()
        actor = actors.get(actor_id)
        if not text or actor is None:
            return
        # Official names with commas ("Korea, Republic of") are never written in news.
        if "," in text:
            return
        name = ActorName(actor.code, actor.kind, actor.name, alias_kind)
        candidates.setdefault(text, []).append(name)
        # News drops accents and swaps apostrophes ("Turkiye", "Cote d'Ivoire"): the same
        # variants the lookups fold (app/folding.py) are read as the name.
        for variant in spelling_variants(text):
            candidates.setdefault(variant, []).append(name)

    for actor in actors.values():
        add(actor.name, actor.id, "name")
        # An organisation's code is a name too ("NATO"); a state's ("GB") is not.
        if actor.kind in (ActorKind.ORGANIZATION, ActorKind.GROUP) and re.fullmatch(
            r"[A-Z]{2,6}", actor.code
        ):
            add(actor.code, actor.id, "name")
    for row in queries.alias_rows(session):
        add(row.alias, row.actor_id, row.kind)
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    names: dict[int, ActorName] = {}
    for text, found in candidates.items():
        best = min(found, key=lambda n: (_KIND_ORDER.get(n.kind, 9), n.code))
        key = f"actor|{text}"
        names[nlp.vocab.strings.add(key)] = best
        matcher.add(key, [nlp.make_doc(text)])
    offices: dict[str, list[Office]] = {}
    for row in queries.affiliation_rows(session):
        person = actors.get(row.person_id)
        actor = actors.get(row.actor_id)
        if person is None or actor is None:
            continue
        offices.setdefault(person.code, []).append(Office(actor.code, row.from_on, row.until_on))
    initiatives = [
        InitiativeName(row.slug, row.name, _content_words(row.name, patterns.name_stopwords))
        for row in queries.initiative_rows(session)
    ]
    return ActorIndex(
        surnames=_surnames(actors.values(), offices),
        matcher=matcher,
        names=names,
        offices=offices,
        actor_names={a.code: a.name for a in actors.values()},
        initiatives=[i for i in initiatives if len(i.words) >= 2],
    )


def _surnames(actors: Iterable[Any], offices: dict[str, list[Office]]) -> dict[str, list[str]]:
    """Each office-holder's surname (folded): the last word of the name."""
    out: dict[str, list[str]] = {}
    for actor in actors:
        if actor.kind == ActorKind.PERSON and actor.code in offices:
            out.setdefault(fold(actor.name.split()[-1]), []).append(actor.code)
    return out


def _content_words(name: str, stopwords: frozenset[str]) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", name.lower())
    return frozenset(w for w in words if w not in stopwords and len(w) > 2)


class IndexCache:
    """Compiled indexes keyed by the database and a fingerprint of the actors tables."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[object, ...], ActorIndex] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, session: Session) -> ActorIndex:
        """The index for the session's database as it is now; rebuilt only after a change."""
        bind = session.get_bind()
        key = (str(bind.engine.url), *queries.snapshot_fingerprint(session))
        with self._lock:
            index = self._entries.get(key)
            if index is not None:
                self._entries.move_to_end(key)
                return index
        index = build_index(session)
        with self._lock:
            self._entries[key] = index
            self.builds += 1
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return index


INDEX_CACHE = IndexCache()
