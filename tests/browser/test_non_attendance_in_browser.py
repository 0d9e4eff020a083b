"""Non-attendance in a real browser: the delegate, not signed in, gives their reason by the emailed link;
the admin sets a charge and reads the report. Every page passes axe."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.bookings.attendance import record_attendance
from training_app.models import Booking, BookingStatus, OutboxMessage


def test_reason_by_link_then_settings_and_report(
    page, db, make_user, make_session, axe_check, sign_in_through_page, release
):
    trainer = make_user(role="trainer", name="Tariq Trainer")
    make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    person = make_user(name="Dee Absent", email="dee@school.example")
    course_session = make_session(starts_in=-timedelta(hours=3), hours=2, trainers=[trainer])
    booking = Booking(session=course_session, user=person, status=BookingStatus.CONFIRMED, agency=person.agency)
    db.session.add(booking)
    db.session.commit()
    record_attendance(trainer, course_session, {booking.id: BookingStatus.NO_SHOW})
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "dee@school.example")).one()
    path = re.search(r"https?://[^/\s]+(/no-show/\S+)", message.body_text).group(1)
    release()

    page.goto(path)
    expect(page.get_by_role("heading", name="Why could you not attend?", level=1)).to_be_visible()
    axe_check(page, "the no-show reason form")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us why you could not attend")
    axe_check(page, "the no-show reason form with an error")
    page.get_by_label("Why could you not attend?").fill("A child protection conference was called at short notice")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("The training team will read your reason")
    expect(page.locator(".govuk-inset-text")).to_contain_text("A child protection conference")
    axe_check(page, "the no-show reason form after answering")

    sign_in_through_page(page, "hscp@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="non-attendance and line manager settings").click()
    axe_check(page, "the non-attendance settings")
    page.get_by_label("Charge for a no-show (optional)").fill("25")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Settings saved.")

    page.goto("/reports/")
    page.get_by_role("link", name="Non-attendance").click()
    expect(page.locator("#totals [data-figure=no_shows]")).to_have_text("1")
    expect(page.locator("#totals [data-figure=amount]")).to_have_text("£25.00")
    expect(page.locator("#reasons")).to_contain_text("A child protection conference was called at short notice")
    axe_check(page, "the non-attendance report")
