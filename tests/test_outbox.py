"""The outbox: emails survive a mail server outage and are delivered exactly once."""

from datetime import timedelta

from sqlalchemy import select

from support import SmtpCollector
from training_app import clock
from training_app.mail import deliver_pending, queue_email
from training_app.models import OutboxMessage


def queue_three(db, make_user):
    user = make_user()
    for n in range(3):
        queue_email(user.email, "password_reset", f"Message {n}", user=user, reset_url="https://x/y", minutes=60)
    db.session.commit()
    return user


def test_messages_stay_queued_while_smtp_is_down_then_deliver_once(app, db, make_user, smtp_port, frozen_clock):
    from aiosmtpd.controller import Controller

    user = queue_three(db, make_user)
    sent, failed = deliver_pending()  # nothing listens on smtp_port yet
    assert (sent, failed) == (0, 1)
    pending = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
    ).all()
    assert len(pending) == 3
    assert pending[0].attempts == 1 and "Error" in pending[0].last_error

    handler = SmtpCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        # The failed message waits for its backoff; the others go now.
        assert deliver_pending() == (2, 0)
        frozen_clock(clock.now() + timedelta(minutes=2))
        assert deliver_pending() == (1, 0)
        assert deliver_pending() == (0, 0)
    finally:
        controller.stop()
    subjects = sorted(m.content.decode().split("Subject: ")[1].split("\r\n")[0] for m in handler.messages)
    assert subjects == ["Message 0", "Message 1", "Message 2"]
    assert all(m.rcpt_tos == [user.email] for m in handler.messages)
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all() == []


def test_attachment_is_delivered(app, db, make_user, smtp_server):
    user = make_user()
    queue_email(
        user.email,
        "password_reset",
        "With a file",
        user=user,
        reset_url="u",
        minutes=1,
        attachments=[{"filename": "session.ics", "content_type": "text/calendar", "content": "BEGIN:VCALENDAR"}],
    )
    db.session.commit()
    assert deliver_pending() == (1, 0)
    body = smtp_server.messages[0].content.decode()
    assert 'filename="session.ics"' in body and "text/calendar" in body


def test_message_gives_up_after_max_attempts(app, db, make_user, frozen_clock):
    queue_three(db, make_user)
    for _attempt in range(app.config["MAIL_MAX_ATTEMPTS"]):
        deliver_pending()
        frozen_clock(clock.now() + timedelta(hours=7))
    first = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert first.failed_at is not None and first.sent_at is None


def test_dedupe_key_makes_queueing_idempotent(app, db, make_user):
    import pytest
    from sqlalchemy.exc import IntegrityError

    user = make_user()
    queue_email(user.email, "password_reset", "Once", dedupe_key="k1", user=user, reset_url="u", minutes=1)
    db.session.commit()
    queue_email(user.email, "password_reset", "Twice", dedupe_key="k1", user=user, reset_url="u", minutes=1)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
