"""ActivityPub endpoints: outbox, followers, following, activities (the inbox: views/inbox.py)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import func, select

from server.extensions import csrf, db
from server.models import Actor, Follow, FollowState, OutboxActivity
from vocab.context import CONTEXT

bp = Blueprint("activitypub", __name__)
csrf.exempt(bp)

AS_JSON = "application/activity+json"
PAGE_SIZE = 20


def _json(
    document: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(
        json.dumps(document, ensure_ascii=False), status=status, content_type=AS_JSON
    )
    response.headers["Vary"] = "Accept"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _node() -> Actor:
    actor = Actor.local()
    if actor is None:
        abort(404)
    return actor


def _collection(url: str, total: int, first: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollection",
        "id": url,
        "totalItems": total,
    }
    if first:
        doc["first"] = first
    return doc


@bp.get("/actor/outbox")
def outbox() -> Response:
    """The node's public activities as a paged OrderedCollection, newest first."""
    actor = _node()
    url = actor.outbox
    if not request.args.get("page"):
        total = (
            db.session.scalar(
                select(func.count(OutboxActivity.id)).where(OutboxActivity.public.is_(True))
            )
            or 0
        )
        return _json(_collection(url, total, f"{url}?page=true"))
    before = request.args.get("before", type=int)
    rows = list(db.session.scalars(OutboxActivity.public_page(before, PAGE_SIZE)))
    page_url = f"{url}?page=true" + (f"&before={before}" if before else "")
    page: dict[str, Any] = {
        "@context": list(CONTEXT),
        "type": "OrderedCollectionPage",
        "id": page_url,
        "partOf": url,
        "orderedItems": [{k: v for k, v in row.raw.items() if k != "@context"} for row in rows],
    }
    if len(rows) == PAGE_SIZE:
        page["next"] = f"{url}?page=true&before={rows[-1].id}"
    return _json(page)


def _actor_page(url: str, query, count_query) -> Response:
    total = db.session.scalar(count_query) or 0
    if not request.args.get("page"):
        return _json(_collection(url, total, f"{url}?page=1"))
    number = max(1, request.args.get("page", 1, type=int) or 1)
    actors = list(
        db.session.scalars(
            query.order_by(Actor.id).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
        )
    )
    page: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollectionPage",
        "id": f"{url}?page={number}",
        "partOf": url,
        "totalItems": total,
        "orderedItems": [a.iri for a in actors],
    }
    if number * PAGE_SIZE < total:
        page["next"] = f"{url}?page={number + 1}"
    return _json(page)


@bp.get("/actor/followers")
def followers() -> Response:
    actor = _node()
    query = Follow.accepted_followers(actor)
    count = select(func.count(Follow.id)).where(
        Follow.followed_id == actor.id, Follow.state == FollowState.ACCEPTED
    )
    return _actor_page(actor.followers_url, query, count)


@bp.get("/actor/following")
def following() -> Response:
    actor = _node()
    query = (
        select(Actor)
        .join(Follow, Follow.followed_id == Actor.id)
        .where(Follow.follower_id == actor.id, Follow.state == FollowState.ACCEPTED)
    )
    count = select(func.count(Follow.id)).where(
        Follow.follower_id == actor.id, Follow.state == FollowState.ACCEPTED
    )
    return _actor_page(actor.following_url, query, count)


@bp.get("/activities/<uuid>")
def activity(uuid: str) -> Response:
    """A public activity this node sent, as sent."""
    base = current_app.config["SETTINGS"].base_url
    row = db.session.scalar(
        select(OutboxActivity).where(OutboxActivity.iri == f"{base}/activities/{uuid}")
    )
    if row is None or not row.public:
        abort(404)
    return _json(row.raw)
