"""The analysis tables: milestones and their states, conditions linked to a milestone or to
another position, an initiative's needs per role, and snapshots.

Milestones, their states and the needs feed position answers (conditions in effect, needs
against pledges), so writes to them bump the data version like the other tables.

SQLite: adding the links to `claim_conditions` rebuilds it (batch mode's copy and move),
which drops its data-version triggers with the old table; they are created again.

Revision ID: 7c1d2e3f4a5b
Revises: 5b0e6c1f2a7d
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "7c1d2e3f4a5b"
down_revision: str | None = "5b0e6c1f2a7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_VERSIONED_TABLES = ["milestones", "milestone_states", "initiative_needs"]
LINK_CHECK = (
    "(requires_actor_id IS NULL AND requires_role IS NULL AND requires_status IS NULL)"
    " OR (requires_actor_id IS NOT NULL AND requires_role IS NOT NULL"
    " AND requires_status IS NOT NULL AND milestone_id IS NULL)"
)


def _version_triggers(tables: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION posture_bump_data_version()"
            )
        return
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_data_version_{event.lower()}"
                f" AFTER {event} ON {table}"
                " BEGIN UPDATE data_version SET version = version + 1; END"
            )


def _drop_version_triggers(tables: Sequence[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
            continue
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("condition_type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_type"],
            ["condition_types.id"],
            name=op.f("fk_milestones_condition_type_condition_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("slug", name=op.f("uq_milestones_slug")),
    )
    op.create_table(
        "milestone_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_start", sa.Integer(), nullable=True),
        sa.Column("evidence_end", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'met', 'failed')", name=op.f("ck_milestone_states_state")
        ),
        sa.CheckConstraint(
            "(evidence_start IS NULL AND evidence_end IS NULL)"
            " OR (evidence_start >= 0 AND evidence_end > evidence_start)",
            name=op.f("ck_milestone_states_evidence_offsets"),
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_states_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_milestone_states_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_states")),
        sa.UniqueConstraint(
            "milestone_id", "from_on", name=op.f("uq_milestone_states_milestone_id_from_on")
        ),
    )
    op.create_index(op.f("ix_milestone_states_milestone_id"), "milestone_states", ["milestone_id"])
    op.create_index(op.f("ix_milestone_states_source_id"), "milestone_states", ["source_id"])
    op.create_table(
        "initiative_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("quantity_amount", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("quantity_unit", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(quantity_amount IS NULL AND quantity_unit IS NULL)"
            " OR (quantity_amount > 0 AND quantity_unit IS NOT NULL)",
            name=op.f("ck_initiative_needs_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_initiative_needs_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"], ["roles.id"], name=op.f("fk_initiative_needs_role_roles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_needs")),
        sa.UniqueConstraint(
            "initiative_id", "role", name=op.f("uq_initiative_needs_initiative_id_role")
        ),
    )
    op.create_index(
        op.f("ix_initiative_needs_initiative_id"), "initiative_needs", ["initiative_id"]
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("known_as_of", sa.Date(), nullable=True),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("cell_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("taken_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_snapshots_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    with op.batch_alter_table("claim_conditions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("milestone_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requires_actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requires_role", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("requires_status", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_claim_conditions_milestone_id"), ["milestone_id"])
        batch_op.create_index(
            batch_op.f("ix_claim_conditions_requires_actor_id"), ["requires_actor_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_conditions_milestone_id_milestones"),
            "milestones",
            ["milestone_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_conditions_requires_actor_id_actors"),
            "actors",
            ["requires_actor_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_conditions_requires_role_roles"),
            "roles",
            ["requires_role"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_conditions_requires_status_statuses"),
            "statuses",
            ["requires_status"],
            ["id"],
        )
        batch_op.create_check_constraint(op.f("ck_claim_conditions_link"), LINK_CHECK)
    _version_triggers(NEW_VERSIONED_TABLES)
    if op.get_bind().dialect.name == "sqlite":
        _version_triggers(["claim_conditions"])


def downgrade() -> None:
    _drop_version_triggers(NEW_VERSIONED_TABLES)
    with op.batch_alter_table("claim_conditions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_claim_conditions_link"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_claim_conditions_requires_status_statuses"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_claim_conditions_requires_role_roles"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_claim_conditions_requires_actor_id_actors"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_claim_conditions_milestone_id_milestones"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_claim_conditions_requires_actor_id"))
        batch_op.drop_index(batch_op.f("ix_claim_conditions_milestone_id"))
        batch_op.drop_column("requires_status")
        batch_op.drop_column("requires_role")
        batch_op.drop_column("requires_actor_id")
        batch_op.drop_column("milestone_id")
    if op.get_bind().dialect.name == "sqlite":
        _version_triggers(["claim_conditions"])
    op.drop_table("snapshots")
    op.drop_index(op.f("ix_initiative_needs_initiative_id"), table_name="initiative_needs")
    op.drop_table("initiative_needs")
    op.drop_index(op.f("ix_milestone_states_source_id"), table_name="milestone_states")
    op.drop_index(op.f("ix_milestone_states_milestone_id"), table_name="milestone_states")
    op.drop_table("milestone_states")
    op.drop_table("milestones")
