"""The training record under the privacy rules: in the data export (certificates too), anonymised with
the account by closure and by the retention rule, certificate files deleted."""

import base64
import io
import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from support import session_csrf_token
from training_app.models import ExternalTraining
from training_app.privacy.services import apply_retention, close_account

PDF = b"%PDF-1.4 certificate of attendance"


def record_with_certificate(client, login, person, completed_on="2/3/2026"):
    login(person)
    client.get("/my-record/external/new")
    response = client.post(
        "/my-record/external/new",
        data={
            "csrf_token": session_csrf_token(client),
            "title": "Trust safeguarding day",
            "provider": "Solent NHS Trust",
            "completed_on": completed_on,
            "level": "2",
            "course": "",
            "hours": "3",
            "certificate": (io.BytesIO(PDF), "attendance.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_data_export_holds_the_record_and_the_certificate(client, db, login, make_user, frozen_clock):
    frozen_clock(datetime(2026, 6, 1, 9, 0))
    person = make_user()
    record_with_certificate(client, login, person)
    exported = json.loads(client.get("/account/data.json").get_data(as_text=True))
    [training] = exported["training_record"]["external_training"]
    assert training["title"] == "Trust safeguarding day" and training["completed_on"] == "2026-03-02"
    assert training["level"] == 2 and training["hours"] == 3.0 and training["provider"] == "Solent NHS Trust"
    assert training["certificate"]["file_name"] == "attendance.pdf"
    assert base64.b64decode(training["certificate"]["content_base64"]) == PDF


def test_closing_the_account_anonymises_the_record_and_deletes_the_file(
    client, db, app, login, make_user, frozen_clock
):
    frozen_clock(datetime(2026, 6, 1, 9, 0))
    person = make_user()
    record_with_certificate(client, login, person)
    training = db.session.scalars(select(ExternalTraining)).one()
    stored = Path(app.config["UPLOAD_FOLDER"]) / training.certificate_file
    assert stored.read_bytes() == PDF
    close_account(person, person)
    db.session.commit()
    assert not stored.exists()
    db.session.refresh(training)
    assert (training.title, training.provider, training.certificate_file, training.certificate_name) == (
        "Training recorded elsewhere",
        None,
        None,
        None,
    )
    # The figures stay: the date and level still count for the (anonymised) account.
    assert (training.completed_on.isoformat(), training.level) == ("2026-03-02", 2)


def test_retention_anonymises_the_record_too(client, db, app, login, make_user, frozen_clock):
    frozen_clock(datetime(2023, 1, 10, 9, 0))
    person = make_user()
    record_with_certificate(client, login, person, "2/3/2022")
    training = db.session.scalars(select(ExternalTraining)).one()
    stored = Path(app.config["UPLOAD_FOLDER"]) / training.certificate_file
    person.last_seen_at = datetime(2023, 1, 10, 9, 0)
    db.session.commit()
    frozen_clock(datetime(2026, 6, 1, 9, 0))
    assert apply_retention(3) == [person]
    db.session.commit()
    assert not stored.exists()
    db.session.refresh(training)
    assert training.certificate_file is None and training.provider is None
