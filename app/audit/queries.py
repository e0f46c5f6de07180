"""All SQL of the audit trail: each audited record as a plain dict, and the entries."""

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Dialect,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeDecorator

from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.audit.models import AuditEntry
from app.claims.models import Claim, ClaimCondition
from app.db import Base, UTCDateTime, insert_many, paginate
from app.initiatives.models import Initiative, InitiativeNeed
from app.listing import Paging
from app.milestones.models import Milestone, MilestoneState
from app.sources.models import Source

Snapshots = dict[Any, dict[str, Any]]
# Most column values need no conversion; checking the exact type first keeps snapshots of
# a 100,000-row import cheap.
_ALREADY_PLAIN = frozenset({str, int, bool, float})
# A tuple rather than datetime | date, which would be built again on every call.
_MOMENTS = (datetime, date)

# IN lists stay well below every backend's limit on bound parameters.
CHUNK = 500
# Runs of at least this many consecutive ids are read with one BETWEEN.
RUN = 16


def plain(value: Any) -> Any:
    """A column value as JSON can hold it: dates and times in ISO 8601, decimals as text."""
    if value is None or type(value) in _ALREADY_PLAIN:
        return value
    if isinstance(value, _MOMENTS):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _chunks(ids: Sequence[Any]) -> Iterator[list[Any]]:
    unique = sorted(set(ids), key=str)
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


def _id_groups(ids: Sequence[Any]) -> Iterator[range | list[Any]]:
    """The distinct ids in groups to read with one query each: a range for each run of at
    least RUN consecutive integers (the records a bulk import created, read with one BETWEEN
    however many), lists of at most CHUNK ids for the others."""
    unique = set(ids)
    if not all(type(i) is int for i in unique):
        yield from _chunks(ids)
        return
    ordered = sorted(unique)
    scattered: list[int] = []
    start = 0
    for end in range(1, len(ordered) + 1):
        if end < len(ordered) and ordered[end] == ordered[end - 1] + 1:
            continue
        if end - start >= RUN:
            yield range(ordered[start], ordered[end - 1] + 1)
        else:
            scattered.extend(ordered[start:end])
        start = end
    for first in range(0, len(scattered), CHUNK):
        yield scattered[first : first + CHUNK]


def _among(column: Any, batch: range | list[Any]) -> ColumnElement[bool]:
    """The column's value is one of the group's ids."""
    if isinstance(batch, range):
        return cast(ColumnElement[bool], column.between(batch.start, batch.stop - 1))
    return cast(ColumnElement[bool], column.in_(batch))


def _needs_plain(column: Any) -> bool:
    """Whether a selected column's values may need `plain` (dates, decimals, JSON lists)."""
    if isinstance(column.type, TypeDecorator):
        return True
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return True
    return python_type not in _ALREADY_PLAIN


