"""The interactive API documentation at /docs: Swagger UI, vendored under app/static and
started by a first-party script, so that the page works offline and under the same
Content-Security-Policy as every other page (no CDN, no inline script or style).

It shows no stored data, only the OpenAPI document, so it stays public even when
POSTURE_REQUIRE_SIGN_IN_TO_READ is set. No OAuth2 redirect page: the API signs in
with bearer tokens and session cookies, not OAuth2 flows. No ReDoc: its standalone bundle
(2.5) styles itself by inserting <style> elements, which `style-src 'self'` refuses, and
under this policy it shows only an error.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from app.web import templates

# The vendored release (app/static/vendor/README.md); the folder names its version.
SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
DOCS_PATH = "/docs"

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The Swagger UI page; app/static/js/api-docs.js loads the OpenAPI document into it."""
    context = {
        "title": f"{request.app.title} API",
        "openapi_url": request.app.openapi_url,
        "swagger_ui": SWAGGER_UI,
    }
    return templates.TemplateResponse(request, "api_docs.html", context)


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs (create_app turns off FastAPI's own /docs and /redoc, which use a CDN)."""
    app.include_router(router)
