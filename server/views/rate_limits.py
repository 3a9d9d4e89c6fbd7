"""Rate-limited endpoints answer `429 Too Many Requests` with `Retry-After` (seconds).

A view joins a group with `@limited("search")`; each request counts for its address
(`request.remote_addr`, the client's once `COMMONS_TRUSTED_PROXIES` lets ProxyFix read
X-Forwarded-For) and, when it carries a bearer token, for that token too. Scripts get JSON
({"error", "detail"}); SPARQL, OAI-PMH and feed clients get plain text; people get the
error page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _

from server.extensions import db
from server.services.rate_limits import Limiter, Refusal
from server.views.errors import error_response
from server.views.negotiation import accepted

# Protocol clients that read neither our JSON nor our pages.
PLAIN_TEXT_GROUPS = {"sparql", "oai"}


def init_app(app: Flask) -> None:
    """Build the node's limiter (None when limits are off) from its settings."""
    with app.app_context():
        app.extensions["rate_limits"] = Limiter.for_settings(app.config["SETTINGS"], db.engine)


def clients() -> list[str]:
    """Who a request counts for: its address, and its bearer token (hashed) if it has one."""
    found = ["address:" + (request.remote_addr or "unknown")]
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found.append("token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32])
    return found


def limited(group: str, methods: tuple[str, ...] = ()) -> Callable:
    """Count the view's requests (only those with one of `methods`, when given) in `group`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            limiter: Limiter | None = current_app.extensions.get("rate_limits")
            if (
                limiter is not None
                and limiter.limits(group)
                and (not methods or request.method in methods)
                and (refusal := limiter.hit(group, clients()))
            ):
                return too_many(refusal)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def too_many(refusal: Refusal, plain: bool | None = None) -> Response:
    """The 429 answer, in the form the client reads."""
    detail = _(
        "Too many requests: wait %(seconds)s seconds and try again.", seconds=refusal.retry_after
    )
    if plain is None:
        plain = (
            refusal.group in PLAIN_TEXT_GROUPS
            and not accepted(request.headers.get("Accept", "")).accept_html
        )
    if plain:
        response = Response(
            f"Too many requests: retry in {refusal.retry_after} s ({refusal.limit}).\n",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    else:
        body, status = error_response(429, _("Too many requests"), detail)
        response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
