"""Scheduling and editing sessions of a course (the partnership team's pages)."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

import training_app.bookings.sessions as booking_sessions
from support import venue_named
from training_app.extensions import db as _db
from training_app.models import AuditEvent, Booking, CourseSession

NOW = datetime(2027, 1, 10, 12, 0)  # naive UTC, as stored


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


@pytest.fixture
def trainers(make_user):
    return [make_user("trainer", name="Tariq Trainer"), make_user("trainer", name="Anna Trainer")]


@pytest.fixture
def course(make_course):
    return make_course("Working Together Level 3", owner="HSCP")


@pytest.fixture
def notified(monkeypatch):
    """Record calls to the bookings area's notify_session_changed instead of emailing."""
    calls = []
    monkeypatch.setattr(
        booking_sessions,
        "notify_session_changed",
        lambda actor, course_session, fields: calls.append((actor.id, course_session.id, fields)),
        raising=False,
    )
    return calls


def venue_id(name):
    """The id of the venue called `name` (made, with a room for 50, if there is none yet)."""
    venue = venue_named(name)
    if venue.room_capacity is None:
        venue.room_capacity = 50
    _db.session.commit()
    return venue.id


def session_data(venue="Civic Centre, Southampton", **overrides):
    """The session form's fields: in person at `venue` (by name), or online when `venue` is ""."""
    data = {
        "date": ["15", "6", "2027"],
        "start_time": "09:30",
        "end_time": "12:30",
        "location_kind": "venue" if venue else "online",
        "venue_id": str(venue_id(venue)) if venue else "",
        "online_platform": "",
        "join_url": "",
        "capacity": "24",
        "opens_date": ["", "", ""],
        "opens_time": "",
        "closes_date": ["", "", ""],
        "closes_time": "",
    }
    data.update(overrides)
    return data


def session_count(db):
    return db.session.scalar(select(func.count(CourseSession.id)))


def new_url(course):
    return f"/admin/courses/{course.id}/sessions/new"


def book(db, course_session, user, status):
    db.session.add(Booking(session=course_session, user=user, status=status))
    db.session.commit()


# ---------------------------------------------------------------- schedule


def test_schedule_session_in_summer_time(client, db, login, post_form, hscp_admin, course, trainers):
    login(hscp_admin)
    response = post_form(new_url(course), session_data(trainer_ids=[str(trainers[0].id), str(trainers[1].id)]))
    assert response.status_code == 302
    s = db.session.scalars(select(CourseSession)).one()
    # 09:30 London in June is 08:30 UTC.
    assert (s.starts_at, s.ends_at) == (datetime(2027, 6, 15, 8, 30), datetime(2027, 6, 15, 11, 30))
    assert s.capacity == 24 and s.venue.name == "Civic Centre, Southampton" and s.online_platform is None
    assert s.status == "scheduled" and s.sequence == 0
    assert s.booking_opens_at is None and s.booking_closes_at is None  # closes at the start
    assert [t.name for t in s.trainers] == ["Anna Trainer", "Tariq Trainer"]
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.session_id, event.actor_id) == ("session.created", s.id, hscp_admin.id)
    assert event.details["values"]["starts_at"] == "2027-06-15T08:30:00"


