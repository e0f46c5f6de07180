"""The `posture` command: serve, migrate, seed, import, export, extract and ingest."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from app import migrate
from app.config import get_settings
from app.db import make_engine, make_session_factory
from app.errors import AppError

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


def _seed(database_url: str) -> None:
    from app.seed.loader import load_seed

    settings = get_settings()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine, writes=True).begin() as session:
            report = load_seed(session, settings.seed_text_dir)
    finally:
        engine.dispose()
    typer.echo(
        f"seed: added {report.total()} records ({report.states} states, "
        f"{report.actors} actors, {report.initiatives} initiatives, "
        f"{report.sources} sources, {report.claims} claims)",
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
    import uvicorn

    from app.ops.serving import metrics_folder, uvicorn_log_config

    settings = get_settings()
    if migrate_first:
        engine = make_engine(settings.database_url)
        try:
            is_new = migrate.current_revision(engine) is None
        finally:
            engine.dispose()
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
    """Import a JSON Lines export: every line applies, or none does."""
    from app.errors import AppError
    from app.transfer.service import import_lines

    engine = make_engine(get_settings().database_url)
    try:
        with (
            make_session_factory(engine, writes=True).begin() as session,
            file.open(encoding="utf-8") as f,
        ):
            session.info["audit_agent"] = "cli"
            report = import_lines(session, f)
    except AppError as exc:
        _report_failure("import", exc)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"imported: created {report.created}, updated {report.updated}", err=True)


def _report_failure(what: str, exc: AppError) -> None:
    typer.echo(f"{what} failed: {exc.detail}", err=True)
    for error in exc.errors:
        where = f"line {error['line']}: " if "line" in error else ""
        typer.echo(f"  {where}{error['field']}: {error['message']}", err=True)


@app.command("import-claims")
def import_claims(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    format: Annotated[str, typer.Option(help="csv or jsonl; by default from the suffix.")] = "",
    accept: Annotated[bool, typer.Option(help="Import as accepted instead of proposed.")] = False,
) -> None:
    """Bulk-import claims from CSV or JSON Lines: every row is checked, all apply or none."""
    from app.errors import AppError
    from app.transfer.bulk import import_claims as bulk_import

    fmt = format or ("jsonl" if file.suffix in (".jsonl", ".ndjson") else "csv")
    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter("format must be csv or jsonl", param_hint="--format")
    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine, writes=True).begin() as session:
            session.info["audit_agent"] = "cli"
            report = bulk_import(session, file.read_text(encoding="utf-8"), fmt, accept=accept)
    except AppError as exc:
        _report_failure("import", exc)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        f"imported {report.created} claims as {report.review_state} "
        f"(ids {report.first_id}-{report.last_id})",
        err=True,
    )


@app.command()
def export(
    file: Annotated[Path | None, typer.Argument(help="Output file; stdout when absent.")] = None,
) -> None:
    """Export the whole database as JSON Lines."""
    from app.transfer.service import export_lines

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            out = file.open("w", encoding="utf-8") if file else sys.stdout
            try:
                for line in export_lines(session):
                    out.write(line)
            finally:
                if file:
                    out.close()
    finally:
        engine.dispose()


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file (replaced if it exists).")],
) -> None:
    """Back up the whole database while Posture runs (SQLite: a copy; PostgreSQL: pg_dump)."""
    from app.ops import backup as backups

    try:
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


@contextmanager
def _accounts_session() -> Iterator[Session]:
    """A session in one transaction on the configured database; AppErrors exit with 1."""
    from app.errors import AppError

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine, writes=True).begin() as session:
            session.info["audit_agent"] = "cli"
            yield session
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        for error in exc.errors:
            typer.echo(f"  {error['field']}: {error['message']}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


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
    from app.accounts import service
    from app.accounts.schemas import UserCreate

    password = None if no_password else _read_password(password_stdin)
    with _accounts_session() as session:
        data = _validated(
            UserCreate,
            _user_data(username=username, role=role, display_name=display_name, password=password),
        )
        user = service.create_user(session, data)
        typer.echo(f"added {user.username} ({user.role})", err=True)


def _validated(model: Any, data: dict[str, object]) -> Any:
    from pydantic import ValidationError

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
    from sqlalchemy import select

    from app.accounts.models import User

    with _accounts_session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "disabled" if user.disabled else "enabled"
            typer.echo(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")


def _update_user(username: str, **changes: object) -> None:
    from app.accounts import service
    from app.accounts.schemas import UserUpdate

    with _accounts_session() as session:
        user = service.update_user(session, username, _validated(UserUpdate, changes))
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
    from app.accounts import service

    with _accounts_session() as session:
        created = service.create_token(session, username, name)
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
    from app.accounts import queries, service
    from app.accounts.models import ApiToken

    with _accounts_session() as session:
        user_id = service.require_user(session, username).id if username else None
        for token in session.scalars(queries.token_list(user_id).order_by(ApiToken.id)):
            used = token.last_used_at.isoformat() if token.last_used_at else "never used"
            revoked = f"revoked {token.revoked_at.isoformat()}" if token.revoked_at else "active"
            typer.echo(
                f"{token.id}\t{token.prefix}…\t{token.user.username}\t{token.name}\t"
                f"{token.created_at.isoformat()}\t{used}\t{revoked}"
            )


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    from app.accounts import service

    with _accounts_session() as session:
        token = service.revoke_token(session, token_id)
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
    """Propose the claims a news text supports (nothing is stored)."""
    import json

    from app.extraction.service import extractor_for

    day = _publication_date(published_on)
    text = file.read_text(encoding="utf-8")
    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            claims = extractor_for(session).extract(text, day, outlet=outlet)
    finally:
        engine.dispose()
    if as_json:
        from app.extraction.schemas import ExtractResponse

        body = ExtractResponse(claims=claims).model_dump(mode="json")
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
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
) -> None:
    """Store texts as sources with their proposed claims (review_state `proposed`).

    A text already stored is skipped and reported; a proposed claim the claims service
    refuses is skipped with a warning.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from app.errors import AppError
    from app.extraction.service import ingest_text

    day = _publication_date(published_on)
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    # Report lines are read by people and by scripts (grep, logs): never hard-wrap them
    # at the terminal width, and never let rich read a file name as markup.
    console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
    totals = {"stored": 0, "skipped": 0, "failed": 0, "claims": 0, "refused": 0}
    engine = make_engine(get_settings().database_url)
    factory = make_session_factory(engine, writes=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
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
                        )
                except AppError as exc:
                    totals["failed"] += 1
                    progress.console.print(f"{file}: not stored: {exc.detail}")
                    progress.advance(task)
                    continue
                if result.existing_id is not None:
                    totals["skipped"] += 1
                    progress.console.print(
                        f"{file}: skipped, already stored as source {result.existing_id}"
                    )
                else:
                    totals["stored"] += 1
                    totals["claims"] += result.recorded
                    totals["refused"] += len(result.warnings)
                    progress.console.print(
                        f"{file}: source {result.source_id}, {result.recorded} proposed claims"
                    )
                    for warning in result.warnings:
                        progress.console.print(f"  warning: {warning}")
                progress.advance(task)
    finally:
        engine.dispose()
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
