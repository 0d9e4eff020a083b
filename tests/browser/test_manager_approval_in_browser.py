"""Manager approval in a real browser: a delegate without a line manager names one while booking, sees
the place held on My training; the manager, signed out, declines without a reason (an error), then
approves by the emailed link. Every page visited passes axe."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.models import Booking, OutboxMessage


def test_delegate_names_a_manager_at_booking_and_the_manager_approves_by_link(
    page, browser, base_url, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    course = make_course(title="Designated safeguarding lead refresher", requires_manager_approval=True)
    course_session = make_session(course=course, starts_in=timedelta(days=20), capacity=4)
    make_user(email="dee@school.example", name="Dee Lead")
    session_id, title = course_session.id, course.title
    release()

    sign_in_through_page(page, "dee@school.example")
    page.goto(f"/sessions/{session_id}")
    expect(page.locator("#manager-approval")).to_contain_text("This course needs your line manager's approval")
    axe_check(page, "the session page asking for the line manager")
    page.get_by_label("Line manager's name").fill("Sam Head")
    page.get_by_label("Line manager's work email address").fill("sam@school.example")
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("We have asked Sam Head to approve your booking")

    page.goto("/my-training")
    row = (
        page.get_by_role("table", name="Upcoming sessions you are booked on").get_by_role("row").filter(has_text=title)
    )
    expect(row).to_contain_text("Awaiting approval")
    expect(row).to_contain_text("while Sam Head approves or declines this booking")
    axe_check(page, "My training with a place awaiting approval")

    page.goto("/account")
    expect(page.locator("#line-manager + p")).to_contain_text("Sam Head (sam@school.example)")
    page.get_by_role("link", name="Change your line manager").click()
    expect(page.get_by_label("Line manager's name")).to_have_value("Sam Head")
    axe_check(page, "the line manager page")

    release()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "sam@school.example")).one()
    path = re.search(r"https?://[^/\s]+(/approvals/\S+)", message.body_text).group(1)
    release()

    # The manager has no account: a fresh browser context, signed out.
    manager = browser.new_context(base_url=base_url)
    try:
        manager_page = manager.new_page()
        manager_page.goto(path)
        expect(manager_page.get_by_role("heading", name="Do you approve this booking?", level=1)).to_be_visible()
        expect(manager_page.locator(".govuk-summary-list")).to_contain_text("Dee Lead")
        reason = manager_page.get_by_label("Reason (sent to Dee Lead)")
        expect(reason).to_be_hidden()
        axe_check(manager_page, "the manager's approval page")
        manager_page.get_by_label("No, decline it").check()
        expect(reason).to_be_visible()
        manager_page.get_by_role("button", name="Send your answer").click()
        expect(manager_page.locator(".govuk-error-summary")).to_contain_text("Enter the reason you are declining")
        axe_check(manager_page, "the manager's approval page with an error")
        manager_page.get_by_label("Yes, approve the booking").check()
        manager_page.get_by_role("button", name="Send your answer").click()
        expect(manager_page.get_by_role("alert", name="Success")).to_contain_text("You approved Dee Lead's place")
        expect(manager_page.locator(".govuk-inset-text")).to_contain_text("This booking is approved")
        axe_check(manager_page, "the manager's page after approving")
    finally:
        manager.close()

    assert db.session.scalars(select(Booking.status)).one() == "confirmed"
