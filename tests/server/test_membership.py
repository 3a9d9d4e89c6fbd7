"""Becoming a member by mail: sign-up, confirmation, approval, reset, invitation.

Mail goes through a real SMTP server in the test process (aiosmtpd), sent by the worker's
own job, and the links in the received mails are followed with the test client.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cli import commons
from server.extensions import db
from server.models import (
    AccountState,
    AuditEntry,
    MailState,
    OutgoingMail,
    SigninAttempt,
    User,
    clock,
)
from server.services.mail import run_mail
from tests.conftest import BASE_URL, make_user, sign_in
from tests.mailbox import body, link_in, start_mailbox

PASSWORD = "a fine long password"


@pytest.fixture
def mailbox():
    box, controller = start_mailbox()
    yield box
    controller.stop()


def _setup(app, mailbox, signup: str):
    settings = app.config["SETTINGS"]
    settings.signup = signup
    settings.smtp_url = mailbox.url if mailbox else ""
    settings.mail_from = "commons@node.test"
    return app


@pytest.fixture
def open_node(node, mailbox):
    return _setup(node, mailbox, "open")


@pytest.fixture
def approval_node(node, mailbox):
    return _setup(node, mailbox, "approval")


def send_mail(app) -> int:
    """What the background worker does: send the queued mail."""
    with app.app_context():
        return run_mail(app)


def sign_up(client, email: str, language: str = "en", password: str = PASSWORD):
    return client.post(
        "/signup",
        data={
            "email": email,
            "display_name": "Camille",
            "password": password,
            "language": language,
        },
    )


def follow_and_submit(client, path: str, data: dict | None = None):
    """Open a mailed link (a page with a form), then send its form."""
    page = client.get(path + "?lang=en")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path, data=data or {})


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user(app, email: str) -> User | None:
    with app.app_context():
        row = db.session.scalar(select(User).where(User.email == email))
        if row is not None:
            db.session.expunge(row)
        return row


# Sign-up


def test_visitor_signs_up_confirms_by_mail_and_is_in(open_node, mailbox):
    """Given an open node, a visitor signs up, follows the link mailed to them, confirms,
    and is signed in with the password they chose."""
    client = open_node.test_client()
    assert 'action="/signup"' in client.get("/signup?lang=en").get_data(as_text=True)
    response = sign_up(client, "camille@example.org")
    assert response.status_code == 303
    assert "Check your mail" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/me").status_code == 302, "not signed in before confirming"
    assert send_mail(open_node) == 1

    mail = mailbox.last_to("camille@example.org")
    assert mail["Subject"] == "Confirm your address" and mail["From"] == "commons@node.test"
    link = link_in(mail, BASE_URL)
    confirmed = follow_and_submit(client, link)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/me"
    assert "camille@example.org" in client.get("/me?lang=en").get_data(as_text=True)

    other = open_node.test_client()
    sign_in(other, "camille@example.org", PASSWORD)
    assert other.get("/me").status_code == 200
    assert user(open_node, "camille@example.org").role == "reader"


def test_an_unconfirmed_account_cannot_sign_in(open_node, mailbox):
    """Given a sign-up not yet confirmed, signing in says to confirm first."""
    client = open_node.test_client()
    sign_up(client, "camille@example.org")
    response = client.post(
        "/signin?lang=en", data={"email": "camille@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "Confirm your address first" in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_the_confirmation_mail_speaks_the_language_chosen(open_node, mailbox):
    """Given a visitor who chose French, the mail they receive is in French."""
    sign_up(open_node.test_client(), "claude@example.org", language="fr")
    send_mail(open_node)
    mail = mailbox.last_to("claude@example.org")
    assert mail["Subject"] == "Confirmez votre adresse"
    assert "Bonjour Camille" in body(mail)


def test_confirmation_link_works_once(open_node, mailbox):
    """Given a confirmed address, the same link opened again says it was used."""
    client = open_node.test_client()
    sign_up(client, "camille@example.org")
    send_mail(open_node)
    link = link_in(mailbox.last_to("camille@example.org"), BASE_URL)
    follow_and_submit(client, link)
    again = open_node.test_client().get(link + "?lang=en")
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_opening_a_confirmation_link_alone_confirms_nothing(open_node, mailbox):
    """Given a mail scanner that opens links, the address is confirmed only by the button."""
    client = open_node.test_client()
    sign_up(client, "camille@example.org")
    send_mail(open_node)
    client.get(link_in(mailbox.last_to("camille@example.org"), BASE_URL))
    assert user(open_node, "camille@example.org").state == AccountState.UNCONFIRMED


def test_signing_up_with_a_known_address_reveals_nothing(open_node, mailbox):
    """Given an address with an account, signing up with it gives the very answer a new
    address gets; the owner is told by mail and their password is unchanged."""
    make_user(open_node, "known@example.org", "editor")
    known = sign_up(open_node.test_client(), "known@example.org", password="another password!")
    new = sign_up(open_node.test_client(), "new@example.org")
    assert (known.status_code, known.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    send_mail(open_node)
    mail = mailbox.last_to("known@example.org")
    assert mail["Subject"] == "You already have an account"
    assert f"{BASE_URL}/reset" in body(mail)
    client = open_node.test_client()
    sign_in(client, "known@example.org")  # the old password
    assert client.get("/me").status_code == 200
    assert count(open_node, User, User.email == "known@example.org") == 1


def test_signing_up_again_before_confirming_replaces_the_first_link(open_node, mailbox):
    """Given a sign-up not confirmed, a second one mails a new link; the first stops working."""
    client = open_node.test_client()
    sign_up(client, "camille@example.org")
    sign_up(client, "camille@example.org", password="my second password")
    send_mail(open_node)
    first, second = (link_in(m, BASE_URL) for m in mailbox.to("camille@example.org"))
    assert client.get(first).status_code == 400
    assert follow_and_submit(client, second).status_code == 303
    other = open_node.test_client()
    sign_in(other, "camille@example.org", "my second password")
    assert other.get("/me").status_code == 200


def test_signup_is_refused_when_closed_and_nothing_is_made(node, mailbox):
    """Given a closed node (the default), the sign-up page says to ask an admin, and a
    posted sign-up makes no account and sends nothing."""
    _setup(node, mailbox, "closed")
    client = node.test_client()
    page = client.get("/signup?lang=en")
    assert page.status_code == 403 and "Ask one of them for an invitation" in page.get_data(
        as_text=True
    )
    assert sign_up(client, "camille@example.org").status_code == 403
    assert count(node, User) == 0 and count(node, OutgoingMail) == 0
    assert "Make an account" not in client.get("/signin?lang=en").get_data(as_text=True)


def test_signup_without_a_mail_server_says_what_an_admin_must_do(node):
    """Given sign-up open but no SMTP, the page names the settings and nothing is made."""
    _setup(node, None, "open")
    client = node.test_client()
    page = client.get("/signup?lang=en").get_data(as_text=True)
    assert "COMMONS_SMTP_URL" in page and "commons user invite" in page
    assert sign_up(client, "camille@example.org").status_code == 403
    assert count(node, User) == 0 and count(node, OutgoingMail) == 0


def test_bad_signups_are_refused_with_a_message(open_node, mailbox):
    """Given a bad address or a short password, the form says what to correct."""
    client = open_node.test_client()
    response = client.post(
        "/signup?lang=en",
        data={"email": "not an address", "password": PASSWORD, "language": "en"},
    )
    assert response.status_code == 422 and "not valid" in response.get_data(as_text=True)
    response = client.post(
        "/signup?lang=en",
        data={"email": "a@example.org", "password": "short", "language": "en"},
    )
    assert response.status_code == 422 and "at least 10" in response.get_data(as_text=True)
    assert count(open_node, User) == 0


def test_signups_are_throttled_per_address(open_node, mailbox):
    """Given many sign-ups for one address, the next is refused with 429 and mails nothing."""
    client = open_node.test_client()
    for _ in range(SigninAttempt.MAX_PER_ACCOUNT):
        assert sign_up(client, "camille@example.org").status_code == 303
    refused = client.post(
        "/signup?lang=en",
        data={"email": "camille@example.org", "password": PASSWORD, "language": "en"},
    )
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    assert count(open_node, OutgoingMail) == SigninAttempt.MAX_PER_ACCOUNT


# Approval


def test_on_approval_an_admin_lets_the_member_in(approval_node, mailbox):
    """Given a node where sign-ups are approved, a confirmed member waits, the admin is
    told by mail, approves on /admin/accounts, and the member is told in their language."""
    make_user(approval_node, "admin@example.org", "admin")
    client = approval_node.test_client()
    sign_up(client, "claude@example.org", language="fr")
    send_mail(approval_node)
    follow_and_submit(client, link_in(mailbox.last_to("claude@example.org"), BASE_URL))
    waiting = client.post(
        "/signin?lang=en", data={"email": "claude@example.org", "password": PASSWORD}
    )
    assert "awaits the approval" in waiting.get_data(as_text=True)

    send_mail(approval_node)
    assert "claude@example.org" in body(mailbox.last_to("admin@example.org"))
    admin = approval_node.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/admin/accounts?lang=en").get_data(as_text=True)
    assert "Awaits approval" in page
    member_id = user(approval_node, "claude@example.org").id
    assert admin.post(f"/admin/accounts/{member_id}/approve").status_code == 303
    assert audited(approval_node, "account.approve") == [
        ("admin@example.org", "claude@example.org")
    ]

    send_mail(approval_node)
    assert mailbox.last_to("claude@example.org")["Subject"] == "Votre compte est approuvé"
    sign_in(client, "claude@example.org", PASSWORD)
    assert client.get("/me").status_code == 200


# Password reset


def test_member_resets_a_forgotten_password_by_mail(node, mailbox):
    """Given a member who forgot their password, a mailed link lets them choose a new one,
    once."""
    _setup(node, mailbox, "closed")
    make_user(node, "ed@example.org", "editor")
    client = node.test_client()
    response = client.post("/reset", data={"email": "ed@example.org"})
    assert response.status_code == 303
    send_mail(node)
    link = link_in(mailbox.last_to("ed@example.org"), BASE_URL)
    assert follow_and_submit(client, link, {"password": "my new password!"}).status_code == 303
    sign_in(client, "ed@example.org", "my new password!")
    assert client.get("/me").status_code == 200

    reused = node.test_client().post(link + "?lang=en", data={"password": "yet another one!"})
    assert reused.status_code == 400 and "already been used" in reused.get_data(as_text=True)
    other = node.test_client()
    sign_in(other, "ed@example.org", "my new password!")
    assert other.get("/me").status_code == 200


def test_reset_for_an_unknown_address_answers_the_same(node, mailbox):
    """Given an address with no account, asking for a reset answers as for a known one and
    sends nothing."""
    _setup(node, mailbox, "closed")
    make_user(node, "ed@example.org", "editor")
    known = node.test_client().post("/reset", data={"email": "ed@example.org"})
    unknown = node.test_client().post("/reset", data={"email": "nobody@example.org"})
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    send_mail(node)
    assert mailbox.to("nobody@example.org") == []


def test_an_expired_reset_link_is_refused(node, mailbox):
    """Given a reset link older than an hour, it is refused and the password stays."""
    _setup(node, mailbox, "closed")
    make_user(node, "ed@example.org", "editor")
    client = node.test_client()
    client.post("/reset", data={"email": "ed@example.org"})
    send_mail(node)
    link = link_in(mailbox.last_to("ed@example.org"), BASE_URL)
    clock.advance(timedelta(hours=1, minutes=1))
    response = client.post(link + "?lang=en", data={"password": "my new password!"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    sign_in(client, "ed@example.org")
    assert client.get("/me").status_code == 200


def test_a_forged_link_is_refused(node, mailbox):
    """Given a link with its token altered, or one for another purpose, nothing changes."""
    _setup(node, mailbox, "closed")
    make_user(node, "ed@example.org", "editor")
    client = node.test_client()
    client.post("/reset", data={"email": "ed@example.org"})
    send_mail(node)
    link = link_in(mailbox.last_to("ed@example.org"), BASE_URL)
    token = link.rsplit("/", 1)[1]
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for path in (forged, f"/invitation/{token}", f"/signup/confirm/{token}", "/reset/x"):
        response = client.post(path + "?lang=en", data={"password": "my new password!"})
        assert response.status_code == 400, path
        assert "not valid" in response.get_data(as_text=True)
    sign_in(client, "ed@example.org")
    assert client.get("/me").status_code == 200


def test_resets_are_throttled(node, mailbox):
    """Given many reset requests for one address, the next is refused with 429."""
    _setup(node, mailbox, "closed")
    make_user(node, "ed@example.org", "editor")
    client = node.test_client()
    for _ in range(SigninAttempt.MAX_PER_ACCOUNT):
        assert client.post("/reset", data={"email": "ed@example.org"}).status_code == 303
    refused = client.post("/reset?lang=en", data={"email": "ed@example.org"})
    assert refused.status_code == 429
    assert count(node, OutgoingMail) == SigninAttempt.MAX_PER_ACCOUNT


def test_without_mail_the_reset_page_says_to_ask_an_admin(node):
    """Given no SMTP, the reset page sends nothing and says who can help."""
    make_user(node, "ed@example.org", "editor")
    client = node.test_client()
    page = client.get("/reset?lang=en").get_data(as_text=True)
    assert "Ask an admin" in page and 'name="email"' not in page
    assert client.post("/reset", data={"email": "ed@example.org"}).status_code == 503
    assert count(node, OutgoingMail) == 0


# Invitations


def test_admin_invites_by_command_and_the_person_starts(node, mailbox, runner):
    """Given an admin's `commons user invite`, the person follows the mailed link, chooses a
    password and is an editor; the link then works no more."""
    _setup(node, mailbox, "closed")
    result = runner.invoke(commons, ["user", "invite", "dominique@example.org", "--role", "editor"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    assert audited(node, "account.invite") == [("cli", "dominique@example.org")]
    send_mail(node)
    link = link_in(mailbox.last_to("dominique@example.org"), BASE_URL)
    client = node.test_client()
    started = follow_and_submit(
        client, link, {"password": PASSWORD, "display_name": "Dom", "language": "fr"}
    )
    assert started.status_code == 303
    assert client.get("/experiences/new").status_code == 200
    invited = user(node, "dominique@example.org")
    assert (invited.role, invited.display_name, invited.locale) == ("editor", "Dom", "fr")
    assert node.test_client().get(link).status_code == 400


def test_invite_without_mail_prints_the_link(node, runner):
    """Given no SMTP, `commons user invite` prints the link, which works."""
    result = runner.invoke(commons, ["user", "invite", "dominique@example.org", "--role", "reader"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith(f"{BASE_URL}/invitation/")
    client = node.test_client()
    path = link.removeprefix(BASE_URL)
    assert follow_and_submit(client, path, {"password": PASSWORD, "language": "en"}).status_code
    assert client.get("/me").status_code == 200
    assert count(node, OutgoingMail) == 0


def test_invite_refuses_an_address_with_an_account(node, runner):
    """Given an address with an account, `commons user invite` says so in one line."""
    make_user(node, "ed@example.org", "editor")
    result = runner.invoke(commons, ["user", "invite", "ed@example.org", "--role", "admin"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert user(node, "ed@example.org").role == "editor"


def test_admin_invites_on_the_accounts_page(admin_client, node, mailbox):
    """Given the accounts page, an admin invites an address; the mail carries the link."""
    _setup(node, mailbox, "closed")
    response = admin_client.post(
        "/admin/accounts/invite",
        data={"invite-email": "sam@example.org", "invite-role": "reader"},
    )
    assert response.status_code == 303
    page = admin_client.get("/admin/accounts?lang=en").get_data(as_text=True)
    assert "sam@example.org" in page and "Invited" in page
    send_mail(node)
    assert "/invitation/" in body(mailbox.last_to("sam@example.org"))


def test_without_mail_the_accounts_page_shows_the_invitation_link(admin_client, node):
    """Given no SMTP, the invitation form shows the link for the admin to hand over."""
    response = admin_client.post(
        "/admin/accounts/invite?lang=en",
        data={"invite-email": "sam@example.org", "invite-role": "reader"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "cannot send mail" in page
    assert f'value="{BASE_URL}/invitation/' in page


# The outgoing queue


def test_mail_waits_and_is_retried_when_the_server_is_down(node):
    """Given a mail server that does not answer, the message stays queued for a later try;
    once the server is back and the time has come, it is sent."""
    from tests.mailbox import free_port, start_mailbox

    port = free_port()
    _setup(node, None, "closed")
    node.config["SETTINGS"].smtp_url = f"smtp://127.0.0.1:{port}"
    make_user(node, "ed@example.org", "editor")
    node.test_client().post("/reset", data={"email": "ed@example.org"})
    send_mail(node)
    with node.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert (row.state, row.attempts) == (MailState.PENDING, 1)
        assert row.last_error
    assert send_mail(node) == 0, "not due again yet"

    box, controller = start_mailbox()
    try:
        node.config["SETTINGS"].smtp_url = box.url
        clock.advance(timedelta(minutes=2))
        assert send_mail(node) == 1
        # A member who chose no language gets the node's default, French.
        assert box.last_to("ed@example.org")["Subject"] == "Choisissez un nouveau mot de passe"
    finally:
        controller.stop()
    with node.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert row.state == MailState.SENT and row.body == ""


def audited(app, action: str) -> list[tuple[str, str]]:
    """Who did `action` to what, as the audit log recorded it."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.who, AuditEntry.target).where(AuditEntry.action == action)
        )
        return [tuple(row) for row in rows]
