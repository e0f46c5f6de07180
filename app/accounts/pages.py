"""Dashboard pages for accounts: sign in and sign out."""

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import service
from app.accounts.deps import (
    CSRF_FIELD,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    Auth,
    AuthDep,
    SecretKey,
    csrf_binding,
    verify_csrf,
)
from app.accounts.schemas import PASSWORD_MAX
from app.config import Settings, SettingsDep
from app.db import SessionDep
from app.errors import TooManyRequests, Unauthorized
from app.web import FormFields, form_values, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {"username": "Username", "password": "Password"}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(
    request: Request,
    *,
    username: str,
    next_url: str,
    errors: dict[str, str],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "title": "Sign in",
        "username": username,
        "next": next_url,
        "errors": errors,
        "field_labels": FIELD_LABELS,
    }
    response = render(request, "accounts/sign_in.html", context, status_code=status_code)
    if headers:
        response.headers.update(headers)
    return response


def _bind_csrf(request: Request, response: Response, pre_session: str | None) -> None:
    if pre_session is not None:
        response.set_cookie(
            PRE_SESSION_COOKIE,
            pre_session,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )


def _prepare_csrf(request: Request, auth: Auth | None, secret: bytes) -> str | None:
    """Put the browser's CSRF token on the request; a new pre-session value if it needs one."""
    new_pre_session = None
    binding = csrf_binding(request, auth)
    if binding is None:
        new_pre_session = secrets.token_urlsafe(32)
        binding = "pre-session:" + new_pre_session
    request.state.csrf_token = service.csrf_token(secret, binding)
    return new_pre_session


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, auth: AuthDep, secret: SecretKey, next: str = "/"
) -> HTMLResponse:
    """The sign-in form."""
    pre_session = _prepare_csrf(request, auth, secret)
    response = _form(request, username="", next_url=safe_next(next), errors={})
    _bind_csrf(request, response, pre_session)
    return response


def _throttle(settings: Settings) -> service.Throttle:
    return service.Throttle(
        max_per_username=settings.sign_in_max_failures,
        max_per_ip=settings.sign_in_max_failures_per_ip,
        window=timedelta(minutes=settings.sign_in_window_minutes),
    )


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    auth: AuthDep,
    secret: SecretKey,
    fields: FormFields,
) -> Response:
    """Check the credentials; a session cookie and back to where the visitor was."""
    sent = fields.get(CSRF_FIELD)
    verify_csrf(request, auth, secret, sent if isinstance(sent, str) else None)
    values = form_values(fields, ("username", "next"))
    password = fields.get("password", "")
    password = password if isinstance(password, str) else ""
    next_url = safe_next(values["next"])
    request.state.csrf_token = service.csrf_token(secret, csrf_binding(request, auth) or "")
    errors: dict[str, str] = {}
    if not values["username"]:
        errors["username"] = "Enter your username."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return _form(
            request, username=values["username"], next_url=next_url, errors=errors, status_code=422
        )
    ip = request.client.host if request.client else "unknown"
    try:
        user = service.sign_in(
            session, values["username"], password[:PASSWORD_MAX], ip, _throttle(settings)
        )
    except TooManyRequests as exc:
        return _form(
            request,
            username=values["username"],
            next_url=next_url,
            errors={"form": exc.detail},
            status_code=exc.status,
            headers=exc.headers,
        )
    except Unauthorized as exc:
        # Committed, not rolled back: the failure counts towards the throttle.
        return _form(
            request,
            username=values["username"],
            next_url=next_url,
            errors={"password": exc.detail},
            status_code=exc.status,
        )
    if auth is not None and auth.session is not None:
        service.end_session(session, auth.session)
    _, cookie = service.start_session(session, user, settings.session_days)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    session: SessionDep,
    auth: AuthDep,
    secret: SecretKey,
    fields: FormFields,
) -> Response:
    """End the dashboard session: its cookie opens nothing any more."""
    sent = fields.get(CSRF_FIELD)
    verify_csrf(request, auth, secret, sent if isinstance(sent, str) else None)
    if auth is not None and auth.session is not None:
        service.end_session(session, auth.session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
    return response
