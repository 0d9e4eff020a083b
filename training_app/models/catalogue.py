from sqlalchemy import CheckConstraint, Index

from ..clock import now, to_london
from ..extensions import db

LEVEL_KINDS = {
    "core": "Level {n}",
    "contributes": "Contributes to meeting the learning outcomes at Level {n}",
    "subject_specific": "Level {n} subject specific",
    "intercollegiate": "Intercollegiate training level {n}",
}

FORMATS = {
    "face_to_face": "Face-to-face",
    "live_online": "Live online",
    "blended": "Blended (workbook, then a session)",
    "elearning": "E-learning",
}

SESSION_STATUSES = {
    "scheduled": "Scheduled",
    "cancelled": "Cancelled",
    "postponed": "Postponed",
    "completed": "Completed",
}

course_partnerships = db.Table(
    "course_partnerships",
    db.Column("course_id", db.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    db.Column("partnership_id", db.ForeignKey("partnerships.id"), primary_key=True),
)

session_trainers = db.Table(
    "session_trainers",
    db.Column("session_id", db.ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", db.ForeignKey("users.id"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(
            "format IN ('face_to_face', 'live_online', 'blended', 'elearning')", name="format"
        ),
        CheckConstraint(
            "level_kind IS NULL OR level_kind IN ('core', 'contributes', 'subject_specific', 'intercollegiate')",
            name="level_kind",
        ),
        CheckConstraint("(level IS NULL) = (level_kind IS NULL)", name="level_has_kind"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name="level_range"),
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration"),
    )
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(220), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    # Ordered list of strings; evaluations are built on them.
    learning_outcomes = db.Column(db.JSON, nullable=False, default=list)
    level = db.Column(db.Integer)
    level_kind = db.Column(db.String(30))
    format = db.Column(db.String(20), nullable=False)
    audience = db.Column(db.String(500))
    duration_minutes = db.Column(db.Integer)
    prerequisite_text = db.Column(db.Text)
    # Checked when booking: the delegate must have completed this level.
    prerequisite_min_level = db.Column(db.Integer)
    pre_course_work = db.Column(db.String(500))
    owner_partnership_id = db.Column(db.ForeignKey("partnerships.id"), nullable=False)
    owner_partnership = db.relationship("Partnership")
    is_hips = db.Column(db.Boolean, nullable=False, default=False)
    joint_partnerships = db.relationship("Partnership", secondary=course_partnerships)
    elearning_url = db.Column(db.String(500))
    status = db.Column(db.String(20), nullable=False, default="published")
    created_at = db.Column(db.DateTime, nullable=False, default=now)
    archived_at = db.Column(db.DateTime)

    sessions = db.relationship(
        "CourseSession", back_populates="course", order_by="CourseSession.starts_at"
    )

    @property
    def level_label(self):
        if self.level is None:
            return None
        return LEVEL_KINDS[self.level_kind].format(n=self.level)

    @property
    def format_label(self):
        return FORMATS[self.format]

    @property
    def is_elearning(self):
        return self.format == "elearning"

    @property
    def partnership_label(self):
        if self.is_hips:
            return "HIPS (all four partnerships)"
        codes = [self.owner_partnership.code] + [p.code for p in self.joint_partnerships]
        return " and ".join(codes)

    def __repr__(self):
        return f"<Course {self.slug}>"


class CourseSession(db.Model):
    """One scheduled run of a course. Times are naive UTC."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint(
            "status IN ('scheduled', 'cancelled', 'postponed', 'completed')", name="status"
        ),
        CheckConstraint(
            "booking_closes_at IS NULL OR booking_opens_at IS NULL OR booking_closes_at > booking_opens_at",
            name="booking_window",
        ),
        Index("ix_course_sessions_starts_at", "starts_at"),
        Index("ix_course_sessions_course_starts", "course_id", "starts_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.ForeignKey("courses.id"), nullable=False)
    course = db.relationship(Course, back_populates="sessions")
    starts_at = db.Column(db.DateTime, nullable=False)
    ends_at = db.Column(db.DateTime, nullable=False)
    venue = db.Column(db.String(300))
    online_platform = db.Column(db.String(100))
    join_url = db.Column(db.String(500))
    capacity = db.Column(db.Integer, nullable=False)
    booking_opens_at = db.Column(db.DateTime)
    booking_closes_at = db.Column(db.DateTime)
    status = db.Column(db.String(20), nullable=False, default="scheduled")
    # iCalendar SEQUENCE: bumped whenever the time, place or status changes.
    sequence = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=now)
    updated_at = db.Column(db.DateTime, nullable=False, default=now, onupdate=now)
    trainers = db.relationship("User", secondary=session_trainers, order_by="User.name")

    @property
    def starts_local(self):
        return to_london(self.starts_at)

    @property
    def ends_local(self):
        return to_london(self.ends_at)

    @property
    def location_label(self):
        if self.venue:
            return self.venue
        if self.online_platform:
            return f"Online ({self.online_platform})"
        return "To be confirmed"

    @property
    def status_label(self):
        return SESSION_STATUSES[self.status]

    @property
    def is_bookable_status(self):
        return self.status == "scheduled"

    # The booking window, in one place: the catalogue shows it, book_place enforces it (at: naive UTC).
    def session_refusal(self, at):
        """Why the session itself cannot be booked at `at` (not scheduled, or started), or None."""
        if self.status != "scheduled":
            return f"This session has been {self.status}."
        if self.starts_at <= at:
            return "This session has already started."
        return None

    def window_refusal(self, at):
        """Why booking is not open at `at` (before the window opens, or after it closes), or None."""
        if self.booking_opens_at and at < self.booking_opens_at:
            return "Booking for this session has not opened yet."
        if self.booking_closes_at and at >= self.booking_closes_at:
            return "Booking for this session has closed."
        return None

    def booking_refusal(self, at):
        """The reason a person reads for why the session cannot be booked at `at`, or None if it can."""
        return self.session_refusal(at) or self.window_refusal(at)

    def booking_open(self, at):
        return self.booking_refusal(at) is None

    def __repr__(self):
        return f"<CourseSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"
