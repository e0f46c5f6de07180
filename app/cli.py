"""The `posture` command: serve, migrate, seed, import, export, extract and ingest."""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import audit, migrate
from app.accounts import service as accounts
from app.accounts.schemas import UserCreate, UserUpdate
from app.config import get_settings
from app.db import make_engine, make_session_factory
from app.errors import AppError
from app.extraction.schemas import ProposedClaim
from app.ops.serving import metrics_folder, uvicorn_log_config

# Imported where used, not here: these load the claims service and the codebook's
# engine (app.seed.loader, app.transfer.*), spaCy (app.extraction.service) or psycopg
# (app.ops.backup), which would make every `posture --help` wait for them.

app = typer.Typer(
    help="Posture: who commits to which role, as of any date.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Accounts: add, list, disable, change roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="API bearer tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@contextmanager
def _engine(database_url: str | None = None) -> Iterator[Engine]:
    """An engine on the database (the configured one by default), disposed of at the end."""
    engine = make_engine(database_url or get_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _sessions(database_url: str | None = None, *, writes: bool) -> Iterator[sessionmaker[Session]]:
    """Sessions on the database, with the audit trail on; `writes` for every command that
    writes (on SQLite its transactions take the write lock at BEGIN, as the app's do)."""
    audit.install()
    with _engine(database_url) as engine:
        yield make_session_factory(engine, writes=writes)


@contextmanager
def _database(
    database_url: str | None = None,
    *,
    writes: bool,
    agent: str | None = "cli",
    failure: str = "error",
) -> Iterator[Session]:
    """One transaction on the database, committed when the block ends.

    What it writes is recorded in the audit trail as done by `agent`. An AppError rolls it
    back, is reported as `<failure>: <detail>` with one line per field, and exits with 1.
    """
    try:
        with _sessions(database_url, writes=writes) as factory, factory.begin() as session:
            if agent is not None:
                session.info["audit_agent"] = agent
            yield session
    except AppError as exc:
        _report_failure(failure, exc)
        raise typer.Exit(1) from None


def _report_failure(failure: str, exc: AppError) -> None:
    typer.echo(f"{failure}: {exc.detail}", err=True)
    for error in exc.errors:
        where = f"line {error['line']}: " if "line" in error else ""
        typer.echo(f"  {where}{error['field']}: {error['message']}", err=True)


def _console() -> Console:
    """Standard error, for reports and progress."""
    # Report lines are read by people and by scripts (grep, logs): never hard-wrap them
    # at the terminal width, and never let rich read a file name as markup.
    return Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def _progress(
    *columns: ProgressColumn, console: Console | None = None, disable: bool = False
) -> Progress:
    """A progress display on standard error: shown on a terminal only, and gone when done
    (elsewhere the commands print their usual report lines, nothing more)."""
    console = console or _console()
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # Off the terminal, a stopped display would still leave an empty line.
        disable=disable or not console.is_terminal,
    )


def _seed(database_url: str) -> None:
    from app.seed.loader import load_seed

    with _database(database_url, writes=True, agent=None) as session:
        report = load_seed(session, get_settings().seed_text_dir)
    typer.echo(
        f"seed: added {report.total()} records ({report.states} states, "
        f"{report.actors} actors, {report.initiatives} initiatives, "
        f"{report.sources} sources, {report.milestones} milestones, {report.claims} claims)",
        err=True,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[bool, typer.Option(help="Load the seed into a new database.")] = True,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Worker processes; more than one wants PostgreSQL."),
    ] = 1,
    migrate_first: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate (and seed a new database) before serving; --no-migrate when a "
            "release step runs `posture db upgrade` once for every server.",
        ),
    ] = True,
) -> None:
    """Migrate the database (seeding it when new), then serve the API.

    Each worker builds the app from the environment (app.main:create_app), logs one JSON
    line per request on stdout, and shares its metrics through PROMETHEUS_MULTIPROC_DIR.
    """
    settings = get_settings()
    if migrate_first:
        with _engine(settings.database_url) as engine:
            is_new = migrate.current_revision(engine) is None
        migrate.upgrade(settings.database_url)
        if is_new and seed:
            _seed(settings.database_url)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        typer.echo(
            f"warning: {workers} workers on SQLite: one writer at a time, so writes queue "
            "and one that waits over 5 s gets 503 (retry); use PostgreSQL",
            err=True,
        )
    with metrics_folder(workers, settings.metrics):
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=uvicorn_log_config(),
        )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up (to head by default)."""
    migrate.upgrade(get_settings().database_url, revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to a revision."""
    migrate.downgrade(get_settings().database_url, revision)


