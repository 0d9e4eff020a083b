"""The booking fast path (bookings/fast_path.py): on PostgreSQL one statement after the session's lock,
writing exactly what the ORM path writes (booking, audit event, emails byte for byte); on SQLite, and for
courses that need approval, the ORM path. Both ask the one capacity rule, place_decision."""

from datetime import datetime

import pytest
from sqlalchemy import event, select

from training_app.bookings import fast_path, services
from training_app.bookings.errors import AlreadyBooked
from training_app.bookings.services import book_place
from training_app.models import AuditEvent, Booking, OutboxMessage

BOOKING_FIELDS = ("status", "requested_at", "confirmed_at", "agency_id", "job_role", "access_needs")
BOOKING_FIELDS += ("calendar_sequence", "late_cancellation", "user_id", "session_id")


def written(db, session_id):
    """What booking wrote: the bookings, their audit events and the outbox, without ids."""
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == session_id).order_by(Booking.id)).all()
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.session_id == session_id)).all()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return (
        [tuple(getattr(b, f) for f in BOOKING_FIELDS) for b in bookings],
        [(a.actor_id, a.action, a.target_type, a.details, a.created_at, a.request_id) for a in audits],
        # In the order of their bookings; within one booking the delegate's email and the manager's are
        # written by one statement, in no particular order.
        sorted((m.created_at, m.to_address, m.subject, m.body_text, m.attachments, m.attempts) for m in mails),
    )


def book_everyone(db, session_id, people, staff):
    positions = []
    for person in people:
        result = book_place(person, session_id, access_needs="Step-free access", booked_by=staff)
        positions.append(result.waitlist_position)
    db.session.flush()
    db.session.expire_all()
    return positions, written(db, session_id)


def test_the_fast_path_writes_exactly_what_the_orm_path_writes(
    db, make_user, make_session, frozen_clock, partnerships, monkeypatch
):
    frozen_clock(datetime(2027, 3, 1, 9, 0))
    partnerships["HSCP"].notify_managers_of_bookings = True
    course_session = make_session(capacity=2)
    staff = make_user(role="partnership_admin", partnership="HSCP")
    people = [make_user(manager_email=f"boss{n}@example.org", manager_name=f"Boss {n}") for n in range(4)]
    used = []
    real = fast_path.insert_booking
    monkeypatch.setattr(services, "insert_booking", lambda *a: used.append(1) or real(*a))

    savepoint = db.session.begin_nested()
    fast = book_everyone(db, course_session.id, people, staff)
    savepoint.rollback()
    assert len(used) == (4 if db.engine.dialect.name == "postgresql" else 0)

    monkeypatch.setattr(services, "fast_path_applies", lambda course_session: False)
    orm = book_everyone(db, course_session.id, people, staff)

    assert fast == orm
    positions, (bookings, audits, mails) = orm
    assert positions == [None, None, 1, 2]
    assert [b[0] for b in bookings] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [a[3] for a in audits] == [{"status": s} for s in ("confirmed", "confirmed", "waitlisted", "waitlisted")]
    assert {a[0] for a in audits} == {staff.id}
    assert len(mails) == 8  # each delegate and each manager
    to_delegates = {m[1]: m[3] for m in mails if not m[1].startswith("boss")}
    assert "You are number 2." in to_delegates[people[3].email]
    assert "Step-free access" in to_delegates[people[0].email]
    assert fast_path.POSITION_MARK not in "".join(m[3] for m in mails)


def test_on_postgresql_the_lock_is_followed_by_one_statement(db, make_user, make_session):
    course_session = make_session(capacity=1)
    person = make_user()
    statements = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        book_place(person, course_session.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    if db.engine.dialect.name == "sqlite":  # BEGIN IMMEDIATE serialises; the ORM path writes
        assert not any(s.startswith("WITH decision AS") for s in statements)
        assert any(s.startswith("INSERT INTO bookings") for s in statements)
        return
    locked = [n for n, s in enumerate(statements) if "FROM course_sessions" in s and "FOR UPDATE" in s]
    assert len(locked) == 1
    after = statements[locked[0] + 1 :]
    assert len(after) == 1 and after[0].startswith("WITH decision AS")


def test_a_second_booking_by_the_same_person_writes_nothing(db, make_user, make_session):
    course_session = make_session(capacity=1)
    person = make_user()
    book_place(person, course_session.id)
    db.session.commit()
    with pytest.raises(AlreadyBooked):
        book_place(person, course_session.id)
    db.session.rollback()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.created")).all()) == 1
