"""The inbox, POST /inbox and /actor/inbox: verify, store the raw activity, answer 202.

Every activity a peer delivers comes through here, so this one endpoint is a small WSGI
application ahead of Flask's dispatch rather than a Blueprint view: a signed
server-to-server POST uses none of what Flask's request handling sets up for pages
(session cookie, signed-in user, locale, CSRF, templates), and that machinery cost as much
as verifying and storing the activity together (bench/bench_federation.py). It runs inside
an application context, so settings and the database session work as everywhere else; any
other request goes on to Flask unchanged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.wsgi import get_input_stream

from federation import verify
from federation.errors import (
    BlockedError,
    FederationError,
    FetchError,
    SignatureError,
    TooLarge,
)
from server.extensions import db
from server.models import Actor
from server.ops.requests import REQUEST_ID_KEY, note_route

log = logging.getLogger("commons.inbox")

PATHS = frozenset({"/inbox", "/actor/inbox"})
WWW_AUTHENTICATE = 'Signature realm="inbox", headers="(request-target) host date digest"'

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def init_app(app: Flask) -> None:
    """Put the inbox in front of the application's WSGI callable."""
    app.wsgi_app = InboxEndpoint(app, app.wsgi_app)  # type: ignore[method-assign]


class InboxEndpoint:
    """POST to an inbox path is answered here; everything else goes to `next_app`."""

    def __init__(self, app: Flask, next_app: WSGIApp) -> None:
        self.app = app
        self.next_app = next_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in PATHS:
            return self.next_app(environ, start_response)
        note_route(environ, environ["PATH_INFO"])
        with self.app.app_context():
            status, headers, body = self.receive(environ)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def receive(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Answer one delivery: 202 once stored, or the status FEDERATION.md gives."""
        if Actor.local_id() is None:  # `commons init` has not run
            return _refusal(404, "Not found", "this node has not been initialised")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(400, "Bad request", "Content-Length is not a number")
        if length > verify.MAX_BODY:
            return _refusal(413, "Too large", "the body is larger than 1 MB")
        body = _read_body(environ, verify.MAX_BODY)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        incoming = verify.Incoming(
            "POST", path, _headers(environ), body, environ.get(REQUEST_ID_KEY)
        )
        try:
            try:
                verify.accept(incoming)
            except IntegrityError:
                # Another web process stored the same actor or key at the same moment:
                # it is on record now, so the second try reads it.
                db.session.rollback()
                verify.accept(incoming)
        except BlockedError as exc:
            return _refusal(403, "Forbidden", exc)
        except (SignatureError, FetchError) as exc:
            # A key that cannot be fetched (down, unsafe, too large) cannot verify anything.
            return _refusal(401, "Signature required", exc)
        except TooLarge as exc:
            return _refusal(413, "Too large", exc)
        except FederationError as exc:  # InvalidActivity and the rest: the request is at fault
            return _refusal(400, "Bad request", exc)
        except OperationalError as exc:  # database busy or gone: the peer will retry
            db.session.rollback()
            log.warning("inbox could not store a delivery: %s", exc)
            return _refusal(503, "Unavailable", "try again later", [("Retry-After", "30")])
        return "202 Accepted", [("Content-Type", "text/plain")], b""


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """Return the request's header fields, names lowercased (as signatures name them).

    A plain dict straight from the environ: werkzeug's EnvironHeaders, turned into one,
    re-scans the whole environ per key, a cost paid on every delivery.
    """
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    """Read at most `limit` + 1 bytes of the body, whatever Content-Length says."""
    stream = get_input_stream(environ)
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _refusal(
    status: int,
    error: str,
    detail: Exception | str,
    extra: list[tuple[str, str]] | None = None,
) -> tuple[str, list[tuple[str, str]], bytes]:
    if status != 404:
        db.session.rollback()
        log.info("inbox refused (%s): %s", status, detail)
    headers = [("Content-Type", "application/json"), *(extra or [])]
    if status == 401:
        headers.append(("WWW-Authenticate", WWW_AUTHENTICATE))
    body = json.dumps({"error": error, "detail": str(detail)}).encode()
    return f"{status} {HTTPStatus(status).phrase}", headers, body