def _rows(conn: Connection, stmt: "Select[*tuple[Any, ...]]") -> list[dict[str, Any]]:
    """The rows as dicts of plain values. `plain` runs only on the columns whose type can
    hold something else (a snapshot of 100,000 claims is 3 million values)."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    convert = [
        key for key, column in zip(keys, stmt.selected_columns, strict=True) if _needs_plain(column)
    ]
    rows = [dict(zip(keys, row, strict=True)) for row in result.all()]
    for key in convert:
        for values in rows:
            value = values[key]
            if value is not None:
                values[key] = plain(value)
    return rows


def actor_snapshots(conn: Connection, ids: Sequence[int]) -> Snapshots:
    """Actors with their aliases, memberships and (for persons) offices."""
    out: Snapshots = {}
    group = aliased(Actor)
    for batch in _id_groups(ids):
        for row in _rows(
            conn,
            select(
                Actor.id,
                Actor.code,
                Actor.kind,
                Actor.name,
                Actor.description,
                Actor.version,
            ).where(_among(Actor.id, batch)),
        ):
            actor_id = row.pop("id")
            out[actor_id] = {**row, "aliases": [], "memberships": []}
            if row["kind"] == "person":
                out[actor_id]["affiliations"] = []
        for row in _rows(
            conn,
            select(ActorAlias.actor_id, ActorAlias.alias, ActorAlias.kind)
            .where(_among(ActorAlias.actor_id, batch))
            .order_by(ActorAlias.alias, ActorAlias.kind),
        ):
            out[row.pop("actor_id")]["aliases"].append(row)
        for row in _rows(
            conn,
            select(
                Membership.member_id,
                group.code.label("group"),
                Membership.from_on,
                Membership.until_on,
            )
            .join(group, group.id == Membership.group_id)
            .where(_among(Membership.member_id, batch))
            .order_by(group.code, Membership.from_on, Membership.until_on),
        ):
            out[row.pop("member_id")]["memberships"].append(row)
        for row in _rows(
            conn,
            select(
                Affiliation.person_id,
                group.code.label("actor"),
                Affiliation.office,
                Affiliation.from_on,
                Affiliation.until_on,
            )
            .join(group, group.id == Affiliation.actor_id)
            .where(_among(Affiliation.person_id, batch))
            .order_by(group.code, Affiliation.office, Affiliation.from_on),
        ):
            person = out[row.pop("person_id")]
            person.setdefault("affiliations", []).append(row)
    return out


def initiative_snapshots(conn: Connection, ids: Sequence[int]) -> Snapshots:
    """Initiatives, their proposer by code, with their needs (by role)."""
    out: Snapshots = {}
    for batch in _id_groups(ids):
        stmt = (
            select(
                Initiative.id,
                Initiative.slug,
                Initiative.name,
                Initiative.description,
                Actor.code.label("proposer"),
                Initiative.first_reported_on,
                Initiative.version,
            )
            .outerjoin(Actor, Actor.id == Initiative.proposer_id)
            .where(_among(Initiative.id, batch))
        )
        for row in _rows(conn, stmt):
            out[row.pop("id")] = {**row, "needs": []}
        needs = (
            select(
                InitiativeNeed.initiative_id,
                InitiativeNeed.role,
                InitiativeNeed.quantity_amount,
                InitiativeNeed.quantity_unit,
            )
            .where(_among(InitiativeNeed.initiative_id, batch))
            .order_by(InitiativeNeed.initiative_id, InitiativeNeed.role)
        )
        for row in _rows(conn, needs):
            out[row.pop("initiative_id")]["needs"].append(row)
    return out


def milestone_snapshots(conn: Connection, ids: Sequence[int]) -> Snapshots:
    """Milestones with their states by date, each state's source by id."""
    out: Snapshots = {}
    for batch in _id_groups(ids):
        stmt = select(
            Milestone.id,
            Milestone.slug,
            Milestone.name,
            Milestone.condition_type,
            Milestone.description,
            Milestone.version,
        ).where(_among(Milestone.id, batch))
        for row in _rows(conn, stmt):
            out[row.pop("id")] = {**row, "states": []}
        states = (
            select(
                MilestoneState.milestone_id,
                MilestoneState.state,
                MilestoneState.from_on,
                MilestoneState.source_id,
                MilestoneState.evidence_text,
                MilestoneState.evidence_start,
                MilestoneState.evidence_end,
                MilestoneState.note,
            )
            .where(_among(MilestoneState.milestone_id, batch))
            .order_by(MilestoneState.milestone_id, MilestoneState.from_on)
        )
        for row in _rows(conn, states):
            out[row.pop("milestone_id")]["states"].append(row)
    return out


def source_snapshots(conn: Connection, ids: Sequence[int]) -> Snapshots:
    """Sources; a text is represented by its hash (a changed text changes the hash)."""
    out: Snapshots = {}
    for batch in _id_groups(ids):
        stmt = select(
            Source.id,
            Source.title,
            Source.outlet,
            Source.url,
            Source.published_on,
            Source.language,
            Source.content_hash,
            Source.version,
        ).where(_among(Source.id, batch))
        for row in _rows(conn, stmt):
            out[row["id"]] = row
    return out


