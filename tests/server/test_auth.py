"""Signing in and out, with throttling and safe redirects."""

from __future__ import annotations

import pytest

from server.extensions import db
from server.models import User
from tests.conftest import make_user, sign_in


def test_signin_page_has_labelled_fields(client):
    """Given a visitor, when they open the sign-in page, then each field has a label."""
    page = client.get("/signin?lang=en").get_data(as_text=True)
    for name in ("email", "password", "remember"):
        assert f'for="{name}"' in page and f'id="{name}"' in page
    assert 'autocomplete="current-password"' in page


def test_member_signs_in_and_is_sent_back_where_they_were(client, node):
    """Given an editor, when they sign in from a protected page, then they land back on it."""
    make_user(node, "ed@example.org", "editor")
    response = client.post(
        "/signin?next=/experiences/new",
        data={"email": "ed@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/experiences/new"
    assert client.get("/experiences/new").status_code == 200


def test_protected_page_sends_anonymous_visitors_to_sign_in(client, node):
    """Given an anonymous visitor, when they open a write page, then they go to sign in."""
    response = client.get("/experiences/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
    ],
)
def test_next_never_leads_off_the_node(client, node, target):
    """Given a crafted next address, when a member signs in, then they land on the home page."""
    make_user(node, "ed@example.org", "editor")
    response = client.post(
        "/signin",
        query_string={"next": target},
        data={"email": "ed@example.org", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_a_message(client, node):
    """Given a member, when the password is wrong, then the page says so and no one is signed in."""
    make_user(node, "ed@example.org", "editor")
    response = client.post(
        "/signin?lang=en", data={"email": "ed@example.org", "password": "nope nope nope"}
    )
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/experiences/new").status_code == 302


def test_repeated_failures_are_throttled(client, node):
    """Given five failed attempts, when another comes, then the answer is 429 with a message."""
    make_user(node, "ed@example.org", "editor")
    for _ in range(5):
        client.post("/signin", data={"email": "ed@example.org", "password": "wrong password!"})
    response = client.post(
        "/signin?lang=en", data={"email": "ed@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_signout_needs_a_post_and_ends_the_session(editor_client):
    """Given a signed-in editor, GET does not sign out; POST does."""
    assert editor_client.get("/signout").status_code == 405
    assert editor_client.get("/experiences/new").status_code == 200
    assert editor_client.post("/signout").status_code == 303
    assert editor_client.get("/experiences/new").status_code == 302


def test_remember_me_sets_a_lasting_cookie(client, node):
    """Given 'stay signed in' ticked, when signing in, then a remember cookie is set, HttpOnly."""
    make_user(node, "ed@example.org", "editor")
    response = client.post(
        "/signin",
        data={"email": "ed@example.org", "password": "correct horse battery", "remember": "y"},
    )
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cookies and "HttpOnly" in cookies[0]


def test_session_cookie_is_httponly_and_samesite(client, node):
    """Given a sign-in, the session cookie is HttpOnly and SameSite=Lax."""
    make_user(node, "ed@example.org", "editor")
    response = sign_in(client, "ed@example.org")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_deactivated_member_cannot_sign_in(client, node):
    """Given a deactivated account, when its owner signs in, then they are refused."""
    user_id = make_user(node, "gone@example.org", "editor")
    with node.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    sign_in(client, "gone@example.org")
    assert client.get("/experiences/new").status_code == 302


def test_signed_in_member_sees_their_tools(editor_client, admin_client):
    """Given an editor and an admin, only the admin sees the administration link."""
    editor_page = editor_client.get("/?lang=en").get_data(as_text=True)
    admin_page = admin_client.get("/?lang=en").get_data(as_text=True)
    assert "New experience" in editor_page and "Administration" not in editor_page
    assert "Administration" in admin_page


def test_passwords_are_hashed_with_argon2id_at_production_cost(_fast_crypto):
    """The hasher accounts use in production is argon2id with at least OWASP's minimum cost."""
    from argon2 import Type

    hasher = _fast_crypto
    assert hasher.type == Type.ID
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2
    assert hasher.hash("a long enough password").startswith("$argon2id$")
