from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model
from .vocabulary import BookingStatus, enum_check

if TYPE_CHECKING:
    from .catalogue import Course, CourseSession
    from .users import Agency, User


class Booking(Model):
    __tablename__ = "bookings"
    __table_args__ = (
        enum_check("status", BookingStatus),
        # One active booking per person per session: double clicks become IntegrityError.
        Index(
            "uq_bookings_one_active",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text(f"status != '{BookingStatus.CANCELLED}'"),
            postgresql_where=text(f"status != '{BookingStatus.CANCELLED}'"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
        # Reports count bookings per session, and attended bookings by person, from these alone.
        Index("ix_bookings_report_session", "session_id", "status", "late_cancellation"),
        Index(
            "ix_bookings_report_attended",
            "session_id",
            "user_id",
            "agency_id",
            "job_role",
            sqlite_where=text(f"status = '{BookingStatus.ATTENDED}'"),
            postgresql_where=text(f"status = '{BookingStatus.ATTENDED}'"),
        ),
        Index("ix_bookings_user", "user_id"),
        # expire-offers finds the open offers that have run out from this alone.
        Index(
            "ix_bookings_offer_expires_at",
            "offer_expires_at",
            sqlite_where=text(f"status = '{BookingStatus.OFFERED}'"),
            postgresql_where=text(f"status = '{BookingStatus.OFFERED}'"),
        ),
        # expire-approvals finds the requests that have run out (or are due a reminder) from this alone.
        Index(
            "ix_bookings_approval_expires_at",
            "approval_expires_at",
            sqlite_where=text(f"status = '{BookingStatus.AWAITING_APPROVAL}'"),
            postgresql_where=text(f"status = '{BookingStatus.AWAITING_APPROVAL}'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id"))
    session: Mapped["CourseSession"] = relationship()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    status: Mapped[str] = mapped_column(String(20))
    # Waiting-list order is the order people asked: requested_at, then id.
    requested_at: Mapped[datetime] = mapped_column(default=now)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late_cancellation: Mapped[bool] = mapped_column(default=False)
    # Recorded at booking time, so reports keep the agency the person had then.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency: Mapped["Agency | None"] = relationship()
    job_role: Mapped[str | None] = mapped_column(String(200))
    access_needs: Mapped[str | None] = mapped_column(Text)
    attendance_recorded_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    # The reason the training team gave when they cancelled this booking (or its session).
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A booking the team moved points to the booking that replaced it.
    moved_to_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    moved_to: Mapped["Booking | None"] = relationship(remote_side=[id], foreign_keys=[moved_to_id])
    # Changes to this person's copy of the session's event that leave the session alone (booked,
    # cancelled, moved, promoted): the event's SEQUENCE is session.sequence + this (calendar.person).
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the place offered to this person passes to the next person waiting (kept after the answer).
    offer_expires_at: Mapped[datetime | None]
    # Manager approval (bookings/approvals.py): whom it was asked of (as the person had it then), until
    # when the place is held for their answer, and when they were reminded.
    manager_name: Mapped[str | None] = mapped_column(String(200))
    manager_email: Mapped[str | None] = mapped_column(String(320))
    approval_requested_at: Mapped[datetime | None]
    approval_expires_at: Mapped[datetime | None]
    approval_reminded_at: Mapped[datetime | None]
    # Non-attendance (bookings/non_attendance.py): when the delegate was asked why they did not come,
    # and what they answered (by the signed link in that email), when.
    no_show_asked_at: Mapped[datetime | None]
    no_show_reason: Mapped[str | None] = mapped_column(Text)
    no_show_reason_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return BookingStatus(self.status).label


class ElearningCompletion(Model):
    __tablename__ = "elearning_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_elearning_completions_user_course"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship()
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course: Mapped["Course"] = relationship()
    completed_at: Mapped[datetime] = mapped_column(default=now)