# A claim's snapshot: these fields, then its conditions. "actor", "initiative" and
# "speaker" are the codes and slug of the records the claim names; the others are columns.
CLAIM_FIELDS = (
    "id",
    "actor",
    "kind",
    "role",
    "initiative",
    "status",
    "stance",
    "conditional",
    "limits",
    "quantity_amount",
    "quantity_unit",
    "certainty",
    "basis",
    "speaker",
    "reported_by",
    "via",
    "stated_on",
    "source_id",
    "evidence_text",
    "evidence_start",
    "evidence_end",
    "note",
    "review_state",
    "review_note",
    "reviewed_by",
    "reviewed_at",
    "created_by",
    "retracted_at",
    "retraction_reason",
    "version",
)
_NAMED_BY = {"actor": "actor_id", "initiative": "initiative_id", "speaker": "speaker_id"}


def claim_snapshots(conn: Connection, ids: Sequence[int]) -> Snapshots:
    """Claims as a client writes them (codes and slugs), with their review and retraction."""
    out: Snapshots = {}
    speaker = aliased(Actor)
    named = {
        "actor": Actor.code.label("actor"),
        "initiative": Initiative.slug.label("initiative"),
        "speaker": speaker.code.label("speaker"),
    }
    claims = cast(Table, Claim.__table__)
    selected = [named[name] if name in named else claims.c[name] for name in CLAIM_FIELDS]
    for batch in _id_groups(ids):
        stmt = (
            select(*selected)
            .join(Actor, Actor.id == Claim.actor_id)
            .outerjoin(speaker, speaker.id == Claim.speaker_id)
            .outerjoin(Initiative, Initiative.id == Claim.initiative_id)
            .where(_among(Claim.id, batch))
        )
        for row in _rows(conn, stmt):
            row["via"] = list(row["via"] or [])
            row["conditions"] = []
            out[row["id"]] = row
        required = aliased(Actor, name="required_actor")
        conditions = (
            select(
                ClaimCondition.claim_id,
                ClaimCondition.type,
                ClaimCondition.text,
                Milestone.slug.label("milestone"),
                required.code.label("requires_actor"),
                ClaimCondition.requires_role,
                ClaimCondition.requires_status,
            )
            .outerjoin(Milestone, Milestone.id == ClaimCondition.milestone_id)
            .outerjoin(required, required.id == ClaimCondition.requires_actor_id)
            .where(_among(ClaimCondition.claim_id, batch))
            .order_by(ClaimCondition.claim_id, ClaimCondition.id)
        )
        for row in _rows(conn, conditions):
            out[row.pop("claim_id")]["conditions"].append(_condition_snapshot(row))
    return out


def written_claim_snapshots(
    dialect: Dialect,
    ids: Sequence[int],
    columns: Mapping[str, Sequence[Any]],
    shared: Mapping[str, Any],
    names: Mapping[str, Mapping[int, str]],
    conditions: Sequence[Sequence[Mapping[str, str]]],
) -> list[dict[str, Any]] | None:
    """The snapshots claim_snapshots reads back for claims just inserted, made from the
    values the insert was given, without reading them: `columns` (one value per claim) and
    `shared` (every claim's), `names` the codes and slugs of the actors and initiatives
    ("actor", "speaker", "initiative": id -> code or slug), and each claim's conditions in
    their order.

    Each value is converted as the database stores it and SQLAlchemy reads it back (a
    decimal goes through SQLite as a float, into a NUMERIC column), then as a snapshot holds
    it. None when a value is not of a type whose round trip this knows: read them back."""
    claims = cast(Table, Claim.__table__)
    # Each field: one value for every claim, or the claims' values.
    every: dict[str, Any] = {}
    each: dict[str, Sequence[Any]] = {"id": ids}
    for name in CLAIM_FIELDS[1:]:
        key = _NAMED_BY.get(name, name)
        given = columns.get(key)
        if given is None:
            value = shared[key] if key in shared else _default(claims.c[key])
            if value is _UNKNOWN:
                return None
            given = [value]
        if name in _NAMED_BY:
            values = _named(names[name], given)
        else:
            values = _read_back(claims.c[name], dialect, given)
        if values is None:
            return None
        if key in columns:
            each[name] = values
        else:
            every[name] = values[0]
    kinds = {type(value) for conds in conditions for c in conds for value in c.values()}
    if kinds - {str} or len(conditions) != len(ids):
        return None
    # Each snapshot starts as a copy of the fields every claim shares, in their order.
    template = {name: every.get(name) for name in CLAIM_FIELDS}
    fields = list(each)
    snapshots = []
    for row, conds in zip(zip(*each.values(), strict=True), conditions, strict=True):
        snapshot = template.copy()
        snapshot.update(zip(fields, row, strict=True))
        snapshot["via"] = list(snapshot["via"] or [])
        snapshot["conditions"] = [{"type": c["type"], "text": c["text"]} for c in conds]
        snapshots.append(snapshot)
    return snapshots


