"""Bulk import of claims from CSV or JSON Lines: every row is checked, then all apply or none.

Rows reference actors by code, roles and statuses by codebook id, initiatives by slug and
sources by id or URL, and are held to the rules a claim recorded one by one is held to
(app.claims.rules). They are checked column by column: each distinct value of a column
is validated once, by pydantic as ClaimFields validates that field, and each rule runs once
per distinct combination of the values it reads (check_shape, check_actors,
check_initiative, check_source, check_evidence). A row with a problem, or of a shape the
columns do not cover, is then checked on its own by `check_claim`, which names its
problems: every row gets the verdict, values and messages it would get alone. The rows are
written with one statement per table, and their audit entries are made from the values
written (app.audit.queries.written_claim_snapshots) instead of reading the claims back.
"""

import csv
import gc
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from itertools import compress
from operator import attrgetter, is_, itemgetter, not_
from typing import Any

from pydantic import BaseModel, Field, ValidationError, create_model
from sqlalchemy.orm import Session

from app.audit import capture as audit
from app.audit.queries import written_claim_snapshots
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.rules import (
    SourceFacts,
    check_actors,
    check_claim,
    check_evidence,
    check_initiative,
    check_shape,
    check_source,
)
from app.claims.schemas import ClaimFields
from app.db import utcnow
from app.errors import FieldError, InvalidInput, validation_errors
from app.schemas import InputModel
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
# The claim columns a row gives (check_claim's values; review_state is the import's).
VALUE_KEYS = (
    "actor_id",
    "kind",
    "role",
    "initiative_id",
    "status",
    "stance",
    "conditional",
    "limits",
    "quantity_amount",
    "quantity_unit",
    "certainty",
    "basis",
    "speaker_id",
    "reported_by",
    "via",
    "stated_on",
    "source_id",
    "evidence_text",
    "evidence_start",
    "evidence_end",
    "note",
)


class BulkDuplicate(BaseModel):
    """A row whose claim repeats an earlier claim (same actor, object and source,
    overlapping evidence): recorded, and flagged for the reviewer."""

    row: int = Field(description="The row's number among the file's claims, from 1.")
    claim: int = Field(description="The id of the claim the row became.")
    duplicates: int = Field(description="The id of the earlier claim it repeats.")


# A report lists this many duplicate rows at most (`duplicate_count` counts them all).
DUPLICATES_LISTED = 1000


class BulkReport(BaseModel):
    """What a bulk import wrote."""

    created: int
    review_state: str
    first_id: int | None
    last_id: int | None
    duplicate_count: int = Field(
        default=0, description="Rows whose claim repeats an earlier claim (flagged)."
    )
    duplicates: list[BulkDuplicate] = Field(
        default=[], description=f"The first {DUPLICATES_LISTED} of those rows."
    )


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
    if "conditional" in data:
        data["conditional"] = _as_boolean(data["conditional"])
    return data


