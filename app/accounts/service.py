"""Account rules: users and roles, passwords, API tokens, sessions, sign-in throttling.

Secrets never reach the database in clear: passwords are Argon2 hashes, API tokens and
session cookies are random values stored as SHA-256 hashes (they carry 256 bits of
entropy, so a fast hash is enough to make a stolen table useless).
"""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import queries
from app.accounts.models import ApiToken, SignInFailure, User, UserRole, UserSession
from app.accounts.schemas import TokenCreated, TokenRead, UserCreate, UserRead, UserUpdate
from app.db import WRITES, DatabaseFailure, database_failure, utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound, TooManyRequests, Unauthorized
from app.listing import Paging

TOKEN_PREFIX = "pst_"
# "pst_" and the first 8 characters of the random part: enough to tell tokens apart.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_hasher = PasswordHasher()


def all_users(session: Session) -> list[User]:
    """Every user, by username."""
    return queries.all_users(session)


def all_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Every API token (of one user: 404 when there is no such user), oldest first."""
    user_id = require_user(session, username).id if username else None
    return queries.all_tokens(session, user_id)


def user_page(session: Session, asked: Paging) -> tuple[list[UserRead], int]:
    """A page of users by username, and the total."""
    rows, total = queries.user_page(session, asked)
    return [user_read(u) for u in rows], total


def token_page(
    session: Session, asked: Paging, username: str | None = None
) -> tuple[list[TokenRead], int]:
    """A page of API tokens (of one user: 404 when there is no such user), and the total."""
    user_id = require_user(session, username).id if username else None
    rows, total = queries.token_page(session, asked, user_id)
    return [token_read(t) for t in rows], total


def hash_password(password: str) -> str:
    """An Argon2id hash of the password, with its own salt."""
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; without a hash it spends the same time and fails."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def digest(value: str) -> str:
    """The SHA-256 of a token or cookie value, as stored."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token of a browser: an HMAC of what identifies its session."""
    return hmac.new(secret, b"csrf\x00" + binding.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token_valid(secret: bytes, binding: str, sent: str | None) -> bool:
    """Whether the token sent is the browser's, compared in constant time."""
    return bool(sent) and hmac.compare_digest(csrf_token(secret, binding), str(sent))


# ---- users ----


def user_read(user: User) -> UserRead:
    """A user as the API shows it."""
    return UserRead(
        username=user.username,
        display_name=user.display_name,
        role=UserRole(user.role),
        disabled=user.disabled,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def require_user(session: Session, username: str) -> User:
    """The user with this username, or NotFound."""
    user = queries.user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def create_user(session: Session, data: UserCreate) -> User:
    """Add a user (username unique); its password, if any, is stored as an Argon2 hash."""
    if queries.user_by_username(session, data.username) is not None:
        raise Conflict(
            f"username '{data.username}' is taken",
            errors=[FieldError("username", "is taken")],
        )
    user = User(
        username=data.username,
        display_name=data.display_name or data.username,
        role=data.role.value,
        password_hash=hash_password(data.password) if data.password else None,
        disabled=False,
    )
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, username: str, data: UserUpdate) -> User:
    """Change a user. Disabling ends its sessions; the last enabled admin stays one."""
    user = require_user(session, username)
    fields = data.model_dump(exclude_unset=True)
    for name in ("role", "disabled"):
        if name in fields and fields[name] is None:
            raise InvalidInput.field(name, "must not be null")
    loses_admin = user.role == UserRole.ADMIN and not user.disabled
    loses_admin = loses_admin and (
        fields.get("disabled") is True or fields.get("role", UserRole.ADMIN) != UserRole.ADMIN
    )
    if loses_admin and queries.enabled_admin_count(session) <= 1:
        raise Conflict("the last enabled admin cannot be disabled or given a lower role")
    if "role" in fields:
        user.role = UserRole(fields["role"]).value
    if fields.get("display_name"):
        user.display_name = fields["display_name"]
    if fields.get("password"):
        user.password_hash = hash_password(fields["password"])
        # A new password signs out every browser that knew the old one.
        queries.delete_sessions_of(session, user.id)
    if "disabled" in fields:
        user.disabled = bool(fields["disabled"])
        if user.disabled:
            queries.delete_sessions_of(session, user.id)
    user.updated_at = utcnow()
    session.flush()
    return user


# ---- API tokens ----


def token_read(token: ApiToken) -> TokenRead:
    """A token as listed (its user loaded)."""
    return TokenRead(
        id=token.id,
        username=token.user.username,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


def create_token(session: Session, username: str, name: str = "api") -> TokenCreated:
    """A new random token for the user; the value returned is never stored or shown again."""
    user = queries.user_by_username(session, username)
    if user is None:
        raise InvalidInput.field("username", f"no user '{username}'")
    if user.disabled:
        raise InvalidInput.field("username", f"user '{username}' is disabled")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        user=user,
        name=name,
        prefix=value[:SHOWN_PREFIX_LENGTH],
        token_hash=digest(value),
    )
    session.add(token)
    session.flush()
    return TokenCreated(**token_read(token).model_dump(), token=value)


def require_token(session: Session, token_id: int) -> ApiToken:
    """The token with this id, or NotFound."""
    token = queries.token_by_id(session, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    return token


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke a token: it stops working at once; revoking it again changes nothing."""
    token = require_token(session, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def user_for_token(session: Session, value: str) -> User | None:
    """The enabled user whose unrevoked token this is; notes when the token was used."""
    token = queries.token_by_hash(session, digest(value))
    if token is None or token.revoked_at is not None or token.user.disabled:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        try:
            queries.note_token_use(session, token, now)
        except OperationalError as exc:
            # A reading request on SQLite cannot take the write lock once another writer
            # has committed, and a read-only file takes none. The note is a hint and waits
            # for the token's next use; on SQLite a refused statement leaves the
            # transaction as it was (PostgreSQL's would be aborted: raise).
            sqlite = session.get_bind().dialect.name == "sqlite"
            failure = database_failure(exc)
            if not sqlite or failure not in (DatabaseFailure.BUSY, DatabaseFailure.READ_ONLY):
                raise
        else:
            set_committed_value(token, "last_used_at", now)
    return token.user


# ---- dashboard sessions ----


def start_session(session: Session, user: User, days: int) -> tuple[UserSession, str]:
    """A new dashboard session: the row, and the cookie value only the browser keeps."""
    now = utcnow()
    queries.delete_expired_sessions(session, now)
    value = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id, user=user, token_hash=digest(value), expires_at=now + timedelta(days=days)
    )
    session.add(row)
    session.flush()
    return row, value


def session_for_cookie(session: Session, value: str) -> UserSession | None:
    """The live session of an enabled user that this cookie value opens."""
    row = queries.session_by_hash(session, digest(value))
    if row is None or row.expires_at <= utcnow() or row.user.disabled:
        return None
    return row


def end_session(session: Session, row: UserSession) -> None:
    """Sign out: the cookie value opens nothing any more."""
    queries.delete_session(session, row.id)


# ---- signing in ----


@dataclass(frozen=True)
class Throttle:
    """Limits on failed sign-ins within a window."""

    max_per_username: int
    max_per_ip: int
    window: timedelta


def normalize_username(username: str) -> str:
    """Usernames are lowercase; what was typed is compared that way."""
    return username.strip().lower()[:64]


def check_throttle(session: Session, username: str, ip: str, throttle: Throttle) -> None:
    """Refuse (429) while the username or the address has too many recent failures."""
    now = utcnow()
    since = now - throttle.window
    name_count, name_oldest, ip_count, ip_oldest = queries.recent_failures(
        session, username, ip, since
    )
    blocked: list[datetime] = []
    if name_count >= throttle.max_per_username and name_oldest is not None:
        blocked.append(name_oldest)
    if ip_count >= throttle.max_per_ip and ip_oldest is not None:
        blocked.append(ip_oldest)
    if not blocked:
        return
    wait = max(b + throttle.window - now for b in blocked)
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    raise TooManyRequests(
        "Too many failed sign-ins for this username or from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        headers={"Retry-After": str(seconds)},
    )


def sign_in(session: Session, username: str, password: str, ip: str, throttle: Throttle) -> User:
    """The user these credentials name, or Unauthorized (or TooManyRequests when throttled).

    A failure is recorded in the session: the caller must commit it, not roll it back.
    """
    username = normalize_username(username)
    check_throttle(session, username, ip, throttle)
    user = queries.user_by_username(session, username) if username else None
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or user.disabled:
        session.add(SignInFailure(username=username, ip=ip[:64]))
        session.flush()
        raise Unauthorized("Wrong username or password.")
    queries.delete_failures(session, username=username, before=utcnow() - throttle.window)
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user


def server_secret(factory: sessionmaker[Session], name: str) -> str:
    """A server secret kept in the database, generated on first use.

    Its own short transaction, so that concurrent first requests agree on one value.
    """
    with factory(execution_options=WRITES) as session, session.begin():
        value = queries.server_secret(session, name)
        if value is None:
            queries.add_server_secret(session, name, secrets.token_hex(32))
    with factory() as session:
        stored = queries.server_secret(session, name)
    if stored is None:
        raise RuntimeError(f"server secret {name!r} could not be stored")
    return stored
