"""Server-rendered pages: templates, htmx detection, and rendering helpers."""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from pydantic import BaseModel, ValidationError

from app.errors import AppError, FieldError, InvalidInput, validation_errors
from app.vocab import Stance, Status

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# A symbol beside every colour, so a status never rests on colour alone.
SYMBOLS: dict[str, str] = {
    Status.RULED_OUT: "✕",
    Status.RELUCTANT: "◔",
    Status.CONSIDERING: "◑",
    Status.WILLING: "◕",
    Status.PLEDGED: "●",
    Status.ACTIVE: "■",
    Status.WITHDRAWN: "↩",
    Status.UNDISCLOSED: "?",
    Stance.SUPPORTS: "✓",
    Stance.CONDITIONAL: "≈",
    Stance.UNDECIDED: "…",
    Stance.OPPOSES: "✗",
    Stance.REJECTS: "⊘",
}
LABELS: dict[str, str] = {v: v.replace("_", " ").capitalize() for v in SYMBOLS}


def _account_context(request: Request) -> dict[str, Any]:
    # Set by the accounts dependencies when the route resolved who is signed in.
    user = getattr(request.state, "user", None)
    return {
        "current_user": user,
        "can_edit": user is not None and user.has_role("editor"),
        "can_review": user is not None and user.has_role("reviewer"),
        "signed_in_by_session": user is not None and user.via == "session",
    }


@pass_context
def csrf_input(context: Mapping[str, Any]) -> Markup:
    """The hidden input carrying the browser's CSRF token; every POST form needs one."""
    request = context.get("request")
    token = getattr(request.state, "csrf_token", None) if request is not None else None
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_account_context])
templates.env.globals.update(symbols=SYMBOLS, labels=LABELS, csrf_input=csrf_input)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it wants a fragment, not the whole page)."""
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page, or only its fragment template when htmx asks for it."""
    name = fragment if fragment and is_htmx(request) else template
    return templates.TemplateResponse(request, name, context, status_code=status_code)


ModelT = TypeVar("ModelT", bound=BaseModel)


async def _form_fields(request: Request) -> dict[str, Any]:
    form = await request.form()
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    return fields


# A submitted form as a dict: repeated names become lists, files are ignored.
FormFields = Annotated[dict[str, Any], Depends(_form_fields)]


def parse_form(model: type[ModelT], fields: Mapping[str, Any]) -> ModelT:
    """Validate a form against an API schema; empty inputs count as not given.

    Raises InvalidInput with one `{field, message}` per problem, as the API would.
    """
    cleaned = {k: v for k, v in fields.items() if v not in ("", None, [])}
    try:
        return model.model_validate(cleaned)
    except ValidationError as exc:
        errors = [
            FieldError(str(e["field"]), str(e["message"]))
            for e in validation_errors(exc.errors(include_url=False))
        ]
        raise InvalidInput.of(errors) from None


def form_errors(exc: AppError) -> dict[str, str]:
    """An error's messages by field name, to show beside each input."""
    messages: dict[str, str] = {}
    for error in exc.errors:
        field = str(error["field"])
        messages[field] = (
            f"{messages[field]}; {error['message']}" if field in messages else str(error["message"])
        )
    if not messages:
        messages["form"] = exc.detail
    return messages


def error_summary(errors: Mapping[str, str]) -> Sequence[tuple[str, str]]:
    """Field errors as (field, message) pairs for a summary at the top of a form."""
    return sorted(errors.items())


EnumT = TypeVar("EnumT", bound=StrEnum)


def parse_choices(enum: type[EnumT], values: Sequence[str], field: str) -> list[EnumT]:
    """Query values of a select as enum members; the empty "any" choice is dropped."""
    chosen: list[EnumT] = []
    for value in values:
        if not value:
            continue
        try:
            chosen.append(enum(value))
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise InvalidInput.field(field, f"'{value}' is not one of {allowed}") from None
    return chosen


def form_values(fields: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    """The named inputs of a submitted form as text, to validate and to show again.

    Only the form's own inputs are kept (the schemas forbid extra fields), and browsers'
    CRLF line breaks in textareas become plain newlines.
    """
    out: dict[str, str] = {}
    for name in names:
        value = fields.get(name, "")
        value = value[-1] if isinstance(value, list) else value
        out[name] = str(value).replace("\r\n", "\n").strip()
    return out
