from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    SQLColumnExpression,
    String,
    Text,
    event,
    exists,
    false,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now, to_london
from ..extensions import Model, db
from .vocabulary import CertificateRelease, CourseFormat, CourseStatus, LevelKind, SessionStatus, enum_check

if TYPE_CHECKING:
    from .users import Partnership, User
    from .venues import Venue

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


class Course(Model):
    __tablename__ = "courses"
    __table_args__ = (
        enum_check("format", CourseFormat),
        enum_check("level_kind", LevelKind, nullable=True),
        CheckConstraint("(level IS NULL) = (level_kind IS NULL)", name="level_has_kind"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name="level_range"),
        enum_check("status", CourseStatus),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration"),
        enum_check("certificate_release", CertificateRelease),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Ordered list of strings; evaluations are built on them.
    learning_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[int | None]
    level_kind: Mapped[str | None] = mapped_column(String(30))
    format: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str | None] = mapped_column(String(500))
    duration_minutes: Mapped[int | None]
    prerequisite_text: Mapped[str | None] = mapped_column(Text)
    # Checked when booking: the delegate must have completed this level.
    prerequisite_min_level: Mapped[int | None]
    pre_course_work: Mapped[str | None] = mapped_column(String(500))
    owner_partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    owner_partnership: Mapped["Partnership"] = relationship()
    is_hips: Mapped[bool] = mapped_column(default=False)
    joint_partnerships: Mapped[list["Partnership"]] = relationship(secondary=course_partnerships)
    elearning_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=CourseStatus.PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Any change to the course (title, summary, archiving): calendar feeds' Last-Modified.
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    archived_at: Mapped[datetime | None]
    # One place per course: unless this is set (workshops, say), a person may hold only one upcoming
    # booking across the course's sessions (bookings.services.book_place).
    allow_repeat_bookings: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When a delegate who attended may download the certificate (training_app.certificates.eligibility).
    certificate_release: Mapped[str] = mapped_column(
        String(20),
        default=CertificateRelease.AFTER_EVALUATION,
        server_default=CertificateRelease.AFTER_EVALUATION.value,
    )
    # A booking waits for the delegate's line manager to approve it (bookings/approvals.py).
    requires_manager_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A trainer-of-trainers course: those it trains record their onward delivery (the cascade).
    is_trainer_of_trainers: Mapped[bool] = mapped_column(default=False, server_default=false())

    sessions: Mapped[list["CourseSession"]] = relationship(back_populates="course", order_by="CourseSession.starts_at")

    @property
    def level_label(self) -> str | None:
        if self.level is None or self.level_kind is None:
            return None
        return LevelKind(self.level_kind).describe(self.level)

    @property
    def format_label(self) -> str:
        return CourseFormat(self.format).label

    @property
    def is_elearning(self) -> bool:
        return self.format == CourseFormat.ELEARNING

    @property
    def partnership_label(self) -> str:
        if self.is_hips:
            return "HIPS (all four partnerships)"
        codes = [self.owner_partnership.code] + [p.code for p in self.joint_partnerships]
        return " and ".join(codes)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    # --- issue 11: "does this course count for this partnership", the one definition ---
    @classmethod
    def counts_for(cls, partnership_id: int | SQLColumnExpression[int]) -> ColumnElement[bool]:
        """SQL: the course counts for the partnership: it owns the course, runs it jointly
        (course_partnerships), or the course is a HIPS course (which counts for all four).

        `partnership_id` is a value or a column (e.g. Partnership.id, to pair courses with
        partnerships in a join). Catalogue, reports, evaluations and the access policy use this;
        for one loaded course, query with it rather than restating it in Python.
        """
        joint = exists().where(
            course_partnerships.c.course_id == cls.id, course_partnerships.c.partnership_id == partnership_id
        )
        return or_(cls.owner_partnership_id == partnership_id, cls.is_hips.is_(True), joint)


