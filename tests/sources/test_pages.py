"""The source pages: list, one source with its evidence marked in its text, and the forms."""

import html
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.sources.models import Source
from app.sources.service import content_hash, evidence_segments
from tests.conftest import SEED_ARTICLE, seed_text
from tests.factories import make_claim, make_source
from tests.page_assertions import (
    claim_id,
    field_message,
    get_page,
    input_value,
    post_form,
    source_id,
    text_of,
)


@pytest.fixture
def client(editor_client: TestClient) -> TestClient:
    """The dashboard's forms are used by an editor signed in with a session cookie."""
    return editor_client


MARK = re.compile(r"<mark>(.*?)</mark><sup class=\"claim-refs\">\[(.*?)\]</sup>", re.DOTALL)


def source_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Source)) or 0


def marked_text(page: str) -> str:
    """The rendered source text with the claim numbers and tags taken out."""
    body = re.search(r'<div class="source-text">(.*?)</div>', page, re.DOTALL)
    assert body
    without_refs = re.sub(r'<sup class="claim-refs">.*?</sup>', "", body.group(1))
    return html.unescape(re.sub(r"</?mark>", "", without_refs))


def test_seed_source_marks_every_evidence_span_in_its_text(
    client: TestClient, seeded: Session
) -> None:
    seed_text(SEED_ARTICLE)  # the sentence around the span: skips without ../shared
    source = seeded.get(Source, source_id(client, "Ten European countries"))
    assert source is not None
    assert source.text is not None
    assert source.content_hash is not None
    claims = client.get("/api/v1/claims", params={"source": source.id, "limit": 100}).json()
    assert claims["total"] == 21
    page = get_page(client, f"/sources/{source.id}")
    text = text_of(page)
    assert "European newspaper (English translation)" in text
    assert "2025-08-20" in text
    assert source.content_hash in text
    # The text is shown whole, and every claim's span is marked with its number.
    assert marked_text(page) == source.text
    marks = MARK.findall(page)
    labelled = sorted(int(n) for _, refs in marks for n in re.findall(r">(\d+)</a>", refs))
    assert labelled == sorted(c["id"] for c in claims["items"])
    # Overlapping spans (the UK, France and Finland share one sentence) become one mark.
    first = html.unescape(marks[0][0])
    assert first.startswith("United Kingdom, France, and possibly Finland")
    ground = sorted(claim_id(client, a, role="ground_forces") for a in ("GB", "FR", "FI"))
    assert [int(n) for n in re.findall(r">(\d+)</a>", marks[0][1])] == ground
    assert len(marks) == 13
    for claim in claims["items"]:
        assert f'href="/claims/{claim["id"]}"' in page
    assert "Willing" in text
    assert "Lavrov" in text


def test_evidence_segments_merge_overlaps_and_keep_every_character() -> None:
    text = "abcdefghij"
    segments = evidence_segments(text, [(6, 8, 4), (1, 3, 1), (2, 5, 2), (3, 4, 3), (9, 99, 5)])
    assert [(s.text, s.claims) for s in segments] == [
        ("a", []),
        ("bcde", [1, 2, 3]),
        ("f", []),
        ("gh", [4]),
        ("ij", []),
    ]
    assert "".join(s.text for s in segments) == text
    adjacent = evidence_segments("abcd", [(0, 2, 1), (2, 4, 2)])
    assert [(s.text, s.claims) for s in adjacent] == [("ab", [1]), ("cd", [2])]


def test_source_list_is_newest_first_and_pages(client: TestClient, session: Session) -> None:
    older = make_source(session, title="Older report", published_on=date(2025, 8, 1))
    newer = make_source(session, title="Newer report", published_on=date(2025, 8, 21))
    page = get_page(client, "/sources")
    assert page.index(f'href="/sources/{newer.id}"') < page.index(f'href="/sources/{older.id}"')
    first = get_page(client, "/sources", limit="1")
    assert "Newer report" in first
    assert "Older report" not in first
    assert 'rel="next" href="/sources?offset=1&amp;limit=1"' in first


def test_source_without_text_lists_the_quotes(client: TestClient, session: Session) -> None:
    source = make_source(session, text=None)
    make_claim(session, source=source, evidence={"text": "ready to send troops"})
    page = get_page(client, f"/sources/{source.id}")
    assert 'class="source-text"' not in page
    assert '<blockquote class="evidence">“ready to send troops”</blockquote>' in page
    assert "no text stored" in text_of(page)


def test_unknown_or_malformed_source_id_is_an_html_error(client: TestClient) -> None:
    assert "No source has the id 987654." in get_page(client, "/sources/987654", status=404)
    get_page(client, "/sources/987654/edit", status=404)
    get_page(client, "/sources/abc", status=422)


