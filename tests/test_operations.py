"""Running on several machines: health checks, request ids, the JSON request log, Sentry scrubbing."""

import json
import logging

import pytest
from sqlalchemy import select

from support import csrf_from
from training_app import create_app
from training_app.models import AuditEvent, OutboxMessage
from training_app.observability import JsonLines, incoming_request_id, request_log, scrub_event


@pytest.fixture
def log_lines():
    """The request log's lines, as parsed JSON, while the test runs."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonLines().format(record)))

    handler = Collect()
    request_log.addHandler(handler)
    yield lines
    request_log.removeHandler(handler)


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "not configured"}


def test_readyz_is_503_naming_what_failed(app, db):
    broken = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("failed: ")
    with broken.app_context():
        from training_app.extensions import db as database

        database.engine.dispose()


def test_readyz_names_an_unreachable_database(tmp_path):
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == ["database"]


def test_request_id_is_taken_from_the_caller_or_made(client, log_lines):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert given.headers["X-Request-ID"] == "lb-1234.abc"
    made = client.get("/healthz", headers={"X-Request-ID": "not an id; <script>"})
    assert made.headers["X-Request-ID"] != "not an id; <script>"
    assert len(made.headers["X-Request-ID"]) == 32
    assert [line["request_id"] for line in log_lines] == ["lb-1234.abc", made.headers["X-Request-ID"]]
    assert incoming_request_id("x" * 65) != "x" * 65


def test_one_json_line_per_request_without_tokens(client, db, make_user, log_lines):
    person = make_user()
    client.get(f"/calendar/{person.calendar_token}/bookings.ics", headers={"X-Request-ID": "feed-1"})
    (line,) = log_lines
    assert line["message"] == "request" and line["request_id"] == "feed-1" and line["status"] == 200
    assert line["route"] == "/calendar/<token>/bookings.ics" and line["method"] == "GET"
    assert person.calendar_token not in json.dumps(line)
    assert isinstance(line["duration_ms"], float) and line["level"] == "info"


def test_emails_and_audit_events_carry_the_request_id(client, db, make_session, make_user, login):
    course_session = make_session()
    login(make_user())
    page = client.get(f"/sessions/{course_session.id}")
    response = client.post(
        f"/sessions/{course_session.id}/book",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
        headers={"X-Request-ID": "booking-rush-7"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    messages = db.session.scalars(select(OutboxMessage)).all()
    events = db.session.scalars(select(AuditEvent)).all()
    assert messages and all(m.request_id == "booking-rush-7" for m in messages)
    assert events and all(e.request_id == "booking-rush-7" for e in events)
    from training_app.mail import build_email

    assert build_email(messages[0], "from@example.org")["X-Request-ID"] == "booking-rush-7"


def test_sentry_events_lose_personal_data():
    event = {
        "request": {
            "url": "https://training.example.org/calendar/abc123secret/bookings.ics",
            "cookies": {"session": "x"},
            "data": {"password": "p"},
            "query_string": "email=a@example.org",
            "headers": {"Cookie": "session=x", "User-Agent": "curl", "X-Forwarded-For": "1.2.3.4"},
        },
        "user": {"id": 7, "email": "a@example.org", "ip_address": "1.2.3.4"},
    }
    scrubbed = scrub_event(event)
    text = json.dumps(scrubbed)
    for secret in ("abc123secret", "a@example.org", "1.2.3.4", "session=x", '"p"'):
        assert secret not in text
    assert scrubbed["user"] == {"id": 7} and scrubbed["request"]["headers"]["User-Agent"] == "curl"


def test_behind_a_load_balancer_the_client_address_is_the_forwarded_one(app):
    """Rate limits count per client, so the address must be the client's, not the balancer's."""
    from flask import request

    behind = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_FIX_HOPS": 1})
    seen = []

    @behind.get("/whoami")
    def whoami():
        seen.append(request.remote_addr)
        return "ok"

    behind.test_client().get(
        "/whoami", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert seen == ["203.0.113.9"]
