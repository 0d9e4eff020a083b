"""Scheduling a weekly series in one form, and copying a session (issue 13, staff tools).

A series is the weekly Wednesday workshop for a term: the same weekday and London times every week
(or two) up to a last date, across the clock change, with the booking window moved with each
session; all sessions or none. A copy starts from a session's times, place, places and trainers.
"""

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from support import venue_named
from training_app import timefmt
from training_app.admin.session_forms import series_dates
from training_app.admin.session_services import InvalidSession, schedule_series
from training_app.extensions import db as _db
from training_app.models import AuditEvent, Booking, CourseSession, CourseStatus

NOW = datetime(2027, 1, 10, 12, 0)  # naive UTC, as stored


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


@pytest.fixture
def course(make_course):
    return make_course("Neglect workshop", owner="HSCP", level=None, level_kind=None)


def venue_id(name="Civic Centre, Southampton", room=30):
    venue = venue_named(name)
    venue.room_capacity = room
    _db.session.commit()
    return venue.id


def series_data(first, last=None, every="1", **overrides):
    """The new-session form for a session on `first` (d, m, y); a series up to `last` when given."""
    data = {
        "date": [str(part) for part in first],
        "start_time": "09:30",
        "end_time": "12:30",
        "location_kind": "venue",
        "venue_id": str(venue_id()),
        "online_platform": "",
        "join_url": "",
        "capacity": "20",
        "opens_date": ["", "", ""],
        "opens_time": "",
        "closes_date": ["", "", ""],
        "closes_time": "",
        "repeat": "series" if last else "once",
        "repeat_every": every,
        "repeat_until": [str(part) for part in last] if last else ["", "", ""],
    }
    data.update(overrides)
    return data


def input_value(page, input_id):
    """The value="..." of the input with `input_id` (None when it has no value)."""
    tag = re.search(rf'<input[^>]*\bid="{input_id}"[^>]*>', page)
    assert tag, input_id
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def sessions(db):
    return db.session.scalars(select(CourseSession).order_by(CourseSession.starts_at)).all()


def new_url(course):
    return f"/admin/courses/{course.id}/sessions/new"


def test_series_dates_every_week_or_two_up_to_and_including_the_last():
    assert series_dates(date(2027, 1, 13), date(2027, 2, 3), 1) == [
        date(2027, 1, 13),
        date(2027, 1, 20),
        date(2027, 1, 27),
        date(2027, 2, 3),
    ]
    assert series_dates(date(2027, 1, 13), date(2027, 2, 9), 2) == [date(2027, 1, 13), date(2027, 1, 27)]


