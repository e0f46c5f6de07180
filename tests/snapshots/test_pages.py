"""The snapshot pages: the list and its form, the permanent page, the freeze form."""

import html
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.snapshots.pages import freeze_question
from app.web import templates
from tests.conftest import signed_in
from tests.factories import make_user
from tests.html_tree import parse, table_rows
from tests.page_assertions import (
    csrf_token,
    field_message,
    get_page,
    input_value,
    post_form,
    text_of,
)
from tests.snapshots.helpers import AS_OF, SNAPSHOTS, make_matrix

PAGE = re.compile(r"^/snapshots/([a-z2-7]{12})$")


@pytest.fixture
def viewer_client(app: FastAPI, session: Session) -> TestClient:
    """Any signed-in user may take a snapshot: a viewer, with a dashboard session."""
    return signed_in(app, session, make_user(session, "reader", role="viewer"))


def test_a_signed_in_user_takes_a_snapshot_and_lands_on_its_permanent_page(
    viewer_client: TestClient, session: Session
) -> None:
    make_matrix(session)
    listing = get_page(viewer_client, "/snapshots")
    assert 'action="/snapshots"' in listing
    assert input_value(listing, "as_of") == "2025-08-20"
    response = post_form(
        viewer_client,
        "/snapshots",
        {"as_of": AS_OF, "role": "ground_forces", "title": "Troops & <pledges>"},
    )
    assert response.status_code == 303, response.text
    found = PAGE.match(response.headers["location"])
    assert found
    snapshot_id = found.group(1)
    frozen = viewer_client.get(f"{SNAPSHOTS}/{snapshot_id}").json()
    assert (frozen["title"], frozen["created_by"]) == ("Troops & <pledges>", "reader")

    page = get_page(viewer_client, response.headers["location"])
    assert "<title>Troops &amp; &lt;pledges&gt; · Posture</title>" in page
    text = text_of(page)
    assert "role ground_forces" in text
    assert frozen["content_hash"] in text
    assert "by reader" in text
    tree = parse(page)
    (citation,) = tree.find_all("pre", id="citation-text")
    assert citation.text() == " ".join(frozen["citation"]["text"].split())
    (bibtex,) = tree.find_all("pre", id="citation-bibtex")
    assert f"@misc{{posture-{snapshot_id}," in bibtex.text()
    assert 'data-copy="citation-bibtex"' in page
    assert '<script src="/static/js/snapshot.js" defer></script>' in page
    (table,) = tree.find_all("table", id="snapshot-cells")
    rows = table_rows(table)
    assert len(rows) == 3
    by_actor = {row[0]: row for row in rows[1:]}
    assert set(by_actor) == {"United Kingdom", "France"}
    assert "Willing" in by_actor["United Kingdom"][2]
    assert by_actor["United Kingdom"][3] == "yes"
    assert "ready to send troops" in by_actor["United Kingdom"][5]
    assert "Test source" in by_actor["United Kingdom"][6]
    # Listed, newest first.
    assert f'href="/snapshots/{snapshot_id}"' in get_page(viewer_client, "/snapshots")


def test_a_bad_form_shows_each_error_beside_its_input_and_takes_nothing(
    viewer_client: TestClient, session: Session
) -> None:
    make_matrix(session)
    response = post_form(
        viewer_client, "/snapshots", {"as_of": "2025-02-30", "actor": "GB, XQ", "title": "Mine"}
    )
    assert response.status_code == 422
    page = response.text
    assert "date" in field_message(page, "as_of")
    assert input_value(page, "title") == "Mine"
    assert input_value(page, "actor") == "GB, XQ"
    unknown = post_form(viewer_client, "/snapshots", {"as_of": AS_OF, "actor": "GB, XQ"})
    assert unknown.status_code == 422
    assert "unknown actor 'XQ'" in field_message(unknown.text, "actor")
    assert input_value(unknown.text, "actor") == "GB, XQ"
    assert viewer_client.get(SNAPSHOTS).json()["total"] == 0


def test_anonymous_visitors_see_snapshots_but_no_form(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = client.post(SNAPSHOTS, json={"as_of": AS_OF}).json()
    listing = get_page(anonymous_client, "/snapshots")
    assert 'action="/snapshots"' not in listing
    assert "Sign in" in text_of(listing)
    assert f'href="/snapshots/{created["id"]}"' in listing
    page = get_page(anonymous_client, f"/snapshots/{created['id']}")
    assert created["content_hash"] in page
    refused = anonymous_client.post("/snapshots", data={"as_of": AS_OF}, follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/sign-in")
    get_page(anonymous_client, "/snapshots/abcdefabcdef", status=404)


def test_the_page_reads_the_frozen_cells_after_a_retraction(
    client: TestClient, session: Session
) -> None:
    claims = make_matrix(session)
    created = client.post(SNAPSHOTS, json={"as_of": AS_OF, "role": "ground_forces"}).json()
    page = get_page(client, f"/snapshots/{created['id']}")
    claim = f"/api/v1/claims/{claims['GB/ground_forces'].id}"
    etag = client.get(claim).headers["ETag"]
    client.post(f"{claim}/retract", json={"reason": "wrong"}, headers={"If-Match": etag})
    assert get_page(client, f"/snapshots/{created['id']}") == page


def test_the_freeze_form_posts_the_matrix_question_and_a_title(
    viewer_client: TestClient, session: Session
) -> None:
    make_matrix(session)
    question = freeze_question(
        date.fromisoformat(AS_OF),
        kind="commitment",
        roles=["ground_forces", "air_cover"],
        actors=["GB", "FR"],
        inherit=True,
    )
    form = templates.env.get_template("snapshots/_freeze_form.html").render(
        snapshot_question=question, current_user=object(), request=None
    )
    tree = parse(form)
    (element,) = tree.find_all("form", action="/snapshots")
    hidden = [(i.attrs["name"], i.attrs["value"]) for i in element.find_all("input", type="hidden")]
    assert hidden == [
        ("as_of", AS_OF),
        ("kind", "commitment"),
        ("role", "ground_forces"),
        ("role", "air_cover"),
        ("actor", "GB"),
        ("actor", "FR"),
        ("inherit", "true"),
    ]
    assert "Freeze as citable snapshot" in html.unescape(element.text())
    assert (
        templates.env.get_template("snapshots/_freeze_form.html")
        .render(snapshot_question=question, current_user=None, request=None)
        .strip()
        == ""
    )

    # The form as a browser sends it: repeated names, in order.
    fields = [*hidden, ("title", "Frozen"), ("csrf_token", csrf_token(viewer_client, "/snapshots"))]
    sent = viewer_client.post(
        "/snapshots",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    found = PAGE.match(sent.headers["location"])
    assert found
    frozen = viewer_client.get(f"{SNAPSHOTS}/{found.group(1)}").json()
    assert frozen["question"]["role"] == ["ground_forces", "air_cover"]
    assert frozen["question"]["actor"] == ["GB", "FR"]
    assert (frozen["question"]["kind"], frozen["question"]["inherit"]) == ("commitment", True)
    assert frozen["title"] == "Frozen"
