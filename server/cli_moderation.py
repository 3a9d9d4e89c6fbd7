"""`commons` commands for moderation: the audit log, the reports queue, erasure of a person."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from server.cli_checks import require_initialised
from server.extensions import db

# Added to the `commons` group by `server.cli`.
moderation_commands = click.Group("moderation")


@moderation_commands.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--action", default=None, help="Only this action (e.g. domain.block).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@with_appcontext
def audit_command(limit: int, action: str | None, as_json: bool) -> None:
    """Show the audit log, newest first: when, who, action, target, detail."""
    from server.models import AuditEntry
    from server.models.audit import ACTION_NAME

    require_initialised()
    if action is not None and not ACTION_NAME.match(action):
        raise click.BadParameter(
            "an action is a dotted name such as domain.block", param_hint="--action"
        )
    entries = db.session.scalars(AuditEntry.newest(action).limit(limit))
    for entry in entries:
        row = {
            "at": entry.at.isoformat(),
            "who": entry.who,
            "action": entry.action,
            "target": entry.target,
            "detail": entry.detail,
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        else:
            detail = json.dumps(entry.detail, ensure_ascii=False) if entry.detail else ""
            click.echo("\t".join([row["at"], entry.who, entry.action, entry.target or "-", detail]))


@moderation_commands.command("reports")
@click.option("--all", "show_all", is_flag=True, help="Resolved reports too.")
@with_appcontext
def reports_command(show_all: bool) -> None:
    """List the reports other nodes sent (open ones unless --all)."""
    from server.models import Report, ReportState

    require_initialised()
    for report in db.session.scalars(Report.queue(None if show_all else ReportState.OPEN)):
        state = report.resolution or report.state
        reason = " ".join(report.reason.split())[:120]
        click.echo(f"#{report.id}\t{state}\t{report.item_iri}\t{report.reporter_iri}\t{reason}")


@moderation_commands.command("resolve-report")
@click.argument("report_id", type=int)
@click.argument("resolution", type=click.Choice(["hide", "withdraw", "block", "dismiss"]))
@with_appcontext
def resolve_report_command(report_id: int, resolution: str) -> None:
    """Resolve a report: hide (another node's item), withdraw (ours), block, dismiss."""
    from server.services import ServiceError
    from server.services.reports import resolve

    require_initialised()
    try:
        resolve(report_id, resolution)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Report #{report_id} resolved: {resolution}.")


@moderation_commands.command("erase-author")
@click.argument("name")
@click.option("--replace-with", default=None, help="Text put where the name was.")
@click.option("--account", "account", default=None, help="Email of the person's account.")
@with_appcontext
def erase_author_command(name: str, replace_with: str | None, account: str | None) -> None:
    """Take NAME out of every item of this node, re-publish them, delete the account."""
    from server.services import ServiceError
    from server.services.erasure import erase_author

    require_initialised()
    try:
        erased = erase_author(name, replace_with, account)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{erased.items_changed} items changed, {erased.published_again} sent again to "
        f"followers; account {'deleted' if erased.account_removed else 'none found'}."
    )
