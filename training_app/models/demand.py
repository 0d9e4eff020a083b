"""Interest in a course ("tell me when dates are available") and onward delivery after a
trainer-of-trainers course (the cascade)."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model

if TYPE_CHECKING:
    from .bookings import Booking
    from .catalogue import Course
    from .users import User


class CourseInterest(Model):
    """A person asked to be told when a course has dates. Kept (with notified_at) once they are told,
    so the demand report can count what was asked for; one waiting row per person and course."""

    __tablename__ = "course_interests"
    __table_args__ = (
        Index(
            "uq_course_interests_waiting",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("notified_at IS NULL"),
            postgresql_where=text("notified_at IS NULL"),
        ),
        Index("ix_course_interests_course_created", "course_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship()
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course: Mapped["Course"] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=now)
    # When they were emailed that dates are available (and given the head start to book).
    notified_at: Mapped[datetime | None]


class OnwardDelivery(Model):
    """Training run by someone trained on a trainer-of-trainers course: the cascade."""

    __tablename__ = "onward_deliveries"
    __table_args__ = (
        CheckConstraint("sessions_run >= 1", name="sessions_run_positive"),
        CheckConstraint("people_reached >= 0", name="people_reached_not_negative"),
        Index("ix_onward_deliveries_booking", "booking_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The attended booking on the trainer-of-trainers course this delivery follows from.
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    booking: Mapped["Booking"] = relationship()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivered_on: Mapped[date]
    sessions_run: Mapped[int]
    people_reached: Mapped[int]
    organisation: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
