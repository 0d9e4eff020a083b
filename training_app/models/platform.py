from sqlalchemy import Index

from ..clock import now
from ..extensions import db


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change it reports; `send-mail` delivers it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)
    id = db.Column(db.Integer, primary_key=True)
    # Makes "send once" idempotent for things like reminders.
    dedupe_key = db.Column(db.String(200), unique=True)
    to_address = db.Column(db.String(320), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    # [{"filename": ..., "content_type": ..., "content": text}]
    attachments = db.Column(db.JSON, nullable=False, default=list)
    created_at = db.Column(db.DateTime, nullable=False, default=now)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=now)
    sent_at = db.Column(db.DateTime)
    failed_at = db.Column(db.DateTime)
    last_error = db.Column(db.Text)


class AuditEvent(db.Model):
    """Who did what, when, to which record; with before/after values where they matter."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_created", "created_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.ForeignKey("users.id"))
    actor = db.relationship("User")
    action = db.Column(db.String(100), nullable=False)
    target_type = db.Column(db.String(50), nullable=False)
    target_id = db.Column(db.Integer)
    # The session a booking event belongs to, so a session's trail is one query.
    session_id = db.Column(db.ForeignKey("course_sessions.id"))
    details = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=now)
