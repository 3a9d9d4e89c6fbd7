"""The write API: ActivityPub client-to-server POSTs to the node's outbox with a bearer token.

`Create` (or a bare object, wrapped in one) makes and publishes an item; `Update` replaces
one; `Delete` withdraws one. Objects are checked with the vocabulary's shapes first (422 with
the reasons), then go through the same services as the web forms.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import select

from server.extensions import csrf, db
from server.models import ApiToken, Item
from server.services import NotAllowed, ServiceError
from server.services.items import create_item, publish_item, update_item, withdraw_item
from server.views.errors import error_response
from server.views.rate_limits import limited
from vocab import kinds, objects
from vocab.context import CONTEXT
from vocab.validation import validate

bp = Blueprint("api", __name__)
csrf.exempt(bp)

MAX_BODY = 1_000_000


def _problem(
    status: int, error: str, detail: str = "", reasons: list[str] | None = None
) -> Response:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if reasons:
        body["reasons"] = reasons
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="commons"'
    return response


def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = ApiToken.find_user(token.strip())
    db.session.commit()
    return user


def _types(doc: dict[str, Any]) -> set[str]:
    value = doc.get("type")
    return set(value if isinstance(value, list) else [value])


def _kind(doc: dict[str, Any]) -> kinds.Kind | None:
    found = [kind for t in _types(doc) if isinstance(t, str) and (kind := kinds.by_type(t))]
    return found[0] if found else None


def _object_from(doc: dict[str, Any], placeholder_id: str) -> objects.Item:
    """Validate a JSON-LD item with the shapes and read it into its typed object."""
    doc = dict(doc)
    doc["id"] = placeholder_id
    actor_iri = f"{current_app.config['SETTINGS'].base_url}/actor"
    doc.setdefault("attributedTo", actor_iri)
    if "@context" not in doc:
        doc["@context"] = list(CONTEXT)
    # Derived triples (dct:title, cc:attributionName...) are ours to write: read what the
    # script gave, render it in the full published shape, and check that against the shapes.
    try:
        obj = objects.object_from_jsonld(doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise _Invalid(validate(doc) or [str(exc)]) from exc
    reasons = validate(obj.to_jsonld())
    if reasons:
        raise _Invalid(reasons)
    if not isinstance(obj, objects.Item):
        raise _Invalid([f"{type(obj).__name__} is not an item"])
    return obj


class _Invalid(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _own_item(iri: str | None) -> Item | None:
    if not iri:
        return None
    item = db.session.scalar(select(Item).where(Item.iri == iri))
    return item if item is not None and item.is_local else None


@bp.post("/actor/outbox")
@limited("api")
def post_to_outbox() -> Response:
    """Create, Update or Delete an item from a script; 201 with Location on success."""
    user = _authenticate()
    if user is None:
        return _problem(401, "Unauthorized", "a valid bearer token is required")
    if not user.can_edit:
        return _problem(403, "Forbidden", "this token's account cannot publish")
    g.api_user = user
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _problem(413, "Too large", "the body is larger than 1 MB")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return _problem(400, "Bad request", "the body is not JSON")
    if not isinstance(doc, dict):
        return _problem(400, "Bad request", "the body is not a JSON object")
    types = _types(doc)
    try:
        if "Delete" in types:
            return _delete(doc, user)
        if "Announce" in types:
            return _announce(doc, user)
        if "Update" in types:
            return _update(doc, user)
        obj = doc.get("object") if "Create" in types else doc
        if not isinstance(obj, dict):
            return _problem(400, "Bad request", "a Create needs an embedded object")
        kind = _kind(obj)
        if kind is None:
            return _problem(
                422,
                "Unprocessable content",
                "the object must be an Experience, GuidingPrinciple or Resource",
            )
        placeholder = f"{current_app.config['SETTINGS'].base_url}/new-item"
        item = create_item(_object_from(obj, placeholder), user)
        publish_item(item, user)
        db.session.commit()
        return Response(
            json.dumps(item.to_object().to_jsonld(), ensure_ascii=False),
            status=201,
            content_type="application/activity+json",
            headers={"Location": item.iri},
        )
    except _Invalid as exc:
        db.session.rollback()
        return _problem(
            422,
            "Unprocessable content",
            "the object does not fit the vocabulary's shapes",
            exc.reasons,
        )
    except ServiceError as exc:
        db.session.rollback()
        reasons = [f"{field}: {message}" for field, message in exc.errors.items()] or [str(exc)]
        return _problem(422, "Unprocessable content", str(exc), reasons)
    except NotAllowed as exc:
        db.session.rollback()
        return _problem(403, "Forbidden", str(exc))


def _update(doc: dict[str, Any], user) -> Response:
    obj = doc.get("object")
    if not isinstance(obj, dict):
        return _problem(400, "Bad request", "an Update needs an embedded object")
    item = _own_item(obj.get("id"))
    if item is None:
        return _problem(404, "Not found", "no item of this node has that id")
    kind = _kind(obj)
    if kind is None or kind.name != item.kind:
        return _problem(422, "Unprocessable content", "an Update cannot change the type of an item")
    update_item(item, _object_from(obj, item.iri), user)
    db.session.commit()
    return Response(
        json.dumps(item.to_object().to_jsonld(), ensure_ascii=False),
        status=200,
        content_type="application/activity+json",
        headers={"Location": item.iri},
    )


def _delete(doc: dict[str, Any], user) -> Response:
    obj = doc.get("object")
    iri = obj.get("id") if isinstance(obj, dict) else obj
    item = _own_item(iri if isinstance(iri, str) else None)
    if item is None:
        return _problem(404, "Not found", "no item of this node has that id")
    withdraw_item(item, user)
    db.session.commit()
    return Response("", status=204)


def _announce(doc: dict[str, Any], user) -> Response:
    """Re-share a copy of another node's item with our followers."""
    from server.services.federation import reshare

    obj = doc.get("object")
    iri = obj.get("id") if isinstance(obj, dict) else obj
    item = db.session.scalar(select(Item).where(Item.iri == iri)) if isinstance(iri, str) else None
    if item is None or item.is_local:
        return _problem(404, "Not found", "no copy of another node's item has that id")
    reshare(item, user)
    return Response("", status=202)


@bp.errorhandler(413)
def _too_large(exc):
    return error_response(413, "Too large", "the body is larger than 1 MB")
