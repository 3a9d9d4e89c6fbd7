"""The `commons` command line, as an admin uses it on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from server import create_app
from server.cli import commons
from server.extensions import db
from server.models import Actor, AuditEntry, Item, Theme, User


@pytest.fixture
def fresh(empty_database_url, tmp_path):
    """A node application on an empty database, as after cloning."""
    app = create_app(
        {
            "data_dir": tmp_path / "instance",
            "database_url": empty_database_url,
            "base_url": "http://fresh.test",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_init_is_idempotent(fresh):
    """Running `commons init` twice creates one node actor and one thesaurus."""
    runner = fresh.test_cli_runner()
    first = runner.invoke(commons, ["init"])
    second = runner.invoke(commons, ["init"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Node ready at http://fresh.test" in second.output
    with fresh.app_context():
        assert _count(Actor) == 1
        assert Actor.local().private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")
        assert _count(Theme) >= 20


def test_seed_demo_loads_once(fresh):
    """Seeding the demo twice loads it once, through the services."""
    runner = fresh.test_cli_runner()
    runner.invoke(commons, ["init"])
    first = runner.invoke(commons, ["seed-demo"])
    with fresh.app_context():
        after_first = _count(Item)
    second = runner.invoke(commons, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    with fresh.app_context():
        assert after_first >= 9
        assert _count(Item) == after_first
        assert Item.by_slug("experience", "loos-en-gohelle-transition") is not None or after_first


def test_seed_demo_before_init_says_what_to_do(fresh):
    """Seeding an uninitialised node fails with one line naming `commons init`."""
    result = fresh.test_cli_runner().invoke(commons, ["seed-demo"])
    assert result.exit_code != 0
    assert "commons init" in result.output


def test_user_create_reads_the_password_from_stdin(fresh):
    """An admin account is created from a password on standard input."""
    runner = fresh.test_cli_runner()
    runner.invoke(commons, ["init"])
    result = runner.invoke(
        commons,
        ["user", "create", "Admin@Example.org", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "admin@example.org" and user.role == "admin"
        assert user.check_password("a long enough password")
        assert "a long enough password" not in user.password_hash
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.who, entry.target) == ("account.create", "cli", user.email)


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["not-an-email", "--role", "admin"], "a long enough password", "not valid"),
        (["a@example.org", "--role", "editor"], "short", "at least"),
        (["a@example.org", "--role", "king"], "a long enough password", "Invalid value"),
    ],
)
def test_user_create_refuses_bad_input_in_one_line(fresh, args, password, message):
    """Bad email, short password or unknown role: non-zero exit, one line, nothing stored."""
    runner = fresh.test_cli_runner()
    runner.invoke(commons, ["init"])
    result = runner.invoke(
        commons, ["user", "create", *args, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    with fresh.app_context():
        assert _count(User) == 0


def test_token_create_prints_only_the_token(fresh):
    """`commons token create` prints the token alone, usable as a bearer token."""
    runner = fresh.test_cli_runner()
    runner.invoke(commons, ["init"])
    runner.invoke(
        commons,
        ["user", "create", "e@example.org", "--role", "editor", "--password-stdin"],
        input="a long enough password\n",
    )
    result = runner.invoke(commons, ["token", "create", "e@example.org"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert len(token.split()) == 1 and len(token) >= 32
    from server.models import ApiToken

    with fresh.app_context():
        assert ApiToken.find_user(token).email == "e@example.org"


def test_token_create_for_unknown_account_fails(fresh):
    """A token for an account that does not exist is refused."""
    runner = fresh.test_cli_runner()
    runner.invoke(commons, ["init"])
    result = runner.invoke(commons, ["token", "create", "nobody@example.org"])
    assert result.exit_code != 0
    assert "no account" in result.output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COMMONS_BASE_URL", "ftp://nowhere"),
        ("COMMONS_TRUSTED_PROXIES", "two"),
        ("COMMONS_MAX_UPLOAD_MB", "lots"),
        ("COMMONS_SPARQL_TIMEOUT", "10s"),
        ("COMMONS_SPARQL_SLOTS", "-1"),
        ("COMMONS_WORKER_VALIDATORS", "one"),
    ],
)
def test_bad_setting_is_one_line_from_the_console_script(tmp_path, name, value):
    """A malformed setting stops the real command with a one-line error naming it."""
    env = {**os.environ, name: value, "COMMONS_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "from server.cli import main; main()", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and not (tmp_path / "commons.db").exists()
