"""Outgoing mail, written in the transaction that decided to send it and sent by the worker.

A request never waits for a mail server, and no mail server is spoken to inside an open
transaction: the row is the promise, `server/mail.py` keeps it (with retries) later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import nonmember

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import State, UTCDateTime, utcnow


class MailState(State):
    """Where one message is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    TRANSITIONS = nonmember(
        {
            None: (PENDING,),
            PENDING: (SENDING,),
            SENDING: (SENT, PENDING, FAILED),
        }
    )


class OutgoingMail(db.Model):
    """One plain-text message to one address."""

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Emptied once sent: a body may hold a one-time link, which need not outlive delivery.
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(
        String(16), default=MailState.PENDING, index=True, info={"enum": MailState}
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # After the n-th failed try, wait RETRY_AFTER[n-1]; past the last, give up.
    RETRY_AFTER = (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    )
    # A message claimed this long ago by a worker that stopped is due again.
    LEASE = timedelta(minutes=10)

    def move_to(self, state: MailState) -> None:
        self.state = MailState.move(self.state, state)

    def record_sent(self) -> None:
        self.move_to(MailState.SENT)
        self.sent_at = utcnow()
        self.body = ""
        self.last_error = None

    def record_failure(self, error: str, permanent: bool = False) -> None:
        """Try again later on the schedule, or give up when the server refused for good."""
        self.attempts += 1
        self.last_error = error[:500]
        if permanent or self.attempts > len(self.RETRY_AFTER):
            self.move_to(MailState.FAILED)
            self.body = ""
            return
        self.move_to(MailState.PENDING)
        self.next_at = utcnow() + self.RETRY_AFTER[self.attempts - 1]
