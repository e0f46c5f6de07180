"""Position answers over HTTP: ETags from the data version, 304, gzip, answers that follow
every write at once, and the paged readers (changes, actor timeline)."""

import gzip
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.positions import service
from app.positions.schemas import PositionMatrix
from tests.api_assertions import assert_problem
from tests.factories import make_actor, make_claim, make_source

POSITIONS = "/api/v1/positions"
MATRIX = {"as_of": "2025-09-01", "role": "ground_forces"}


def ground_forces(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    return {c["actor"]: c["status"] for c in body["cells"]}


def test_the_matrix_carries_an_etag_and_answers_304_while_nothing_changed(
    client: TestClient, session: Session
) -> None:
    make_claim(session, status="willing")
    first = client.get(POSITIONS, params=MATRIX)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"

    again = client.get(POSITIONS, params=MATRIX, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_a_write_changes_the_etag_and_the_next_answer(client: TestClient, session: Session) -> None:
    make_claim(session, status="willing")
    first = client.get(POSITIONS, params=MATRIX)
    assert ground_forces(first) == {"GB": "willing"}

    source = make_source(session, published_on=date(2025, 8, 25))
    response = client.post(
        "/api/v1/claims",
        json={
            "actor": "GB",
            "kind": "commitment",
            "role": "ground_forces",
            "status": "pledged",
            "basis": "statement",
            "stated_on": "2025-08-25",
            "source_id": source.id,
            "evidence": {"text": "ready to send troops"},
            "review_state": "accepted",
        },
    )
    assert response.status_code == 201, response.text

    stale = client.get(POSITIONS, params=MATRIX, headers={"If-None-Match": first.headers["etag"]})
    assert stale.status_code == 200
    assert stale.headers["etag"] != first.headers["etag"]
    assert ground_forces(stale) == {"GB": "pledged"}


def test_different_questions_have_different_etags(client: TestClient, session: Session) -> None:
    make_claim(session)
    one = client.get(POSITIONS, params=MATRIX).headers["etag"]
    other = client.get(POSITIONS, params={**MATRIX, "as_of": "2025-09-02"}).headers["etag"]
    as_csv = client.get(POSITIONS, params={**MATRIX, "format": "csv"}).headers["etag"]
    assert len({one, other, as_csv}) == 3


def test_a_large_answer_goes_gzipped_to_a_client_that_takes_gzip(
    client: TestClient, session: Session
) -> None:
    source = make_source(session)
    for code in ("GB", "FR", "DE", "PL", "NL", "SE", "FI", "DK", "NO", "EE"):
        make_actor(session, code)
        make_claim(session, actor=code, source=source)
    response = client.get(
        POSITIONS, params=MATRIX, headers={"Accept-Encoding": "gzip"}, follow_redirects=False
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    # httpx decodes it; the cells are all there.
    assert len(response.json()["cells"]) == 10
    raw = client.get(POSITIONS, params=MATRIX, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert raw.json() == response.json()
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_changes_come_a_page_at_a_time_each_change_once(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, published_on=date(2025, 8, 1))
    codes = ["GB", "FR", "DE", "PL", "NL"]
    for code in codes:
        make_actor(session, code)
        make_claim(session, actor=code, source=source)
    params = {"from": "2025-07-01", "to": "2025-08-20", "limit": 2}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = client.get(
            "/api/v1/changes", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == 5
        seen += [c["actor"] for c in body["changes"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(codes)


def test_changes_refuse_a_cursor_they_never_gave(client: TestClient) -> None:
    response = client.get(
        "/api/v1/changes", params={"from": "2025-07-01", "to": "2025-08-20", "cursor": "x"}
    )
    assert_problem(response, 422, "cursor")


def test_changes_refuse_a_page_larger_than_the_maximum(client: TestClient) -> None:
    response = client.get(
        "/api/v1/changes", params={"from": "2025-07-01", "to": "2025-08-20", "limit": 100_000}
    )
    assert_problem(response, 422, "limit")


def test_the_actor_timeline_pages_from_either_end(client: TestClient, session: Session) -> None:
    for day, status in ((1, "willing"), (5, "considering"), (9, "willing"), (13, "pledged")):
        make_claim(session, status=status, source_fields={"published_on": date(2025, 8, day)})
    oldest = client.get("/api/v1/actors/GB/timeline", params={"limit": 3}).json()
    assert oldest["total"] == 4
    assert [c["stated_on"] for c in oldest["claims"]] == [
        "2025-08-01",
        "2025-08-05",
        "2025-08-09",
    ]
    rest = client.get("/api/v1/actors/GB/timeline", params={"limit": 3, "offset": 3}).json()
    assert [c["stated_on"] for c in rest["claims"]] == ["2025-08-13"]
    newest = client.get("/api/v1/actors/GB/timeline", params={"limit": 1, "order": "desc"}).json()
    [latest] = newest["claims"]
    # The marks are the whole history's, not the page's: this claim follows another.
    assert (latest["stated_on"], latest["changed"]) == ("2025-08-13", True)
    assert latest["previous"] == "willing"


def test_the_matrix_json_is_exactly_the_documented_schema(
    client: TestClient, session: Session
) -> None:
    make_claim(
        session,
        status="willing",
        conditional=True,
        conditions=[{"type": "ceasefire", "text": "after a ceasefire"}],
    )
    make_claim(session, actor="FR", role="air_cover", status="pledged")
    body = client.get(POSITIONS, params={"as_of": "2025-09-01"}).json()
    day = date(2025, 9, 1)
    expected = service.positions_as_of(
        session, day, known_as_of=None, cells=service.cell_filter(session)
    )
    assert body == expected.model_dump(mode="json")
    assert PositionMatrix.model_validate(body).total == 2
