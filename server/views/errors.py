"""Errors as clear 4xx answers: JSON for machine clients, a page for people."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from server.extensions import db
from server.services import NotAllowed, ServiceError

MACHINE_TYPES = (
    "application/json",
    "application/activity+json",
    "application/ld+json",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
)


def wants_json() -> bool:
    """Return whether the client prefers a machine answer to an HTML page."""
    from server.views.negotiation import accepted

    accept = accepted(request.headers.get("Accept", ""))
    best = accept.best_match(["text/html", *MACHINE_TYPES])
    if request.path.startswith(("/api/", "/actor", "/inbox", "/.well-known/")):
        return best != "text/html" or not accept.accept_html
    return best is not None and best != "text/html"


def error_response(status: int, error: str, detail: str = ""):
    """Answer `status` as JSON or as the error page, whichever the client wants."""
    if wants_json():
        return jsonify(error=error, detail=detail), status
    return render_template("error.html", status=status, error=error, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code and exc.code >= 500:
            return _server_error(exc)
        names = {
            400: _("Bad request"),
            401: _("Sign-in required"),
            403: _("Forbidden"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            406: _("Not acceptable"),
            410: _("Gone"),
            413: _("Too large"),
            415: _("Unsupported media type"),
            422: _("Unprocessable content"),
            429: _("Too many requests"),
        }
        return error_response(
            exc.code or 400, names.get(exc.code or 400, exc.name), exc.description or ""
        )

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(
            400,
            _("Bad request"),
            _("The form expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(NotAllowed)
    def _not_allowed(exc: NotAllowed):
        db.session.rollback()
        return error_response(403, _("Forbidden"), str(exc))

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        db.session.rollback()
        return error_response(422, _("Unprocessable content"), str(exc))

    @app.errorhandler(InternalServerError)
    def _server_error(exc):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, _("Server error"), _("Something went wrong on our side."))
