"""Search results."""

from datetime import date

from app.actors.schemas import ActorRead
from app.claims.schemas import ClaimRead
from app.initiatives.schemas import InitiativeRead
from app.schemas import OutputModel


class SourceHit(OutputModel):
    """A source whose title or outlet matched."""

    id: int
    title: str
    outlet: str | None
    published_on: date


class EvidenceHit(OutputModel):
    """A claim whose evidence matched, its quote split around the first match."""

    claim: ClaimRead
    before: str
    match: str
    after: str


class SearchResults(OutputModel):
    """Matches grouped by kind; `more` names the groups cut at the limit."""

    q: str
    actors: list[ActorRead]
    initiatives: list[InitiativeRead]
    sources: list[SourceHit]
    evidence: list[EvidenceHit]
    more: list[str]

    @property
    def total(self) -> int:
        """How many matches are shown."""
        return len(self.actors) + len(self.initiatives) + len(self.sources) + len(self.evidence)