def test_new_source_form_creates_it_and_redirects(client: TestClient, session: Session) -> None:
    assert "Create source" in get_page(client, "/sources/new")
    response = post_form(
        client,
        "/sources/new",
        {
            "title": "Paris summit",
            "outlet": "Le Monde",
            "url": "https://example.org/paris-summit",
            "published_on": "2025-09-04",
            "language": "fr",
            "text": "Line one.\r\nLine two.\r\n",
        },
    )
    assert response.status_code == 303
    source_id = int(response.headers["location"].rsplit("/", 1)[1])
    stored = client.get(f"/api/v1/sources/{source_id}").json()
    assert stored["title"] == "Paris summit"
    assert stored["text"] == "Line one.\nLine two."
    assert stored["content_hash"] == content_hash("Line one.\nLine two.")


def test_new_source_with_bad_input_shows_each_message_and_writes_nothing(
    client: TestClient, session: Session
) -> None:
    before = source_count(session)
    bad = post_form(
        client,
        "/sources/new",
        {"title": "", "url": "ftp://example.org/x", "published_on": "2025-02-30"},
    )
    assert bad.status_code == 422
    assert field_message(bad.text, "title") == "Field required"
    assert field_message(bad.text, "url").startswith("String should match pattern")
    assert field_message(bad.text, "published_on").startswith("Input should be a valid date")
    assert input_value(bad.text, "url") == "ftp://example.org/x"
    existing = make_source(session)
    duplicate = post_form(
        client,
        "/sources/new",
        {"title": "Copy", "published_on": "2025-08-20", "text": existing.text or ""},
    )
    assert duplicate.status_code == 409
    assert field_message(duplicate.text, "text") == f"already stored as source {existing.id}"
    assert source_count(session) == before + 1


def test_edit_source_saves_metadata_without_rewriting_the_text(
    client: TestClient, session: Session
) -> None:
    # A text stored as given (the seed loader keeps the file's final newline).
    stored_text = "First line.\nThe United Kingdom is ready to send troops.\n"
    source = make_source(session, text=None)
    source.text, source.content_hash = stored_text, content_hash(stored_text)
    make_claim(session, source=source)
    form = get_page(client, f"/sources/{source.id}/edit")
    assert input_value(form, "text") == stored_text
    browser_text = stored_text.replace("\n", "\r\n")
    saved = post_form(
        client,
        f"/sources/{source.id}/edit",
        {"title": "Renamed", "published_on": "2025-08-20", "text": browser_text, "outlet": ""},
    )
    assert saved.status_code == 303
    stored = client.get(f"/api/v1/sources/{source.id}").json()
    assert stored["title"] == "Renamed"
    assert stored["outlet"] is None
    assert stored["text"] == stored_text
    assert stored["content_hash"] == content_hash(stored_text)
    assert stored["version"] == 2


def test_edit_source_refuses_what_the_service_refuses_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    source = make_source(session)
    make_claim(session, source=source)
    base = {"title": source.title, "published_on": "2025-08-20", "text": source.text or ""}
    empty_title = post_form(client, f"/sources/{source.id}/edit", {**base, "title": ""})
    assert empty_title.status_code == 422
    assert field_message(empty_title.text, "title") == "cannot be empty"
    too_early = post_form(
        client, f"/sources/{source.id}/edit", {**base, "published_on": "2025-08-01"}
    )
    assert too_early.status_code == 422
    assert field_message(too_early.text, "published_on") == (
        "a claim of this source was stated on 2025-08-20, later than that"
    )
    drops = post_form(client, f"/sources/{source.id}/edit", {**base, "text": "Nothing here."})
    assert drops.status_code == 422
    assert "no longer contains the evidence of claim" in field_message(drops.text, "text")
    assert input_value(drops.text, "text") == "Nothing here."
    stored = client.get(f"/api/v1/sources/{source.id}").json()
    assert (stored["title"], stored["published_on"], stored["text"]) == (
        source.title,
        "2025-08-20",
        source.text,
    )


def test_source_text_titles_and_evidence_are_escaped(client: TestClient, session: Session) -> None:
    script = "<script>alert(1)</script>"
    source = make_source(
        session, title=f"Title {script}", text=f"Officials said {script} is ready to send troops."
    )
    make_claim(session, source=source, evidence={"text": f"{script} is ready"})
    page = get_page(client, f"/sources/{source.id}")
    assert script not in page
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt; is ready</mark>" in page
    assert marked_text(page) == source.text
    listing = get_page(client, "/sources")
    assert script not in listing
    assert "Title &lt;script&gt;" in listing
