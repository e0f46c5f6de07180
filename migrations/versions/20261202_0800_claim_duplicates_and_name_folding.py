"""A claim's earlier duplicate (same actor, object and source, overlapping evidence), and
the name-folding function PostgreSQL needs (SQLite gets it from the app on connect).

SQLite: adding the column with its reference rebuilds `claims` (batch mode), which drops
its triggers; they are read first and created again. Existing claims are marked: each
gets the lowest id among the earlier claims it repeats.

Revision ID: 8d2e4f6a1b3c
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from app.folding import SQL_FUNCTION, postgresql_function

revision: str = "8d2e4f6a1b3c"
down_revision: str | None = "7c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An earlier claim, not retracted, of the same actor, kind, object and source, whose
# evidence overlaps (offsets where both have them, else one text inside the other).
MARK_EXISTING = """
UPDATE claims SET duplicate_of_id = (
    SELECT min(e.id) FROM claims e
    WHERE e.source_id = claims.source_id AND e.actor_id = claims.actor_id
      AND e.kind = claims.kind AND e.id < claims.id AND e.retracted_at IS NULL
      AND ((claims.kind = 'commitment' AND e.role = claims.role)
           OR (claims.kind = 'stance' AND e.initiative_id = claims.initiative_id))
      AND ((e.evidence_start IS NOT NULL AND claims.evidence_start IS NOT NULL
            AND e.evidence_start < claims.evidence_end
            AND claims.evidence_start < e.evidence_end)
           OR ((e.evidence_start IS NULL OR claims.evidence_start IS NULL)
               AND (e.evidence_text = claims.evidence_text)))
)
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(postgresql_function())
        op.add_column("claims", sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_claims_duplicate_of_id_claims"),
            "claims",
            "claims",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    else:
        with _claims_triggers_kept(), op.batch_alter_table("claims") as batch:
            batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f("fk_claims_duplicate_of_id_claims"),
                "claims",
                ["duplicate_of_id"],
                ["id"],
                ondelete="SET NULL",
            )
    op.create_index(op.f("ix_claims_duplicate_of_id"), "claims", ["duplicate_of_id"])
    # The earlier claims a claim may repeat are found by source, actor and role; the index
    # serves a source's claims too, so it replaces the one on source_id alone.
    op.create_index("ix_claims_source_actor_role", "claims", ["source_id", "actor_id", "role"])
    op.drop_index("ix_claims_source_id", table_name="claims")
    op.execute(MARK_EXISTING)


def downgrade() -> None:
    op.create_index("ix_claims_source_id", "claims", ["source_id"])
    op.drop_index("ix_claims_source_actor_role", table_name="claims")
    op.drop_index(op.f("ix_claims_duplicate_of_id"), table_name="claims")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_claims_duplicate_of_id_claims"), "claims", type_="foreignkey")
        op.drop_column("claims", "duplicate_of_id")
        op.execute(f"DROP FUNCTION IF EXISTS {SQL_FUNCTION}(text)")
    else:
        with _claims_triggers_kept(), op.batch_alter_table("claims") as batch:
            batch.drop_constraint(op.f("fk_claims_duplicate_of_id_claims"), type_="foreignkey")
            batch.drop_column("duplicate_of_id")


@contextmanager
def _claims_triggers_kept() -> Iterator[None]:
    """SQLite: batch mode rebuilds `claims` (copy and move), which loses its triggers
    (positions' cells, the data version); they are read before and created again after."""
    triggers = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'claims'"
        )
        .scalars()
        .all()
    )
    yield
    for sql in triggers:
        op.execute(sql)
