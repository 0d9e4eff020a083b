"""The send-refresher-reminders job: an email 90 and 30 days before someone's training expires.

Who is due comes from the same SQL as the compliance figures (records/validity.py cut-offs over
records/completions.latest_completions). Each reminder sent is a row in refresher_reminders, unique per
person, requirement, expiry date and lead time, written in the same savepoint as the email, so running
the job again (or two at once) sends nothing twice. A person first found inside 30 days gets only the
30-day reminder. Someone who renews gets reminders again for the new expiry date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..contact import team_for_user
from ..extensions import db
from ..mail import queue_email
from ..models import (
    Course,
    CourseFormat,
    CourseSession,
    CourseStatus,
    LevelKind,
    RefresherReminder,
    SessionStatus,
    TrainingRequirement,
    User,
)
from ..web import external_url
from .completions import latest_completions
from .validity import expires_on, london_today, status_cutoffs

# Days before expiry that reminders go (largest first); the first is also when "due" begins.
LEAD_DAYS = (90, 30)
SESSIONS_LISTED = 5


def renewing_courses(requirement: TrainingRequirement) -> ColumnElement[bool]:
    """SQL on Course: the published courses whose completion renews `requirement`."""
    if requirement.course_id is not None:
        return (Course.id == requirement.course_id) & (Course.status == CourseStatus.PUBLISHED)
    return (
        (Course.level >= requirement.level)
        & (Course.level_kind == LevelKind.CORE)
        & (Course.status == CourseStatus.PUBLISHED)
    )


def renewal_options(
    requirement: TrainingRequirement, now: datetime
) -> tuple[Sequence[CourseSession], Sequence[Course]]:
    """The next sessions open for booking, and the e-learning courses, that renew `requirement`."""
    sessions = db.session.scalars(
        select(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .where(renewing_courses(requirement), CourseSession.status == SessionStatus.SCHEDULED)
        .where(CourseSession.starts_at > now)
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(SESSIONS_LISTED)
    ).all()
    sessions = [s for s in sessions if s.booking_refusal(now) is None] or list(sessions)
    elearning = db.session.scalars(
        select(Course)
        .where(renewing_courses(requirement), Course.format == CourseFormat.ELEARNING)
        .order_by(Course.title)
    ).all()
    return sessions, elearning


def due_people(requirement: TrainingRequirement, today: date) -> list[tuple[User, datetime]]:
    """Open accounts whose latest qualifying completion for `requirement` is due for renewal today."""
    cutoffs = status_cutoffs(requirement.validity_months, today)
    if cutoffs is None:
        return []
    latest = latest_completions(requirement).subquery("latest")
    rows = db.session.execute(
        select(User, latest.c.last)
        .join(latest, latest.c.user_id == User.id)
        .where(User.closed_at.is_(None), User.deactivated_at.is_(None))
        .where(latest.c.last >= cutoffs.expired_before, latest.c.last < cutoffs.due_before)
        .order_by(User.id)
    ).all()
    return [(user, last) for user, last in rows]


def send_refresher_reminders(at: datetime | None = None) -> int:
    """Queue a refresher reminder for everyone whose training expires within 90 days (then within 30),
    once per lead time per expiry. Safe to run repeatedly and concurrently. Returns how many it queued."""
    now = at or clock.now()
    today = london_today(now)
    queued = 0
    for requirement in db.session.scalars(
        select(TrainingRequirement)
        .where(TrainingRequirement.validity_months.is_not(None))
        .order_by(TrainingRequirement.id)
    ).all():
        people = due_people(requirement, today)
        if not people:
            continue
        sessions, elearning = renewal_options(requirement, now)
        session_links = [(s, external_url("catalogue.session_detail", session_id=s.id)) for s in sessions]
        elearning_links = [(c, external_url("catalogue.course", slug=c.slug)) for c in elearning]
        for person, last in people:
            expiry = expires_on(clock.to_london(last).date(), requirement.validity_months)
            assert expiry is not None
            days_left = (expiry - today).days
            lead = min(d for d in LEAD_DAYS if days_left <= d)
            if _sent(person, requirement, expiry, lead):
                continue
            try:
                with db.session.begin_nested():
                    db.session.add(
                        RefresherReminder(
                            user_id=person.id,
                            requirement_id=requirement.id,
                            expires_on=expiry,
                            days_before=lead,
                            sent_at=now,
                        )
                    )
                    queue_email(
                        person.email,
                        "refresher_reminder",
                        f"Your {requirement.name} training expires on {expiry:%-d %B %Y}",
                        dedupe_key=f"refresher:{person.id}:{requirement.id}:{expiry.isoformat()}:{lead}",
                        person=person,
                        requirement=requirement,
                        expiry=expiry,
                        days_left=days_left,
                        session_links=session_links,
                        elearning_links=elearning_links,
                        find_url=external_url("catalogue.index"),
                        record_url=external_url("records.my_record"),
                        team=team_for_user(person),
                    )
                    if person.manager_email and _area_tells_managers(person):
                        queue_email(
                            person.manager_email,
                            "manager_refresher_due",
                            f"{person.name}'s {requirement.name} training expires on {expiry:%-d %B %Y}",
                            dedupe_key=f"refresher-manager:{person.id}:{requirement.id}:{expiry.isoformat()}:{lead}",
                            person=person,
                            requirement=requirement,
                            expiry=expiry,
                            session_links=session_links,
                            team=team_for_user(person),
                        )
                    db.session.flush()
            except IntegrityError:
                continue  # another run sent it first
            queued += 1
    return queued


def _area_tells_managers(person: User) -> bool:
    """Whether the partnership of the person's area (their organisation's, else their own) tells line
    managers about their staff's training (Partnership.notify_managers_of_bookings)."""
    partnership = person.agency.partnership if person.agency and person.agency.partnership else person.partnership
    return bool(partnership and partnership.notify_managers_of_bookings)


def _sent(person: User, requirement: TrainingRequirement, expiry: date, lead: int) -> bool:
    return (
        db.session.scalar(
            select(RefresherReminder.id).where(
                RefresherReminder.user_id == person.id,
                RefresherReminder.requirement_id == requirement.id,
                RefresherReminder.expires_on == expiry,
                RefresherReminder.days_before == lead,
            )
        )
        is not None
    )
