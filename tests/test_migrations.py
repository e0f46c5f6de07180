"""Migrations: an empty database goes to head without drift, holds the codebook, and back."""

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from app import migrate
from app.db import make_engine
from app.vocab import BASIS_PRIORITY, STATUS_RANK, Basis, Certainty, ConditionType, Role, Stance
from app.vocabulary.models import (
    BasisTerm,
    CertaintyTerm,
    ConditionTypeTerm,
    RoleTerm,
    StanceTerm,
    StatusTerm,
    VocabularyTerm,
)
from tests.conftest import create_database, drop_database


@pytest.fixture
def empty_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database with no tables at all."""
    url, name = create_database(backend, tmp_path_factory.mktemp("migrations"))
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    """An engine on the empty database."""
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def head() -> str:
    """The head revision of the migration scripts."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    revision = script.get_current_head()
    assert revision is not None
    return revision


def tables(engine: Engine) -> set[str]:
    """The names of the database's tables."""
    return set(inspect(engine).get_table_names())


def test_upgrade_to_head_has_no_drift_from_the_models(empty_url: str, empty_engine: Engine) -> None:
    migrate.upgrade(empty_url)

    assert migrate.current_revision(empty_engine) == head()
    command.check(migrate.alembic_config(empty_url))


def test_vocabulary_tables_hold_exactly_the_codebook_identifiers(
    empty_url: str, empty_engine: Engine
) -> None:
    migrate.upgrade(empty_url)

    with empty_engine.connect() as conn:

        def ids(model: type[VocabularyTerm]) -> set[str]:
            return set(conn.scalars(select(model.id)))

        assert ids(RoleTerm) == set(Role)
        assert ids(StanceTerm) == set(Stance)
        assert ids(ConditionTypeTerm) == set(ConditionType)
        assert ids(CertaintyTerm) == set(Certainty)
        assert dict(conn.execute(select(StatusTerm.id, StatusTerm.rank)).all()) == {
            status.value: rank for status, rank in STATUS_RANK.items()
        }
        assert dict(conn.execute(select(BasisTerm.id, BasisTerm.priority)).all()) == {
            basis.value: priority for basis, priority in BASIS_PRIORITY.items()
        }
        assert set(BASIS_PRIORITY) == set(Basis)


def test_downgrade_to_base_drops_every_table_and_upgrade_works_again(
    empty_url: str, empty_engine: Engine
) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")

    assert tables(empty_engine) <= {"alembic_version"}
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_url)

    assert migrate.current_revision(empty_engine) == head()
    assert {"actors", "claims", "sources", "roles", "statuses"} <= tables(empty_engine)
    command.check(migrate.alembic_config(empty_url))
