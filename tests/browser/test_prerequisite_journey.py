"""Someone without the level a course needs is told before they press anything, records the level
they did elsewhere, comes back to the session and books it. Every page passes axe."""

import re
from datetime import timedelta

from playwright.sync_api import expect


def test_person_without_level_2_records_it_and_returns_to_book(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    person = make_user(email="newcomer@example.org", name="Nia Newcomer")
    course = make_course(title="Working Together: Level 3", level=3, prerequisite_min_level=2)
    level_3 = make_session(course=course, starts_in=timedelta(days=20), capacity=10)
    make_course(title="Safeguarding Children: Level 2 Foundations", level=2)
    email, path = person.email, f"/sessions/{level_3.id}"
    release()

    page.goto(path)
    sign_in_through_page(page, email)  # from the "Sign in" link's page, back to the session
    page.goto(path)
    expect(page.get_by_role("heading", name="Before you can book")).to_be_visible()
    expect(page.get_by_role("button", name="Book a place")).to_have_count(0)
    axe_check(page, "a session the person cannot book yet")

    page.get_by_role("link", name="find Level 2 courses").click()
    expect(page.get_by_role("main")).to_contain_text("Safeguarding Children: Level 2 Foundations")
    page.go_back()

    page.get_by_role("link", name="record it on your account").click()
    axe_check(page, "the account page, come from a session")
    page.get_by_label(re.compile("Highest safeguarding children training level")).select_option(label="Level 2")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(f"{page.url.split('/sessions/')[0]}{path}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your details have been saved.")
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("main")).to_contain_text("You have a place on this session")
    axe_check(page, "booked after recording the level")
