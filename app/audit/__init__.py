"""The audit trail: one append-only entry per record per write, captured at flush time."""


def install() -> None:
    """Switch the audit trail on for every session (app.audit.capture.install); idempotent."""
    # Imported here: capture imports the audited models, which must not load with the package.
    from app.audit import capture

    capture.install()
