"""Server-rendered pages: templates, htmx detection, and rendering helpers."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

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

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(symbols=SYMBOLS, labels=LABELS)


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
