"""The audit trail records nothing until app.audit.install() switches it on, and
installing it again changes nothing."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.audit import capture
from app.audit.models import AuditEntry
from tests.factories import make_source

EVENTS = (
    "before_flush",
    "after_flush_postexec",
    "do_orm_execute",
    "after_soft_rollback",
    "before_commit",
)


def listener_counts() -> dict[str, int]:
    """How many listeners a new session runs on each event the trail listens to."""
    dispatch = Session().dispatch
    return {name: len(list(getattr(dispatch, name))) for name in EVENTS}


def source_entries(session: Session, source_id: int) -> int:
    """The entries of the source written once the session commits (a savepoint's)."""
    session.commit()
    stmt = select(func.count()).where(
        AuditEntry.record_type == "source", AuditEntry.record_key == str(source_id)
    )
    return session.scalar(stmt) or 0


def test_installing_the_audit_trail_twice_registers_its_listeners_once() -> None:
    audit.install()
    once = listener_counts()

    audit.install()

    assert listener_counts() == once


def test_a_session_records_the_audit_trail_only_once_it_is_installed(session: Session) -> None:
    installed = listener_counts()
    capture.uninstall()
    try:
        assert all(listener_counts()[name] == installed[name] - 1 for name in EVENTS)
        unrecorded = make_source(session)
        assert source_entries(session, unrecorded.id) == 0
    finally:
        audit.install()

    recorded = make_source(session)

    assert listener_counts() == installed
    assert source_entries(session, recorded.id) == 1
