"""The audit trail: one append-only entry per record per write, captured at flush time."""
