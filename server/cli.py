"""The `commons` command group: set up, run and look after a node."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from server.backup.commands import backup_commands
from server.cli_checks import require_initialised
from server.cli_federation import federation_commands
from server.cli_moderation import moderation_commands
from server.config import ConfigError
from server.extensions import db
from server.harvest.commands import harvest_commands
from server.importer.commands import import_commands


def _create_app() -> Flask:
    from server import create_app

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False
)
def commons() -> None:
    """Run and look after a commons node (settings come from COMMONS_* variables)."""


# Commands kept in their own modules join the group here.
for _command in (
    *federation_commands.commands.values(),
    *harvest_commands.commands.values(),
    *moderation_commands.commands.values(),
    *backup_commands.commands.values(),
    *import_commands.commands.values(),
):
    commons.add_command(_command)


def main() -> None:
    """Entry point of the console script: one-line errors, never a traceback for bad input."""
    try:
        commons.main(prog_name="commons", standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@commons.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the schema, the node keys and actor, and the default thesaurus."""
    from flask_migrate import upgrade

    from server.services.node import initialise_node

    upgrade()
    counts = initialise_node()
    settings = current_app.config["SETTINGS"]
    click.echo(
        f"Node ready at {settings.base_url} (database: {_safe_url(settings.database_url)}; "
        f"{counts['themes_added']} themes added)."
    )


@commons.command("seed-demo")
@click.option(
    "--set",
    "content_set",
    type=click.Choice(["a", "b", "c"]),
    default="a",
    show_default=True,
    help="Demo content: a (Transition Factory), b (research-action), c (facilitation commons).",
)
@with_appcontext
def seed_demo_command(content_set: str) -> None:
    """Load the demo content (idempotent)."""
    from server.demo.load import DemoDataError, load_set
    from server.services.demo import seed_demo

    require_initialised()
    try:
        content = load_set(content_set)
    except DemoDataError as exc:
        raise click.ClickException(str(exc)) from None
    parts = ("TERRITORIES", "EXPERIENCES", "PRINCIPLES", "RESOURCES")
    total = sum(len(content.get(name, [])) for name in parts)
    with click.progressbar(length=total, label="Loading demo content", file=sys.stderr) as bar:
        counts = seed_demo(content, progress=bar.update)
    added = ", ".join(f"{n} {k}" for k, n in counts.items())
    click.echo(f"Demo content loaded: {added}.")


@commons.group("user")
def user_group() -> None:
    """Manage member accounts."""


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["admin", "editor", "reader"]), default="reader", show_default=True
)
@click.option("--name", "display_name", default="", help="Name shown to other members.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def user_create_command(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create a member account with a role."""
    from server.services import ServiceError, audit
    from server.services.accounts import create_user

    require_initialised()
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, role, password, display_name)
        audit.record("account.create", target=user.email, detail={"role": user.role})
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} {user.email}.")


@user_group.command("invite")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["admin", "editor", "reader"]), default="reader", show_default=True
)
@click.option("--name", "display_name", default="", help="Name shown to other members.")
@with_appcontext
def user_invite_command(email: str, role: str, display_name: str) -> None:
    """Invite someone by mail: they choose their password through the link. Without a
    mail server (COMMONS_SMTP_URL), print the link for you to give them."""
    from server.services import ServiceError
    from server.services.accounts import invite

    require_initialised()
    try:
        user, link, mailed = invite(email, role, display_name)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if mailed:
        click.echo(f"Invitation to {user.email} ({user.role}) queued; the worker sends it.")
    else:
        click.echo(
            f"No mail server is set (COMMONS_SMTP_URL): give {user.email} this link, "
            "which works once within seven days:",
            err=True,
        )
        click.echo(link)


@user_group.command("reset-link")
@click.argument("email")
@with_appcontext
def user_reset_link_command(email: str) -> None:
    """Make a link for a member to choose a new password: mailed, or printed when the node
    sends no mail."""
    from sqlalchemy import select

    from server.models import User
    from server.services import ServiceError
    from server.services.accounts import password_link

    require_initialised()
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    try:
        link, mailed = password_link(user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if mailed:
        click.echo(f"A password link for {user.email} is queued; the worker sends it.")
    else:
        click.echo(link)


@commons.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("create")
@click.argument("email")
@with_appcontext
def token_create_command(email: str) -> None:
    """Print a new bearer token for the write API (the token alone on standard output)."""
    from sqlalchemy import select

    from server.models import ApiToken, User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    _, secret = ApiToken.issue(user)
    db.session.commit()
    click.echo(secret)


# No application in this process: gunicorn's web processes build theirs after the fork,
# and prometheus_client must first be imported once PROMETHEUS_MULTIPROC_DIR is set.
@commons.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--workers", default=2, type=int, show_default=True, help="Web processes.")
@click.option("--no-worker", is_flag=True, help="Do not start the background worker.")
def serve_command(host: str, port: int, workers: int, no_worker: bool) -> None:
    """Serve the node with gunicorn, plus exactly one background worker."""
    from server.serve import serve

    serve(host=host, port=port, workers=workers, with_worker=not no_worker)


@commons.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Run background work only (delivery, inbox processing, backfill, indexes)."""
    from server.ops import logs
    from server.worker import Worker, WorkerBusy

    settings = current_app.config["SETTINGS"]
    logs.configure(settings.log_format, settings.log_level)
    try:
        idle = float(os.environ.get("COMMONS_WORKER_IDLE") or 0.5)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        Worker(app, idle_sleep=idle).run(once=once)
    except WorkerBusy as exc:
        raise click.ClickException(str(exc)) from None


def _safe_url(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "?"


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("FLASK_APP", "wsgi")
    main()
