"""CSRF on every form, a role check on every write route, sanitised output, checked uploads."""

from __future__ import annotations

from html.parser import HTMLParser
from io import BytesIO

import pytest

from server import create_app
from server.extensions import db
from tests.conftest import BASE_URL, csrf_token, make_user
from tests.server.factories import make_item, make_territory, make_theme

CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]
EDITOR_ROUTES = [
    "/experiences/new",
    "/principles/new",
    "/resources/new",
    "{item}/edit",
    "{item}/publish",
    "{item}/withdraw",
    "{item}/restore",
    "/admin/territories/new",
    "/admin/territories/{territory}/edit",
]
ADMIN_ROUTES = [
    "/admin/accounts",
    "/admin/accounts/{user}/role",
    "/admin/accounts/{user}/deactivate",
    "/admin/accounts/{user}/activate",
    "/admin/settings",
    "/admin/themes/new",
    "/admin/themes/{theme}/edit",
]


@pytest.fixture
def targets(node):
    """One of each thing a write route acts on."""
    return {
        "item": make_item(node, "experience", "Cible"),
        "territory": make_territory(node, "Lieu cible"),
        "theme": make_theme(node, "Thème cible", "Target theme"),
        "user": make_user(node, "target@example.org", "reader"),
    }


def routes(names, targets) -> list[str]:
    return [path.format(**targets) for path in names]


def test_reader_gets_403_on_every_write_route(reader_client, targets):
    """Given a signed-in reader, when they POST to any write route, then the answer is 403."""
    for path in routes(EDITOR_ROUTES + ADMIN_ROUTES, targets):
        assert reader_client.post(path, data={}).status_code == 403, path


def test_editor_gets_403_on_every_admin_route(editor_client, targets):
    """Given a signed-in editor, when they POST to an admin-only route, then the answer is 403."""
    for path in routes(ADMIN_ROUTES, targets):
        assert editor_client.post(path, data={}).status_code == 403, path


def test_anonymous_posts_are_sent_to_sign_in(client, targets):
    """Given an anonymous visitor, when they POST to any write route, then they go to sign in."""
    for path in routes(EDITOR_ROUTES + ADMIN_ROUTES, targets):
        response = client.post(path, data={})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/signin"), path


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


def test_every_form_post_without_csrf_token_is_refused(csrf_app, targets, node):
    """Given CSRF protection, when an admin posts any form without a token, then 400."""
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
    for path in routes(EDITOR_ROUTES + ADMIN_ROUTES, targets) + ["/signout", "/signin"]:
        assert client.post(path, data={"title_fr": "x"}).status_code == 400, path
    assert client.get("/experiences/new").status_code == 200  # still signed in


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
