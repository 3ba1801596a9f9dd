"""GET /api/v1/health: is the engine there, which version, what state, what an operator must know.

200 whenever the engine answers — a yellow or red cluster, an outbox that lags or a
mapping behind are listed in ``warnings`` (indexer/alerts.py) for a person to act on;
503 only when the engine cannot be reached, so a load balancer takes the process out
only when it cannot serve at all.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify
from opensearchpy.exceptions import OpenSearchException

from indexer.alerts import warnings
from indexer.status import engine_and_outbox
from query_api import context
from query_api.api.operations import PUBLIC_READ, Blueprint
from query_api.api.schemas.search import Health
from query_api.errors import ENGINE_DOWN_MESSAGE

blueprint = Blueprint("health", __name__, description="État du service. *Service health.*")


@blueprint.get("/health")
@blueprint.declare(security=PUBLIC_READ, summary="État du service et du moteur de recherche")
@blueprint.response(200, Health, description="Service opérationnel. *Service up.*")
@blueprint.alt_response(503, schema=Health, description="Moteur indisponible. *Engine unavailable.*")
def health():
    client = context.search()
    try:
        info = client.info()
        cluster = client.cluster.health()
    except OpenSearchException:
        body = {"status": "unavailable", "message": ENGINE_DOWN_MESSAGE, "opensearch": {"status": "unreachable"}}
        return jsonify(body), 503
    engine = {"status": cluster["status"], "version": info["version"]["number"]}
    return jsonify({"status": "ok" if cluster["status"] in ("green", "yellow") else "degraded", "opensearch": engine,
                    "warnings": health_warnings()}), 200


def health_warnings() -> list[dict]:
    """The operator's warnings, without counting anything (a health check must stay cheap)."""
    state = engine_and_outbox(context.store(), context.search(), context.settings())
    return warnings(state, context.settings(), datetime.now(UTC))
