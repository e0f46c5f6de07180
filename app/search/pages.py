"""The search page: one box over actors, initiatives, sources and evidence."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep
from app.search import service
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, session: SessionDep, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Results grouped by kind; a text naming exactly one actor goes to that actor's page."""
    q = q.strip()
    if not q:
        return render(request, "search/search.html", {"title": "Search", "q": "", "results": None})
    code = service.actor_named(session, q)
    if code is not None:
        return RedirectResponse(f"/actors/{code}", status_code=303)
    results = service.search(session, q)
    return render(
        request, "search/search.html", {"title": f"Search: {q}", "q": q, "results": results}
    )
