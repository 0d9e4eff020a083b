"""What is true of a booking now, in one place: My training, the session page, emails and calendars
all ask booking_state (or, for feeds read without the ORM, calendar_status).

A booking's stored status says only confirmed / waitlisted / cancelled / attended / no-show; what a
person needs to read also depends on the session (postponed, cancelled, already over), on who
cancelled and why, and on where a move took them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..models import Booking, BookingStatus, SessionStatus
from ..timefmt import london_datetime


class StateKey(StrEnum):
    """What a booking's state is, as shown (never stored: the stored vocabulary is BookingStatus)."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    OFFERED = "offered"
    AWAITING_APPROVAL = "awaiting_approval"
    POSTPONED = "postponed"
    AWAITING_REGISTER = "awaiting_register"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED_BY_YOU = "cancelled_by_you"
    CANCELLED_BY_TEAM = "cancelled_by_team"
    SESSION_CANCELLED = "session_cancelled"
    MOVED = "moved"
    NOT_APPROVED = "not_approved"


# The person's event STATUS in their calendar (RFC 5545 values).
EVENT_CONFIRMED, EVENT_TENTATIVE, EVENT_CANCELLED = "CONFIRMED", "TENTATIVE", "CANCELLED"


@dataclass(frozen=True)
class BookingState:
    """A booking's state for people: a short label (a GOV.UK tag), its colour, a sentence saying
    what it means (may be ''), and the STATUS of the person's calendar event."""

    key: StateKey
    label: str
    colour: str
    detail: str
    calendar: str

    @property
    def tag_class(self) -> str:
        return f"govuk-tag govuk-tag--{self.colour}"

    @property
    def attends(self) -> bool:
        """Whether the person's calendar should still hold the event (REQUEST rather than CANCEL)."""
        return self.calendar != EVENT_CANCELLED

    @property
    def sentence(self) -> str:
        """The detail, or the label when there is no detail (emails and the session page)."""
        return self.detail or f"{self.label}."


def calendar_status(booking_status: str, session_status: str) -> str:
    """The STATUS of a person's event for a booking in `booking_status` on a session in
    `session_status`: what booking_state(...).calendar says, for rows read without the ORM (feeds)."""
    if booking_status == BookingStatus.CANCELLED or session_status == SessionStatus.CANCELLED:
        return EVENT_CANCELLED
    if (
        booking_status in (BookingStatus.WAITLISTED, BookingStatus.OFFERED, BookingStatus.AWAITING_APPROVAL)
        or session_status == SessionStatus.POSTPONED
    ):
        # No place yet (or one offered, or held for a manager's answer), or the date no longer holds.
        return EVENT_TENTATIVE
    return EVENT_CONFIRMED


def booking_state(booking: Booking, at: datetime, position: int | None = None) -> BookingState:
    """What is true of `booking` at `at` (naive UTC). `position` is the place on the waiting list
    (1-based) for a waitlisted booking, when the caller knows it."""
    course_session = booking.session
    event = calendar_status(booking.status, course_session.status)
    if booking.status == BookingStatus.OFFERED and course_session.status != SessionStatus.CANCELLED:
        return BookingState(
            StateKey.OFFERED,
            "Place offered",
            "yellow",
            f"A place is held for you until {london_datetime(booking.offer_expires_at)}: accept or decline it.",
            EVENT_TENTATIVE,
        )
    if booking.status == BookingStatus.AWAITING_APPROVAL and course_session.status != SessionStatus.CANCELLED:
        manager = booking.manager_name or booking.manager_email or "your line manager"
        return BookingState(
            StateKey.AWAITING_APPROVAL,
            "Awaiting approval",
            "yellow",
            f"A place is held for you while {manager} approves or declines this booking, until "
            f"{london_datetime(booking.approval_expires_at)}.",
            EVENT_TENTATIVE,
        )
    if booking.status == BookingStatus.CANCELLED:
        return _cancelled(booking, event)
    if course_session.status == SessionStatus.CANCELLED:
        return BookingState(StateKey.SESSION_CANCELLED, "Cancelled", "grey", "This session has been cancelled.", event)
    if booking.status == BookingStatus.ATTENDED:
        return BookingState(StateKey.ATTENDED, "Attended", "green", "", event)
    if booking.status == BookingStatus.NO_SHOW:
        return BookingState(StateKey.NO_SHOW, "Did not attend", "red", "", event)
    if booking.status == BookingStatus.WAITLISTED:
        where = f": number {position}" if position else ""
        detail = f"You are on the waiting list{where}. We will email you if a place becomes free."
        if course_session.status == SessionStatus.POSTPONED:
            detail += " The session is postponed: new date to follow."
        return BookingState(StateKey.WAITING, f"Waiting list{where}", "blue", detail, event)
    if course_session.status == SessionStatus.POSTPONED:
        return BookingState(
            StateKey.POSTPONED,
            "Postponed",
            "yellow",
            "Postponed: new date to follow. Your place is kept, and we will email you the new date.",
            event,
        )
    if course_session.ends_at <= at:
        return BookingState(StateKey.AWAITING_REGISTER, "Awaiting register", "grey", "", event)
    return BookingState(StateKey.CONFIRMED, "Confirmed", "green", "", event)


def _cancelled(booking: Booking, event: str) -> BookingState:
    moved_to = booking.moved_to
    if moved_to is not None:
        when = london_datetime(moved_to.session.starts_at).replace(":00", "")  # as session_when writes it
        return BookingState(StateKey.MOVED, "Moved", "grey", f"Moved by the training team to {when}.", event)
    reason = (booking.cancel_reason or "").strip()
    if booking.cancelled_by_id is None and booking.approval_requested_at is not None and reason:
        return BookingState(StateKey.NOT_APPROVED, "Not approved", "grey", reason, event)
    if booking.session.status == SessionStatus.CANCELLED and booking.cancelled_by_id != booking.user_id:
        detail = "This session was cancelled by the training team" + (f": {reason}" if reason else ".")
        return BookingState(StateKey.SESSION_CANCELLED, "Session cancelled", "grey", detail, event)
    if booking.cancelled_by_id == booking.user_id:
        return BookingState(StateKey.CANCELLED_BY_YOU, "Cancelled by you", "grey", "", event)
    detail = "Cancelled by the training team" + (f": {reason}" if reason else ".")
    return BookingState(StateKey.CANCELLED_BY_TEAM, "Cancelled by the team", "grey", detail, event)
