"""Reference data in a real browser: registering with an organisation that is not listed, and the
organisation and partnership pages of the system administrator. Every page visited passes axe."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app import clock
from training_app.models import Agency, Booking, BookingStatus, OrganisationStatus, User


def test_registering_with_an_organisation_that_is_not_listed(page, db, partnerships, make_agency, axe_check, release):
    make_agency("Isle of Wight NHS Trust", "Health", partnerships["IOWSCP"])
    iowscp = partnerships["IOWSCP"].id
    release()

    page.goto("/register")
    axe_check(page, "the registration page")
    name_field = page.get_by_label("Name of your organisation")
    page.get_by_label("Full name").fill("Morgan Coach")
    page.get_by_label("Organisation", exact=True).select_option(label="My organisation is not listed")
    page.get_by_label("Job role").fill("Youth worker")
    page.get_by_label("Email address").fill("morgan@sailing.example")
    page.get_by_label("Create a password").fill("harbour-violet-kettle")
    page.get_by_role("button", name="Create account").click()
    # No name and no sector: the errors are listed and shown beside the fields; the choice is kept.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the name of your organisation")
    expect(summary).to_contain_text("Select your organisation's sector")
    expect(page.get_by_label("Organisation", exact=True)).to_have_value("not_listed")
    axe_check(page, "the registration page with errors")

    name_field.fill("Cowes Youth Sailing Club")
    page.get_by_label("Sector").select_option("Voluntary and community")
    page.get_by_label("Partnership area").select_option(
        label="Isle of Wight Safeguarding Children Partnership (IOWSCP)"
    )
    page.get_by_label("Create a password").fill("harbour-violet-kettle")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")

    person = db.session.scalars(select(User).where(User.email == "morgan@sailing.example")).one()
    club = person.agency
    assert (club.name, club.status, club.partnership_id, club.requested_by_id) == (
        "Cowes Youth Sailing Club",
        OrganisationStatus.PENDING,
        iowscp,
        person.id,
    )
    release()


def test_system_admin_organisation_and_partnership_pages(
    page, db, partnerships, make_agency, make_user, make_session, axe_check, sign_in_through_page, release
):
    admin = make_user(role="system_admin", email="sysadmin@example.org", name="Sam Admin")
    real = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    dupe = make_agency("Hants Police", "Other", partnerships["HSCP"])
    dupe.status = OrganisationStatus.PENDING
    closed = make_agency("Sure Start Cowes", "Early years", partnerships["IOWSCP"])
    closed.status = OrganisationStatus.RETIRED
    partnerships["SSCP"].retired_at = clock.now()
    past = make_session(starts_in=-timedelta(days=7))
    officers = [make_user(agency=dupe, name=f"Officer {n}") for n in range(2)]
    dupe.requested_by_id = officers[0].id
    db.session.add_all(
        Booking(session=past, user=o, status=BookingStatus.ATTENDED, agency_id=dupe.id, confirmed_at=clock.now())
        for o in officers
    )
    db.session.commit()
    ids = {
        "real": real.id,
        "dupe": dupe.id,
        "closed": closed.id,
        "hscp": partnerships["HSCP"].id,
        "officer": officers[0].id,
    }
    sscp = partnerships["SSCP"].id
    email = admin.email
    release()

    sign_in_through_page(page, email)
    for path in [
        "/admin/organisations",
        "/admin/organisations?status=pending",
        "/admin/organisations?q=police&partnership=HSCP",
        "/admin/organisations/new",
        f"/admin/organisations/{ids['real']}/edit",
        f"/admin/organisations/{ids['dupe']}/approve",
        f"/admin/organisations/{ids['dupe']}/merge",
        f"/admin/organisations/{ids['real']}/retire",
        f"/admin/organisations/{ids['closed']}/reinstate",
        "/admin/partnerships",
        "/admin/partnerships/new",
        f"/admin/partnerships/{ids['hscp']}/edit",
        f"/admin/partnerships/{ids['hscp']}/retire",
        f"/admin/partnerships/{sscp}/reinstate",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        axe_check(page, path)

    # The queue leads to the duplicate; it is merged into the real one after a confirmation with counts.
    page.goto("/admin/organisations")
    page.get_by_role("link", name="Waiting for approval (1)").click()
    row = page.get_by_role("row").filter(has_text="Hants Police")
    expect(row).to_contain_text("Named by Officer 0")
    row.get_by_role("link", name="Merge Hants Police").click()
    page.get_by_label("Merge into").select_option(label="Hampshire Constabulary (Police)")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge Hants Police into Hampshire Constabulary?")
    expect(page.locator("#people-moving")).to_have_text("2")
    expect(page.locator("#bookings-moving")).to_have_text("2")
    axe_check(page, "the merge confirmation")
    page.get_by_role("button", name="Merge organisations").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "‘Hants Police’ has been merged into ‘Hampshire Constabulary’: 2 people and 2 bookings moved."
    )
    axe_check(page, "the organisations list after a merge")

    # A partnership is added through its form; a mistake is shown accessibly first.
    page.goto("/admin/partnerships/new")
    page.get_by_label("Code").fill("W!")
    page.get_by_label("Name").fill("Wessex Safeguarding Children Partnership")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a code of 2 to 10 letters or digits")
    axe_check(page, "the partnership form with an error")
    page.get_by_label("Code").fill("WSCP")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("(WSCP) has been added")

    assert db.session.scalar(select(Booking.agency_id).where(Booking.user_id == ids["officer"])) == ids["real"]
    assert db.session.get(Agency, ids["dupe"]).status == OrganisationStatus.MERGED
    release()
