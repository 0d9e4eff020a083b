"""The training record (issue 14): My record, training recorded from elsewhere with a certificate, staff
views (audited) and verification, and the e-learning import (page and command)."""

import io
from datetime import datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from support import session_csrf_token
from training_app import clock
from training_app.models import AuditEvent, Booking, ElearningCompletion, ExternalTraining

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%fake but well started\n"
NOW = datetime(2026, 6, 15, 11, 0)


def attended(db, make_session, person, course, starts_at, hours=3):
    course_session = make_session(course=course, starts_in=timedelta(days=1), hours=hours)
    course_session.starts_at = starts_at
    course_session.ends_at = starts_at + timedelta(hours=hours)
    db.session.add(Booking(session=course_session, user=person, status="attended", agency=person.agency))
    db.session.commit()
    return course_session


def add_external(client, data, file=None):
    html = client.get("/my-record/external/new").get_data(as_text=True)
    assert "Add training you did elsewhere" in html
    form = {"csrf_token": session_csrf_token(client), "course": "", "level": "", **data}
    if file is not None:
        form["certificate"] = file
    return client.post("/my-record/external/new", data=form, content_type="multipart/form-data")


def test_my_record_lists_sessions_elearning_and_external_training(
    client, db, login, make_user, make_course, make_session, frozen_clock
):
    frozen_clock(NOW)
    person = make_user(name="Rita Record")
    level3 = make_course(title="Working Together", level=3)
    online = make_course(title="Level 1 online", level=1, format="elearning", duration_minutes=90)
    attended(db, make_session, person, level3, datetime(2026, 3, 31, 23, 30))  # 1 April in London
    db.session.add(ElearningCompletion(user=person, course=online, completed_at=datetime(2025, 1, 10, 9, 0)))
    db.session.commit()
    login(person)
    response = add_external(
        client,
        {
            "title": "Trust safeguarding day",
            "provider": "Solent NHS Trust",
            "completed_on": "29/2/2024",
            "level": "2",
            "hours": "6.5",
        },
    )
    assert response.status_code == 302
    page = client.get("/my-record").get_data(as_text=True)
    assert "Working Together" in page and "1 April 2026" in page
    assert "Level 1 online" in page and "10 January 2025" in page
    assert "Trust safeguarding day" in page and "29 February 2024" in page and "Not yet verified" in page
    assert 'data-figure="level">Level 3<' in page
    assert 'data-figure="completions">3<' in page
    csv_text = client.get("/my-record.csv").get_data(as_text=True)
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Completed on,Training,How,Level,Hours,Provider,Verified,Expires on"
    assert lines[1] == "2026-04-01,Working Together,Attended a session,Level 3,3.0,,,"
    assert lines[2] == "2025-01-10,Level 1 online,E-learning completed,Level 1,1.5,,,"
    assert lines[3] == "2024-02-29,Trust safeguarding day,Recorded: training elsewhere,Level 2,6.5,Solent NHS Trust,No,"
    printable = client.get("/my-record?print=1").get_data(as_text=True)
    assert "printable version" in printable and "Trust safeguarding day" in printable
    pdf = client.get("/my-record.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "private, no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Rita Record" in text and "Trust safeguarding day" in text and "Working Together" in text


def test_external_training_form_rejects_bad_input_without_saving(client, db, login, make_user, frozen_clock):
    frozen_clock(NOW)
    login(make_user())
    response = add_external(client, {"title": "", "completed_on": "31/2/2026", "hours": "lots"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Enter the name of the course" in page
    assert "like 27/3/2026" in page and "Enter the hours as a number" in page
    future = add_external(client, {"title": "Later", "completed_on": "16/6/2026"})
    assert "must be today or in the past" in future.get_data(as_text=True)
    assert db.session.scalar(select(ExternalTraining.id)) is None


def test_certificate_is_checked_by_its_first_bytes(client, db, app, login, make_user, frozen_clock):
    frozen_clock(NOW)
    login(make_user())
    fake = add_external(
        client, {"title": "Course", "completed_on": "1/6/2026"}, (io.BytesIO(b"MZ not a pdf"), "cert.pdf")
    )
    assert "must be a PDF, PNG or JPEG" in fake.get_data(as_text=True)
    assert db.session.scalar(select(ExternalTraining.id)) is None
    before = set(Path(app.config["UPLOAD_FOLDER"]).iterdir())
    ok = add_external(client, {"title": "Course", "completed_on": "1/6/2026"}, (io.BytesIO(PDF), "my cert.pdf"))
    assert ok.status_code == 302
    training = db.session.scalars(select(ExternalTraining)).one()
    stored = set(Path(app.config["UPLOAD_FOLDER"]).iterdir()) - before
    assert [p.name for p in stored] == [training.certificate_file]
    assert training.certificate_file.endswith(".pdf") and "cert" not in training.certificate_file
    assert training.certificate_type == "application/pdf" and training.certificate_name == "my cert.pdf"


def test_upload_over_the_limit_gets_the_friendly_page(client, db, app, login, make_user):
    login(make_user())
    client.get("/my-record/external/new")
    # Raw bytes (not a file the test client would spool to a temporary file): only the length matters.
    too_big = b"%PDF-" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/my-record/external/new", data=too_big, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_certificate_is_served_to_its_owner_and_their_admins_only(
    client, db, login, make_user, make_agency, partnerships, frozen_clock
):
    frozen_clock(NOW)
    hampshire = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    owner = make_user(agency=hampshire)
    login(owner)
    add_external(client, {"title": "Course", "completed_on": "1/6/2026"}, (io.BytesIO(PNG), "photo.png"))
    training = db.session.scalars(select(ExternalTraining)).one()
    url = f"/records/external/{training.id}/certificate"
    with client.get(url) as mine:
        assert mine.status_code == 200 and mine.data == PNG and mine.mimetype == "image/png"
        assert "attachment" in mine.headers["Content-Disposition"]
    login(make_user())
    assert client.get(url).status_code == 403
    login(make_user("partnership_admin", partnership="IOWSCP"))
    assert client.get(url).status_code == 403
    admin = login(make_user("partnership_admin", partnership="HSCP"))
    with client.get(url) as theirs:
        assert theirs.data == PNG
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.certificate_viewed")).one()
    assert viewed.actor_id == admin.id and viewed.details["person_id"] == owner.id
    assert client.get("/records/external/999999/certificate").status_code == 404


def test_staff_view_of_a_record_is_audited_and_may_verify(
    client, db, login, make_user, make_agency, partnerships, frozen_clock
):
    frozen_clock(NOW)
    hampshire = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    owner = make_user(agency=hampshire, name="Owen Owner")
    login(owner)
    add_external(client, {"title": "Police safeguarding", "completed_on": "1/6/2026", "level": "2"})
    client.get("/my-record")
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "record.viewed")) is None
    admin = login(make_user("partnership_admin", partnership="HSCP"))
    page = client.get(f"/records/people/{owner.id}").get_data(as_text=True)
    assert "Training record: Owen Owner" in page and "Mark as verified" in page
    client.get(f"/records/people/{owner.id}/record.csv")
    assert client.get(f"/records/people/{owner.id}/record.pdf").mimetype == "application/pdf"
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.viewed")).all()
    assert [(v.actor_id, v.target_id, v.details["how"]) for v in views] == [
        (admin.id, owner.id, "page"),
        (admin.id, owner.id, "csv"),
        (admin.id, owner.id, "pdf"),
    ]
    training = db.session.scalars(select(ExternalTraining)).one()
    response = client.post(f"/records/external/{training.id}/verify", data={"csrf_token": session_csrf_token(client)})
    assert response.status_code == 302
    db.session.refresh(training)
    assert training.verified_by_id == admin.id and training.verified_at == NOW
    login(owner)  # nobody verifies their own
    assert (
        client.post(
            f"/records/external/{training.id}/verify", data={"csrf_token": session_csrf_token(client)}
        ).status_code
        == 403
    )


