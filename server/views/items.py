"""Item pages: experiences, guiding principles and resources, in every representation."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, send_file, url_for
from flask_login import current_user

from server.extensions import db
from server.models import Attachment, Item
from server.services.items import KIND_PATHS
from server.services.uploads import stored_path
from server.views import display
from server.views.negotiation import RDF_TYPES, alternates, chosen_type, represent
from vocab.terms import AS2_CONTEXT_URL

bp = Blueprint("items", __name__)

KINDS_BY_PATH = {path: kind for kind, path in KIND_PATHS.items()}
KIND_PATH = "<any(experiences, principles, resources):kind_path>"
# A withdrawn item answers these with a Tombstone; other machine formats get a plain 410.
JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
# Shown in the browser; anything else is downloaded, so no uploaded file runs as a page.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


def find_item(kind_path: str, slug: str) -> Item:
    """Return the item at this address, or 404 when there is none for this reader."""
    display.require_sane_slug(slug)
    item = Item.by_slug(KINDS_BY_PATH[kind_path], slug)
    if item is None:
        abort(404)
    if (item.status == "draft" or item.hidden) and not display.can_edit():
        abort(404)
    return item


def visible_links(items: list[Item]) -> list[Item]:
    """Keep linked items a reader may see: editors also see drafts and withdrawn ones."""
    if display.can_edit():
        return list(items)
    return [i for i in items if i.is_published and not i.hidden]


def render_item(item, status: int = 200, preview_form=None, **context):
    """Render an item page (a saved item, or a preview built from a form)."""
    derived = visible_links(item.derived_from) if item.kind == "principle" else []
    principles = visible_links(item.principles) if item.kind == "experience" else []
    return render_template(
        "items/show.html",
        item=item,
        derived_from=derived,
        principles=principles,
        alternates=alternates(item.iri) if item.iri and preview_form is None else [],
        preview_form=preview_form,
        **context,
    ), status


@bp.get(f"/{KIND_PATH}/<slug>")
@bp.get(f"/{KIND_PATH}/<slug>.<any(jsonld, ttl, nt, rdf):fmt>")
def show(kind_path: str, slug: str, fmt: str | None = None):
    """Show an item; machines get its RDF from the same address (or a suffixed one)."""
    item = find_item(kind_path, slug)
    if item.status == "withdrawn":
        wanted = (
            chosen_type() if fmt is None else ("application/ld+json" if fmt == "jsonld" else "")
        )
        if wanted in JSON_TYPES:
            return tombstone(item)
        if wanted != "text/html":
            abort(410)
        if display.can_edit():
            return render_item(item, status=410)
        return render_template("items/gone.html", item=item), 410

    def html() -> str:
        return render_item(item)[0]

    if item.is_local:
        return represent(item.to_object, html, fmt)
    copy_url = url_for("items.show", kind_path=kind_path, slug=slug, _external=True)
    return represent(lambda: item.to_object(copy_url=copy_url), html, fmt)


def tombstone(item: Item) -> Response:
    """Answer a withdrawn item's address with an ActivityStreams Tombstone, 410 Gone."""
    document = {
        "@context": AS2_CONTEXT_URL,
        "type": "Tombstone",
        "id": item.iri,
        "formerType": item.to_object().to_jsonld()["type"][0],
        "deleted": (item.withdrawn_at or item.updated_at).isoformat().replace("+00:00", "Z"),
    }
    response = Response(json.dumps(document), status=410, content_type=RDF_TYPES[JSON_TYPES[0]][1])
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/files/<int:attachment_id>/<path:filename>")
def attachment(attachment_id: int, filename: str):
    """Serve a file attached to an item the reader may see."""
    display.require_sane_slug(filename)
    row = db.session.get(Attachment, attachment_id)
    if row is None or row.filename != filename:
        abort(404)
    item = row.item
    if not (item.is_published and not item.hidden) and not (
        current_user.is_authenticated and current_user.can_edit
    ):
        abort(410 if item.status == "withdrawn" else 404)
    path = stored_path(row)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=row.media_type,
        download_name=row.filename,
        as_attachment=row.media_type not in INLINE_TYPES,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


# The editing routes live beside, on this same blueprint.
from server.views import items_edit  # noqa: E402, F401
