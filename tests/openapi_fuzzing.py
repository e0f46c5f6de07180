"""Schemathesis over the app's own OpenAPI document: the app in-process (ASGI) on a seeded
database of its own, every check, the examples, coverage, fuzzing and stateful phases,
anonymous or with an admin's bearer token. Used by tests/test_openapi_fuzz.py (bounded, in
`make test`) and bench/fuzz_api.py (`make fuzz`: longer, with a summary)."""

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config._checks import (
    MISSING_REQUIRED_HEADER_EXPECTED_STATUSES,
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
)
from schemathesis.engine import events
from schemathesis.engine import from_schema as engine_for
from schemathesis.engine.run import TESTING_PHASES
from schemathesis.engine.statistic import Statistic
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import queries as account_queries
from app.accounts import service as account_service
from app.accounts.models import User
from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.seed.loader import load_seed

FUZZ_USER = "fuzz-admin"
JSON_LINES = "application/x-ndjson"
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
SECRET_KEY = "fuzz-secret-key-" + "0" * 32

# Refusals that depend on the stored data or on several inputs at once, which no JSON
# Schema of the request can state: a schema-valid request may still be refused with 422
# (or 412), and positive_data_acceptance is told so for exactly these operations.
DATA_DEPENDENT_422 = [
    # A code, slug or id that names nothing stored (actor, group, initiative, source,
    # proposer); `stated_to` before `stated_from`.
    ("GET", "/api/v1/claims"),
    ("GET", "/api/v1/actors"),
    ("GET", "/api/v1/initiatives"),
    ("GET", "/api/v1/review"),
    # Unknown codes; `to` before `from`; a series of more points than the server draws;
    # a role and an initiative together, or neither (counts: exactly one of the two); a
    # cursor this server did not give out.
    ("GET", "/api/v1/positions"),
    ("GET", "/api/v1/positions/counts"),
    ("GET", "/api/v1/changes"),
    # The contested cells take the matrix's filters: the same unknown codes.
    ("GET", "/api/v1/contested"),
    # A needs answer assumes milestones by slug.
    ("GET", "/api/v1/initiatives/{slug}/needs"),
    # A snapshot's question names actors, initiatives, a group and milestones.
    ("POST", "/api/v1/snapshots"),
    # The audit trail: an unknown user; `to` not after `from`; a malformed moment.
    ("GET", "/api/v1/audit"),
    # Writes: the codebook's rules join fields and stored records (a claim's actor, role
    # or initiative, source and evidence span in the source's text; a state's ISO code;
    # a membership's group), and a text import's lines hold records to check.
    ("POST", "/api/v1/actors"),
    ("PATCH", "/api/v1/actors/{code}"),
    ("POST", "/api/v1/initiatives"),
    ("PATCH", "/api/v1/initiatives/{slug}"),
    # A milestone's states: a known source, evidence in its text, one state per date.
    ("POST", "/api/v1/milestones"),
    ("PATCH", "/api/v1/milestones/{slug}"),
    ("POST", "/api/v1/sources"),
    ("PATCH", "/api/v1/sources/{source_id}"),
    ("POST", "/api/v1/claims"),
    ("PATCH", "/api/v1/claims/{claim_id}"),
    ("POST", "/api/v1/claims/{claim_id}/accept"),
    ("POST", "/api/v1/claims/import"),
    ("POST", "/api/v1/import"),
    ("POST", "/api/v1/tokens"),
    ("PATCH", "/api/v1/users/{username}"),
    # Decisions name claims by id; a source to extract from must have a stored text.
    ("POST", "/api/v1/review/decisions"),
    ("POST", "/api/v1/sources/{source_id}/extract"),
    # A selection to read must lie within the source's stored text (and the source have one).
    ("GET", "/api/v1/sources/{source_id}/reading"),
]
# A write naming a version (If-Match) that is not the stored one gets 412: which version is
# current is data too.
IF_MATCH_WRITES = [
    ("PATCH", "/api/v1/actors/{code}"),
    ("PATCH", "/api/v1/initiatives/{slug}"),
    ("PATCH", "/api/v1/milestones/{slug}"),
    ("PATCH", "/api/v1/sources/{source_id}"),
    ("PATCH", "/api/v1/claims/{claim_id}"),
    ("POST", "/api/v1/claims/{claim_id}/retract"),
    ("POST", "/api/v1/claims/{claim_id}/accept"),
    ("POST", "/api/v1/claims/{claim_id}/reject"),
]
# Writes whose body names the versions they change (each decision's `version`): a version
# that is not the stored one gets 412, as a stale If-Match does.
BODY_VERSION_WRITES = [("POST", "/api/v1/review/decisions")]
# schemathesis's defaults for the checks configured below, which the overrides extend.
POSITIVE_DEFAULT = POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
NEGATIVE_DEFAULT = NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
MISSING_HEADER_DEFAULT = MISSING_REQUIRED_HEADER_EXPECTED_STATUSES


