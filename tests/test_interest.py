"""Interest in a course: "Tell me when dates are available", the head start, and being told once."""

from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from training_app.admin.session_services import schedule_series
from training_app.bookings.errors import BookingClosed
from training_app.bookings.services import book_place
from training_app.extensions import db as _db
from training_app.interest.services import InterestError, register_interest
from training_app.mail import deliver_pending
from training_app.models import BookingStatus, CourseInterest, OutboxMessage

T0 = datetime(2027, 1, 4, 9, 0)


def dates_emails(db):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Dates available")).order_by(OutboxMessage.id)
    ).all()


def session_values(starts_at, **extra):
    return {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3), "capacity": 40, **extra}


def test_scheduling_for_a_course_with_30_interested_people_emails_them_once_each_in_order_before_booking_opens(
    db, make_user, make_course, hscp_admin, frozen_clock, smtp_server
):
    course = make_course(title="Neglect: the long view")
    people = [make_user(name=f"Interested {n:02d}") for n in range(30)]
    # They ask in the reverse of the order their accounts were made: the emails follow the asking.
    for minutes, person in enumerate(reversed(people)):
        frozen_clock(T0 + timedelta(minutes=minutes))
        register_interest(person, course)
    latecomer = make_user(name="Not interested")
    db.session.commit()

    scheduled_at = frozen_clock(T0 + timedelta(days=1))
    [new_session] = schedule_series(hscp_admin, course, [session_values(T0 + timedelta(days=30))])
    db.session.commit()

    emails = dates_emails(db)
    assert [m.to_address for m in emails] == [p.email for p in reversed(people)]
    assert len({m.to_address for m in emails}) == 30
    assert "Neglect: the long view" in emails[0].body_text and "before booking opens to everyone" in emails[0].body_text
    # General booking opens after the 48-hour head start; the interested may book from now.
    assert new_session.interest_opens_at == scheduled_at
    assert new_session.booking_opens_at == scheduled_at + timedelta(hours=48)
    interests = db.session.scalars(select(CourseInterest)).all()
    assert len(interests) == 30 and all(i.notified_at == scheduled_at for i in interests)

    assert book_place(people[0], new_session.id).booking.status == BookingStatus.CONFIRMED
    with pytest.raises(BookingClosed):
        book_place(latecomer, new_session.id)
    _db.session.rollback()
    frozen_clock(scheduled_at + timedelta(hours=48))
    assert book_place(latecomer, new_session.id).booking.status == BookingStatus.CONFIRMED
    db.session.commit()

    # Another date later tells nobody again: they have been told.
    schedule_series(hscp_admin, course, [session_values(T0 + timedelta(days=60))])
    db.session.commit()
    assert len(dates_emails(db)) == 30
    # Delivered through real SMTP, one message each.
    frozen_clock(scheduled_at + timedelta(hours=49))
    sent, _failed = deliver_pending(limit=500)
    assert sent >= 30
    parsed = [message_from_bytes(m.content, policy=policy.default) for m in smtp_server.messages]
    received = [m for m in parsed if m["Subject"].startswith("Dates available")]
    assert sorted(m["To"] for m in received) == sorted(p.email for p in people)


def test_an_administrators_later_opening_is_kept_and_a_course_without_interest_is_not_delayed(
    db, make_user, make_course, hscp_admin, frozen_clock
):
    course, quiet = make_course(), make_course()
    register_interest(make_user(), course)
    db.session.commit()
    now = frozen_clock(T0)
    later = T0 + timedelta(days=10)
    [kept] = schedule_series(hscp_admin, course, [session_values(T0 + timedelta(days=30), booking_opens_at=later)])
    [open_now] = schedule_series(hscp_admin, quiet, [session_values(T0 + timedelta(days=30))])
    db.session.commit()
    assert (kept.booking_opens_at, kept.interest_opens_at) == (later, now)
    assert (open_now.booking_opens_at, open_now.interest_opens_at) == (None, None)


def test_a_session_starting_within_the_head_start_opens_to_everyone_as_before(
    db, make_user, make_course, hscp_admin, frozen_clock
):
    course = make_course()
    register_interest(make_user(), course)
    frozen_clock(T0)
    [soon] = schedule_series(hscp_admin, course, [session_values(T0 + timedelta(hours=30))])
    db.session.commit()
    assert soon.booking_opens_at is None and soon.interest_opens_at == T0
    assert len(dates_emails(db)) == 1


def test_course_page_offers_tell_me_and_stop_telling_me(client, db, login, post_form, practitioner, make_course):
    course = make_course(title="Contextual safeguarding")
    page = f"/courses/{course.slug}"
    anonymous = client.get(page).get_data(as_text=True)
    assert "Sign in</a> to be told when new dates are available" in anonymous
    login(practitioner)
    assert "Tell me when dates are available" in client.get(page).get_data(as_text=True)
    response = post_form(page, {}, url=f"/courses/{course.id}/interest", follow_redirects=True)
    assert "We will email you when Contextual safeguarding has dates" in response.get_data(as_text=True)
    assert "Stop telling me" in response.get_data(as_text=True)
    post_form(page, {}, url=f"/courses/{course.id}/interest")  # asking twice changes nothing
    assert len(db.session.scalars(select(CourseInterest)).all()) == 1
    response = post_form(page, {}, url=f"/courses/{course.id}/interest/stop", follow_redirects=True)
    assert "We will not email you about dates for Contextual safeguarding" in response.get_data(as_text=True)
    assert db.session.scalars(select(CourseInterest)).all() == []


def test_full_session_page_offers_tell_me_but_a_course_with_places_does_not(
    client, db, login, make_user, make_session, practitioner
):
    full = make_session(capacity=1)
    book_place(make_user(), full.id)
    db.session.commit()
    login(practitioner)
    assert "Tell me when dates are available" in client.get(f"/sessions/{full.id}").get_data(as_text=True)
    assert "Tell me when dates are available" in client.get(f"/courses/{full.course.slug}").get_data(as_text=True)
    roomy = make_session(capacity=10)
    assert "Tell me when dates are available" not in client.get(f"/courses/{roomy.course.slug}").get_data(as_text=True)


def test_interest_refused_for_elearning(db, practitioner, make_course):
    with pytest.raises(InterestError):
        register_interest(practitioner, make_course(format="elearning"))


def test_interest_without_csrf_is_refused(client, db, login, practitioner, make_course):
    course = make_course()
    login(practitioner)
    assert client.post(f"/courses/{course.id}/interest").status_code == 400
    assert client.post("/courses/999999/interest").status_code in (400, 404)
