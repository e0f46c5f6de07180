"""The History panel at the end of a claim's, actor's, initiative's and source's page: who
wrote, when, the action, and each changed field before and after."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from tests.etags import if_match
from tests.factories import make_actor, make_claim, make_initiative, make_source
from tests.page_assertions import get_page, text_of

TEXT = "Source text. The United Kingdom is ready to send troops. London agrees."


def history(page: str) -> str:
    """The text of the page's History panel."""
    found = re.search(r'<section class="history".*?</section>', page, re.DOTALL)
    assert found, "no History panel"
    return text_of(found.group())


@pytest.mark.parametrize(
    ("api", "page", "change", "label", "before", "after"),
    [
        (
            "/api/v1/actors/GB",
            "/actors/GB",
            {"name": "Britain"},
            "Name",
            "United Kingdom",
            "Britain",
        ),
        (
            "/api/v1/initiatives/peace-plan",
            "/initiatives/peace-plan",
            {"name": "Peace plan B"},
            "Name",
            "Peace Plan",
            "Peace plan B",
        ),
        (
            "/api/v1/sources/{source}",
            "/sources/{source}",
            {"outlet": "Wire B"},
            "Outlet",
            "Test Wire",
            "Wire B",
        ),
        (
            "/api/v1/claims/{claim}",
            "/claims/{claim}",
            {"status": "pledged"},
            "Status",
            "willing",
            "pledged",
        ),
    ],
)
def test_each_record_page_ends_with_its_history(
    client: TestClient,
    session: Session,
    admin: User,
    api: str,
    page: str,
    change: dict[str, str],
    label: str,
    before: str,
    after: str,
) -> None:
    source = make_source(session, text=TEXT)
    claim = make_claim(session, source=source)
    make_initiative(session, "peace-plan")
    session.commit()
    ids = {"source": source.id, "claim": claim.id}
    api, page = api.format(**ids), page.format(**ids)
    assert client.patch(api, json=change, headers=if_match(client, api)).status_code == 200
    html = get_page(client, page)
    # The panel is the page's last section.
    assert "<section" not in html[html.index('<section class="history"') + 1 :]
    panel = history(html)
    assert f"update by {admin.display_name}" in panel
    assert f"{label} {before} {after}" in panel
    assert "create by system" in panel


def test_a_record_without_recorded_writes_says_so(client: TestClient, session: Session) -> None:
    make_actor(session, "FR")
    # Not committed: the write has no entry yet, as for data older than the audit trail.
    assert "No write to this record has been recorded" in history(get_page(client, "/actors/FR"))


def test_the_claim_page_shows_its_review(client: TestClient, session: Session, admin: User) -> None:
    claim = make_claim(session, review_state="proposed")
    session.commit()
    url = f"/api/v1/claims/{claim.id}"
    response = client.post(
        f"{url}/reject", json={"reason": "Not in the text."}, headers=if_match(client, url)
    )
    assert response.status_code == 200
    text = text_of(get_page(client, f"/claims/{claim.id}"))
    assert f"Rejected by {admin.display_name} on" in text
    assert "Not in the text." in text
    assert f"reject by {admin.display_name}" in history(get_page(client, f"/claims/{claim.id}"))


@pytest.mark.parametrize(
    ("page", "api", "write"),
    [
        ("/claims/{claim}", "/api/v1/claims/{claim}", ("post", "/accept", {})),
        ("/sources/{source}", "/api/v1/sources/{source}", ("patch", "", {"outlet": "Wire"})),
        ("/actors/GB", "/api/v1/actors/GB", ("patch", "", {"description": "A state."})),
    ],
)
def test_anonymous_readers_see_no_history_or_names_unless_the_trail_is_public(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    session: Session,
    admin: User,
    page: str,
    api: str,
    write: tuple[str, str, dict[str, str]],
) -> None:
    source = make_source(session, text=TEXT)
    claim = make_claim(session, source=source, review_state="proposed")
    session.commit()
    page, api = (u.format(claim=claim.id, source=source.id) for u in (page, api))
    method, suffix, body = write
    done = client.request(method, api + suffix, json=body, headers=if_match(client, api))
    assert done.status_code == 200
    with TestClient(app) as anonymous:
        hidden = get_page(anonymous, page)
        assert '<section class="history"' not in hidden
        assert admin.display_name not in text_of(hidden)
        assert admin.display_name in history(get_page(client, page))
        settings.public_audit_trail = True
        shown = get_page(anonymous, page)
    assert admin.display_name in history(shown)
