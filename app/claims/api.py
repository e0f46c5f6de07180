"""Claim endpoints: /api/v1/claims (JSON or CSV)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from app.accounts.deps import CurrentUser, RequireEditor, RequireReviewer, may_review
from app.claims import queries, rules, service, views
from app.claims.schemas import (
    ClaimAccept,
    ClaimCreate,
    ClaimRead,
    ClaimReject,
    ClaimRetract,
    ClaimUpdate,
)
from app.claims.service import ClaimFilter
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    IF_MATCH_RESPONSES,
    WRITE_RESPONSES,
    Conflict,
    NotFound,
    problem_responses,
)
from app.listing import INT_MAX, IdPath, Page, PagingDep, QueryName, QueryText, page_of, sort_query
from app.openapi import ETAG_HEADER, LOCATION_HEADER, record_links
from app.schemas import IsoDate
from app.tabular import Format, csv_response, wants_csv
from app.versioning import IfMatch, set_etag
from app.vocab import Basis, ClaimKind, ReviewState, Role, Stance, Status

router = APIRouter(prefix="/api/v1/claims", tags=["claims"], responses=API_RESPONSES)

CLAIM = "/api/v1/claims/{claim_id}"
# The operations on one claim that an answer about it leads to (stateful clients follow
# these links: create, read, change, review, retract).
CLAIM_WRITES = {
    "UpdateClaim": ("patch", CLAIM),
    "RetractClaim": ("post", CLAIM + "/retract"),
    "AcceptClaim": ("post", CLAIM + "/accept"),
    "RejectClaim": ("post", CLAIM + "/reject"),
}


def _claim_answer(key: str, description: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "headers": ETAG_HEADER,
        "links": record_links(
            "claim_id", key, reads={"GetClaim": ("get", CLAIM)}, writes=CLAIM_WRITES
        ),
    }
    if description:
        answer["description"] = description
    return answer


# A claim as the seed article (source 1) supports it.
CLAIM_EXAMPLES: dict[str, Any] = {
    "commitment": {
        "summary": "A commitment, with its evidence in the source's text",
        "value": {
            "actor": "ES",
            "kind": "commitment",
            "role": "ground_forces",
            "status": "considering",
            "basis": "report",
            "stated_on": "2025-08-20",
            "source_id": 1,
            "evidence": {"text": "Germany and Spain, prefer to remain cautious"},
            "review_state": "proposed",
        },
    }
}

# A review or a retraction of one claim: its answer, and what refuses it.
CLAIM_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _claim_answer("$request.path.claim_id"),
    **WRITE_RESPONSES,
    **IF_MATCH_RESPONSES,
    **problem_responses(NotFound, Conflict),
}

CSV_COLUMNS = [
    "id",
    "actor",
    "actor_name",
    "kind",
    "role",
    "initiative",
    "initiative_name",
    "status",
    "stance",
    "conditional",
    "condition_types",
    "conditions",
    "limits",
    "quantity_amount",
    "quantity_unit",
    "certainty",
    "basis",
    "speaker",
    "speaker_name",
    "reported_by",
    "via",
    "stated_on",
    "source_id",
    "source_title",
    "source_outlet",
    "published_on",
    "evidence",
    "evidence_start",
    "evidence_end",
    "review_state",
    "retracted",
]


def _csv_row(r: dict[str, Any]) -> list[Any]:
    q = r["quantity"] or {}
    return [
        r["id"],
        r["actor"],
        r["actor_name"],
        r["kind"],
        r["role"],
        r["initiative"],
        r["initiative_name"],
        r["status"],
        r["stance"],
        r["conditional"],
        [c["type"] for c in r["conditions"]],
        [c["text"] for c in r["conditions"]],
        r["limits"],
        q.get("amount"),
        q.get("unit"),
        r["certainty"],
        r["basis"],
        r["speaker"],
        r["speaker_name"],
        r["reported_by"],
        r["via"],
        r["stated_on"],
        r["source"]["id"],
        r["source"]["title"],
        r["source"]["outlet"],
        r["source"]["published_on"],
        r["evidence"]["text"],
        r["evidence"]["start"],
        r["evidence"]["end"],
        r["review_state"],
        r["retracted"],
    ]


def claims_about(
    actor: Annotated[list[QueryName], Query(description="Actor code; repeat for several.")] = [],
    role: Annotated[list[Role], Query()] = [],
    initiative: Annotated[list[QueryName], Query(description="Initiative slug; repeatable.")] = [],
    kind: ClaimKind | None = None,
    status_: Annotated[list[Status], Query(alias="status")] = [],
    stance: Annotated[list[Stance], Query()] = [],
) -> ClaimFilter:
    """The claim list's filters on who and what: actors, roles, initiatives, kind, rungs."""
    return ClaimFilter(
        actors=actor,
        roles=[r.value for r in role],
        initiatives=initiative,
        kind=kind.value if kind else None,
        statuses=[s.value for s in status_],
        stances=[s.value for s in stance],
    )


