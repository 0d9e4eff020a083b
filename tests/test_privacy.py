"""Data-protection rights: download your data, close your account, the retention rule, the audit log."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from support import PASSWORD, csrf_from
from training_app.audit import record_audit
from training_app.bookings.services import book_place, confirmed_count
from training_app.evaluations.questions import default_questions
from training_app.models import AuditEvent, Booking, ElearningCompletion, OutboxMessage, User
from training_app.models.evaluations import EvaluationForm, EvaluationRating, EvaluationResponse
from training_app.privacy.services import AccountAlreadyClosed, apply_retention, close_account, retention_cutoff

NOW = datetime(2027, 3, 1, 10, 0)


@pytest.fixture
def at_now(frozen_clock):
    return frozen_clock(NOW)


def pre_response(db, booking, value=4):
    course = booking.session.course
    form = db.session.scalars(select(EvaluationForm).where(EvaluationForm.course_id == course.id)).first()
    if form is None:
        form = EvaluationForm(course=course, stage="pre", version=1, questions=default_questions(course, "pre"))
    response = EvaluationResponse(
        form=form,
        course=course,
        session=booking.session,
        booking=booking,
        user=booking.user,
        pair_key=f"booking:{booking.id}",
        stage="pre",
        practice_text="Talk to the DSL sooner",
    )
    response.ratings.append(EvaluationRating(question_key="outcome", outcome_index=0, value=value))
    db.session.add_all([form, response])
    db.session.commit()
    return response


def attended(db, course_session):
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == course_session.id, Booking.status == "attended")
    )


# ---------------------------------------------------------------------------------------- export


def test_download_holds_all_the_persons_data_and_nobody_elses(
    client, db, login, make_user, make_session, make_course, at_now
):
    person = make_user(name="Asha Patel", email="asha@example.org")
    other = make_user(name="Ben Other", email="ben@example.org")
    course_session = make_session(starts_in=timedelta(days=10), venue="Castle Hill, Winchester")
    booking = book_place(person, course_session.id, access_needs="Step-free access").booking
    book_place(other, course_session.id)
    elearning = make_course(title="Level 1 online", format="elearning", level=1)
    db.session.add(ElearningCompletion(user=person, course=elearning, completed_at=datetime(2027, 2, 1, 9, 0)))
    db.session.commit()
    pre_response(db, booking, value=4)
    record_audit(person, "profile.updated", person, job_role={"before": "Nurse", "after": "Health visitor"})
    record_audit(other, "profile.updated", other)
    db.session.commit()

    login(person)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-training-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["exported_at"] == "2027-03-01T10:00:00Z"
    assert data["profile"]["name"] == "Asha Patel"
    assert data["profile"]["email"] == "asha@example.org"
    assert data["profile"]["organisation"] == {"name": "Solent NHS Trust", "sector": "Health"}
    assert len(data["bookings"]) == 1
    exported = data["bookings"][0]
    assert exported["status"] == "confirmed"
    assert exported["access_needs"] == "Step-free access"
    assert exported["session"]["starts_at"] == "2027-03-11T10:00:00Z"
    assert exported["session"]["venue"] == "Castle Hill, Winchester"
    assert exported["session"]["course"]["title"] == course_session.course.title
    assert data["elearning_completions"] == [
        {
            "course": {"id": elearning.id, "slug": elearning.slug, "title": "Level 1 online"},
            "completed_at": "2027-02-01T09:00:00Z",
        }
    ]
    assert len(data["evaluation_responses"]) == 1
    answer = data["evaluation_responses"][0]
    assert answer["stage"] == "pre"
    assert answer["ratings"] == [{"question": "outcome", "outcome": 0, "value": 4}]
    assert answer["how_you_will_use_it"] == "Talk to the DSL sooner"
    actions = [e["action"] for e in data["audit_events"]]
    assert "profile.updated" in actions
    assert all(e["target_id"] != other.id or e["target_type"] != "User" for e in data["audit_events"])
    assert "Ben Other" not in response.get_data(as_text=True)
    assert "ben@example.org" not in response.get_data(as_text=True)


def test_download_needs_sign_in(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# ----------------------------------------------------------------------------------------- close


def test_close_page_asks_for_confirmation_and_changes_nothing_without_it(client, db, login, make_user, at_now):
    person = make_user(name="Asha Patel", email="asha@example.org")
    login(person)
    page = client.get("/account/close")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "You cannot undo this" in html
    response = client.post("/account/close", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 200
    assert "Confirm that you understand what closing your account does" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).closed_at is None
    assert db.session.get(User, person.id).name == "Asha Patel"


def test_closing_anonymises_signs_out_and_stops_sign_in_and_feed(client, db, login, make_user, at_now):
    person = make_user(name="Asha Patel", email="asha@example.org")
    old_token, old_hash = person.calendar_token, person.password_hash
    login(person)
    token = csrf_from(client.get("/account/close").get_data(as_text=True))
    response = client.post("/account/close", data={"csrf_token": token, "understood": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")

    db.session.expire_all()
    closed = db.session.get(User, person.id)
    assert closed.name == "Closed account"
    assert closed.email == f"closed-{person.id}@invalid"
    assert closed.job_role is None
    assert closed.closed_at == NOW
    assert closed.password_hash != old_hash
    assert not closed.check_password(PASSWORD)
    assert closed.calendar_token != old_token
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.closed")).one()
    assert (event.actor_id, event.target_id) == (person.id, person.id)

    # Signed out here; the old cookie would not work either (closed accounts never load).
    assert client.get("/account").status_code == 302
    login(person)
    assert client.get("/account").status_code == 302
    # The old email and password no longer sign in. (Flask-WTF caches the CSRF token on g, which in tests
    # outlives the request that cleared the session; a real server starts each request afresh.)
    from flask import g

    g.pop("csrf_token", None)
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    attempt = client.post(
        "/sign-in", data={"email": "asha@example.org", "password": PASSWORD, "csrf_token": csrf_from(sign_in_page)}
    )
    assert attempt.status_code == 200
    assert "Enter a correct email address and password" in attempt.get_data(as_text=True)
    assert client.get(f"/calendar/{old_token}/bookings.ics").status_code == 404


def test_closing_keeps_past_figures_and_promotes_the_waiting_list(db, make_user, make_session, at_now):
    closer = make_user(name="Asha Patel", email="asha@example.org")
    others = [make_user() for _ in range(3)]
    past = make_session(starts_in=timedelta(days=-30), capacity=2)
    future = make_session(starts_in=timedelta(days=20), capacity=1)
    for person, status in [(closer, "attended"), (others[0], "attended"), (others[1], "confirmed")]:
        db.session.add(
            Booking(
                session=past, user=person, status=status, agency=person.agency, requested_at=NOW - timedelta(days=60)
            )
        )
    db.session.commit()
    past_booking = db.session.scalars(select(Booking).where(Booking.user_id == closer.id)).one()
    answer = pre_response(db, past_booking, value=3)
    mine = book_place(closer, future.id).booking
    waiting = book_place(others[2], future.id).booking
    db.session.commit()
    assert (mine.status, waiting.status) == ("confirmed", "waitlisted")
    before = (confirmed_count(past.id), attended(db, past))

    close_account(closer, closer)
    db.session.commit()

    db.session.expire_all()
    assert (confirmed_count(past.id), attended(db, past)) == before
    assert before[1] == 2
    assert db.session.get(Booking, past_booking.id).status == "attended"
    assert db.session.get(Booking, past_booking.id).user_id == closer.id
    kept = db.session.get(EvaluationResponse, answer.id)
    assert kept.user_id == closer.id and [r.value for r in kept.ratings] == [3]
    assert db.session.get(Booking, mine.id).status == "cancelled"
    assert db.session.get(Booking, mine.id).cancelled_by_id == closer.id
    assert db.session.get(Booking, waiting.id).status == "confirmed"
    assert confirmed_count(future.id) == 1
    # The cancellation was sent before the address was removed, and the promoted person was told.
    recipients = set(db.session.scalars(select(OutboxMessage.to_address)))
    assert {"asha@example.org", others[2].email} <= recipients


def test_closing_twice_is_refused(db, make_user, at_now):
    person = make_user()
    close_account(person, person)
    with pytest.raises(AccountAlreadyClosed):
        close_account(person, person)


def test_closing_forgets_access_needs(db, make_user, make_session, at_now):
    person = make_user()
    booking = book_place(person, make_session(starts_in=timedelta(days=5)).id, access_needs="Hearing loop").booking
    db.session.commit()
    close_account(person, person)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).access_needs is None


# ------------------------------------------------------------------------------------- retention


def test_retention_cutoff_handles_leap_day():
    assert retention_cutoff(datetime(2028, 2, 29, 12, 0), 3) == datetime(2025, 2, 28, 12, 0)
    assert retention_cutoff(datetime(2027, 3, 1, 10, 0), 3) == datetime(2024, 3, 1, 10, 0)


def test_apply_retention_command_closes_only_inactive_accounts(app, db, make_user, at_now):
    stale_seen = make_user(
        email="seen4@example.org", last_seen_at=NOW - timedelta(days=4 * 365), created_at=NOW - timedelta(days=6 * 365)
    )
    never_seen = make_user(email="never@example.org", created_at=NOW - timedelta(days=3 * 365 + 2))
    recent = make_user(
        email="recent@example.org", last_seen_at=NOW - timedelta(days=2 * 365), created_at=NOW - timedelta(days=6 * 365)
    )
    new = make_user(email="new@example.org", created_at=NOW - timedelta(days=30))
    boundary = make_user(email="edge@example.org", last_seen_at=datetime(2024, 3, 1, 10, 0))
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "anonymised 2 accounts inactive for 3 years"
    db.session.expire_all()
    closed = {u.id for u in db.session.scalars(select(User).where(User.closed_at.is_not(None)))}
    assert closed == {stale_seen.id, never_seen.id}
    assert db.session.get(User, stale_seen.id).email == f"closed-{stale_seen.id}@invalid"
    assert {recent.id, new.id, boundary.id}.isdisjoint(closed)
    # A shorter period catches more; accounts already closed are left alone.
    result = app.test_cli_runner().invoke(args=["apply-retention", "--years", "1"])
    assert result.output.strip() == "anonymised 2 accounts inactive for 1 years"
    assert result.exit_code == 0
    assert app.test_cli_runner().invoke(args=["apply-retention", "--years", "0"]).exit_code != 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.closed")).all()
    assert len(events) == 4
    assert {e.details["reason"] for e in events} == {"inactive for 3 years", "inactive for 1 years"}


def test_apply_retention_refuses_periods_under_a_year(db, at_now):
    with pytest.raises(ValueError):
        apply_retention(0)


# ------------------------------------------------------------------------------------- audit log


def test_audit_log_lists_filters_and_pages(client, db, login, make_user, at_now):
    admin = make_user("system_admin", name="Sam Admin", email="sam@example.org")
    hscp = make_user("partnership_admin", "HSCP", name="Hana Hants", email="hana@example.org")
    for n in range(51):
        record_audit(hscp, "course.updated", hscp, title={"before": f"Old {n}", "after": f"New {n}"})
    record_audit(admin, "booking.cancelled", admin, late=True)
    db.session.commit()
    login(admin)

    page = client.get("/admin/audit").get_data(as_text=True)
    assert "52 events" in page
    assert "Old 50 → New 50" in page
    assert "Sam Admin cancelled someone" in page and "A late cancellation." in page
    assert "Old 0 → New 0" not in page  # the oldest is on page 2 (50 a page, newest first)
    page2 = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Old 0 → New 0" in page2
    assert page2.count("<strong>Hana Hants") == 2

    filtered = client.get("/admin/audit?action=booking.cancelled").get_data(as_text=True)
    assert "1 event<" in filtered and "Hana Hants" not in filtered
    by_actor = client.get("/admin/audit?actor=HANA@example.org").get_data(as_text=True)
    assert "51 events" in by_actor
    by_name = client.get("/admin/audit?actor=Sam+Admin").get_data(as_text=True)
    assert "1 event<" in by_name


def test_audit_log_reports_bad_filters_instead_of_failing(client, db, login, make_user, at_now):
    admin = make_user("system_admin")
    record_audit(admin, "course.updated", admin)
    db.session.commit()
    login(admin)
    response = client.get("/admin/audit?action=%00nope&actor=" + "x" * 400 + "&page=-5")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "1 event<" in html


def test_audit_log_is_for_system_admins_only(client, login, make_user):
    login(make_user("partnership_admin", "HSCP"))
    assert client.get("/admin/audit").status_code == 403


def test_account_page_links_to_download_and_close(client, login, make_user):
    login(make_user())
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data.json"' in html
    assert 'href="/account/close"' in html
