"""Every staff page (administration, registers, evaluations, reports, privacy) passes axe in Chromium,
with real data on it, as the system administrator sees it."""

from datetime import timedelta

from training_app import clock
from training_app.bookings.attendance import record_attendance
from training_app.bookings.services import book_place


def test_staff_pages_have_no_accessibility_violations(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    admin = make_user(role="system_admin", email="sysadmin@example.org", name="Sam Admin")
    trainer = make_user(role="trainer", name="Tess Trainer")
    # Repeat bookings allowed: the same delegates book both sessions (one place per course otherwise).
    course = make_course(
        title="Child Neglect", learning_outcomes=["Recognise neglect", "Respond to neglect"], allow_repeat_bookings=True
    )
    past = make_session(course=course, trainers=[trainer], capacity=2)
    upcoming = make_session(course=course, trainers=[trainer], starts_in=timedelta(days=30), capacity=1)
    people = [make_user(name=f"Delegate {n}") for n in range(3)]
    bookings = [book_place(person, past.id, "Step-free access").booking for person in people[:2]]
    book_place(people[0], upcoming.id)
    book_place(people[1], upcoming.id)  # waitlisted
    past.starts_at = clock.now() - timedelta(hours=3)
    past.ends_at = clock.now() - timedelta(hours=1)
    record_attendance(admin, past, {bookings[0].id: "attended", bookings[1].id: "no_show"})
    db.session.commit()
    ids = {
        "course": course.id,
        "past": past.id,
        "upcoming": upcoming.id,
        "booking": bookings[0].id,
        "person": people[2].id,
    }
    email = admin.email
    release()

    sign_in_through_page(page, email)
    for path in [
        "/admin/",
        "/admin/courses/new",
        f"/admin/courses/{ids['course']}/edit",
        f"/admin/courses/{ids['course']}/sessions",
        f"/admin/courses/{ids['course']}/sessions/new",
        f"/admin/sessions/{ids['upcoming']}/edit",
        f"/admin/sessions/{ids['upcoming']}/bookings",
        f"/admin/sessions/{ids['upcoming']}/cancel",
        f"/admin/sessions/{ids['upcoming']}/postpone",
        "/admin/users",
        f"/admin/users/{ids['person']}/role",
        "/admin/audit",
        f"/trainer/sessions/{ids['past']}/register",
        f"/trainer/sessions/{ids['past']}/sign-in-sheet",
        "/reports/",
        "/reports/capacity",
        "/reports/reach",
        "/reports/annual",
        "/reports/annual?print=1",
        "/reports/capacity?date_from=not-a-date",
        "/evaluations/summary",
        f"/evaluations/summary?course={ids['course']}",
        f"/evaluations/courses/{ids['course']}/questions",
        "/account",
        "/account/close",
        "/help/privacy",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        axe_check(page, path)
