"""Which training team to contact: the one place that decides.

Pages (the footer, "contact the training team" texts, the Help page), error pages and every email
ask this module, so they always name the same team:

- about a session: the partnership running it (`team_for_session`);
- about a course: the partnership that owns it (`team_for_course`);
- about a person (their account, or a page with no session or course on it): their own area, that is
  the partnership they belong to, else their organisation's partnership (`team_for_user`);
- otherwise, or when that partnership has no contact email yet: the HIPS-wide team, from the
  HELP_TEAM_NAME / HELP_EMAIL / HELP_PHONE / HELP_OPENING_HOURS settings (`default_team`), which needs
  no database, so error pages can always name it.

A ContactTeam is a plain value (no database rows), safe to render after the session is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_login import current_user
from jinja2.runtime import Context
from sqlalchemy import select

from .extensions import db
from .models import Course, CourseSession, Partnership


@dataclass(frozen=True)
class ContactTeam:
    """A training team to contact. `code` is the partnership's code (None for the HIPS-wide team)."""

    name: str
    email: str
    phone: str | None = None
    opening_hours: str | None = None
    code: str | None = None

    @property
    def is_default(self) -> bool:
        return self.code is None


def default_team() -> ContactTeam:
    """The HIPS-wide team from the configuration: no database work."""
    config = current_app.config
    return ContactTeam(
        name=config["HELP_TEAM_NAME"],
        email=config["HELP_EMAIL"],
        phone=config.get("HELP_PHONE") or None,
        opening_hours=config.get("HELP_OPENING_HOURS") or None,
    )


def team_for_partnership(partnership: Partnership | None) -> ContactTeam:
    """The partnership's team, or the HIPS-wide team if there is none or it has no contact email yet."""
    if partnership is None or not partnership.contact_email:
        return default_team()
    return ContactTeam(
        name=partnership.name,
        email=partnership.contact_email,
        phone=partnership.contact_phone or None,
        opening_hours=partnership.opening_hours or None,
        code=partnership.code,
    )


def partnership_teams() -> list[tuple[Partnership, ContactTeam]]:
    """Every partnership with the team that answers for it (the Help page's table), by name."""
    partnerships = db.session.scalars(select(Partnership).order_by(Partnership.name)).all()
    return [(partnership, team_for_partnership(partnership)) for partnership in partnerships]


def running_partnership(course_session: CourseSession) -> Partnership:
    """The partnership that runs a session: today, its course's owner.

    Once sessions carry the partnership running them (CourseSession.partnership), this becomes
    `return course_session.partnership or course_session.course.owner_partnership`.
    """
    return course_session.course.owner_partnership


def team_for_session(course_session: CourseSession) -> ContactTeam:
    """The team running the session."""
    return team_for_partnership(running_partnership(course_session))


def team_for_course(course: Course) -> ContactTeam:
    """The team of the partnership that owns the course (HIPS courses too have an owner)."""
    return team_for_partnership(course.owner_partnership)


def area_of(user: Any) -> Partnership | None:
    """A person's own area: their partnership, else their organisation's, else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.partnership is not None:
        return user.partnership
    agency = user.agency
    return agency.partnership if agency is not None else None


def team_for_user(user: Any) -> ContactTeam:
    """The team of the person's own area (the HIPS-wide team for visitors and people outside the four)."""
    return team_for_partnership(area_of(user))


def team_for_page(context: Context) -> ContactTeam:
    """The team a page names (its footer): `contact_team` if the view passed one, else the team of the
    session or course the page is about, else the signed-in person's area, else the HIPS-wide team."""
    explicit = context.get("contact_team")
    if isinstance(explicit, ContactTeam):
        return explicit
    course_session = context.get("course_session")
    if isinstance(course_session, CourseSession):
        return team_for_session(course_session)
    course = context.get("course")
    if isinstance(course, Course):
        return team_for_course(course)
    return team_for_user(current_user)


def team_for_error_page() -> ContactTeam:
    """The signed-in person's team for the 500 page, without trusting the database.

    The failed transaction has been rolled back, so the user row is expired and reading it queries the
    database again. If that fails too, the page is drawn for a signed-out visitor (as the 503 page is)
    and names the HIPS-wide team from the configuration.
    """
    try:
        return team_for_user(current_user)
    except Exception:  # noqa: BLE001 - whatever broke the request may break this too
        from .extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        return default_team()
