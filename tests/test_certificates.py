"""Certificates of attendance: who earns one and when, the PDF, the public check, re-issue, the list."""

import io
import re
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from support import csrf_from, session_csrf_token
from training_app import clock
from training_app.certificates.codes import ALPHABET, new_code, normalise_code
from training_app.certificates.document import hours_text
from training_app.models import AuditEvent, Booking, Certificate, CertificateRelease
from training_app.security import limiter

NOW = datetime(2027, 3, 10, 12, 0)
POST_ANSWERS = {"outcome_0": "8", "outcome_1": "9", "useful": "5", "trainer": "5", "format": "4"}


@pytest.fixture
def rate_limits():
    """The rate limiter on for one test, with empty counters before and after (as in test_security)."""
    limiter.reset()
    limiter.enabled = True
    yield limiter
    limiter.enabled = False
    limiter.reset()


def pdf_text(data):
    assert data[:5] == b"%PDF-"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text):
    return " ".join(text.split())


@pytest.fixture
def attended(db, frozen_clock, make_user, make_course, make_session):
    """A Hampshire course that ended yesterday (09:30-12:30 London), attended by Priya Kaur; the
    course releases its certificate after the post-course evaluation (the common rule)."""
    frozen_clock(NOW)

    def make(release=CertificateRelease.AFTER_EVALUATION, name="Priya Kaur", status="attended", ends_ago=None):
        course = make_course(
            title="Child Neglect: Recognising and Responding",
            learning_outcomes=["Recognise the signs of neglect", "Use the neglect toolkit"],
            certificate_release=release,
        )
        course_session = make_session(course=course, starts_in=timedelta(days=-1, hours=-2, minutes=-30), hours=3)
        if ends_ago is not None:
            course_session.ends_at = clock.now() - ends_ago
            course_session.starts_at = course_session.ends_at - timedelta(hours=3)
        delegate = make_user(name=name)
        booking = Booking(session=course_session, user=delegate, status=status, agency=delegate.agency)
        db.session.add(booking)
        db.session.commit()
        return booking

    return make


def evaluate(client, booking):
    url = f"/evaluations/bookings/{booking.id}/post"
    html = client.get(url).get_data(as_text=True)
    form_id = re.search(r'name="form_id"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="form_id"', html
    )
    data = {**POST_ANSWERS, "csrf_token": csrf_from(html), "form_id": form_id.group(1) if form_id else "0"}
    assert client.post(url, data=data).status_code == 302


