"""A visitor signs up on a node served by `commons serve`: its background worker mails the
confirmation link through a real SMTP server in the test process, and the visitor follows it
over HTTP."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import csrf_token
from tests.e2e.harness import wait_for
from tests.mailbox import link_in, start_mailbox

pytestmark = pytest.mark.slow
PASSWORD = "a fine long password"


@pytest.fixture
def mailbox():
    box, controller = start_mailbox()
    yield box
    controller.stop()


def test_visitor_signs_up_and_the_worker_mails_the_link(make_node, mailbox):
    """Given an open node with a mail server, a visitor signs up, the worker sends the mail,
    the visitor confirms through its link and reaches their account page."""
    node = make_node(
        "members", COMMONS_SIGNUP="open", COMMONS_SMTP_URL=mailbox.url, COMMONS_MAIL_FROM="n@x.org"
    )
    visitor = requests.Session()
    form = visitor.get(f"{node.base_url}/signup?lang=en", timeout=10)
    answer = visitor.post(
        f"{node.base_url}/signup",
        data={
            "csrf_token": csrf_token(form.text),
            "email": "camille@example.org",
            "display_name": "Camille",
            "password": PASSWORD,
            "language": "en",
        },
        timeout=10,
    )
    assert answer.ok and "Check your mail" in answer.text

    mail = wait_for(lambda: mailbox.to("camille@example.org"), message="the confirmation mail")[0]
    assert mail["From"] == "n@x.org"
    link = node.base_url + link_in(mail, node.base_url)
    page = visitor.get(link, timeout=10)
    confirmed = visitor.post(link, data={"csrf_token": csrf_token(page.text)}, timeout=10)
    assert confirmed.url == f"{node.base_url}/me"
    assert "camille@example.org" in confirmed.text
    assert node.query("SELECT state FROM \"user\" WHERE email = 'camille@example.org'") == [
        ("active",)
    ]
    assert node.query("SELECT state, body FROM outgoing_mail") == [("sent", "")]