def claims_where(
    basis: Basis | None = None,
    review_state: ReviewState | None = None,
    stated_from: IsoDate | None = None,
    stated_to: IsoDate | None = None,
    source: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Source id.")] = None,
    q: Annotated[QueryText | None, Query(description="Text the evidence contains.")] = None,
    include_retracted: bool = False,
) -> ClaimFilter:
    """The claim list's filters on the record: basis, review, dates, source, evidence."""
    return ClaimFilter(
        basis=basis.value if basis else None,
        review_state=review_state.value if review_state else None,
        stated_from=stated_from,
        stated_to=stated_to,
        source_id=source,
        q=q,
        include_retracted=include_retracted,
    )


@router.get(
    "",
    response_model=Page[ClaimRead],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def list_claims(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    what: Annotated[ClaimFilter, Depends(claims_about)],
    which: Annotated[ClaimFilter, Depends(claims_where)],
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
    format: Format | None = None,
) -> Any:
    """List claims; `format=csv` (or Accept: text/csv) gives a spreadsheet of every match."""
    filters = ClaimFilter(**what, **which)
    if wants_csv(request, format):
        records = service.claim_records(session, sort, **filters)
        return csv_response("claims.csv", CSV_COLUMNS, (_csv_row(r) for r in records))
    items, total = service.claim_page(session, asked, sort, **filters)
    return page_of(items, total, asked)


@router.post(
    "",
    response_model=ClaimRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
    responses={
        201: {
            **_claim_answer("$response.body#/id", "The claim as recorded."),
            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
        },
        **WRITE_RESPONSES,
    },
)
def create_claim(
    data: Annotated[ClaimCreate, Body(openapi_examples=CLAIM_EXAMPLES)],
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> ClaimRead:
    """Record a claim (it counts in positions once its review_state is accepted).

    Only a reviewer may record a claim as accepted or rejected (403 for an editor).
    """
    claim = service.record_claim(session, data, may_review=may_review(user))
    response.headers["Location"] = f"/api/v1/claims/{claim.id}"
    set_etag(response, claim.version)
    return views.claim_read(claim)


@router.get(
    "/{claim_id:int}",
    response_model=ClaimRead,
    responses={200: _claim_answer("$request.path.claim_id"), **problem_responses(NotFound)},
)
def get_claim(claim_id: IdPath, session: SessionDep, response: Response) -> ClaimRead:
    """One claim; its ETag is its version, for the If-Match of a write."""
    claim = rules.require_claim(session, claim_id)
    set_etag(response, claim.version)
    return views.claim_read(claim)


@router.patch(
    "/{claim_id:int}",
    response_model=ClaimRead,
    dependencies=[RequireEditor],
    responses=CLAIM_WRITE_RESPONSES,
)
def update_claim(
    claim_id: IdPath,
    data: ClaimUpdate,
    session: SessionDep,
    settings: SettingsDep,
    version: IfMatch,
    user: CurrentUser,
    response: Response,
) -> ClaimRead:
    """Change a claim (If-Match: the version changed); the result is checked like a new claim.

    Changing review_state is a review: only a reviewer may (403 for an editor).
    """
    claim = service.update_claim(
        session,
        claim_id,
        data,
        expected_version=version,
        allow_self_review=settings.allow_self_review,
        may_review=may_review(user),
    )
    set_etag(response, claim.version)
    return views.claim_read(claim)


@router.post(
    "/{claim_id:int}/retract",
    response_model=ClaimRead,
    dependencies=[RequireEditor],
    responses=CLAIM_WRITE_RESPONSES,
)
def retract_claim(
    claim_id: IdPath, data: ClaimRetract, session: SessionDep, version: IfMatch, response: Response
) -> ClaimRead:
    """Retract a claim (If-Match): it is kept, marked, and no longer counts in positions."""
    claim = service.retract_claim(session, claim_id, data.reason, expected_version=version)
    set_etag(response, claim.version)
    return views.claim_read(claim)


@router.post(
    "/{claim_id:int}/accept",
    response_model=ClaimRead,
    dependencies=[RequireReviewer],
    responses=CLAIM_WRITE_RESPONSES,
)
def accept_claim(
    claim_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    version: IfMatch,
    response: Response,
    data: Annotated[
        ClaimAccept | None,
        Body(description="Field changes to make before accepting (edit-and-accept)."),
    ] = None,
) -> ClaimRead:
    """Accept a proposed claim (If-Match), with field changes first if a body gives them.

    A reviewer cannot accept a claim they recorded themselves (403) unless the setting
    POSTURE_ALLOW_SELF_REVIEW allows it.
    """
    claim = service.accept_claim_as_asked(
        session,
        claim_id,
        data,
        expected_version=version,
        allow_self_review=settings.allow_self_review,
    )
    set_etag(response, claim.version)
    return views.claim_read(claim)


@router.post(
    "/{claim_id:int}/reject",
    response_model=ClaimRead,
    dependencies=[RequireReviewer],
    responses=CLAIM_WRITE_RESPONSES,
)
def reject_claim(
    claim_id: IdPath, data: ClaimReject, session: SessionDep, version: IfMatch, response: Response
) -> ClaimRead:
    """Reject a proposed claim (If-Match), with the reason; it never counts in positions."""
    claim = service.reject_claim(session, claim_id, data.reason, expected_version=version)
    set_etag(response, claim.version)
    return views.claim_read(claim)