def _as_boolean(value: Any) -> Any:
    """A file's way of saying true or false ("yes", "1", 1, 0.0) as a boolean; the API's
    bodies take only true and false, a file's rows these too."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


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
    columns, conditions = check_rows(_parse(content, fmt), refs)
    ids = queries.next_claim_ids(session, len(next(iter(columns.values()), ())))
    repeats = claim_service.duplicates_of_new(session, ids, columns)
    columns["duplicate_of_id"] = [repeats.get(claim_id) for claim_id in ids]
    queries.insert_claims(session, ids, columns, shared)
    queries.insert_conditions(
        session,
        [
            {**c, "claim_id": claim_id}
            for claim_id, conds in zip(ids, conditions, strict=True)
            for c in conds
        ],
    )
    # The rows bypass the session: tell the audit trail they are new, and what they hold.
    afters = written_claim_snapshots(
        session.get_bind().dialect,
        ids,
        columns,
        shared,
        {"actor": refs.codes, "speaker": refs.codes, "initiative": refs.slugs},
        conditions,
    )
    audit.note_created(session, Claim, ids, afters)
    listed = [
        BulkDuplicate(row=row, claim=claim_id, duplicates=repeats[claim_id])
        for row, claim_id in enumerate(ids, start=1)
        if claim_id in repeats
    ][:DUPLICATES_LISTED]
    return BulkReport(
        created=len(ids),
        review_state=state.value,
        first_id=min(ids),
        last_id=max(ids),
        duplicate_count=len(repeats),
        duplicates=listed,
    )


def check_rows(
    parsed: "_Parsed", refs: "PreloadedReferences"
) -> tuple[dict[str, list[Any]], list[list[dict[str, str]]]]:
    """Every row's claim column values (VALUE_KEYS) and conditions, in the file's order; one
    InvalidInput naming each problem (line, field, message) if any row has one."""
    checker = _ColumnCheck(refs)
    parts: list[tuple[list[int], dict[str, list[Any]], list[list[dict[str, str]]]]] = []
    vouched = bytearray(parsed.count)
    for group in parsed.groups:
        indices = group.indices
        positions, values, conds = checker.rows(
            group.keys, group.columns, len(indices), group.strings
        )
        found = [indices[p] for p in positions]
        for index in found:
            vouched[index] = 1
        parts.append((found, values, conds))
    # Rows the columns do not vouch for, checked one at a time, in order.
    errors: list[FieldError] = []
    alone: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    stopped = False
    for index in compress(range(parsed.count), map(not_, vouched)):
        line = parsed.lines[index]
        try:
            alone[index] = _resolve_row(parsed.fields(index), refs)
        except _RowError as exc:
            errors.append(FieldError(exc.field, exc.message, line=line))
        except _RowErrors as exc:
            errors.extend(FieldError(f, m, line=line) for f, m in exc.errors)
        if len(errors) >= MAX_ERRORS:
            stopped = True
            break
    # The file could not be read past its last row: raised where reading row by row would.
    if parsed.failure is not None and not stopped:
        raise parsed.failure
    if errors:
        shown = sorted({int(str(e["line"])) for e in errors})
        raise InvalidInput(
            f"{len(errors)} problem(s) on {len(shown)} row(s), first on line {shown[0]}; "
            "nothing was imported.",
            errors=errors,
        )
    if not parsed.count:
        raise InvalidInput.field("body", "the file has no rows")
    if len(parts) == 1 and not alone:
        return parts[0][1], parts[0][2]
    return _merged(parts, alone)


def _merged(
    parts: list[tuple[list[int], dict[str, list[Any]], list[list[dict[str, str]]]]],
    alone: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]],
) -> tuple[dict[str, list[Any]], list[list[dict[str, str]]]]:
    """The rows of every part and the rows checked alone, in the file's order."""
    rows: dict[int, tuple[tuple[Any, ...], list[dict[str, str]]]] = {}
    for indices, values, conds in parts:
        for position, index in enumerate(indices):
            rows[index] = tuple(values[k][position] for k in VALUE_KEYS), conds[position]
    for index, (values_of_row, conds_of_row) in alone.items():
        rows[index] = tuple(values_of_row[k] for k in VALUE_KEYS), conds_of_row
    ordered = [rows[index] for index in sorted(rows)]
    columns = {key: [row[n] for row, _ in ordered] for n, key in enumerate(VALUE_KEYS)}
    return columns, [conds for _, conds in ordered]


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
        # The codes and slugs the claims' snapshots name their actors and initiative by.
        self.codes = {actor_id: code for code, (actor_id, _kind) in self._actors.items()}
        self.slugs = {initiative_id: slug for slug, initiative_id in self._initiatives.items()}

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
    """One row checked on its own: its claim values and conditions, or its problems."""
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
    if any(map(_linked, fields.conditions)):
        raise _RowErrors([("conditions", LINKED_CONDITION)])
    return values, [{"type": c.type.value, "text": c.text} for c in fields.conditions]


LINKED_CONDITION = (
    "a bulk file records conditions as type and text; link them to a milestone or a "
    "position with PATCH /api/v1/claims/{id} or the claim form"
)


def _linked(condition: Any) -> bool:
    return condition.milestone is not None or condition.requires is not None


# Reading the file: rows grouped by the keys they have, column by column.


@dataclass
class _Group:
    """Rows with the same keys: the keys, each key's values (one per row), the rows'
    indices in the file, and whether every value is a string (a CSV file's)."""

    keys: list[Any]
    columns: dict[Any, Sequence[Any]]
    indices: Sequence[int]
    strings: bool = False


@dataclass
class _Parsed:
    """A file's rows: their line numbers, the groups of rows with the same keys, each row
    as read_rows gives it, and what stopped the reading early (raised once the rows before
    it are checked)."""

    count: int = 0
    lines: Sequence[int] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    fields: Callable[[int], dict[str, Any]] = field(default=lambda _index: {})
    failure: Exception | None = None


