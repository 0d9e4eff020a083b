"""The capacity rule, and the booking fast path that applies it in one statement on PostgreSQL.

`place_decision` is the one home of "who gets a place": while the session is locked, a new booking is
confirmed if fewer than `capacity` bookings hold a place, otherwise it joins the end of the waiting list
(position = the number already waiting + 1). `book_place` (services.py) asks it on every database; the
fast path below embeds the same statement, so the rule has one form.

The fast path (`services.book_place` when `fast_path_applies`: PostgreSQL, a course without manager
approval, the common case of a launch-day rush) does everything that does not depend on the other
bookings before the session is locked: prerequisites, the one-place-per-course check under the person's
lock, and both emails a booking may send, rendered from the templates (`prerender_emails`). Then one
statement locks the session row and reads it (`lock_as_read`), one more (`insert_booking`) applies the
rule and inserts the booking, its audit event and its emails, and the view commits. If the session row
changed while the request queued for it, it is read again and the emails rendered again under the lock.

Why a second way to write (measured with bench/booking_bench.py, 500 people booking one 300-place
session at once, 2 gunicorn workers, on 2026-12-03 on a machine shared with other jobs, load average
7-10 on 2 cores): the ORM path held the session's lock a median 76-96 ms a booking (lock, count, savepoint,
three inserts and two templates, each insert its own round trip, all under the lock), and timed out
100-181 of the 500 people after 60 s; this path held it a median 12-17 ms and booked all 500 at 18-25 a
second. On a quiet machine the issue measured the ORM path's hold at 4.5-5 ms, which caps one session
at about 200 bookings a second however many cores serve it (README, "The booking rush").
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, case, cast, func, insert, literal, select, true
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import JSON, DateTime, Integer, Text

from .. import clock
from ..extensions import db
from ..models import AuditEvent, Booking, BookingStatus, CourseSession, OutboxMessage, User
from ..observability import request_id
from .emails import delegate_email
from .manager_emails import BOOKED, manager_email

# Stands for the waiting-list position in an email rendered before the position is known; the
# statement replaces it with the number (it cannot occur in a rendered template otherwise).
POSITION_MARK = "\u2063waiting-position\u2063"


def place_decision(session_id: Any, user_id: Any, capacity: Any) -> Select[Any]:
    """The capacity rule, as one SELECT over the session's bookings (the session must be locked):

    - status: confirmed while fewer than `capacity` bookings hold a place (BookingStatus.HOLDS_PLACE:
      confirmed, offered, held for approval, attended), else waitlisted;
    - position: for a waitlisted booking, the number already waiting + 1 (everyone waiting asked earlier,
      since the lock serialises bookings), else NULL;
    - mine: the person's bookings on the session that are not cancelled (any: AlreadyBooked);
    - sequence: their calendar SEQUENCE, above any earlier booking of theirs on the session.

    A course that needs manager approval holds a confirmed decision's place for the manager instead
    (services.book_place): that is what the decision means there, not a second rule.
    """
    holds_place = func.count(case((Booking.status.in_(BookingStatus.HOLDS_PLACE), 1)))
    waiting = func.count(case((Booking.status == BookingStatus.WAITLISTED, 1)))
    has_place = holds_place < capacity
    return select(
        case((has_place, literal(BookingStatus.CONFIRMED.value)), else_=literal(BookingStatus.WAITLISTED.value)).label(
            "status"
        ),
        case((has_place, None), else_=waiting + 1).label("position"),
        func.count(case((and_(Booking.user_id == user_id, Booking.status != BookingStatus.CANCELLED), 1))).label(
            "mine"
        ),
        (func.coalesce(func.max(case((Booking.user_id == user_id, Booking.calendar_sequence))), 0) + 1).label(
            "sequence"
        ),
    ).where(Booking.session_id == session_id)


def fast_path_applies(course_session: CourseSession) -> bool:
    """PostgreSQL (writable CTEs, FOR UPDATE) and no manager approval (which holds places and asks a
    manager through the ORM path, bookings/approvals.py)."""
    return db.session.get_bind().dialect.name == "postgresql" and not course_session.course.requires_manager_approval


def session_as_read(course_session: CourseSession) -> dict[str, Any]:
    """The session row's values as this request read them (what prerender_emails renders from)."""
    return {column.key: getattr(course_session, column.key) for column in CourseSession.__table__.c}


