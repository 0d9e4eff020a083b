from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model

if TYPE_CHECKING:
    from .users import User


class OutboxMessage(Model):
    """An email written in the same transaction as the change it reports; `send-mail` delivers it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Makes "send once" idempotent for things like reminders.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    # [{"filename": ..., "content_type": ..., "content": text}]; "session_ics": {...} instead of
    # "content" for a calendar made at send time (see mail.attachment_content): JSON, so values vary.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The request that queued it (X-Request-ID; observability.request_id), sent as a header too.
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Model):
    """Who did what, when, to which record; with before/after values where they matter."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped["User | None"] = relationship()
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str] = mapped_column(String(50))
    target_id: Mapped[int | None]
    # The session a booking event belongs to, so a session's trail is one query.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_sessions.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # The request that made it (X-Request-ID; observability.request_id); None from a command.
    request_id: Mapped[str | None] = mapped_column(String(64))