def _parse(content: str, fmt: str) -> _Parsed:
    return _parse_csv(content) if fmt == "csv" else _parse_jsonl(content)


def _parse_csv(content: str) -> _Parsed:
    """The rows csv.DictReader (read_rows) gives, with the same line numbers (a row's last
    line, as DictReader counts: blank lines are skipped)."""
    parsed = _Parsed()
    reader = csv.reader(io.StringIO(content))
    try:
        header = next(reader)
        rows = list(reader)
    except StopIteration:
        return parsed
    except Exception:  # csv.Error: read again row by row, to stop where DictReader would
        rows = []
    if rows and reader.line_num == 1 + len(rows) and [] not in rows:
        # One line per row and no blank line: row n is on line n + 2.
        parsed.lines = range(2, len(rows) + 2)
    else:
        header, rows = _csv_rows_and_lines(content, parsed)
    parsed.count = len(rows)
    width = len(header)

    def fields(index: int) -> dict[str, Any]:
        row = rows[index]
        record: dict[Any, Any] = dict(zip(header, row, strict=False))
        if width < len(row):
            record[None] = row[width:]
        for key in header[len(row) :]:
            record[key] = None
        return record

    parsed.fields = fields
    if set(map(len, rows)) == {width}:
        whole: Sequence[int] = range(len(rows))
        values = list(zip(*rows, strict=True))
    else:
        whole = [n for n, row in enumerate(rows) if len(row) == width]
        values = list(zip(*(rows[n] for n in whole), strict=True))
    if whole and width:
        # A name given twice: the last column's values, as a dict made from the row keeps.
        where = {name: n for n, name in enumerate(header)}
        by_name: dict[Any, Sequence[Any]] = {name: values[n] for name, n in where.items()}
        parsed.groups.append(_Group(list(where), by_name, whole, strings=True))
    return parsed


def _csv_rows_and_lines(content: str, parsed: _Parsed) -> tuple[list[str], list[list[str]]]:
    """The header and rows, blank ones left out, each row's line number in parsed.lines,
    and what stopped the reading in parsed.failure."""
    reader = csv.reader(io.StringIO(content))
    header: list[str] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    parsed.lines = lines
    try:
        header = next(reader)
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
    except StopIteration:
        pass
    except Exception as exc:  # csv.Error: raised after the rows before it, as DictReader would
        parsed.failure = exc
    return header, rows


def _parse_jsonl(content: str) -> _Parsed:
    parsed = _Parsed()
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    parsed.lines = lines
    try:
        for row in read_rows(content, "jsonl"):
            records.append(row.fields)
            lines.append(row.line)
    except Exception as exc:  # deeper nesting than json can read: raised in its place
        parsed.failure = exc
    parsed.count = len(records)
    parsed.fields = records.__getitem__
    groups: dict[tuple[str, ...], list[int]] = {}
    for n, record in enumerate(records):
        groups.setdefault(tuple(record), []).append(n)
    for keys, indices in groups.items():
        columns: dict[Any, Sequence[Any]] = {k: [records[n][k] for n in indices] for k in keys}
        parsed.groups.append(_Group(list(keys), columns, indices))
    return parsed


# Checking rows column by column.

# Stands for a value the column checks cannot vouch for: its row is checked alone.
_INVALID: Any = object()
_is_invalid = partial(is_, _INVALID)
_PRESENT_NOT = ("", None)
# The fields a row gives under their own name.
_PLAIN_FIELDS = (
    "actor",
    "kind",
    "role",
    "initiative",
    "status",
    "stance",
    "limits",
    "certainty",
    "basis",
    "speaker",
    "reported_by",
    "stated_on",
    "note",
)
# The keys the column checks read (with DERIVED_COLUMNS, which a row may have and which
# are read past): a value under any other key is a field ClaimFields refuses.
_READ = {
    *_PLAIN_FIELDS,
    "source_id",
    "source_url",
    "conditional",
    "via",
    "evidence",
    "evidence_start",
    "evidence_end",
    "conditions",
    "condition_types",
    "quantity",
    "quantity_amount",
    "quantity_unit",
}
# Values that can be memo keys without two unequal raw values meeting as one key (True,
# 1 and 1.0 are equal keys: a column may hold one kind of number only).
_SCALARS = frozenset({str, int, float, bool, type(None)})
_NUMBERS = frozenset({int, float, bool})


