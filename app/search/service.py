"""One search box over actors, initiatives, sources and evidence text."""

from sqlalchemy.orm import Session

from app import folding
from app.actors.schemas import ActorRead
from app.claims.service import claim_read
from app.initiatives.service import initiative_read
from app.search import queries
from app.search.schemas import EvidenceHit, SearchResults, SourceHit

# Matches shown per kind; a group that has more says so.
GROUP_LIMIT = 50


def actor_named(session: Session, text: str) -> str | None:
    """The code of the one actor whose code, name or an alias is the text (any case, with or
    without accents)."""
    codes = queries.actors_named(session, text.strip())
    return codes[0] if len(codes) == 1 else None


def _split(quote: str, text: str) -> tuple[str, str, str]:
    found = folding.find(quote, text)
    if found is None:
        return quote, "", ""
    start, end = found
    return quote[:start], quote[start:end], quote[end:]


def search(session: Session, text: str) -> SearchResults:
    """Everything whose names or evidence contain the text, grouped by kind."""
    text = text.strip()
    actors = queries.actors_matching(session, text, GROUP_LIMIT + 1)
    initiatives = queries.initiatives_matching(session, text, GROUP_LIMIT + 1)
    sources = queries.sources_matching(session, text, GROUP_LIMIT + 1)
    claims = queries.claims_matching(session, text, GROUP_LIMIT + 1)
    groups = {
        "actors": actors,
        "initiatives": initiatives,
        "sources": sources,
        "evidence": claims,
    }
    evidence = []
    for claim in claims[:GROUP_LIMIT]:
        before, match, after = _split(claim.evidence_text, text)
        evidence.append(
            EvidenceHit(claim=claim_read(claim), before=before, match=match, after=after)
        )
    return SearchResults(
        q=text,
        actors=[ActorRead.model_validate(a) for a in actors[:GROUP_LIMIT]],
        initiatives=[initiative_read(r) for r in initiatives[:GROUP_LIMIT]],
        sources=[SourceHit.model_validate(s) for s in sources[:GROUP_LIMIT]],
        evidence=evidence,
        more=[name for name, rows in groups.items() if len(rows) > GROUP_LIMIT],
    )
