"""Interest, the demand report, quotes with consent, the cascade and retention in a real browser.
Every new page, and every page that gained a section, passes axe."""

from datetime import timedelta

from playwright.sync_api import expect

from training_app import clock
from training_app.bookings.services import book_place
from training_app.models import Booking, BookingStatus


def test_interest_and_the_demand_report(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    make_user(name="Priya Practitioner", email="priya@example.org")
    make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    waiting = make_course(title="Harmful sexual behaviour")
    full = make_session(capacity=1)
    book_place(make_user(), full.id)
    db.session.commit()
    slug, full_id = waiting.slug, full.id
    release()

    sign_in_through_page(page, "priya@example.org")
    page.goto(f"/courses/{slug}")
    axe_check(page, "a course with no dates, offering to tell me")
    page.get_by_role("button", name="Tell me when dates are available").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("We will email you when Harmful sexual behaviour")
    expect(page.get_by_role("button", name="Stop telling me")).to_be_visible()
    axe_check(page, "a course after asking to be told")
    page.goto(f"/sessions/{full_id}")
    expect(page.get_by_role("button", name="Tell me when dates are available")).to_be_visible()
    axe_check(page, "a full session, offering to tell me")

    page.context.clear_cookies()
    sign_in_through_page(page, "hscp@example.org")
    page.goto("/reports/")
    page.get_by_role("link", name="Interest and unmet demand").click()
    expect(page.locator("#totals [data-figure=interested]")).to_have_text("1")
    expect(page.locator("#totals [data-figure=unmet]")).to_have_text("1")
    axe_check(page, "the demand report")


def test_quotes_cascade_and_retention(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    make_user(role="partnership_admin", partnership="HSCP", email="hscp@example.org", name="Hana Admin")
    person = make_user(name="Dee Trainer", email="dee@example.org")
    course = make_course(title="Train the trainer: neglect", is_trainer_of_trainers=True)
    course_session = make_session(course=course, starts_in=-timedelta(hours=3), hours=2)
    booking = Booking(
        session=course_session,
        user=person,
        status=BookingStatus.ATTENDED,
        agency=person.agency,
        requested_at=clock.now(),
    )
    db.session.add(booking)
    db.session.commit()
    booking_id, course_id = booking.id, course.id
    release()

    sign_in_through_page(page, "dee@example.org")
    page.goto(f"/evaluations/bookings/{booking_id}/post")
    axe_check(page, "the post-course evaluation with the consent question")
    for legend in page.locator("fieldset").all():
        legend.locator("input[type=radio]").last.check()
    page.get_by_label("How will you use this learning to impact your practice?").fill("I will run it for my school")
    page.get_by_label("You may quote my comments anonymously").check()
    page.get_by_role("button", name="Submit your answers").click()
    page.goto("/my-training")
    page.get_by_role("link", name="Record training you have run").click()
    axe_check(page, "the onward delivery page")
    page.get_by_role("button", name="Record this training").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date you ran the training")
    axe_check(page, "the onward delivery page with errors")
    page.get_by_label("Date you ran it").fill(clock.to_london(clock.now()).strftime("%d/%m/%Y"))
    page.get_by_label("Sessions you ran").fill("2")
    page.get_by_label("People who attended").fill("31")
    page.get_by_label("Organisation or team you trained").fill("Fareham schools")
    page.get_by_role("button", name="Record this training").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("the training you ran is recorded")
    expect(page.locator("#deliveries")).to_contain_text("Fareham schools")
    axe_check(page, "the onward delivery page with a record")

    page.context.clear_cookies()
    sign_in_through_page(page, "hscp@example.org")
    page.goto("/reports/")
    page.get_by_role("link", name="Quotes for the annual pack").click()
    expect(page.locator("#quote-candidates")).to_contain_text("I will run it for my school")
    axe_check(page, "the quotes page")
    page.get_by_role("button", name="Put in the pack").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Quote added to the pack")
    axe_check(page, "the quotes page after picking")
    page.goto("/reports/annual")
    expect(page.locator("#quotes")).to_contain_text("I will run it for my school")
    expect(page.locator("#cascade [data-figure=cascade_people]")).to_have_text("31")
    axe_check(page, "the annual pack with quotes and cascade")
    page.goto(f"/evaluations/summary?course={course_id}")
    expect(page.locator("#retention")).to_be_visible()
    axe_check(page, "the evaluation summary with retention")