def _present(value: Any) -> bool:
    # As _claim_shape reads a row: an empty string or a null is no value.
    return value not in _PRESENT_NOT


@cache
def _field_check(name: str) -> Callable[[Any], Any]:
    """A function that validates a raw value of one ClaimFields field as ClaimFields does:
    a model of that field alone, with ClaimFields' type, constraints and configuration
    (InputModel: stripped strings, no NUL). ClaimFields validates each field on its own (it
    has no model validator), so the value is the one ClaimFields gives; _INVALID where
    ClaimFields would refuse it."""
    info = ClaimFields.model_fields[name]
    fields: dict[str, Any] = {name: (info.annotation, info)}
    model = create_model(f"ClaimFields_{name}", __base__=InputModel, **fields)
    validate = model.model_validate

    def check(raw: Any) -> Any:
        try:
            return getattr(validate({name: raw}), name)
        except Exception:  # a ValidationError, or whatever the row's own check meets again
            return _INVALID

    return check


def _vouched(rule: Callable[..., Any], *, spread: bool = True) -> Callable[[Any], Any]:
    """A rule applied to a memo key (the values of one row's columns, spread as its
    arguments, or one column's value); _INVALID when it finds a problem or cannot run."""

    def apply(key: Any) -> Any:
        try:
            return rule(*key) if spread else rule(key)
        except Exception:  # the row's own check meets it again, and names it
            return _INVALID

    return apply


