"""GET /metrics: the Prometheus text format (prometheus-client), for the operator's monitoring.

Two kinds of figures, each right however many worker processes serve the app:
- requests (count and latency by route and status) are counted by each process; when
  PROMETHEUS_MULTIPROC_DIR is set (the library's multiprocess mode, e.g. under gunicorn)
  each process writes them to that directory and a scrape adds them up;
- the state of the service (outbox depth and age, index lag, mapping, engine health,
  the reindex in progress, the alerts) is read from the store and the engine at scrape
  time, so every process answers the same.
Open to loopback (a local Prometheus or agent), to the cell's members and to API keys
with the ``metrics`` scope; a request a proxy forwarded (X-Forwarded-For) is not local.
"""
from __future__ import annotations

import ipaddress
import logging
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from catalog import api_key_scopes, reindex_runs
from indexer.alerts import outbox_age_seconds, warnings
from indexer.status import engine_and_outbox
from query_api import context, security
from query_api.errors import ApiError

log = logging.getLogger(__name__)

MSG_METRICS_FORBIDDEN = ("Les métriques sont réservées à la machine du service, à la cellule de gestion "
                         "et aux clés d'API qui ont le droit « metrics ».")

# Created once per process (prometheus-client refuses two metrics of one name in a registry).
REQUESTS = Counter("ror_http_requests_total", "HTTP requests answered, by route, method and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("ror_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
                    ["method", "route"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))


def _route() -> str:
    """The route's pattern (/uo/<unit_id>), never the raw path: a bounded set of label values."""
    return request.url_rule.rule if request.url_rule is not None else "(aucune route)"


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _answered(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        route = _route()
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
    return response


class ServiceState:
    """The figures read at scrape time from the store and the engine (a prometheus-client collector)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            settings, store = context.settings(), context.store()
            state = engine_and_outbox(store, context.search(), settings, counts=True)
            now = datetime.now(UTC)
            found = warnings(state, settings, now)
            with store.snapshot() as conn:
                running = reindex_runs.current(conn, now)
        engine = state["index"]
        yield _gauge("ror_outbox_depth", "Changes of the store waiting to be applied to the index.", state["outbox"]["depth"])
        yield _gauge("ror_outbox_oldest_age_seconds", "Age of the oldest change waiting in the outbox (0: empty).",
                     outbox_age_seconds(state, now))
        yield _gauge("ror_store_units", "UO in the store (the system of record).", state["store"]["units"])
        yield _gauge("ror_engine_up", "1 when the search engine answers.", 1 if engine.get("reachable") else 0)
        if engine.get("reachable"):
            yield _gauge("ror_index_documents", "UO documents behind the search alias.", engine["documents"])
            yield _gauge("ror_index_lag_units", "UO in the store minus documents in the index.",
                         state["store"]["units"] - engine["documents"])
            yield _gauge("ror_index_mapping_current", "1 when the live index was built from the current mapping.",
                         1 if engine.get("mapping_current") else 0)
            health = GaugeMetricFamily("ror_engine_health", "The engine's cluster health (1 for the current colour).",
                                       labels=["status"])
            for colour in ("green", "yellow", "red"):
                health.add_metric([colour], 1 if engine.get("health") == colour else 0)
            yield health
        alerts = GaugeMetricFamily("ror_alert", "1 for each alert an administrator must act on.", labels=["code"])
        for warning in found:
            alerts.add_metric([warning["code"]], 1)
        yield alerts
        yield _gauge("ror_reindex_running", "1 while a full reindex runs.", 1 if running else 0)
        yield _gauge("ror_reindex_written_units", "UO written by the running reindex.", running["written"] if running else 0)
        yield _gauge("ror_reindex_total_units", "UO the running reindex will write.", running["total"] if running else 0)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _is_local() -> bool:
    if request.headers.get("X-Forwarded-For"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _allowed() -> bool:
    key = security.current_api_key()
    if key is not None:
        return api_key_scopes.has_scope(key, "metrics")
    if _is_local():
        return True
    account = security.current_account()
    return account is not None and account["role"] == "admin"


def _registry(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry()
    directory = app.extensions["ror"]["settings"].prometheus_multiproc_dir
    if directory:
        MultiProcessCollector(registry, path=directory)   # every worker's request figures, added up
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(ServiceState(app))
    return registry


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_answered)
    registry = _registry(app)

    @app.get("/metrics")
    def metrics():
        if not _allowed():
            if security.current_api_key() is None and security.current_account() is None:
                raise ApiError(401, "sign_in_required", MSG_METRICS_FORBIDDEN)
            raise ApiError(403, "metrics_forbidden", MSG_METRICS_FORBIDDEN)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
