"""Helpers for the milestone tests: a source to quote, request bodies, a stored milestone."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.milestones import service
from app.milestones.models import Milestone
from app.milestones.schemas import MilestoneCreate
from app.sources.models import Source
from tests.factories import make_source
from tests.page_assertions import csrf_token, form_version

MILESTONES = "/api/v1/milestones"
TEXT = (
    "Talks in Geneva went on all week. A ceasefire took effect on Monday along the "
    "front line. Observers said the ceasefire collapsed on Friday."
)


def quoting_source(session: Session, **overrides: Any) -> Source:
    """A source published on 2025-09-15 whose text the states below quote."""
    fields: dict[str, Any] = {"published_on": date(2025, 9, 15), "text": TEXT, **overrides}
    return make_source(session, **fields)


def state_body(source_id: int, /, **overrides: Any) -> dict[str, Any]:
    """A `met` state from 2025-09-08, quoting TEXT."""
    return {
        "state": "met",
        "from_on": "2025-09-08",
        "source_id": source_id,
        "evidence_text": "A ceasefire took effect on Monday",
        **overrides,
    }


def milestone_body(source_id: int | None = None, /, **overrides: Any) -> dict[str, Any]:
    """A ceasefire milestone, with one `met` state when a source is given."""
    return {
        "slug": "gaza-ceasefire",
        "name": "Ceasefire in Gaza",
        "condition_type": "ceasefire",
        "description": "Hostilities stop.",
        "states": [state_body(source_id)] if source_id is not None else [],
        **overrides,
    }


def make_milestone(session: Session, source_id: int | None = None, **overrides: Any) -> Milestone:
    """A stored milestone (milestone_body with these overrides)."""
    body = milestone_body(source_id, **overrides)
    return service.create_milestone(session, MilestoneCreate.model_validate(body))


def post_state(client: TestClient, slug: str, data: dict[str, str]) -> Any:
    """Submit the milestone page's "Add a state" form as a browser does: with the page's
    CSRF token and the version the page was opened at (unless `data` names one)."""
    page = f"/milestones/{slug}"
    fields = {**form_version(client, page), **data, "csrf_token": csrf_token(client, page)}
    return client.post(f"{page}/states", data=fields, follow_redirects=False)
