"""Errors a person reads: one family for every area's business rules, and one way to show them.

Services raise a DomainError subclass (BookingError, AdminError, RoleError, EvaluationError ...) that
carries the message a person reads and, where it is about one input, the form field. Views catch it,
roll back, and hand it to show_error. A lock wait that times out is not a rule saying no but the
service being busy: is_busy recognises it, and create_app answers it with the 503 page.
"""

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError

# PostgreSQL's SQLSTATE for "could not obtain lock" (lock_timeout expired).
LOCK_NOT_AVAILABLE = "55P03"
# SQLite's result code for "database is locked" (the busy timeout expired).
SQLITE_BUSY = 5
# Seconds a person is asked to wait before trying again after a busy answer.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A business rule said no. `message` is what the person reads (each subclass has a default);
    `field` names the form input it is about, if any."""

    message = "This could not be done."
    field: str | None = None

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(self.message)


def show_error(error: DomainError, form: FlaskForm | None = None) -> None:
    """Show `error` on `form` (beside its field when the form has that field, otherwise at the top of
    the form), or without a form as an error flash on the next page."""
    if form is None:
        flash(error.message, "error")
        return
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def is_busy(error: OperationalError) -> bool:
    """Whether `error` is a lock wait that gave up: PostgreSQL's lock_timeout (SQLSTATE 55P03, psycopg's
    LockNotAvailable) or SQLite's "database is locked" after its busy timeout."""
    original = error.orig
    if getattr(original, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return True
    code = getattr(original, "sqlite_errorcode", None)  # the primary code is the low byte
    return code is not None and code & 0xFF == SQLITE_BUSY