def test_schedule_online_session_in_winter_with_booking_window(client, db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    response = post_form(
        new_url(course),
        session_data(
            date=["2", "3", "2027"],
            start_time="2pm",
            end_time="16.00",
            venue="",
            online_platform="Microsoft Teams",
            join_url="https://teams.example.org/meet/1",
            opens_date=["1", "2", "2027"],
            opens_time="9:00",
            closes_date=["1", "3", "2027"],
            closes_time="17:00",
        ),
    )
    assert response.status_code == 302
    s = db.session.scalars(select(CourseSession)).one()
    # March 2 is GMT: London time is UTC.
    assert (s.starts_at, s.ends_at) == (datetime(2027, 3, 2, 14, 0), datetime(2027, 3, 2, 16, 0))
    assert (s.booking_opens_at, s.booking_closes_at) == (datetime(2027, 2, 1, 9, 0), datetime(2027, 3, 1, 17, 0))
    assert s.online_platform == "Microsoft Teams" and s.join_url == "https://teams.example.org/meet/1"
    assert s.location_label == "Online (Microsoft Teams)"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"end_time": "09:00"}, "End time must be after the start time"),
        ({"end_time": "09:30"}, "End time must be after the start time"),
        ({"capacity": "0"}, "Capacity must be 1 or more"),
        ({"capacity": "1001"}, "Capacity must be 1000 or fewer"),
        ({"capacity": "twenty"}, "Capacity must be a whole number, like 20"),
        ({"capacity": "-5"}, "Capacity must be a whole number, like 20"),
        ({"capacity": "2.5"}, "Capacity must be a whole number, like 20"),
        ({"capacity": "２０"}, "Capacity must be a whole number, like 20"),  # full-width digits
        ({"capacity": ""}, "Enter the number of places"),
        ({"date": ["", "", ""]}, "Enter the date of the session"),
        ({"date": ["", "6", "2027"]}, "Date must include a day"),
        ({"date": ["15", "", ""]}, "Date must include a month and a year"),
        ({"date": ["31", "2", "2027"]}, "Date must be a real date"),
        ({"date": ["15", "6", "27"]}, "Date must have a 4-digit year"),
        ({"date": ["x", "y", "z"]}, "Date must be a real date"),
        ({"date": ["9", "1", "2027"]}, "The session must start in the future"),
        ({"start_time": "25:00"}, "Start time must be a time, like 09:30"),
        ({"start_time": "9"}, "Start time must be a time, like 09:30"),
        ({"start_time": ""}, "Enter the start time"),
        ({"location_kind": ""}, "Select in person at a venue, or online"),
        ({"location_kind": "elsewhere"}, "Choose one of the listed options for ‘Where is the session?’"),
        ({"venue_id": ""}, "Select the venue"),
        ({"venue_id": "999999"}, "Choose one of the listed options for ‘Venue’"),
        ({"venue_id": "abc"}, "Choose one of the listed options for ‘Venue’"),
        ({"venue": "", "online_platform": ""}, "Enter the online platform"),
        ({"venue": "", "online_platform": "Hall\x00"}, "Online platform must not contain control characters"),
        (
            {"venue": "", "online_platform": "Zoom", "join_url": "http://zoom.example.org/j/1"},
            "Joining link must be a full web address starting with https://",
        ),
        (
            {
                "opens_date": ["1", "3", "2027"],
                "opens_time": "09:00",
                "closes_date": ["1", "2", "2027"],
                "closes_time": "09:00",
            },
            "Booking must close after it opens",
        ),
        ({"closes_date": ["16", "6", "2027"], "closes_time": "09:00"}, "Booking must close before the session starts"),
        ({"opens_date": ["1", "3", "2027"]}, "Enter the time booking opens"),
        ({"closes_time": "17:00"}, "Enter the date booking closes"),
        ({"trainer_ids": ["999999"]}, "Choose one of the listed options for ‘Trainers’"),
    ],
)
def test_invalid_session_input_rerenders_and_saves_nothing(
    client, db, login, post_form, hscp_admin, course, overrides, message
):
    login(hscp_admin)
    response = post_form(new_url(course), session_data(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert message in html
    assert session_count(db) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_missing_form_keys_rerender_not_500(client, db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    response = post_form(new_url(course), {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for message in (
        "Enter the date of the session",
        "Enter the start time",
        "Enter the end time",
        "Enter the number of places",
        "Select in person at a venue, or online",
    ):
        assert message in html
    # Too many date parts: still a clean error, and the three boxes re-render.
    response = post_form(new_url(course), session_data(date=["15", "6", "2027", "1", "2"]))
    assert response.status_code in (200, 302)
    response = post_form(new_url(course), session_data(date="15"))
    assert response.status_code == 200 and "Date must include a month and a year" in response.get_data(as_text=True)
    assert session_count(db) <= 1


def test_no_sessions_for_elearning_or_archived_courses(client, db, login, post_form, hscp_admin, make_course):
    elearning = make_course(format="elearning", elearning_url="https://learn.example.org")
    archived = make_course(status="archived")
    login(hscp_admin)
    for c in (elearning, archived):
        response = client.get(new_url(c))
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/courses/{c.id}/sessions")
        response = client.post(new_url(c), data=session_data())
        assert response.status_code in (302, 400)
    assert session_count(db) == 0


# ---------------------------------------------------------------- list


def test_sessions_page_shows_past_and_upcoming_with_counts(
    client, db, login, hscp_admin, course, make_session, make_user, trainers
):
    from datetime import timedelta

    upcoming = make_session(course, starts_in=timedelta(days=10), capacity=10, trainers=[trainers[0]])
    past = make_session(course, starts_in=timedelta(days=-10), capacity=12, status="completed")
    for status in ("confirmed", "confirmed", "confirmed", "waitlisted", "cancelled"):
        book(db, upcoming, make_user(), status)
    book(db, past, make_user(), "attended")
    login(hscp_admin)
    html = client.get(f"/admin/courses/{course.id}/sessions").get_data(as_text=True)
    upcoming_table = html[html.index("Upcoming sessions") : html.index("Past sessions")]
    past_table = html[html.index("Past sessions") :]
    numeric = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"{numeric}10</td>" in upcoming_table and f"{numeric}3</td>" in upcoming_table
    assert f"{numeric}1</td>" in upcoming_table and "Tariq Trainer" in upcoming_table
    assert "Completed" in past_table and f"{numeric}12</td>" in past_table and f"{numeric}0</td>" in past_table
    assert f"/admin/sessions/{upcoming.id}/edit" in upcoming_table
    assert f"/admin/sessions/{past.id}/edit" in past_table


# ---------------------------------------------------------------- edit


def edit_url(s):
    return f"/admin/sessions/{s.id}/edit"


@pytest.fixture
def summer_session(db, course, trainers):
    s = CourseSession(
        course=course,
        starts_at=datetime(2027, 6, 15, 8, 30),
        ends_at=datetime(2027, 6, 15, 11, 30),
        capacity=20,
        venue=venue_named("Civic Centre, Southampton"),
        booking_closes_at=datetime(2027, 6, 14, 16, 0),
    )
    s.trainers.append(trainers[0])
    db.session.add(s)
    db.session.commit()
    return s


def test_edit_form_shows_london_times(client, login, hscp_admin, summer_session, trainers):
    login(hscp_admin)
    html = client.get(edit_url(summer_session)).get_data(as_text=True)
    assert 'value="09:30"' in html and 'value="12:30"' in html and 'value="17:00"' in html
    assert 'value="15"' in html and 'value="06"' in html and 'value="2027"' in html
    assert f'<option value="{summer_session.venue_id}" selected>Civic Centre, Southampton</option>' in html
    assert 'value="venue" checked' in html and 'value="20"' in html
    tariq = html[html.index(f'value="{trainers[0].id}"') - 200 : html.index(f'value="{trainers[0].id}"') + 30]
    assert "checked" in tariq


def test_changing_time_bumps_sequence_and_notifies(
    client, db, login, post_form, hscp_admin, summer_session, trainers, notified
):
    login(hscp_admin)
    response = post_form(
        edit_url(summer_session),
        session_data(
            start_time="10:00",
            end_time="13:00",
            trainer_ids=[str(trainers[0].id)],
            closes_date=["14", "6", "2027"],
            closes_time="17:00",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    s = db.session.get(CourseSession, summer_session.id)
    assert (s.starts_at, s.ends_at) == (datetime(2027, 6, 15, 9, 0), datetime(2027, 6, 15, 12, 0))
    assert s.sequence == 1
    assert notified == [(hscp_admin.id, s.id, ["starts_at", "ends_at"])]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.updated")).one()
    assert event.details["changes"] == {
        "starts_at": {"before": "2027-06-15T08:30:00", "after": "2027-06-15T09:00:00"},
        "ends_at": {"before": "2027-06-15T11:30:00", "after": "2027-06-15T12:00:00"},
    }


def test_changing_place_notifies_with_those_fields(client, db, login, post_form, hscp_admin, summer_session, notified):
    login(hscp_admin)
    response = post_form(
        edit_url(summer_session),
        session_data(
            venue="",
            online_platform="Zoom",
            join_url="https://zoom.example.org/j/2",
            closes_date=["14", "6", "2027"],
            closes_time="17:00",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    s = db.session.get(CourseSession, summer_session.id)
    assert s.sequence == 1 and s.venue is None and s.trainers == []
    assert notified == [(hscp_admin.id, s.id, ["venue_id", "online_platform", "join_url"])]


def test_changing_trainers_or_window_does_not_notify(
    client, db, login, post_form, hscp_admin, summer_session, trainers, notified
):
    login(hscp_admin)
    response = post_form(edit_url(summer_session), session_data(trainer_ids=[str(trainers[1].id)]))
    assert response.status_code == 302
    db.session.expire_all()
    s = db.session.get(CourseSession, summer_session.id)
    assert s.sequence == 0 and notified == []
    assert [t.name for t in s.trainers] == ["Anna Trainer"] and s.booking_closes_at is None


def test_editing_a_past_session_is_allowed(
    client, db, login, post_form, hscp_admin, summer_session, frozen_clock, trainers, notified
):
    frozen_clock(datetime(2027, 7, 1))
    login(hscp_admin)
    response = post_form(
        edit_url(summer_session),
        session_data(
            venue="Guildhall, Portsmouth",
            trainer_ids=[str(trainers[0].id)],
            closes_date=["14", "6", "2027"],
            closes_time="17:00",
        ),
    )
    assert response.status_code == 302
    assert notified == [(hscp_admin.id, summer_session.id, ["venue_id"])]


def test_capacity_cannot_go_below_confirmed(
    client, db, login, post_form, hscp_admin, summer_session, make_user, notified
):
    for _ in range(3):
        book(db, summer_session, make_user(), "confirmed")
    login(hscp_admin)
    response = post_form(edit_url(summer_session), session_data(capacity="2", venue="Somewhere else"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "Capacity cannot be lower than the 3 confirmed bookings" in html
    db.session.expire_all()
    s = db.session.get(CourseSession, summer_session.id)
    assert s.capacity == 20 and s.venue.name == "Civic Centre, Southampton" and s.sequence == 0
    assert notified == []
    # Exactly the confirmed number is fine.
    assert (
        post_form(
            edit_url(summer_session),
            session_data(
                capacity="3",
                trainer_ids=[str(t.id) for t in s.trainers],
                closes_date=["14", "6", "2027"],
                closes_time="17:00",
            ),
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(CourseSession, summer_session.id).capacity == 3


def test_raising_capacity_promotes_from_waiting_list(
    client, db, login, post_form, hscp_admin, make_session, course, make_user
):
    from datetime import timedelta

    s = make_session(course, starts_in=timedelta(days=20), capacity=1)
    book(db, s, make_user(), "confirmed")
    book(db, s, make_user(), "waitlisted")
    book(db, s, make_user(), "waitlisted")
    login(hscp_admin)
    html = client.get(edit_url(s)).get_data(as_text=True)
    data = {
        "date": [
            v for v in (s.starts_local.strftime("%d"), s.starts_local.strftime("%m"), s.starts_local.strftime("%Y"))
        ],
        "start_time": s.starts_local.strftime("%H:%M"),
        "end_time": s.ends_local.strftime("%H:%M"),
        "location_kind": "venue",
        "venue_id": str(s.venue_id),
        "capacity": "2",
    }
    assert 'value="1"' in html
    assert post_form(edit_url(s), data).status_code == 302
    statuses = sorted(db.session.scalars(select(Booking.status).where(Booking.session_id == s.id)))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    db.session.expire_all()
    assert db.session.get(CourseSession, s.id).sequence == 0


def test_changing_venue_emails_booked_delegates(
    client, db, login, post_form, hscp_admin, summer_session, make_user, trainers
):
    """Without the stand-in: the bookings area's notify_session_changed writes to the outbox."""
    from training_app.models import OutboxMessage

    delegate = make_user(email="delegate@example.org")
    book(db, summer_session, delegate, "confirmed")
    login(hscp_admin)
    response = post_form(
        edit_url(summer_session),
        session_data(
            venue="Guildhall, Portsmouth",
            trainer_ids=[str(trainers[0].id)],
            closes_date=["14", "6", "2027"],
            closes_time="17:00",
        ),
    )
    assert response.status_code == 302
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in messages] == ["delegate@example.org"]
    assert "Guildhall, Portsmouth" in messages[0].body_text


# ---------------------------------------------------------------- permissions and CSRF


def test_iowscp_admin_cannot_touch_hscp_sessions(
    client, db, login, post_form, make_user, make_course, summer_session, course, notified
):
    iow = make_user("partnership_admin", partnership="IOWSCP")
    own = make_course(owner="IOWSCP")
    login(iow)
    assert client.get(f"/admin/courses/{course.id}/sessions").status_code == 403
    assert client.get(new_url(course)).status_code == 403
    assert client.get(edit_url(summer_session)).status_code == 403
    assert post_form(new_url(own), session_data(), url=new_url(course)).status_code == 403
    assert post_form(new_url(own), session_data(venue="Hijacked"), url=edit_url(summer_session)).status_code == 403
    db.session.expire_all()
    s = db.session.get(CourseSession, summer_session.id)
    assert s.venue.name == "Civic Centre, Southampton" and session_count(db) == 1 and notified == []


def test_practitioner_gets_403_on_session_pages(client, login, make_user, summer_session, course):
    login(make_user())
    for url in (f"/admin/courses/{course.id}/sessions", new_url(course), edit_url(summer_session)):
        assert client.get(url).status_code == 403


def test_unknown_ids_are_404(client, login, hscp_admin):
    login(hscp_admin)
    assert client.get("/admin/courses/424242/sessions/new").status_code == 404
    assert client.get("/admin/sessions/424242/edit").status_code == 404


def test_session_post_without_csrf_token_is_refused(client, db, login, hscp_admin, summer_session, course, notified):
    login(hscp_admin)
    assert client.post(edit_url(summer_session), data=session_data(venue="Changed")).status_code == 400
    assert client.post(new_url(course), data=session_data()).status_code == 400
    db.session.expire_all()
    assert db.session.get(CourseSession, summer_session.id).venue.name == "Civic Centre, Southampton"
    assert session_count(db) == 1 and notified == []


def test_every_demo_session_saves_unchanged_from_its_edit_form(client, db, login, notified):
    """Each real session's edit page, submitted as is, changes nothing: London times (summer and
    winter), booking windows, trainers and places all read back exactly as shown."""
    from test_admin import error_summary, form_values

    from training_app.demo import seed_demo
    from training_app.models import User

    seed_demo()
    db.session.commit()
    admin = db.session.scalars(select(User).where(User.role == "system_admin")).first()
    login(admin)
    sessions = db.session.scalars(select(CourseSession).order_by(CourseSession.id)).all()
    assert len(sessions) > 40
    months = {s.starts_at.month for s in sessions}
    assert months & {4, 5, 6, 7, 8, 9} and months & {11, 12, 1, 2}  # both summer and winter time
    for s in sessions:
        html = client.get(edit_url(s)).get_data(as_text=True)
        response = client.post(edit_url(s), data=form_values(html))
        assert response.status_code == 302, (s.id, error_summary(response.get_data(as_text=True)))
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "session.updated")) == 0
    assert set(db.session.scalars(select(CourseSession.sequence))) == {0}
    assert notified == []
