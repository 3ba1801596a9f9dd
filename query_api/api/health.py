"""GET /api/v1/health: is the engine there, which version, what state."""
from __future__ import annotations

from flask import jsonify
from opensearchpy.exceptions import OpenSearchException

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
    ok = cluster["status"] in ("green", "yellow")
    return jsonify({"status": "ok" if ok else "degraded", "opensearch": engine}), 200 if ok else 503
