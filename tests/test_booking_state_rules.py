"""A booking shows what is true now (issue 13): one state function for pages, emails and calendars,
the team cancelling a delegate with a reason, the cancellation cut-off in words, evaluation windows
that follow the session's current dates, and "Add to calendar" that depends on who asks."""

from datetime import datetime, timedelta

import icalendar
import pytest
from sqlalchemy import event, select

from training_app.bookings.services import book_place, cancel_booking
from training_app.bookings.sessions import cancel_session, postpone_session
from training_app.bookings.state import StateKey, booking_state
from training_app.bookings.team_changes import move_booking
from training_app.evaluations.due import outstanding_evaluations
from training_app.mail import build_email
from training_app.models import AuditEvent, Booking, OutboxMessage
from training_app.timefmt import london_until

NOW = datetime(2027, 1, 11, 12, 0)
JOIN = "https://teams.example/join/xyz"


@pytest.fixture
def at_now(frozen_clock):
    return frozen_clock(NOW)


def state_of(db, booking, **kwargs):
    db.session.refresh(booking)
    return booking_state(booking, NOW, **kwargs)


# The state, case by case --------------------------------------------------------------------------


def test_states_say_what_is_true(db, at_now, make_user, make_session, system_admin):
    full = make_session(capacity=1, starts_in=timedelta(days=20))
    other = make_session(course=full.course, starts_in=timedelta(days=34))
    dee, wes, una = make_user(name="Dee"), make_user(name="Wes"), make_user(name="Una")
    place = book_place(dee, full.id).booking
    waiting = book_place(wes, full.id).booking
    db.session.commit()

    confirmed = state_of(db, place)
    assert (confirmed.key, confirmed.label, confirmed.colour, confirmed.calendar) == (
        StateKey.CONFIRMED,
        "Confirmed",
        "green",
        "CONFIRMED",
    )
    listed = state_of(db, waiting, position=1)
    assert (listed.label, listed.calendar) == ("Waiting list: number 1", "TENTATIVE")

    postpone_session(system_admin, full, "Trainer unwell")
    db.session.commit()
    postponed = state_of(db, place)
    assert (postponed.key, postponed.label, postponed.colour) == (StateKey.POSTPONED, "Postponed", "yellow")
    assert postponed.detail.startswith("Postponed: new date to follow.")
    assert postponed.calendar == "TENTATIVE"

    postpone_session(system_admin, full, "New date", NOW + timedelta(days=40), NOW + timedelta(days=40, hours=2))
    db.session.commit()
    assert state_of(db, place).key == StateKey.CONFIRMED

    moved = move_booking(system_admin, place, other.id)
    db.session.commit()
    gone = state_of(db, place)
    assert (gone.key, gone.detail) == (StateKey.MOVED, "Moved by the training team to Sunday 14 February 2027, 12pm.")
    assert gone.calendar == "CANCELLED"

    cancel_booking(system_admin, moved, as_admin=True, reason="The course is for DSLs only")
    db.session.commit()
    by_team = state_of(db, moved)
    assert (by_team.key, by_team.label) == (StateKey.CANCELLED_BY_TEAM, "Cancelled by the team")
    assert by_team.detail == "Cancelled by the training team: The course is for DSLs only"

    mine = book_place(una, other.id).booking
    db.session.commit()
    cancel_booking(una, mine)
    db.session.commit()
    assert (state_of(db, mine).key, state_of(db, mine).label) == (StateKey.CANCELLED_BY_YOU, "Cancelled by you")

    cancel_session(system_admin, full, "Not enough bookings")
    db.session.commit()
    called_off = state_of(db, waiting)  # Wes had been promoted when Dee moved
    assert called_off.key == StateKey.SESSION_CANCELLED
    assert called_off.detail == "This session was cancelled by the training team: Not enough bookings"


def test_attended_no_show_and_awaiting_register(db, at_now, make_user, make_session):
    past = make_session(starts_in=timedelta(days=-3))
    bookings = [
        Booking(session=past, user=make_user(), status=s, requested_at=NOW)
        for s in ("attended", "no_show", "confirmed")
    ]
    db.session.add_all(bookings)
    db.session.commit()
    assert [booking_state(b, NOW).label for b in bookings] == ["Attended", "Did not attend", "Awaiting register"]


# My training --------------------------------------------------------------------------------------


