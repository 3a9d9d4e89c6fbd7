"""CSRF on every form, a role check on every write route, sanitised output, checked uploads.

The write routes are read from the application's URL map, not listed here: a route added
later is checked as soon as it exists, and fails until it refuses what it must refuse or is
named below as an exception, with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from server import create_app
from server.extensions import db
from server.models import (
    Actor,
    ApiToken,
    DomainRule,
    Follow,
    ImportRun,
    InboxMessage,
    Item,
    Report,
    User,
)
from tests.conftest import BASE_URL, csrf_token, make_user
from tests.server.factories import make_item, make_territory, make_theme
from vocab.kinds import NAMES as KINDS

CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_REFUSAL = "The form expired or was sent from elsewhere."
ENGLISH = {"Accept-Language": "en"}


@dataclass(frozen=True)
class Public:
    """A write route open to visitors who are not signed-in editors, and why."""

    reason: str
    csrf: bool  # whether it still needs the form's CSRF token


PUBLIC = {
    "auth.signin": Public("signing in is what an anonymous visitor does", csrf=True),
    "auth.signout": Public("signing out needs no role; the token stops forced sign-outs", True),
    "harvest.oai": Public("OAI-PMH harvesters may POST their read-only arguments", csrf=False),
    "harvest.sparql": Public("SPARQL clients POST read-only queries; updates are refused", False),
    "api.post_to_outbox": Public("the write API's bearer token, not the cookie: own test", False),
    "membership.signup": Public("asking for an account is what a visitor does", csrf=True),
    "membership.reset": Public("a member who forgot their password is not signed in", True),
    "membership.confirm": Public("the mailed link's signed token is the permission", True),
    "membership.choose_password": Public("the mailed link's signed token is the permission", True),
    "membership.accept_invitation": Public("the mailed link's signed token: own tests", True),
}
# The inbox (POST /inbox, /actor/inbox) is not in the URL map: it answers signed
# server-to-server POSTs ahead of Flask (server/views/inbox.py); test_inbox_* below.

# Write routes an editor may use; every other write route that is not public is for admins.
EDITOR_ENDPOINTS = frozenset(
    {
        "items.create",
        "items.edit",
        "items.publish",
        "items.withdraw",
        "items.restore",
        "admin.new_territory",
        "admin.edit_territory",
        "federation.reshare",
        "moderation.send_report",
    }
)
# Write routes of a member's own account: any signed-in member, whatever the role.
MEMBER_ENDPOINTS = frozenset({"me.preferences", "me.password", "me.delete"})
REMOTE = "https://other.example"


def write_rules(app) -> list[Rule]:
    """Return every rule of the URL map that accepts a method which changes something."""
    rules = [r for r in app.url_map.iter_rules() if r.methods and r.methods & WRITE_METHODS]
    return sorted(rules, key=lambda r: r.rule)


@pytest.fixture
def targets(node) -> dict[str, object]:
    """One real object of each kind a write route's URL names."""
    items = {kind: make_item(node, kind, f"Cible {kind}") for kind in KINDS}
    remote_path = make_item(node, "experience", "Copie d'ailleurs")
    values: dict[str, object] = {
        "items": {path.split("/")[1]: path.rsplit("/", 1)[1] for path in items.values()},
        "territory": make_territory(node, "Lieu cible"),
        "theme": make_theme(node, "Thème cible", "Target theme"),
        "user_id": make_user(node, "target@example.org", "reader"),
        "token": "not-a-real-token",  # the mailed links' routes refuse it: test_membership
    }
    with node.app_context():
        local = Actor.local()
        remote = Actor(iri=f"{REMOTE}/actor", origin=REMOTE, name="Other", is_local=False)
        db.session.add(remote)
        copy = Item.by_slug("experience", remote_path.rsplit("/", 1)[1])
        copy.actor = remote
        following = Follow(
            follower=local, followed=remote, activity_iri=f"{BASE_URL}/f", state="accepted"
        )
        follower = Follow(
            follower=remote, followed=local, activity_iri=f"{REMOTE}/f", state="pending"
        )
        rule = DomainRule(host="spam.example", kind="block", reason="spam")
        preview = ImportRun(source="centre.csv", format="csv", kind="resource", dry_run=True)
        report = Report(
            activity_iri=f"{REMOTE}/flag",
            reporter_iri=f"{REMOTE}/actor",
            item=copy,
            item_iri=copy.iri,
            reason="spam",
        )
        db.session.add_all([following, follower, rule, preview, report])
        db.session.commit()
        values.update(
            item_id=copy.id,
            following=following.id,
            follower=follower.id,
            rule_id=rule.id,
            run_id=preview.id,
            report_id=report.id,
        )
    return values


