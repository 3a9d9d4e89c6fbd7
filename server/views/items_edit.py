"""Editing items: create, edit, preview, publish, withdraw and restore (editors, admins)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from server.auth import editor_required
from server.extensions import db
from server.forms.items import ItemForm, item_form
from server.models import Actor, Item, NodeSettings, Territory, Theme
from server.rendering import render_langmap
from server.services import ServiceError
from server.services.items import (
    KIND_PATHS,
    create_item,
    publish_item,
    update_item,
    withdraw_item,
)
from server.services.uploads import attach_file
from server.views import display
from server.views.items import KIND_PATH, KINDS_BY_PATH, bp, render_item
from server.views.items import find_item as _find_any_item

MAX_UPLOADS = 20


def find_item(kind_path: str, slug: str) -> Item:
    """Return an item of this node to change; another node's copy is changed only by its owner."""
    item = _find_any_item(kind_path, slug)
    if not item.is_local:
        abort(403, _("This item belongs to another node: only its own node can change it."))
    return item


def _by_ids(model, ids: list[int]) -> list:
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(sorted(set(ids))))))


def preview(form: ItemForm, kind: str, item: Item | None):
    """Render the item page from the unsaved form, with the form below to go on editing."""
    data = form.to_input()
    view = SimpleNamespace(
        kind=kind,
        slug=item.slug if item else "",
        iri=None,
        status=item.status if item else "draft",
        hidden=False,
        is_published=False,
        title=data.title,
        summary=data.summary,
        body=data.body,
        body_html=render_langmap(data.body),
        language=data.language,
        license=data.license or NodeSettings.get().default_license,
        authors=data.authors,
        links=data.links,
        themes=_by_ids(Theme, data.theme_ids),
        territories=_by_ids(Territory, data.territory_ids),
        period_start=data.period_start,
        period_end=data.period_end,
        organisations=data.organisations,
        circumstances=data.circumstances,
        lessons=data.lessons,
        limits=data.limits,
        resource_type=data.resource_type,
        resource_url=data.resource_url,
        attachments=list(item.attachments) if item else [],
        derived_from=[e for e in _by_ids(Item, data.derived_from_ids) if e.kind == "experience"],
        principles=list(item.principles) if item else [],
        actor=Actor.local(),
        published_at=item.published_at if item else None,
        updated_at=item.updated_at if item else None,
        withdrawn_at=None,
    )
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
        return url_for("items.edit", kind_path=KIND_PATHS[kind], slug=item.slug)
    return url_for("items.create", kind_path=KIND_PATHS[kind])


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
    kind = KINDS_BY_PATH[kind_path]
    form = item_form(kind, display.content_languages())
    if not form.is_submitted():
        return render_form(form, kind, None)
    if form.validate():
        action = request.form.get("action", "draft")
        if action == "preview":
            return preview(form, kind, None)
        try:
            item = create_item(kind, form.to_input(), current_user)
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
    item = find_item(kind_path, slug)
    form = item_form(item.kind, display.content_languages(), item)
    if not form.is_submitted():
        return render_form(form, item.kind, item)
    if form.validate():
        if request.form.get("action") == "preview":
            return preview(form, item.kind, item)
        try:
            update_item(item, form.to_input(), current_user)
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
    item = find_item(kind_path, slug)
    publish_item(item, current_user)
    db.session.commit()
    flash(_("Published."), "success")
    return redirect(display.item_url(item), 303)


@bp.post(f"/{KIND_PATH}/<slug>/withdraw")
@editor_required
def withdraw(kind_path: str, slug: str):
    """Take an item out of public view; its address then answers 410 Gone."""
    item = find_item(kind_path, slug)
    withdraw_item(item, current_user)
    db.session.commit()
    flash(_("Withdrawn. Readers now see that it is gone; you can restore it."), "success")
    return redirect(display.item_url(item), 303)


@bp.post(f"/{KIND_PATH}/<slug>/restore")
@editor_required
def restore(kind_path: str, slug: str):
    """Publish a withdrawn item again."""
    item = find_item(kind_path, slug)
    if item.status == "withdrawn":
        publish_item(item, current_user)
        db.session.commit()
        flash(_("Restored and published again."), "success")
    return redirect(display.item_url(item), 303)
