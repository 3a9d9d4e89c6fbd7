"""Admin pages for federation: follows both ways, domain rules, deliveries, refused activities."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from federation.delivery import retry_origin
from server.auth import admin_required, editor_required
from server.extensions import db
from server.models import (
    Actor,
    BackfillState,
    Delivery,
    DeliveryState,
    DomainRule,
    Follow,
    FollowState,
    InboxMessage,
    InboxState,
    Item,
    PeerHealth,
    RuleKind,
)
from server.services import ServiceError
from server.services import federation as service
from server.services.keys import rotate_keys

bp = Blueprint("federation", __name__, url_prefix="/admin/federation")


def _back():
    return redirect(url_for("federation.index"))


def _run(fn, *args, success: str = ""):
    """Call a federation service for the signed-in admin; flash the outcome."""
    try:
        fn(*args, user=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    if success:
        flash(success, "success")
    return True


@bp.get("/")
@admin_required
def index():
    """Everything an admin needs to see about other nodes, on one page."""
    local = Actor.local()
    if local is None:
        abort(404)
    following = db.session.scalars(
        select(Follow).where(Follow.follower_id == local.id).order_by(Follow.id)
    ).all()
    followers = db.session.scalars(
        select(Follow)
        .where(Follow.followed_id == local.id)
        .order_by(Follow.state.desc(), Follow.id)
    ).all()
    rules = db.session.scalars(select(DomainRule).order_by(DomainRule.kind, DomainRule.host)).all()
    counts = db.session.execute(
        select(Delivery.origin, Delivery.state, func.count(Delivery.id)).group_by(
            Delivery.origin, Delivery.state
        )
    ).all()
    health = {h.origin: h for h in db.session.scalars(select(PeerHealth))}
    deliveries: dict[str, dict[str, int]] = {}
    for origin, state, count in counts:
        deliveries.setdefault(origin, dict.fromkeys(DeliveryState, 0))[state] = count
    last_errors = _latest_errors()
    refused = db.session.scalars(
        select(InboxMessage)
        .where(InboxMessage.state.in_([InboxState.REJECTED, InboxState.FAILED]))
        .order_by(InboxMessage.id.desc())
        .limit(50)
    ).all()
    hidden = db.session.scalars(
        select(Item).where(Item.hidden.is_(True)).order_by(Item.id.desc())
    ).all()
    return render_template(
        "federation/index.html",
        FollowState=FollowState,
        follow_states={
            FollowState.PENDING: _("Waiting for an answer"),
            FollowState.ACCEPTED: _("Accepted"),
            FollowState.REJECTED: _("Rejected"),
        },
        backfill_states={
            BackfillState.PENDING: _("Waiting"),
            BackfillState.RUNNING: _("Importing"),
            BackfillState.DONE: _("Done"),
            BackfillState.FAILED: _("Failed"),
        },
        rule_kinds={RuleKind.BLOCK: _("Block"), RuleKind.ALLOW: _("Allow")},
        local=local,
        following=following,
        followers=followers,
        rules=rules,
        deliveries=sorted(deliveries.items()),
        health=health,
        last_errors=last_errors,
        refused=refused,
        hidden=hidden,
    )


def _latest_errors() -> dict[str, str]:
    """Return, per origin, the error of its most recently updated unfinished delivery.

    One pass over the unfinished deliveries, as the counts above: a window function ranks
    each origin's rows by `updated_at` (set by every attempt), newest first.
    """
    newest_first = func.row_number().over(
        partition_by=Delivery.origin, order_by=(Delivery.updated_at.desc(), Delivery.id.desc())
    )
    ranked = (
        select(Delivery.origin, Delivery.last_error, newest_first.label("rank"))
        .where(Delivery.state != DeliveryState.DONE, Delivery.last_error.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.origin, ranked.c.last_error).where(ranked.c.rank == 1)
    )
    return dict(rows.all())


@bp.post("/follow")
@admin_required
def follow():
    target = (request.form.get("target") or "").strip()[:500]
    if not target:
        flash(_("Give an actor URL or a handle such as name@host."), "error")
        return _back()
    _run(service.follow, target, success=_("Follow request sent to %(target)s.", target=target))
    return _back()


@bp.post("/following/<int:follow_id>/undo")
@admin_required
def unfollow(follow_id: int):
    _run(service.unfollow, follow_id, success=_("You no longer follow this node."))
    return _back()


@bp.post("/followers/<int:follow_id>/accept")
@admin_required
def accept(follow_id: int):
    _run(service.answer, follow_id, True, success=_("Follow request accepted."))
    return _back()


@bp.post("/followers/<int:follow_id>/reject")
@admin_required
def reject(follow_id: int):
    _run(service.answer, follow_id, False, success=_("Follower rejected."))
    return _back()


@bp.post("/rules")
@admin_required
def add_rule():
    kind = request.form.get("kind", RuleKind.BLOCK)
    if kind not in set(RuleKind):
        abort(400)
    _run(
        service.add_rule,
        kind,
        request.form.get("host", ""),
        request.form.get("reason", ""),
        success=_("Rule saved."),
    )
    return _back()


@bp.post("/rules/<int:rule_id>/remove")
@admin_required
def remove_rule(rule_id: int):
    _run(service.remove_rule, rule_id, success=_("Rule removed."))
    return _back()


@bp.post("/deliveries/retry")
@admin_required
def retry():
    origin = (request.form.get("origin") or "").strip()
    known = db.session.scalar(select(Delivery.id).where(Delivery.origin == origin).limit(1))
    if not known:
        abort(404)
    count = retry_origin(origin)
    flash(
        _("%(n)s deliveries to %(origin)s will be tried again now.", n=count, origin=origin),
        "success",
    )
    return _back()


@bp.post("/items/<int:item_id>/hide")
@admin_required
def hide(item_id: int):
    item = db.get_or_404(Item, item_id)
    _run(service.set_hidden, item, True, success=_("The item is hidden on this node."))
    return redirect(request.referrer or url_for("federation.index"))


@bp.post("/items/<int:item_id>/show")
@admin_required
def show(item_id: int):
    item = db.get_or_404(Item, item_id)
    _run(service.set_hidden, item, False, success=_("The item is shown again."))
    return _back()


@bp.post("/items/<int:item_id>/reshare")
@editor_required
def reshare(item_id: int):
    item = db.get_or_404(Item, item_id)
    _run(service.reshare, item, success=_("Re-shared with this node's followers."))
    return redirect(request.referrer or url_for("pages.home"))


@bp.post("/key/rotate")
@admin_required
def rotate_key():
    _run(rotate_keys, success=_("New key in use; its followers are being sent it."))
    return _back()
