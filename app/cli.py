"""The `posture` command: serve, migrate, seed, import and export."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from app import migrate
from app.config import get_settings
from app.db import make_engine, make_session_factory

app = typer.Typer(
    help="Posture: who commits to which role, as of any date.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _seed(database_url: str) -> None:
    from app.seed.loader import load_seed

    settings = get_settings()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
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
) -> None:
    """Migrate the database (seeding it when new), then serve the API."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        is_new = migrate.current_revision(engine) is None
    finally:
        engine.dispose()
    migrate.upgrade(settings.database_url)
    if is_new and seed:
        _seed(settings.database_url)
    uvicorn.run(create_app(settings), host=host, port=port)


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
        with make_session_factory(engine).begin() as session, file.open(encoding="utf-8") as f:
            report = import_lines(session, f)
    except AppError as exc:
        typer.echo(f"import failed: {exc.detail}", err=True)
        for error in exc.errors:
            where = f"line {error['line']}: " if "line" in error else ""
            typer.echo(f"  {where}{error['field']}: {error['message']}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"imported: created {report.created}, updated {report.updated}", err=True)


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


def main() -> None:
    """Entry point of the `posture` script."""
    app()
