"""A member's own account page (/me): preferences, password, leaving; and the mail settings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.config import ConfigError, Settings, smtp_server
from server.extensions import db
from server.models import ApiToken, Item, User
from tests.conftest import make_user, sign_in
from tests.server.factories import make_item


def _user(app, email: str) -> User | None:
    with app.app_context():
        row = db.session.scalar(select(User).where(User.email == email))
        if row is not None:
            db.session.expunge(row)
        return row


def test_member_chooses_language_name_and_digest(reader_client, node):
    """Given a reader on /me, they save a language, a name and a weekly digest; the pages
    then speak their language."""
    page = reader_client.get("/me?lang=en").get_data(as_text=True)
    assert "My account" in page and "reader@example.org" in page
    response = reader_client.post(
        "/me/preferences", data={"display_name": "Rémi", "language": "fr", "digest": "weekly"}
    )
    assert response.status_code == 303
    reader = _user(node, "reader@example.org")
    assert (reader.display_name, reader.locale, reader.digest) == ("Rémi", "fr", "weekly")
    assert '<html lang="fr">' in reader_client.get("/me").get_data(as_text=True)


def test_a_digest_frequency_not_offered_is_refused(reader_client, node):
    """Given a forged frequency, the page says to choose from the list; nothing changes."""
    response = reader_client.post(
        "/me/preferences?lang=en", data={"display_name": "", "language": "en", "digest": "hourly"}
    )
    assert response.status_code == 422
    assert "Choose a value from the list" in response.get_data(as_text=True)
    assert _user(node, "reader@example.org").digest == "never"


def test_changing_the_password_ends_the_other_sessions(node):
    """Given a member signed in on two devices, changing the password on one keeps that one
    and signs the other out; the new password works, the old no more."""
    make_user(node, "ed@example.org", "editor")
    laptop, phone = node.test_client(), node.test_client()
    sign_in(laptop, "ed@example.org")
    sign_in(phone, "ed@example.org")
    response = laptop.post(
        "/me/password",
        data={"current_password": "correct horse battery", "new_password": "a brand new secret"},
    )
    assert response.status_code == 303
    assert laptop.get("/me").status_code == 200
    assert phone.get("/me").status_code == 302
    sign_in(phone, "ed@example.org")
    assert phone.get("/me").status_code == 302
    sign_in(phone, "ed@example.org", "a brand new secret")
    assert phone.get("/me").status_code == 200


def test_a_wrong_current_password_changes_nothing(editor_client, node):
    """Given a wrong current password, the page says so and the password stays."""
    response = editor_client.post(
        "/me/password?lang=en",
        data={"current_password": "not my password", "new_password": "a brand new secret"},
    )
    assert response.status_code == 422
    assert "current password is not right" in response.get_data(as_text=True)
    assert editor_client.get("/me").status_code == 200


def test_member_deletes_their_account_and_their_items_stay(node):
    """Given an editor with an API token and a published item, deleting their account ends
    their session and token; the item stays public, no longer linked to the account."""
    user_id = make_user(node, "ed@example.org", "editor")
    path = make_item(node, "experience", "Un jardin partagé")
    with node.app_context():
        item = db.session.scalar(select(Item))
        item.created_by_id = user_id
        ApiToken.issue(db.session.get(User, user_id))
        db.session.commit()
    client = node.test_client()
    sign_in(client, "ed@example.org")
    refused = client.post("/me/delete?lang=en", data={"password": "wrong password"})
    assert refused.status_code == 422 and _user(node, "ed@example.org") is not None

    assert client.post("/me/delete", data={"password": "correct horse battery"}).status_code == 303
    assert client.get("/me").status_code == 302
    assert _user(node, "ed@example.org") is None
    with node.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
        assert db.session.scalar(select(Item)).created_by_id is None
    assert client.get(path).status_code == 200
    sign_in(client, "ed@example.org")
    assert client.get("/me").status_code == 302


def test_the_last_admin_cannot_delete_their_account(admin_client, node):
    """Given the only admin, deleting their account is refused with a reason."""
    response = admin_client.post("/me/delete?lang=en", data={"password": "correct horse battery"})
    assert response.status_code == 422 and "only admin" in response.get_data(as_text=True)
    assert _user(node, "admin@example.org") is not None


def test_the_account_page_needs_signing_in(client):
    assert client.get("/me").status_code == 302


def test_admin_hands_over_a_password_link_when_there_is_no_mail(node, runner):
    """Given no SMTP, `commons user reset-link` prints a link with which the member chooses
    a new password."""
    from server.cli import commons

    make_user(node, "ed@example.org", "editor")
    result = runner.invoke(commons, ["user", "reset-link", "ed@example.org"])
    assert result.exit_code == 0, result.output
    path = result.output.strip().removeprefix("http://node.test")
    client = node.test_client()
    assert client.post(path, data={"password": "my new password!"}).status_code == 303
    sign_in(client, "ed@example.org", "my new password!")
    assert client.get("/me").status_code == 200
    unknown = runner.invoke(commons, ["user", "reset-link", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no account" in unknown.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "none", "", "")),
        (
            "smtp://me%40example.org:s%3Acret@mail.example.org?starttls=1",
            ("mail.example.org", 587, "starttls", "me@example.org", "s:cret"),
        ),
        ("smtps://u:p@mail.example.org", ("mail.example.org", 465, "ssl", "u", "p")),
        ("smtps://mail.example.org:2465", ("mail.example.org", 2465, "ssl", "", "")),
    ],
)
def test_mail_server_url_is_read(url, expected):
    server = smtp_server(url)
    assert (server.host, server.port, server.tls, server.username, server.password) == expected
    assert "s:cret" not in repr(server)


@pytest.mark.parametrize(
    "env",
    [
        {"COMMONS_SMTP_URL": "http://mail.example.org"},
        {"COMMONS_SMTP_URL": "smtp://mail.example.org:port"},
        {"COMMONS_SMTP_URL": "smtp://"},
        {"COMMONS_SIGNUP": "sometimes"},
    ],
)
def test_bad_mail_and_signup_settings_stop_the_node(env):
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_mail_settings_default_to_no_mail_and_closed_signup():
    settings = Settings.from_env({})
    assert (settings.signup, settings.sends_mail) == ("closed", False)
    with_mail = Settings.from_env(
        {"COMMONS_SMTP_URL": "smtp://mail.example.org", "COMMONS_SIGNUP": "Open"}
    )
    assert (with_mail.signup, with_mail.mail_from) == ("open", "commons@127.0.0.1")
