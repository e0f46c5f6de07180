"""Dashboard pages about sources: the list, one source with its evidence marked, the forms."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.accounts.deps import RequireEditor, may_read_audit
from app.audit import service as audit
from app.db import SessionDep
from app.forms import RecordForm, render_form, save_edit_form, save_new_form
from app.listing import IdPath, PagingDep
from app.sources import service
from app.sources.schemas import SourceCreate, SourceDetail, SourceUpdate
from app.web import FormFields, form_values, parse_form, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "title": "Title",
    "outlet": "Outlet",
    "url": "URL",
    "published_on": "Published on",
    "language": "Language",
    "text": "Text",
}


@router.get("/sources", response_class=HTMLResponse)
def source_list(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
) -> HTMLResponse:
    """Sources, newest first, a page at a time."""
    items, total = service.source_page(session, asked)
    context = {
        "title": "Sources",
        "sources": items,
        "total": total,
        "limit": asked.limit,
        "offset": asked.offset,
        "params": {},
    }
    return render(request, "sources/list.html", context)


@router.get("/sources/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def new_source_form(request: Request) -> HTMLResponse:
    """An empty form for a new source."""
    return render_form(request, SOURCE_FORM, {}, {})


@router.post("/sources/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_source(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Record the source and go to its page; on a problem, the form again."""
    values = form_values(fields, tuple(FIELD_LABELS))

    def create() -> int:
        return service.create_source(session, parse_form(SourceCreate, values)).id

    return save_new_form(request, session, SOURCE_FORM, values=values, create=create)


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(source_id: IdPath, request: Request, session: SessionDep) -> HTMLResponse:
    """A source's metadata and every claim it supports, evidence marked in its text, which
    an editor may select to code a claim from."""
    context = service.source_view(session, source_id)
    context["title"] = context["source"].title
    # The page shows the text whole, so a selection's offsets into it are the stored text's,
    # unless the text holds a CR (a browser reads CR LF as one LF).
    context["codable"] = "\r" not in (context["source"].text or "\r")
    if may_read_audit(request):
        context["audit_history"] = audit.history_context(session, "source", source_id)
    return render(request, "sources/detail.html", context)


@router.get("/sources/{source_id}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_source_form(source_id: IdPath, request: Request, session: SessionDep) -> HTMLResponse:
    """The source's form, filled in with what is stored."""
    source = _stored_source(session, source_id)
    return render_form(
        request, SOURCE_FORM, stored_source_values(source), {}, source, version=source.version
    )


@router.post("/sources/{source_id}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def update_source(
    source_id: IdPath, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Save the changes and go to the source's page; on a problem, the form again."""
    source = _stored_source(session, source_id)
    values = form_values(fields, tuple(FIELD_LABELS))
    changes = dict(values)
    # The text comes back from the browser reformatted (CRLF, trimmed): unchanged, it is
    # not sent, so that saving the metadata never rewrites the stored text or its hash.
    if values["text"] == (source.text or "").replace("\r\n", "\n").strip():
        del changes["text"]

    def save(version: int) -> None:
        data = parse_form(SourceUpdate, changes)
        # An emptied input clears the field (or is refused, as the API refuses a null title).
        data = data.model_copy(update={k: None for k, v in changes.items() if not v})
        service.update_source(session, source_id, data, expected_version=version)

    return save_edit_form(
        request, session, SOURCE_FORM, source_id, source, values=values, fields=fields, save=save
    )


def _stored_source(session: Session, source_id: int) -> SourceDetail:
    """The stored source with its text, or 404."""
    return service.source_detail(service.require_source(session, source_id))


def stored_source_values(source: SourceDetail) -> dict[str, str]:
    """The stored source as the form's text values."""
    return {
        "title": source.title,
        "outlet": source.outlet or "",
        "url": source.url or "",
        "published_on": source.published_on.isoformat(),
        "language": source.language or "",
        "text": source.text or "",
    }


SOURCE_FORM = RecordForm(
    what="source",
    path="/sources",
    template="sources/form.html",
    labels=FIELD_LABELS,
    read=_stored_source,
    stored_values=stored_source_values,
    edit_title=lambda source: f"Edit source {source.id}",
)
