from sqlalchemy import CheckConstraint, Index, text

from ..clock import now
from ..extensions import db

BOOKING_STATUSES = {
    "confirmed": "Confirmed",
    "waitlisted": "On the waiting list",
    "cancelled": "Cancelled",
    "attended": "Attended",
    "no_show": "Did not attend",
}
# Statuses that hold (or held) a place: a person may have only one per session.
ACTIVE_STATUSES = ("confirmed", "waitlisted", "attended", "no_show")


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')", name="status"
        ),
        # One active booking per person per session: double clicks become IntegrityError.
        Index(
            "uq_bookings_one_active",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
        # Reports count bookings per session, and attended bookings by person, from these alone.
        Index("ix_bookings_report_session", "session_id", "status", "late_cancellation"),
        Index("ix_bookings_report_attended", "session_id", "user_id", "agency_id", "job_role",
              sqlite_where=text("status = 'attended'"), postgresql_where=text("status = 'attended'")),
        Index("ix_bookings_user", "user_id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("course_sessions.id"), nullable=False)
    session = db.relationship("CourseSession")
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    user = db.relationship("User", foreign_keys=[user_id])
    status = db.Column(db.String(20), nullable=False)
    # Waiting-list order is the order people asked: requested_at, then id.
    requested_at = db.Column(db.DateTime, nullable=False, default=now)
    confirmed_at = db.Column(db.DateTime)
    cancelled_at = db.Column(db.DateTime)
    cancelled_by_id = db.Column(db.ForeignKey("users.id"))
    late_cancellation = db.Column(db.Boolean, nullable=False, default=False)
    # Recorded at booking time, so reports keep the agency the person had then.
    agency_id = db.Column(db.ForeignKey("agencies.id"))
    agency = db.relationship("Agency")
    job_role = db.Column(db.String(200))
    access_needs = db.Column(db.Text)
    attendance_recorded_at = db.Column(db.DateTime)
    reminder_sent_at = db.Column(db.DateTime)

    @property
    def status_label(self):
        return BOOKING_STATUSES[self.status]


class ElearningCompletion(db.Model):
    __tablename__ = "elearning_completions"
    __table_args__ = (db.UniqueConstraint("user_id", "course_id", name="uq_elearning_completions_user_course"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    user = db.relationship("User")
    course_id = db.Column(db.ForeignKey("courses.id"), nullable=False)
    course = db.relationship("Course")
    completed_at = db.Column(db.DateTime, nullable=False, default=now)
