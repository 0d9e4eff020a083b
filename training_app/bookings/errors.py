"""The rules of the bookings area saying no: one DomainError subclass per reason, each with the
message a person reads (and the form field it is about, where there is one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DomainError
from ..models.vocabulary import BookingStatus

if TYPE_CHECKING:
    from ..models import Booking


class BookingError(DomainError):
    """A booking rule said no; `message` is what the person reads."""

    message = "This booking could not be made."


class SessionNotBookable(BookingError):
    message = "This session cannot be booked."


class UnknownSession(SessionNotBookable):
    message = "This session does not exist."


class BookingClosed(BookingError):
    message = "Booking is closed for this session."


class AlreadyBooked(BookingError):
    message = "You already have a booking for this session."


class AlreadyOnCourse(BookingError):
    """One place per course: the person has an open booking on another upcoming session of it."""

    message = "You already have a place on this course."

    @classmethod
    def about(cls, other: Booking) -> AlreadyOnCourse:
        from ..web import session_when

        when = session_when(other.session)
        if other.status == BookingStatus.WAITLISTED:
            return cls(
                f"You are already on the waiting list for this course on {when}. To book this date instead, "
                "leave that waiting list on My training first."
            )
        return cls(
            f"You already have a place on this course on {when}. To change to this date, cancel that "
            "booking on My training first, then book this one."
        )


class OfferNotOpen(BookingError):
    message = "This offer is no longer open: the place has been accepted, declined or passed on."


class OfferExpired(BookingError):
    message = "This offer has run out, so the place is going to the next person waiting."


class PrerequisiteMissing(BookingError):
    message = "You have not completed the training this course needs first."


class CancellationTooLate(BookingError):
    message = "It is too late to cancel this booking online."


class NotCancellable(BookingError):
    message = "This booking cannot be cancelled."


class CapacityError(BookingError):
    message = "Capacity cannot be lower than the number of confirmed places."


class MoveNotAllowed(BookingError):
    message = "This booking cannot be moved to that session."
    field = "target_session"


class RegisterNotOpen(BookingError):
    message = "The register can be taken once the session has started."


class ApprovalNotOpen(BookingError):
    message = "This request is no longer waiting for an answer: it has been approved, declined or has ended."


class ManagerMissing(BookingError):
    """A course that asks for manager approval, booked by someone who has not named their manager."""

    message = "Enter your line manager's name and work email: this course needs their approval."
    field = "manager_email"