def test_my_training_shows_postponed_moved_and_team_cancelled_truthfully(
    client, db, at_now, login, make_user, make_session, system_admin
):
    user = login(make_user())
    postponed = make_session(starts_in=timedelta(days=10))
    start, later = make_session(starts_in=timedelta(days=12)), None
    later = make_session(course=start.course, starts_in=timedelta(days=26))
    cancelled = make_session(starts_in=timedelta(days=15))
    for s in (postponed, start, cancelled):
        book_place(user, s.id)
    db.session.commit()
    postpone_session(system_admin, postponed, "Trainer unwell")
    move_booking(
        system_admin, db.session.scalars(select(Booking).where(Booking.session_id == start.id)).one(), later.id
    )
    booking = db.session.scalars(select(Booking).where(Booking.session_id == cancelled.id)).one()
    cancel_booking(system_admin, booking, as_admin=True, reason="Places are for Portsmouth staff")
    db.session.commit()
    page = client.get("/my-training").get_data(as_text=True)
    upcoming = page.split("Upcoming", 1)[1].split("Past training", 1)[0]
    assert "Postponed: new date to follow" in upcoming
    assert upcoming.count("govuk-tag--green") == 1  # only the session they were moved to is confirmed
    cancelled_part = page.split('<h2 class="govuk-heading-m">Cancelled</h2>', 1)[1]
    assert "Moved by the training team to Saturday 6 February 2027, 12pm." in cancelled_part
    assert "Cancelled by the training team: Places are for Portsmouth staff" in cancelled_part


def count_statements(db, client, url):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_my_training_statements_do_not_grow_with_bookings(
    client, db, at_now, login, make_user, make_session, system_admin
):
    user = login(make_user())
    other = make_user()

    def add(n):
        for _ in range(n):
            waiting = make_session(capacity=1)
            book_place(other, waiting.id)
            book_place(user, waiting.id)  # waitlisted: a position to show
            moved_from = make_session()
            moved_to = make_session(course=moved_from.course)
            move_booking(system_admin, book_place(user, moved_from.id).booking, moved_to.id)
        db.session.commit()

    add(1)
    few = count_statements(db, client, "/my-training")
    add(4)
    many = count_statements(db, client, "/my-training")
    assert many == few
    assert "Waiting list: number 1" in client.get("/my-training").get_data(as_text=True)


# The team cancelling one delegate --------------------------------------------------------------------


@pytest.fixture
def delegate_booking(db, at_now, make_user, make_session):
    course_session = make_session(starts_in=timedelta(days=20))
    booking = book_place(make_user(name="Dee Delegate", email="dee@example.org"), course_session.id).booking
    db.session.commit()
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    return booking


def test_admin_cancel_asks_for_a_reason_and_the_delegate_reads_it(
    client, db, login, post_form, hscp_admin, delegate_booking
):
    login(hscp_admin)
    url = f"/admin/bookings/{delegate_booking.id}/cancel"
    page = client.get(url).get_data(as_text=True)
    assert "Cancel Dee Delegate" in page and 'name="reason"' in page

    blank = post_form(url, {"reason": "  "})
    text = blank.get_data(as_text=True)
    assert blank.status_code == 200 and "There is a problem" in text
    assert "Enter the reason, which is sent to the delegate" in text
    db.session.refresh(delegate_booking)
    assert delegate_booking.status == "confirmed"

    done = post_form(url, {"reason": "This course is for designated safeguarding leads"}, follow_redirects=True)
    assert "cancelled and they have been told why" in done.get_data(as_text=True)
    db.session.refresh(delegate_booking)
    assert delegate_booking.status == "cancelled"
    assert delegate_booking.cancel_reason == "This course is for designated safeguarding leads"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.cancelled")).one()
    assert audit.details["reason"] == "This course is for designated safeguarding leads"
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "The training team has cancelled your booking." in message.body_text
    assert "Their reason: This course is for designated safeguarding leads" in message.body_text
    email = build_email(message, "training@hips.test")
    [calendar] = list(email.iter_attachments())
    assert calendar.get_param("method") == "CANCEL"
    assert "STATUS:CANCELLED" in calendar.get_content()
    # The delegate reads it on My training too.
    login(delegate_booking.user)
    assert "Cancelled by the training team: This course is for designated safeguarding leads" in client.get(
        "/my-training"
    ).get_data(as_text=True)


def test_only_the_courses_admins_may_cancel_a_delegate(
    client, db, login, post_form, iow_admin, make_user, delegate_booking
):
    url = f"/admin/bookings/{delegate_booking.id}/cancel"
    for person in (iow_admin, make_user(), make_user("trainer")):
        login(person)
        assert client.get(url).status_code == 403
        token_page = "/my-training"
        assert post_form(token_page, {"reason": "No"}, url=url).status_code == 403
    db.session.refresh(delegate_booking)
    assert delegate_booking.status == "confirmed"
    assert client.get("/admin/bookings/424242/cancel").status_code == 403  # not an admin: no further


