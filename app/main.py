"""The FastAPI application: create_app builds the engine, routers and error handlers."""

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from app import audit
from app.accounts.api import router as accounts_router
from app.accounts.deps import read_access
from app.accounts.pages import router as accounts_pages
from app.actors.api import router as actors_router
from app.actors.pages import router as actors_pages
from app.apidocs import install_api_docs
from app.audit.api import router as audit_router
from app.claims.api import router as claims_router
from app.claims.pages import router as claims_pages
from app.config import Settings, get_settings
from app.contested.api import router as contested_router
from app.contested.pages import router as contested_pages
from app.db import make_engine, make_session_factory
from app.extraction.api import router as extraction_router
from app.initiatives.api import router as initiatives_router
from app.initiatives.pages import router as initiatives_pages
from app.milestones.api import router as milestones_router
from app.milestones.pages import router as milestones_pages
from app.openapi import describe_api
from app.ops.install import install_ops
from app.positions.api import router as positions_router
from app.positions.cache import AnswerCache
from app.positions.pages import router as positions_pages
from app.positions.responses import CachedAnswers
from app.problems import install_error_handlers
from app.review.api import router as review_router
from app.review.pages import router as review_pages
from app.search.pages import router as search_pages
from app.security import install_security
from app.snapshots.api import router as snapshots_router
from app.snapshots.pages import router as snapshots_pages
from app.sources.api import router as sources_router
from app.sources.pages import router as sources_pages
from app.transfer.api import router as transfer_router
from app.versioning import install_handlers as install_version_handlers
from app.vocabulary.api import router as vocabulary_router
from app.web import STATIC_DIR


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app; nothing connects to the database until a request needs it."""
    settings = settings or get_settings()
    # Every session records the audit trail from now on (and every model is loaded).
    audit.install()
    app = FastAPI(
        title="Posture",
        version="1",
        summary="Who commits to which role, and which stance, as of any date, with the evidence.",
        # FastAPI's own pages load from a CDN with an inline script: app.apidocs serves /docs.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.answer_cache = AnswerCache(settings.answer_cache_mb * 1024 * 1024)
    install_error_handlers(app)
    install_version_handlers(app)
    install_api_docs(app)
    # Every route below resolves who is signed in (for the templates and the audit trail)
    # and, when POSTURE_REQUIRE_SIGN_IN_TO_READ is set, refuses anonymous reads.
    # Writes need a role besides: each write route names it (app.accounts.deps).
    signed_in = [Depends(read_access)]
    # positions before actors: /actors/{code}/timeline must not be taken for an actor code.
    for router in (
        positions_router,
        contested_router,
        actors_router,
        initiatives_router,
        milestones_router,
        sources_router,
        claims_router,
        vocabulary_router,
        transfer_router,
        extraction_router,
        accounts_router,
        audit_router,
        review_router,
        snapshots_router,
    ):
        app.include_router(router, dependencies=signed_in)
    # What the OpenAPI document says beyond the routes: the problem schema, the page size.
    describe_api(app, page_size_max=settings.page_size_max)
    for router in (
        positions_pages,
        claims_pages,
        actors_pages,
        initiatives_pages,
        milestones_pages,
        sources_pages,
        search_pages,
        review_pages,
        contested_pages,
        snapshots_pages,
    ):
        app.include_router(router, dependencies=signed_in)
    # Signing in must stay possible when reading requires it.
    app.include_router(accounts_pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # A repeated position question is answered from the cache before routing.
    app.add_middleware(CachedAnswers, fastapi_app=app)
    # Level 6: most of level 9's ratio on JSON and HTML in a fraction of its time.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    install_security(app, body_size_max=settings.body_size_max, cors_origins=settings.cors_origins)
    # Last: the access log wraps every other middleware.
    install_ops(app, settings)
    return app