def url_values(rule: Rule, targets: dict) -> Iterator[dict[str, object]]:
    """Yield the URL values naming real objects for `rule`: one set per kind of item."""
    kinds = rule._converters.get("kind_path")
    paths = sorted(kinds.items) if isinstance(kinds, AnyConverter) else [None]
    for kind_path in paths:
        values: dict[str, object] = {}
        for name in rule.arguments:
            if name == "kind_path":
                values[name] = kind_path
            elif name == "slug" and kind_path:
                values[name] = targets["items"][kind_path]
            elif name == "slug":
                values[name] = targets["theme" if "/themes/" in rule.rule else "territory"]
            elif name == "follow_id":
                values[name] = targets["following" if "/following/" in rule.rule else "follower"]
            else:
                assert name in targets, f"{rule.rule}: make a real object for <{name}>"
                values[name] = targets[name]
        yield values


def write_requests(app, targets: dict, public: bool = False) -> Iterator[tuple[str, str, str]]:
    """Yield (endpoint, method, path) for every write route, public ones only when asked."""
    for rule in write_rules(app):
        if (rule.endpoint in PUBLIC) != public:
            continue
        for values in url_values(rule, targets):
            path = rule.build(values)[1]
            for method in sorted(rule.methods & WRITE_METHODS):
                yield rule.endpoint, method, path


def test_exceptions_name_real_write_routes(node):
    """The public and editor lists name only write routes that exist, each with a reason."""
    endpoints = {rule.endpoint for rule in write_rules(node)}
    assert set(PUBLIC) <= endpoints and endpoints >= EDITOR_ENDPOINTS
    assert not EDITOR_ENDPOINTS & set(PUBLIC)
    assert all(entry.reason for entry in PUBLIC.values())
    assert "federation.add_rule" in endpoints  # the walk sees the federation admin routes


def test_anonymous_writes_are_sent_to_sign_in(client, targets):
    """Given an anonymous visitor, when they write to any route, then they go to sign in."""
    for endpoint, method, path in write_requests(client.application, targets):
        response = client.open(path, method=method, data={})
        where = (endpoint, method, path, response.status_code)
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/signin"), where


def test_reader_gets_403_on_every_write_route(reader_client, targets):
    """Given a signed-in reader, when they write to any route, then the answer is 403."""
    for endpoint, method, path in write_requests(reader_client.application, targets):
        response = reader_client.open(path, method=method, data={})
        where = (endpoint, method, path, response.status_code)
        if endpoint in MEMBER_ENDPOINTS:
            assert response.status_code not in {401, 403} and response.status_code < 500, where
            assert not response.headers.get("Location", "").startswith("/signin"), where
        else:
            assert response.status_code == 403, where


def test_editor_gets_403_on_every_admin_route(editor_client, targets):
    """Given a signed-in editor, when they write to an admin-only route, then the answer is 403."""
    for endpoint, method, path in write_requests(editor_client.application, targets):
        response = editor_client.open(path, method=method, data={})
        where = (endpoint, method, path, response.status_code)
        if endpoint in EDITOR_ENDPOINTS | MEMBER_ENDPOINTS:
            assert response.status_code not in {401, 403} and response.status_code < 500, where
            assert not response.headers.get("Location", "").startswith("/signin"), where
        else:
            assert response.status_code == 403, where


def test_admin_is_let_through_every_write_route(admin_client, targets):
    """Given an admin and real objects, then no write route refuses them: the refusals above
    come from the role, not from a missing object or a broken form."""
    for endpoint, method, path in write_requests(admin_client.application, targets):
        response = admin_client.open(path, method=method, data={})
        where = (endpoint, method, path, response.status_code)
        assert response.status_code not in {401, 403} and response.status_code < 500, where
        assert not response.headers.get("Location", "").startswith("/signin"), where


