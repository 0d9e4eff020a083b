"""The Help page and the contact-details admin page in a real browser; every state passes axe (WCAG 2.2 AA)."""

from playwright.sync_api import expect


def test_help_page_answers_the_common_questions_and_lists_the_teams(page, db, partnerships, axe_check, release):
    iow = partnerships["IOWSCP"]
    iow.contact_email, iow.contact_phone, iow.opening_hours = (
        "iowscp.training@example.org",
        "01632 960 202",
        "Monday to Thursday, 9am to 4:30pm",
    )
    release()

    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Help")
    for heading in ("Cancelling a booking", "Waiting lists", "Evaluations", "Calendars", "Contact a training team"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    teams = page.get_by_role("table", name="Training teams")
    expect(teams.get_by_role("row")).to_have_count(5)  # the header and four partnerships
    iow_row = teams.get_by_role("row", name="Isle of Wight Safeguarding Children Partnership (IOWSCP)")
    expect(iow_row.get_by_role("link", name="iowscp.training@example.org")).to_have_attribute(
        "href", "mailto:iowscp.training@example.org"
    )
    expect(iow_row).to_contain_text("Monday to Thursday, 9am to 4:30pm")
    # The contents list jumps to its section.
    page.get_by_role("link", name="Waiting lists").click()
    expect(page).to_have_url(page.url.split("#")[0] + "#waiting-lists")
    axe_check(page, "the Help page")


def test_partnership_admin_edits_their_contact_details(page, db, make_user, axe_check, sign_in_through_page, release):
    admin = make_user(role="partnership_admin", partnership="IOWSCP", email="admin@example.org")
    partnership_id = admin.partnership_id
    release()

    sign_in_through_page(page, "admin@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="IOWSCP training team contact details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training team contact details")
    expect(page.get_by_text("No contact details yet")).to_be_visible()
    axe_check(page, "the contact-details page")

    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Telephone number (optional)").fill("call us")
    page.get_by_role("button", name="Save contact details").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter an email address in the correct format")
    expect(summary).to_contain_text("Enter a telephone number")
    axe_check(page, "the contact-details page with errors")

    page.get_by_label("Email address").fill("iowscp.training@example.org")
    page.get_by_label("Telephone number (optional)").fill("01632 960 202")
    page.get_by_label("Opening hours (optional)").fill("Monday to Thursday, 9am to 4:30pm")
    page.get_by_role("button", name="Save contact details").click()
    expect(page.get_by_text("Contact details saved.")).to_be_visible()
    assert page.url.endswith(f"/admin/partnerships/{partnership_id}/contact")
    footer = page.locator("#footer-contact")
    expect(footer).to_contain_text("Isle of Wight Safeguarding Children Partnership")
    expect(footer.get_by_role("link", name="iowscp.training@example.org")).to_be_visible()
    expect(footer).to_contain_text("(Monday to Thursday, 9am to 4:30pm)")
    axe_check(page, "the contact-details page after saving")
