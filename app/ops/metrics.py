"""Prometheus metrics (prometheus-client): request latency by route template, method and
status class; the database pool, read from the app's engine; cache hits and misses.

Several worker processes share their metrics through files when PROMETHEUS_MULTIPROC_DIR
is set (prometheus-client's multiprocess mode; `posture serve --workers N` sets it up), so
any worker's /metrics answers for all of them.
"""

import hmac
import os
from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from app.problems import problem

# prometheus-client chooses how values are stored when it is first imported; this follows it.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_DURATION = Histogram(
    "posture_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template.",
    ["route", "method", "status_class"],
)
CACHE_REQUESTS = Counter(
    "posture_cache_requests_total",
    "Lookups in Posture's caches, by cache and result (hit or miss).",
    ["cache", "result"],
)

_POOL_HELP = {
    "posture_db_pool_size": "Connections the database pool keeps (POSTURE_DB_POOL_SIZE).",
    "posture_db_pool_checked_out": "Pooled database connections in use now.",
    "posture_db_pool_overflow": "Database connections open beyond the pool size now.",
}
# Only read in multiprocess mode, where each worker writes its pool's state to its file
# and a scrape adds up the live workers'. A single process reads the engine at scrape time.
_POOL_GAUGES = {
    name: Gauge(name, text, registry=None, multiprocess_mode="livesum")
    for name, text in _POOL_HELP.items()
}


def record_cache(cache: str, hit: bool) -> None:
    """Count one lookup in the named cache (a short constant such as "positions")."""
    CACHE_REQUESTS.labels(cache=cache, result="hit" if hit else "miss").inc()


def observe_request(
    engine: Engine | None, route: str, method: str, status: int, seconds: float
) -> None:
    """Record one request's duration; `route` is a template, never the raw path."""
    REQUEST_DURATION.labels(
        route=route,
        method=method if method in METHODS else "other",
        status_class=f"{status // 100}xx",
    ).observe(seconds)
    if MULTIPROCESS and engine is not None:
        _store_pool_state(engine)


def worker_started(engine: Engine | None) -> None:
    """Put this worker's pool in the sums (multiprocess mode; at startup, before requests)."""
    if MULTIPROCESS and engine is not None:
        _store_pool_state(engine)


def worker_stopped() -> None:
    """Take this worker's pool gauges out of the sums (multiprocess mode; at shutdown).

    Called from the app's lifespan: uvicorn ends a worker by raising the signal it caught
    again once shut down, so atexit handlers never run.
    """
    if MULTIPROCESS:
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def pool_state(engine: Engine) -> dict[str, int] | None:
    """The engine's pool now: size, connections checked out, overflow (None: no queue pool)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return {
        "posture_db_pool_size": pool.size(),
        "posture_db_pool_checked_out": pool.checkedout(),
        # QueuePool counts from -pool_size: negative while fewer connections are open.
        "posture_db_pool_overflow": max(pool.overflow(), 0),
    }


def _store_pool_state(engine: Engine) -> None:
    for name, value in (pool_state(engine) or {}).items():
        _POOL_GAUGES[name].set(value)


class _AppMetrics(Collector):
    """This process's metrics plus the app's pool, read from its engine when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from _pool_metrics(pool_state(self.engine))


def _pool_metrics(state: dict[str, int] | None) -> Iterator[Metric]:
    for name, value in (state or {}).items():
        yield GaugeMetricFamily(name, _POOL_HELP[name], value=value)


def exposition(engine: Engine, accept: str) -> tuple[bytes, str]:
    """The metrics in the format the scraper accepts, and its content type."""
    encode, content_type = choose_encoder(accept)
    if not MULTIPROCESS:
        return encode(_AppMetrics(engine)), content_type
    _store_pool_state(engine)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return encode(registry), content_type


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus metrics; with POSTURE_METRICS_TOKEN set, only for that bearer token."""
    token = request.app.state.settings.metrics_token
    if token is not None and not _bearer_matches(request, token.get_secret_value()):
        return problem(
            401,
            "Unauthorized",
            "Send the metrics token as `Authorization: Bearer <token>`.",
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="posture-metrics"'},
        )
    body, content_type = exposition(request.app.state.engine, request.headers.get("accept", ""))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())
