"""The iCalendar documents themselves (training_app.calendar.ics)."""

from datetime import UTC, datetime, timedelta

from ical_parsers import parse_three

from support import venue_named
from training_app import clock
from training_app.calendar.ics import build_calendar, session_ics
from training_app.models import CourseSession


def parse_both(text):
    """Parse with icalendar and, independently, with vobject (validating) and ical."""
    parsed = parse_three(text)
    return parsed.cal, parsed.vcal


def at_london(db, make_course, local_start, hours=2, **extra):
    course = extra.pop("course", None) or make_course()
    start = clock.from_london(local_start)
    course_session = CourseSession(
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=10,
        venue=venue_named(extra.pop("venue", "Civic Centre")),
        **extra,
    )
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
    assert event.start.astimezone(UTC) == datetime(2027, 3, 29, 8, 30, tzinfo=UTC)
    assert vcal.vevent.dtstart.value.astimezone(UTC) == datetime(2027, 3, 29, 8, 30, tzinfo=UTC)
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


def test_fast_renderer_writes_exactly_what_icalendar_writes(app, db, make_course, make_user):
    """render_calendar() (used by the feeds for speed) must equal build_calendar().to_ical() byte for byte."""
    from training_app.calendar.render import render_calendar

    trainer = make_user(role="trainer", name="Zoë O'Brien, MBE")
    plain = at_london(db, make_course, datetime(2027, 3, 27, 9, 30))
    tricky = at_london(
        db,
        make_course,
        datetime(2027, 10, 31, 1, 30),
        hours=3,
        course=make_course(
            title='Neglect, abuse; \\N and "harm" — résumé ' * 4, summary="Line one;\r\nline two,\rthree\\ four\n" * 6
        ),
        venue="Room 1, Floor 2;\nCivic Centre — Southampton " * 3,
    )
    tricky.trainers.append(trainer)
    online = at_london(
        db,
        make_course,
        datetime(2027, 6, 1, 18, 0),
        venue=None,
        online_platform="Teams",
        join_url="https://meet.example.org/" + "x" * 120,
    )
    online.trainers.append(trainer)
    cancelled = at_london(
        db,
        make_course,
        datetime(2027, 2, 1, 9, 0),
        status="cancelled",
        sequence=3,
        join_url="https://meet.example.org/cancelled",
    )
    postponed = at_london(
        db, make_course, datetime(2027, 2, 2, 9, 0), status="postponed", course=make_course(summary="")
    )
    db.session.commit()
    sessions = [cancelled, postponed, plain, online, tricky]
    statuses = {
        plain.id: "TENTATIVE",
        online.id: "CONFIRMED",
        tricky.id: "CONFIRMED",
        cancelled.id: "CONFIRMED",
        postponed.id: "CONFIRMED",
    }
    with app.test_request_context():
        for include_join_url in (False, True):
            for status_for in (None, lambda s: statuses[s.id]):
                expected = build_calendar(
                    sessions, "Feed, name; here", include_join_url, status_for=status_for, uid="feed@hips-training"
                ).to_ical()
                actual = render_calendar(
                    sessions, "Feed, name; here", include_join_url, status_for=status_for, uid="feed@hips-training"
                )
                assert actual == expected
        assert render_calendar([], "Empty", False) == build_calendar([], "Empty", False).to_ical()
        # The feeds read sessions without the ORM; the events must come out the same.
        from training_app.calendar.feed_sessions import load_sessions

        rows = load_sessions([s.id for s in sessions])
        assert [r.id for r in rows] == [s.id for s in sessions]
        assert render_calendar(rows, "F", True, uid="f@x") == build_calendar(sessions, "F", True, uid="f@x").to_ical()
    text = expected.decode()
    assert "https://meet.example.org/" + "x" * 20 in text.replace("\r\n ", "")
    parse_both(text)


def test_session_ics_is_byte_identical_on_every_call(app, db, make_course):
    course_session = at_london(db, make_course, datetime(2027, 6, 1, 10, 0))
    with app.test_request_context():
        assert session_ics(course_session) == session_ics(course_session)


def test_folding_matches_icalendar_for_ascii_and_utf8_lines():
    import random

    from icalendar.parser import Contentline

    from training_app.calendar.render import _fold

    rng = random.Random(5545)
    alphabet = "ab\\^;,: é—€😀"
    for length in list(range(60, 160)) + [300, 1000]:
        for pool in (alphabet[:7], alphabet):
            line = "".join(rng.choice(pool) for _ in range(length))
            # Contentline.to_ical is icalendar's folding (its foldline is deprecated for version 8).
            assert _fold(line) == Contentline(line).to_ical().decode(), line
            assert all(len(part.encode()) <= 75 for part in _fold(line).split("\r\n"))


def test_session_ics_for_a_waiting_list_email_is_tentative_without_join_link(app, db, make_course):
    course_session = at_london(
        db,
        make_course,
        datetime(2027, 6, 1, 10, 0),
        venue=None,
        online_platform="Zoom",
        join_url="https://meet.example.org/room-9",
    )
    with app.test_request_context():
        confirmed = session_ics(course_session, include_join_url=True)
        waiting = session_ics(course_session, include_join_url=True, status="TENTATIVE")
        public = session_ics(course_session)
    assert parse_both(confirmed)[0].events[0]["STATUS"] == "CONFIRMED"
    assert "room-9" in confirmed.replace("\r\n ", "")
    assert parse_both(waiting)[0].events[0]["STATUS"] == "TENTATIVE"
    assert "room-9" not in waiting.replace("\r\n ", "")
    assert "room-9" not in public.replace("\r\n ", "")
