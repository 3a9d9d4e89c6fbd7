"""The federation page shows, for each peer, the latest delivery error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.extensions import db
from server.models import Delivery, OutboxActivity
from tests.conftest import make_user, sign_in

PEER = "https://peer.example"


def _delivery(activity: OutboxActivity, name: str, error: str | None, at: datetime, **kw):
    return Delivery(
        activity=activity,
        inbox_url=f"{PEER}/{name}/inbox",
        origin=PEER,
        last_error=error,
        updated_at=at,
        **kw,
    )


def test_the_page_shows_the_latest_error_not_the_largest(fed_app):
    """Given an older error that sorts last and a newer one, the page shows the newer one."""
    now = datetime.now(UTC)
    with fed_app.app_context():
        activity = OutboxActivity(
            iri="http://node.test/activities/1", activity_type="Create", raw={}
        )
        db.session.add_all(
            [
                _delivery(activity, "a", "zz older: connection refused", now - timedelta(hours=2)),
                _delivery(activity, "b", "HTTP 503 newer", now - timedelta(minutes=5)),
                _delivery(activity, "c", None, now),  # tried, no error recorded yet
                _delivery(activity, "d", "yy done long ago", now, state="done"),
            ]
        )
        db.session.commit()
    make_user(fed_app, "admin@example.org", "admin")
    client = fed_app.test_client()
    sign_in(client, "admin@example.org")
    page = client.get("/admin/federation/").get_data(as_text=True)
    assert "HTTP 503 newer" in page
    assert "zz older" not in page
    assert "yy done" not in page
