"""GET /api/v1/sources/{id}/reading: a selection of a stored text read as a claim (the
prefill of the claim form), on both databases. The sentences are plain on purpose: the
tests pin the reading's shape and choices, not the extraction rules' fine detail."""

import html
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.review.pages import text_runs
from app.sources.models import Source
from tests.api_assertions import assert_problem
from tests.conftest import signed_in
from tests.factories import make_actor, make_claim, make_source, make_user
from tests.page_assertions import field_message, get_page, input_value, post_form

TROOPS = "The United Kingdom is ready to send troops to Ukraine."
INTELLIGENCE = "France will share intelligence with Ukraine."
MEETING = "On Tuesday, Germany celebrated a national holiday."
TEXT = f"{TROOPS}\n\n{INTELLIGENCE}\n\n{MEETING}"


def reading_of(client: TestClient, source_id: int, start: int, end: int) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/sources/{source_id}/reading", params={"start": start, "end": end}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def source_with_text(session: Session) -> Source:
    make_actor(session, "GB", name="United Kingdom")
    make_actor(session, "FR", name="France")
    make_actor(session, "DE", name="Germany")
    make_actor(session, "UA", name="Ukraine")
    return make_source(session, text=TEXT, outlet="Test Wire")


def test_a_selection_reads_as_the_proposal_its_evidence_overlaps_with_the_selection_as_evidence(
    client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    selected = "United Kingdom is ready to send troops"
    start = TEXT.index(selected)
    end = start + len(selected)

    reading = reading_of(client, source.id, start, end)

    claim = reading["claim"]
    assert reading["read_from"] == "proposal"
    assert reading["source_id"] == source.id
    assert claim["evidence"] == {"start": start, "end": end, "text": selected}
    assert claim["actor"] == "GB"
    assert claim["kind"] == "commitment"
    assert claim["role"] == "ground_forces"
    assert claim["status"] == "willing"
    assert claim["stated_on"] == "2025-08-20"
    assert claim["reported_by"] == "Test Wire"
    assert claim["basis"] in ("statement", "report")
    assert reading["readable"] is True


def test_white_space_around_the_selection_is_trimmed_from_the_evidence(
    client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    at = TEXT.index(INTELLIGENCE)

    reading = reading_of(client, source.id, at - 2, at + len(INTELLIGENCE) + 2)

    evidence = reading["claim"]["evidence"]
    assert evidence == {"start": at, "end": at + len(INTELLIGENCE), "text": INTELLIGENCE}
    assert TEXT[evidence["start"] : evidence["end"]] == evidence["text"]
    assert reading["claim"]["actor"] == "FR"
    assert reading["claim"]["role"] == "intelligence"


def test_the_best_overlap_comes_first_and_the_others_are_alternatives(
    client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    # Both sentences, most of the selection the second one.
    start = TEXT.index("send troops")
    end = TEXT.index(INTELLIGENCE) + len(INTELLIGENCE)

    reading = reading_of(client, source.id, start, end)

    assert reading["claim"]["actor"] == "FR"
    assert [(a["actor"], a["role"]) for a in reading["alternatives"]] == [("GB", "ground_forces")]
    # An alternative keeps its own evidence.
    alternative = reading["alternatives"][0]["evidence"]
    assert TEXT[alternative["start"] : alternative["end"]] == alternative["text"]


def test_a_selection_no_proposal_overlaps_reads_its_sentence_and_says_so(
    client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    start = TEXT.index(MEETING)

    reading = reading_of(client, source.id, start, start + len(MEETING))

    claim = reading["claim"]
    assert reading["read_from"] == "sentence"
    assert reading["message"]
    assert reading["alternatives"] == []
    assert claim["actor"] == "DE"
    assert claim["kind"] is None
    assert claim["basis"] is None
    # "On Tuesday" in a text published on Wednesday 2025-08-20.
    assert claim["stated_on"] == "2025-08-19"
    assert claim["evidence"]["text"] == MEETING


def test_bad_selections_are_422_naming_the_field(client: TestClient, session: Session) -> None:
    source = source_with_text(session)
    url = f"/api/v1/sources/{source.id}/reading"

    for params, field in [
        ({"start": len(TEXT), "end": len(TEXT) + 1}, "start"),
        ({"start": 0, "end": len(TEXT) + 1}, "end"),
        ({"start": 10, "end": 10}, "end"),
        ({"start": 10, "end": 4}, "end"),
        ({"start": len(TROOPS), "end": len(TROOPS) + 2}, "end"),  # only white space
        ({"start": -1, "end": 4}, "start"),
        ({"start": "x", "end": 4}, "start"),
        ({"end": 4}, "start"),
    ]:
        assert_problem(client.get(url, params=params), 422, field)


def test_a_source_without_text_is_422_and_an_unknown_source_404(
    client: TestClient, session: Session
) -> None:
    bare = make_source(session, text=None)

    response = client.get(f"/api/v1/sources/{bare.id}/reading", params={"start": 0, "end": 4})

    assert_problem(response, 422, "source_id")
    missing = client.get("/api/v1/sources/999999/reading", params={"start": 0, "end": 4})
    assert_problem(missing, 404)


def test_reading_stores_nothing_and_needs_no_account(
    anonymous_client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    version = source.version

    reading = reading_of(anonymous_client, source.id, 0, len(TROOPS))

    assert reading["claim"]["actor"] == "GB"
    session.refresh(source)
    assert source.version == version


def test_a_commitment_takes_the_initiative_of_the_nearest_claim_in_its_paragraph(
    client: TestClient, session: Session
) -> None:
    source_with_text(session)
    uk = "The United Kingdom is ready to send troops to Ukraine."
    france = "France is ready to send troops to Ukraine too."
    germany = "Germany is ready to send troops to Ukraine."
    text = f"{uk} {france}\n\n{germany}"
    source = make_source(session, text=text)
    coded = make_claim(
        session,
        source=source,
        initiative="stabilization-force-plan",
        evidence={"text": uk},
        review_state="proposed",
    )

    beside = reading_of(client, source.id, text.index(france), text.index(france) + len(france))
    apart = reading_of(client, source.id, text.index(germany), len(text))

    assert (beside["claim"]["actor"], beside["claim"]["kind"]) == ("FR", "commitment")
    assert beside["claim"]["initiative"] == "stabilization-force-plan"
    assert beside["initiative_from"] == coded.id
    # Another paragraph's claims are not offered.
    assert apart["claim"]["actor"] == "DE"
    assert apart["claim"]["initiative"] is None
    assert apart["initiative_from"] is None


SELECT = re.compile(r'<select id="(\w+)".*?</select>', re.DOTALL)
SELECTED = re.compile(r'<option value="(\w*)" selected>')


def chosen_options(page: str) -> dict[str, str]:
    """Each select's chosen option, by the select's id."""
    return {
        m.group(1): found.group(1)
        for m in SELECT.finditer(page)
        if (found := SELECTED.search(m.group()))
    }


def test_the_claim_form_opens_filled_in_from_a_selection_and_goes_back_after_saving(
    editor_client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    start = TEXT.index(TROOPS)
    end = start + len(TROOPS)
    back = f"/sources/{source.id}"

    page = get_page(
        editor_client, "/claims/new", source_id=source.id, start=start, end=end, next=back
    )

    chosen = chosen_options(page)
    assert (chosen["kind"], chosen["role"], chosen["status"]) == (
        "commitment",
        "ground_forces",
        "willing",
    )
    values = {
        name: input_value(page, name)
        for name in ("actor", "stated_on", "evidence_text", "evidence_start", "evidence_end")
    }
    assert values == {
        "actor": "GB",
        "stated_on": "2025-08-20",
        "evidence_text": TROOPS,
        "evidence_start": str(start),
        "evidence_end": str(end),
    }
    assert re.search(r'<input[^>]*id="actor"[^>]*autofocus', page)
    assert f'<input type="hidden" name="next" value="{back}">' in page

    form = {**values, **chosen, "source_id": str(source.id), "certainty": "high"}
    saved = post_form(editor_client, "/claims/new", {**form, "next": back})
    elsewhere = post_form(editor_client, "/claims/new", {**form, "next": "https://evil.example/"})

    assert saved.status_code == 303, saved.text
    claim_id = int(saved.headers["location"].rsplit("-", 1)[1])
    assert saved.headers["location"] == f"{back}#claim-{claim_id}"
    claim = editor_client.get(f"/api/v1/claims/{claim_id}").json()
    assert claim["review_state"] == "proposed"
    assert claim["evidence"] == {"start": start, "end": end, "text": TROOPS}
    # Only a source's page or the review queue is gone back to.
    assert elsewhere.status_code == 303
    assert re.fullmatch(r"/claims/\d+", elsewhere.headers["location"])


def test_the_claim_form_shows_a_bad_selection_beside_the_offsets(
    editor_client: TestClient, session: Session
) -> None:
    source = source_with_text(session)

    page = get_page(
        editor_client, "/claims/new", 422, source_id=source.id, start=4, end=len(TEXT) + 9
    )

    assert "at most the text" in field_message(page, "evidence_end")
    assert input_value(page, "source_id") == str(source.id)


def test_a_position_repeated_later_in_the_text_is_read_where_it_is_selected(
    client: TestClient, session: Session
) -> None:
    source_with_text(session)
    later = "Officials said again that the United Kingdom is ready to send troops to Ukraine."
    text = f"{TROOPS}\n\n{INTELLIGENCE}\n\n{later}"
    source = make_source(session, text=text)
    start = text.index(later)

    reading = reading_of(client, source.id, start, len(text))

    # The extractor keeps the first of the two; the selection is read where it is.
    assert reading["read_from"] == "proposal"
    assert (reading["claim"]["actor"], reading["claim"]["role"]) == ("GB", "ground_forces")
    assert reading["claim"]["evidence"]["start"] == start


def test_the_review_queue_shows_text_as_runs_whose_offsets_survive_carriage_returns() -> None:
    # A browser reads CR LF (and a lone CR) as one LF: a CR is cut out of what is shown.
    assert text_runs("a\r\nb\rc", 10) == [
        ("a", 10),
        ("\n", 12),
        ("b", 13),
        ("\n", None),
        ("c", 15),
    ]


RUN = re.compile(r'<span data-start="(\d+)">(.*?)</span>', re.DOTALL)


def test_the_pages_carry_the_offsets_of_the_text_they_show_to_editors_and_reviewers(
    app: FastAPI, anonymous_client: TestClient, editor_client: TestClient, session: Session
) -> None:
    source = source_with_text(session)
    make_claim(session, source=source, evidence={"text": TROOPS}, review_state="proposed")

    editor_page = get_page(editor_client, f"/sources/{source.id}")
    reader_page = get_page(anonymous_client, f"/sources/{source.id}")
    with signed_in(app, session, make_user(session, "reviewer", role="reviewer")) as reviewer:
        queue = get_page(reviewer, "/review", source=source.id)

    # The source's page shows the text whole: it starts at offset 0.
    assert f'data-code-source="{source.id}"' in editor_page
    assert 'data-start="0"><div class="source-text">' in editor_page
    assert '<script src="/static/js/span-coding.js" defer></script>' in editor_page
    assert "data-code-source" not in reader_page
    assert "span-coding.js" not in reader_page
    # The queue shows the evidence in its context, each run with its own offset.
    runs = RUN.findall(queue)
    assert runs
    for start, shown in runs:
        assert TEXT[int(start) : int(start) + len(html.unescape(shown))] == html.unescape(shown)
    assert f'data-code-source="{source.id}"' in queue
