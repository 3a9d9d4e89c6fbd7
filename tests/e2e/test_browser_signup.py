"""A person in headless Chromium signs up, confirms through the mailed link, and finds
their account page."""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import Node, wait_for
from tests.e2e.test_browser import CHROMIUM, REQUIRED
from tests.mailbox import link_in, start_mailbox

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "Playwright for Python is not installed (pip install '.[test]')"
    else:
        reason = None if CHROMIUM else "Chromium is not installed (apt-get install chromium)"
    if reason:
        if REQUIRED:
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


@pytest.fixture
def mailbox():
    box, controller = start_mailbox()
    yield box
    controller.stop()


@pytest.fixture
def open_site(tmp_path, mailbox, chromium):
    node = Node(
        "signup",
        tmp_path,
        os.environ.get("COMMONS_TEST_DATABASE_URL"),
        COMMONS_SIGNUP="open",
        COMMONS_SMTP_URL=mailbox.url,
    )
    node.setup()
    node.start()
    yield node
    node.stop()


def test_a_visitor_signs_up_and_confirms_in_a_browser(open_site, chromium, mailbox):
    """Given an open node, a visitor goes from the sign-in page to sign-up, fills the form
    in French, opens the link of the mail they receive, confirms, and is on their page."""
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{open_site.base_url}/signin")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse électronique").fill("camille@example.org")
    page.get_by_label("Nom affiché").fill("Camille")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.get_by_role("heading", name="Consultez vos courriels").is_visible()

    mail = wait_for(lambda: mailbox.to("camille@example.org"), message="the confirmation mail")
    assert mail[0]["Subject"] == "Confirmez votre adresse"
    page.goto(open_site.base_url + link_in(mail[0], open_site.base_url))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    page.wait_for_url(f"{open_site.base_url}/me")
    assert page.get_by_role("heading", name="Mon compte", exact=True).is_visible()
    assert page.get_by_text("camille@example.org").first.is_visible()
    context.close()
