"""GET /healthz for load balancers and monitors, GET /metrics for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 and the checks when the node is well; 503 naming the failing checks otherwise."""
    from server.ops.health import report, run_checks

    status, body = report(run_checks(current_app.config["SETTINGS"]))
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Prometheus text format, for allowed addresses (loopback by default) or the token."""
    settings = current_app.config["SETTINGS"]
    if not settings.metrics:
        return _refusal(404, "Not found", "metrics are turned off on this node")
    from server.ops.metrics import CONTENT_TYPE, allowed, exposition

    # Behind a proxy this node does not trust, the address seen is the proxy's.
    proxied = not settings.trusted_proxies and "X-Forwarded-For" in request.headers
    if not allowed(settings, request.remote_addr, request.headers.get("Authorization"), proxied):
        return _refusal(
            403, "Forbidden", "metrics are served to COMMONS_METRICS_ALLOW or with the token"
        )
    response = Response(exposition(settings), content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(status: int, error: str, detail: str):
    response = jsonify({"error": error, "detail": detail})
    response.status_code = status
    return response