@app.command()
def seed() -> None:
    """Load the reference states and the seed dataset (adds only what is missing)."""
    _seed(get_settings().database_url)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import a JSON Lines export: every line applies, or none does.

    On a terminal, a bar follows the file as its lines are read and checked, then
    "writing N records" shows while they are written.
    """
    from app.transfer.service import import_lines

    with (
        _database(writes=True, failure="import failed") as session,
        file.open(encoding="utf-8") as f,
        _progress(BarColumn(), DownloadColumn()) as progress,
    ):
        size = file.stat().st_size
        task = progress.add_task(f"checking {file.name}", total=size)

        def lines() -> Iterator[str]:
            count = 0
            for line in f:
                count += 1
                progress.advance(task, len(line.encode()))
                yield line
            # The service has read and checked every line: it writes them now.
            progress.update(task, visible=False)
            progress.add_task(f"writing {count} records", total=None, completed=size)

        report = import_lines(session, lines())
    typer.echo(f"imported: created {report.created}, updated {report.updated}", err=True)


@app.command("import-claims")
def import_claims(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    format: Annotated[str, typer.Option(help="csv or jsonl; by default from the suffix.")] = "",
    accept: Annotated[bool, typer.Option(help="Import as accepted instead of proposed.")] = False,
) -> None:
    """Bulk-import claims from CSV or JSON Lines: every row is checked, all apply or none.

    On a terminal, a spinner with the elapsed time shows the phase: reading the file, then
    checking and writing its rows (one call of the bulk import, which reports no progress).
    """
    from app.transfer.bulk import import_claims as bulk_import

    fmt = format or ("jsonl" if file.suffix in (".jsonl", ".ndjson") else "csv")
    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter("format must be csv or jsonl", param_hint="--format")
    with (
        _database(writes=True, failure="import failed") as session,
        _progress() as progress,
    ):
        task = progress.add_task(f"reading {file.name}", total=None)
        content = file.read_text(encoding="utf-8")
        progress.update(task, description=f"checking and writing the rows of {file.name}")
        report = bulk_import(session, content, fmt, accept=accept)
    typer.echo(
        f"imported {report.created} claims as {report.review_state} "
        f"(ids {report.first_id}-{report.last_id})",
        err=True,
    )


@app.command()
def export(
    file: Annotated[Path | None, typer.Argument(help="Output file; stdout when absent.")] = None,
) -> None:
    """Export the whole database as JSON Lines.

    On a terminal, a spinner counts the lines written (not when they go to the terminal).
    """
    from app.transfer.service import export_lines

    # Lines written to the terminal itself would tangle with the progress display.
    to_terminal = file is None and sys.stdout.isatty()
    columns = TextColumn("{task.completed} lines")
    with (
        _database(writes=False, agent=None) as session,
        _progress(columns, disable=to_terminal) as progress,
    ):
        task = progress.add_task("exporting", total=None)
        out = file.open("w", encoding="utf-8") if file else sys.stdout
        try:
            for line in export_lines(session):
                out.write(line)
                progress.advance(task)
        finally:
            if file:
                out.close()


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file (replaced if it exists).")],
) -> None:
    """Back up the whole database while Posture runs (SQLite: a copy; PostgreSQL: pg_dump).

    On a terminal, a spinner with the elapsed time shows while it runs.
    """
    from app.ops import backup as backups

    try:
        with _progress() as progress:
            progress.add_task(f"backing up to {path}", total=None)
            result = backups.backup(get_settings().database_url, path)
    except backups.BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backup: {result.describe()}", err=True)


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `posture backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace a database holding claims.")] = False,
) -> None:
    """Replace the database's contents with a backup, then migrate it to this version."""
    from app.ops import backup as backups

    try:
        result = backups.restore(get_settings().database_url, path, replace=yes)
    except backups.BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restore: {result.describe()}", err=True)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _user_data(**fields: object) -> dict[str, object]:
    return {k: v for k, v in fields.items() if v is not None}


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Lowercase letters, digits, '.', '_', '-'.")],
    role: Annotated[str, typer.Option(help="viewer, editor, reviewer or admin.")] = "viewer",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the dashboard.")] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input (one line).")
    ] = False,
    no_password: Annotated[
        bool, typer.Option(help="No password: the user can only use API tokens.")
    ] = False,
) -> None:
    """Add a user; the password is asked for (twice) unless --password-stdin."""
    password = None if no_password else _read_password(password_stdin)
    with _database(writes=True) as session:
        data = _validated(
            UserCreate,
            _user_data(username=username, role=role, display_name=display_name, password=password),
        )
        user = accounts.create_user(session, data)
        typer.echo(f"added {user.username} ({user.role})", err=True)


