"""Manager approval: on a course that asks for it, a place is held while the delegate's line manager
approves or declines by a signed link (they need no account), for APPROVAL_WORKING_DAYS working days
(never past the session's start). Halfway through, the manager is reminded once; when the time runs
out, or the manager declines, the place goes to the next person waiting by the usual rules.

Every change takes the session lock first (services.lock_session), like booking, and reads the booking
again from the locked row, so an approval racing a decline or the expiry is decided once.
`flask --app wsgi expire-approvals` sends the reminders and ends the requests that have run out; it is
safe to repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, or_, select

from .. import clock
from ..audit import record_audit
from ..contact import team_for_session
from ..extensions import db
from ..mail import queue_email
from ..models import Booking, BookingStatus, CourseSession, User
from ..web import external_url
from .emails import email_delegate, session_url
from .errors import ApprovalNotOpen

APPROVAL_TOKEN_SALT = "manager-approval"


def approval_deadline(course_session: CourseSession, now: datetime) -> datetime:
    """When a request made at `now` runs out: APPROVAL_WORKING_DAYS working days (Monday to Friday;
    bank holidays are not known) later, at the same time of day, but never after the session starts."""
    days = int(current_app.config["APPROVAL_WORKING_DAYS"])
    moment = now
    while days > 0:
        moment += timedelta(days=1)
        if clock.to_london(moment).weekday() < 5:
            days -= 1
    return min(moment.replace(microsecond=0), course_session.starts_at)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=APPROVAL_TOKEN_SALT)


def make_approval_token(booking: Booking) -> str:
    """The manager's credential for one request: the booking, the manager asked and when. A new
    request, or a change of manager, makes earlier links open nothing."""
    requested = booking.approval_requested_at.isoformat() if booking.approval_requested_at else ""
    return _serializer().dumps([booking.id, (booking.manager_email or "").lower(), requested])


def booking_for_approval_token(token: str) -> Booking | None:
    """The booking a manager's link is for, or None when the link is not (or no longer) valid."""
    try:
        booking_id, email, requested = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(booking_id, int) or not 0 < booking_id < 2**31:
        return None
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.approval_requested_at is None or not booking.manager_email:
        return None  # never asked of anyone (or the account has closed since)
    if booking.manager_email.lower() != email:
        return None
    if (booking.approval_requested_at.isoformat() if booking.approval_requested_at else "") != requested:
        return None
    return booking


def approval_url(booking: Booking) -> str:
    return external_url("bookings.manager_approval", token=make_approval_token(booking))


def approval_is_open(booking: Booking, now: datetime) -> bool:
    return (
        booking.status == BookingStatus.AWAITING_APPROVAL
        and booking.approval_expires_at is not None
        and now < booking.approval_expires_at
    )


def _email_manager(booking: Booking, template: str, subject: str) -> None:
    course_session = booking.session
    queue_email(
        booking.manager_email or "",
        template,
        subject,
        booking=booking,
        user=booking.user,
        course_session=course_session,
        course=course_session.course,
        url=session_url(course_session),
        approval_url=approval_url(booking),
        team=team_for_session(course_session),
    )


def request_approval(actor: User | None, booking: Booking, now: datetime) -> Booking:
    """Hold a place on `booking`'s session for it while the delegate's manager decides (the session is
    locked by the caller, and a place is free): the manager gets the link, the delegate is told."""
    person, course_session = booking.user, booking.session
    booking.status = BookingStatus.AWAITING_APPROVAL
    booking.confirmed_at = None
    booking.offer_expires_at = None
    booking.manager_name, booking.manager_email = person.manager_name, person.manager_email
    booking.approval_requested_at = now.replace(microsecond=0)
    booking.approval_expires_at = approval_deadline(course_session, now)
    booking.approval_reminded_at = None
    booking.calendar_sequence += 1
    db.session.flush()
    record_audit(
        actor,
        "booking.approval_requested",
        booking,
        session_id=course_session.id,
        manager=booking.manager_email,
        held_until=booking.approval_expires_at,
    )
    title = course_session.course.title
    _email_manager(booking, "manager_approval_request", f"Please approve or decline: {person.name}, {title}")
    email_delegate(booking, "booking_awaiting_approval", f"Waiting for your manager's approval: {title}")
    return booking


def _locked_request(booking: Booking) -> None:
    """Lock the booking's session and read the booking again; raise ApprovalNotOpen if it is no longer
    waiting (approved, declined, run out, cancelled, or the account closed)."""
    from .services import lock_known_session

    lock_known_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status != BookingStatus.AWAITING_APPROVAL:
        raise ApprovalNotOpen()


def approve(booking: Booking, by: User | None = None) -> Booking:
    """The manager approves (by their link), or `by`, an agency training lead of the delegate's
    organisation, in the manager's place (agency/): the place is confirmed and the delegate gets the
    confirmation with the calendar event. Raises ApprovalNotOpen (already decided or ended)."""
    _locked_request(booking)
    now = clock.now()
    if not approval_is_open(booking, now):
        raise ApprovalNotOpen("The time to answer this request has run out, so the place has been let go.")
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.calendar_sequence += 1
    db.session.flush()
    record_audit(by, "booking.approved", booking, session_id=booking.session_id, manager=booking.manager_email)
    email_delegate(
        booking,
        "booking_approved",
        f"Booking confirmed: {booking.session.course.title}",
        attach_calendar=True,
        approver=by,
    )
    return booking


