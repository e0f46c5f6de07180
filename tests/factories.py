"""Plain factory functions with deterministic, codebook-valid defaults."""

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from app.accounts import queries as account_queries
from app.accounts import service as account_service
from app.accounts.models import User
from app.actors import queries as actor_queries
from app.actors import service as actor_service
from app.actors.models import Actor
from app.actors.schemas import ActorCreate
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.schemas import ClaimCreate
from app.initiatives import queries as initiative_queries
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.initiatives.schemas import InitiativeCreate
from app.sources import service as source_service
from app.sources.models import Source
from app.sources.schemas import SourceCreate

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_actor(session: Session, code: str = "GB", **overrides: Any) -> Actor:
    """The actor with this code, created if missing (a state unless told otherwise)."""
    actor = actor_queries.actor_by_code(session, code)
    if actor is not None:
        return actor
    fields: dict[str, Any] = {"code": code, "kind": "state", **overrides}
    return actor_service.create_actor(session, ActorCreate.model_validate(fields))


def make_source(session: Session, **overrides: Any) -> Source:
    """A source published on 2025-08-20 (by default) with a text of its own."""
    n = _next()
    fields: dict[str, Any] = {
        "title": f"Test source {n}",
        "outlet": "Test Wire",
        "published_on": date(2025, 8, 20),
        "text": f"Source {n}. The United Kingdom is ready to send troops. London agrees.",
        **overrides,
    }
    return source_service.create_source(session, SourceCreate.model_validate(fields))


def make_initiative(
    session: Session, slug: str = "peace-framework", **overrides: Any
) -> Initiative:
    """The initiative with this slug, created if missing."""
    found = initiative_queries.initiative_by_slug(session, slug)
    if found is not None:
        return found
    fields: dict[str, Any] = {"slug": slug, "name": slug.replace("-", " ").title(), **overrides}
    return initiative_service.create_initiative(session, InitiativeCreate.model_validate(fields))


def make_claim(session: Session, **overrides: Any) -> Claim:
    """An accepted commitment of GB to ground_forces, willing, stated on the source's date."""
    source = overrides.pop("source", None)
    if source is None:
        source = make_source(session, **overrides.pop("source_fields", {}))
    actor = overrides.get("actor", "GB")
    make_actor(session, actor)
    if overrides.get("initiative"):
        make_initiative(session, overrides["initiative"])
    fields: dict[str, Any] = {
        "actor": actor,
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "statement",
        "stated_on": source.published_on,
        "source_id": source.id,
        "evidence": {"text": "ready to send troops"},
        "review_state": "accepted",
        **overrides,
    }
    if fields["kind"] == "stance":
        fields.pop("role", None) if "role" not in overrides else None
        fields.pop("status", None) if "status" not in overrides else None
    return claim_service.record_claim(session, ClaimCreate.model_validate(fields))


@lru_cache
def _password_hash(password: str) -> str:
    # Argon2 is slow on purpose; tests reuse one hash per password.
    return account_service.hash_password(password)


def make_user(
    session: Session,
    username: str = "editor",
    role: str = "editor",
    *,
    password: str | None = None,
    disabled: bool = False,
) -> User:
    """The user with this username, created if missing (no password unless given)."""
    user = account_queries.user_by_username(session, username)
    if user is not None:
        return user
    user = User(
        username=username,
        display_name=username.title(),
        role=role,
        password_hash=_password_hash(password) if password else None,
        disabled=disabled,
    )
    session.add(user)
    session.flush()
    return user


def make_token(session: Session, user: User, name: str = "test") -> str:
    """A new API token of the user: the bearer value."""
    return account_service.create_token(session, user.username, name).token


def commitment_body(source_id: int, /, **overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/claims: GB willing to send ground forces, quoting
    "ready" (the source's text must hold the evidence)."""
    return {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": source_id,
        "evidence": {"text": "ready"},
        **overrides,
    }


def make_speaker(session: Session, code: str = "keir-starmer", actor: str = "GB") -> Actor:
    """A person who speaks for the actor from 2024-07-05 on."""
    make_actor(session, actor)
    return make_actor(
        session,
        code,
        kind="person",
        name=code.replace("-", " ").title(),
        affiliations=[{"actor": actor, "office": "Minister", "from_on": date(2024, 7, 5)}],
    )