def test_admin_cancel_of_an_unknown_booking_is_404(client, db, login, hscp_admin):
    login(hscp_admin)
    assert client.get("/admin/bookings/424242/cancel").status_code == 404


def test_admin_cancel_needs_csrf(client, db, login, hscp_admin, delegate_booking):
    login(hscp_admin)
    response = client.post(f"/admin/bookings/{delegate_booking.id}/cancel", data={"reason": "No token"})
    assert response.status_code in (200, 400)
    db.session.refresh(delegate_booking)
    assert delegate_booking.status == "confirmed"


# The cancellation cut-off, in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    "utc, words",
    [
        (datetime(2027, 3, 16, 0, 0), "the end of Monday 15 March 2027"),  # midnight in GMT
        (datetime(2027, 6, 14, 23, 0), "the end of Monday 14 June 2027"),  # midnight in BST is 23:00 UTC
        (datetime(2027, 6, 15, 0, 0), "Tuesday 15 June 2027, 1:00am"),  # midnight UTC is not midnight in BST
        (datetime(2027, 3, 15, 15, 30), "Monday 15 March 2027, 3:30pm"),
        (None, ""),
    ],
)
def test_cut_off_reads_as_the_end_of_the_day_before(utc, words):
    assert london_until(utc) == words


def test_cancel_page_says_until_the_end_of_the_working_day(client, db, frozen_clock, login, make_user, make_session):
    frozen_clock(datetime(2027, 3, 1, 12, 0))
    # Wednesday 17 March 2027: two working days before is Monday 15 March, so the cut-off is its end.
    course_session = make_session(starts_in=datetime(2027, 3, 17, 9, 30) - datetime(2027, 3, 1, 12, 0))
    user = login(make_user())
    booking = book_place(user, course_session.id).booking
    db.session.commit()
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "You can cancel online until the end of Monday 15 March 2027." in page


# Evaluation windows follow the session's current dates --------------------------------------------


def test_pre_course_evaluation_follows_a_postponed_then_rescheduled_session(
    client, db, frozen_clock, login, make_user, make_session, system_admin
):
    frozen_clock(NOW)
    course_session = make_session(starts_in=timedelta(days=5))
    old_start = course_session.starts_at
    user = login(make_user())
    book_place(user, course_session.id)
    db.session.commit()
    postpone_session(system_admin, course_session, "Snow")
    db.session.commit()
    frozen_clock(old_start + timedelta(days=1))  # the old date has passed
    [item] = outstanding_evaluations(user)
    assert item.closes_at is None
    page = client.get("/my-training").get_data(as_text=True)
    assert "Pre-course evaluation" in page and "(closes" not in page
    evaluation = client.get(f"/evaluations/bookings/{item.booking.id}/pre")
    assert evaluation.status_code == 200 and "closed when the session started" not in evaluation.get_data(as_text=True)

    new_start = old_start + timedelta(days=20)
    postpone_session(system_admin, course_session, "New date", new_start, new_start + timedelta(hours=2))
    db.session.commit()
    [item] = outstanding_evaluations(user)
    assert item.closes_at == new_start


# "Add to calendar" depends on who asks ----------------------------------------------------------------


def download(client, course_session):
    response = client.get(f"/sessions/{course_session.id}/calendar.ics")
    assert response.status_code == 200
    [event_] = icalendar.Calendar.from_ical(response.get_data(as_text=True)).events
    return response, event_


def test_add_to_calendar_before_and_after_booking(client, db, at_now, login, make_user, make_session, make_course):
    course_session = make_session(
        course=make_course(format="live_online"),
        capacity=1,
        venue=None,
        online_platform="Teams",
        join_url=JOIN,
    )
    response, anonymous = download(client, course_session)
    assert "STATUS" not in anonymous and JOIN not in str(anonymous.get("DESCRIPTION"))
    assert response.headers["Cache-Control"].startswith("public")

    delegate = login(make_user())
    _, not_booked = download(client, course_session)
    assert "STATUS" not in not_booked and JOIN not in str(not_booked.get("DESCRIPTION"))

    book_place(delegate, course_session.id)
    db.session.commit()
    response, booked = download(client, course_session)
    assert booked["STATUS"] == "CONFIRMED" and JOIN in str(booked["DESCRIPTION"])
    assert response.headers["Cache-Control"].startswith("private")
    assert int(booked["SEQUENCE"]) > int(anonymous["SEQUENCE"])  # replaces the copy added before booking

    waiting = login(make_user())
    book_place(waiting, course_session.id)
    db.session.commit()
    _, tentative = download(client, course_session)
    assert tentative["STATUS"] == "TENTATIVE" and JOIN not in str(tentative["DESCRIPTION"])
    assert str(tentative["SUMMARY"]).startswith("Waiting list: ")
