"""All SQL about accounts."""

from datetime import datetime

from sqlalchemy import Select, case, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import ApiToken, ServerSecret, SignInFailure, User, UserSession
from app.db import paginate
from app.listing import Paging


def user_by_username(session: Session, username: str) -> User | None:
    """The user with this username."""
    return session.scalar(select(User).where(User.username == username))


def user_list() -> Select[User]:
    """Every user."""
    return select(User)


def all_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(user_list().order_by(User.username)))


def all_tokens(session: Session, user_id: int | None) -> list[ApiToken]:
    """Every token (of one user, or of all) in the order they were made, users loaded."""
    return list(session.scalars(token_list(user_id).order_by(ApiToken.id)))


def user_page(session: Session, asked: Paging) -> tuple[list[User], int]:
    """A page of users by username, and the total."""
    stmt = user_list().order_by(User.username)
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def token_page(session: Session, asked: Paging, user_id: int | None) -> tuple[list[ApiToken], int]:
    """A page of tokens (of one user, or of all) in the order they were made, and the total."""
    stmt = token_list(user_id).order_by(ApiToken.id)
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def enabled_admin_count(session: Session) -> int:
    """How many enabled admins there are."""
    stmt = select(func.count()).where(User.role == "admin", User.disabled.is_(False))
    return int(session.scalar(stmt) or 0)


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    """The token with this hash, its user loaded."""
    return session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash).options(joinedload(ApiToken.user))
    )


def note_token_use(session: Session, token: ApiToken, at: datetime) -> None:
    """Set when the token was last used, by one UPDATE of its row (no audit entry: a
    note, not a change someone made)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    """The token with this id, its user loaded."""
    return session.scalar(
        select(ApiToken).where(ApiToken.id == token_id).options(joinedload(ApiToken.user))
    )


def token_list(user_id: int | None = None) -> Select[ApiToken]:
    """Tokens, of one user or of all, their users loaded."""
    stmt = select(ApiToken).options(joinedload(ApiToken.user))
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    return stmt


def session_by_hash(session: Session, token_hash: str) -> UserSession | None:
    """The dashboard session with this cookie hash, its user loaded."""
    return session.scalar(
        select(UserSession)
        .where(UserSession.token_hash == token_hash)
        .options(joinedload(UserSession.user))
    )


def delete_session(session: Session, session_id: int) -> None:
    """End one dashboard session."""
    session.execute(delete(UserSession).where(UserSession.id == session_id))


def delete_sessions_of(session: Session, user_id: int) -> None:
    """End every dashboard session of a user."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def delete_expired_sessions(session: Session, now: datetime) -> None:
    """Forget sessions that have expired."""
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))


def recent_failures(
    session: Session, username: str, ip: str, since: datetime
) -> tuple[int, datetime | None, int, datetime | None]:
    """Failed sign-ins after `since`: (count, oldest) for the username, then for the address."""
    by_name = SignInFailure.username == username
    by_ip = SignInFailure.ip == ip
    stmt = select(
        func.coalesce(func.sum(case((by_name, 1), else_=0)), 0),
        func.min(case((by_name, SignInFailure.attempted_at))),
        func.coalesce(func.sum(case((by_ip, 1), else_=0)), 0),
        func.min(case((by_ip, SignInFailure.attempted_at))),
    ).where(SignInFailure.attempted_at > since, or_(by_name, by_ip))
    name_count, name_oldest, ip_count, ip_oldest = session.execute(stmt).one()
    return int(name_count), name_oldest, int(ip_count), ip_oldest


def delete_failures(session: Session, *, username: str | None = None, before: datetime) -> None:
    """Forget failed sign-ins of a username (all of them), and any older than `before`."""
    condition = SignInFailure.attempted_at <= before
    if username is not None:
        condition = or_(condition, SignInFailure.username == username)
    session.execute(delete(SignInFailure).where(condition))


def server_secret(session: Session, name: str) -> str | None:
    """The stored value of a server secret."""
    return session.scalar(select(ServerSecret.value).where(ServerSecret.name == name))


def add_server_secret(session: Session, name: str, value: str) -> None:
    """Store a server secret unless another process stored one under this name first."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(
            pg_insert(ServerSecret).values(name=name, value=value).on_conflict_do_nothing()
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(
            sqlite_insert(ServerSecret).values(name=name, value=value).on_conflict_do_nothing()
        )