class _Memo(dict[Any, Any]):
    """A function's values, each computed once per distinct key; `refused`: whether any was
    _INVALID (else no row need be looked at for one)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = compute
        self.refused = False

    def compute(self, key: Any) -> Any:
        value = self.function(key)
        if value is _INVALID:
            self.refused = True
        return value

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


def _keyable(values: Sequence[Any]) -> bool:
    kinds = set(map(type, values))
    return kinds <= _SCALARS and len(kinds & _NUMBERS) <= 1


def _mapped(memo: _Memo, *columns: Sequence[Any], raw: bool = True) -> list[Any]:
    """The memo's function of each row's values in these columns: once per distinct
    combination where the values can be keys, else once per row. Raw values (a file's) are
    keys when no two unequal ones can meet as one; validated values (`raw=False`) are of
    their field's type, so they are keys whenever they can be hashed."""
    keyable = not raw or all(map(_keyable, columns))
    count = len(columns[0])
    if keyable and count and all(column.count(column[0]) == count for column in columns):
        # The same values in every row (a column a whole file shares): one look.
        key = columns[0][0] if len(columns) == 1 else tuple(column[0] for column in columns)
        try:
            return [memo[key]] * count
        except TypeError:  # an unhashable value
            pass
    keys: Sequence[Any] = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
    if keyable:
        try:
            return list(map(memo.__getitem__, keys))
        except TypeError:
            pass
    return list(map(memo.compute, keys))


class _ColumnCheck:
    """The column checks of one import: each memo lives as long as the import."""

    def __init__(self, refs: PreloadedReferences) -> None:
        self.refs = refs
        self.memos: dict[str, _Memo] = {}

    def memo(self, name: str, compute: Callable[[Any], Any]) -> _Memo:
        found = self.memos.get(name)
        if found is None:
            found = self.memos[name] = _Memo(compute)
        return found

    def rows(
        self, keys: Sequence[Any], raw: Mapping[Any, Sequence[Any]], count: int, strings: bool
    ) -> tuple[list[int], dict[str, list[Any]], list[list[dict[str, str]]]]:
        """Rows with these keys (raw[key]: each row's value; `strings`: every value is a
        string or None): the positions of those the columns vouch for, their claim values
        (VALUE_KEYS) and their conditions."""
        if not count or any(key not in _READ and key not in DERIVED_COLUMNS for key in keys):
            # An unknown key (or a row that is no object) has a value in some rows: those
            # rows are refused, and a column of empty values changes nothing.
            refused = [k for k in keys if k not in _READ and k not in DERIVED_COLUMNS]
            if "__error__" in refused or None in refused:
                return [], {}, []
            unknown = [list(map(_present, raw[k])) for k in refused]
        else:
            unknown = []
        given = {key: raw[key] for key in keys if key in _READ}
        absent = [None] * count
        # Strings (and None) are keys that never meet an unequal value: no need to look.
        mapped = partial(_mapped, raw=not strings)

        def field(name: str, compute: Callable[[Any], Any], *keys: str) -> list[Any]:
            memo = self.memo(f"field: {name}", _vouched(compute, spread=False))
            return mapped(memo, *(given.get(k, absent) for k in keys))

        f = {name: field(name, self.plain(name), name) for name in _PLAIN_FIELDS}
        f["conditional"] = field("conditional", self.conditional, "conditional")
        f["via"] = field("via", self.via, "via")
        f["evidence"] = field(
            "evidence", self.evidence, "evidence", "evidence_start", "evidence_end"
        )
        f["conditions"] = field("conditions", self.conditions, "conditions", "condition_types")
        f["quantity"] = field(
            "quantity", self.quantity, "quantity_amount", "quantity_unit", "quantity"
        )
        f["source_id"] = field("source_id", self.source_id, "source_id", "source_url")
        return self.ruled(f, count, unknown)

    def ruled(
        self, f: dict[str, list[Any]], count: int, unknown: list[list[bool]]
    ) -> tuple[list[int], dict[str, list[Any]], list[list[dict[str, str]]]]:
        """The claim rules on the validated fields: the rows that pass, and their values."""
        refs = self.refs
        has_conditions = list(map(bool, f["conditions"]))
        # Each column to look at for refused rows, with the memo that made it.
        checked = [(values, self.memos[f"field: {name}"]) for name, values in f.items()]

        def ruling(name: str, rule: Callable[..., Any], *columns: Sequence[Any]) -> list[Any]:
            memo = self.memo(f"rule: {name}", _vouched(rule, spread=len(columns) > 1))
            values = _mapped(memo, *columns, raw=False)
            checked.append((values, memo))
            return values

        ruling(
            "shape",
            _shape_ok,
            *(f[k] for k in ("kind", "role", "status", "stance", "initiative", "conditional")),
            has_conditions,
        )
        if f["speaker"].count(None) == count:
            # Without a speaker the day plays no part (check_actors reads it for offices).
            people = ruling("actors", partial(_actors, refs, None, None), f["actor"])
        else:
            people = ruling(
                "actors and speakers",
                partial(_actors, refs),
                f["speaker"],
                f["stated_on"],
                f["actor"],
            )
        initiative_ids = ruling("initiative", partial(_initiative, refs), f["initiative"])
        ruling("source", partial(_source, refs), f["source_id"], f["stated_on"])
        spans = ruling("evidence", partial(_span, refs), f["source_id"], f["evidence"])
        # A row is refused where any column holds _INVALID (a memo that never made one
        # vouches for its whole column).
        bad = bytearray(count)
        for column, memo in checked:
            if memo.refused:
                for n in compress(range(count), map(_is_invalid, column)):
                    bad[n] = 1
        for flags in unknown:
            for n in compress(range(count), flags):
                bad[n] = 1
        if any(bad):
            positions = list(compress(range(count), map(not_, bad)))
            if not positions:
                return [], {}, []
            pick = partial(_picked, positions)
            f = {name: pick(values) for name, values in f.items()}
            people, initiative_ids, spans, has_conditions = map(
                pick, (people, initiative_ids, spans, has_conditions)
            )
        else:
            positions = list(range(count))
        quantities = f["quantity"]
        values = {
            "actor_id": list(map(itemgetter(0), people)),
            "kind": _values(f["kind"], optional=False),
            "role": _values(f["role"]),
            "initiative_id": initiative_ids,
            "status": _values(f["status"]),
            "stance": _values(f["stance"]),
            "conditional": has_conditions,
            "limits": f["limits"],
            "quantity_amount": [None if q is None else q[0] for q in quantities],
            "quantity_unit": [None if q is None else q[1] for q in quantities],
            "certainty": _values(f["certainty"], optional=False),
            "basis": _values(f["basis"], optional=False),
            "speaker_id": list(map(itemgetter(1), people)),
            "reported_by": f["reported_by"],
            "via": list(map(list, f["via"])),
            "stated_on": f["stated_on"],
            "source_id": f["source_id"],
            "evidence_text": list(map(itemgetter(0), f["evidence"])),
            "evidence_start": list(map(itemgetter(0), spans)),
            "evidence_end": list(map(itemgetter(1), spans)),
            "note": f["note"],
        }
        return positions, values, f["conditions"]

    # Each field's raw value (or values) as ClaimFields validates it, as _claim_shape and
    # _resolve_row would give it: _INVALID where the row has a problem.

    @staticmethod
    def plain(name: str) -> Callable[[Any], Any]:
        info = ClaimFields.model_fields[name]
        default = _INVALID if info.is_required() else info.get_default(call_default_factory=True)
        check = _field_check(name)

        def value(given: Any) -> Any:
            return check(given) if _present(given) else default

        return value

    @staticmethod
    def conditional(given: Any) -> Any:
        if not _present(given):
            return None
        return _field_check("conditional")(_as_boolean(given))

    @staticmethod
    def via(given: Any) -> Any:
        return _field_check("via")(_split(given)) if _present(given) else []

    @staticmethod
    def evidence(key: tuple[Any, Any, Any]) -> Any:
        text, start, end = key
        if isinstance(text, dict):
            if _present(start) or _present(end):
                return _INVALID  # left in the row as fields ClaimFields refuses
            value: Any = text
        else:
            value = {"text": text} if _present(text) else {}
            if _present(start):
                value["start"] = start
            if _present(end):
                value["end"] = end
        evidence = _field_check("evidence")(value)
        if evidence is _INVALID:
            return _INVALID
        return evidence.text, evidence.start, evidence.end

    @staticmethod
    def conditions(key: tuple[Any, Any]) -> Any:
        given, types = key
        value = given if _present(given) else []
        if not (isinstance(value, list) and all(isinstance(c, dict) for c in value)):
            texts, names = _split(value), _split(types if _present(types) else None)
            if len(texts) != len(names):
                return _INVALID
            value = [{"type": t, "text": x} for t, x in zip(names, texts, strict=True)]
        conditions = _field_check("conditions")(value)
        if conditions is _INVALID or any(map(_linked, conditions)):
            return _INVALID
        return [{"type": c.type.value, "text": c.text} for c in conditions]

    @staticmethod
    def quantity(key: tuple[Any, Any, Any]) -> Any:
        amount, unit, given = key
        if _present(amount) or _present(unit):
            given = {
                "amount": amount if _present(amount) else None,
                "unit": unit if _present(unit) else None,
            }
        elif not _present(given):
            return None
        quantity = _field_check("quantity")(given)
        if quantity is _INVALID:
            return _INVALID
        return quantity.amount, quantity.unit

    def source_id(self, key: tuple[Any, Any]) -> Any:
        given, url = key
        if not _present(given) and _present(url):
            given = self.refs.source_by_url.get(str(url))
            if given is None:
                return _INVALID
        elif not _present(given):
            return _INVALID
        return _field_check("source_id")(given)


def _shape_ok(*fields: Any) -> Any:
    return _INVALID if check_shape(*fields) else True


def _actors(
    refs: PreloadedReferences, speaker: str | None, day: date | None, actor: str
) -> tuple[int, int | None]:
    actor_id, speaker_id, errors = check_actors(refs, actor, speaker, day)  # type: ignore[arg-type]
    if errors or actor_id is None:
        raise ValueError(errors)
    return actor_id, speaker_id


def _initiative(refs: PreloadedReferences, slug: str | None) -> int | None:
    initiative_id, errors = check_initiative(refs, slug)
    if errors:
        raise ValueError(errors)
    return initiative_id


def _source(refs: PreloadedReferences, source_id: int, day: date) -> SourceFacts:
    source, errors = check_source(refs, source_id, day)
    if errors or source is None:
        raise ValueError(errors)
    return source


def _span(
    refs: PreloadedReferences, source_id: int, evidence: tuple[str, int | None, int | None]
) -> tuple[int | None, int | None]:
    source = refs.source(source_id)
    if source is None:
        raise ValueError(source_id)
    start, end, errors = check_evidence(source, source_id, *evidence)
    if errors:
        raise ValueError(errors)
    return start, end


_OPTIONAL_VALUES = _Memo(lambda member: member.value if member else None)
_VALUES = _Memo(attrgetter("value"))


def _values(members: list[Any], *, optional: bool = True) -> list[Any]:
    """Codebook members as the values stored, as check_claim takes them (`x.value`, or
    `x.value if x else None` for an optional field)."""
    return list(map((_OPTIONAL_VALUES if optional else _VALUES).__getitem__, members))


def _picked(positions: list[int], values: Sequence[Any]) -> list[Any]:
    return [values[n] for n in positions]
