"""A weekly series in one form, then a copy of one of its sessions, in a real browser with axe."""

from sqlalchemy import select

from training_app.models import CourseSession, Venue


def fill_date(page, group, day, month, year):
    fields = page.get_by_role("group", name=group, exact=True)
    fields.get_by_label("Day").fill(str(day))
    fields.get_by_label("Month").fill(str(month))
    fields.get_by_label("Year").fill(str(year))


def test_admin_schedules_a_term_of_wednesdays_then_copies_one(
    page, db, make_user, make_course, axe_check, sign_in_through_page, release
):
    admin = make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    course = make_course(title="Neglect workshop", owner="HSCP")
    db.session.add(Venue(name="Civic Offices", address="Guildhall Square\nPortsmouth", postcode="PO1 2AL"))
    db.session.commit()
    email, course_id = admin.email, course.id
    release()

    sign_in_through_page(page, email)
    page.goto(f"/admin/courses/{course_id}/sessions")
    page.get_by_role("button", name="Schedule a session").click()
    page.wait_for_url(f"**/admin/courses/{course_id}/sessions/new")
    last_date = page.get_by_role("group", name="Date of the last session")
    assert page.get_by_label("No, just this date").is_checked() and not last_date.is_visible()
    page.get_by_label("Yes, schedule a series").check()
    assert last_date.is_visible() and page.get_by_label("How often").is_visible()
    axe_check(page, "the session form with the series revealed")

    fill_date(page, "Date", 9, 1, 2030)  # a Wednesday
    page.get_by_label("Start time").fill("13:30")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("In person at a venue").check()
    page.get_by_label("Venue", exact=True).select_option(label="Civic Offices, Portsmouth")
    page.get_by_label("Capacity").fill("18")
    fill_date(page, "Date of the last session", 2, 1, 2030)
    page.get_by_role("button", name="Save session").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "The last session must be after the first" in page.inner_text(".govuk-error-summary")
    assert last_date.is_visible()  # the series stays open to correct
    axe_check(page, "the series form with an error")

    fill_date(page, "Date of the last session", 30, 1, 2030)
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/admin/courses/{course_id}/sessions")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "4 sessions have been scheduled, from Wednesday 9 January 2030 to Wednesday 30 January 2030." in banner
    assert page.get_by_role("link", name="Copy the session on").count() == 4
    axe_check(page, "the course's sessions with copy links")

    page.get_by_role("link", name="Copy the session on").first.click()
    page.wait_for_url("**/copy")
    assert page.get_by_role("heading", name="Copy a session").is_visible()
    assert page.get_by_label("Capacity").input_value() == "18"
    assert page.get_by_label("Start time").input_value() == "13:30"
    axe_check(page, "the copy form")
    fill_date(page, "Date", 6, 2, 2030)
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/admin/courses/{course_id}/sessions")
    assert "The session has been scheduled." in page.locator(".govuk-notification-banner").inner_text()

    release()
    made = db.session.scalars(select(CourseSession).order_by(CourseSession.starts_at)).all()
    assert [s.starts_at.day for s in made] == [9, 16, 23, 30, 6]
    assert {(s.capacity, s.venue.name) for s in made} == {(18, "Civic Offices")}
