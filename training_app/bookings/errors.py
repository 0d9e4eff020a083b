"""The rules of the bookings area saying no: one DomainError subclass per reason, each with the
message a person reads (and the form field it is about, where there is one)."""

from ..errors import DomainError


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
