"""Visitors who are not signed in get the catalogue, course and session pages from the rendered-page
cache (training_app/page_cache.py), without SQL, and every change to what the pages show is seen on
the next request (training_app/catalogue_version.py)."""

import re
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, text, update
from test_feed_cache import redis_reachable

from training_app import clock, create_app
from training_app.bookings.sessions import cancel_session
from training_app.catalogue_version import bump_catalogue_version, catalogue_version, changes_public_pages
from training_app.models import Course, CourseSession, Partnership, Venue

NOW = datetime(2027, 1, 10, 12, 0)
PLACES = re.compile(r"Places</dt><dd[^>]*>(?:<strong[^>]*>)?([^<]*)<")


@pytest.fixture
def now(frozen_clock, db):
    return frozen_clock(NOW)


@pytest.fixture
def visitor(app, client):
    """A second browser, never signed in."""
    return app.test_client()


def statements_during(db, request):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = request()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, statements


def places_shown(response):
    return PLACES.search(response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("page", ["catalogue", "filtered", "course", "session"])
def test_a_visitor_is_served_a_kept_page_without_sql(db, visitor, now, make_session, page):
    course_session = make_session(capacity=5)
    url = {
        "catalogue": "/",
        "filtered": "/?partnership=HSCP&level=3",
        "course": f"/courses/{course_session.course.slug}",
        "session": f"/sessions/{course_session.id}",
    }[page]
    first = visitor.get(url)
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "rendered"
    assert "Set-Cookie" not in first.headers
    repeat, statements = statements_during(db, lambda: visitor.get(url))
    assert repeat.headers["X-Page-Cache"] == "local"
    assert statements == []
    assert repeat.get_data() == first.get_data().replace(nonce_of(first), nonce_of(repeat))
    assert "Set-Cookie" not in repeat.headers


def nonce_of(response):
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1).encode()


def test_each_kept_page_has_a_fresh_csp_nonce_in_its_header_and_body(db, visitor, now, make_session):
    make_session()
    nonces = []
    for _ in range(3):
        response = visitor.get("/")
        nonce = nonce_of(response)
        assert re.findall(rb'nonce="([^"]+)"', response.get_data()) == [nonce]
        nonces.append(nonce)
    assert len(set(nonces)) == 3


def test_query_strings_are_pages_of_their_own(db, visitor, now, make_course, make_session):
    make_session(course=make_course(title="Hampshire course", owner="HSCP"))
    make_session(course=make_course(title="Portsmouth course", owner="PSCP"))
    assert "Portsmouth course" in visitor.get("/").get_data(as_text=True)
    hampshire = visitor.get("/?partnership=HSCP")
    assert hampshire.headers["X-Page-Cache"] == "rendered"
    assert "Portsmouth course" not in hampshire.get_data(as_text=True)
    assert "Portsmouth course" not in visitor.get("/?partnership=HSCP").get_data(as_text=True)


def test_a_booking_changes_the_places_left_at_once(db, client, visitor, now, make_session, practitioner, login):
    course_session = make_session(capacity=5)
    url = f"/sessions/{course_session.id}"
    assert places_shown(visitor.get(url)).startswith("5")
    assert visitor.get(url).headers["X-Page-Cache"] == "local"
    login(practitioner)
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"{url}/book", data={"csrf_token": token, "access_needs": ""}).status_code == 302
    after = visitor.get(url)
    assert after.headers["X-Page-Cache"] == "rendered"
    assert places_shown(after).startswith("4")


def test_course_edits_and_cancelled_sessions_show_at_once(db, visitor, now, make_session, system_admin):
    course_session = make_session()
    course = course_session.course
    course_url, session_url = f"/courses/{course.slug}", f"/sessions/{course_session.id}"
    for url in ("/", course_url, session_url):
        visitor.get(url)
    course.title = "Renamed course"
    db.session.commit()
    for url in ("/", course_url, session_url):
        response = visitor.get(url)
        assert response.headers["X-Page-Cache"] == "rendered", url
        assert "Renamed course" in response.get_data(as_text=True), url
    cancel_session(system_admin, course_session, "Trainer ill")
    db.session.commit()
    assert "This session is cancelled" in visitor.get(session_url).get_data(as_text=True)


@pytest.mark.parametrize("table", ["venues", "partnerships", "core update"])
def test_changes_to_what_the_layout_and_pages_show_move_the_version(db, visitor, now, make_session, table):
    course_session = make_session()
    url = f"/sessions/{course_session.id}"
    visitor.get(url)
    if table == "venues":
        db.session.get(Venue, course_session.venue_id).name = "Guildhall"
        expected = "Guildhall"
    elif table == "partnerships":
        db.session.get(Partnership, course_session.partnership_id).name = "Renamed Partnership"
        expected = "Renamed Partnership"
    else:  # written without the ORM's unit of work
        db.session.execute(update(Course).where(Course.id == course_session.course_id).values(title="Core title"))
        expected = "Core title"
    db.session.commit()
    response = visitor.get(url)
    assert response.headers["X-Page-Cache"] == "rendered"
    assert expected in response.get_data(as_text=True)


