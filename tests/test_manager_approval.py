"""Manager approval (issue 15, points 1 and 2): a course may need the delegate's line manager to approve
a booking. The place is held for 5 working days while the manager answers by a signed link (no
account); they are reminded at half time; a decline (with a reason) or the time running out lets the
place go to the next person waiting. Each path is checked, with the places counted, on SQLite and
PostgreSQL (TEST_DATABASE_URL)."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from training_app import clock
from training_app.bookings.approvals import ApprovalRun, approval_deadline, remind_and_expire
from training_app.bookings.errors import ApprovalNotOpen, ManagerMissing
from training_app.bookings.services import book_place
from training_app.models import AuditEvent, Booking, BookingStatus, OutboxMessage
from training_app.privacy.services import close_account

NOW = datetime(2027, 3, 5, 10, 0)  # a Friday, 10:00 UTC (10:00 in London)


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


@pytest.fixture
def course(make_course):
    return make_course("Designated safeguarding lead refresher", requires_manager_approval=True)


@pytest.fixture
def person(db, make_user):
    return with_manager(db, make_user(name="Dee Lead", email="dee@school.example"), "Sam Head", "sam@school.example")


def with_manager(db, user, name, email):
    user.manager_name, user.manager_email = name, email
    db.session.commit()
    return user


def sign_out(client):
    """Sign out, as the link is opened by someone without an account (the tests share one app context,
    so Flask-Login's cached user and Flask-WTF's cached token are forgotten too)."""
    from flask import g

    client.get("/sign-out")
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def mails(db, to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
    ).all()


def approval_path(db, to="sam@school.example"):
    """The path of the approval link in the latest email to the manager."""
    [link] = re.findall(r"https?://[^/\s]+(/approvals/\S+)", mails(db, to)[-1].body_text)
    return link


def places(db, session_id):
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == session_id, Booking.status.in_(BookingStatus.HOLDS_PLACE)
        )
    )


def audit_actions(db):
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# ---------------------------------------------------------------- the deadline


@pytest.mark.parametrize(
    "asked, starts_in, held_until",
    [
        (datetime(2027, 3, 5, 10, 0), timedelta(days=30), datetime(2027, 3, 12, 10, 0)),  # Friday → Friday
        (datetime(2027, 3, 3, 16, 30), timedelta(days=30), datetime(2027, 3, 10, 16, 30)),  # Wednesday → Wednesday
        (datetime(2027, 3, 6, 9, 0), timedelta(days=30), datetime(2027, 3, 12, 9, 0)),  # Saturday → Friday
        (datetime(2027, 3, 5, 10, 0), timedelta(days=3), datetime(2027, 3, 8, 10, 0)),  # never past the start
    ],
)
def test_the_place_is_held_five_working_days_but_never_past_the_start(make_session, asked, starts_in, held_until):
    course_session = make_session(starts_in=starts_in)
    course_session.starts_at = asked + starts_in
    assert approval_deadline(course_session, asked) == held_until


# ---------------------------------------------------------------- approve


def test_manager_approves_by_link_without_an_account(client, db, login, post_form, make_session, course, person):
    course_session = make_session(course=course, capacity=2, starts_in=timedelta(days=30))
    login(person)
    response = post_form(f"/sessions/{course_session.id}", {}, url=f"/sessions/{course_session.id}/book")
    assert response.status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.status, booking.manager_email) == (BookingStatus.AWAITING_APPROVAL, "sam@school.example")
    assert booking.approval_expires_at == datetime(2027, 3, 12, 10, 0)
    assert places(db, course_session.id) == 1  # the place is held
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have asked Sam Head to approve your booking" in flashed
    page = client.get("/my-training").get_data(as_text=True)
    assert "Awaiting approval" in page and "while Sam Head approves or declines this booking" in page
    [to_manager] = mails(db, "sam@school.example")
    assert to_manager.subject == f"Please approve or decline: Dee Lead, {course.title}"
    assert mails(db, "dee@school.example")[-1].subject == f"Waiting for your manager's approval: {course.title}"

    sign_out(client)
    path = approval_path(db)
    page = client.get(path).get_data(as_text=True)
    assert "Do you approve this booking?" in page and "Dee Lead" in page
    answered = post_form(path, {"decision": "approve", "reason": ""})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED and booking.confirmed_at == NOW
    assert mails(db, "dee@school.example")[-1].subject == f"Booking confirmed: {course.title}"
    assert audit_actions(db)[-1] == "booking.approved"
    # Answering again changes nothing and says so.
    again = client.get(path).get_data(as_text=True)
    assert "This booking is approved: Dee Lead has the place." in again
    assert post_form(path, {"decision": "decline", "reason": "Changed my mind"}).status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED


def test_a_link_that_is_not_valid_is_a_404_page(client):
    response = client.get("/approvals/not-a-real-token")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)


# ---------------------------------------------------------------- decline


def test_decline_needs_a_reason_the_delegate_reads_and_the_place_goes_on(
    client, db, post_form, make_user, make_session, course, person
):
    course_session = make_session(course=course, capacity=1, starts_in=timedelta(days=30))
    book_place(person, course_session.id)
    next_person = with_manager(db, make_user(name="Kit Next", email="kit@school.example"), "Ana Boss", "ana@x.example")
    assert book_place(next_person, course_session.id).waitlist_position == 1
    db.session.commit()
    path = approval_path(db)
    refused = post_form(path, {"decision": "decline", "reason": ""})
    assert refused.status_code == 200
    assert "Enter the reason you are declining: the delegate will read it" in refused.get_data(as_text=True)
    assert post_form(path, {"decision": "decline", "reason": "Not a DSL this year"}).status_code == 302
    mine = db.session.scalars(select(Booking).where(Booking.user_id == person.id)).one()
    assert mine.status == BookingStatus.CANCELLED and mine.late_cancellation is False
    assert mine.cancel_reason == "Your line manager did not approve this booking: Not a DSL this year"
    told = mails(db, "dee@school.example")[-1]
    assert "Not a DSL this year" in told.body_text
    # The place went to the next person, whose own manager is now asked.
    theirs = db.session.scalars(select(Booking).where(Booking.user_id == next_person.id)).one()
    assert theirs.status == BookingStatus.AWAITING_APPROVAL and theirs.manager_email == "ana@x.example"
    assert mails(db, "ana@x.example")[-1].subject.startswith("Please approve or decline: Kit Next")
    assert places(db, course_session.id) == 1


# ---------------------------------------------------------------- reminder and expiry


def test_reminded_once_at_half_time_then_the_place_goes_when_time_runs_out(
    db, frozen_clock, make_user, make_session, course, person
):
    course_session = make_session(course=course, capacity=1, starts_in=timedelta(days=30))
    booking = book_place(person, course_session.id).booking
    waiting = with_manager(db, make_user(name="Kit Next", email="kit@school.example"), "Ana Boss", "ana@x.example")
    book_place(waiting, course_session.id)
    db.session.commit()
    # Before half time (3.5 days of 7), nothing; at half time one reminder, once.
    frozen_clock(NOW + timedelta(days=3, hours=11))
    assert remind_and_expire(clock.now()) == ApprovalRun(0, 0, 0)
    frozen_clock(NOW + timedelta(days=3, hours=12))
    assert remind_and_expire(clock.now()).reminded == 1
    assert remind_and_expire(clock.now()).reminded == 0
    reminders = [m for m in mails(db, "sam@school.example") if m.subject.startswith("Reminder")]
    assert len(reminders) == 1
    # A minute before the end it still holds; at the end it runs out, once, and the place goes on.
    frozen_clock(datetime(2027, 3, 12, 9, 59))
    assert remind_and_expire(clock.now()).expired == 0
    frozen_clock(datetime(2027, 3, 12, 10, 0))
    run = remind_and_expire(clock.now())
    assert (run.expired, run.given) == (1, 1)
    assert remind_and_expire(clock.now()).expired == 0
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED
    assert mails(db, "dee@school.example")[-1].subject == f"Not approved in time: {course.title}"
    assert db.session.scalars(select(Booking.status).where(Booking.user_id == waiting.id)).one() == (
        BookingStatus.AWAITING_APPROVAL
    )
    assert places(db, course_session.id) == 1
    assert "booking.approval_expired" in audit_actions(db)


def test_approving_after_the_time_ran_out_is_refused(db, frozen_clock, make_session, course, person):
    from training_app.bookings.approvals import approve

    course_session = make_session(course=course, capacity=1, starts_in=timedelta(days=30))
    booking = book_place(person, course_session.id).booking
    db.session.commit()
    frozen_clock(booking.approval_expires_at)
    with pytest.raises(ApprovalNotOpen):
        approve(booking)


# ---------------------------------------------------------------- changes mid-request


def test_manager_changed_mid_request_asks_the_new_one_and_the_old_link_dies(
    client, db, login, post_form, make_session, course, person
):
    course_session = make_session(course=course, capacity=1, starts_in=timedelta(days=30))
    book_place(person, course_session.id)
    db.session.commit()
    old_path = approval_path(db)
    login(person)
    response = post_form("/account/line-manager", {"manager_name": "Jo New", "manager_email": "jo@school.example"})
    assert response.status_code == 302
    assert client.get(old_path).status_code == 404
    new_path = approval_path(db, "jo@school.example")
    sign_out(client)
    assert post_form(new_path, {"decision": "approve", "reason": ""}).status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.status, booking.manager_email) == (BookingStatus.CONFIRMED, "jo@school.example")
    assert "account.manager_changed" in audit_actions(db)


def test_account_closed_mid_request_lets_the_place_go(client, db, make_session, course, person):
    course_session = make_session(course=course, capacity=1, starts_in=timedelta(days=30))
    book_place(person, course_session.id)
    db.session.commit()
    path = approval_path(db)
    close_account(person, person)
    db.session.commit()
    assert places(db, course_session.id) == 0
    page = client.get(path)
    # The manager's copy of the address is gone with the account, so the link opens nothing.
    assert page.status_code == 404


# ---------------------------------------------------------------- asked for at booking


def test_booking_without_a_manager_asks_for_one_and_saves_it(
    client, db, login, post_form, make_user, make_session, course
):
    newcomer = make_user(name="Ola New", email="ola@school.example")
    course_session = make_session(course=course, capacity=3, starts_in=timedelta(days=30))
    with pytest.raises(ManagerMissing):
        book_place(newcomer, course_session.id)
    db.session.rollback()
    login(newcomer)
    page = client.get(f"/sessions/{course_session.id}").get_data(as_text=True)
    assert "This course needs your line manager's approval" in page
    refused = post_form(
        f"/sessions/{course_session.id}", {"manager_name": "Pat Lead"}, url=f"/sessions/{course_session.id}/book"
    )
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    booked = post_form(
        f"/sessions/{course_session.id}",
        {"manager_name": "Pat Lead", "manager_email": "pat@school.example"},
        url=f"/sessions/{course_session.id}/book",
    )
    assert booked.status_code == 302
    db.session.refresh(newcomer)
    assert (newcomer.manager_name, newcomer.manager_email) == ("Pat Lead", "pat@school.example")
    assert db.session.scalars(select(Booking.status)).one() == BookingStatus.AWAITING_APPROVAL


def test_courses_without_approval_confirm_as_before(db, make_session, make_user):
    course_session = make_session(capacity=1)
    assert book_place(make_user(), course_session.id).booking.status == BookingStatus.CONFIRMED
