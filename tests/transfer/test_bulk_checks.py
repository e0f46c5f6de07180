"""The bulk import checks rows column by column: every row must get the verdict, values and
messages the row-by-row check (`_resolve_row`, check_claim) gives it."""

import csv
import io
import json
import random
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.errors import FieldError, InvalidInput
from app.transfer import bulk
from app.transfer.bulk import (
    MAX_ERRORS,
    VALUE_KEYS,
    PreloadedReferences,
    _ColumnCheck,
    _parse,
    _resolve_row,
    _RowError,
    _RowErrors,
    check_rows,
    read_rows,
)
from app.transfer.queries import bulk_references
from tests.factories import make_actor, make_initiative, make_source

TEXT = "Source text. The United Kingdom is ready to send troops. London agrees."
COLUMNS = [
    "actor",
    "kind",
    "role",
    "status",
    "stance",
    "initiative",
    "basis",
    "certainty",
    "stated_on",
    "source_id",
    "source_url",
    "evidence",
    "evidence_start",
    "evidence_end",
    "condition_types",
    "conditions",
    "conditional",
    "via",
    "quantity_amount",
    "quantity_unit",
    "limits",
    "note",
    "reported_by",
    "speaker",
    "review_state",
    "actor_name",
    "extra",
]


def references(session: Session) -> dict[str, Any]:
    """Actors of each kind, a person with an office for a while, an initiative, and
    sources with and without text."""
    make_actor(session, "GB")
    make_actor(session, "FR")
    make_actor(session, "NATO", kind="organization", name="NATO")
    make_actor(
        session,
        "keir-starmer",
        kind="person",
        name="Keir Starmer",
        affiliations=[
            {
                "actor": "GB",
                "office": "Prime Minister",
                "from_on": "2024-07-05",
                "until_on": "2025-08-19",
            }
        ],
    )
    make_initiative(session, "peace-framework")
    texted = make_source(session, text=TEXT, url="https://example.org/texted")
    textless = make_source(session, text=None, title="Radio", url="https://example.org/radio")
    return {"texted": texted.id, "textless": textless.id}


def pools(ids: dict[str, int]) -> dict[str, tuple[list[Any], list[Any]]]:
    """Each column's (good, other) raw values: valid ones, and every kind of trouble."""
    texted, textless = str(ids["texted"]), str(ids["textless"])
    start = TEXT.index("ready to send troops")
    return {
        "actor": (
            ["GB", "FR", " GB "],
            ["", "XX", "gb", "keir-starmer", "G\x00B", "\u00a0FR\u00a0", "\x1fGB", "NATO"],
        ),
        "kind": (["commitment", "stance"], ["", "Commitment", " stance", "other"]),
        "role": (["ground_forces", "", "air_cover"], ["flying", " sanctions", "GROUND_FORCES"]),
        "status": (["willing", "", "pledged"], ["bogus", " active "]),
        "stance": (["", "supports", "conditional"], ["nah", " rejects"]),
        "initiative": (["", "peace-framework"], ["unknown-one", " peace-framework ", " "]),
        "basis": (["statement", "report"], ["", "x", " plan"]),
        "certainty": (["", "high", "low"], ["sure", "HIGH"]),
        "stated_on": (
            ["2025-08-19", "2025-08-01", "2024-12-31"],
            ["", "2030-01-01", "19/08/2025", "2025-02-30", "2025-08-19T00:00:00", " 2025-08-19"],
        ),
        "source_id": ([texted, texted, textless, ""], ["999999", "abc", "0", f" {texted} ", "1.5"]),
        "source_url": (
            ["", "https://example.org/texted"],
            ["https://example.org/radio", "https://nowhere.example"],
        ),
        "evidence": (
            ["ready to send troops", "London agrees"],
            ["", "not in the text", " London agrees ", "ready\x00", "x" * 5001],
        ),
        "evidence_start": ([""], [str(start), "0", "abc", "-1"]),
        "evidence_end": ([""], [str(start + 20), "5", "", "99999999999"]),
        "condition_types": (["", "ceasefire"], ["ceasefire;us_backstop", "bogus", ";"]),
        "conditions": (["", "once a ceasefire holds"], ["a;b", "x" * 2001, ";", "a\x00"]),
        "conditional": ([""], ["true", "yes", "no", "TRUE", " 1 ", "0", "maybe"]),
        "via": (["", "Reuters; AP"], [";", " ; Reuters ;", "A\x00", "ÜPI;  "]),
        "quantity_amount": (
            [""],
            [
                *("5000", "-0", "0", "0.0001", "1E+3", "12.50", "abc", "1.23456", "-1"),
                *("1e400", "99999999999999.9999", "999999999999999999999", "NaN", "Infinity"),
            ],
        ),
        "quantity_unit": ([""], ["troops", "", " ", "u" * 65]),
        "limits": (["", "no combat role"], ["x" * 2001, "\x00", "  "]),
        "note": (["", "n"], ["\x00", " spaced "]),
        "reported_by": (["", "BBC"], ["r" * 201]),
        "speaker": ([""], ["keir-starmer", "GB", "nobody", " keir-starmer "]),
        "review_state": ([""], ["accepted", "whatever"]),
        "actor_name": ([""], ["United Kingdom"]),
        "extra": ([""], ["surprise"]),
    }


