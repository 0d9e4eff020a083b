"""Email through an outbox.

`queue_email` writes an OutboxMessage in the caller's transaction, so an email exists if and
only if the change that justifies it was committed. `deliver_pending` (the `send-mail`
command) sends what is due over SMTP, with retries and exponential backoff.

Every email is multipart/alternative: the plain text rendered from emails/<template>.txt, and an
HTML part made from that text when it is sent (emails/_wrapper.html: escaped, paragraphs kept,
addresses made links), so there is one template per email. `Date` is the moment of sending (a
message queued while the mail server was down is dated when it actually went); `Message-ID` is
derived from the outbox row, so a retry after a timeout keeps it and receivers drop the duplicate.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from markupsafe import Markup, escape
from sqlalchemy import select

from . import clock
from .extensions import db
from .models import OutboxMessage
from .observability import request_id


def queue_email(
    to_address: str,
    template: str,
    subject: str,
    attachments: Iterable[dict[str, Any]] = (),
    dedupe_key: str | None = None,
    **context: object,
) -> OutboxMessage:
    """Add an email to the outbox, in the caller's transaction (it is written with the rest of the
    change at the next flush; a duplicate `dedupe_key` fails there). The body is rendered now from
    emails/<template>.txt. Returns the message."""
    message = compose_email(to_address, template, subject, attachments, dedupe_key, **context)
    db.session.add(message)
    return message


def compose_email(
    to_address: str,
    template: str,
    subject: str,
    attachments: Iterable[dict[str, Any]] = (),
    dedupe_key: str | None = None,
    **context: object,
) -> OutboxMessage:
    """The outbox message queue_email would add, rendered now but not added to the session (the booking
    fast path renders its emails before it takes the session's lock, bookings/fast_path.py)."""
    now = clock.now()
    return OutboxMessage(
        to_address=to_address,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        attachments=list(attachments),
        dedupe_key=dedupe_key,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
        request_id=request_id(),
    )


def attachment_part(item: Mapping[str, Any]) -> tuple[str, str]:
    """(content type, text) of an attachment. A person's calendar event ("person_ics": user and
    session ids) is made when the mail is sent, from what is true then, and its content type carries
    the iTIP method it turned out to need (REQUEST or CANCEL)."""
    if "person_ics" in item:
        from .calendar.person import person_calendar_for

        spec = item["person_ics"]
        made = person_calendar_for(spec["user_id"], spec["session_id"], clock.now())
        if made is None:
            return item["content_type"], ""
        method, text = made
        return f"text/calendar; method={method}", text
    return item["content_type"], attachment_content(item)


def attachment_content(item: Mapping[str, Any]) -> str:
    """The text of an attachment; a session's calendar is made at send time from the session."""
    if "session_ics" in item:
        from .calendar.ics import session_ics
        from .models import CourseSession

        spec = item["session_ics"]
        course_session = db.session.get(CourseSession, spec["session_id"])
        if course_session is not None:
            return session_ics(course_session, include_join_url=spec.get("include_join_url", False))
        return ""
    return str(item["content"])


URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def html_body(text: str) -> str:
    """The HTML part of an email, made from its plain text: escaped, a paragraph per block of lines
    (line breaks kept), web addresses as links."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.splitlines():
            parts, last = [], 0
            for found in URL.finditer(line):
                url = found.group(0)
                parts += [escape(line[last : found.start()]), Markup('<a href="{0}">{0}</a>').format(url)]
                last = found.end()
            parts.append(escape(line[last:]))
            lines.append(Markup("").join(parts))
        paragraphs.append(Markup("<br>\n").join(lines))
    return render_template("emails/_wrapper.html", paragraphs=paragraphs)


def message_id(message: OutboxMessage) -> str:
    """<outbox-ID.CREATED@host of PUBLIC_BASE_URL>: the same on every attempt to send the message."""
    domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(clock.now().replace(tzinfo=UTC), usegmt=True)
    # A stable Message-ID lets receiving servers drop a duplicate after a retry.
    email["Message-ID"] = message_id(message)
    if message.request_id:
        email["X-Request-ID"] = message.request_id
    email.set_content(message.body_text)
    email.add_alternative(html_body(message.body_text), subtype="html")
    for item in message.attachments or []:
        content_type, content = attachment_part(item)
        maintype, subtype, params = split_content_type(content_type)
        email.add_attachment(
            content.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
            params=params,  # e.g. method=PUBLISH, which mail clients need to offer a calendar
        )
    return email


def split_content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    """("text", "calendar", {"method": "PUBLISH"}) from "text/calendar; method=PUBLISH"."""
    kind, *rest = (part.strip() for part in content_type.split(";"))
    maintype, subtype = kind.split("/", 1)
    params = {}
    for part in rest:
        name, _, value = part.partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    if maintype == "text":
        params.setdefault("charset", "utf-8")
    return maintype, subtype, params


def _send(email: EmailMessage, config: Mapping[str, Any]) -> None:
    backend = config["MAIL_BACKEND"]
    if backend == "console":
        print(email.as_string(), flush=True)
        return
    if backend == "folder":
        folder = Path(config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").replace("@", "_")
        (folder / f"{name}.eml").write_bytes(bytes(email))
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def backoff(attempts: int) -> timedelta:
    """Minutes to wait after `attempts` failures: 1, 2, 4 ... capped at 6 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def deliver_pending(limit: int = 200, stopping: Callable[[], bool] = lambda: False) -> tuple[int, int]:
    """Send due messages; returns (sent, failed). Commits after each message.

    Each message is claimed on its own with a row lock (SKIP LOCKED on PostgreSQL; SQLite's BEGIN
    IMMEDIATE serialises the workers), sent, and marked sent in the same transaction, committed before
    the next is claimed: so two workers never send the same message, and a worker that dies leaves
    nothing claimed but the one message in flight, whose lock goes with its connection (another worker
    then takes it). `stopping` is asked before each claim (send-mail's SIGTERM handler: finish the
    message in hand, then stop). The one unavoidable duplicate: a worker killed outright (SIGKILL, power
    loss) after the mail server accepted a message but before the commit; the retry carries the same
    Message-ID, so receiving servers can drop it.
    """
    config = current_app.config
    sent = failed = 0
    for _ in range(limit):
        if stopping():
            break
        now = clock.now()
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        message = db.session.scalars(query).first()
        if message is None:
            db.session.rollback()
            break
        try:
            _send(build_email(message, config["MAIL_FROM"]), config)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.failed_at = now
            else:
                message.next_attempt_at = now + backoff(message.attempts)
            failed += 1
            db.session.commit()
            if isinstance(error, OSError):
                break  # the server is down: stop, the rest wait for the next run
            continue
        message.attempts += 1
        message.sent_at = now
        sent += 1
        db.session.commit()
    return sent, failed