def lock_as_read(course_session: CourseSession, as_read: dict[str, Any]) -> bool:
    """Lock the session row (one statement, FOR UPDATE; the caller bounds the wait) and say whether it is
    still as read before the lock. If not (the team changed it meanwhile), the caller refreshes the session
    (services.lock_session) and renders the emails again: the locked row decides, as on the ORM path."""
    db.session.flush()  # anything pending is written before the lock, as lock_session does
    table = CourseSession.__table__
    row = db.session.execute(select(table).where(table.c.id == course_session.id).with_for_update()).one_or_none()
    return row is not None and dict(row._mapping) == as_read


def prerender_emails(
    actor: User, course_session: CourseSession, access_needs: str | None, booked_by: User | None
) -> list[tuple[OutboxMessage, OutboxMessage]]:
    """(if confirmed, if waitlisted) for each email a booking sends, rendered exactly as book_place renders
    them, from a booking that is never added to the database session (so nothing is flushed by it)."""
    pairs: dict[str, list[OutboxMessage]] = {"delegate": [], "manager": []}
    title = course_session.course.title
    for status in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED):
        booking = Booking(
            session_id=course_session.id,
            user_id=actor.id,
            status=status,
            access_needs=access_needs or None,
            calendar_sequence=0,
            late_cancellation=False,
        )
        # Without events: setting the relationships normally would cascade the booking into db.session.
        set_committed_value(booking, "session", course_session)
        set_committed_value(booking, "user", actor)
        set_committed_value(booking, "moved_to", None)
        if status == BookingStatus.CONFIRMED:
            message = delegate_email(
                booking, "booking_confirmed", f"Booking confirmed: {title}", attach_calendar=True, booked_by=booked_by
            )
        else:
            message = delegate_email(
                booking,
                "booking_waitlisted",
                f"You are on the waiting list: {title}",
                attach_calendar=True,
                position=POSITION_MARK,
                booked_by=booked_by,
            )
        pairs["delegate"].append(message)
        if (to_manager := manager_email(booking, BOOKED)) is not None:
            pairs["manager"].append(to_manager)
    return [(each[0], each[1]) for each in pairs.values() if each]


def insert_booking(
    actor: User,
    course_session: CourseSession,
    access_needs: str | None,
    booked_by: User | None,
    emails: list[tuple[OutboxMessage, OutboxMessage]],
) -> tuple[Booking | None, int | None]:
    """The fast path's one statement, run while the session is locked: the capacity rule (place_decision),
    the booking, its audit event ("booking.created", as record_audit writes it) and its emails, as a
    writable CTE. Returns (the booking, its waiting-list position), or (None, None) when the person
    already holds a booking on the session (nothing is written)."""
    now = clock.now()
    params: dict[str, Any] = {
        "session_id": course_session.id,
        "user_id": actor.id,
        "capacity": course_session.capacity,
        "now": now,
        "agency_id": actor.agency_id,
        "job_role": actor.job_role,
        "access_needs": access_needs or None,
        "actor_id": (booked_by or actor).id,
        "request_id": request_id(),
    }
    for number, (if_confirmed, if_waiting) in enumerate(emails):
        params |= {
            f"to_{number}": if_confirmed.to_address,
            f"subject_c_{number}": if_confirmed.subject,
            f"subject_w_{number}": if_waiting.subject,
            f"body_c_{number}": if_confirmed.body_text,
            f"body_w_{number}": if_waiting.body_text,
            f"attachments_c_{number}": if_confirmed.attachments,
            f"attachments_w_{number}": if_waiting.attachments,
        }
    row = db.session.execute(_booking_statement(len(emails)), params).one_or_none()
    if row is None:
        return None, None
    values = {column.key: None for column in Booking.__table__.c} | {
        "id": row.id,
        "session_id": course_session.id,
        "user_id": actor.id,
        "status": row.status,
        "requested_at": now,
        "confirmed_at": now if row.status == BookingStatus.CONFIRMED else None,
        "late_cancellation": False,
        "agency_id": actor.agency_id,
        "job_role": actor.job_role,
        "access_needs": access_needs or None,
        "calendar_sequence": row.calendar_sequence,
    }
    booking = Booking(**values)
    # The row is already in the database: make the object persistent without another round trip.
    make_transient_to_detached(booking)
    db.session.add(booking)
    return booking, row.position


