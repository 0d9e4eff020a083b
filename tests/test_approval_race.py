"""Manager approval under concurrency: managers approving and declining while expire-approvals runs and
delegates cancel, each on its own connection, never put more people in a session's places than it has
(SQLite and PostgreSQL: set TEST_DATABASE_URL, as for test_booking_race)."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from test_offer_race import Race, cancel, statuses

from training_app import clock
from training_app.bookings.approvals import approve, decline, remind_and_expire
from training_app.bookings.errors import ApprovalNotOpen
from training_app.bookings.services import book_place
from training_app.extensions import db as _db
from training_app.models import Booking

CAPACITY = 5
WAITING = 20
NOW = datetime(2027, 3, 1, 9, 0)  # a Monday


def approve_job(booking_id):
    def job():
        approve(_db.session.get(Booking, booking_id))
        return "approved"

    return job


def decline_job(booking_id):
    def job():
        decline(_db.session.get(Booking, booking_id), "Not this term")
        return "declined"

    return job


def expire_job():
    def job():
        run = remind_and_expire(clock.now())
        return ("expired", run.expired, run.given)

    return job


def test_approvals_declines_and_expiries_at_once_never_overfill(
    app, db, frozen_clock, make_user, make_course, make_session
):
    frozen_clock(NOW)
    course = make_course("DSL refresher", requires_manager_approval=True)
    course_session = make_session(course=course, capacity=CAPACITY, starts_in=timedelta(days=30))
    session_id = course_session.id

    def person():
        user = make_user()
        user.manager_name, user.manager_email = "Manager", f"manager-of-{user.id}@example.org"
        return user

    holders = [book_place(person(), session_id).booking.id for _ in range(CAPACITY)]
    db.session.commit()
    waiting = []
    for minute in range(WAITING):
        frozen_clock(NOW + timedelta(minutes=minute + 1))
        waiting.append(book_place(person(), session_id).booking.id)
        db.session.commit()
    assert statuses(db, holders) == ["awaiting_approval"] * CAPACITY
    frozen_clock(NOW + timedelta(hours=1))
    # The last holder's request has run out (say the session was brought forward).
    db.session.execute(
        update(Booking).where(Booking.id == holders[4]).values(approval_expires_at=NOW + timedelta(minutes=30))
    )
    db.session.commit()
    db.session.close()
    race = Race(app, session_id)
    try:
        # 1. Two approved, two declined and one run out, while expire-approvals runs three times, and the
        #    expired one's manager tries to approve too late: three places go on to the first three waiting.
        outcomes = race.run(
            [approve_job(h) for h in holders[:2]]
            + [decline_job(h) for h in holders[2:4]]
            + [approve_job(holders[4])]
            + [expire_job()] * 3
        )
        assert outcomes[:4] == ["approved"] * 2 + ["declined"] * 2
        assert outcomes[4] in (ApprovalNotOpen.__name__,)
        assert sorted(outcomes[5:]) == [("expired", 0, 0)] * 2 + [("expired", 1, 1)]
        assert statuses(db, holders) == ["confirmed"] * 2 + ["cancelled"] * 3
        assert statuses(db, waiting[:4]) == ["awaiting_approval"] * 3 + ["waitlisted"]
        # 2. The three new requests are approved while the two confirmed cancel and expire-approvals runs:
        #    the two freed places go to the next two waiting, once.
        outcomes = race.run(
            [approve_job(w) for w in waiting[:3]] + [cancel(h) for h in holders[:2]] + [expire_job()] * 2
        )
        assert outcomes == ["approved"] * 3 + ["cancelled"] * 2 + [("expired", 0, 0)] * 2
        assert statuses(db, waiting[:6]) == ["confirmed"] * 3 + ["awaiting_approval"] * 2 + ["waitlisted"]
    finally:
        race.close()
    assert race.most_taken <= CAPACITY
    counts = dict(
        db.session.execute(
            select(Booking.status, func.count(Booking.id))
            .where(Booking.session_id == session_id)
            .group_by(Booking.status)
        ).all()
    )
    assert counts == {"confirmed": 3, "awaiting_approval": 2, "cancelled": CAPACITY, "waitlisted": WAITING - 5}
