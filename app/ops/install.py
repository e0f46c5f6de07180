"""Wire the operations endpoints and the access log into the app."""

from fastapi import FastAPI

from app.config import Settings
from app.ops import favicon, health, metrics
from app.ops.access_log import AccessLogMiddleware
from app.ops.database import install_database_failure_handler


def install_ops(app: FastAPI, settings: Settings) -> None:
    """/healthz, /readyz, /metrics (unless POSTURE_METRICS is off), /favicon.ico, the answers to the
    database's failures (503, 507), and the access log.

    Call it after every other middleware is added: the access log must be outermost, to
    time and log every answer, the other middleware's included.
    """
    install_database_failure_handler(app)
    app.include_router(health.router)
    app.include_router(favicon.router)
    if settings.metrics:
        app.include_router(metrics.router)
    app.add_middleware(AccessLogMiddleware, observe=settings.metrics)
