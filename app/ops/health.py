"""Probes: /healthz (the process lives) and /readyz (the database answers, at the
migrations' head). Neither needs sign-in; both stay out of the OpenAPI document."""

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.migrate import MIGRATIONS_DIR
from app.ops import queries
from app.problems import problem

logger = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}

SchemaState = Literal["current", "not_migrated", "behind", "unknown", "unchecked"]


@dataclass(frozen=True)
class Readiness:
    """What /readyz found: whether the database answers and where its schema stands."""

    database: Literal["ok", "unreachable"]
    schema: SchemaState
    revisions: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Serve traffic only when the database answers with the schema this code expects."""
        return self.database == "ok" and self.schema == "current"

    def detail(self) -> str:
        """One sentence saying what is wrong (or that nothing is)."""
        head = ", ".join(self.heads)
        at = ", ".join(self.revisions)
        if self.database != "ok":
            return "The database does not answer."
        if self.schema == "not_migrated":
            return (
                f"The database has no schema (never migrated); the migrations' head is {head}: "
                "run `posture db upgrade`."
            )
        if self.schema == "behind":
            return (
                f"The database schema is at revision {at}, behind the migrations' head {head}: "
                "run `posture db upgrade`."
            )
        if self.schema == "unknown":
            return (
                f"The database schema is at revision {at}, which these migrations do not know "
                f"(a newer release migrated it?); their head is {head}."
            )
        return f"The database answers and its schema is at the migrations' head {head}."


@cache
def migration_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The migrations' heads and every revision they know (read once per process)."""
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return frozenset(scripts.get_heads()), known


def readiness(engine: Engine) -> Readiness:
    """Ask the database for `SELECT 1` and its Alembic revision; compare with the head."""
    heads, known = migration_revisions()
    try:
        with engine.connect() as conn:
            queries.database_answers(conn)
            revisions = queries.schema_revisions(conn)
    except SQLAlchemyError as exc:
        # The error may name the host and the database: it goes to the log, not the answer.
        logger.warning("readiness: the database does not answer: %s", exc)
        return Readiness("unreachable", "unchecked", heads=sorted(heads))
    state: SchemaState
    if revisions == heads:
        state = "current"
    elif not revisions:
        state = "not_migrated"
    elif revisions <= known:
        state = "behind"
    else:
        state = "unknown"
    return Readiness("ok", state, sorted(revisions), sorted(heads))


router = APIRouter(include_in_schema=False)


# HEAD too: some load balancers probe with it.
@router.api_route("/healthz", methods=["GET", "HEAD"])
def healthz() -> Response:
    """The process is alive and serving; touches no database."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.api_route("/readyz", methods=["GET", "HEAD"])
def readyz(request: Request) -> Response:
    """200 when the database answers at the migrations' head; 503 problem+json naming why."""
    found = readiness(request.app.state.engine)
    checks = {"database": found.database, "schema": found.schema}
    if found.ready:
        body = {"status": "ready", "checks": checks, "revision": ", ".join(found.revisions)}
        return JSONResponse(body, headers=NO_STORE)
    return problem(
        503,
        "Not ready",
        found.detail(),
        slug="not-ready",
        extra={"checks": checks, "revisions": found.revisions, "heads": found.heads},
        headers=NO_STORE,
    )
