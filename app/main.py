"""The FastAPI application: create_app builds the engine, routers and error handlers."""

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from app.actors.api import router as actors_router
from app.actors.pages import router as actors_pages
from app.claims.api import router as claims_router
from app.claims.pages import router as claims_pages
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory
from app.errors import install_error_handlers
from app.initiatives.api import router as initiatives_router
from app.initiatives.pages import router as initiatives_pages
from app.positions.api import router as positions_router
from app.positions.pages import router as positions_pages
from app.search.pages import router as search_pages
from app.sources.api import router as sources_router
from app.sources.pages import router as sources_pages
from app.transfer.api import router as transfer_router
from app.vocabulary.api import router as vocabulary_router
from app.web import STATIC_DIR


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app; nothing connects to the database until a request needs it."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Posture",
        version="1",
        summary="Who commits to which role, and which stance, as of any date, with the evidence.",
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, echo=settings.sql_echo)
    app.state.session_factory = make_session_factory(app.state.engine)
    install_error_handlers(app)
    # positions before actors: /actors/{code}/timeline must not be taken for an actor code.
    for router in (
        positions_router,
        actors_router,
        initiatives_router,
        sources_router,
        claims_router,
        vocabulary_router,
        transfer_router,
    ):
        app.include_router(router)
    for router in (
        positions_pages,
        claims_pages,
        actors_pages,
        initiatives_pages,
        sources_pages,
        search_pages,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app
