"""Rendered feeds are kept by ETag (calendar/body_cache.py): a repeat request for an unchanged feed
renders nothing, and any change that alters a feed is seen at once, on every worker and machine."""

import socket
import uuid
from datetime import datetime

import pytest
from test_calendar import NOW, book, feed_url, london_session

from training_app import clock, create_app
from training_app.calendar.body_cache import LocalBodies


@pytest.fixture
def now(frozen_clock, db):
    return frozen_clock(NOW)


def redis_reachable():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("kind", ["public", "filtered", "personal", "teaching"])
def test_a_repeat_request_is_served_from_the_cache_until_the_feed_changes(
    client, db, now, make_course, make_user, kind
):
    person = make_user(role="trainer")
    course_session = london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    course_session.trainers.append(person)
    db.session.commit()
    book(db, course_session, person)
    url = {
        "public": "/calendar/public.ics",
        "filtered": "/calendar/public.ics?partnership=HSCP&level=3",
        "personal": feed_url(person),
        "teaching": feed_url(person, "teaching"),
    }[kind]
    first = client.get(url)
    assert first.status_code == 200 and first.headers["X-Feed-Cache"] == "rendered"
    repeat = client.get(url)
    assert repeat.headers["X-Feed-Cache"] == "local"
    assert repeat.get_data() == first.get_data()
    assert repeat.headers["ETag"] == first.headers["ETag"]
    # Conditional requests answer 304 as before, without the body.
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    clock.freeze(datetime(2027, 1, 10, 12, 5))
    course_session.course.title = "Renamed course"
    db.session.commit()
    changed = client.get(url)
    assert changed.headers["X-Feed-Cache"] == "rendered"
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "SUMMARY:Renamed course" in changed.get_data(as_text=True)


def test_feeds_with_different_filters_are_kept_apart(client, db, now, make_course):
    london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=make_course(owner="HSCP", title="Hampshire"))
    london_session(db, make_course, datetime(2027, 2, 2, 9, 30), course=make_course(owner="PSCP", title="Portsmouth"))
    everything = client.get("/calendar/public.ics").get_data(as_text=True)
    hampshire = client.get("/calendar/public.ics?partnership=HSCP").get_data(as_text=True)
    assert "Portsmouth" in everything and "Portsmouth" not in hampshire and "Hampshire" in hampshire


def test_the_local_layer_keeps_to_its_budget():
    bodies = LocalBodies(budget=10)
    bodies.put("a", b"12345")
    bodies.put("b", b"12345")
    assert bodies.get("a") == b"12345"  # now the most recently used
    bodies.put("c", b"123")
    assert bodies.get("b") is None and bodies.get("a") == b"12345" and bodies.get("c") == b"123"
    bodies.put("huge", b"x" * 11)
    assert bodies.get("huge") is None and bodies.size <= 10


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_a_feed_rendered_by_one_app_is_served_to_another_through_redis(app, client, db, now, make_course):
    """Two apps (as two machines would be) on one database and one Redis."""
    london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SERVER_NAME": "localhost",
        "PUBLIC_BASE_URL": "http://localhost",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": prefix,
    }
    one, other = create_app("testing", settings), create_app("testing", settings)
    try:
        first = one.test_client().get("/calendar/public.ics")
        assert first.headers["X-Feed-Cache"] == "rendered"
        shared = other.test_client().get("/calendar/public.ics")
        assert shared.headers["X-Feed-Cache"] == "shared"
        assert shared.get_data() == first.get_data()
    finally:
        from training_app.redis_store import redis_client

        for each in (one, other):
            client_of = redis_client(each)
            assert client_of is not None
            for key in client_of.scan_iter(f"{prefix}*"):
                client_of.delete(key)
            client_of.close()
            with each.app_context():
                from training_app.extensions import db as database

                database.engine.dispose()
