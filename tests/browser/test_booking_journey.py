"""Booking, cancelling and taking the register in a real browser; every page visited passes axe."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.models import Booking


def main_menu(page):
    return page.get_by_role("navigation", name="Main menu")


def test_practitioner_books_a_place_sees_it_in_my_training_and_cancels_it(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    practitioner = make_user(email="midwife@example.org", name="Mina Midwife", level=2)
    course = make_course(title="Domestic Abuse and its Impact on Children", owner="PSCP", level=3)
    course_session = make_session(
        course=course, starts_in=timedelta(days=14), capacity=20, venue="Civic Offices, Portsmouth"
    )
    email, title, session_path, session_id = (
        practitioner.email,
        course.title,
        f"/sessions/{course_session.id}",
        course_session.id,
    )
    release()

    sign_in_through_page(page, email)
    page.goto(session_path)
    places = page.locator(".govuk-summary-list__row", has_text="Places")
    expect(places).to_contain_text("20 places left (of 20)")
    expect(page.get_by_role("heading", name="Book a place")).to_be_visible()
    axe_check(page, "the session page before booking")

    page.get_by_label("Access needs (optional)").fill("A hearing loop, please")
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your place is booked")
    expect(page.get_by_role("heading", name="You have a place on this session")).to_be_visible()
    expect(places).to_contain_text("19 places left (of 20)")
    expect(page.get_by_role("button", name="Book a place")).to_have_count(0)
    axe_check(page, "the session page after booking")

    booking = db.session.scalars(select(Booking).where(Booking.session_id == session_id)).one()
    assert (booking.status, booking.access_needs) == ("confirmed", "A hearing loop, please")
    booking_id = booking.id
    release()

    page.get_by_role("link", name="Manage it on My training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    upcoming = page.get_by_role("table", name="Upcoming sessions you are booked on")
    row = upcoming.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text("Civic Offices, Portsmouth")
    axe_check(page, "My training with an upcoming booking")

    row.get_by_role("link", name=re.compile("^Cancel booking")).click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}/cancel$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your place?")
    expect(page.get_by_role("main")).to_contain_text(title)
    axe_check(page, "the cancel confirmation page")

    page.get_by_role("button", name="Yes, cancel my place").click()
    expect(page).to_have_url(re.compile(r"/my-training$"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"Your booking for {title} has been cancelled")
    expect(page.get_by_role("table", name="Upcoming sessions you are booked on")).to_have_count(0)
    expect(page.get_by_text("You have no upcoming sessions.")).to_be_visible()
    cancelled = page.get_by_role("heading", name="Cancelled").locator("xpath=following-sibling::ul[1]")
    expect(cancelled.get_by_role("listitem")).to_have_count(1)
    expect(cancelled).to_contain_text(title)
    expect(cancelled).to_contain_text("Cancelled")
    axe_check(page, "My training with a cancelled booking")

    assert db.session.get(Booking, booking_id).status == "cancelled"
    release()
    page.goto(session_path)
    expect(places).to_contain_text("20 places left (of 20)")
    expect(page.get_by_role("button", name="Book a place")).to_be_visible()


def test_trainer_takes_the_register_for_a_session_that_started_an_hour_ago(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    trainer = make_user(role="trainer", email="trainer@example.org", name="Tara Trainer")
    ada = make_user(email="ada@example.org", name="Ada Attender")
    noel = make_user(email="noel@example.org", name="Noel Noshow")
    course = make_course(title="Child Exploitation", owner="SSCP")
    started = make_session(course=course, starts_in=-timedelta(hours=1), hours=3, capacity=12, trainers=[trainer])
    make_session(course=make_course(title="Someone Else's Course"), starts_in=-timedelta(hours=1))
    bookings = {}
    for person in (ada, noel):
        booking = Booking(
            session=started, user=person, status="confirmed", agency=person.agency, job_role=person.job_role
        )
        db.session.add(booking)
        bookings[person.name] = booking
    db.session.commit()
    ada_id, noel_id = bookings["Ada Attender"].id, bookings["Noel Noshow"].id
    email, session_id = trainer.email, started.id
    release()

    sign_in_through_page(page, email)
    main_menu(page).get_by_role("link", name="Sessions I deliver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions I deliver")
    today = page.get_by_role("table", name="Upcoming and today")
    expect(today.get_by_role("row")).to_have_count(2)  # the header and the one session this trainer delivers
    expect(page.get_by_text("Someone Else's Course")).to_have_count(0)
    axe_check(page, "Sessions I deliver")

    today.get_by_role("link", name=re.compile("^Take the register")).click()
    expect(page).to_have_url(re.compile(rf"/trainer/sessions/{session_id}/register$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Take the register")
    expect(page.get_by_role("main")).to_contain_text("2 of 12 places taken")
    axe_check(page, "the register")

    page.get_by_role("group", name="Attendance for Ada Attender").get_by_label("Attended").check()
    page.get_by_role("group", name="Attendance for Noel Noshow").get_by_label("Did not attend").check()
    page.get_by_role("button", name="Save register").click()

    expect(page.get_by_role("alert", name="Success")).to_contain_text("Register saved: 1 attended, 1 did not attend")
    expect(page.get_by_role("group", name="Attendance for Ada Attender").get_by_label("Attended")).to_be_checked()
    expect(page.get_by_role("group", name="Attendance for Noel Noshow").get_by_label("Did not attend")).to_be_checked()
    axe_check(page, "the register after saving")

    assert db.session.get(Booking, ada_id).status == "attended"
    assert db.session.get(Booking, noel_id).status == "no_show"
    release()


def test_saving_an_empty_register_shows_an_error_summary_that_passes_axe(
    page, db, make_user, make_session, axe_check, sign_in_through_page, release
):
    trainer = make_user(role="trainer", email="trainer2@example.org")
    delegate = make_user(email="delegate@example.org", name="Dee Legate")
    started = make_session(starts_in=-timedelta(hours=1), hours=3, trainers=[trainer])
    db.session.add(Booking(session=started, user=delegate, status="confirmed"))
    db.session.commit()
    email, register_path = trainer.email, f"/trainer/sessions/{started.id}/register"
    release()

    sign_in_through_page(page, email)
    page.goto(register_path)
    page.get_by_role("button", name="Save register").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Mark at least one delegate as attended or did not attend")
    expect(page).to_have_title(re.compile("^Error: "))
    axe_check(page, "the register with an error")
