"""The training record's own rows: training done elsewhere, what people must keep current, and the
refresher reminders already sent.

A person's completions are a derived read (training_app/records/completions.py): attended bookings,
e-learning completions and the external training below, unioned.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now, to_london
from ..extensions import Model

if TYPE_CHECKING:
    from .catalogue import Course
    from .users import User


class ExternalTraining(Model):
    """Training a person did elsewhere (or e-learning on another platform) and recorded themselves.

    `completed_at` is the London midnight starting the day they completed it, stored as naive UTC like
    every other moment, so it unions with attended sessions and e-learning completions.
    """

    __tablename__ = "external_trainings"
    __table_args__ = (
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name="level_range"),
        CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 1000)", name="hours_range"),
        Index("ix_external_trainings_user_completed", "user_id", "completed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime]
    level: Mapped[int | None]
    hours: Mapped[float | None] = mapped_column(Float)
    # The catalogue course it stands for, if any (so it counts for a requirement on that course).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    course: Mapped[Course | None] = relationship()
    # The certificate: a random file name in UPLOAD_FOLDER, the name it was uploaded as, its type.
    certificate_file: Mapped[str | None] = mapped_column(String(64), unique=True)
    certificate_name: Mapped[str | None] = mapped_column(String(200))
    certificate_type: Mapped[str | None] = mapped_column(String(50))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    created_at: Mapped[datetime] = mapped_column(default=now)

    @property
    def completed_on(self) -> date:
        return to_london(self.completed_at).date()


class TrainingRequirement(Model):
    """Something people must have done, and keep current: a safeguarding level (met by a completion at
    that level or above) or one course, with an optional validity (no validity: done once is enough)."""

    __tablename__ = "training_requirements"
    __table_args__ = (
        CheckConstraint("(level IS NULL) != (course_id IS NULL)", name="level_or_course"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name="level_range"),
        CheckConstraint("validity_months IS NULL OR validity_months BETWEEN 1 AND 240", name="validity_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[int | None]
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    course: Mapped[Course | None] = relationship()
    validity_months: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class RefresherReminder(Model):
    """One refresher reminder sent: the unique constraint makes `send-refresher-reminders` send each once."""

    __tablename__ = "refresher_reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "requirement_id", "expires_on", "days_before", name="uq_refresher_reminders_once"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("training_requirements.id", ondelete="CASCADE"))
    expires_on: Mapped[date]
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=now)


class RequirementCompletion(Model):
    """Each person's latest qualifying completion per requirement: a summary kept by
    records/summary.py in the same transaction as every change to completions, requirements or
    courses' levels, always computed from `records/completions.latest_completions` (the one rule).
    Compliance counts read it, so they need not group a million completions on every page."""

    __tablename__ = "requirement_completions"
    # By person, covering: recomputing a person deletes by user_id, and compliance joins the people in
    # scope to their rows by an index-only scan (a merge join that used a third of a hash join's CPU over
    # 708,000 rows in bench/compliance_bench.py).
    __table_args__ = (Index("ix_requirement_completions_person", "user_id", "requirement_id", "last_completed_at"),)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("training_requirements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_completed_at: Mapped[datetime]
