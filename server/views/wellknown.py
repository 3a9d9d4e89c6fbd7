"""Discovery: WebFinger, NodeInfo 2.1, host-meta, and the node actor document."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy import func, select

from server.extensions import db
from server.models import Actor, Item, ItemStatus, NodeSettings, User
from server.views.negotiation import represent

bp = Blueprint("wellknown", __name__)

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def _node_actor() -> Actor:
    actor = Actor.local()
    if actor is None:
        abort(404, "The node is not initialised.")
    return actor


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/webfinger")
def webfinger() -> Response:
    """Answer `acct:HANDLE@HOST` (or the actor's URL) with links to the node actor."""
    resource = (request.args.get("resource") or "").strip()
    if not resource:
        abort(400, "The resource parameter is required.")
    actor = _node_actor()
    settings = current_app.config["SETTINGS"]
    known = {
        f"acct:{actor.handle}@{settings.host}".lower(),
        actor.iri.lower(),
        (actor.url or "").lower(),
    }
    if resource.lower() not in known:
        abort(404, "No such account on this node.")
    document = {
        "subject": f"acct:{actor.handle}@{settings.host}",
        "aliases": [actor.iri, actor.url or actor.iri],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor.iri},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": actor.url or actor.iri,
            },
        ],
    }
    return _cors(Response(_json(document), content_type="application/jrd+json"))


@bp.get("/.well-known/host-meta")
def host_meta() -> Response:
    """Point XRD clients at the WebFinger template."""
    base = current_app.config["SETTINGS"].base_url
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" '
        f'template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return _cors(Response(xml, content_type="application/xrd+xml"))


@bp.get("/.well-known/nodeinfo")
def nodeinfo_links() -> Response:
    base = current_app.config["SETTINGS"].base_url
    return _cors(jsonify(links=[{"rel": NODEINFO_SCHEMA, "href": f"{base}/nodeinfo/2.1"}]))


@bp.get("/nodeinfo/2.1")
def nodeinfo() -> Response:
    """Describe the software, protocols and usage (NodeInfo 2.1)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        software_version = version("transition-commons")
    except PackageNotFoundError:
        software_version = "0.1.0"
    users = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0
    local_posts = (
        db.session.scalar(
            select(func.count(Item.id))
            .join(Actor)
            .where(Item.status == ItemStatus.PUBLISHED, Actor.is_local.is_(True))
        )
        or 0
    )
    node = NodeSettings.get()
    document = {
        "version": "2.1",
        "software": {
            "name": "transition-commons",
            "version": software_version,
            "repository": "",
            "homepage": "",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": users}, "localPosts": local_posts},
        "metadata": {
            "nodeName": node.name,
            "nodeDescription": node.description,
            "languages": node.languages,
        },
    }
    del document["software"]["repository"], document["software"]["homepage"]
    response = Response(
        _json(document),
        content_type=f'application/json; profile="{NODEINFO_SCHEMA}#"',
    )
    return _cors(response)


@bp.get("/actor")
def actor() -> Response:
    """The node's Organization actor: JSON-LD for peers, the home page for people."""
    node_actor = _node_actor()
    manual = current_app.config["SETTINGS"].follow_approval == "manual"
    return represent(
        lambda: node_actor.to_object(manually_approves=manual),
        lambda: redirect(url_for("pages.home")),
    )


@bp.get("/actor.<fmt>")
def actor_as(fmt: str) -> Response:
    node_actor = _node_actor()
    manual = current_app.config["SETTINGS"].follow_approval == "manual"
    return represent(lambda: node_actor.to_object(manually_approves=manual), lambda: "", fmt=fmt)


def _json(document: dict) -> str:
    import json

    return json.dumps(document, ensure_ascii=False)
