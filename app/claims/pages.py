"""Dashboard pages about claims: the evidence behind a cell."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.claims import service
from app.db import SessionDep
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: int, request: Request, session: SessionDep) -> HTMLResponse:
    """A claim with its evidence highlighted in its sentence and the cell's history."""
    context = service.claim_evidence_view(session, claim_id)
    context["title"] = f"Claim {claim_id}"
    return render(request, "claims/claim.html", context, fragment="claims/_detail.html")