def generated_rows(ids: dict[str, int], count: int, seed: int) -> list[dict[str, Any]]:
    """Rows that are mostly valid, each field now and then one of the troubles."""
    rng = random.Random(seed)
    table = pools(ids)
    rows = []
    for _ in range(count):
        row = {}
        for name in COLUMNS:
            good, other = table[name]
            row[name] = rng.choice(other if rng.random() < 0.04 else good)
        if row["kind"] == "stance":
            row.update(role="", status="", initiative="peace-framework", stance="supports")
            if rng.random() < 0.05:
                row["role"] = "air_cover"
        if rng.random() < 0.3:
            row["condition_types"], row["conditions"] = "ceasefire", "once a ceasefire holds"
        rows.append(row)
    return rows


def csv_of(rows: list[dict[str, Any]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = header or COLUMNS
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def row_by_row(content: str, fmt: str, refs: PreloadedReferences) -> Any:
    """The import's check as it was, one row at a time: (values, conditions) of each row,
    or the InvalidInput it raised."""
    errors: list[FieldError] = []
    claims, conditions = [], []
    for row in read_rows(content, fmt):
        try:
            values, conds = _resolve_row(row.fields, refs)
        except _RowError as exc:
            errors.append(FieldError(exc.field, exc.message, line=row.line))
        except _RowErrors as exc:
            errors.extend(FieldError(f, m, line=row.line) for f, m in exc.errors)
        else:
            claims.append({k: v for k, v in values.items() if k != "review_state"})
            conditions.append(conds)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        shown = sorted({int(str(e["line"])) for e in errors})
        return (
            f"{len(errors)} problem(s) on {len(shown)} row(s), first on line {shown[0]}; "
            "nothing was imported.",
            errors,
        )
    if not claims:
        return ("the file has no rows", [])
    return claims, conditions


def by_columns(content: str, fmt: str, refs: PreloadedReferences) -> Any:
    """The import's check now, in the shape row_by_row gives."""
    try:
        columns, conditions = check_rows(_parse(content, fmt), refs)
    except InvalidInput as exc:
        if exc.errors and exc.errors[0].get("field") == "body":
            return ("the file has no rows", [])
        return (exc.detail, list(exc.errors))
    count = len(conditions)
    claims = [{k: columns[k][n] for k in VALUE_KEYS} for n in range(count)]
    return claims, conditions


def outcome(check: Any, *args: Any) -> Any:
    """What the check gives, or the error it raises (a file csv cannot read)."""
    try:
        return check(*args)
    except csv.Error as exc:
        return ("raised", str(exc))


def vouched_rows_match(content: str, fmt: str, refs: PreloadedReferences) -> int:
    """Every row the columns vouch for is valid alone, with the same values; returns how
    many rows they vouched for."""
    parsed = _parse(content, fmt)
    checker = _ColumnCheck(refs)
    vouched = 0
    for group in parsed.groups:
        positions, values, conds = checker.rows(
            group.keys, group.columns, len(group.indices), group.strings
        )
        for n, position in enumerate(positions):
            index = group.indices[position]
            alone, alone_conds = _resolve_row(parsed.fields(index), refs)
            assert {k: values[k][n] for k in VALUE_KEYS} == {
                k: v for k, v in alone.items() if k != "review_state"
            }, parsed.lines[index]
            assert conds[n] == alone_conds
            # Same types too: a row's values reach the database as they would alone.
            assert [type(values[k][n]) for k in VALUE_KEYS] == [type(alone[k]) for k in VALUE_KEYS]
        vouched += len(positions)
    return vouched


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_csv_rows_checked_by_column_get_what_each_row_gets_alone(
    session: Session, seed: int
) -> None:
    ids = references(session)
    refs = PreloadedReferences(bulk_references(session))
    rows = generated_rows(ids, 600, seed)
    content = csv_of(rows)
    assert by_columns(content, "csv", refs) == row_by_row(content, "csv", refs)
    assert vouched_rows_match(content, "csv", refs) > 100
    # Only the valid rows: the import goes through, with the same values.
    parsed = row_by_row(content, "csv", refs)
    assert isinstance(parsed[1], list)
    good = [
        row
        for row, line in zip(rows, range(2, len(rows) + 2), strict=True)
        if line not in {e["line"] for e in parsed[1]}
    ]
    content = csv_of(good)
    found = by_columns(content, "csv", refs)
    assert found == row_by_row(content, "csv", refs)
    assert len(found[0]) == len(good)


@pytest.mark.parametrize("seed", [4, 5])
def test_json_lines_rows_checked_by_column_get_what_each_row_gets_alone(
    session: Session, seed: int
) -> None:
    ids = references(session)
    refs = PreloadedReferences(bulk_references(session))
    rng = random.Random(seed)
    records: list[Any] = []
    for row in generated_rows(ids, 400, seed):
        record: dict[str, Any] = {k: v for k, v in row.items() if v != "" or rng.random() < 0.2}
        # JSON's own types, and the nested shapes an export or a script writes.
        if rng.random() < 0.3 and record.get("source_id", "").strip().isdigit():
            record["source_id"] = int(record["source_id"])
        if rng.random() < 0.2:
            record["conditional"] = rng.choice([True, False, None, 1, 0, "yes", 1.0])
        if rng.random() < 0.3 and "evidence" in record:
            text = record.pop("evidence")
            record["evidence"] = {"text": text}
            if rng.random() < 0.2:
                record["evidence"]["start"] = rng.choice([0, 35, "35", None, True])
        if rng.random() < 0.3 and record.get("conditions"):
            types, texts = record.pop("condition_types", ""), record.pop("conditions")
            record["conditions"] = [{"type": types or "other", "text": texts}]
        if rng.random() < 0.1:
            record["via"] = rng.choice([["Reuters", "AP"], [1, 2], [], "AP", None, {"x": 1}])
        if rng.random() < 0.1:
            record["quantity"] = rng.choice(
                [{"amount": "5000", "unit": "troops"}, {"amount": 5000, "unit": "t"}, "5", None]
            )
        if rng.random() < 0.05:
            record["source_id"] = rng.choice([True, 1.0, 1, "1", [1], None])
        if rng.random() < 0.05:
            record["actor"] = rng.choice([1, None, ["GB"], {"code": "GB"}, True])
        records.append(record)
    lines = [json.dumps(r) for r in records]
    lines[7] = "{not json"
    lines[11] = "[1, 2]"
    lines.insert(13, "   ")
    content = "\n".join(lines)
    assert by_columns(content, "jsonl", refs) == row_by_row(content, "jsonl", refs)
    assert vouched_rows_match(content, "jsonl", refs) > 50


def test_csv_files_of_every_shape_are_read_as_row_by_row(session: Session) -> None:
    # Headers that lack columns, repeat a name or name an unknown one; short and long
    # rows; blank lines and quoted line breaks (line numbers as csv.DictReader counts).
    ids = references(session)
    refs = PreloadedReferences(bulk_references(session))
    good = generated_rows(ids, 30, 7)
    header = ["actor", "kind", "role", "status", "basis", "stated_on", "source_id", "evidence"]
    shapes = [
        csv_of(good, header),
        csv_of(good, [*header, "actor"]),
        csv_of(good, [*header, "bogus"]),
        csv_of(good, ["evidence", *header]),
        csv_of(good, header).replace("\r\n", "\n\n", 5),
        csv_of(good, header) + "\r\n\r\n",
        csv_of(good, header).replace(",willing,", ",willing,extra,", 2),
        csv_of(good, header).replace(",willing,", ",", 1),
        csv_of(good, [*header, "note"]).replace(",\r\n", ',"two\nlines"\r\n', 3),
        "\r\n" + csv_of(good, header),
        '"actor\nname",kind\r\nGB,commitment\r\n',
        ",".join(header) + "\r\n",
        "",
        csv_of(good, header).replace("GB,", 'G"B,', 1),
        csv_of(good, header).replace("\r\n", "\r"),
        csv_of(good, header).replace("\r\n", "\n"),
        csv_of(good, header) + '"unclosed',
    ]
    for content in shapes:
        found = outcome(by_columns, content, "csv", refs)
        assert found == outcome(row_by_row, content, "csv", refs), content[:80]


def test_a_file_that_cannot_be_read_to_its_end_fails_where_reading_row_by_row_fails(
    session: Session,
) -> None:
    # A row after more than MAX_ERRORS bad rows is never reached; before them it is.
    ids = references(session)
    refs = PreloadedReferences(bulk_references(session))
    csv.field_size_limit(1000)
    try:
        bad = [{**row, "actor": "XX"} for row in generated_rows(ids, 3, 8)]
        huge = {**bad[0], "note": "n" * 2000}
        raised = []
        for rows in ([*bad, huge], [*bad * (MAX_ERRORS // 3 + 1), huge]):
            content = csv_of(rows)
            expected = outcome(row_by_row, content, "csv", refs)
            assert outcome(by_columns, content, "csv", refs) == expected
            raised.append(expected[0] == "raised")
        assert raised == [True, False]
    finally:
        csv.field_size_limit(131072)


def test_an_import_with_any_bad_row_writes_nothing_and_names_rows_as_before(
    session: Session,
) -> None:
    from sqlalchemy import func, select

    from app.claims.models import Claim

    ids = references(session)
    refs = PreloadedReferences(bulk_references(session))
    content = csv_of(generated_rows(ids, 200, 9))
    before = session.scalar(select(func.count()).select_from(Claim))
    expected = row_by_row(content, "csv", refs)
    with pytest.raises(InvalidInput) as caught:
        bulk.import_claims(session, content, "csv")
    assert (caught.value.detail, list(caught.value.errors)) == expected
    assert session.scalar(select(func.count()).select_from(Claim)) == before


def test_each_column_value_is_validated_by_claimfields_rules() -> None:
    # The one-field models validate as ClaimFields does, whitespace and NUL included.
    from app.transfer.bulk import _INVALID, _field_check

    assert _field_check("actor")(" GB ") == "GB"
    assert _field_check("actor")("  ") is _INVALID
    assert _field_check("note")("a\x00b") is _INVALID
    assert _field_check("stated_on")("2025-08-19") == date(2025, 8, 19)
    assert _field_check("kind")("stance").value == "stance"
    assert _field_check("source_id")("0") is _INVALID
