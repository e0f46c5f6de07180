"""The interactive API documentation at /docs: Swagger UI served from the app itself, under
the same strict Content-Security-Policy as every other page, public, and out of the schema."""

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.apidocs import SWAGGER_UI
from app.config import Settings
from app.security import CONTENT_SECURITY_POLICY
from app.web import STATIC_DIR
from tests.conftest import build_app
from tests.html_tree import Node, parse
from tests.page_assertions import assert_csp_clean

# What each kind of asset must be served as (JavaScript under either registered name).
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
}


def asset_urls(page: Node) -> list[str]:
    """Every URL the page loads by itself: scripts, stylesheets, icons."""
    scripts = [node.attrs["src"] for node in page.find_all("script")]
    links = [node.attrs["href"] for node in page.find_all("link")]
    return scripts + links


def test_the_api_docs_answer_under_the_same_strict_policy_as_every_page(
    anonymous_client: TestClient,
) -> None:
    response = anonymous_client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert_csp_clean(response.text)
    assert "<style" not in response.text.lower()
    assert "cdn.jsdelivr.net" not in response.text


def test_the_api_docs_load_only_same_origin_assets_each_served_with_its_type(
    anonymous_client: TestClient,
) -> None:
    page = parse(anonymous_client.get("/docs").text)
    urls = asset_urls(page)
    assert f"{SWAGGER_UI}/swagger-ui-bundle.js" in urls
    assert f"{SWAGGER_UI}/swagger-ui.css" in urls
    assert "/static/js/api-docs.js" in urls
    assert page.by_id("swagger-ui").attrs["data-openapi-url"] == "/openapi.json"
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        response = anonymous_client.get(url)
        assert response.status_code == 200, url
        content_type = response.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[Path(url).suffix], (url, content_type)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url


def test_the_vendored_swagger_ui_is_the_release_its_folder_names() -> None:
    folder = STATIC_DIR / SWAGGER_UI.removeprefix("/static/")
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "swagger-ui-dist"
    assert folder.name == f"swagger-ui-{package['version']}"
    assert package["license"] == "Apache-2.0"
    assert (folder / "LICENSE").is_file()
    assert (folder / "NOTICE").is_file()
    assert not list(folder.glob("*.map"))


def test_fastapis_cdn_pages_are_gone(anonymous_client: TestClient) -> None:
    assert anonymous_client.get("/redoc").status_code == 404
    assert anonymous_client.get("/docs/oauth2-redirect").status_code == 404


def test_the_api_docs_stay_out_of_the_openapi_document(anonymous_client: TestClient) -> None:
    paths = anonymous_client.get("/openapi.json").json()["paths"]
    assert "/api/v1/positions" in paths
    assert not {"/docs", "/redoc", "/docs/oauth2-redirect"} & set(paths)


def test_the_api_docs_stay_public_when_reading_needs_sign_in(
    settings: Settings, engine: Engine, session: Session
) -> None:
    app = build_app(settings.model_copy(update={"require_sign_in_to_read": True}), engine, session)
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/claims").status_code == 401
        docs = anonymous.get("/docs")
        assert docs.status_code == 200
        assert docs.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        for url in asset_urls(parse(docs.text)):
            assert anonymous.get(url).status_code == 200, url
        assert anonymous.get("/openapi.json").status_code == 200