def decline(booking: Booking, reason: str, by: User | None = None) -> list[Booking]:
    """The manager declines (or `by`, an agency training lead, in their place), with a reason the
    delegate reads: the booking ends and the place goes to the next person waiting. Returns the bookings
    given it. Raises ApprovalNotOpen."""
    from .services import promote_from_waiting_list

    _locked_request(booking)
    who = f"Your organisation's training lead, {by.name}," if by is not None else "Your line manager"
    _end_request(booking, f"{who} did not approve this booking: {reason}")
    record_audit(by, "booking.approval_declined", booking, session_id=booking.session_id, manager=booking.manager_email)
    given = promote_from_waiting_list(by, booking.session)
    title = booking.session.course.title
    subject = f"{'Your training lead' if by is not None else 'Your manager'} did not approve: {title}"
    email_delegate(booking, "booking_approval_declined", subject, attach_calendar=True, approver=by)
    return given


def _end_request(booking: Booking, reason: str) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = clock.now()
    booking.cancelled_by_id = None
    booking.late_cancellation = False
    booking.cancel_reason = reason
    booking.calendar_sequence += 1
    db.session.flush()


# --------------------------------------------------------------------------- the periodic job


def _run_out(now: datetime) -> ColumnElement[bool]:
    return and_(
        Booking.status == BookingStatus.AWAITING_APPROVAL,
        or_(Booking.approval_expires_at <= now, CourseSession.starts_at <= now),
    )


@dataclass(frozen=True)
class ApprovalRun:
    reminded: int = 0
    expired: int = 0
    given: int = 0  # places then given to the next people waiting


def _due_reminders(now: datetime) -> Sequence[Booking]:
    """Requests past half their time, not yet reminded, not run out."""
    waiting = db.session.scalars(
        select(Booking)
        .where(
            Booking.status == BookingStatus.AWAITING_APPROVAL,
            Booking.approval_reminded_at.is_(None),
            Booking.approval_expires_at > now,
        )
        .order_by(Booking.id)
    ).all()
    return [
        booking
        for booking in waiting
        if booking.approval_requested_at is not None
        and booking.approval_expires_at is not None
        and now >= booking.approval_requested_at + (booking.approval_expires_at - booking.approval_requested_at) / 2
    ]


def remind_and_expire(now: datetime) -> ApprovalRun:
    """Remind each manager once at half time, and end the requests that have run out (the delegate is
    told; the place goes to the next person waiting). Commits per session; safe to run again."""
    from .services import lock_known_session, promote_from_waiting_list

    reminded = 0
    for booking in _due_reminders(now):
        lock_known_session(booking.session_id)
        db.session.refresh(booking)
        if booking.status == BookingStatus.AWAITING_APPROVAL and booking.approval_reminded_at is None:
            booking.approval_reminded_at = now
            record_audit(None, "booking.approval_reminded", booking, session_id=booking.session_id)
            _email_manager(
                booking,
                "manager_approval_reminder",
                f"Reminder, please approve or decline: {booking.user.name}, {booking.session.course.title}",
            )
            reminded += 1
        db.session.commit()
    expired = given = 0
    session_ids = db.session.scalars(
        select(Booking.session_id)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(_run_out(now))
        .distinct()
        .order_by(Booking.session_id)
    ).all()
    for session_id in session_ids:
        lock_known_session(session_id)
        ended = db.session.scalars(
            select(Booking)
            .join(CourseSession, Booking.session_id == CourseSession.id)
            .where(Booking.session_id == session_id, _run_out(now))
            .order_by(Booking.id)
            .execution_options(populate_existing=True)
        ).all()
        for booking in ended:
            _end_request(booking, "Your line manager did not answer in time, so the place was let go.")
            record_audit(None, "booking.approval_expired", booking, session_id=session_id)
        if ended:
            given += len(promote_from_waiting_list(None, ended[0].session))
        for booking in ended:
            title = booking.session.course.title
            email_delegate(booking, "booking_approval_expired", f"Not approved in time: {title}", attach_calendar=True)
        expired += len(ended)
        db.session.commit()
    return ApprovalRun(reminded, expired, given)


def manager_changed(actor: User, person: User) -> int:
    """After `person` names a different line manager: each request still waiting is asked of the new
    one (the old link opens nothing; the deadline stays). Returns how many were re-sent."""
    from .services import lock_known_session

    if not person.manager_email:
        return 0
    waiting = db.session.scalars(
        select(Booking)
        .where(Booking.user_id == person.id, Booking.status == BookingStatus.AWAITING_APPROVAL)
        .order_by(Booking.id)
    ).all()
    for booking in waiting:
        lock_known_session(booking.session_id)
        db.session.refresh(booking)
        if booking.status != BookingStatus.AWAITING_APPROVAL:
            continue
        booking.manager_name, booking.manager_email = person.manager_name, person.manager_email
        booking.approval_requested_at = clock.now().replace(microsecond=0)
        booking.approval_reminded_at = None
        db.session.flush()
        record_audit(
            actor, "booking.approval_requested", booking, session_id=booking.session_id, manager=booking.manager_email
        )
        _email_manager(
            booking,
            "manager_approval_request",
            f"Please approve or decline: {person.name}, {booking.session.course.title}",
        )
    return len(waiting)


def set_manager(actor: User, person: User, name: str | None, email: str | None) -> bool:
    """Record `person`'s line manager (both, or neither). Audited; requests still waiting go to a new
    manager (manager_changed). Returns whether anything changed."""
    name, email = (name or None), (email or None)
    if (person.manager_name, person.manager_email) == (name, email):
        return False
    before = {"name": person.manager_name, "email": person.manager_email}
    person.manager_name, person.manager_email = name, email
    db.session.flush()
    record_audit(
        actor,
        "account.manager_changed",
        person,
        changes={"manager": {"before": before, "after": {"name": name, "email": email}}},
    )
    if (before["email"] or "").lower() != (email or "").lower():
        manager_changed(actor, person)
    return True
