"""Helpers for the account tests: clients per role and a snapshot of everything stored."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User, UserSession
from app.transfer.service import export_lines
from tests.factories import make_token, make_user

PASSWORD = "correct horse battery staple"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


@contextmanager
def bearer_client(
    app: FastAPI, session: Session, role: str, username: str | None = None
) -> Iterator[TestClient]:
    """A client calling with the bearer token of a user holding this role."""
    user = make_user(session, username or f"test-{role}", role=role)
    headers = {"Authorization": f"Bearer {make_token(session, user)}"}
    with TestClient(app, headers=headers) as client:
        yield client


def snapshot(session: Session) -> list[Any]:
    """Everything a write could change: the whole export (without its timestamp), the users,
    tokens and sessions."""
    session.expire_all()
    lines = [json.loads(line) for line in export_lines(session)]
    lines = [r for r in lines if r.get("type") != "posture-export"]
    users = session.execute(
        select(User.username, User.role, User.disabled, User.password_hash).order_by(User.id)
    ).all()
    tokens = session.execute(select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id)).all()
    sessions = session.execute(select(UserSession.id).order_by(UserSession.id)).all()
    return [lines, [tuple(u) for u in users], [tuple(t) for t in tokens], list(sessions)]


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers, included routers too."""
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            # The template as the OpenAPI document names it ({claim_id}, not {claim_id:int}).
            if route.path_format is not None:
                found.append((method, route.path_format))
    return found


class Ones(dict[str, str]):
    """Fills any path template's parameters with 1."""

    def __missing__(self, key: str) -> str:
        return "1"
