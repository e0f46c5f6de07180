"""Bulk import of claims from CSV or JSON Lines: every row is checked, then all apply or none.

Rows reference actors by code, roles and statuses by codebook id, initiatives by slug and
sources by id or URL. References are read once and rows are written with one executemany,
so a large file stays fast; the rules are the same as for a claim recorded one by one.
"""

import csv
import gc
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.audit import capture as audit
from app.claims.models import Claim
from app.claims.schemas import ClaimFields
from app.claims.service import SourceFacts, check_claim
from app.db import utcnow
from app.errors import FieldError, InvalidInput, validation_errors
from app.transfer import queries
from app.vocab import ReviewState

# Columns the claims CSV export writes that an import reads past (they are derived).
DERIVED_COLUMNS = {
    "id",
    "actor_name",
    "initiative_name",
    "speaker_name",
    "source_title",
    "source_outlet",
    "published_on",
    "retracted",
    "review_state",
}
LIST_SEPARATOR = ";"
MAX_ERRORS = 1000


class BulkReport(BaseModel):
    """What a bulk import wrote."""

    created: int
    review_state: str
    first_id: int | None
    last_id: int | None


@dataclass
class _Row:
    line: int
    fields: dict[str, Any]


def _split(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    parts = [part.strip() for part in str(value).split(LIST_SEPARATOR)]
    return [part for part in parts if part]


def _claim_shape(raw: dict[str, Any]) -> dict[str, Any]:
    """A flat CSV/JSONL row in the shape the API writes a claim (ClaimFields)."""
    data = {k: v for k, v in raw.items() if v not in ("", None) and k not in DERIVED_COLUMNS}
    evidence = data.pop("evidence", None)
    if not isinstance(evidence, dict):
        evidence = {"text": evidence} if evidence is not None else {}
        if "evidence_start" in data:
            evidence["start"] = data.pop("evidence_start")
        if "evidence_end" in data:
            evidence["end"] = data.pop("evidence_end")
    data["evidence"] = evidence
    conditions = data.pop("conditions", [])
    types = data.pop("condition_types", None)
    if not (isinstance(conditions, list) and all(isinstance(c, dict) for c in conditions)):
        texts, names = _split(conditions), _split(types)
        if len(texts) != len(names):
            raise _RowError("conditions", "give one condition text per condition type")
        conditions = [{"type": t, "text": x} for t, x in zip(names, texts, strict=True)]
    data["conditions"] = conditions
    if "via" in data:
        data["via"] = _split(data["via"])
    if "quantity_amount" in data or "quantity_unit" in data:
        data["quantity"] = {
            "amount": data.pop("quantity_amount", None),
            "unit": data.pop("quantity_unit", None),
        }
    if "source_url" in data:
        data["source_url"] = str(data["source_url"])
    conditional = data.get("conditional")
    if isinstance(conditional, str):
        data["conditional"] = conditional.strip().lower() in ("true", "1", "yes")
    return data


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def read_rows(content: str, fmt: str) -> Iterator[_Row]:
    """The rows of a CSV (header first) or JSON Lines file, with their line numbers."""
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(content))
        for record in reader:
            yield _Row(reader.line_num, record)
        return
    for n, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Row(n, {"__error__": f"not JSON: {exc.msg}"})
            continue
        yield _Row(n, record if isinstance(record, dict) else {"__error__": "not an object"})


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector. An import holds millions of objects at once (rows,
    parameters, audit snapshots) that form no cycles, and each collection walks all of them:
    at 100,000 rows that was a third of the import. Reference counting still frees
    everything; the collector resumes as soon as the import is over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_claims(session: Session, content: str, fmt: str, *, accept: bool = False) -> BulkReport:
    """Check every row, then write them all in this transaction; any bad row writes nothing."""
    with _without_cycle_collection(), queries.room_for_a_large_write(session):
        return _import_claims(session, content, fmt, accept=accept)


