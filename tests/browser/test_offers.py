"""Waiting-list offers and a full session's other dates in a real browser; every page visited passes axe."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.bookings.promotion import make_offer_token
from training_app.bookings.services import book_place, cancel_booking
from training_app.models import Booking


def offered_place(db, make_user, make_course, make_session, email):
    """A session 7 days away whose one place has just been offered to the person with `email`."""
    course = make_course(title="Neglect: Recognition and Response", owner="SSCP")
    course_session = make_session(course=course, starts_in=timedelta(days=7), capacity=1, venue="Civic Centre")
    holder, person = make_user(), make_user(email=email, name="Wendy Waiting")
    held = book_place(holder, course_session.id).booking
    waiting = book_place(person, course_session.id).booking
    db.session.commit()
    cancel_booking(holder, held)
    db.session.commit()
    assert waiting.status == "offered"
    return course, course_session, waiting


def test_accepting_an_offer_in_my_training(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    course, course_session, waiting = offered_place(db, make_user, make_course, make_session, "wendy@example.org")
    title, booking_id, session_id = course.title, waiting.id, course_session.id
    release()

    sign_in_through_page(page, "wendy@example.org")
    page.goto("/my-training")
    offers = page.get_by_role("table", name="Places held for you from a waiting list")
    row = offers.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Offered a place")
    expect(row).to_contain_text(re.compile(r"Accept by \w+day \d+ \w+ \d{4}, \d+:\d\d[ap]m"))
    axe_check(page, "My training with an offer")

    row.get_by_role("button", name=f"Accept the place on {title}").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"You have accepted the place on {title}")
    expect(page.get_by_role("table", name="Places held for you from a waiting list")).to_have_count(0)
    upcoming = page.get_by_role("table", name="Upcoming sessions you are booked on")
    expect(upcoming.get_by_role("row").filter(has_text=title)).to_contain_text("Confirmed")
    axe_check(page, "My training after accepting")

    assert db.session.get(Booking, booking_id).status == "confirmed"
    release()
    page.goto(f"/sessions/{session_id}")
    expect(page.get_by_role("heading", name="You have a place on this session")).to_be_visible()


def test_declining_then_accepting_offers_by_the_emailed_link(
    page, db, make_user, make_course, make_session, axe_check, release
):
    course, course_session, first = offered_place(db, make_user, make_course, make_session, "first@example.org")
    second = book_place(make_user(email="second@example.org"), course_session.id).booking
    db.session.commit()
    first_link, second_id, title = f"/offers/{make_offer_token(first)}", second.id, course.title
    release()

    # The link works without signing in: the signed token is the credential.
    page.goto(first_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("A place is free for you")
    expect(page.get_by_role("main")).to_contain_text(title)
    axe_check(page, "the offer page")
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"You have declined the place on {title}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer has ended")
    expect(page.get_by_role("button", name="Accept the place")).to_have_count(0)
    axe_check(page, "the offer page after declining")

    second = db.session.get(Booking, second_id)
    assert second.status == "offered"
    second_link = f"/offers/{make_offer_token(second)}"
    release()
    page.goto(second_link)
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"You have accepted the place on {title}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have a place on this session")
    axe_check(page, "the offer page after accepting")
    assert db.session.get(Booking, second_id).status == "confirmed"
    release()


def test_full_session_lists_other_dates_before_the_waiting_list(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    course = make_course(title="Child Sexual Exploitation", owner="HSCP", level=3)
    full = make_session(course=course, starts_in=timedelta(days=10), capacity=1)
    later = make_session(course=course, starts_in=timedelta(days=40), capacity=25, venue="Ashburton Hall")
    book_place(make_user(), full.id)
    make_user(email="reader@example.org")
    db.session.commit()
    full_path, later_id = f"/sessions/{full.id}", later.id
    release()

    sign_in_through_page(page, "reader@example.org")
    page.goto(full_path)
    other = page.get_by_role("heading", name="Other dates with places")
    expect(other).to_be_visible()
    listed = page.locator("ul.govuk-list--bullet").filter(has_text="Ashburton Hall")
    expect(listed).to_contain_text("25 places left")
    # The other dates come before the waiting list; asking to hear of new dates comes last.
    assert page.get_by_role("main").locator("h2").all_inner_texts() == [
        "Other dates with places",
        "Join the waiting list",
        "New dates",
    ]
    axe_check(page, "a full session with other dates")

    listed.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{later_id}$"))
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your place is booked")

    # One place per course: the full date now offers a change instead of its waiting list.
    page.goto(full_path)
    expect(page.get_by_text("You already have a place on this course on")).to_be_visible()
    expect(page.get_by_role("button", name="Join the waiting list")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Change your booking"))).to_be_visible()
    axe_check(page, "a full session when already booked on the course")
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == later_id)).all()
    assert [b.status for b in bookings] == ["confirmed"]
    release()
