"""Reports: resolve the ones other nodes sent (the moderation queue), send ours to others.

A report received is a `Report` row written by the inbox worker (`federation.handlers`
`handle_flag`). An admin resolves it here, one way per `Resolution`:

- hide: another node's item, hidden on this node;
- withdraw: this node's own item, withdrawn (its followers get a Delete);
- block: the domain of the item's origin for another node's item, the reporter's domain
  for this node's own (a node sending unfounded reports);
- dismiss: nothing done.

An editor reports another node's item to that node with `send_report`: a `Flag` from the
node actor, so the person is not named unless they choose to be.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from federation import outbox
from federation.verify import netloc_of
from server.extensions import db
from server.models import Actor, Item, Report, Resolution, RuleKind, User
from server.models.report import MAX_REASON, clean_reason
from server.services import NotAllowed, ServiceError, audit
from server.services import federation as federation_service
from server.services.items import require_editor, withdraw_item


def _require_admin(user: User | None) -> None:
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can resolve reports.")))


def resolve(report_id: int, resolution: str, user: User | None = None) -> Report:
    """Resolve an open report by hiding, withdrawing, blocking or dismissing; audited."""
    _require_admin(user)
    report = db.session.get(Report, report_id)
    if report is None:
        raise ServiceError(str(_l("No such report.")))
    if not report.is_open:
        raise ServiceError(str(_l("This report is already resolved.")))
    try:
        chosen = Resolution(resolution)
    except ValueError:
        raise ServiceError(str(_l("Choose hide, withdraw, block or dismiss."))) from None
    item = report.item
    if chosen in (Resolution.HIDE, Resolution.WITHDRAW) and item is None:
        raise ServiceError(str(_l("The reported item is no longer on this node.")))
    if chosen == Resolution.HIDE and item.is_local:
        raise ServiceError(str(_l("Withdraw this node's own items instead of hiding them.")))
    if chosen == Resolution.WITHDRAW and not item.is_local:
        raise ServiceError(str(_l("Only this node's own items can be withdrawn: hide it.")))
    who = audit.who_of(user)
    report.resolve(chosen, who)
    detail = {"report": report.id, "resolution": str(chosen)}
    if chosen == Resolution.BLOCK:
        detail["domain"] = block_target(report)
    audit.record("report.resolve", target=report.item_iri, detail=detail, who=user)
    if chosen == Resolution.HIDE:
        federation_service.set_hidden(item, True, user=user)  # commits
    elif chosen == Resolution.WITHDRAW:
        withdraw_item(item, user=user)
    elif chosen == Resolution.BLOCK:
        federation_service.add_rule(
            RuleKind.BLOCK, detail["domain"], f"report #{report.id}", user=user
        )  # commits
    db.session.commit()
    return report


def block_target(report: Report) -> str:
    """The domain `block` blocks: the origin of another node's item, else the reporter's."""
    item = report.item
    if item is not None and not item.is_local:
        return netloc_of(item.iri)
    return netloc_of(report.reporter_iri)


def send_report(item: Item, reason: str, user: User | None = None, name_me: bool = False) -> None:
    """Report another node's item to its origin: a Flag from this node's actor, naming the
    item and its owner, with the reason (and the editor's name when they choose so)."""
    require_editor(user)
    if item.is_local:
        raise ServiceError(str(_l("Only items from other nodes can be reported to their node.")))
    reason = clean_reason(reason or "")
    if not reason:
        raise ServiceError(str(_l("Say why you report this item.")), {"reason": "required"})
    if len(reason) > MAX_REASON - 400:
        raise ServiceError(str(_l("This text is too long (at most %(n)s characters).", n=4600)))
    local = Actor.local()
    owner = item.actor
    if local is None or not (owner.inbox or owner.shared_inbox):
        raise ServiceError(str(_l("The item's node cannot be reached.")))
    if name_me and user is not None:
        base_url = current_app.config["SETTINGS"].base_url
        reason = f"{reason}\n\n— {user.name} ({base_url})"
    outbox.flag(local, owner, [owner.iri, item.iri], reason)
    audit.record("report.send", target=item.iri, detail={"named": bool(name_me)}, who=user)
    db.session.commit()
