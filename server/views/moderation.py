"""Moderation pages: the audit log, the reports queue, erasure of a person (admins), and
the report an editor sends about another node's item."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from server.auth import admin_required, editor_required
from server.extensions import db
from server.models import AuditEntry, Item, Report, ReportState, Resolution
from server.models.audit import ACTION_NAME
from server.services import NotAllowed, ServiceError
from server.services import erasure as erasure_service
from server.services import reports as report_service
from server.views.pages import page_number

bp = Blueprint("moderation", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/audit")
@admin_required
def audit():
    """The audit log, newest first, a page at a time, of one action when asked."""
    action = (request.args.get("action") or "").strip()
    if action and not ACTION_NAME.match(action):
        abort(400)
    page = db.paginate(
        AuditEntry.newest(action or None), page=page_number(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "admin/audit.html", page=page, action=action, actions=AuditEntry.actions()
    )


_STATES = {"open": ReportState.OPEN, "resolved": ReportState.RESOLVED, "all": None}


@bp.get("/reports")
@admin_required
def reports():
    """The reports other nodes sent: open ones first, resolved ones on request."""
    shown = request.args.get("state", "open")
    if shown not in _STATES:
        shown = "open"
    page = db.paginate(
        Report.queue(_STATES[shown]), page=page_number(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "admin/reports.html",
        page=page,
        shown=shown,
        Resolution=Resolution,
        block_target=report_service.block_target,
        resolution_labels=resolution_labels(),
    )


def resolution_labels() -> dict[str, str]:
    return {
        Resolution.HIDE: _("Hidden on this node"),
        Resolution.WITHDRAW: _("Withdrawn"),
        Resolution.BLOCK: _("Domain blocked"),
        Resolution.DISMISS: _("Dismissed"),
    }


@bp.post("/reports/<int:report_id>/resolve")
@admin_required
def resolve(report_id: int):
    """Resolve a report: hide, withdraw, block the domain, or dismiss."""
    if db.session.get(Report, report_id) is None:
        abort(404)
    resolution = request.form.get("resolution", "")
    if resolution not in set(Resolution):
        abort(400)
    try:
        report_service.resolve(report_id, resolution, user=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The report is resolved."), "success")
    return redirect(url_for("moderation.reports"), 303)


@bp.post("/reports/send/<int:item_id>")
@editor_required
def send_report(item_id: int):
    """Report another node's item to that node (a Flag sent as this node)."""
    item = db.get_or_404(Item, item_id)
    reason = (request.form.get("reason") or "")[:10_000]
    try:
        report_service.send_report(
            item, reason, user=current_user, name_me=request.form.get("name_me") == "1"
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The report is on its way to the item's node."), "success")
    return redirect(request.referrer or url_for("pages.home"), 303)


@bp.route("/erasure", methods=["GET", "POST"])
@admin_required
def erasure():
    """Erase a person: their name out of this node's items, their account deleted."""
    values = {"name": "", "replace_with": "", "account": ""}
    status, error = 200, ""
    if request.method == "POST":
        values = {key: (request.form.get(key) or "").strip()[:300] for key in values}
        if request.form.get("confirm") != "1":
            error, status = _("Tick the box to confirm the erasure."), 422
        else:
            try:
                erased = erasure_service.erase_author(
                    values["name"],
                    values["replace_with"] or None,
                    values["account"] or None,
                    user=current_user,
                )
            except (ServiceError, NotAllowed) as exc:
                db.session.rollback()
                error, status = str(exc), 422
            else:
                flash(
                    _(
                        "Erasure done: %(n)s items changed, %(m)s sent again to followers.",
                        n=erased.items_changed,
                        m=erased.published_again,
                    ),
                    "success",
                )
                if erased.account_removed:
                    flash(_("The person's account was deleted."), "success")
                return redirect(url_for("moderation.erasure"), 303)
    return render_template(
        "admin/erasure.html", values=values, error=error, placeholder=erasure_service.PLACEHOLDER
    ), status
