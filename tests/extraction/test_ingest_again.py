"""`posture ingest --again`: a stored text's claims proposed into its source once more,
skipping those the source already has (the seed's hand-coded claims among them)."""

from sqlalchemy import select

from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from tests.conftest import SEED_ARTICLE as SEED_ARTICLE_NAME
from tests.conftest import seed_text
from tests.extraction.test_cli import SEED_ARTICLE, Database, database  # noqa: F401
from tests.test_cli import ok, posture


def proposed_in_seed_source(url: str) -> list[Claim]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            stmt = select(Claim).where(Claim.source_id == 1, Claim.review_state == "proposed")
            return list(session.scalars(stmt))
    finally:
        engine.dispose()


def test_ingest_again_proposes_only_claims_the_source_does_not_have(
    database: Database,  # noqa: F811
) -> None:
    seed_text(SEED_ARTICLE_NAME)  # skips (fails in CI) without ../shared
    args = ("ingest", str(SEED_ARTICLE), "--published-on", "2025-08-20", "--again")

    first = ok(posture(database.url, *args, cwd=database.folder))
    second = ok(posture(database.url, *args, cwd=database.folder))

    assert f"{SEED_ARTICLE}: source 1 (stored before)" in first.stderr
    # The seed codes most of the article's claims by hand: the extractor's repeat them.
    assert "skipped: duplicates claim" in first.stderr
    proposed = proposed_in_seed_source(database.url)
    assert all(c.duplicate_of_id is None for c in proposed)
    assert f"{SEED_ARTICLE}: source 1 (stored before), 0 proposed claims" in second.stderr
    assert len(proposed_in_seed_source(database.url)) == len(proposed)
