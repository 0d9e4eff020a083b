"""Case reviews, suites, the traceability report and the annual pack's downloads (issue 16), in a real
browser: an administrator records a review, links a course, edits and deletes a recommendation and
finally deletes the review through the pages; every page visited passes axe."""

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from training_app.models import Booking
from training_app.models.reviews import CaseReview


def test_admin_records_a_review_and_reads_its_traceability(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    admin = make_user("partnership_admin", partnership="HSCP", email="team@example.org", name="Hana HSCP")
    delegate = make_user(email="dsl@example.org", name="Dana Delegate")
    course = make_course(title="Neglect: recognising and responding", learning_outcomes=["Recognise", "Respond"])
    make_course(title="Exploitation")
    past = make_session(course=course, starts_in=-timedelta(days=20), status="completed")
    db.session.add(Booking(session=past, user=delegate, status="attended", agency=delegate.agency))
    db.session.commit()
    course_slug, admin_email = course.slug, admin.email
    release()

    sign_in_through_page(page, admin_email)
    page.goto("/admin/reviews")
    axe_check(page, "the reviews list")
    page.get_by_role("button", name="Add a review").click()
    axe_check(page, "the new review form")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the title")
    axe_check(page, "the review form with errors")
    page.get_by_label("Local child safeguarding practice review (LCSPR)").check()
    page.get_by_label("Title").fill("Child D")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill(str(datetime.now().year - 1))
    page.get_by_label("Public: course pages name this review").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child D")
    page.get_by_label("Recommendation 1").fill("Train practitioners to recognise neglect")
    page.get_by_role("button", name="Add recommendation").click()
    expect(page.get_by_role("heading", name="Recommendation 1")).to_be_visible()
    page.get_by_text("Link a course to recommendation 1").click()
    page.get_by_label("Course").select_option(label="Neglect: recognising and responding")
    page.get_by_label("Learning outcomes (optional)").fill("1")
    page.get_by_role("button", name="Link course").click()
    expect(page.get_by_role("table", name=re.compile("Courses answering recommendation 1"))).to_contain_text(
        "1. Recognise"
    )
    axe_check(page, "the review with a recommendation and a linked course")

    # Edit a recommendation (a bad number first), add a second and delete it after its confirmation page.
    page.get_by_role("link", name="Edit recommendation 1").click()
    axe_check(page, "the recommendation form")
    page.get_by_label("Number").fill("0")
    page.get_by_role("button", name="Save recommendation").click()
    expect(page.get_by_role("alert")).to_contain_text("whole number from 1 to 999")
    axe_check(page, "the recommendation form with errors")
    page.get_by_label("Number").fill("1")
    page.get_by_label("Recommendation", exact=True).fill("Train practitioners to recognise and respond to neglect")
    page.get_by_role("button", name="Save recommendation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child D")
    expect(page.get_by_text("Train practitioners to recognise and respond to neglect")).to_be_visible()
    page.get_by_label("Recommendation 2").fill("Audit referrals")
    page.get_by_role("button", name="Add recommendation").click()
    expect(page.get_by_role("heading", name="Recommendation 2")).to_be_visible()
    page.get_by_role("link", name="Delete recommendation 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete recommendation 2 of Child D")
    axe_check(page, "the recommendation's delete confirmation")
    page.get_by_role("button", name="Delete recommendation 2").click()
    expect(page.get_by_text("Recommendation 2 has been deleted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recommendation 2")).to_have_count(0)
    review_id = db.session.scalars(select(CaseReview.id)).one()
    release()

    page.goto("/reports/reviews")
    axe_check(page, "the traceability list")
    page.get_by_role("link", name="Child D").click()
    expect(page.get_by_role("table", name="Recommendations")).to_contain_text("Train practitioners")
    axe_check(page, "the traceability report")
    page.goto(f"/reports/reviews/{review_id}?print=1")
    axe_check(page, "the printable traceability report")

    page.goto("/admin/suites")
    axe_check(page, "the suites list")
    page.get_by_role("button", name="Add a suite").click()
    page.get_by_label("Name").fill("Neglect")
    page.get_by_label("Neglect: recognising and responding").check()
    axe_check(page, "the suite form")
    page.get_by_role("button", name="Save suite").click()
    expect(page.get_by_role("table")).to_contain_text("Neglect")

    page.goto("/")
    page.get_by_label("Suite").select_option(label="Neglect")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status")).to_have_text("1 course found")
    axe_check(page, "the catalogue filtered by suite")
    page.goto(f"/courses/{course_slug}")
    expect(page.locator("#review-learning")).to_contain_text("Child D")
    axe_check(page, "a course page naming a review")

    page.goto("/reports/annual")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the annual report document (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    axe_check(page, "the annual report page")

    # Delete the review: the confirmation page names the links to courses that go with it.
    page.goto(f"/admin/reviews/{review_id}")
    page.get_by_role("link", name="Delete the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the review Child D")
    expect(page.get_by_role("table", name="Links to courses that will be removed")).to_contain_text(
        "Neglect: recognising and responding"
    )
    axe_check(page, "the review's delete confirmation")
    page.get_by_role("button", name="Delete the review").click()
    expect(page.get_by_text("Child D has been deleted.")).to_be_visible()
    axe_check(page, "the reviews list after a deletion")