def test_attend_evaluate_download_and_verify(db, client, login, attended):
    booking = attended()
    login(booking.user)
    my = client.get("/my-training").get_data(as_text=True)
    assert "Complete the post-course evaluation" in my
    assert f"/bookings/{booking.id}/certificate.pdf" not in my
    refused = client.get(f"/bookings/{booking.id}/certificate.pdf")
    assert refused.status_code == 200 and refused.mimetype == "text/html"
    assert "Complete the post-course evaluation to get your certificate" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0

    evaluate(client, booking)
    my = client.get("/my-training").get_data(as_text=True)
    assert f"/bookings/{booking.id}/certificate.pdf" in my and "Download certificate" in my

    response = client.get(f"/bookings/{booking.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    certificate = db.session.scalars(select(Certificate)).one()
    text = flat(pdf_text(response.data))
    for expected in (
        "Certificate of attendance",
        "Priya Kaur",
        "Child Neglect: Recognising and Responding",
        "Level 3",
        "Tuesday 9 March 2027",
        "3 hours",
        "Recognise the signs of neglect",
        "Hampshire Safeguarding Children Partnership",
        certificate.code,
        "http://localhost/certificates/verify",
    ):
        assert expected in text, expected

    # Idempotent: the second download is the same certificate, issued (and audited) once.
    again = client.get(f"/bookings/{booking.id}/certificate.pdf")
    assert certificate.code in flat(pdf_text(again.data))
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    issued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issued")).all()
    assert [(e.actor_id, e.target_id) for e in issued] == [(booking.user_id, certificate.id)]

    page = client.get(f"/certificates/verify?code={certificate.code.lower().replace('-', ' ')}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This certificate is genuine" in html
    assert "Child Neglect: Recognising and Responding" in html
    assert "Tuesday 9 March 2027" in html
    assert "P. K." in html
    assert "Priya" not in html and "Kaur" not in html and "neglect toolkit" not in html


def test_course_releasing_at_once_needs_no_evaluation(db, client, login, attended):
    booking = attended(release=CertificateRelease.IMMEDIATE)
    login(booking.user)
    assert "Download certificate" in client.get("/my-training").get_data(as_text=True)
    assert client.get(f"/bookings/{booking.id}/certificate.pdf").mimetype == "application/pdf"


@pytest.mark.parametrize(
    "status, ends_ago, reason",
    [
        ("no_show", None, "Certificates are for sessions the register shows you attended."),
        ("attended", timedelta(minutes=-30), "The certificate is available once the session has ended."),
    ],
)
def test_no_certificate_before_the_end_or_without_attending(db, client, login, attended, status, ends_ago, reason):
    booking = attended(release=CertificateRelease.IMMEDIATE, status=status, ends_ago=ends_ago)
    login(booking.user)
    page = client.get(f"/bookings/{booking.id}/certificate.pdf")
    assert page.mimetype == "text/html" and reason in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_who_may_download_a_certificate(db, client, login, attended, make_user, hscp_admin, iow_admin, system_admin):
    booking = attended(release=CertificateRelease.IMMEDIATE)
    url = f"/bookings/{booking.id}/certificate.pdf"
    assert client.get(url).status_code == 302  # to sign in
    for stranger in (make_user(name="Other Person"), make_user("trainer"), iow_admin):
        login(stranger)
        assert client.get(url).status_code == 403
    for staff in (hscp_admin, system_admin):
        login(staff)
        assert client.get(url).mimetype == "application/pdf"
    assert client.get("/bookings/999999/certificate.pdf").status_code == 404
    # Issued once, by the first who downloaded it (the HSCP admin).
    assert db.session.scalars(select(Certificate)).one().issued_by_id == hscp_admin.id


def test_verification_answers_unknown_malformed_and_empty_codes(client):
    unknown = client.get("/certificates/verify?code=2222-3333-4444-5555")
    assert unknown.status_code == 200
    assert "We could not find a certificate with the code 2222-3333-4444-5555" in unknown.get_data(as_text=True)
    junk = client.get("/certificates/verify?code=%3Cscript%3E' OR 1=1")
    assert junk.status_code == 200 and "We could not find a certificate" in junk.get_data(as_text=True)
    assert "<script>'" not in junk.get_data(as_text=True)
    empty = client.get("/certificates/verify?code=")
    assert empty.status_code == 200
    assert "Enter the verification code printed on the certificate" in empty.get_data(as_text=True)
    assert "govuk-error-summary" in empty.get_data(as_text=True)
    assert client.get("/certificates/verify").status_code == 200


def test_reissue_after_a_correction_replaces_the_old_code(
    db, client, login, post_form, attended, hscp_admin, iow_admin
):
    booking = attended(release=CertificateRelease.IMMEDIATE, name="Priya Kuar")
    login(booking.user)
    client.get(f"/bookings/{booking.id}/certificate.pdf")
    old = db.session.scalars(select(Certificate)).one()
    booking.user.name = "Priya Kaur"  # the team corrects the spelling
    db.session.commit()

    login(iow_admin)
    html = client.get("/admin/certificates").get_data(as_text=True)
    assert old.code not in html  # another partnership's session
    forbidden = client.post(f"/admin/certificates/{old.id}/reissue", data={"csrf_token": session_csrf_token(client)})
    assert forbidden.status_code == 403

    login(hscp_admin)
    response = post_form("/admin/certificates", {}, url=f"/admin/certificates/{old.id}/reissue")
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.scalars(select(Certificate).where(Certificate.replaced_at.is_(None))).one()
    assert new.code != old.code and new.holder_name == "Priya Kaur"
    assert old.replaced_at == NOW and old.replaced_by_id == new.id
    assert "Priya Kaur" in flat(pdf_text(client.get(f"/bookings/{booking.id}/certificate.pdf").data))
    stale = client.get(f"/certificates/verify?code={old.code}").get_data(as_text=True)
    assert "replaced by a newer certificate" in stale and "genuine" not in stale
    assert "genuine" in client.get(f"/certificates/verify?code={new.code}").get_data(as_text=True)
    reissued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.reissued")).one()
    assert (reissued.actor_id, reissued.target_id, reissued.details["replaces"]) == (hscp_admin.id, new.id, old.id)
    # The old one cannot be re-issued again.
    again = post_form("/admin/certificates", {}, url=f"/admin/certificates/{old.id}/reissue", follow_redirects=True)
    assert "already been replaced" in again.get_data(as_text=True)


def test_admin_list_is_scoped_filtered_and_paged(db, client, login, attended, hscp_admin, iow_admin, system_admin):
    bookings = [attended(release=CertificateRelease.IMMEDIATE, name=f"Delegate {n:02d}") for n in range(53)]
    for booking in bookings:
        login(booking.user)
        client.get(f"/bookings/{booking.id}/certificate.pdf")
    login(hscp_admin)
    first = client.get("/admin/certificates").get_data(as_text=True)
    assert "53 certificates" in first and first.count("Re-issue<span") == 50
    assert client.get("/admin/certificates?page=2").get_data(as_text=True).count("Re-issue<span") == 3
    one = client.get("/admin/certificates?q=delegate+07").get_data(as_text=True)
    assert "1 certificate" in one and "Delegate 07" in one
    assert "No certificates match" in client.get("/admin/certificates?status=replaced").get_data(as_text=True)
    login(iow_admin)
    assert "No certificates match" in client.get("/admin/certificates").get_data(as_text=True)
    login(system_admin)
    assert "53 certificates" in client.get("/admin/certificates?partnership=HSCP").get_data(as_text=True)
    assert "No certificates match" in client.get("/admin/certificates?partnership=IOWSCP").get_data(as_text=True)


def count_statements(db, client, url):
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_list_pages_cost_the_same_whatever_their_rows(db, client, login, attended, hscp_admin):
    few = [attended(release=CertificateRelease.IMMEDIATE) for _ in range(2)]
    for booking in few:
        login(booking.user)
        client.get(f"/bookings/{booking.id}/certificate.pdf")
    login(hscp_admin)
    small = count_statements(db, client, "/admin/certificates")
    login(few[0].user)
    my_small = count_statements(db, client, "/my-training")
    more = [attended(release=CertificateRelease.AFTER_EVALUATION) for _ in range(6)]
    for booking in more:
        booking.user_id = few[0].user_id
        login(booking.user)
        client.get(f"/bookings/{booking.id}/certificate.pdf")
    db.session.commit()
    for booking in more[:3]:
        booking.session.course.certificate_release = CertificateRelease.IMMEDIATE
        db.session.commit()
        client.get(f"/bookings/{booking.id}/certificate.pdf")
    login(hscp_admin)
    assert count_statements(db, client, "/admin/certificates") == small
    login(few[0].user)
    assert count_statements(db, client, "/my-training") == my_small


def test_verification_is_rate_limited(client, rate_limits):
    statuses = [client.get("/certificates/verify?code=2222-3333-4444-5555").status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    # Opening the empty page is not a check.
    assert client.get("/certificates/verify").status_code == 200


def test_codes_are_grouped_random_and_read_leniently():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(rf"[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}", code) for code in codes)
    code = next(iter(codes))
    assert normalise_code(f"  {code.lower().replace('-', ' ')} ") == code
    assert normalise_code(code.replace("-", "")) == code
    assert normalise_code("0000-1111-IIII-OOOO") is None
    assert normalise_code("ABCD") is None
    assert normalise_code(None) is None


@pytest.mark.parametrize(
    "minutes, text", [(180, "3 hours"), (90, "1 hour 30 minutes"), (60, "1 hour"), (45, "45 minutes"), (1, "1 minute")]
)
def test_hours_read_as_words(minutes, text):
    assert hours_text(minutes) == text


def test_course_form_sets_when_certificates_are_released(db, client, login, post_form, hscp_admin, make_course):
    course = make_course()
    assert course.certificate_release == CertificateRelease.AFTER_EVALUATION
    login(hscp_admin)
    page = client.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    assert "When can delegates download their certificate of attendance?" in page
    from test_admin import course_data

    response = post_form(
        f"/admin/courses/{course.id}/edit",
        {
            **course_data(title=course.title, slug=course.slug),
            "certificate_release": CertificateRelease.IMMEDIATE.value,
        },
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.certificate_release == CertificateRelease.IMMEDIATE
    bad = post_form(f"/admin/courses/{course.id}/edit", {**course_data(), "certificate_release": "never"})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.get_data(as_text=True)


def test_sign_in_sheet_downloads_as_a_pdf(db, client, login, make_session, make_user, trainer, iow_admin):
    course_session = make_session(trainers=[trainer])
    for name in ("Ada Lovelace", "Grace Hopper"):
        person = make_user(name=name)
        db.session.add(Booking(session=course_session, user=person, status="confirmed", agency=person.agency))
    db.session.commit()
    login(trainer)
    page = client.get(f"/trainer/sessions/{course_session.id}/sign-in-sheet").get_data(as_text=True)
    assert "Download the sign-in sheet (PDF)".lower() in page.lower()
    response = client.get(f"/trainer/sessions/{course_session.id}/sign-in-sheet.pdf")
    assert response.mimetype == "application/pdf"
    text = flat(pdf_text(response.data))
    assert "Sign-in sheet" in text and "Ada Lovelace" in text and "Grace Hopper" in text
    assert course_session.course.title in text and "2 booked" in text
    login(iow_admin)
    assert client.get(f"/trainer/sessions/{course_session.id}/sign-in-sheet.pdf").status_code == 403


def test_closing_an_account_keeps_only_the_initials_on_certificates(db, client, login, attended):
    from training_app.privacy.services import close_account

    booking = attended(release=CertificateRelease.IMMEDIATE)
    login(booking.user)
    client.get(f"/bookings/{booking.id}/certificate.pdf")
    certificate = db.session.scalars(select(Certificate)).one()
    close_account(booking.user, booking.user)
    db.session.commit()
    assert certificate.holder_name == "P. K."
    page = client.get(f"/certificates/verify?code={certificate.code}").get_data(as_text=True)
    assert "genuine" in page and "P. K." in page
