"""One clock: `utcnow()`, the columns' defaults and federation read `server.models.clock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.extensions import db
from server.models import InboxMessage, User, clock, utcnow

DAYS = timedelta(days=3)


def test_utcnow_and_column_defaults_move_with_the_clock(app):
    """Given the clock moved three days on, utcnow() and a row's default timestamps follow."""
    clock.advance(DAYS)
    assert abs(utcnow() - (datetime.now(UTC) + DAYS)) < timedelta(seconds=5)
    with app.app_context():
        user = User(email="clock@example.org")
        db.session.add(user)
        InboxMessage.store({"id": "https://peer.test/a/1", "type": "Create"}, b"{}", "a", "o")
        db.session.commit()
        received = db.session.scalar(db.select(InboxMessage.received_at))
        for stamp in (user.created_at, received):
            assert abs(stamp - clock.now()) < timedelta(seconds=5)
            assert stamp - datetime.now(UTC) > DAYS - timedelta(seconds=5)


def test_the_app_fixture_puts_the_clock_back(app):
    """Runs after the test above (file order): the clock it moved is back to the real time."""
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