def _operation_overrides() -> list[dict[str, Any]]:
    overrides: list[dict[str, Any]] = [
        {
            # A text longer than the extractor reads is refused before it is read, with
            # 413 Content Too Large (documented): a refusal, as 422 would be.
            "include-name": "POST /api/v1/extract",
            "checks": {
                "negative_data_rejection": {"expected-statuses": [*NEGATIVE_DEFAULT, "413"]}
            },
        }
    ]
    for method, path in sorted(set(DATA_DEPENDENT_422) | set(IF_MATCH_WRITES)):
        stale_in_body = (method, path) in BODY_VERSION_WRITES
        positive = list(POSITIVE_DEFAULT)
        checks: dict[str, Any] = {"positive_data_acceptance": {"expected-statuses": positive}}
        if (method, path) in DATA_DEPENDENT_422:
            positive.append("422")
        if stale_in_body:
            positive.append("412")
        if (method, path) in IF_MATCH_WRITES:
            positive.append("412")
            # An If-Match that names no version (not the documented form) is refused as
            # a stale one is, 412; and the required If-Match, missing, is 428 Precondition
            # Required (RFC 6585), the status made for exactly that.
            checks["negative_data_rejection"] = {"expected-statuses": [*NEGATIVE_DEFAULT, "412"]}
            checks["missing_required_header"] = {
                "expected-statuses": [*MISSING_HEADER_DEFAULT, "428"]
            }
        overrides.append(
            # By name (the operation's label): filters by method and by path would be
            # alternatives, each taking more than this operation.
            {"include-name": f"{method} {path}", "checks": checks}
        )
    return overrides


@schemathesis.serializer(JSON_LINES)
def _json_lines(ctx: Any, value: Any) -> bytes:
    # The imports' bodies are JSON Lines text (the schema says: a string); anything else
    # (negative cases) goes as its JSON text.
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


