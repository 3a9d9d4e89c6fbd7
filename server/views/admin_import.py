"""/admin/import: upload a file or give a URL, preview the mapping, then run (admins only).

Both the preview (a dry run) and the import itself are `ImportRun`s the background worker
runs (server/importer/jobs.py); the run's page polls its progress until it is done.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from server.auth import admin_required
from server.extensions import db
from server.importer.csvfile import template
from server.importer.jobs import upload_dir
from server.importer.sources import FORMATS, is_url
from server.models import ImportRun, Territory, Theme
from vocab.kinds import NAMES


def add_routes(bp: Blueprint) -> None:
    """Add the import pages to the admin blueprint."""
    bp.add_url_rule("/import", "import_index", index, methods=["GET"])
    bp.add_url_rule("/import", "start_import", start, methods=["POST"])
    bp.add_url_rule("/import/template-<lang>.csv", "import_template", csv_template)
    bp.add_url_rule("/import/<int:run_id>", "show_import", show)
    bp.add_url_rule("/import/<int:run_id>/run", "confirm_import", confirm, methods=["POST"])


def _page(error: str = "", status: int = 200):
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(20)).all()
    return render_template(
        "admin/import.html", runs=runs, formats=FORMATS, kinds=NAMES, error=error
    ), status


@admin_required
def index():
    """The form, and the latest runs."""
    return _page()


@admin_required
def csv_template(lang: str):
    """The CSV template, headers in French or English."""
    if lang not in ("fr", "en"):
        abort(404)
    return Response(
        template(lang),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=import-template-{lang}.csv"},
    )


@admin_required
def start():
    """Queue a preview (a dry run) of an uploaded file or a URL."""
    fmt = request.form.get("format") or ""
    kind = request.form.get("kind") or ""
    if (fmt and fmt not in FORMATS) or (kind and kind not in NAMES):
        return _page(_("Choose a format and a kind from the lists."), 400)
    url = (request.form.get("url") or "").strip()
    upload = request.files.get("file")
    options: dict = {"set": (request.form.get("set") or "").strip() or None}
    if upload is not None and upload.filename:
        name = f"{secrets.token_hex(8)}-{secure_filename(upload.filename) or 'source'}"
        upload.save(upload_dir() / name)
        source, options["upload"] = upload.filename[:1000], name
    elif url:
        if not is_url(url):
            return _page(_("Give an address starting with http:// or https://."), 400)
        source = url[:1000]
    else:
        return _page(_("Choose a file or give an address."), 400)
    run = ImportRun(
        source=source,
        format=fmt,
        kind=kind,
        options=options,
        dry_run=True,
        created_by_id=current_user.id,
    )
    db.session.add(run)
    db.session.commit()
    return redirect(url_for("admin.show_import", run_id=run.id), 303)


@admin_required
def show(run_id: int):
    """A run's progress, then its report; a preview offers the mapping form."""
    run = db.session.get(ImportRun, run_id) or abort(404)
    themes = sorted(db.session.scalars(select(Theme)), key=lambda t: t.label())
    places = sorted(db.session.scalars(select(Territory)), key=lambda t: t.label())
    report = (run.options or {}).get("report") or {}
    return render_template(
        "admin/import_run.html", run=run, report=report, themes=themes, places=places
    )


@admin_required
def confirm(run_id: int):
    """Queue the import itself, with the choices made on the preview."""
    preview = db.session.get(ImportRun, run_id) or abort(404)
    if not preview.dry_run or not preview.finished:
        abort(400)
    mapped, create = {}, []
    for key, value in request.form.items():
        if not key.startswith("label-"):
            continue
        label = request.form.get(f"name-{key[6:]}", "")
        if value == "create":
            create.append(label)
        elif value.startswith("map:"):
            mapped[label] = value[4:]
    options = {k: v for k, v in (preview.options or {}).items() if k != "report"}
    options.update(
        publish=bool(request.form.get("publish")), create=False, create_labels=create, mapped=mapped
    )
    run = ImportRun(
        source=preview.source,
        format=preview.format,
        kind=preview.kind,
        options=options,
        dry_run=False,
        created_by_id=current_user.id,
    )
    db.session.add(run)
    db.session.commit()
    return redirect(url_for("admin.show_import", run_id=run.id), 303)
