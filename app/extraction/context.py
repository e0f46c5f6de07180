"""What the extractor's stages share: the text read once, its memory, and one sentence."""

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from spacy.tokens import Doc

from app.extraction.actors import ActorIndex, ActorName
from app.extraction.cues import Hit, Patterns
from app.extraction.dates import DateMention
from app.extraction.merge import Candidate


@dataclass
class Sentence:
    """A sentence in token offsets, with its paragraph."""

    start: int
    end: int
    para: int


@dataclass
class Mention:
    """An actor named in the text, in token offsets."""

    start: int
    end: int
    name: ActorName
    eligible: bool  # may hold a position (not an object or a place)


@dataclass
class Holder:
    """Who holds a position: the actor, and the person who voiced it, if named."""

    actor: str
    speaker: str | None
    mention: Mention | None
    hedged: bool = False


class Condition(NamedTuple):
    """A condition in a sentence: its trigger and clause end (tokens), type and text."""

    trigger: int  # -1 for a plan's condition inherited from an earlier sentence
    end: int
    type: str
    text: str


class Governed(NamedTuple):
    """A role's governing predicate, how it governs (the mode), and who holds the role."""

    predicate: Hit
    mode: str  # before, after, plan, agent or call
    holders: list[Holder]


@dataclass
class Document:
    """The text read once: its tokens, cue hits, actor mentions, outlets and dates."""

    doc: Doc
    text: str
    published_on: date
    hits: list[Hit]
    mentions: list[Mention]
    outlets: list[tuple[int, int, str]]
    dates: list[DateMention]
    by_layer: dict[str, list[Hit]] = field(default_factory=dict)
    hit_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Hits come sorted by start: a sentence's are one slice; a layer's, one list.
        self.hit_starts = [h.start for h in self.hits]
        for h in self.hits:
            self.by_layer.setdefault(h.layer, []).append(h)


@dataclass
class Memory:
    """What earlier sentences leave to later ones: pronouns, continued statements, topics."""

    last_person: str | None = None
    current_day: date | None = None
    plan_conditions: dict[int, list[Condition]] = field(default_factory=dict)
    last_holders: list[Holder] = field(default_factory=list)
    # The role the text last named: what "join" or "take part" refers to.
    topic_role: str | None = None
    role_counts: dict[str, int] = field(default_factory=dict)
    previous_subject: str | None = None  # the first actor the last sentence named
    # A live blog's day header ("Thursday 11 July"): the day of the entries under it.
    header_day: date | None = None
    # Whether the text last spoke of Ukraine or of another theatre (Gaza, Haiti, ...).
    other_theatre: bool = False
    # The commitment the text last read: what "Poland says the same" repeats.
    last_commitment: Candidate | None = None
    # The column of the last table's header that holds its rows' status ("Status").
    status_column: int | None = None


@dataclass(frozen=True)
class SentenceContext:
    """One sentence as the stages after the cues read it, with what they read it against."""

    document: Document
    memory: Memory
    patterns: Patterns
    index: ActorIndex
    sentence: Sentence
    layer: dict[str, list[Hit]]  # the sentence's cue hits by layer, roles read
    mentions: list[Mention]  # the sentence's actor mentions
    day: date
    dated: bool  # whether the text gives the day (or carries it over)
    conditions: list[Condition]
    own_via: list[str]  # outlets the sentence cites
    para_via: list[str]  # outlets its paragraph cites
    voice: tuple[str, ...] = ()  # whom "we" outside quotations stands for
    para_start: int = 0  # the token its paragraph starts at

    @property
    def doc(self) -> Doc:
        """The spaCy document."""
        return self.document.doc

    @property
    def today(self) -> date:
        """The day an office is looked up on: the day last stated, else publication."""
        return self.memory.current_day or self.document.published_on

    def hits(self, layer: str) -> list[Hit]:
        """The sentence's hits of one layer."""
        return self.layer.get(layer, [])

    def crosses(self, start: int, end: int) -> bool:
        """Whether a clause barrier stands in the token span."""
        doc = self.document.doc
        barriers = self.patterns.clauses.barriers
        return any(doc[i].norm_.lower() in barriers for i in range(start, end))
