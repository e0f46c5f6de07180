"""Who is making the request, what they may do, and CSRF checks for cookie sign-ins.

A request is made as a user when it carries `Authorization: Bearer <token>` (API
clients) or the dashboard's session cookie (browsers). Reading is public unless
POSTURE_REQUIRE_SIGN_IN_TO_READ is set; writing needs a role (`require_role`). A write
made with the session cookie must also carry the browser's CSRF token, as the form field
`csrf_token` or the header `X-CSRF-Token`: a cookie is sent by the browser whoever wrote
the page that makes the request, a bearer token is not, so bearer calls need no token.
"""

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service
from app.accounts.models import ROLE_RANK, User, UserRole, UserSession
from app.config import Settings, SettingsDep
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

SESSION_COOKIE = "posture_session"
# Binds the sign-in form's CSRF token to a browser before anyone is signed in.
PRE_SESSION_COOKIE = "posture_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="posture"'}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Auth:
    """The signed-in user and how: a bearer token, or a dashboard session."""

    user: User
    via: Literal["token", "session"]
    session: UserSession | None = None


@dataclass(frozen=True)
class SignedInUser:
    """Who is signed in, as the templates show it."""

    username: str
    display_name: str
    role: str
    via: Literal["token", "session"]

    @classmethod
    def of(cls, auth: Auth) -> "SignedInUser":
        """A copy of the signed-in user's details."""
        user = auth.user
        return cls(user.username, user.display_name, user.role, auth.via)

    def has_role(self, role: UserRole | str) -> bool:
        """Whether the user holds this role or a higher one."""
        return ROLE_RANK[UserRole(self.role)] >= ROLE_RANK[UserRole(role)]


def _auth(request: Request, session: SessionDep) -> Auth | None:
    auth: Auth | None = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized(
                'Send the token as "Authorization: Bearer <token>".', headers=BEARER_CHALLENGE
            )
        user = service.user_for_token(session, value.strip())
        if user is None:
            raise Unauthorized(
                "The token is not valid: unknown, revoked, or its user is disabled.",
                headers={"WWW-Authenticate": 'Bearer realm="posture", error="invalid_token"'},
            )
        auth = Auth(user, "token")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        row = service.session_for_cookie(session, cookie) if cookie else None
        if row is not None:
            auth = Auth(row.user, "session", row)
    request.state.auth = auth
    # Templates get a plain copy: error pages render after the request's transaction has
    # rolled back, when the ORM object's attributes are expired and its session closed.
    request.state.user = SignedInUser.of(auth) if auth else None
    # Lets an audit listener attribute the request's writes to its user.
    if auth is not None:
        session.info["user_id"] = auth.user.id
    else:
        session.info.pop("user_id", None)
    return auth


AuthDep = Annotated[Auth | None, Depends(_auth)]


def _current_user(auth: AuthDep) -> User | None:
    return auth.user if auth else None


# The signed-in user, or None.
CurrentUser = Annotated[User | None, Depends(_current_user)]


def may_review(user: User | None) -> bool:
    """Whether the user may accept or reject claims (a reviewer or an admin)."""
    return user is not None and user.has_role(UserRole.REVIEWER)


_secret_lock = threading.Lock()


def secret_key(request: Request) -> bytes:
    """The server secret behind CSRF tokens: the setting, or one kept in the database.

    Read once per process; the first time, it may open its own short transaction.
    """
    key: bytes | None = getattr(request.app.state, "secret_key", None)
    if key is not None:
        return key
    settings: Settings = request.app.state.settings
    with _secret_lock:
        if settings.secret_key is not None:
            key = settings.secret_key.get_secret_value().encode("utf-8")
        else:
            factory: sessionmaker[Session] = request.app.state.session_factory
            key = service.server_secret(factory, "secret_key").encode("utf-8")
        request.app.state.secret_key = key
    return key


SecretKey = Annotated[bytes, Depends(secret_key)]


def csrf_binding(request: Request, auth: Auth | None) -> str | None:
    """What a browser's CSRF token is bound to: its session, or its pre-session cookie."""
    if auth is not None and auth.session is not None:
        return "session:" + auth.session.token_hash
    pre_session = request.cookies.get(PRE_SESSION_COOKIE)
    return "pre-session:" + pre_session if pre_session else None


def verify_csrf(request: Request, auth: Auth | None, secret: bytes, sent: str | None) -> None:
    """Refuse (403) a write whose CSRF token is missing or not this browser's."""
    binding = csrf_binding(request, auth)
    if binding is None or not service.csrf_token_valid(secret, binding, sent):
        raise Forbidden(
            "The form has expired or did not come from this site (its CSRF token is missing "
            "or wrong). Load the page again and send it again."
        )


async def check_csrf(request: Request, auth: Auth | None, secret: bytes) -> None:
    """Refuse (403) a write without this browser's CSRF token (header or form field)."""
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    verify_csrf(request, auth, secret, sent)


def read_access(request: Request, auth: AuthDep, settings: SettingsDep) -> None:
    """On every page and API route: the CSRF token for forms, and sign-in when required."""
    binding = csrf_binding(request, auth) if auth is not None else None
    request.state.csrf_token = service.csrf_token(secret_key(request), binding) if binding else None
    if settings.require_sign_in_to_read and auth is None:
        raise Unauthorized("Sign in (or send a bearer token) to read.", headers=BEARER_CHALLENGE)


def may_read_audit(request: Request) -> bool:
    """Whether this request may see the audit trail and who made each write: signed-in
    users, and everyone when POSTURE_PUBLIC_AUDIT_TRAIL is set (analysts coding
    positions may not want their names public)."""
    settings: Settings = request.app.state.settings
    return settings.public_audit_trail or getattr(request.state, "user", None) is not None


def audit_access(request: Request, auth: AuthDep) -> None:
    """On the audit API: 401 for anonymous readers unless the trail is public."""
    if auth is None and not may_read_audit(request):
        raise Unauthorized(
            "Sign in (or send a bearer token) to read the audit trail.", headers=BEARER_CHALLENGE
        )


@cache
def require_role(role: UserRole) -> Callable[..., Awaitable[User]]:
    """A dependency giving the signed-in user who holds `role` (or a higher one).

    401 when nobody is signed in (pages redirect to /sign-in), 403 when the role is too
    low, and 403 for a write made with the session cookie without its CSRF token.
    """

    async def dependency(request: Request, auth: AuthDep) -> User:
        if auth is None:
            raise Unauthorized(
                f"Sign in as {role.value} (or higher) to do this.", headers=BEARER_CHALLENGE
            )
        if not auth.user.has_role(role):
            raise Forbidden(
                f"This needs the {role.value} role; {auth.user.username} is {auth.user.role}."
            )
        if request.method not in SAFE_METHODS and auth.via == "session":
            secret = await run_in_threadpool(secret_key, request)
            await check_csrf(request, auth, secret)
        return auth.user

    dependency.__name__ = f"require_{role.value}"
    return dependency


RequireEditor = Depends(require_role(UserRole.EDITOR))
RequireReviewer = Depends(require_role(UserRole.REVIEWER))
RequireAdmin = Depends(require_role(UserRole.ADMIN))
# The user, for routes that need it as a parameter.
Viewer = Annotated[User, Depends(require_role(UserRole.VIEWER))]
Editor = Annotated[User, RequireEditor]
Reviewer = Annotated[User, RequireReviewer]
Admin = Annotated[User, RequireAdmin]
