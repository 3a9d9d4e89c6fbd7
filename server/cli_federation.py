"""`commons` commands for following other nodes and moderating federation."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from server.cli_checks import require_initialised
from server.extensions import db

# Added to the `commons` group by `server.cli`.
federation_commands = click.Group("federation")


def _service(fn, *args):
    """Run a federation service; turn its refusal into a one-line error."""
    from server.services import ServiceError

    try:
        return fn(*args)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None


def _follow_row(target: str, incoming: bool):
    """Find the follow with the remote actor named by URL, handle@host or host."""
    from server.models import Actor, Follow

    local = Actor.local()
    column = Follow.followed_id if incoming else Follow.follower_id
    for row in db.session.scalars(select(Follow).where(column == local.id)):
        actor = row.follower if incoming else row.followed
        if (
            target in {actor.iri, actor.acct, actor.acct.lstrip("@"), f"@{actor.acct}"}
            or target == actor.origin
        ):
            return row
    raise click.ClickException(f"no follow with {target}")


@federation_commands.command("follow")
@click.argument("target")
@with_appcontext
def follow_command(target: str) -> None:
    """Follow a remote node (actor URL or handle@host); the worker delivers and backfills."""
    from server.services.federation import follow

    require_initialised()
    row = _service(follow, target)
    click.echo(
        f"Follow of {row.followed.iri} sent ({row.state}); "
        "the worker backfills once it is accepted."
    )


@federation_commands.command("unfollow")
@click.argument("target")
@with_appcontext
def unfollow_command(target: str) -> None:
    """Stop following a node (sends Undo)."""
    from server.services.federation import unfollow

    require_initialised()
    row = _follow_row(target, incoming=False)
    iri = row.followed.iri
    _service(unfollow, row.id)
    click.echo(f"No longer following {iri}.")


@federation_commands.command("following")
@with_appcontext
def following_command() -> None:
    """List the nodes this node follows, with follow and backfill progress."""
    from server.models import Actor, Follow

    require_initialised()
    local = Actor.local()
    for row in db.session.scalars(
        select(Follow).where(Follow.follower_id == local.id).order_by(Follow.id)
    ):
        backfill = row.backfill_state or "-"
        click.echo(
            f"{row.followed.iri}\t{row.state}\tbackfill {backfill}: {row.backfill_count} items"
        )


@federation_commands.command("followers")
@with_appcontext
def followers_command() -> None:
    """List the nodes that follow this one, with their state (pending, accepted, rejected)."""
    from server.models import Actor, Follow

    require_initialised()
    local = Actor.local()
    for row in db.session.scalars(
        select(Follow).where(Follow.followed_id == local.id).order_by(Follow.id)
    ):
        click.echo(f"{row.follower.iri}\t{row.state}")


@federation_commands.command("accept-follower")
@click.argument("target")
@with_appcontext
def accept_follower_command(target: str) -> None:
    """Accept a node's request to follow this one (manual approval)."""
    from server.services.federation import answer

    require_initialised()
    row = _follow_row(target, incoming=True)
    _service(answer, row.id, True)
    click.echo(f"Accepted {row.follower.iri}.")


@federation_commands.command("reject-follower")
@click.argument("target")
@with_appcontext
def reject_follower_command(target: str) -> None:
    """Reject a follow request, or remove an accepted follower."""
    from server.services.federation import answer

    require_initialised()
    row = _follow_row(target, incoming=True)
    _service(answer, row.id, False)
    click.echo(f"Rejected {row.follower.iri}.")


@federation_commands.command("block")
@click.argument("domain")
@click.option("--reason", default="")
@with_appcontext
def block_command(domain: str, reason: str) -> None:
    """Block a domain (host, or host:port): it is refused with 403 and follows with it end."""
    from server.models import RuleKind
    from server.services.federation import add_rule

    require_initialised()
    rule = _service(add_rule, RuleKind.BLOCK, domain, reason)
    click.echo(f"Blocked {rule.host}.")


@federation_commands.command("allow")
@click.argument("domain")
@with_appcontext
def allow_command(domain: str) -> None:
    """Add a domain to the allowlist (used when COMMONS_FEDERATION_MODE=allowlist)."""
    from server.models import RuleKind
    from server.services.federation import add_rule

    require_initialised()
    rule = _service(add_rule, RuleKind.ALLOW, domain)
    click.echo(f"Allowed {rule.host}.")


@federation_commands.command("unblock")
@click.argument("domain")
@with_appcontext
def unblock_command(domain: str) -> None:
    """Lift a block (or remove a domain from the allowlist with --allowed)."""
    from server.models import DomainRule
    from server.services.federation import normalise_host, remove_rule

    require_initialised()
    host = _service(normalise_host, domain)
    rules = db.session.scalars(select(DomainRule).where(DomainRule.host == host)).all()
    if not rules:
        raise click.ClickException(f"no rule for {host}")
    for rule in rules:
        remove_rule(rule.id)
    click.echo(f"Removed the rules for {host}.")


@federation_commands.command("deliveries")
@click.option(
    "--retry",
    "retry",
    default=None,
    metavar="ORIGIN",
    help="Make every delivery to ORIGIN due now.",
)
@with_appcontext
def deliveries_command(retry: str | None) -> None:
    """Show pending and failed deliveries per origin; --retry ORIGIN sends them again now."""
    from federation.delivery import retry_origin
    from server.models import Delivery, PeerHealth

    require_initialised()
    if retry:
        count = retry_origin(retry.rstrip("/"))
        click.echo(f"{count} deliveries to {retry} are due now.")
        return
    rows = db.session.execute(
        select(Delivery.origin, Delivery.state, func.count(Delivery.id)).group_by(
            Delivery.origin, Delivery.state
        )
    ).all()
    _echo_worker_status()
    health = {h.origin: h for h in db.session.scalars(select(PeerHealth))}
    by_origin: dict[str, dict[str, int]] = {}
    for origin, state, count in rows:
        by_origin.setdefault(origin, {})[state] = count
    for origin, counts in sorted(by_origin.items()):
        mark = " (unavailable)" if origin in health and health[origin].unavailable else ""
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(f"{origin}{mark}\t{summary}")


def _echo_worker_status() -> None:
    """Say how the background worker `commons serve` supervises is doing, if it runs one."""
    from server.serve import worker_status

    status = worker_status(current_app.config["SETTINGS"].data_dir)
    if status is not None:
        line = (
            f"worker: {status['state']} (pid {status['pid']}), restarted {status['restarts']} times"
        )
        if status.get("last_exit"):
            last = status["last_exit"]
            line += f"; last died with code {last['code']} at {last['at']}"
        click.echo(line)
    # Every worker, on any host, beats in the database (server/worker.py Heartbeat).
    from server.models import clock
    from server.models.heartbeat import WorkerHeartbeat

    now = clock.now()
    for beat in db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.name)):
        age = max((now - beat.beat_at).total_seconds(), 0)
        click.echo(f"worker {beat.name}: last beat {age:.0f} s ago")


@federation_commands.command("rotate-key")
@with_appcontext
def rotate_key_command() -> None:
    """Make a new key pair for the node's actor; its followers are sent the new key."""
    from server.services.keys import rotate_keys

    require_initialised()
    actors = _service(rotate_keys)
    for actor in actors:
        click.echo(f"New key {actor.public_key_id}; an Update goes to its followers.")