def test_weekly_series_keeps_london_times_across_the_clock_change(client, db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    # Wednesdays 10 March to 7 April 2027; the clocks go forward on Sunday 28 March.
    data = series_data(
        (10, 3, 2027),
        (7, 4, 2027),
        opens_date=["1", "3", "2027"],
        opens_time="09:00",
        closes_date=["9", "3", "2027"],
        closes_time="17:00",
    )
    response = post_form(new_url(course), data)
    assert response.status_code == 302, response.get_data(as_text=True)
    made = sessions(db)
    assert [s.starts_at for s in made] == [
        datetime(2027, 3, 10, 9, 30),
        datetime(2027, 3, 17, 9, 30),
        datetime(2027, 3, 24, 9, 30),
        datetime(2027, 3, 31, 8, 30),  # 09:30 British Summer Time
        datetime(2027, 4, 7, 8, 30),
    ]
    assert [s.ends_at.hour for s in made] == [12, 12, 12, 11, 11]
    # Booking for each opens 9 days before and closes the evening before, as for the first.
    assert [(s.booking_opens_at, s.booking_closes_at) for s in made] == [
        (datetime(2027, 3, 1, 9, 0), datetime(2027, 3, 9, 17, 0)),
        (datetime(2027, 3, 8, 9, 0), datetime(2027, 3, 16, 17, 0)),
        (datetime(2027, 3, 15, 9, 0), datetime(2027, 3, 23, 17, 0)),
        (datetime(2027, 3, 22, 9, 0), datetime(2027, 3, 30, 16, 0)),
        (datetime(2027, 3, 29, 8, 0), datetime(2027, 4, 6, 16, 0)),
    ]
    assert {(s.capacity, s.partnership.code, s.status) for s in made} == {(20, "HSCP", "scheduled")}
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.created")).all()
    assert sorted(event.target_id for event in created) == [s.id for s in made]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 sessions have been scheduled, from Wednesday 10 March 2027 to Wednesday 7 April 2027." in page


def test_fortnightly_series_and_a_single_session_from_the_same_form(client, db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    assert post_form(new_url(course), series_data((13, 1, 2027), (24, 2, 2027), every="2")).status_code == 302
    assert [s.starts_at.date() for s in sessions(db)] == [
        date(2027, 1, 13),
        date(2027, 1, 27),
        date(2027, 2, 10),
        date(2027, 2, 24),
    ]
    # "No, just this date" ignores a last date left over from changing one's mind.
    once = series_data((3, 3, 2027), repeat_until=["17", "3", "2027"])
    response = post_form(new_url(course), once)
    assert response.status_code == 302
    assert len(sessions(db)) == 5
    assert "The session has been scheduled." in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "last, every, message",
    [
        (("", "", ""), "1", "Enter the date of the last session"),
        ((13, 1, 2027), "1", "The last session must be after the first"),
        ((6, 1, 2027), "1", "The last session must be after the first"),
        ((31, 2, 2027), "1", "Date of the last session must be a real date"),
        ((12, 1, 2028), "1", "A series can have at most 52 sessions. Choose an earlier last date"),
        ((17, 3, 2027), "3", "How often"),
    ],
)
def test_series_mistakes_are_shown_on_the_form_and_nothing_is_saved(
    client, db, login, post_form, hscp_admin, course, last, every, message
):
    login(hscp_admin)
    data = series_data((13, 1, 2027), every=every)
    data.update(repeat="series", repeat_until=[str(part) for part in last])
    response = post_form(new_url(course), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert sessions(db) == []


def test_a_fortnightly_series_of_exactly_52_is_accepted(db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    # 13 Jan 2027 + 51 fortnights = 27 Dec 2028; one more would be 53.
    response = post_form(new_url(course), series_data((13, 1, 2027), (27, 12, 2028), every="2"))
    assert response.status_code == 302
    assert len(sessions(db)) == 52


def test_a_room_too_small_refuses_the_whole_series(db, login, post_form, hscp_admin, course):
    login(hscp_admin)
    small = venue_id("Small meeting room", room=8)
    response = post_form(new_url(course), series_data((13, 1, 2027), (3, 2, 2027), venue_id=str(small)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "room" in page and "govuk-error-summary" in page
    assert sessions(db) == []


def test_schedule_series_is_all_or_none_and_names_the_date_refused(db, hscp_admin, course):
    ok = {"starts_at": datetime(2027, 2, 3, 9, 30), "ends_at": datetime(2027, 2, 3, 12, 30), "capacity": 20}
    bad = {"starts_at": datetime(2027, 2, 10, 9, 30), "ends_at": datetime(2027, 2, 10, 9, 0), "capacity": 20}
    with pytest.raises(InvalidSession) as refused:
        schedule_series(hscp_admin, course, [ok, bad])
    assert refused.value.message == "The session on Wednesday 10 February 2027: End time must be after the start time"
    assert refused.value.field == "end_time"
    _db.session.rollback()
    assert sessions(db) == []


# ---------------------------------------------------------------- copy


def test_copy_fills_in_times_place_places_and_trainers_but_not_the_date(
    client, db, login, post_form, make_session, make_user, hscp_admin, course, practitioner
):
    trainer = make_user("trainer", name="Tariq Trainer")
    source = make_session(course=course, capacity=16, trainers=[trainer], venue="County Hall, Winchester")
    source.venue.room_capacity = 40
    source.partnership_id = course.owner_partnership_id
    db.session.add(Booking(session=source, user=practitioner, status="confirmed"))
    db.session.commit()
    source_start = timefmt.london_datetime(source.starts_at, "%H:%M")
    login(hscp_admin)
    page = client.get(f"/admin/sessions/{source.id}/copy").get_data(as_text=True)
    assert "Copy a session" in page and "A copy of the session on" in page
    assert re.search(rf'value="{trainer.id}"\s+checked', page)
    assert input_value(page, "capacity") == "16" and input_value(page, "start_time") == source_start
    assert re.search(rf'<option value="{source.venue_id}"\s+selected', page)
    assert input_value(page, "date-day") is None and input_value(page, "opens_date-day") is None

    data = series_data(
        (3, 2, 2027),
        (17, 2, 2027),
        venue_id=str(source.venue_id),
        capacity="16",
        trainer_ids=[str(trainer.id)],
    )
    response = post_form(f"/admin/sessions/{source.id}/copy", data)
    assert response.status_code == 302
    copies = [s for s in sessions(db) if s.id != source.id]
    assert [s.starts_at for s in copies] == [
        datetime(2027, 2, 3, 9, 30),
        datetime(2027, 2, 10, 9, 30),
        datetime(2027, 2, 17, 9, 30),
    ]
    assert {(s.venue_id, s.capacity, tuple(t.id for t in s.trainers)) for s in copies} == {
        (source.venue_id, 16, (trainer.id,))
    }
    # Bookings are not copied.
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_another_partnership_copies_a_hips_session_and_runs_the_copy(
    db, login, post_form, make_course, make_session, iow_admin, partnerships
):
    hips = make_course("Working Together", owner="HSCP", is_hips=True)
    source = make_session(course=hips)
    login(iow_admin)
    response = post_form(f"/admin/sessions/{source.id}/copy", series_data((3, 2, 2027)))
    assert response.status_code == 302
    copy = db.session.scalars(select(CourseSession).where(CourseSession.id != source.id)).one()
    assert copy.partnership_id == partnerships["IOWSCP"].id


def test_copy_is_refused_to_those_who_do_not_run_the_course_and_for_unknown_sessions(
    client, login, make_session, iow_admin, practitioner, course
):
    source = make_session(course=course)  # an HSCP-only course
    login(iow_admin)
    assert client.get(f"/admin/sessions/{source.id}/copy").status_code == 403
    login(practitioner)
    assert client.get(f"/admin/sessions/{source.id}/copy").status_code == 403
    login(iow_admin)
    assert client.get("/admin/sessions/999999/copy").status_code == 404


def test_an_archived_course_cannot_be_copied_into(client, db, login, make_session, hscp_admin, course):
    source = make_session(course=course)
    course.status = CourseStatus.ARCHIVED
    db.session.commit()
    login(hscp_admin)
    response = client.get(f"/admin/sessions/{source.id}/copy")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This course is archived. Restore it before scheduling sessions." in page
    assert f"/admin/sessions/{source.id}/copy" not in page
