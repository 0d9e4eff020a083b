"""Capacity under a booking rush: many bookers on separate connections at once."""

import threading

from sqlalchemy import select

from training_app import create_app
from training_app.bookings.services import book_place, cancel_booking, waitlist_position
from training_app.extensions import db as _db
from training_app.models import Booking, User

BOOKERS = 50
CAPACITY = 10


def test_fifty_concurrent_bookers_for_ten_places(app, db, make_user, make_session):
    course_session = make_session(capacity=CAPACITY)
    user_ids = [make_user().id for _ in range(BOOKERS)]
    session_id = course_session.id
    db.session.rollback()  # end the test's own transaction (on SQLite it holds the write lock)
    # A separate app (own engine) with a pool big enough for every booker to hold a connection.
    racing_app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": BOOKERS + 5, "max_overflow": 0},
            "SERVER_NAME": "localhost",
        },
    )
    start = threading.Barrier(BOOKERS)
    errors, results = [], {}

    def book(user_id):
        with racing_app.app_context():
            try:
                start.wait()
                user = _db.session.get(User, user_id)
                booking = book_place(user, session_id).booking
                _db.session.commit()
                results[user_id] = booking.status
            except Exception as error:  # recorded: the test asserts there were none
                errors.append(repr(error))
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=book, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    with racing_app.app_context():
        _db.engine.dispose()

    assert errors == []
    assert sorted(results.values()).count("confirmed") == CAPACITY
    db.session.expire_all()
    rows = db.session.scalars(
        select(Booking).where(Booking.session_id == session_id).order_by(Booking.requested_at, Booking.id)
    ).all()
    assert len(rows) == BOOKERS
    assert [b.status for b in rows] == ["confirmed"] * CAPACITY + ["waitlisted"] * (BOOKERS - CAPACITY)
    waiting = rows[CAPACITY:]
    assert [waitlist_position(b) for b in waiting] == list(range(1, BOOKERS - CAPACITY + 1))

    # A cancellation then offers the place to position 1 at once (the session is 14 days away: see
    # test_waiting_list_offers and test_offer_race for offers).
    first_waiting = waiting[0]
    cancel_booking(rows[0].user, rows[0])
    db.session.commit()
    assert first_waiting.status == "offered"
    assert [waitlist_position(b) for b in waiting[1:]] == list(range(1, BOOKERS - CAPACITY))
