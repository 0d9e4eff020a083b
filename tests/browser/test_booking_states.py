"""My training tells the truth about every booking, and the team cancels a delegate with a reason
(issue 13), in a real browser; every page visited passes axe, and My training fits a 375px phone."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.bookings.services import book_place
from training_app.bookings.sessions import postpone_session
from training_app.bookings.team_changes import move_booking
from training_app.models import AuditEvent, Booking, OutboxMessage

REASON = "This course is for designated safeguarding leads only"


OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Set through the CSSOM: the Content-Security-Policy refuses style attributes.
WIDE = """() => {
    const wide = document.createElement('div');
    wide.style.width = '600px';
    wide.style.height = '1px';  // an empty box does not count as overflow
    document.querySelector('main').append(wide);
}"""


def no_sideways_scrolling(page):
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_team_cancels_a_delegate_with_a_reason_and_my_training_tells_the_truth(
    browser, base_url, page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    delegate = make_user(email="dsl@example.org", name="Dana Delegate")
    admin = make_user("partnership_admin", partnership="HSCP", email="team@example.org", name="Hana HSCP")
    postponed = make_session(
        course=make_course(title="Neglect: recognising and responding to children's needs"), starts_in=timedelta(days=9)
    )
    moved_from = make_session(
        course=make_course(title="Child exploitation and contextual safeguarding"), starts_in=timedelta(days=12)
    )
    moved_to = make_session(course=moved_from.course, starts_in=timedelta(days=40))
    cancelled = make_session(
        course=make_course(title="Designated safeguarding lead refresher"), starts_in=timedelta(days=20)
    )
    for course_session in (postponed, moved_from, cancelled):
        book_place(delegate, course_session.id)
    db.session.commit()
    postpone_session(admin, postponed, "The trainer is unwell")
    move_booking(
        admin, db.session.scalars(select(Booking).where(Booking.session_id == moved_from.id)).one(), moved_to.id
    )
    db.session.commit()
    target = db.session.scalars(select(Booking).where(Booking.session_id == cancelled.id)).one()
    target_id, cancelled_id, admin_email, delegate_email = target.id, cancelled.id, admin.email, delegate.email
    release()

    # The team: the bookings page links to a confirmation page, which insists on a reason.
    sign_in_through_page(page, admin_email)
    page.goto(f"/admin/sessions/{cancelled_id}/bookings")
    page.get_by_role("link", name="Cancel Dana Delegate's booking").click()
    expect(page).to_have_url(re.compile(rf"/admin/bookings/{target_id}/cancel$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel Dana Delegate's booking?")
    axe_check(page, "the cancel-a-delegate confirmation page")
    page.get_by_role("button", name="Cancel the booking and tell the delegate").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason, which is sent to the delegate")
    axe_check(page, "the confirmation page with an error")
    assert db.session.get(Booking, target_id).status == "confirmed"
    release()

    page.get_by_label("Reason (sent to the delegate)").fill(REASON)
    page.get_by_role("button", name="Cancel the booking and tell the delegate").click()
    expect(page).to_have_url(re.compile(rf"/admin/sessions/{cancelled_id}/bookings$"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text("cancelled and they have been told why")
    expect(page.get_by_role("table", name=re.compile("^Cancellations"))).to_contain_text(f"Reason: {REASON}")
    axe_check(page, "the session's bookings after the cancellation")
    booking = db.session.get(Booking, target_id)
    assert (booking.status, booking.cancel_reason) == ("cancelled", REASON)
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == target_id).order_by(AuditEvent.id)
    ).all()
    assert audit[-1].details["reason"] == REASON
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == delegate_email).order_by(OutboxMessage.id.desc())
    ).first()
    assert f"Their reason: {REASON}" in email.body_text
    release()

    # The delegate, on a phone: every booking says what is true now.
    phone = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 812})
    try:
        mobile = phone.new_page()
        sign_in_through_page(mobile, delegate_email)
        mobile.goto("/my-training")
        upcoming = mobile.get_by_role("table", name="Upcoming sessions you are booked on")
        postponed_row = upcoming.get_by_role("row").filter(has_text="Neglect")
        expect(postponed_row).to_contain_text("Postponed")
        expect(postponed_row).to_contain_text("Postponed: new date to follow")
        expect(postponed_row).not_to_contain_text("Confirmed")
        moved_row = upcoming.get_by_role("row").filter(has_text="Child exploitation")
        expect(moved_row).to_contain_text("Confirmed")
        cancelled_list = mobile.get_by_role("heading", name="Cancelled").locator("xpath=following-sibling::ul[1]")
        expect(cancelled_list.get_by_role("listitem").filter(has_text="Child exploitation")).to_contain_text(
            "Moved by the training team to"
        )
        expect(cancelled_list.get_by_role("listitem").filter(has_text="lead refresher")).to_contain_text(
            f"Cancelled by the training team: {REASON}"
        )
        axe_check(mobile, "My training at 375px")
        no_sideways_scrolling(mobile)
        # The check can fail: anything wider than the phone makes the page scroll sideways.
        mobile.evaluate(WIDE)
        assert mobile.evaluate(OVERFLOW) > 0
    finally:
        phone.close()
