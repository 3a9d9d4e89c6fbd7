"""Mail to members: compose it in their language, queue it, and send the queue.

`queue()` renders a message from `templates/mail/NAME.txt` (first line the subject, then a
blank line, then the body) in the member's language and adds an `OutgoingMail` row to the
caller's transaction. The worker's job `run_mail` sends due rows with the standard
library's smtplib, outside any transaction, and retries on the row's schedule. So a request
never waits on a mail server, and a mail is sent only if what decided it was committed.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from server.config import SmtpServer, smtp_server
from server.extensions import db
from server.models import MailState, OutgoingMail, utcnow

log = logging.getLogger("commons.mail")

TIMEOUT = 20  # seconds for each exchange with the mail server
BATCH = 20


def sends_mail() -> bool:
    return current_app.config["SETTINGS"].sends_mail


def absolute_url(endpoint: str, **values: object) -> str:
    """A link to this node for a mail: its public origin and the endpoint's path."""
    base = current_app.config["SETTINGS"].base_url
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)


def queue(to: str, template: str, locale: str | None, **context: object) -> OutgoingMail:
    """Add a message to the session, rendered in `locale` (the node's default if None)."""
    settings = current_app.config["SETTINGS"]
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"mail/{template}.txt", node_name=settings.node_name, **context)
    subject, _, body = text.strip().partition("\n")
    mail = OutgoingMail(to_address=to, subject=subject.strip()[:200], body=body.strip() + "\n")
    db.session.add(mail)
    return mail


def message(mail: OutgoingMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body)
    return msg


def deliver(server: SmtpServer, messages: list[EmailMessage]) -> list[BaseException | None]:
    """Hand messages to the mail server over one connection; one outcome per message."""
    context = ssl.create_default_context()
    if server.tls == "ssl":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    outcomes: list[BaseException | None] = []
    with connection:
        if server.tls == "starttls":
            connection.starttls(context=context)
        if server.username:
            connection.login(server.username, server.password)
        for msg in messages:
            try:
                connection.send_message(msg)
                outcomes.append(None)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                outcomes.append(exc)
    return outcomes


def _claim() -> list[int]:
    """Take due messages (and ones a stopped worker left claimed) for this worker."""
    now = utcnow()
    due = or_(
        (OutgoingMail.state == MailState.PENDING) & (OutgoingMail.next_at <= now),
        (OutgoingMail.state == MailState.SENDING)
        & (OutgoingMail.claimed_at < now - OutgoingMail.LEASE),
    )
    query = select(OutgoingMail.id).where(due).order_by(OutgoingMail.id).limit(BATCH)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query).all())
    if ids:
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id.in_(ids))
            .values(state=MailState.SENDING, claimed_at=now)
        )
    db.session.commit()
    return ids


def run_mail(app: Flask) -> int:
    """The worker's job: send due messages; return how many were tried."""
    settings = app.config["SETTINGS"]
    if not settings.sends_mail:
        return 0
    ids = _claim()
    if not ids:
        return 0
    rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(ids))).all()
    messages = [message(row, settings.mail_from) for row in rows]
    db.session.commit()  # no transaction stays open while the mail server answers
    try:
        outcomes = deliver(smtp_server(settings.smtp_url), messages)
    except (OSError, smtplib.SMTPException) as exc:  # connection, TLS or login: try later
        outcomes = [OSError(f"{type(exc).__name__}: {exc}")] * len(messages)
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome is None:
            row.record_sent()
            continue
        permanent = isinstance(outcome, smtplib.SMTPRecipientsRefused) or (
            isinstance(outcome, smtplib.SMTPResponseException) and outcome.smtp_code >= 500
        )
        row.record_failure(f"{type(outcome).__name__}: {outcome}", permanent=permanent)
        log.warning("mail %s to %s not sent: %s", row.id, row.to_address, outcome)
    db.session.commit()
    return len(rows)
