"""The request path, as STYLE.md draws it, kept by a test that reads the source:

- SQL (SQLAlchemy's select/insert/update/delete, and .execute, .scalars, .scalar,
  .exec_driver_sql, .order_by calls) lives in each domain's queries.py, app/db.py and the
  migrations, nowhere else;
- no service.py imports FastAPI or Starlette (services know nothing of HTTP);
- routes (api.py, pages.py) call services: they call no function of a queries module.

Files that still break a rule are listed in KNOWN_LEAKS with what is left to move; the
test fails when a new file breaks one, and when a listed file no longer does (take it off
the list), so the list only shrinks."""

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
SQL_FUNCTIONS = {"select", "insert", "update", "delete", "text", "union", "union_all"}
SQL_METHODS = {"execute", "scalars", "scalar", "exec_driver_sql", "order_by"}
# Where SQL belongs.
SQL_HOMES = {"queries.py"}
SQL_FILES = {"db.py"}
# Model modules declare tables: text() there is DDL (a server default, a CHECK).
DDL_FILES = {"models.py"}

# File: what is left to move. Empty: every leak of 2026-12 is fixed; a file added here must
# say what it still does out of its layer, and comes off once it no longer does.
KNOWN_LEAKS: dict[str, str] = {}


def sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield str(path.relative_to(APP)), ast.parse(path.read_text(encoding="utf-8"))


def sql_calls(name: str, tree: ast.Module) -> list[str]:
    """The SQL this module runs or builds, as 'line: call'."""
    base = Path(name).name
    if base in SQL_HOMES or name in SQL_FILES:
        return []
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in SQL_FUNCTIONS and not (base in DDL_FILES and alias.name == "text")
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in imported:
            found.append(f"{node.lineno}: {func.id}(")
        elif isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
            found.append(f"{node.lineno}: .{func.attr}(")
    return found


def http_imports(name: str, tree: ast.Module) -> list[str]:
    """FastAPI or Starlette imports of a service module."""
    if Path(name).name != "service.py":
        return []
    found = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        found += [
            f"{node.lineno}: {m}" for m in modules if m.split(".")[0] in ("fastapi", "starlette")
        ]
    return found


def query_calls(name: str, tree: ast.Module) -> list[str]:
    """Calls a route module makes to a queries module's functions."""
    if Path(name).name not in ("api.py", "pages.py"):
        return []
    modules = set()
    functions = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if alias.name == "queries" or alias.name.endswith("_queries"):
                    modules.add(alias.asname or alias.name)
                elif node.module.endswith(".queries"):
                    functions.add(alias.asname or alias.name)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in functions:
            found.append(f"{node.lineno}: {func.id}(")
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ):
            found.append(f"{node.lineno}: {func.value.id}.{func.attr}(")
    return found


def leaks() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, tree in sources():
        broken = sql_calls(name, tree) + http_imports(name, tree) + query_calls(name, tree)
        if broken:
            found[name] = broken
    return found


def test_sql_stays_in_queries_services_know_no_http_and_routes_call_services() -> None:
    found = leaks()
    new = {name: lines for name, lines in found.items() if name not in KNOWN_LEAKS}
    assert not new, f"SQL, HTTP or a queries call out of its layer (STYLE.md): {new}"


def test_the_list_of_known_leaks_only_shrinks() -> None:
    fixed = sorted(set(KNOWN_LEAKS) - set(leaks()))
    assert not fixed, f"these files keep to their layer now: take them off KNOWN_LEAKS: {fixed}"


def test_the_checks_see_a_leak() -> None:
    # The test itself: each rule finds what it is there to find.
    route = ast.parse(
        "from app.actors import queries\n"
        "from sqlalchemy import select\n"
        "def f(session):\n"
        "    queries.actor_list()\n"
        "    return session.scalars(select(1).order_by(1))\n"
    )
    assert len(sql_calls("actors/api.py", route)) == 3
    assert query_calls("actors/api.py", route) == ["4: queries.actor_list("]
    service = ast.parse("from fastapi import Request\nimport starlette.requests\n")
    assert len(http_imports("actors/service.py", service)) == 2
    assert sql_calls("actors/queries.py", route) == []
