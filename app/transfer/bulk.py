"""Bulk import of claims from CSV or JSON Lines: every row is checked, then all apply or none.

Rows reference actors by code, roles and statuses by codebook id, initiatives by slug and
sources by id or URL. References are read once and rows are written with one executemany,
so a large file stays fast; the rules are the same as for a claim recorded one by one.
"""

import csv
import io
import json
from collections.abc import Iterator, Sequence
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
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(LIST_SEPARATOR) if part.strip()]


def _claim_shape(raw: dict[str, Any]) -> dict[str, Any]:
    """A flat CSV/JSONL row in the shape the API writes a claim (ClaimFields)."""
    data = {k: v for k, v in raw.items() if v not in ("", None) and k not in DERIVED_COLUMNS}
    evidence = data.pop("evidence", None)
    if not isinstance(evidence, dict):
        evidence = {"text": evidence} if evidence is not None else {}
        for key in ("start", "end"):
            if f"evidence_{key}" in data:
                evidence[key] = data.pop(f"evidence_{key}")
    data["evidence"] = evidence
    conditions = data.pop("conditions", [])
    if not (isinstance(conditions, list) and all(isinstance(c, dict) for c in conditions)):
        texts, types = _split(conditions), _split(data.get("condition_types"))
        if len(texts) != len(types):
            raise _RowError("conditions", "give one condition text per condition type")
        conditions = [{"type": t, "text": x} for t, x in zip(types, texts, strict=True)]
    data.pop("condition_types", None)
    data["conditions"] = conditions
    if "via" in data:
        data["via"] = _split(data["via"])
    amount, unit = data.pop("quantity_amount", None), data.pop("quantity_unit", None)
    if amount is not None or unit is not None:
        data["quantity"] = {"amount": amount, "unit": unit}
    if "source_url" in data:
        data["source_url"] = str(data["source_url"])
    if isinstance(data.get("conditional"), str):
        data["conditional"] = data["conditional"].strip().lower() in ("true", "1", "yes")
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
            yield _Row(reader.line_num, dict(record))
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


@audit.as_one_write("import")
def import_claims(session: Session, content: str, fmt: str, *, accept: bool = False) -> BulkReport:
    """Check every row, then write them all in this transaction; any bad row writes nothing."""
    refs = PreloadedReferences(queries.bulk_references(session))
    user_id = session.info.get("user_id")
    now = utcnow()
    state = ReviewState.ACCEPTED if accept else ReviewState.PROPOSED
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
            values.update(
                review_state=state.value,
                created_by=user_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
            if accept:
                values.update(reviewed_by=user_id, reviewed_at=now)
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
    ids = queries.insert_claims(session, claims)
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
        found = self._sources.get(source_id)
        return None if found is None else SourceFacts(found[0], found[1])


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
