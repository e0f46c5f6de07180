"""Assertions shared by the page tests: HTML that a strict CSP allows, errors beside inputs."""

import html
import re
from typing import Any

from fastapi.testclient import TestClient

# What a strict Content-Security-Policy would block: inline scripts, style attributes,
# inline event handlers. The one script tag allowed is base.html's external htmx.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_csp_clean(page: str) -> None:
    """No inline script, no style attribute, no on* handler."""
    assert not INLINE_SCRIPT.search(page)
    assert not STYLE_ATTRIBUTE.search(page)
    assert not EVENT_HANDLER.search(page)


def get_page(client: TestClient, path: str, status: int = 200, **params: Any) -> str:
    """GET a dashboard page; it answers HTML with this status. Returns the HTML."""
    response = client.get(path, params=params or None, follow_redirects=False)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    assert_csp_clean(response.text)
    return response.text


CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([0-9a-f]+)">')


def csrf_token(client: TestClient, path: str = "/") -> str:
    """The CSRF token a page gives the signed-in browser (in its forms and sign-out button)."""
    found = CSRF_INPUT.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


VERSION_INPUT = re.compile(r'<input type="hidden" name="version" value="([0-9]+)">')


def form_version(client: TestClient, path: str) -> dict[str, str]:
    """The hidden `version` input of the edit form at `path` (none on a new-record form):
    the version of the record the form was opened at."""
    found = VERSION_INPUT.search(client.get(path).text)
    return {"version": found.group(1)} if found else {}


def post_form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    """POST a form as a browser does: fetch the form's page for its CSRF token (and, on an
    edit form, the version it was opened at), send them with the fields, and do not follow
    the redirect."""
    token = csrf_token(client, path)
    data = {**form_version(client, path), **data, "csrf_token": token}
    return client.post(path, data=data, follow_redirects=False)


def field_message(page: str, name: str) -> str:
    """The error shown beside an input: the input is marked invalid and described by it."""
    control = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{re.escape(name)}"[^>]*>', page)
    assert control, f"no input with id {name!r}"
    assert 'aria-invalid="true"' in control.group()
    described = re.search(r'aria-describedby="([^"]*)"', control.group())
    assert described
    assert f"{name}-error" in described.group(1).split()
    message = re.search(
        rf'<span class="field-error" id="{re.escape(name)}-error">(.*?)</span>', page, re.DOTALL
    )
    assert message, f"no error beside {name!r}"
    return html.unescape(message.group(1))


def summary(page: str) -> str:
    """The text of the error summary at the top of a form."""
    found = re.search(r'<div class="notice error-summary".*?</div>', page, re.DOTALL)
    assert found, "no error summary"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group()))


def input_value(page: str, name: str) -> str:
    """The value an input or a textarea shows (what the user typed is kept)."""
    textarea = re.search(
        rf'<textarea\b[^>]*\bid="{re.escape(name)}"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL
    )
    if textarea:
        return html.unescape(textarea.group(1))
    control = re.search(rf'<input\b[^>]*\bid="{re.escape(name)}"[^>]*>', page)
    assert control, f"no input with id {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', control.group())
    return html.unescape(value.group(1)) if value else ""


def text_of(page: str) -> str:
    """The page's visible text, tags removed and entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def claim_id(client: TestClient, actor: str, **filters: str) -> int:
    """The id of the one claim of the actor matching the filters (ids differ per database)."""
    items = client.get("/api/v1/claims", params={"actor": actor, **filters}).json()["items"]
    assert len(items) == 1, items
    found: int = items[0]["id"]
    return found


def source_id(client: TestClient, title: str) -> int:
    """The id of the source with this title."""
    items = client.get("/api/v1/sources", params={"q": title}).json()["items"]
    assert len(items) == 1, items
    found: int = items[0]["id"]
    return found
