"""An agency training lead in a real browser: a system admin appoints them to two organisations; the lead
lands on their staff list, opens a person, books them onto a session, and approves a booking waiting for
a manager. Every page visited passes axe."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.bookings.services import book_place
from training_app.models import Booking


def test_lead_is_appointed_then_sees_books_and_approves_for_their_staff(
    page,
    browser,
    base_url,
    db,
    make_user,
    make_agency,
    make_course,
    make_session,
    system_admin,
    axe_check,
    sign_in_through_page,
    release,
    partnerships,
):
    school = make_agency("Portsmouth Primary School", "Education", partnerships["PSCP"])
    other = make_agency("Southampton Nursery", "Early years", partnerships["SSCP"])
    make_agency("Portsmouth Sixth Form", "Education", partnerships["PSCP"])
    lead = make_user(name="Lee Lead", email="lee@school.example", agency=school)
    ann = make_user(name="Ann Able", agency=school, manager_name="Sam Head", manager_email="sam@school.example")
    make_user(name="Cat Carer", agency=other)
    needs_approval = make_course(title="DSL refresher", requires_manager_approval=True)
    held = book_place(ann, make_session(course=needs_approval, starts_in=timedelta(days=20)).id).booking
    open_session = make_session(course=make_course(title="Working Together"), starts_in=timedelta(days=10))
    db.session.commit()
    lead_id, ann_id, held_id, admin_email = lead.id, ann.id, held.id, system_admin.email
    open_label = "Working Together"
    release()

    # The system admin appoints Lee to lead the school's training.
    sign_in_through_page(page, admin_email)
    page.goto(f"/admin/users/{lead_id}")
    page.get_by_role("button", name="Agency training lead").click()
    axe_check(page, "the appoint-a-lead page")
    page.get_by_label("Appoint them to lead an organisation").select_option(label="Portsmouth Primary School")
    page.get_by_role("button", name="Appoint as training lead").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Lee Lead now leads training for")
    expect(page.get_by_role("table", name="Organisations Lee Lead leads")).to_contain_text("Portsmouth Primary School")
    axe_check(page, "the appoint-a-lead page with an appointment")
    page.get_by_label("Appoint them to lead another organisation").select_option(label="Portsmouth Sixth Form")
    page.get_by_role("button", name="Appoint as training lead").click()
    expect(page.get_by_role("table", name="Organisations Lee Lead leads")).to_contain_text("Portsmouth Sixth Form")
    page.context.clear_cookies()

    # Lee lands on the staff list: their school's people only.
    sign_in_through_page(page, "lee@school.example")
    expect(page.get_by_role("heading", name="My organisation's staff", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Staff and their training")
    expect(table).to_contain_text("Ann Able")
    expect(table).not_to_contain_text("Cat Carer")
    axe_check(page, "the lead's staff list")
    page.get_by_label("Organisation", exact=True).select_option(label="Portsmouth Sixth Form")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Nobody with an account works for this organisation yet.")).to_be_visible()
    axe_check(page, "the staff list of one organisation")
    page.get_by_label("Organisation", exact=True).select_option(label="All your organisations")
    page.get_by_role("button", name="Show").click()

    page.get_by_role("link", name="Ann Able", exact=True).click()
    expect(page.get_by_role("table", name="Ann Able's bookings")).to_contain_text("Awaiting approval")
    axe_check(page, "a member of staff's page")

    page.get_by_role("button", name="Book onto a session").click()
    axe_check(page, "booking a member of staff onto a session")
    page.get_by_label("Session").select_option(
        index=[i for i, text in enumerate(page.locator("#session_id option").all_inner_texts()) if open_label in text][
            0
        ]
    )
    page.get_by_role("button", name="Book the place").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Ann Able is booked on, with a place")

    page.get_by_role("link", name="Approve or decline", exact=True).click()
    axe_check(page, "the lead's approvals page")
    page.get_by_role("link", name="Approve or decline Ann Able's booking on DSL refresher").click()
    expect(page.get_by_role("heading", name="Do you approve this booking?", level=1)).to_be_visible()
    axe_check(page, "the lead's approval page")
    page.get_by_label("Yes, approve the booking").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You approved Ann Able's place")
    expect(page.get_by_text("No bookings of your staff are waiting for approval.")).to_be_visible()
    axe_check(page, "the approvals page, emptied")

    statuses = dict(db.session.execute(select(Booking.id, Booking.status).where(Booking.user_id == ann_id)).all())
    release()
    assert statuses[held_id] == "confirmed" and sorted(statuses.values()) == ["confirmed", "confirmed"]
    assert open_session  # booked above
