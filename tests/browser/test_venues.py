"""Venues in a real browser: the admin pages pass axe (empty, with errors, with a warning), the session
form's "in person or online" radios reveal the right fields, and a room too small is refused there."""

from datetime import timedelta

from sqlalchemy import select

from training_app.models import CourseSession, Venue


def test_admin_adds_and_edits_a_venue(page, db, make_user, make_session, axe_check, sign_in_through_page, release):
    admin = make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    email = admin.email
    release()

    sign_in_through_page(page, email)
    page.goto("/admin/venues")
    axe_check(page, "the empty venue list")
    page.get_by_role("button", name="Add a venue").click()
    page.wait_for_url("**/admin/venues/new")
    axe_check(page, "the new venue form")

    page.get_by_label("Name").fill("Castle Hill Training Suite")
    page.get_by_label("Postcode").fill("so23")
    page.get_by_role("button", name="Save venue").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter the address" in page.inner_text(".govuk-error-summary")
    assert "Enter a real postcode, like SO14 7LY" in page.inner_text(".govuk-error-summary")
    axe_check(page, "the venue form with errors")

    page.get_by_label("Address").fill("The Castle\nWinchester")
    page.get_by_label("Postcode").fill("so23 8uj")
    page.get_by_label("Room capacity").fill("20")
    page.get_by_label("Accessibility (optional)").fill("Step-free entrance from Castle Avenue")
    page.get_by_role("button", name="Save venue").click()
    page.wait_for_url("**/admin/venues")
    row = page.get_by_role("row", name="Castle Hill Training Suite, Winchester")
    assert "SO23 8UJ" in row.inner_text() and "20" in row.inner_text()
    axe_check(page, "the venue list")

    venue = db.session.query(Venue).one()
    venue_id = venue.id
    make_session(venue=venue, capacity=20, starts_in=timedelta(days=30))
    release()
    page.goto(f"/admin/venues/{venue_id}/edit")
    page.get_by_label("Room capacity").fill("16")
    page.get_by_role("button", name="Save venue").click()
    page.wait_for_url(f"**/admin/venues/{venue_id}/edit")
    assert "1 upcoming session has more places than the room holds (16)" in page.inner_text("main")
    axe_check(page, "the venue form warning about a smaller room")


def test_session_form_reveals_venue_or_online_and_refuses_a_small_room(
    page, db, make_user, make_course, axe_check, sign_in_through_page, release
):
    admin = make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    course = make_course(title="Working Together", owner="HSCP")
    db.session.add(
        Venue(name="Civic Offices", address="Guildhall Square\nPortsmouth", postcode="PO1 2AL", room_capacity=12)
    )
    db.session.commit()
    email, course_id = admin.email, course.id
    release()

    sign_in_through_page(page, email)
    page.goto(f"/admin/courses/{course_id}/sessions/new")
    venue_select = page.get_by_label("Venue", exact=True)
    platform = page.get_by_label("Online platform")
    assert not venue_select.is_visible() and not platform.is_visible()
    page.get_by_label("Online", exact=True).check()
    assert platform.is_visible() and not venue_select.is_visible()
    page.get_by_label("In person at a venue").check()
    assert venue_select.is_visible() and not platform.is_visible()
    axe_check(page, "the session form, in person")

    date = page.get_by_role("group", name="Date", exact=True)
    date.get_by_label("Day").fill("15")
    date.get_by_label("Month").fill("6")
    date.get_by_label("Year").fill("2030")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("12:30")
    venue_select.select_option(label="Civic Offices, Portsmouth (room for 12)")
    page.get_by_label("Capacity").fill("20")
    page.get_by_role("button", name="Save session").click()
    page.locator(".govuk-error-summary").wait_for()
    message = "The room at Civic Offices holds 12 people. Enter 12 or fewer places"
    assert message in page.inner_text(".govuk-error-summary")
    assert message in page.inner_text("#capacity-error")
    assert page.get_by_label("Venue", exact=True).is_visible()  # the chosen kind stays open
    axe_check(page, "the session form with the room refusal")

    page.get_by_label("Capacity").fill("12")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/admin/courses/{course_id}/sessions")
    assert "Civic Offices, Portsmouth" in page.inner_text("main")  # the list shows the short label

    session_id = db.session.scalars(select(CourseSession.id)).one()
    release()
    page.goto(f"/sessions/{session_id}")
    where = page.locator(".govuk-summary-list__row", has_text="Where").inner_text()
    assert "Civic Offices\nGuildhall Square\nPortsmouth\nPO1 2AL" in where
    assert page.get_by_role("link", name="View on a map (Civic Offices)").get_attribute("href").endswith("PO1+2AL")
    axe_check(page, "the session page with its venue")


def test_only_the_govuk_reveal_radios_aria_expanded_is_let_through(page, axe_violations):
    """The axe helper's one exception stays narrow: other ARIA on a reveal radio is still reported."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>Where</h1><fieldset><legend>Where?</legend>'
        '<input class="govuk-radios__input" id="a" name="k" type="radio" aria-controls="c" aria-expanded="true">'
        '<label for="a">A</label><div id="c">x</div>'
        '<input class="govuk-radios__input" id="b" name="k" type="radio" aria-controls="c" aria-pressed="true">'
        '<label for="b">B</label></fieldset></main></body></html>'
    )
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["aria-allowed-attr"]
    assert [node["target"] for node in violations[0]["nodes"]] == [["#b"]]
