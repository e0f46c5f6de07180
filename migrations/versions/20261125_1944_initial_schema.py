"""Initial schema and the codebook's vocabularies.

Revision ID: c85aa128592e
Revises:
Create Date: 2026-11-25 19:44:58.165108
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c85aa128592e"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The codebook's identifiers (shared/codebook.md). They change only through a migration.
ROLES = [
    (
        "ground_forces",
        "Ground forces",
        "Troops on Ukrainian territory: a stabilization or reassurance force, including non-combat missions such as guarding airports, ports and corridors.",
    ),
    (
        "air_cover",
        "Air cover",
        "Police or patrol Ukrainian airspace, guard the skies, provide air cover.",
    ),
    ("air_defense", "Air defence", "Supply or operate air-defence systems."),
    ("naval_security", "Naval security", "Secure sea lanes, demine, patrol the Black Sea."),
    ("intelligence", "Intelligence", "Share intelligence."),
    (
        "border_monitoring",
        "Border monitoring",
        "Watch borders or a ceasefire line (surveillance, monitoring missions).",
    ),
    ("arms_supply", "Arms supply", "Supply weapons or munitions."),
    ("training", "Training", "Train Ukrainian forces."),
    ("logistics", "Logistics", "Give logistical support."),
    ("financial_support", "Financial support", "Fund Ukraine's defence, reconstruction or budget."),
    ("sanctions", "Sanctions", "Impose or tighten economic sanctions on Russia."),
    (
        "guarantor",
        "Guarantor",
        "Be a formal guarantor of Ukraine's security (treaty-type guarantee).",
    ),
    ("mediation", "Mediation", "Host, broker or mediate negotiations."),
]
STATUSES = [
    ("ruled_out", "Ruled out", 0, "The actor excludes the role."),
    ("reluctant", "Reluctant", 1, "Hesitation without exclusion."),
    ("considering", "Considering", 2, "Openness or hints; mixed signals; a role a plan assigns."),
    ("willing", "Willing", 3, "Stated willingness in principle."),
    (
        "pledged",
        "Pledged",
        4,
        "A firm commitment: an announced decision, a signed text, numbers or dates.",
    ),
    ("active", "Active", 5, "The actor is doing it."),
    ("withdrawn", "Withdrawn", None, "The actor reverses an earlier commitment."),
    ("undisclosed", "Undisclosed", None, "The actor takes part or may, but declines to say."),
]
STANCES = [
    ("supports", "Supports", "Endorses or proposes it."),
    ("conditional", "Conditional", "Would accept it only under conditions."),
    ("undecided", "Undecided", "No position yet, or studying it."),
    ("opposes", "Opposes", "Argues against it."),
    ("rejects", "Rejects", "Categorical refusal."),
]
CONDITION_TYPES = [
    ("peace_agreement", "Peace agreement", "Contingent on the signing of a peace agreement."),
    ("ceasefire", "Ceasefire", "If there is an effective cessation of hostilities."),
    ("us_backstop", "US backstop", "Only with US support."),
    ("russian_consent", "Russian consent", "Only if Russia can veto or agrees."),
    (
        "talks_refused",
        "Talks refused",
        "Activated if the Kremlin refuses to take part in peace talks.",
    ),
    ("other", "Other", "Any other condition: a vote, a deadline, a negotiation result."),
]
BASES = [
    ("statement", "Statement", "The actor's own words or an official act."),
    ("report", "Report", "Media or unnamed sources say the actor holds it."),
    ("plan", "Plan", "A proposal by others assigns the actor the role."),
]
CERTAINTIES = [
    ("high", "High", "No hedge in the evidence."),
    ("medium", "Medium", "A probability or attribution hedge: possibly, reportedly."),
    ("low", "Low", "Strongly hedged or doubtful."),
]


def _insert_vocabularies() -> None:
    def table(name: str, *extra: sa.Column) -> sa.TableClause:
        return sa.table(
            name,
            sa.column("id", sa.String),
            sa.column("label", sa.String),
            sa.column("description", sa.Text),
            sa.column("sort_order", sa.Integer),
            *extra,
        )

    def rows(terms: list[tuple[str, str, str]]) -> list[dict[str, object]]:
        return [
            {"id": i, "label": label, "description": d, "sort_order": n}
            for n, (i, label, d) in enumerate(terms)
        ]

    op.bulk_insert(table("roles"), rows(ROLES))
    op.bulk_insert(
        table("statuses", sa.column("rank", sa.Integer)),
        [
            {"id": i, "label": label, "rank": rank, "description": d, "sort_order": n}
            for n, (i, label, rank, d) in enumerate(STATUSES)
        ],
    )
    op.bulk_insert(table("stances"), rows(STANCES))
    op.bulk_insert(table("condition_types"), rows(CONDITION_TYPES))
    op.bulk_insert(
        table("bases", sa.column("priority", sa.Integer)),
        [{**row, "priority": row["sort_order"]} for row in rows(BASES)],
    )
    op.bulk_insert(table("certainties"), rows(CERTAINTIES))


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('state', 'organization', 'group', 'person')", name=op.f("ck_actors_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("code", name=op.f("uq_actors_code")),
    )
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actors_kind"), ["kind"], unique=False)

    op.create_table(
        "bases",
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bases")),
    )
    op.create_table(
        "certainties",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certainties")),
    )
    op.create_table(
        "condition_types",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_types")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_sources_content_hash")),
        sa.UniqueConstraint("url", name=op.f("uq_sources_url")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_published_on"), ["published_on"], unique=False)

    op.create_table(
        "stances",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stances")),
    )
    op.create_table(
        "statuses",
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuses")),
    )
    op.create_table(
        "actor_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('name', 'capital', 'seat', 'demonym', 'adjective', 'other')",
            name=op.f("ck_actor_aliases_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_aliases_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_aliases")),
        sa.UniqueConstraint("actor_id", "alias", name=op.f("uq_actor_aliases_actor_id_alias")),
    )
    with op.batch_alter_table("actor_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_aliases_alias"), ["alias"], unique=False)

    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "until_on IS NULL OR from_on IS NULL OR until_on >= from_on",
            name=op.f("ck_affiliations_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_affiliations_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["actors.id"],
            name=op.f("fk_affiliations_person_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
    )
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affiliations_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_affiliations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("first_reported_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["actors.id"],
            name=op.f("fk_initiatives_proposer_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
        sa.UniqueConstraint("slug", name=op.f("uq_initiatives_slug")),
    )
    with op.batch_alter_table("initiatives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiatives_proposer_id"), ["proposer_id"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "until_on IS NULL OR from_on IS NULL OR until_on >= from_on",
            name=op.f("ck_memberships_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["actors.id"],
            name=op.f("fk_memberships_group_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["actors.id"],
            name=op.f("fk_memberships_member_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "group_id",
            "member_id",
            "from_on",
            name=op.f("uq_memberships_group_id_member_id_from_on"),
        ),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_group_dates", ["group_id", "from_on", "until_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_memberships_member_id"), ["member_id"], unique=False)

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("stance", sa.String(length=32), nullable=True),
        sa.Column("conditional", sa.Boolean(), nullable=False),
        sa.Column("limits", sa.Text(), nullable=True),
        sa.Column("quantity_amount", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("quantity_unit", sa.String(length=64), nullable=True),
        sa.Column("certainty", sa.String(length=32), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("via", sa.JSON(), nullable=False),
        sa.Column("stated_on", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_start", sa.Integer(), nullable=True),
        sa.Column("evidence_end", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("review_state", sa.String(length=16), nullable=False),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'commitment' AND role IS NOT NULL AND status IS NOT NULL AND stance IS NULL) OR (kind = 'stance' AND initiative_id IS NOT NULL AND stance IS NOT NULL AND role IS NULL AND status IS NULL)",
            name=op.f("ck_claims_kind_shape"),
        ),
        sa.CheckConstraint(
            "review_state IN ('proposed', 'accepted', 'rejected')",
            name=op.f("ck_claims_review_state"),
        ),
        sa.CheckConstraint(
            "(evidence_start IS NULL AND evidence_end IS NULL) OR (evidence_start >= 0 AND evidence_end > evidence_start)",
            name=op.f("ck_claims_evidence_offsets"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_claims_actor_id_actors"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["basis"], ["bases.id"], name=op.f("fk_claims_basis_bases")),
        sa.ForeignKeyConstraint(
            ["certainty"], ["certainties.id"], name=op.f("fk_claims_certainty_certainties")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_claims_initiative_id_initiatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["role"], ["roles.id"], name=op.f("fk_claims_role_roles")),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_claims_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["actors.id"],
            name=op.f("fk_claims_speaker_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["stance"], ["stances.id"], name=op.f("fk_claims_stance_stances")),
        sa.ForeignKeyConstraint(
            ["status"], ["statuses.id"], name=op.f("fk_claims_status_statuses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claims_actor_initiative_stated",
            ["actor_id", "initiative_id", "stated_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_claims_actor_role_stated", ["actor_id", "role", "stated_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claims_review_state"), ["review_state"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_speaker_id"), ["speaker_id"], unique=False)
        batch_op.create_index("ix_claims_stated_on", ["stated_on"], unique=False)

    op.create_table(
        "claim_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_conditions_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["type"], ["condition_types.id"], name=op.f("fk_claim_conditions_type_condition_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_conditions")),
    )
    with op.batch_alter_table("claim_conditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_conditions_claim_id"), ["claim_id"], unique=False
        )

    _insert_vocabularies()


def downgrade() -> None:
    with op.batch_alter_table("claim_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_conditions_claim_id"))

    op.drop_table("claim_conditions")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_stated_on")
        batch_op.drop_index(batch_op.f("ix_claims_speaker_id"))
        batch_op.drop_index(batch_op.f("ix_claims_source_id"))
        batch_op.drop_index(batch_op.f("ix_claims_review_state"))
        batch_op.drop_index("ix_claims_actor_role_stated")
        batch_op.drop_index("ix_claims_actor_initiative_stated")

    op.drop_table("claims")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_member_id"))
        batch_op.drop_index("ix_memberships_group_dates")

    op.drop_table("memberships")
    with op.batch_alter_table("initiatives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiatives_proposer_id"))

    op.drop_table("initiatives")
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliations_person_id"))
        batch_op.drop_index(batch_op.f("ix_affiliations_actor_id"))

    op.drop_table("affiliations")
    with op.batch_alter_table("actor_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_aliases_alias"))

    op.drop_table("actor_aliases")
    op.drop_table("statuses")
    op.drop_table("stances")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_published_on"))

    op.drop_table("sources")
    op.drop_table("roles")
    op.drop_table("condition_types")
    op.drop_table("certainties")
    op.drop_table("bases")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_kind"))

    op.drop_table("actors")