@audit.as_one_write("import")
def _import_claims(session: Session, content: str, fmt: str, *, accept: bool) -> BulkReport:
    refs = PreloadedReferences(queries.bulk_references(session))
    user_id = session.info.get("user_id")
    now = utcnow()
    state = ReviewState.ACCEPTED if accept else ReviewState.PROPOSED
    # The columns every row of the import shares.
    shared: dict[str, Any] = {
        "review_state": state.value,
        "created_by": user_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    if accept:
        shared.update(reviewed_by=user_id, reviewed_at=now)
    errors: list[FieldError] = []
    claims: list[dict[str, Any]] = []
    conditions: list[list[dict[str, Any]]] = []
    for row in read_rows(content, fmt):
        try:
            values, conds = _resolve_row(row.fields, refs)
        except _RowError as exc:
            errors.append(FieldError(exc.field, exc.message, line=row.line))
        except _RowErrors as exc:
            errors.extend(FieldError(f, m, line=row.line) for f, m in exc.errors)
        else:
            claims.append(values)
            conditions.append(conds)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        shown = sorted({int(str(e["line"])) for e in errors})
        raise InvalidInput(
            f"{len(errors)} problem(s) on {len(shown)} row(s), first on line {shown[0]}; "
            "nothing was imported.",
            errors=errors,
        )
    if not claims:
        raise InvalidInput.field("body", "the file has no rows")
    ids = queries.insert_claims(session, claims, shared)
    # The rows bypass the session (one executemany): tell the audit trail they are new.
    audit.note_created(session, Claim, ids)
    queries.insert_conditions(
        session,
        [
            {**c, "claim_id": claim_id}
            for claim_id, conds in zip(ids, conditions, strict=True)
            for c in conds
        ],
    )
    return BulkReport(
        created=len(ids), review_state=state.value, first_id=min(ids), last_id=max(ids)
    )


class _RowErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(m for _, m in errors))
        self.errors = errors


class PreloadedReferences:
    """Claim references answered from maps read once, so each row costs no query."""

    def __init__(self, refs: dict[str, Any]) -> None:
        self._actors: dict[str, tuple[int, str]] = refs["actors"]
        self._initiatives: dict[str, int] = refs["initiatives"]
        self._sources: dict[int, tuple[date, str | None, str | None]] = refs["sources"]
        self._affiliations: dict[tuple[int, int], list[tuple[Any, Any]]] = refs["affiliations"]
        self.source_by_url = {url: sid for sid, (_p, _t, url) in self._sources.items() if url}
        # One (immutable) SourceFacts per source, not one per row.
        self._facts = {sid: SourceFacts(p, t) for sid, (p, t, _url) in self._sources.items()}

    def actors(self, codes: Sequence[str]) -> dict[str, tuple[int, str]]:
        return {code: self._actors[code] for code in codes if code in self._actors}

    def speaks_for(self, person_id: int, actor_id: int, day: date) -> bool:
        return any(
            (from_on is None or from_on <= day) and (until_on is None or until_on >= day)
            for from_on, until_on in self._affiliations.get((person_id, actor_id), [])
        )

    def initiative_id(self, slug: str) -> int | None:
        return self._initiatives.get(slug)

    def source(self, source_id: int) -> SourceFacts | None:
        return self._facts.get(source_id)


def _resolve_row(
    raw: dict[str, Any], refs: PreloadedReferences
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if "__error__" in raw:
        raise _RowError("line", raw["__error__"])
    data = _claim_shape(raw)
    source_url = data.pop("source_url", None)
    if "source_id" not in data and source_url is not None:
        if source_url not in refs.source_by_url:
            raise _RowError("source_url", f"no source has the URL {source_url}")
        data["source_id"] = refs.source_by_url[source_url]
    data.pop("review_state", None)
    try:
        fields = ClaimFields.model_validate(data)
        values = check_claim(refs, fields)
    except ValidationError as exc:
        raise _RowErrors(
            [
                (str(e["field"]), str(e["message"]))
                for e in validation_errors(exc.errors(include_url=False))
            ]
        ) from None
    except InvalidInput as exc:
        # A file row names its quote in one column, "evidence", whatever the API calls it.
        raise _RowErrors(
            [(str(e["field"]).split(".")[0], str(e["message"])) for e in exc.errors]
        ) from None
    return values, [{"type": c.type.value, "text": c.text} for c in fields.conditions]