def _table(model: type[Any]) -> Table:
    return typing.cast(Table, model.__table__)


@lru_cache(maxsize=4)
def _booking_statement(emails: int) -> Select[Any]:
    """insert_booking's statement for `emails` emails a booking, built once a process (building it is
    most of its cost in Python); its values are bound parameters."""
    now = bindparam("now", type_=DateTime)
    decision = place_decision(
        bindparam("session_id", type_=Integer),
        bindparam("user_id", type_=Integer),
        bindparam("capacity", type_=Integer),
    ).cte("decision")
    confirmed = decision.c.status == BookingStatus.CONFIRMED.value
    columns = {
        "session_id": bindparam("session_id", type_=Integer),
        "user_id": bindparam("user_id", type_=Integer),
        "status": decision.c.status,
        "requested_at": now,
        "confirmed_at": case((confirmed, now), else_=None),
        "late_cancellation": literal(False),
        "agency_id": bindparam("agency_id", type_=Integer),
        "job_role": bindparam("job_role", type_=Text),
        "access_needs": bindparam("access_needs", type_=Text),
        "calendar_sequence": decision.c.sequence,
    }
    table = _table(Booking)
    new = (
        insert(table)
        .from_select(list(columns), select(*columns.values()).where(decision.c.mine == 0))
        .returning(table.c.id, table.c.status, table.c.calendar_sequence)
        .cte("new_booking")
    )
    both = new.join(decision, true())
    audit = insert(_table(AuditEvent)).from_select(
        ["actor_id", "action", "target_type", "target_id", "session_id", "details", "created_at", "request_id"],
        select(
            bindparam("actor_id", type_=Integer),
            literal("booking.created"),
            literal("Booking"),
            new.c.id,
            bindparam("session_id", type_=Integer),
            cast(func.json_build_object("status", new.c.status), JSON),
            now,
            bindparam("request_id", type_=Text),
        ).select_from(new),
    )
    statement = select(new.c.id, new.c.status, new.c.calendar_sequence, decision.c.position)
    statement = statement.select_from(both).add_cte(audit.cte("audit"))
    for number in range(emails):
        waiting_body = func.replace(
            bindparam(f"body_w_{number}", type_=Text), POSITION_MARK, cast(decision.c.position, Text)
        )
        outbox = insert(_table(OutboxMessage)).from_select(
            ["to_address", "subject", "body_text", "attachments", "created_at", "attempts", "next_attempt_at"]
            + ["request_id"],
            select(
                bindparam(f"to_{number}", type_=Text),
                case(
                    (confirmed, bindparam(f"subject_c_{number}", type_=Text)),
                    else_=bindparam(f"subject_w_{number}", type_=Text),
                ),
                case((confirmed, bindparam(f"body_c_{number}", type_=Text)), else_=waiting_body),
                case(
                    (confirmed, bindparam(f"attachments_c_{number}", type_=JSON)),
                    else_=bindparam(f"attachments_w_{number}", type_=JSON),
                ),
                now,
                literal(0),
                now,
                bindparam("request_id", type_=Text),
            ).select_from(both),
        )
        statement = statement.add_cte(outbox.cte(f"outbox_{number}"))
    return statement