def test_write_api_refuses_anonymous_and_reader_tokens(node):
    """Given the write API, a request without a token is 401 and a reader's token is 403."""
    reader = make_user(node, "scripted@example.org", "reader")
    with node.app_context():
        _, secret = ApiToken.issue(db.session.get(User, reader))
        db.session.commit()
    client = node.test_client()
    body = {"type": "Experience", "name": "x"}
    assert client.post("/actor/outbox", json=body).status_code == 401
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/actor/outbox", json=body, headers=headers).status_code == 403


@pytest.mark.parametrize("path", ["/inbox", "/actor/inbox"])
def test_inbox_refuses_unsigned_posts_even_from_a_signed_in_admin(admin_client, path):
    """Given an admin's session cookie, an unsigned POST to an inbox is still refused: 401."""
    body = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{REMOTE}/activities/1",
        "type": "Follow",
        "actor": f"{REMOTE}/actor",
        "object": f"{BASE_URL}/actor",
    }
    assert admin_client.post(path, json=body).status_code == 401
    with admin_client.application.app_context():
        assert db.session.scalar(select(func.count(InboxMessage.id))) == 0


@pytest.fixture
def csrf_app(node, database_url, tmp_path):
    """A second application on the same database, with CSRF protection on."""
    app = create_app(
        {
            "data_dir": tmp_path / "csrf-instance",
            "database_url": database_url,
            "base_url": BASE_URL,
            "node_handle": "fabrique",
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_admin(csrf_app, node):
    """A client of the CSRF-protected app, signed in as an admin through the real form."""
    make_user(node, "boss@example.org", "admin")
    client = csrf_app.test_client()
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    signed = client.post(
        "/signin",
        data={
            "csrf_token": token,
            "email": "boss@example.org",
            "password": "correct horse battery",
        },
    )
    assert signed.status_code == 303
    return client


def test_every_write_without_csrf_token_is_refused(csrf_admin, targets):
    """Given CSRF protection, when an admin writes to any route without a token, then 400."""
    guarded = [
        request
        for request in write_requests(csrf_admin.application, targets, public=True)
        if PUBLIC[request[0]].csrf
    ]
    guarded += list(write_requests(csrf_admin.application, targets))
    assert {"auth.signin", "auth.signout", "federation.add_rule"} <= {r[0] for r in guarded}
    for endpoint, method, path in guarded:
        response = csrf_admin.open(path, method=method, data={"title_fr": "x"}, headers=ENGLISH)
        where = (endpoint, method, path, response.status_code)
        assert response.status_code == 400, where
        assert CSRF_REFUSAL in response.get_data(as_text=True), where
    assert csrf_admin.get("/experiences/new").status_code == 200  # still signed in


def test_routes_without_csrf_token_ignore_the_session(csrf_admin):
    """Given an admin's session cookie, the token-free write API still asks for a bearer token."""
    exempt = {endpoint for endpoint, entry in PUBLIC.items() if not entry.csrf}
    assert "api.post_to_outbox" in exempt
    response = csrf_admin.post("/actor/outbox", json={"type": "Experience", "name": "x"})
    assert response.status_code == 401


def test_forms_carry_a_csrf_token(csrf_app, node):
    """Given CSRF protection, the sign-in form carries a token and a post with it goes through."""
    make_user(node, "ed@example.org", "editor")
    client = csrf_app.test_client()
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": "ed@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 303
    page = client.get("/experiences/new").get_data(as_text=True)
    token = csrf_token(page)
    created = client.post(
        "/experiences/new",
        data={"csrf_token": token, "title_fr": "Avec jeton", "language": "fr", "license": CC_BY_SA},
    )
    assert created.status_code == 303


class MarkupFinder(HTMLParser):
    """Collect the tags and attributes a browser would really see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "script" and (dict(attrs).get("src") or "").startswith("/static/"):
            tag = "script from our own static files"  # the atlas and the maps
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def assert_harmless(html: str) -> None:
    finder = MarkupFinder()
    finder.feed(html)
    assert "script" not in finder.tags and "img" not in finder.tags
    assert not [name for name, _ in finder.attributes if name.startswith("on")]
    assert not [
        v
        for n, v in finder.attributes
        if n in {"href", "src", "action"} and v.strip().lower().startswith("javascript:")
    ]


def item_data(payload: str) -> dict[str, str]:
    """Return an item form with `payload` in every text field, in both languages."""
    texts = {
        f"{name}_{lang}": payload
        for lang in ("fr", "en")
        for name in ("title", "summary", "body", "circumstances", "lessons", "limits")
    }
    return {
        **texts,
        "language": "fr",
        "license": CC_BY_SA,
        "authors": payload,
        "organisations": payload,
        "resource_type": "guide",
        "links": f"https://example.org/ {payload}",
    }


@pytest.mark.parametrize("kind", ["experiences", "principles", "resources"])
def test_script_payloads_in_every_item_field_are_never_rendered(editor_client, client, node, kind):
    """Given hostile text in every field, when an item is previewed and published, nothing runs."""
    for payload in PAYLOADS:
        data = item_data(payload)
        preview = editor_client.post(f"/{kind}/new", data={**data, "action": "preview"})
        assert_harmless(preview.get_data(as_text=True))
        response = editor_client.post(f"/{kind}/new", data={**data, "action": "publish"})
        assert response.status_code == 303, payload
        path = response.headers["Location"]
        page = editor_client.get(path).get_data(as_text=True)
        assert "alert(1)" in page  # the text is there, shown as text
        for url in [f"/{kind}", "/", f"{path}/edit"]:
            page += editor_client.get(url).get_data(as_text=True)
        page += client.get(f"{path}?read=en").get_data(as_text=True)
        assert_harmless(page)


def test_script_payloads_in_taxonomy_settings_and_accounts_are_never_rendered(admin_client, node):
    """Given hostile text in taxonomy, settings and account fields, nothing runs anywhere."""
    for number, payload in enumerate(PAYLOADS):
        admin_client.post(
            "/admin/themes/new", data={"pref_label_fr": payload, "definition_fr": payload}
        )
        admin_client.post(
            "/admin/territories/new", data={"name_fr": payload, "kind": "commune", "code": "x"}
        )
        settings = {"name": payload, "description_fr": payload, "default_license": CC_BY_SA}
        admin_client.post("/admin/settings", data={**settings, "languages": "fr, en"})
        account = {"email": f"x{number}@example.org", "display_name": payload, "role": "reader"}
        admin_client.post("/admin/accounts", data={**account, "password": "a long enough password"})
        page = ""
        for url in [
            "/",
            "/themes",
            "/territories",
            "/admin/accounts",
            "/admin/themes",
            "/admin/territories",
            "/admin/settings",
            "/experiences/new",
        ]:
            page += admin_client.get(url).get_data(as_text=True)
        assert "alert(1)" in page
        assert_harmless(page)


def upload(client, path: str, name: str, content: bytes):
    return client.post(
        path,
        data={
            "title_fr": "Avec pièce jointe",
            "language": "fr",
            "license": CC_BY_SA,
            "action": "draft",
            "resource_type": "guide",
            "attachments": (BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def test_oversized_upload_is_refused_with_a_message(editor_client, node):
    """Given a 1 kB upload limit, when a 2 kB PDF is attached, then the form says: too large."""
    node.config["SETTINGS"].max_upload_bytes = 1000
    response = upload(editor_client, "/experiences/new?lang=en", "big.pdf", b"%PDF-" + b"x" * 2000)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The file is too large." in page
    assert 'id="attachments-error"' in page


def test_request_beyond_the_size_limit_gets_413(editor_client, node):
    """Given a request larger than the node accepts, then the answer is 413, not an error."""
    node.config["MAX_CONTENT_LENGTH"] = 5000
    response = upload(editor_client, "/experiences/new", "huge.pdf", b"%PDF-" + b"x" * 20_000)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "name,content",
    [
        ("tool.exe", b"MZ\x90\x00 executable"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf at all"),
        ("page.html", b"<script>alert(1)</script>"),
        ("image.svg", b"<svg onload=alert(1)></svg>"),
    ],
)
def test_dangerous_or_disguised_files_are_refused(editor_client, node, name, content):
    """Given an executable or a disguised file, when attached, then it is refused with a message."""
    response = upload(editor_client, "/resources/new?lang=en", name, content)
    assert response.status_code == 422
    assert "This type of file is not accepted" in response.get_data(as_text=True)
