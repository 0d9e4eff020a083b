"""The catalogue's pages run a fixed number of SQL statements, however many courses, partnerships,
sessions and trainers they show (issue 17: `/` ran 21 lazy loads of partnerships from the template).

Each count is taken with the session expired first, as a fresh request in a worker would see it.
"""

from datetime import timedelta

from sqlalchemy import event

from training_app.bookings.services import book_place
from training_app.catalogue_version import bump_catalogue_version
from training_app.models import Course, CourseSession, User


def statements_for(db, client, url):
    """The statements of rendering `url`: a visitor's repeat request would be served the kept page,
    with none (tests/test_page_cache.py), so the catalogue version is moved first."""
    db.session.commit()
    bump_catalogue_version()
    db.session.expunge_all()
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("X-Page-Cache") in (None, "rendered"), url
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def add_courses(db, make_course, make_session, make_user, partnerships, first, count):
    """`count` courses owned round the four partnerships, some joint, some HIPS, each with sessions,
    trainers and a booking, so every lazy relationship a page could touch has rows behind it."""
    owners = ["HSCP", "IOWSCP", "PSCP", "SSCP"]
    trainer = make_user("trainer")
    delegate = make_user()
    courses = []
    for n in range(first, first + count):
        course = make_course(title=f"Course {n:03d}", owner=owners[n % 4], is_hips=n % 5 == 0)
        if n % 3 == 0:
            course.joint_partnerships.append(partnerships[owners[(n + 1) % 4]])
        for day in range(2):
            session = make_session(
                course=course, starts_in=timedelta(days=10 + n + day), trainers=[trainer], venue=f"Venue {n % 7}"
            )
        book_place(delegate, session.id)
        courses.append(course)
    db.session.commit()
    return courses


def test_catalogue_pages_run_the_same_statements_for_more_courses(
    db, client, make_course, make_session, make_user, partnerships
):
    first = add_courses(db, make_course, make_session, make_user, partnerships, 0, 3)
    pages = ["/", "/?partnership=HSCP", "/?has_places=y", f"/courses/{first[0].slug}"]
    few = {url: len(statements_for(db, client, url)) for url in pages}
    add_courses(db, make_course, make_session, make_user, partnerships, 3, 17)
    many = {url: len(statements_for(db, client, url)) for url in pages}
    assert many == few
    # The statements themselves, so that a new lazy load shows up as a changed number here too.
    selects = [s for s in statements_for(db, client, "/") if s.startswith("SELECT")]
    # The suites offered in the filter, the count, the courses with their owners, their joint
    # partnerships, the sessions with venues.
    assert len(selects) == 5, selects


def test_session_page_runs_the_same_statements_for_more_sessions_and_trainers(
    db, client, make_course, make_session, make_user, partnerships, login
):
    course = make_course()
    session = make_session(course=course, trainers=[make_user("trainer")], capacity=1)
    course_id, session_id = course.id, session.id
    delegate_id = make_user().id
    book_place(make_user(), session_id)
    db.session.commit()
    url = f"/sessions/{session_id}"
    anonymous = len(statements_for(db, client, url))
    login(db.session.get(User, delegate_id))
    signed_in = len(statements_for(db, client, url))
    course = db.session.get(Course, course_id)
    for day in range(20, 30):
        make_session(course=course, starts_in=timedelta(days=day), trainers=[make_user("trainer")], venue=f"Hall {day}")
    another_trainer = make_user("trainer")
    course_session = db.session.get(CourseSession, session_id)  # held: the event needs its owner
    course_session.trainers.append(another_trainer)
    db.session.commit()
    assert len(statements_for(db, client, url)) == signed_in
    client.get("/sign-out")
    assert len(statements_for(db, client, url)) == anonymous
