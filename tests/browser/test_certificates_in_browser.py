"""Certificates in a real browser: attend, evaluate, download from My training, check the code on the
public page; a course that waits for the evaluation shows why there is no certificate yet. Every page
visited passes axe."""

import io
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from training_app.models import Booking, Certificate, CertificateRelease


def attended_booking(db, make_user, make_course, make_session, email, name, release):
    course = make_course(
        title=f"Child Neglect ({release.value})",
        learning_outcomes=["Recognise the signs of neglect", "Use the neglect toolkit"],
        certificate_release=release,
    )
    course_session = make_session(course=course, starts_in=timedelta(days=-2), hours=3)
    person = make_user(email=email, name=name)
    booking = Booking(session=course_session, user=person, status="attended", agency=person.agency)
    db.session.add(booking)
    db.session.commit()
    return course.title, booking.id


def answer_post_course_evaluation(page):
    for group in page.locator("fieldset.govuk-fieldset").all():
        if group.locator("input[type=radio]").count():
            group.locator("input[type=radio]").last.check()
    page.get_by_role("button", name="Submit your answers").click()
    page.wait_for_load_state()


def test_attend_evaluate_download_and_verify(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    title, booking_id = attended_booking(
        db, make_user, make_course, make_session, "priya@example.org", "Priya Kaur", CertificateRelease.AFTER_EVALUATION
    )
    release()

    sign_in_through_page(page, "priya@example.org")
    page.goto("/my-training")
    record = page.get_by_role("table", name="Your training record")
    row = record.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("to get your certificate")
    expect(row.get_by_role("link", name="Download certificate")).to_have_count(0)
    axe_check(page, "My training before the evaluation")

    row.get_by_role("link", name=f"Complete the post-course evaluation for {title}").click()
    answer_post_course_evaluation(page)
    page.goto("/my-training")
    row = page.get_by_role("table", name="Your training record").get_by_role("row").filter(has_text=title)
    link = row.get_by_role("link", name=f"Download certificate for {title} (PDF)")
    expect(link).to_be_visible()
    axe_check(page, "My training with a certificate")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    code = db.session.scalars(select(Certificate.code).where(Certificate.booking_id == booking_id)).one()
    release()
    assert "Priya Kaur" in text and title in text and code in text

    page.goto("/certificates/verify")
    axe_check(page, "the verification page")
    page.get_by_label("Verification code").fill(code.lower())
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("heading", name="This certificate is genuine")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(title)
    expect(main).to_contain_text("P. K.")
    expect(main).not_to_contain_text("Priya")
    axe_check(page, "the verification page with a result")

    page.get_by_label("Verification code").fill("2222-3333-4444-5555")
    page.get_by_role("button", name="Check certificate").click()
    expect(main).to_contain_text("We could not find a certificate with the code 2222-3333-4444-5555")
    axe_check(page, "the verification page with an unknown code")

    page.get_by_label("Verification code").fill("")
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the verification code")
    axe_check(page, "the verification page with an error")


def test_after_evaluation_course_keeps_the_certificate_until_evaluated(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    title, booking_id = attended_booking(
        db, make_user, make_course, make_session, "sam@example.org", "Sam Second", CertificateRelease.AFTER_EVALUATION
    )
    release()
    sign_in_through_page(page, "sam@example.org")
    page.goto(f"/bookings/{booking_id}/certificate.pdf")
    expect(page.get_by_role("heading", level=1)).to_have_text("The certificate is not available yet")
    expect(page.get_by_role("main")).to_contain_text("Complete the post-course evaluation to get your certificate")
    axe_check(page, "the certificate not available page")
    page.get_by_role("button", name="Complete the post-course evaluation").click()
    answer_post_course_evaluation(page)
    with page.expect_download() as download_info:
        page.goto("/my-training")
        page.get_by_role("link", name=f"Download certificate for {title} (PDF)").click()
    assert download_info.value.suggested_filename.startswith("certificate-")
