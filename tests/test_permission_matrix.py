"""Every route, for every kind of person: the status they must get.

The world: a Hampshire (HSCP) course with a future session taught by one trainer, on which a
practitioner (the delegate) holds a confirmed booking and has answered the pre-course evaluation;
a Hampshire e-learning course. The people asking are never that delegate or that trainer:
  anonymous      not signed in
  practitioner   another practitioner
  trainer        a trainer who does not teach the session
  other_admin    the Isle of Wight (IOWSCP) partnership administrator
  admin          the Hampshire (HSCP) partnership administrator
  system_admin   a system administrator

GET routes are fetched; POST-only routes get a valid CSRF token and no other data. A route that is not in
MATRIX fails test_every_route_has_an_entry, so a new page cannot escape this test.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.security import generate_password_hash

from support import session_csrf_token
from training_app.auth.services import make_confirmation_token, make_reset_token
from training_app.bookings.promotion import make_offer_token
from training_app.evaluations.questions import default_questions
from training_app.models import Booking, Course, CourseSession, User
from training_app.models.evaluations import EvaluationForm, EvaluationResponse

ROLES = ("anonymous", "practitioner", "trainer", "other_admin", "admin", "system_admin")
SIGN_IN = "302 to /sign-in"  # anonymous on a private page
REDIRECT = "302 elsewhere"  # a redirect to anywhere but the sign-in page
PASSWORD_HASH = generate_password_hash("correct-horse-battery", method="pbkdf2:sha256:1000")

# endpoint: (method, url(world), (anonymous, practitioner, trainer, other_admin, admin, system_admin))
PUBLIC = (200,) * 6
PRIVATE_OWN = (SIGN_IN, 200, 200, 200, 200, 200)  # any signed-in person, about themselves
ADMIN_AREA = (SIGN_IN, 403, 403, 200, 200, 200)  # the admin area, scoped inside
HSCP_ADMIN = (SIGN_IN, 403, 403, 403, 200, 200)  # one HSCP course or session
REPORTS = (SIGN_IN, 403, 403, 200, 200, 200)  # scoped to the admin's partnership inside
SUMMARIES = (SIGN_IN, 403, 200, 200, 200, 200)  # trainers see their own sessions' summaries
NOT_THEIRS = (SIGN_IN, 403, 403, 403, 403, 403)  # the delegate's own booking: nobody else's business

MATRIX = {
    # Public pages.
    "catalogue.index": ("GET", lambda w: "/", PUBLIC),
    "catalogue.course": ("GET", lambda w: f"/courses/{w.course.slug}", PUBLIC),
    "catalogue.session_detail": ("GET", lambda w: f"/sessions/{w.session.id}", PUBLIC),
    "catalogue.page": ("GET", lambda w: "/help/privacy", PUBLIC),
    "calendar.session_ics": ("GET", lambda w: f"/sessions/{w.session.id}/calendar.ics", PUBLIC),
    "calendar.public_feed": ("GET", lambda w: "/calendar/public.ics", PUBLIC),
    # The secret token is the credential: whoever holds it reads the feed, nobody needs to sign in.
    "calendar.personal_feed": ("GET", lambda w: f"/calendar/{w.delegate.calendar_token}/bookings.ics", PUBLIC),
    "calendar.trainer_feed": ("GET", lambda w: f"/calendar/{w.session_trainer.calendar_token}/teaching.ics", PUBLIC),
    # Accounts.
    "auth.sign_in": ("GET", lambda w: "/sign-in", (200,) + (REDIRECT,) * 5),
    "auth.register": ("GET", lambda w: "/register", (200,) + (REDIRECT,) * 5),
    "auth.sign_out": ("GET", lambda w: "/sign-out", (REDIRECT,) * 6),
    "auth.forgot_password": ("GET", lambda w: "/forgot-password", PUBLIC),
    "auth.reset_password_page": ("GET", lambda w: f"/reset-password/{w.reset_token}", PUBLIC),
    # The emailed link is the credential: it confirms the address and signs its owner in.
    "auth.confirm_email_page": ("GET", lambda w: f"/confirm-email/{w.confirm_token}", (REDIRECT,) * 6),
    "auth.account": ("GET", lambda w: "/account", PRIVATE_OWN),
    # Signed-in people are signed out everywhere and sent to the sign-in page too.
    "auth.sign_out_everywhere": ("POST", lambda w: "/account/sign-out-everywhere", (SIGN_IN,) * 6),
    "calendar.regenerate_token": ("POST", lambda w: "/account/calendar-token", (SIGN_IN,) + (REDIRECT,) * 5),
    # A delegate's own training.
    "bookings.my_training": ("GET", lambda w: "/my-training", PRIVATE_OWN),
    # Booking with no data: the booking page's form is posted by people; an empty one is refused or booked.
    "bookings.book": ("POST", lambda w: f"/sessions/{w.session.id}/book", (SIGN_IN,) + (REDIRECT,) * 5),
    "bookings.cancel": ("GET", lambda w: f"/bookings/{w.booking.id}/cancel", NOT_THEIRS),
    # Answering a waiting-list offer on My training: only the delegate (the world's booking is confirmed,
    # so even they would be told "no longer open"); the emailed link's signed token is its own credential.
    "bookings.answer_offer": ("POST", lambda w: f"/bookings/{w.booking.id}/offer", NOT_THEIRS),
    "bookings.offer": ("GET", lambda w: f"/offers/{w.offer_token}", PUBLIC),
    "bookings.complete_elearning": (
        "POST",
        lambda w: f"/courses/{w.elearning.slug}/complete",
        (SIGN_IN,) + (REDIRECT,) * 5,
    ),
    "evaluations.booking_evaluation": ("GET", lambda w: f"/evaluations/bookings/{w.booking.id}/pre", NOT_THEIRS),
    # The pre-course questions come before the e-learning: anyone signed in answers their own.
    "evaluations.elearning_evaluation": ("GET", lambda w: f"/evaluations/elearning/{w.elearning.id}/pre", PRIVATE_OWN),
    "evaluations.my_evaluations": ("GET", lambda w: "/evaluations/mine", PRIVATE_OWN),
    "evaluations.response_detail": ("GET", lambda w: f"/evaluations/responses/{w.response.id}", HSCP_ADMIN),
    # Trainers: "Sessions I deliver" lists only the sessions the viewer teaches (empty for a practitioner,
    # so nothing leaks); the register is for that session's trainers and the owning partnership's admins.
    "bookings.trainer_sessions": ("GET", lambda w: "/trainer/sessions", PRIVATE_OWN),
    "bookings.register": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/register", HSCP_ADMIN),
    "bookings.register_csv": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/register.csv", HSCP_ADMIN),
    "bookings.sign_in_sheet": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/sign-in-sheet", HSCP_ADMIN),
    # Evaluation summaries.
    "evaluations.summary": ("GET", lambda w: "/evaluations/summary", SUMMARIES),
    "evaluations.summary_csv": ("GET", lambda w: "/evaluations/summary/stages.csv", SUMMARIES),
    "evaluations.responses_csv": ("GET", lambda w: "/evaluations/responses.csv", SUMMARIES),
    "evaluations.edit_questions": ("GET", lambda w: f"/evaluations/courses/{w.course.id}/questions", HSCP_ADMIN),
    # Running the programme.
    "admin.index": ("GET", lambda w: "/admin/", ADMIN_AREA),
    "admin.course_new": ("GET", lambda w: "/admin/courses/new", ADMIN_AREA),
    "admin.course_edit": ("GET", lambda w: f"/admin/courses/{w.course.id}/edit", HSCP_ADMIN),
    "admin.course_sessions": ("GET", lambda w: f"/admin/courses/{w.course.id}/sessions", HSCP_ADMIN),
    "admin.session_new": ("GET", lambda w: f"/admin/courses/{w.course.id}/sessions/new", HSCP_ADMIN),
    "admin.session_edit": ("GET", lambda w: f"/admin/sessions/{w.session.id}/edit", HSCP_ADMIN),
    "admin.course_archive": (
        "POST",
        lambda w: f"/admin/courses/{w.course.id}/archive",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "admin.course_restore": (
        "POST",
        lambda w: f"/admin/courses/{w.course.id}/restore",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "bookings.admin_session_bookings": ("GET", lambda w: f"/admin/sessions/{w.session.id}/bookings", HSCP_ADMIN),
    "bookings.admin_cancel_session": ("GET", lambda w: f"/admin/sessions/{w.session.id}/cancel", HSCP_ADMIN),
    "bookings.admin_postpone_session": ("GET", lambda w: f"/admin/sessions/{w.session.id}/postpone", HSCP_ADMIN),
    "bookings.admin_capacity": (
        "POST",
        lambda w: f"/admin/sessions/{w.session.id}/capacity",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # The cancel form is only a button: a valid CSRF token is the whole submission.
    "bookings.admin_cancel_booking": (
        "POST",
        lambda w: f"/admin/bookings/{w.booking.id}/cancel",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "bookings.admin_move_booking": ("GET", lambda w: f"/admin/bookings/{w.booking.id}/move", HSCP_ADMIN),
    # Data-protection rights and the audit log.
    # People and roles: any administrator may look; what they may change is checked inside.
    "admin.users": ("GET", lambda w: "/admin/users", ADMIN_AREA),
    "admin.user_role": ("GET", lambda w: f"/admin/users/{w.delegate.id}/role", ADMIN_AREA),
    "privacy.export_data": ("GET", lambda w: "/account/data.json", PRIVATE_OWN),
    "privacy.close_account": ("GET", lambda w: "/account/close", PRIVATE_OWN),
    "privacy.audit_log": ("GET", lambda w: "/admin/audit", (SIGN_IN, 403, 403, 403, 403, 200)),
    # Reports.
    "reports.index": ("GET", lambda w: "/reports/", REPORTS),
    "reports.capacity": ("GET", lambda w: "/reports/capacity", REPORTS),
    "reports.capacity_csv": ("GET", lambda w: "/reports/capacity.csv", REPORTS),
    "reports.reach": ("GET", lambda w: "/reports/reach", REPORTS),
    "reports.reach_csv": ("GET", lambda w: "/reports/reach.csv", REPORTS),
    "reports.annual": ("GET", lambda w: "/reports/annual", REPORTS),
    "reports.annual_csv": ("GET", lambda w: "/reports/annual.csv", REPORTS),
    "reports.bookings_csv": ("GET", lambda w: "/reports/bookings.csv", REPORTS),
}


def person(db, role, partnership=None, agency=None, name=None):
    user = User(
        name=name or role,
        email=f"{name or role}@example.org",
        role=role,
        partnership=partnership,
        agency=agency,
        job_role="Social worker",
        password_hash=PASSWORD_HASH,
    )
    db.session.add(user)
    return user


@pytest.fixture
def world(db, partnerships, make_agency, frozen_clock):
    from datetime import datetime

    frozen_clock(datetime(2027, 3, 1, 10, 0))
    agency = make_agency("Hampshire County Council", "Children's social care", partnerships["HSCP"])
    hscp = partnerships["HSCP"]
    people = {
        "practitioner": person(db, "practitioner", agency=agency),
        "trainer": person(db, "trainer", agency=agency),
        "other_admin": person(db, "partnership_admin", partnerships["IOWSCP"], agency, name="iow-admin"),
        "admin": person(db, "partnership_admin", hscp, agency, name="hscp-admin"),
        "system_admin": person(db, "system_admin", agency=agency),
    }
    delegate = person(db, "practitioner", agency=agency, name="delegate")
    session_trainer = person(db, "trainer", agency=agency, name="session-trainer")
    course = Course(
        slug="working-together",
        title="Working Together",
        summary="Multi-agency working.",
        learning_outcomes=["Know the duties", "Share information"],
        level=3,
        level_kind="core",
        format="face_to_face",
        owner_partnership=hscp,
        status="published",
    )
    elearning = Course(
        slug="level-1-online",
        title="Level 1 online",
        summary="Basics.",
        learning_outcomes=[],
        level=1,
        level_kind="core",
        format="elearning",
        owner_partnership=hscp,
        elearning_url="https://learning.example.org/level-1",
        status="published",
    )
    start = datetime(2027, 3, 15, 9, 30)
    course_session = CourseSession(
        course=course, starts_at=start, ends_at=start + timedelta(hours=3), capacity=20, venue="Castle Hill, Winchester"
    )
    course_session.trainers.append(session_trainer)
    db.session.add_all([course, elearning, course_session])
    db.session.flush()
    booking = Booking(
        session=course_session,
        user=delegate,
        status="confirmed",
        agency=agency,
        confirmed_at=datetime(2027, 2, 1, 12, 0),
        requested_at=datetime(2027, 2, 1, 12, 0),
    )
    # Someone offered a freed place (the offer link's page shows it to whoever holds the link).
    offered = Booking(
        session=course_session,
        user=person(db, "practitioner", agency=agency, name="offered"),
        status="offered",
        agency=agency,
        requested_at=datetime(2027, 2, 2, 12, 0),
        offer_expires_at=datetime(2027, 3, 3, 10, 0),
    )
    db.session.add_all([booking, offered])
    db.session.flush()
    form = EvaluationForm(course=course, stage="pre", version=1, questions=default_questions(course, "pre"))
    response = EvaluationResponse(
        form=form,
        course=course,
        session=course_session,
        booking=booking,
        user=delegate,
        pair_key=f"booking:{booking.id}",
        stage="pre",
        agency_id=agency.id,
        sector=agency.sector,
    )
    db.session.add_all([form, response])
    db.session.commit()
    return SimpleNamespace(
        people=people,
        delegate=delegate,
        session_trainer=session_trainer,
        course=course,
        elearning=elearning,
        session=course_session,
        booking=booking,
        response=response,
        reset_token=make_reset_token(delegate),
        confirm_token=make_confirmation_token(delegate),
        offer_token=make_offer_token(offered),
    )


def outcome(response):
    if response.status_code == 302:
        return SIGN_IN if response.headers["Location"].split("?")[0].endswith("/sign-in") else REDIRECT
    return response.status_code


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(MATRIX) == set(), "routes without an entry in the permission matrix"
    assert set(MATRIX) - endpoints == set(), "entries for routes that no longer exist"


def test_every_entry_names_its_route(app):
    adapter = app.url_map.bind("localhost")
    for endpoint, (method, url, expected) in MATRIX.items():
        assert len(expected) == len(ROLES), endpoint
        world = SimpleNamespace(
            course=SimpleNamespace(id=1, slug="c"),
            elearning=SimpleNamespace(id=2, slug="e"),
            session=SimpleNamespace(id=3),
            booking=SimpleNamespace(id=4),
            response=SimpleNamespace(id=5),
            reset_token="t",
            confirm_token="c",
            offer_token="o",
            delegate=SimpleNamespace(calendar_token="d", id=6),
            session_trainer=SimpleNamespace(calendar_token="s"),
        )
        matched, _ = adapter.match(url(world), method=method)
        assert matched == endpoint, (endpoint, url(world))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_the_product_requires(client, login, world, endpoint, role):
    method, url, expected = MATRIX[endpoint]
    if role != "anonymous":
        login(world.people[role])
    if method == "GET":
        response = client.get(url(world))
    else:
        response = client.post(url(world), data={"csrf_token": session_csrf_token(client)})
    assert outcome(response) == expected[ROLES.index(role)], f"{role} {method} {url(world)}"
