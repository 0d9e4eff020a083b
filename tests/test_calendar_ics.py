"""The iCalendar documents themselves (training_app.calendar.ics)."""
from datetime import datetime, timedelta, timezone

import icalendar
import vobject

from training_app import clock
from training_app.calendar.ics import build_calendar, session_ics
from training_app.models import CourseSession


def parse_both(text):
    """Parse with icalendar and, independently, with vobject (validating)."""
    cal = icalendar.Calendar.from_ical(text)
    assert cal.get_missing_tzids() == set()
    vcal = vobject.readOne(text, validate=True)
    return cal, vcal


def at_london(db, make_course, local_start, hours=2, **extra):
    course = extra.pop("course", None) or make_course()
    start = clock.from_london(local_start)
    course_session = CourseSession(course=course, starts_at=start, ends_at=start + timedelta(hours=hours),
                                   capacity=10, venue=extra.pop("venue", "Civic Centre"), **extra)
    db.session.add(course_session)
    db.session.commit()
    return course_session


def test_session_ics_has_one_event_with_stable_uid_and_timezone(app, db, make_course):
    course_session = at_london(db, make_course, datetime(2027, 3, 29, 9, 30))
    with app.test_request_context():
        text = session_ics(course_session)
    cal, vcal = parse_both(text)
    events = cal.events
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"session-{course_session.id}@hips-training"
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == course_session.course.title
    assert event["LOCATION"] == "Civic Centre"
    assert event["URL"] == f"http://localhost/sessions/{course_session.id}"
    assert "TZID=Europe/London:20270329T093000" in text
    assert event.start.astimezone(timezone.utc) == datetime(2027, 3, 29, 8, 30, tzinfo=timezone.utc)
    assert vcal.vevent.dtstart.value.astimezone(timezone.utc) == datetime(2027, 3, 29, 8, 30, tzinfo=timezone.utc)
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]


def test_session_ics_outside_a_request_uses_public_base_url(app, db, make_course):
    course_session = at_london(db, make_course, datetime(2027, 6, 1, 10, 0))
    text = session_ics(course_session)
    cal, _ = parse_both(text)
    assert cal.events[0]["URL"].endswith(f"/sessions/{course_session.id}")


def test_build_calendar_without_sessions_is_valid(app, db):
    with app.test_request_context():
        cal = build_calendar([], "Empty", include_join_url=False)
    text = cal.to_ical().decode()
    parsed, _ = parse_both(text)
    assert parsed.events == []
