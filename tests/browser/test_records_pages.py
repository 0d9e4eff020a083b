"""The training record in Chromium, with axe: My record (and its printable version), the form for
training done elsewhere (empty, with errors, then saved with a certificate), and the staff pages:
someone's record, compliance by organisation, its drill-down, the e-learning import and requirements."""

from datetime import datetime, timedelta

from playwright.sync_api import expect

from training_app import clock
from training_app.models import Booking, ElearningCompletion, TrainingRequirement


def test_my_record_and_external_training_form_pass_axe(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release, tmp_path
):
    person = make_user(name="Rita Record", email="rita@example.org")
    level3 = make_course(title="Working Together", level=3)
    past = make_session(course=level3, starts_in=timedelta(days=-400))
    db.session.add(Booking(session=past, user=person, status="attended", agency=person.agency))
    online = make_course(title="Level 1 online", level=1, format="elearning")
    db.session.add(ElearningCompletion(user=person, course=online, completed_at=clock.now() - timedelta(days=30)))
    db.session.add(TrainingRequirement(name="Level 3", level=3, validity_months=12))
    db.session.add(TrainingRequirement(name="Level 4", level=4))
    db.session.commit()
    release()

    sign_in_through_page(page, "rita@example.org")
    page.get_by_role("link", name="My record").click()
    expect(page.get_by_role("heading", name="My training record")).to_be_visible()  # waits for the page
    assert "Expired" in page.inner_text("#requirements")
    axe_check(page, "My record")
    page.goto("/my-record?print=1")
    axe_check(page, "My record, printable")

    page.goto("/my-record/external/new")
    axe_check(page, "the external training form")
    page.get_by_role("button", name="Add to my record").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe_check(page, "the external training form with errors")
    page.get_by_label("Course name").fill("Trust safeguarding day")
    page.get_by_label("Date you completed it").fill("1/3/2025")
    page.get_by_label("Safeguarding level").select_option("2")
    certificate = tmp_path / "certificate.png"
    certificate.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page.get_by_label("Certificate (optional)").set_input_files(str(certificate))
    page.get_by_role("button", name="Add to my record").click()
    expect(page.locator("main")).to_contain_text("Trust safeguarding day is on your training record")
    expect(page.get_by_role("link", name="Certificate for Trust safeguarding day")).to_be_visible()
    axe_check(page, "My record with training from elsewhere")


def test_staff_record_and_compliance_pages_pass_axe(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    make_user(role="system_admin", email="sam@example.org", name="Sam Admin")
    level3 = make_course(title="Working Together", level=3)
    requirement = TrainingRequirement(name="Level 3", level=3, validity_months=36)
    db.session.add(requirement)
    people = [make_user(name=f"Delegate {n}") for n in range(4)]
    for n, person in enumerate(people[:3]):
        course_session = make_session(course=level3, starts_in=timedelta(days=1))
        course_session.starts_at = datetime(2023 + n, 9, 1, 9, 0)
        course_session.ends_at = course_session.starts_at + timedelta(hours=3)
        db.session.add(Booking(session=course_session, user=person, status="attended", agency=person.agency))
    db.session.commit()
    ids = {"person": people[0].id, "requirement": requirement.id}
    release()

    sign_in_through_page(page, "sam@example.org")
    for path in [
        f"/records/people/{ids['person']}",
        f"/records/people/{ids['person']}?print=1",
        "/records/compliance",
        "/records/compliance?sector=Health",
        f"/records/compliance/requirements/{ids['requirement']}/people",
        f"/records/compliance/requirements/{ids['requirement']}/people?status=never",
        "/records/import-elearning",
        "/records/requirements",
        f"/records/requirements/{ids['requirement']}/edit",
        f"/records/requirements/{ids['requirement']}/delete",
        "/reports/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        axe_check(page, path)
    page.goto("/records/requirements")
    page.get_by_role("button", name="Add requirement").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe_check(page, "the requirements form with errors")
    page.goto(f"/records/requirements/{ids['requirement']}/edit")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe_check(page, "the requirement change form with errors")
    page.goto(f"/records/requirements/{ids['requirement']}/delete")
    page.get_by_role("button", name="Remove requirement").click()
    expect(page.get_by_text("Removed the requirement")).to_be_visible()
