"""Managing the thesaurus (admins) and territories (editors and admins).

These pages live on the admin blueprint (endpoints `admin.themes`, ...): `server.views.admin`
adds them with `add_routes(bp)`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from server.auth import admin_required, editor_required
from server.extensions import db
from server.forms.admin import TerritoryForm, ThemeForm
from server.models import Territory, Theme
from server.services import ServiceError
from server.services.taxonomy import save_territory, save_theme
from server.views import display


def add_routes(bp: Blueprint) -> None:
    """Add the thesaurus and territory pages to `bp`, under its URL prefix."""
    bp.add_url_rule("/themes", view_func=themes, methods=["GET"])
    bp.add_url_rule("/themes/new", view_func=new_theme, methods=["GET", "POST"])
    bp.add_url_rule("/themes/<slug>/edit", view_func=edit_theme, methods=["GET", "POST"])
    bp.add_url_rule("/territories", view_func=territories, methods=["GET"])
    bp.add_url_rule("/territories/new", view_func=new_territory, methods=["GET", "POST"])
    bp.add_url_rule("/territories/<slug>/edit", view_func=edit_territory, methods=["GET", "POST"])


def _sorted(rows: list, languages: list[str]) -> list:
    return sorted(rows, key=lambda row: row.label(languages).casefold())


@admin_required
def themes():
    """List the thesaurus concepts to edit."""
    rows = db.session.scalars(select(Theme)).all()
    return render_template("admin/themes.html", themes=_sorted(rows, display.content_languages()))


def _save_theme(theme: Theme | None):
    form = ThemeForm.build(display.content_languages(), theme)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                saved = save_theme(form.to_input(), theme, current_user)
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                form.add_errors(exc.errors, str(exc))
            else:
                flash(_("Concept saved."), "success")
                return redirect(url_for("pages.theme", slug=saved.slug), 303)
    return render_template("admin/theme_form.html", form=form, theme=theme), status


@admin_required
def new_theme():
    """Add a concept to the thesaurus."""
    return _save_theme(None)


@admin_required
def edit_theme(slug: str):
    """Edit a concept's labels, definitions, links and alignments."""
    display.require_sane_slug(slug)
    theme = Theme.by_slug(slug)
    if theme is None:
        abort(404)
    return _save_theme(theme)


@editor_required
def territories():
    """List territories to edit."""
    rows = db.session.scalars(select(Territory)).all()
    return render_template(
        "admin/territories.html", territories=_sorted(rows, display.content_languages())
    )


def _save_territory(territory: Territory | None):
    form = TerritoryForm.build(display.content_languages(), territory)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                saved = save_territory(form.to_input(), territory, current_user)
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                form.add_errors(exc.errors, str(exc))
            else:
                flash(_("Territory saved."), "success")
                return redirect(url_for("pages.territory", slug=saved.slug), 303)
    return render_template("admin/territory_form.html", form=form, territory=territory), status


@editor_required
def new_territory():
    """Add a territory."""
    return _save_territory(None)


@editor_required
def edit_territory(slug: str):
    """Edit a territory's names, kind, position, code and parent."""
    display.require_sane_slug(slug)
    territory = Territory.by_slug(slug)
    if territory is None:
        abort(404)
    return _save_territory(territory)
