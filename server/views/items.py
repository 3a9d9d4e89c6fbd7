"""Item pages: experiences, guiding principles and resources, in every representation;
and their editing: create, edit, preview, publish, withdraw and restore (editors, admins)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from server.auth import editor_required
from server.extensions import db
from server.forms.items import ItemForm, item_form
from server.models import Actor, Attachment, Item, ItemStatus, NodeSettings
from server.services import ServiceError
from server.services.items import (
    create_item,
    publish_item,
    rendered,
    update_item,
    withdraw_item,
)
from server.services.uploads import attach_file, stored_path
from server.views import display
from server.views.negotiation import RDF_TYPES, alternates, chosen_type, represent
from vocab import kinds
from vocab.terms import AS2_CONTEXT_URL

bp = Blueprint("items", __name__)

KIND_PATH = f"<any({', '.join(kinds.PATHS)}):kind_path>"
# A withdrawn item answers these with a Tombstone; other machine formats get a plain 410.
JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
# Shown in the browser; anything else is downloaded, so no uploaded file runs as a page.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


def find_item(kind_path: str, slug: str) -> Item:
    """Return the item at this address, or 404 when there is none for this reader."""
    display.require_sane_slug(slug)
    item = Item.by_slug(kinds.by_path(kind_path).name, slug)
    if item is None:
        abort(404)
    if (item.status == ItemStatus.DRAFT or item.hidden) and not display.can_edit():
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
    if item.status == ItemStatus.WITHDRAWN:
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
        abort(410 if item.status == ItemStatus.WITHDRAWN else 404)
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


MAX_UPLOADS = 20


def find_own_item(kind_path: str, slug: str) -> Item:
    """Return an item of this node to change; another node's copy is changed only by its owner."""
    item = find_item(kind_path, slug)
    if not item.is_local:
        abort(403, _("This item belongs to another node: only its own node can change it."))
    return item


def preview(form: ItemForm, kind: str, item: Item | None):
    """Render the item page from the unsaved form, with the form below to go on editing."""
    obj = rendered(form.to_object())
    draft = Item(kind=kind)  # never added to the session: it only lays the page out
    draft.apply(obj)
    view = SimpleNamespace(
        **{column: getattr(draft, column) for column in Item.columns_of(obj)},
        kind=kind,
        slug=item.slug if item else "",
        iri=None,
        status=item.status if item else ItemStatus.DRAFT,
        hidden=False,
        is_published=False,
        themes=list(draft.themes),
        territories=list(draft.territories),
        derived_from=list(draft.derived_from),
        attachments=list(item.attachments) if item else [],
        principles=list(item.principles) if item else [],
        actor=Actor.local(),
        published_at=item.published_at if item else None,
        updated_at=item.updated_at if item else None,
        withdrawn_at=None,
    )
    view.license = view.license or NodeSettings.get().default_license
    body, _status = render_item(
        view,
        preview_form=form,
        kind=kind,
        form_action=form_action(kind, item),
        editing=item is not None,
    )
    return body, 200


def save_files(item: Item, form: ItemForm) -> None:
    """Attach the uploaded files and drop those the editor ticked for removal."""
    uploads = form.uploads()
    if len(uploads) > MAX_UPLOADS:
        message = _("Attach at most %(n)s files at a time.", n=MAX_UPLOADS)
        raise ServiceError(message, {"attachment": message})
    for storage in uploads:
        attach_file(item, storage.filename, storage.stream)
    removal = getattr(form, "remove_attachments", None)
    if removal is not None and removal.data:
        unwanted = set(removal.data)
        for row in list(item.attachments):
            if str(row.id) in unwanted:
                item.attachments.remove(row)


def form_action(kind: str, item: Item | None) -> str:
    if item is not None:
        return url_for("items.edit", kind_path=kinds.by_name(kind).path, slug=item.slug)
    return url_for("items.create", kind_path=kinds.by_name(kind).path)


def render_form(form: ItemForm, kind: str, item: Item | None, status: int = 200):
    return render_template(
        "items/form.html",
        form=form,
        kind=kind,
        item=item,
        form_action=form_action(kind, item),
        editing=item is not None,
    ), status


@bp.route(f"/{KIND_PATH}/new", methods=["GET", "POST"])
@editor_required
def create(kind_path: str):
    """Write a new item; save it as a draft, publish it, or preview it first."""
    kind = kinds.by_path(kind_path).name
    form = item_form(kind, display.content_languages())
    if not form.is_submitted():
        return render_form(form, kind, None)
    if form.validate():
        action = request.form.get("action", "draft")
        if action == "preview":
            return preview(form, kind, None)
        try:
            item = create_item(form.to_object(), current_user)
            save_files(item, form)
            if action == "publish":
                publish_item(item, current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            form.add_errors(exc.errors, str(exc))
        else:
            flash(_("Published.") if item.is_published else _("Saved as a draft."), "success")
            return redirect(display.item_url(item), 303)
    return render_form(form, kind, None, 422)


@bp.route(f"/{KIND_PATH}/<slug>/edit", methods=["GET", "POST"])
@editor_required
def edit(kind_path: str, slug: str):
    """Change an item; its address stays the same."""
    item = find_own_item(kind_path, slug)
    form = item_form(item.kind, display.content_languages(), item)
    if not form.is_submitted():
        return render_form(form, item.kind, item)
    if form.validate():
        if request.form.get("action") == "preview":
            return preview(form, item.kind, item)
        try:
            update_item(item, form.to_object(), current_user)
            save_files(item, form)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            form.add_errors(exc.errors, str(exc))
        else:
            flash(_("Changes saved."), "success")
            return redirect(display.item_url(item), 303)
    return render_form(form, item.kind, item, 422)


@bp.post(f"/{KIND_PATH}/<slug>/publish")
@editor_required
def publish(kind_path: str, slug: str):
    """Make a draft public."""
    item = find_own_item(kind_path, slug)
    publish_item(item, current_user)
    db.session.commit()
    flash(_("Published."), "success")
    return redirect(display.item_url(item), 303)


@bp.post(f"/{KIND_PATH}/<slug>/withdraw")
@editor_required
def withdraw(kind_path: str, slug: str):
    """Take an item out of public view; its address then answers 410 Gone."""
    item = find_own_item(kind_path, slug)
    withdraw_item(item, current_user)
    db.session.commit()
    flash(_("Withdrawn. Readers now see that it is gone; you can restore it."), "success")
    return redirect(display.item_url(item), 303)


@bp.post(f"/{KIND_PATH}/<slug>/restore")
@editor_required
def restore(kind_path: str, slug: str):
    """Publish a withdrawn item again."""
    item = find_own_item(kind_path, slug)
    if item.status == ItemStatus.WITHDRAWN:
        publish_item(item, current_user)
        db.session.commit()
        flash(_("Restored and published again."), "success")
    return redirect(display.item_url(item), 303)