def test_writes_no_page_shows_and_rollbacks_keep_the_version(app, db, now, make_session):
    make_session()
    before = catalogue_version()
    db.session.execute(text("DELETE FROM audit_events"))
    db.session.commit()
    assert catalogue_version() == before
    db.session.execute(update(CourseSession).values(capacity=30))
    db.session.rollback()
    assert catalogue_version() == before
    db.session.execute(update(CourseSession).values(capacity=30))
    assert catalogue_version() == before  # not before the commit
    db.session.commit()
    assert catalogue_version() != before


@pytest.mark.parametrize(
    "statement, changes",
    [
        ("SELECT 1", False),
        ("  select * from courses", False),
        ("SAVEPOINT sa_1", False),
        ('INSERT INTO "audit_events" (x) VALUES (1)', False),
        ("UPDATE outbox_messages SET x = 1", False),
        ("INSERT INTO bookings (x) VALUES (1)", True),
        ("UPDATE course_sessions SET x = 1", True),
        ("DELETE FROM venues", True),
        ("WITH moved AS (SELECT 1) UPDATE bookings SET x = 1", True),
        ("ALTER TABLE courses ADD COLUMN x int", True),
    ],
)
def test_which_statements_change_the_public_pages(statement, changes):
    assert changes_public_pages(statement) is changes


def test_a_new_minute_renders_the_page_again(db, visitor, now, make_session):
    course_session = make_session(starts_in=timedelta(minutes=1, seconds=30))
    url = f"/sessions/{course_session.id}"
    assert "Booking is not open" not in visitor.get(url).get_data(as_text=True)
    clock.freeze(NOW + timedelta(seconds=59))
    assert visitor.get(url).headers["X-Page-Cache"] == "local"
    clock.freeze(course_session.starts_at + timedelta(minutes=1))
    later = visitor.get(url)
    assert later.headers["X-Page-Cache"] == "rendered"
    assert "Booking is not open" in later.get_data(as_text=True)


def test_signed_in_people_never_get_a_visitors_page_nor_the_reverse(
    db, client, visitor, now, make_session, practitioner, login
):
    course_session = make_session()
    url = f"/sessions/{course_session.id}"
    visitor.get(url)
    login(practitioner)
    signed_in = client.get(url)
    assert "X-Page-Cache" not in signed_in.headers
    assert "Sign out" in signed_in.get_data(as_text=True) and "Book a place" in signed_in.get_data(as_text=True)
    assert "X-Page-Cache" not in client.get(url).headers
    shown = visitor.get(url)
    assert shown.headers["X-Page-Cache"] == "local"
    assert "Sign out" not in shown.get_data(as_text=True) and "Book a place" not in shown.get_data(as_text=True)


def test_a_flashed_message_is_shown_not_lost(db, client, now, make_session):
    course_session = make_session()
    url = f"/sessions/{course_session.id}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your account is closed")]
    flashed = client.get(url)
    assert "X-Page-Cache" not in flashed.headers
    assert "Your account is closed" in flashed.get_data(as_text=True)
    after = client.get(url)
    assert after.headers["X-Page-Cache"] == "local"
    assert "Your account is closed" not in after.get_data(as_text=True)


def test_a_visitor_with_a_csrf_session_still_gets_the_kept_page(db, client, now, make_session):
    course_session = make_session()
    url = f"/sessions/{course_session.id}"
    client.get(url)
    client.get("/sign-in")  # a form page: the session now holds a CSRF token
    assert client.get_cookie("session") is not None
    assert client.get(url).headers["X-Page-Cache"] == "local"


def test_only_successful_pages_are_kept(db, visitor, now, make_course):
    hidden = make_course(status="draft")
    for _ in range(2):
        assert visitor.get(f"/courses/{hidden.slug}").status_code == 404
        assert visitor.get("/sessions/999999").status_code == 404
        assert "X-Page-Cache" not in visitor.get("/sessions/999999").headers


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_two_apps_sharing_redis_share_pages_and_see_each_others_changes(app, client, db, now, make_session):
    """Two apps (as two machines would be) on one database and one Redis."""
    course_session = make_session()
    session_id, url = course_session.id, f"/sessions/{course_session.id}"
    db.session.commit()  # no transaction left open (on SQLite it would hold the write lock)
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
        assert one.test_client().get(url).headers["X-Page-Cache"] == "rendered"
        assert other.test_client().get(url).headers["X-Page-Cache"] == "shared"
        with one.app_context():
            from training_app.extensions import db as database

            database.session.get(CourseSession, session_id).capacity = 7
            database.session.commit()
        changed = other.test_client().get(url)
        assert changed.headers["X-Page-Cache"] == "rendered"
        assert places_shown(changed).startswith("7")
        with other.app_context():
            bump_catalogue_version()
        assert one.test_client().get(url).headers["X-Page-Cache"] == "rendered"
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


def test_a_repeat_public_feed_request_runs_no_sql_until_the_catalogue_changes(db, visitor, now, make_session):
    course_session = make_session()
    first = visitor.get("/calendar/public.ics")
    repeat, statements = statements_during(db, lambda: visitor.get("/calendar/public.ics"))
    assert statements == [] and repeat.headers["X-Feed-Cache"] == "local"
    assert repeat.headers["ETag"] == first.headers["ETag"]
    course_session.course.title = "Renamed course"
    db.session.commit()
    changed, statements = statements_during(db, lambda: visitor.get("/calendar/public.ics"))
    assert statements and changed.headers["ETag"] != first.headers["ETag"]
    assert "Renamed course" in changed.get_data(as_text=True)
