"""Every HTTP request: its id, one log line, and (metrics on) its route, status and latency.

A WSGI middleware around the whole application, the inbox endpoint included. The route is
the URL rule Flask matched (`/items/<slug>`, not the path), noted when the request starts
(`request_started`), so a request a later hook refuses is still counted under its route.
The latency is measured until the application returns its response; a streamed body's
transfer (dumps, attachments, the sitemap) is not in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from flask import Flask, request, request_started

from server.ops.logs import ACCESS_LOGGER, REQUEST_ID, request_id_from

ROUTE_KEY = "commons.route"
REQUEST_ID_KEY = "commons.request_id"
UNMATCHED = "<unmatched>"

log = logging.getLogger(ACCESS_LOGGER)

StartResponse = Callable[..., Any]


def init_app(app: Flask, metrics: bool) -> None:
    """Wrap the application (call after every other WSGI wrapper but ProxyFix)."""
    request_started.connect(_note_route, app)
    app.wsgi_app = RequestObserver(app.wsgi_app, metrics)  # type: ignore[method-assign]


def _note_route(sender: Flask, **_: Any) -> None:
    rule = request.url_rule
    request.environ[ROUTE_KEY] = rule.rule if rule is not None else UNMATCHED


def note_route(environ: dict[str, Any], route: str) -> None:
    """For endpoints ahead of Flask's routing (the inbox)."""
    environ[ROUTE_KEY] = route


class RequestObserver:
    def __init__(self, next_app: Callable[..., Iterable[bytes]], metrics: bool) -> None:
        self.next_app = next_app
        self.metrics = metrics
        if metrics:
            from server.ops.metrics import observe_request

            self.observe = observe_request

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_KEY] = request_id
        token = REQUEST_ID.set(request_id)
        status = ["500"]
        started = perf_counter()

        def observed_start(code: str, headers: list[tuple[str, str]], exc_info: Any = None):
            status[0] = code[:3]
            headers.append(("X-Request-Id", request_id))
            return start_response(code, headers, exc_info)

        try:
            return self.next_app(environ, observed_start)
        finally:
            seconds = perf_counter() - started
            route = environ.get(ROUTE_KEY, UNMATCHED)
            method = environ.get("REQUEST_METHOD", "")
            if self.metrics:
                self.observe(route, method, status[0], seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s %.1f ms",
                    method,
                    environ.get("PATH_INFO", ""),
                    status[0],
                    seconds * 1000,
                    extra={
                        "route": route,
                        "status": int(status[0]) if status[0].isdigit() else status[0],
                        "duration_ms": round(seconds * 1000, 2),
                        "remote": environ.get("REMOTE_ADDR"),
                        "request_id": request_id,
                    },
                )
            REQUEST_ID.reset(token)