def _condition_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """A condition as type and text, with what it waits on only where it is linked (so an
    unlinked condition's snapshot is what it always was)."""
    snapshot = {"type": row["type"], "text": row["text"]}
    if row["milestone"] is not None:
        snapshot["milestone"] = row["milestone"]
    if row["requires_actor"] is not None:
        snapshot["requires"] = {
            "actor": row["requires_actor"],
            "role": row["requires_role"],
            "status_at_least": row["requires_status"],
        }
    return snapshot


_UNKNOWN: Any = object()


def _default(column: Any) -> Any:
    """The value an insert that leaves the column out stores (_UNKNOWN: computed per row)."""
    if column.server_default is not None:
        return _UNKNOWN
    if column.default is None:
        return None
    return column.default.arg if column.default.is_scalar else _UNKNOWN


def _named(names: Mapping[int, str], ids: Sequence[Any]) -> list[str | None] | None:
    """The code (or slug) of each id, as the join reads it; None if an id is unknown."""
    try:
        return [None if i is None else names[i] for i in ids]
    except (KeyError, TypeError):
        return None


def _read_back(column: Any, dialect: Dialect, values: Sequence[Any]) -> list[Any] | None:
    """The values as a snapshot holds them once stored in the column and read back."""
    kinds = set(map(type, values)) - {type(None)}
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        if kinds - {datetime} or any(v is not None and v.tzinfo is None for v in values):
            return None
        return [None if v is None else v.astimezone(UTC).isoformat() for v in values]
    if isinstance(column_type, JSON):
        if kinds - {list} or any(type(i) is not str for v in values if v for i in v):
            return None
        return list(values)
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        if kinds - {Decimal} or not all(v is None or v.is_finite() for v in values):
            return None
        try:
            return [
                None if v is None else _numeric_read_back(column_type, dialect, v) for v in values
            ]
        except (ArithmeticError, ValueError):
            return None
    # Values these columns hand back unchanged (dates as snapshots hold them, ISO 8601).
    if isinstance(column_type, Date) and not kinds - {date}:
        return [None if v is None else v.isoformat() for v in values]
    if isinstance(column_type, Boolean) and not kinds - {bool}:
        return list(values)
    if isinstance(column_type, Integer) and not kinds - {int}:
        return list(values)
    if isinstance(column_type, String) and not kinds - {str}:
        return list(values)
    return None


# SQLite makes a REAL stored into a NUMERIC column an INTEGER when it holds one exactly and
# lies strictly between the smallest and largest 64-bit integers (so -0.0 becomes 0).
_SQLITE_INT64 = (-(2**63), 2**63 - 1)


def _numeric_read_back(column_type: Numeric[Any], dialect: Dialect, value: Decimal) -> str:
    """A decimal as a snapshot holds it after the round trip through a NUMERIC column."""
    if dialect.name == "sqlite":
        impl: Any = column_type.dialect_impl(dialect)
        bind = impl.bind_processor(dialect)
        result = impl.result_processor(dialect, None)
        stored: Any = bind(value) if bind is not None else value
        if isinstance(stored, float) and stored.is_integer():
            whole = int(stored)
            if _SQLITE_INT64[0] < whole < _SQLITE_INT64[1]:
                stored = whole
        read = result(stored) if result is not None else stored
    elif dialect.name == "postgresql":
        # numeric(p, s) rounds to s places, half away from zero, and has no negative zero.
        scale = column_type.scale
        read = value if scale is None else value.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
        if read.is_zero():
            read = abs(read)
    else:
        raise ValueError(f"no known round trip of a decimal through {dialect.name}")
    return str(plain(read))