class CourseSession(Model):
    """One scheduled run of a course. Times are naive UTC."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        enum_check("status", SessionStatus),
        CheckConstraint(
            "booking_closes_at IS NULL OR booking_opens_at IS NULL OR booking_closes_at > booking_opens_at",
            name="booking_window",
        ),
        Index("ix_course_sessions_starts_at", "starts_at"),
        Index("ix_course_sessions_course_starts", "course_id", "starts_at"),
        # Reports count a partnership's sessions by the partnership that runs them, over a period.
        Index("ix_course_sessions_partnership_starts", "partnership_id", "starts_at"),
        # The public feed's validators read the latest change and end (calendar.services.plan_public_feed).
        Index("ix_course_sessions_updated_at", "updated_at"),
        Index("ix_course_sessions_ends_at", "ends_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course: Mapped[Course] = relationship(back_populates="sessions")
    # The partnership that runs this session: one the course counts for (owner, joint, or any of the
    # four for a HIPS course). Its admins manage the session; reports count it for that partnership.
    # Left unset, it is the course's owner (see _running_partnership_defaults_to_owner).
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped["Partnership"] = relationship()
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Face to face: the venue (None for an online session, or a place not yet confirmed).
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    # selectin: lists of sessions show their venue's name (one query per list, never one per row).
    venue: Mapped["Venue | None"] = relationship(lazy="selectin")
    online_platform: Mapped[str | None] = mapped_column(String(100))
    join_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    booking_opens_at: Mapped[datetime | None]
    booking_closes_at: Mapped[datetime | None]
    # People who asked to be told of dates may book from here, before booking_opens_at (their head
    # start; interest/services.tell_interested sets both).
    interest_opens_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    # iCalendar SEQUENCE: bumped whenever the time, place or status changes.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    trainers: Mapped[list["User"]] = relationship(secondary=session_trainers, order_by="User.name")

    @property
    def starts_local(self) -> datetime:
        return to_london(self.starts_at)

    @property
    def ends_local(self) -> datetime:
        return to_london(self.ends_at)

    @property
    def location_label(self) -> str:
        """Short, for lists: the venue's name and town, or the online platform."""
        if self.venue is not None:
            return self.venue.short_label
        if self.online_platform:
            return f"Online ({self.online_platform})"
        return "To be confirmed"

    @property
    def status_label(self) -> str:
        return SessionStatus(self.status).label

    # The booking window, in one place: the catalogue shows it, book_place enforces it (at: naive UTC).
    def session_refusal(self, at: datetime) -> str | None:
        """Why the session itself cannot be booked at `at` (not scheduled, or started), or None."""
        if self.status != SessionStatus.SCHEDULED:
            return f"This session has been {self.status}."
        if self.starts_at <= at:
            return "This session has already started."
        return None

    def window_refusal(self, at: datetime, head_start: bool = False) -> str | None:
        """Why booking is not open at `at` (before the window opens, or after it closes), or None.
        head_start: the person asked to be told of dates (interest/services.has_head_start), so they
        may book from interest_opens_at."""
        opens_at = self.booking_opens_at
        if head_start and self.interest_opens_at and opens_at:
            opens_at = min(opens_at, self.interest_opens_at)
        if opens_at and at < opens_at:
            return "Booking for this session has not opened yet."
        if self.booking_closes_at and at >= self.booking_closes_at:
            return "Booking for this session has closed."
        return None

    def booking_refusal(self, at: datetime, head_start: bool = False) -> str | None:
        """The reason a person reads for why the session cannot be booked at `at`, or None if it can."""
        return self.session_refusal(at) or self.window_refusal(at, head_start)

    def booking_open(self, at: datetime, head_start: bool = False) -> bool:
        return self.booking_refusal(at, head_start) is None

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


@event.listens_for(CourseSession.trainers, "append")
@event.listens_for(CourseSession.trainers, "remove")
def _trainers_changed(course_session: CourseSession, trainer: "User", *_args: object) -> None:
    """A trainer put on or taken off a session changes its calendar event and the trainer's
    teaching feed: stamp both, so the feeds' Last-Modified moves with their ETag."""
    moment = now()
    course_session.updated_at = moment
    trainer.calendar_changed_at = moment


@event.listens_for(CourseSession, "before_insert")
def _running_partnership_defaults_to_owner(
    _mapper: object, connection: Connection, course_session: CourseSession
) -> None:
    """A session scheduled without naming who runs it is run by the course's owner (as every session
    was before shared courses were run by each partner)."""
    if course_session.partnership_id is not None or course_session.partnership is not None:
        return
    course = course_session.course
    if course is not None and course.owner_partnership_id is not None:
        course_session.partnership_id = course.owner_partnership_id
    else:
        course_session.partnership_id = connection.scalar(
            select(Course.owner_partnership_id).where(Course.id == course_session.course_id)
        )


@event.listens_for(Course.joint_partnerships, "append")
@event.listens_for(Course.joint_partnerships, "remove")
def _partnerships_changed(course: Course, *_args: object) -> None:
    """Joint partnerships decide which partnership-filtered public feeds list the course."""
    course.updated_at = now()
