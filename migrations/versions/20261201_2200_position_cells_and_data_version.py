"""The positions engine's tables: the cells that exist (commitment_cells, stance_cells),
partial indexes of the claims that count, an index for the feed's walk by last update,
and the data version; triggers keep them.

SQLite: a later migration that rebuilds `claims` (batch mode's copy-and-move) drops its
triggers with the old table; it must create them again (tests/positions/test_engine.py
checks that writes still add cells and bump the version at head).

Revision ID: 5b0e6c1f2a7d
Revises: d23647092895
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b0e6c1f2a7d"
down_revision: str | None = "d23647092895"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTING = "review_state = 'accepted' AND retracted_at IS NULL"
COUNTING_STANCE = COUNTING + " AND kind = 'stance'"

# Every table a position answer is computed from: a write to any of them bumps the version.
VERSIONED_TABLES = [
    "claims",
    "claim_conditions",
    "sources",
    "actors",
    "memberships",
    "initiatives",
]

SQLITE_CELLS = """
INSERT OR IGNORE INTO commitment_cells (actor_id, role)
    SELECT NEW.actor_id, NEW.role WHERE NEW.kind = 'commitment';
INSERT OR IGNORE INTO stance_cells (actor_id, initiative_id)
    SELECT NEW.actor_id, NEW.initiative_id WHERE NEW.kind = 'stance';
"""

# PostgreSQL: statement-level triggers, so a bulk import adds its cells and bumps the
# version once per statement, not once per row.
POSTGRESQL_FUNCTIONS = [
    """
    CREATE FUNCTION posture_add_claim_cells() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO commitment_cells (actor_id, role)
            SELECT DISTINCT actor_id, role FROM changed_claims WHERE kind = 'commitment'
            ON CONFLICT DO NOTHING;
        INSERT INTO stance_cells (actor_id, initiative_id)
            SELECT DISTINCT actor_id, initiative_id FROM changed_claims WHERE kind = 'stance'
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION posture_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE data_version SET version = version + 1;
        RETURN NULL;
    END $$
    """,
]


def upgrade() -> None:
    op.create_table(
        "commitment_cells",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_commitment_cells_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"], ["roles.id"], name=op.f("fk_commitment_cells_role_roles")
        ),
        sa.PrimaryKeyConstraint("actor_id", "role", name=op.f("pk_commitment_cells")),
    )
    op.create_table(
        "stance_cells",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_stance_cells_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_stance_cells_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "initiative_id", name=op.f("pk_stance_cells")),
    )
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_updated_at", ["updated_at", "id"], unique=False)
        batch_op.create_index(
            "ix_claims_counting_commitment",
            ["actor_id", "role", "stated_on"],
            unique=False,
            sqlite_where=sa.text(COUNTING),
            postgresql_where=sa.text(COUNTING),
        )
        batch_op.create_index(
            "ix_claims_counting_stance",
            ["actor_id", "initiative_id", "stated_on"],
            unique=False,
            sqlite_where=sa.text(COUNTING_STANCE),
            postgresql_where=sa.text(COUNTING_STANCE),
        )

    op.execute(
        "INSERT INTO commitment_cells (actor_id, role)"
        " SELECT DISTINCT actor_id, role FROM claims WHERE kind = 'commitment'"
    )
    op.execute(
        "INSERT INTO stance_cells (actor_id, initiative_id)"
        " SELECT DISTINCT actor_id, initiative_id FROM claims WHERE kind = 'stance'"
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 1)")

    if op.get_bind().dialect.name == "postgresql":
        for function in POSTGRESQL_FUNCTIONS:
            op.execute(function)
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER claims_cells_{event.lower()} AFTER {event} ON claims"
                " REFERENCING NEW TABLE AS changed_claims"
                " FOR EACH STATEMENT EXECUTE FUNCTION posture_add_claim_cells()"
            )
        for table in VERSIONED_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION posture_bump_data_version()"
            )
        return
    # SQLite has row-level triggers only.
    op.execute(
        f"CREATE TRIGGER claims_cells_insert AFTER INSERT ON claims BEGIN {SQLITE_CELLS} END"
    )
    op.execute(
        "CREATE TRIGGER claims_cells_update AFTER UPDATE OF actor_id, kind, role, initiative_id"
        f" ON claims BEGIN {SQLITE_CELLS} END"
    )
    for table in VERSIONED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table}"
                " BEGIN UPDATE data_version SET version = version + 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in VERSIONED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
        op.execute("DROP TRIGGER IF EXISTS claims_cells_insert ON claims")
        op.execute("DROP TRIGGER IF EXISTS claims_cells_update ON claims")
        op.execute("DROP FUNCTION IF EXISTS posture_add_claim_cells()")
        op.execute("DROP FUNCTION IF EXISTS posture_bump_data_version()")
    else:
        for table in VERSIONED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
        op.execute("DROP TRIGGER IF EXISTS claims_cells_insert")
        op.execute("DROP TRIGGER IF EXISTS claims_cells_update")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_counting_stance")
        batch_op.drop_index("ix_claims_counting_commitment")
        batch_op.drop_index("ix_claims_updated_at")
    op.drop_table("data_version")
    op.drop_table("stance_cells")
    op.drop_table("commitment_cells")