def row_snapshots(table: Table, exclude: frozenset[str]) -> Any:
    """A snapshot function for a plain table: every column but the excluded ones."""
    (pk,) = table.primary_key.columns
    columns = [c for c in table.columns if c.key not in exclude]

    def snapshots(conn: Connection, ids: Sequence[Any]) -> Snapshots:
        out: Snapshots = {}
        for batch in _id_groups(ids):
            for values in _rows(conn, select(*columns).where(_among(pk, batch))):
                out[values[pk.key]] = values
        return out

    return snapshots


def audit_list(
    *,
    record_type: str | None = None,
    record_key: str | None = None,
    user_id: int | None = None,
    action: str | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> Select[Any]:
    """Entries matching every filter given (unordered)."""
    stmt = select(AuditEntry)
    if record_type:
        stmt = stmt.where(AuditEntry.record_type == record_type)
    if record_key:
        stmt = stmt.where(AuditEntry.record_key == record_key)
    if user_id is not None:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if at_from is not None:
        stmt = stmt.where(AuditEntry.at >= at_from)
    if at_to is not None:
        stmt = stmt.where(AuditEntry.at < at_to)
    return stmt


def audit_page(
    session: Session, asked: Paging, criteria: Mapping[str, Any]
) -> tuple[list[AuditEntry], int]:
    """A page of the entries audit_list matches, newest first, and the total."""
    stmt = audit_list(**criteria).order_by(AuditEntry.id.desc())
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def audit_entries(session: Session, criteria: Mapping[str, Any]) -> list[AuditEntry]:
    """Every entry audit_list matches, oldest first (the JSON Lines export)."""
    return list(session.scalars(audit_list(**criteria).order_by(AuditEntry.id)))


def entry_by_id(session: Session, entry_id: int) -> AuditEntry | None:
    """One entry."""
    return session.get(AuditEntry, entry_id)


def record_history(
    session: Session, record_type: str, record_key: str, limit: int
) -> Sequence[AuditEntry]:
    """A record's entries, newest first."""
    stmt = (
        audit_list(record_type=record_type, record_key=record_key)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def user_names(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    """Each user's display name (or username), where the accounts tables know the user."""
    users = Base.metadata.tables.get("users")
    if users is None or not user_ids:
        return {}
    column = "display_name" if "display_name" in users.c else "username"
    if column not in users.c:
        return {}
    names: dict[int, str] = {}
    for chunk in _chunks(user_ids):
        stmt = select(users.c.id, users.c[column]).where(users.c.id.in_(chunk))
        names.update({user_id: str(name) for user_id, name in session.execute(stmt)})
    return names


def user_id_by_username(session: Session, username: str) -> int | None:
    """The id of the user with this username, where the accounts tables exist."""
    users = Base.metadata.tables.get("users")
    if users is None or "username" not in users.c:
        return None
    found: int | None = session.scalar(select(users.c.id).where(users.c.username == username))
    return found


def append_entries(conn: Connection, rows: Sequence[dict[str, Any]], at: datetime) -> None:
    """Append audit entries (column values), all made at `at`, in one executemany (an
    import's many entries: in lists of rows, see insert_many)."""
    insert_many(conn, cast(Table, AuditEntry.__table__), rows, {"at": at})


def matching_ids(session: Session, column: Any, whereclause: Any) -> list[Any]:
    """The ids (`column`) of the rows a bulk UPDATE's WHERE clause matches, read on the
    flushing connection before it runs."""
    query = select(column)
    if whereclause is not None:
        query = query.where(whereclause)
    return list(session.connection().execute(query).scalars())


def highest_id(session: Session, column: Any) -> int:
    """The largest id (`column`) of a table, read on the flushing connection (SQLite's bulk
    INSERT returns none: the rows just written end there)."""
    return int(session.connection().execute(select(func.max(column))).scalar() or 0)
