"""Citable snapshots: freeze a matrix question's answer, read it back unchanged, cite it."""

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.listing import Paging
from app.positions import service as positions
from app.snapshots import queries
from app.snapshots.models import Snapshot
from app.snapshots.schemas import (
    Citation,
    SnapshotCreate,
    SnapshotQuestion,
    SnapshotSummary,
)
from app.transfer.schemas import SnapshotRecord
from app.vocab import ClaimKind, Role

ID_LENGTH = 12
# Lowercase base32 (a-z, 2-7): safe in a URL path, a file name and a BibTeX key.
ID_ATTEMPTS = 5


def canonical_json(cells: Sequence[dict[str, Any]]) -> str:
    """The cells as the canonical JSON a snapshot stores and hashes: sorted keys, no
    spaces, text as is (not \\u-escaped), dates YYYY-MM-DD."""
    return json.dumps(
        cells, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=date.isoformat
    )


def content_hash(cells_json: str) -> str:
    """SHA-256 (hex) of the stored cells' UTF-8 bytes."""
    return hashlib.sha256(cells_json.encode("utf-8")).hexdigest()


def new_snapshot_id() -> str:
    """A random id of ID_LENGTH lowercase base32 characters (60 bits)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return raw[:ID_LENGTH]


def _fresh_id(session: Session) -> str:
    for _ in range(ID_ATTEMPTS):
        candidate = new_snapshot_id()
        if not queries.snapshot_exists(session, candidate):
            return candidate
    raise RuntimeError("no free snapshot id after several random draws")


def _listed(value: str | Sequence[str] | None) -> list[str]:
    # One value or several, each once, in the order given.
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return list(dict.fromkeys(str(v) for v in values))


def question_of(data: SnapshotCreate) -> SnapshotQuestion:
    """The matrix question of a request, every filter as a list."""
    return SnapshotQuestion(
        kind=data.kind.value if data.kind else None,
        role=_listed(data.role),
        initiative=_listed(data.initiative),
        group=data.group,
        actor=_listed(data.actor),
        assume=_listed(data.assume),
        inherit=data.inherit,
    )


def take_snapshot(
    session: Session, data: SnapshotCreate, *, user_id: int | None, username: str | None
) -> Snapshot:
    """Answer the matrix question now and store the answer for good (422 naming the field
    of an unknown code, slug or milestone)."""
    question = question_of(data)
    cells = positions.cell_filter(
        session,
        kind=ClaimKind(question.kind) if question.kind else None,
        roles=[Role(r) for r in question.role],
        initiatives=question.initiative,
        actors=question.actor,
        group=question.group,
    )
    matrix = positions.position_matrix(
        session,
        data.as_of,
        known_as_of=data.known_as_of,
        cells=cells,
        assume=question.assume,
        inherit=question.inherit,
    )
    frozen = canonical_json(matrix["cells"])
    snapshot = Snapshot(
        id=_fresh_id(session),
        title=data.title,
        as_of=data.as_of,
        known_as_of=data.known_as_of,
        question=question.model_dump(mode="json"),
        cells=frozen,
        cell_count=len(matrix["cells"]),
        content_hash=content_hash(frozen),
        created_by=user_id,
        taken_by=username,
        created_at=utcnow(),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


# Reading and citing


def snapshot_path(snapshot_id: str) -> str:
    """The snapshot's permanent page, as a path."""
    return f"/snapshots/{snapshot_id}"


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive times; every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def default_title(as_of: date) -> str:
    """The title of a snapshot given none."""
    return f"Positions as of {as_of.isoformat()}"


def describe_question(question: SnapshotQuestion) -> str:
    """The question's filters in words ("all actors and objects" without any)."""
    parts: list[str] = []
    if question.kind:
        parts.append("commitments only" if question.kind == "commitment" else "stances only")
    for label, values in (
        ("role", question.role),
        ("initiative", question.initiative),
        ("actor", question.actor),
    ):
        if values:
            parts.append(f"{label}{'s' if len(values) > 1 else ''} {', '.join(values)}")
    if question.group:
        parts.append(f"members of {question.group}")
    if question.assume:
        parts.append(f"assuming {', '.join(question.assume)} met")
    if question.inherit:
        parts.append("members inheriting their bloc's position")
    return "; ".join(parts) if parts else "all actors and objects"


BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def bibtex_escape(text: str) -> str:
    """Text with BibTeX's (and LaTeX's) special characters escaped, on one line."""
    text = " ".join(text.split())
    return "".join(BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def _bibtex_url(url: str) -> str:
    # Inside \url{} in a field, braces and backslashes must not appear; % and # are escaped.
    safe = quote(url, safe=":/?&=@!$'()*+,;-._~%#[]")
    return safe.replace("%", r"\%").replace("#", r"\#")


def citation(
    summary: SnapshotQuestion,
    *,
    snapshot_id: str,
    title: str | None,
    as_of: date,
    known_as_of: date | None,
    created_at: datetime,
    created_by: str | None,
    digest: str,
    url: str,
) -> Citation:
    """How to cite a snapshot found at the absolute `url`."""
    heading = title or default_title(as_of)
    when = f"positions as of {as_of.isoformat()}"
    if known_as_of is not None:
        when += f", known as of {known_as_of.isoformat()}"
    filters = describe_question(summary)
    taken = _utc(created_at)
    stamp = taken.strftime("%Y-%m-%d %H:%M UTC")
    by = f" by {created_by}" if created_by else ""
    text = (
        f'Posture snapshot "{heading}": {when}, {filters}. Taken {stamp}{by}. {url}. '
        f"SHA-256 {digest}."
    )
    note = f"{when[0].upper()}{when[1:]}; {filters}. Taken {stamp}. SHA-256 {digest}"
    bibtex = (
        f"@misc{{posture-{snapshot_id},\n"
        f"  title = {{{bibtex_escape(heading)}}},\n"
        f"  howpublished = {{\\url{{{_bibtex_url(url)}}}}},\n"
        f"  note = {{{bibtex_escape(note)}}},\n"
        f"  year = {{{taken.year}}}\n"
        "}"
    )
    return Citation(text=text, bibtex=bibtex)


def snapshot_summary(row: Any, username: str | None, *, base_url: str) -> SnapshotSummary:
    """A snapshot (or a row of its columns) as the API shows it, cited at `base_url`."""
    question = SnapshotQuestion.model_validate(row.question or {})
    path = snapshot_path(row.id)
    return SnapshotSummary(
        id=row.id,
        url=path,
        title=row.title,
        as_of=row.as_of,
        known_as_of=row.known_as_of,
        question=question,
        cell_count=row.cell_count,
        content_hash=row.content_hash,
        created_at=_utc(row.created_at),
        created_by=username,
        citation=citation(
            question,
            snapshot_id=row.id,
            title=row.title,
            as_of=row.as_of,
            known_as_of=row.known_as_of,
            created_at=row.created_at,
            created_by=username,
            digest=row.content_hash,
            url=base_url.rstrip("/") + path,
        ),
    )


@dataclass(frozen=True)
class FrozenSnapshot:
    """A snapshot as read: its summary and its cells' canonical JSON, byte for byte."""

    summary: SnapshotSummary
    cells_json: str

    def cells(self) -> list[dict[str, Any]]:
        """The cells, parsed from the stored JSON (never computed again)."""
        parsed: list[dict[str, Any]] = json.loads(self.cells_json)
        return parsed

    def json_bytes(self) -> bytes:
        """The snapshot as the API's JSON: the summary, then the stored cells verbatim."""
        head = self.summary.model_dump_json().encode("utf-8")
        return head[:-1] + b',"cells":' + self.cells_json.encode("utf-8") + b"}"


def read_snapshot(session: Session, snapshot_id: str, *, base_url: str) -> FrozenSnapshot:
    """One snapshot with its cells, or 404."""
    row = queries.snapshot_row(session, snapshot_id)
    if row is None:
        raise NotFound(f"No snapshot has the id '{snapshot_id}'.")
    snapshot, username = row
    return FrozenSnapshot(snapshot_summary(snapshot, username, base_url=base_url), snapshot.cells)


def snapshot_page(
    session: Session, asked: Paging, *, base_url: str, sort: str | None = None
) -> tuple[list[SnapshotSummary], int]:
    """A page of snapshots without their cells, newest first, and the total."""
    rows, total = queries.snapshot_page(session, asked, sort=sort)
    return [snapshot_summary(r, r.username, base_url=base_url) for r in rows], total


# Export and import


def export_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every snapshot as an export record, oldest first, its cells as the stored text."""
    for snapshot, username in queries.all_snapshots(session):
        yield {
            "type": "snapshot",
            "id": snapshot.id,
            "title": snapshot.title,
            "as_of": snapshot.as_of,
            "known_as_of": snapshot.known_as_of,
            "question": snapshot.question,
            "cells": snapshot.cells,
            "cell_count": snapshot.cell_count,
            "content_hash": snapshot.content_hash,
            "created_by": username,
            "created_at": _utc(snapshot.created_at),
        }


def restore_snapshot(session: Session, record: SnapshotRecord) -> bool | None:
    """Store an imported snapshot as it was: True when new, None when the same snapshot is
    stored already; 422 when its hash does not match its cells, or when another snapshot
    holds its id."""
    if content_hash(record.cells) != record.content_hash:
        raise InvalidInput.field("content_hash", "does not match the cells")
    try:
        cells = json.loads(record.cells)
    except json.JSONDecodeError as exc:
        raise InvalidInput.field("cells", f"not JSON: {exc.msg}") from None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidInput.field("cells", "must be a JSON list of cells")
    if len(cells) != record.cell_count:
        raise InvalidInput.field("cell_count", f"the cells hold {len(cells)} cells")
    try:
        SnapshotQuestion.model_validate(record.question)
    except ValidationError:
        raise InvalidInput.field("question", "is not a matrix question") from None
    stored = queries.snapshot_by_id(session, record.id)
    if stored is not None:
        if stored.content_hash != record.content_hash:
            raise InvalidInput.field(
                "content_hash", f"snapshot {record.id} is stored with another hash"
            )
        return None
    user_id = queries.user_id_by_username(session, record.created_by) if record.created_by else None
    session.add(
        Snapshot(
            id=record.id,
            title=record.title,
            as_of=record.as_of,
            known_as_of=record.known_as_of,
            # Verbatim, as the cells: the record is the one the export wrote.
            question=record.question,
            cells=record.cells,
            cell_count=record.cell_count,
            content_hash=record.content_hash,
            created_by=user_id,
            taken_by=record.created_by,
            created_at=record.created_at or utcnow(),
        )
    )
    session.flush()
    return True