def prepare_database(url: str, seed_text_dir: Path) -> None:
    """Migrate the database to head and load the seed (reference states, the seed data)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            load_seed(session, seed_text_dir)
    finally:
        engine.dispose()


def admin_token(session: Session) -> str:
    """A working bearer token of the fuzzing admin: the user made (again) an enabled admin,
    so that whatever the run changed (disabled it, took its role, revoked its tokens), the
    next request can be made as an admin."""
    user = account_queries.user_by_username(session, FUZZ_USER)
    if user is None:
        user = User(username=FUZZ_USER, display_name="Fuzz", role="admin", disabled=False)
        session.add(user)
    user.role = "admin"
    user.disabled = False
    session.flush()
    return account_service.create_token(session, FUZZ_USER, "fuzz").token


@dataclass
class FuzzResult:
    """What a run found: its unique failures and errors, and how much it tried."""

    label: str
    seconds: float
    cases: int
    operations: int
    failures: list[str] = field(default_factory=list)
    by_check: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    # (phase, operation, status code) of every answer.
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    def succeeded(self, phase: str) -> list[str]:
        """The operations that answered 2xx in this phase, with how often."""
        found: Counter[str] = Counter()
        for (name, operation, status), n in self.answers.items():
            if name == phase and 200 <= status < 300:
                found[operation] += n
        return [f"{operation} x{n}" for operation, n in sorted(found.items())]

    @property
    def ok(self) -> bool:
        """No failure and no error."""
        return not self.failures and not self.errors

    def summary(self) -> str:
        """A few lines for a person: the figures, then every failure and error."""
        phases = ", ".join(f"{name} {status}" for name, status in self.phases.items())
        lines = [
            f"{self.label}: {len(self.failures)} failures, {len(self.errors)} errors; "
            f"{self.cases} cases over {self.operations} operations in {self.seconds:.1f} s "
            f"({phases})"
        ]
        lines += [f"  {check}: {n}" for check, n in sorted(self.by_check.items())]
        if self.phases.get("stateful", "skip") != "skip":
            lines.append("  stateful, answered 2xx: " + ", ".join(self.succeeded("stateful")))
        lines += [f"  FAILURE {f}" for f in self.failures]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)


def run_schemathesis(
    settings: Settings,
    *,
    label: str,
    authenticated: bool,
    phases: tuple[str, ...] = ALL_PHASES,
    max_examples: int = 20,
    max_steps: int = 20,
    seed: int = 1,
) -> FuzzResult:
    """Run schemathesis's engine over the app built from `settings` (its database
    prepared), with every check, and collect its unique failures and errors."""
    app = create_app(settings)
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "cache": {"enabled": False},
            "checks": {"enabled": True},
            "phases": {
                name: (
                    {"enabled": name in phases, "max-steps": max_steps}
                    if name == "stateful"
                    else {"enabled": name in phases}
                )
                for name in ALL_PHASES
            },
            "generation": {"max-examples": max_examples, "database": "none"},
            "operations": _operation_overrides(),
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    if authenticated:
        _authenticate(schema, app.state.session_factory)
    started = time.monotonic()
    try:
        statistic, answers, errors, phase_status = _run(schema)
    finally:
        app.state.engine.dispose()
    result = FuzzResult(
        label=label,
        seconds=time.monotonic() - started,
        cases=statistic.total_cases,
        operations=len(statistic.tested_operations),
        errors=errors,
        phases=phase_status,
        answers=answers,
    )
    for operation, grouped in sorted(statistic.failures.items()):
        for group in grouped.values():
            for failure in group.failures:
                result.by_check[failure.title] += 1
                sample = f"\n      {group.code_sample}" if group.code_sample else ""
                result.failures.append(
                    f"{operation}: {failure.title}: {failure.message.strip()}{sample}"
                )
    return result


def _authenticate(schema: Any, factory: Any) -> None:
    """Send the fuzzing admin's bearer token with every request."""

    def fresh_token() -> str:
        with factory() as session, session.begin():
            return admin_token(session)

    # A fresh token at the start, and again (the request then sent once more) when a
    # request is refused for it: the run may revoke the token, disable the user or
    # lower its role, and admin_token makes it an enabled admin again.
    @schema.auth(retry_on=[401, 403])
    class AdminToken:
        """The fuzzing admin's bearer token."""

        def get(self, case: Any, ctx: Any) -> str:
            return fresh_token()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _run(
    schema: Any,
) -> tuple[Statistic, Counter[tuple[str, str, int]], list[str], dict[str, str]]:
    """Run the engine: its statistic, the statuses answered per phase and operation, the
    errors, and each testing phase's outcome."""
    statistic = Statistic()
    answers: Counter[tuple[str, str, int]] = Counter()
    errors: list[str] = []
    phase_status: dict[str, str] = {}
    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            statistic.on_scenario_finished(event.recorder)
            for case_id, case in event.recorder.cases.items():
                interaction = event.recorder.interactions.get(case_id)
                if interaction is not None and interaction.response is not None:
                    key = (event.phase.value, case.value.operation.label)
                    answers[(*key, interaction.response.status_code)] += 1
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.PhaseFinished) and event.phase.name in TESTING_PHASES:
            phase_status[event.phase.name.value] = event.status.value
    return statistic, answers, errors, phase_status
