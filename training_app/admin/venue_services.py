"""Venues: the partnership team adds, edits, retires and reinstates them.

Like the other admin services: each takes the acting user, flushes (never commits) and records an
audit event; who may manage which venue is training_app.permissions' decision (the views ask it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import changes, record_audit
from ..extensions import db
from ..models import CourseSession, SessionStatus, User, Venue
from ..pagination import Page, paginate
from ..permissions import managed_venues_condition, venue_manager_for

VENUE_FIELDS = (
    "name",
    "address",
    "postcode",
    "map_url",
    "accessibility_notes",
    "parking_notes",
    "room_capacity",
    "partnership_id",
)
# What sessions' calendar events and emails show: a change moves their events (SEQUENCE).
SHOWN_FIELDS = ("name", "address", "postcode", "map_url", "accessibility_notes", "parking_notes")
Values = Mapping[str, Any]


# ---------------------------------------------------------------- queries


def venue_choices(current: Venue | None = None) -> list[Venue]:
    """Venues a session may be held at: every venue in use, by name, plus `current` (the session's own,
    even if retired since, so an edit keeps it)."""
    venues = list(db.session.scalars(select(Venue).where(Venue.retired_at.is_(None)).order_by(Venue.name, Venue.id)))
    if current is not None and current not in venues:
        venues.append(current)
    return venues


def managed_venues(actor: User, page: int, per_page: int) -> tuple[Sequence[Venue], Page]:
    """A page of the venues `actor` manages, in use first, then by name; with the Page."""
    condition = managed_venues_condition(actor)
    total = db.session.scalar(select(func.count(Venue.id)).where(condition)) or 0
    pages = paginate(total, per_page, page)
    venues = db.session.scalars(
        select(Venue)
        .options(selectinload(Venue.partnership))
        .where(condition)
        .order_by(Venue.retired_at.is_not(None), func.lower(Venue.name), Venue.id)
        .limit(pages.per_page)
        .offset(pages.offset)
    ).all()
    return venues, pages


def upcoming_sessions_at(venue: Venue) -> Sequence[CourseSession]:
    """Scheduled sessions at `venue` that have not started, earliest first."""
    return db.session.scalars(
        select(CourseSession)
        .where(
            CourseSession.venue_id == venue.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > clock.now(),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()


def sessions_over_room(venue: Venue) -> list[CourseSession]:
    """Upcoming sessions at `venue` with more places than its room holds (after the room was made
    smaller): the venue page warns about them; their admins lower the capacity or move the session."""
    if venue.room_capacity is None:
        return []
    return [s for s in upcoming_sessions_at(venue) if s.capacity > venue.room_capacity]


# ---------------------------------------------------------------- changes


def _move_events(venue: Venue) -> None:
    """The address shown in upcoming sessions' calendar events changed: bump their SEQUENCE and
    updated_at, so feeds and clients pick the new LOCATION up."""
    db.session.execute(
        update(CourseSession)
        .where(
            CourseSession.venue_id == venue.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > clock.now(),
        )
        .values(sequence=CourseSession.sequence + 1, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def create_venue(actor: User, values: Values) -> Venue:
    """Add a venue, managed by values['partnership_id'] (a partnership admin's own partnership)."""
    values = {**values, "partnership_id": venue_manager_for(actor, values.get("partnership_id"))}
    venue = Venue(**{f: values.get(f) for f in VENUE_FIELDS})
    venue.accessibility_notes = venue.accessibility_notes or ""
    venue.parking_notes = venue.parking_notes or ""
    db.session.add(venue)
    db.session.flush()
    record_audit(actor, "venue.created", venue, values={f: getattr(venue, f) for f in VENUE_FIELDS})
    return venue


def update_venue(actor: User, venue: Venue, values: Values) -> dict[str, dict[str, object]]:
    """Change a venue's details. Upcoming sessions there show the new address (their calendar events
    move); sessions with more places than a smaller room are not changed (see sessions_over_room).
    Only a system admin may hand a venue to another partnership. Returns the changes ({} if none)."""
    values = {
        **values,
        "partnership_id": venue_manager_for(actor, values.get("partnership_id"))
        if "partnership_id" in values
        else venue.partnership_id,
        "accessibility_notes": values.get("accessibility_notes") or "",
        "parking_notes": values.get("parking_notes") or "",
    }
    diff = changes(venue, VENUE_FIELDS, values)
    if not diff:
        return {}
    for field in VENUE_FIELDS:
        setattr(venue, field, values.get(field))
    if any(field in diff for field in SHOWN_FIELDS):
        _move_events(venue)
    db.session.flush()
    record_audit(actor, "venue.updated", venue, changes=diff)
    return diff


def retire_venue(actor: User, venue: Venue) -> int:
    """Stop offering a venue for new sessions; sessions already there keep it. Returns the number of
    upcoming scheduled sessions still at the venue."""
    if venue.retired_at is None:
        venue.retired_at = clock.now()
        db.session.flush()
        record_audit(actor, "venue.retired", venue)
    return len(upcoming_sessions_at(venue))


def reinstate_venue(actor: User, venue: Venue) -> Venue:
    """Offer a retired venue for new sessions again."""
    if venue.retired_at is not None:
        venue.retired_at = None
        db.session.flush()
        record_audit(actor, "venue.reinstated", venue)
    return venue