def _validated(model: Any, data: dict[str, object]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = ".".join(str(p) for p in error["loc"]) or "input"
            typer.echo(f"error: {field}: {error['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(1) from None


@users_app.command("list")
def users_list() -> None:
    """Every user: username, role, whether disabled, display name."""
    with _database(writes=False) as session:
        for user in accounts.all_users(session):
            state = "disabled" if user.disabled else "enabled"
            typer.echo(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")


def _update_user(username: str, **changes: object) -> None:
    with _database(writes=True) as session:
        user = accounts.update_user(session, username, _validated(UserUpdate, changes))
        state = "disabled" if user.disabled else "enabled"
        typer.echo(f"{user.username}: {user.role}, {state}", err=True)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: its sessions end and its tokens stop working at once."""
    _update_user(username, disabled=True)


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    _update_user(username, disabled=False)


@users_app.command("set-role")
def users_set_role(
    username: str,
    role: Annotated[str, typer.Argument(help="viewer, editor, reviewer or admin.")],
) -> None:
    """Change a user's role."""
    _update_user(username, role=role)


@users_app.command("set-password")
def users_set_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input (one line).")
    ] = False,
) -> None:
    """Set a user's password (its dashboard sessions end)."""
    _update_user(username, password=_read_password(password_stdin))


@tokens_app.command("create")
def tokens_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create an API token for a user and print it: it is shown this once only."""
    with _database(writes=True) as session:
        created = accounts.create_token(session, username, name)
    typer.echo(created.token)
    typer.echo(
        f"token {created.id} ({created.prefix}…) for {created.username}: "
        "keep it now, it cannot be shown again",
        err=True,
    )


@tokens_app.command("list")
def tokens_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """API tokens: id, prefix, user, name, created, last used, revoked."""
    with _database(writes=False) as session:
        for token in accounts.all_tokens(session, username):
            used = token.last_used_at.isoformat() if token.last_used_at else "never used"
            revoked = f"revoked {token.revoked_at.isoformat()}" if token.revoked_at else "active"
            typer.echo(
                f"{token.id}\t{token.prefix}…\t{token.user.username}\t{token.name}\t"
                f"{token.created_at.isoformat()}\t{used}\t{revoked}"
            )


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    with _database(writes=True) as session:
        token = accounts.revoke_token(session, token_id)
        typer.echo(f"token {token.id} ({token.prefix}…) of {token.user.username} revoked", err=True)


def _publication_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


PublishedOn = Annotated[
    str, typer.Option("--published-on", help="Publication date of the text (YYYY-MM-DD).")
]


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A UTF-8 text.")],
    published_on: PublishedOn,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"claims": [...]} as the API returns it.')
    ] = False,
    outlet: Annotated[str | None, typer.Option(help="The outlet that published it.")] = None,
) -> None:
    """Propose the claims a news text supports (nothing is stored).

    A text in a language the rules cannot read (they read English) is said so, with exit
    status 1.
    """
    from app.extraction.schemas import ExtractRequest
    from app.extraction.service import extract_claims

    day = _publication_date(published_on)
    text = file.read_text(encoding="utf-8")
    with _database(writes=False, agent=None) as session:
        answer = extract_claims(
            session, ExtractRequest.model_construct(text=text, published_on=day, outlet=outlet)
        )
    if as_json:
        body = answer.model_dump(mode="json")
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print_claims(answer.claims)
    if answer.message:
        typer.echo(f"{file}: {answer.message}", err=True)
    if not answer.readable:
        raise typer.Exit(1)


def _print_claims(claims: list[ProposedClaim]) -> None:
    for c in claims:
        what = c.role or c.initiative or ""
        rung = c.status or c.stance or ""
        conditions = ", ".join(x.type for x in c.conditions)
        details = ", ".join(
            x for x in (c.basis, c.certainty, str(c.stated_on), conditions, c.speaker) if x
        )
        typer.echo(f"{c.actor} {what} {rung} ({details})")
        typer.echo(f"    [{c.evidence.start}:{c.evidence.end}] {c.evidence.text}")


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(exists=True, help="A text file, or a folder of *.txt.")],
    published_on: PublishedOn,
    outlet: Annotated[str | None, typer.Option(help="The outlet that published them.")] = None,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Propose claims for texts already stored too, into their source (after the "
            "rules improved, say); claims the source already has are skipped.",
        ),
    ] = False,
) -> None:
    """Store texts as sources with their proposed claims (review_state `proposed`).

    A text already stored is skipped and reported (with --again, its claims are proposed
    again, skipping duplicates); a proposed claim the claims service refuses, or one that
    repeats a claim of the source, is skipped with a warning. A text the rules cannot read
    (not English) is stored without claims, with a warning.
    """
    from app.extraction.service import ingest_text

    day = _publication_date(published_on)
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    console = _console()
    totals = {"stored": 0, "skipped": 0, "failed": 0, "claims": 0, "refused": 0}
    with (
        _sessions(writes=True) as factory,
        _progress(BarColumn(), MofNCompleteColumn(), console=console) as progress,
    ):
        task = progress.add_task("ingest", total=len(files))
        for file in files:
            progress.update(task, description=file.name)
            text = file.read_text(encoding="utf-8")
            title = next((line.strip() for line in text.splitlines() if line.strip()), "")
            try:
                with factory.begin() as session:
                    session.info["audit_agent"] = "cli"
                    result = ingest_text(
                        session,
                        text,
                        title=title or file.stem,
                        published_on=day,
                        outlet=outlet,
                        again=again,
                    )
            except AppError as exc:
                totals["failed"] += 1
                progress.console.print(f"{file}: not stored: {exc.detail}")
                progress.advance(task)
                continue
            if result.existing_id is not None and not again:
                totals["skipped"] += 1
                progress.console.print(
                    f"{file}: skipped, already stored as source {result.existing_id}"
                )
            else:
                totals["stored"] += 1
                totals["claims"] += result.recorded
                totals["refused"] += len(result.warnings)
                again_note = " (stored before)" if result.existing_id is not None else ""
                progress.console.print(
                    f"{file}: source {result.source_id}{again_note}, "
                    f"{result.recorded} proposed claims"
                )
                for warning in result.warnings:
                    progress.console.print(f"  warning: {warning}")
            progress.advance(task)
    console.print(
        f"ingest: {totals['stored']} stored, {totals['skipped']} skipped (already stored), "
        f"{totals['failed']} failed; {totals['claims']} claims proposed, "
        f"{totals['refused']} skipped with a warning"
    )
    if totals["failed"]:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `posture` script."""
    app()
