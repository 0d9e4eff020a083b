"""Waiting-list offers under concurrency: cancellations, accepts and expire-offers runs at once, each on
its own connection, never put more people in a session's places than it has (SQLite and PostgreSQL:
set TEST_DATABASE_URL, as for test_booking_race)."""

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from training_app import clock, create_app
from training_app.bookings.errors import OfferExpired, OfferNotOpen
from training_app.bookings.offers import accept_offer, expire_offers_on
from training_app.bookings.services import book_place, cancel_booking
from training_app.extensions import db as _db
from training_app.models import Booking, BookingStatus, User

CAPACITY = 5
WAITING = 20
NOW = datetime(2027, 3, 1, 9, 0)


class Race:
    """Run jobs at once, each on its own connection (a separate app with a pool big enough for all),
    while a monitor keeps counting the places taken; every job commits its own transaction."""

    def __init__(self, app, session_id):
        self.app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 0},
                "SERVER_NAME": "localhost",
            },
        )
        self.session_id = session_id
        self.most_taken = 0

    def taken(self):
        return _db.session.scalar(
            select(func.count(Booking.id)).where(
                Booking.session_id == self.session_id, Booking.status.in_(BookingStatus.HOLDS_PLACE)
            )
        )

    def run(self, jobs):
        """Run each job(booking-id-or-None) at once; returns what each returned, or its error's class name."""
        start = threading.Barrier(len(jobs) + 1)
        outcomes = [None] * len(jobs)
        done = threading.Event()

        def work(index, job):
            with self.app.app_context():
                try:
                    start.wait()
                    outcomes[index] = job()
                    _db.session.commit()
                except Exception as error:  # the test asserts which errors are expected
                    _db.session.rollback()
                    outcomes[index] = type(error).__name__
                finally:
                    _db.session.remove()

        def monitor():
            with self.app.app_context():
                start.wait()
                while not done.is_set():
                    self.most_taken = max(self.most_taken, self.taken())
                    _db.session.rollback()  # a fresh snapshot each time (and SQLite's lock released)
                _db.session.remove()

        threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
        watcher = threading.Thread(target=monitor)
        for thread in [*threads, watcher]:
            thread.start()
        for thread in threads:
            thread.join(120)
        done.set()
        watcher.join(30)
        return outcomes

    def close(self):
        with self.app.app_context():
            _db.engine.dispose()


def cancel(booking_id):
    def job():
        booking = _db.session.get(Booking, booking_id)
        cancel_booking(booking.user, booking)
        return "cancelled"

    return job


def accept(booking_id):
    def job():
        booking = _db.session.get(Booking, booking_id)
        accept_offer(booking.user, booking, "my training")
        return "accepted"

    return job


def expire(session_id):
    def job():
        result = expire_offers_on(session_id, clock.now())
        return ("expired", result.expired, result.given)

    return job


def statuses(db, ids):
    db.session.expire_all()
    found = dict(db.session.execute(select(Booking.id, Booking.status).where(Booking.id.in_(ids))).all())
    db.session.rollback()
    return [found[i] for i in ids]


def test_offers_accepted_and_expiring_at_once_never_overfill(app, db, frozen_clock, make_user, make_session):
    frozen_clock(NOW)
    course_session = make_session(capacity=CAPACITY, starts_in=timedelta(days=7))
    session_id = course_session.id
    holders = [book_place(make_user(), session_id).booking.id for _ in range(CAPACITY)]
    db.session.commit()
    waiting = []
    for minute in range(WAITING):  # in a known order
        frozen_clock(NOW + timedelta(minutes=minute + 1))
        waiting.append(book_place(make_user(), session_id).booking.id)
        db.session.commit()
    frozen_clock(NOW + timedelta(hours=1))
    db.session.rollback()  # end the test's own transaction (on SQLite it holds the write lock)
    race = Race(app, session_id)
    try:
        # 1. Five places freed at once: each goes to exactly one person, the first five waiting.
        assert race.run([cancel(b) for b in holders]) == ["cancelled"] * CAPACITY
        assert statuses(db, waiting[:6]) == ["offered"] * 5 + ["waitlisted"]
        # 2. Two of the offers have run out; all five people accept at once while expire-offers runs
        #    three times: three accept, the two late ones are refused, and their places go on exactly once.
        db.session.execute(
            update(Booking).where(Booking.id.in_(waiting[3:5])).values(offer_expires_at=NOW + timedelta(minutes=30))
        )
        db.session.commit()
        db.session.close()
        outcomes = race.run([accept(b) for b in waiting[:5]] + [expire(session_id)] * 3)
        assert outcomes[:3] == ["accepted"] * 3
        assert set(outcomes[3:5]) <= {OfferExpired.__name__, OfferNotOpen.__name__}
        assert sorted(outcomes[5:]) == [("expired", 0, 0)] * 2 + [("expired", 2, 2)]
        assert statuses(db, waiting[:8]) == ["confirmed"] * 3 + ["cancelled"] * 2 + ["offered"] * 2 + ["waitlisted"]
        # 3. The new offers are accepted while two confirmed people cancel and expire-offers runs again.
        outcomes = race.run(
            [accept(b) for b in waiting[5:7]] + [cancel(b) for b in waiting[:2]] + [expire(session_id)] * 2
        )
        assert outcomes == ["accepted"] * 2 + ["cancelled"] * 2 + [("expired", 0, 0)] * 2
        assert statuses(db, waiting[:10]) == (
            ["cancelled"] * 2 + ["confirmed"] + ["cancelled"] * 2 + ["confirmed"] * 2 + ["offered"] * 2 + ["waitlisted"]
        )
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
    assert counts == {"confirmed": 3, "offered": 2, "cancelled": CAPACITY + 4, "waitlisted": WAITING - 9}


def test_one_person_booking_two_dates_of_a_course_at_once_gets_one(app, db, make_user, make_course, make_session):
    course = make_course()
    dates = [make_session(course=course, starts_in=timedelta(days=days)).id for days in (10, 20, 30, 40)]
    person_id = make_user().id
    db.session.rollback()

    def book(session_id):
        def job():
            return book_place(_db.session.get(User, person_id), session_id).booking.status

        return job

    race = Race(app, dates[0])
    try:
        outcomes = race.run([book(session_id) for session_id in dates])
    finally:
        race.close()
    assert sorted(outcomes, key=str) == ["AlreadyOnCourse"] * 3 + ["confirmed"]
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.status != "cancelled")) == 1