IMPORT_CSV = (
    "Email,Course,Completed on\r\n"
    "ann@example.org,Level 1 online,27/03/2026\r\n"
    "ANN@example.org,level-1-online,28/03/2026\r\n"
    "nobody@example.org,Level 1 online,27/03/2026\r\n"
    "bob@example.org,Knitting,2026-03-27\r\n"
    "bob@example.org,Level 1 online,next week\r\n"
    "bob@example.org,Level 1 online,2026-03-01\r\n"
)


def test_import_elearning_page_dry_run_then_import(client, db, login, make_user, make_course, post_form, frozen_clock):
    frozen_clock(NOW)
    course = make_course(title="Level 1 online", slug="level-1-online", format="elearning", level=1)
    ann, bob = make_user(email="ann@example.org"), make_user(email="bob@example.org")
    login(make_user("system_admin"))

    def upload(button):
        html = client.get("/records/import-elearning").get_data(as_text=True)
        assert "Import e-learning completions" in html
        return client.post(
            "/records/import-elearning",
            data={
                "csrf_token": session_csrf_token(client),
                button: "y",
                "file": (io.BytesIO(IMPORT_CSV.encode()), "x.csv"),
            },
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    checked = upload("check")
    assert "Checked: nothing was saved" in checked
    assert 'data-figure="created">2<' in checked and 'data-figure="already">1<' in checked
    assert 'data-figure="errors">3<' in checked
    assert "line 4: no account with the email address &#39;nobody@example.org&#39;" in checked
    assert "line 5: no e-learning course called &#39;Knitting&#39;" in checked
    assert "line 6: completed on &#39;next week&#39; is not a date" in checked
    assert db.session.scalar(select(ElearningCompletion.id)) is None
    imported = upload("save")
    assert "Imported" in imported and 'data-figure="created">2<' in imported
    rows = db.session.execute(
        select(ElearningCompletion.user_id, ElearningCompletion.course_id, ElearningCompletion.completed_at).order_by(
            ElearningCompletion.user_id
        )
    ).all()
    # London midnight, British summer time from 29 March 2026: 27 March is still GMT.
    assert rows == [(ann.id, course.id, datetime(2026, 3, 27, 0, 0)), (bob.id, course.id, datetime(2026, 3, 1, 0, 0))]
    again = upload("save")
    assert 'data-figure="created">0<' in again and 'data-figure="already">3<' in again


def test_import_elearning_partnership_admin_matches_only_their_area(
    client, db, login, make_user, make_course, make_agency, partnerships, frozen_clock
):
    frozen_clock(NOW)
    make_course(title="Level 1 online", format="elearning", level=1)
    make_user(email="ann@example.org", agency=make_agency("IOW NHS", "Health", partnerships["IOWSCP"]))
    login(make_user("partnership_admin", partnership="HSCP"))
    page = client.post(
        "/records/import-elearning",
        data={
            "csrf_token": session_csrf_token(client),
            "save": "y",
            "file": (io.BytesIO(b"email,course,completed on\nann@example.org,Level 1 online,1/3/2026\n"), "x.csv"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "line 2: no account with the email address" in page
    assert db.session.scalar(select(ElearningCompletion.id)) is None


def test_import_elearning_command(app, db, make_user, make_course, tmp_path, frozen_clock):
    frozen_clock(NOW)
    make_course(title="Level 1 online", slug="level-1-online", format="elearning", level=1)
    make_user(email="ann@example.org")
    make_user(email="bob@example.org")
    path = tmp_path / "export.csv"
    path.write_text(IMPORT_CSV, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-elearning", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 would be recorded, 1 already on record, 3 rows with problems. Nothing was saved." in dry.output
    assert "line 4: no account" in dry.output
    db.session.remove()
    assert db.session.scalar(select(ElearningCompletion.id)) is None
    real = runner.invoke(args=["import-elearning", str(path)])
    assert "2 recorded, 1 already on record, 3 rows with problems." in real.output
    db.session.remove()
    assert len(db.session.scalars(select(ElearningCompletion)).all()) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n", encoding="utf-8")
    refused = runner.invoke(args=["import-elearning", str(bad)])
    assert refused.exit_code != 0 and "must name the columns" in refused.output


def test_external_training_counts_towards_prerequisites(db, make_user, make_course, frozen_clock):
    from training_app.bookings.prerequisites import completed_level, missing_level

    frozen_clock(NOW)
    person = make_user()
    course = make_course(prerequisite_min_level=2)
    assert missing_level(person, course) == 2
    db.session.add(ExternalTraining(user=person, title="Elsewhere", completed_at=NOW, level=2))
    db.session.commit()
    assert completed_level(person) == 2 and missing_level(person, course) is None
    assert clock.now() == NOW
