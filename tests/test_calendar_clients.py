"""What calendar clients rely on (issue 18): validators that move with every change, SUMMARY
prefixes for clients that ignore STATUS, METHOD on emailed calendars, refresh hints and a
rule-based VTIMEZONE. Every calendar here is read by icalendar, vobject and ical."""

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from ical_parsers import parse_three
from sqlalchemy import select

from support import venue_named
from training_app import clock
from training_app.admin.services import archive_course
from training_app.bookings.emails import email_delegate
from training_app.mail import build_email
from training_app.models import Booking, CourseSession, OutboxMessage

NOW = datetime(2027, 1, 10, 12, 0)
LONDON = ZoneInfo("Europe/London")


def feed(client, url, **headers):
    response = client.get(url, headers=headers)
    if response.status_code == 200:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        text = response.get_data(as_text=True)
        return response, text, parse_three(text)
    return response, None, None


def check_headers(text, parsed, method="PUBLISH"):
    """The refresh hints and the METHOD every calendar carries, as the three parsers see them."""
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    assert f"\r\nMETHOD:{method}\r\n" in text
    assert str(parsed.cal["METHOD"]) == method
    assert parsed.vcal.method.value == method
    assert parsed.ical.method == method


@pytest.fixture
def world(db, frozen_clock, make_course, make_user):
    """A trainer teaching a session a delegate booked, both on a published course."""
    frozen_clock(NOW)
    trainer = make_user(role="trainer", name="Tess Trainer")
    delegate = make_user(name="Dee Delegate")
    admin = make_user(role="system_admin")
    course = make_course(title="Neglect basics")
    start = datetime(2027, 2, 1, 9, 30)
    course_session = CourseSession(
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=10,
        venue=venue_named("Civic Centre"),
    )
    course_session.trainers.append(trainer)
    db.session.add(course_session)
    db.session.add(Booking(session=course_session, user=delegate, status="confirmed"))
    db.session.commit()
    return dict(trainer=trainer, delegate=delegate, admin=admin, course=course, session=course_session)


def urls(world):
    return {
        "personal": f"/calendar/{world['delegate'].calendar_token}/bookings.ics",
        "teaching": f"/calendar/{world['trainer'].calendar_token}/teaching.ics",
        "public": "/calendar/public.ics",
        "session": f"/sessions/{world['session'].id}/calendar.ics",
    }


def rename_course(db, world):
    world["course"].title = "Neglect: the basics"


def rename_trainer(db, world):
    world["trainer"].name = "Tess Teacher"


def take_trainer_off(db, world):
    world["session"].trainers.remove(world["trainer"])


def archive(db, world):
    archive_course(world["admin"], world["course"])


CHANGES = [rename_course, rename_trainer, take_trainer_off, archive]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("kind", ["personal", "teaching", "public", "session"])
def test_each_change_moves_both_validators_forward(client, db, world, frozen_clock, kind, change):
    url = urls(world)[kind]
    first, text, parsed = feed(client, url)
    assert first.status_code == 200
    check_headers(text, parsed)
    etag, last_modified = first.headers["ETag"], first.last_modified
    assert feed(client, url, **{"If-Modified-Since": first.headers["Last-Modified"]})[0].status_code == 304
    assert feed(client, url, **{"If-None-Match": etag})[0].status_code == 304

    frozen_clock(NOW + timedelta(minutes=5))
    change(db, world)
    db.session.commit()
    by_date, text, parsed = feed(client, url, **{"If-Modified-Since": first.headers["Last-Modified"]})
    by_tag = feed(client, url, **{"If-None-Match": etag})[0]
    if kind == "session" and change is archive:
        assert by_date.status_code == by_tag.status_code == 404  # an archived course's sessions are not public
        return
    assert by_date.status_code == 200, f"{kind} feed stale for If-Modified-Since after {change.__name__}"
    assert by_tag.status_code == 200
    assert by_date.headers["ETag"] != etag
    assert by_date.last_modified > last_modified  # never the same, never backwards
    assert by_date.last_modified == NOW.replace(tzinfo=by_date.last_modified.tzinfo) + timedelta(minutes=5)
    check_headers(text, parsed)
    # The new validators describe the new state.
    assert feed(client, url, **{"If-Modified-Since": by_date.headers["Last-Modified"]})[0].status_code == 304
    assert feed(client, url, **{"If-None-Match": by_date.headers["ETag"]})[0].status_code == 304


def test_changes_elsewhere_do_not_move_a_personal_feed(client, db, world, frozen_clock, make_user):
    url = urls(world)["personal"]
    first = client.get(url)
    frozen_clock(NOW + timedelta(minutes=5))
    world["delegate"].last_seen_at = clock.now()
    make_user(role="trainer", name="Someone Else")
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304


def test_summary_and_description_say_what_status_says(client, db, world, make_course):
    delegate = world["delegate"]

    def session(day, status="scheduled"):
        start = datetime(2027, 2, day, 9, 30)
        course = make_course(title=f"Course {day}", summary="What it covers.")
        course_session = CourseSession(
            course=course, starts_at=start, ends_at=start + timedelta(hours=2), capacity=1, status=status
        )
        db.session.add(course_session)
        return course_session

    waiting, cancelled, postponed, dropped = session(2), session(3, "cancelled"), session(4, "postponed"), session(5)
    db.session.add_all(
        [
            Booking(session=waiting, user=delegate, status="waitlisted"),
            Booking(session=cancelled, user=delegate, status="confirmed"),
            Booking(session=postponed, user=delegate, status="confirmed"),
            Booking(session=dropped, user=delegate, status="cancelled", cancelled_at=NOW),
        ]
    )
    db.session.commit()
    response, text, parsed = feed(client, urls(world)["personal"])
    check_headers(text, parsed)
    summaries = parsed.summaries()  # the three parsers agree
    descriptions = parsed.descriptions()

    def uid(course_session):
        return f"session-{course_session.id}@hips-training"

    assert summaries == {
        uid(world["session"]): "Neglect basics",
        uid(waiting): "Waiting list: Course 2",
        uid(cancelled): "Cancelled: Course 3",
        uid(postponed): "Postponed: Course 4",
        uid(dropped): "Cancelled: Course 5",
    }
    assert descriptions[uid(waiting)].startswith("You are on the waiting list for this session")
    assert descriptions[uid(cancelled)].startswith("This session has been cancelled.")
    assert descriptions[uid(postponed)].startswith("This session has been postponed: the new date is to follow.")
    assert descriptions[uid(dropped)].startswith("Your booking for this session has been cancelled.")
    assert (
        descriptions[uid(world["session"])].startswith("What it covers")
        or "Trainer" in descriptions[uid(world["session"])]
    )
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in parsed.cal.events}
    assert {e.uid: str(e.status.value) for e in parsed.ical.events} == statuses
    assert statuses[uid(waiting)] == "TENTATIVE" and statuses[uid(postponed)] == "TENTATIVE"
    # The public feed and the download say the same for the session itself.
    _, text, public = feed(client, "/calendar/public.ics")
    assert public.summaries()[uid(postponed)] == "Postponed: Course 4"
    assert public.summaries()[uid(cancelled)] == "Cancelled: Course 3"
    _, text, one = feed(client, f"/sessions/{postponed.id}/calendar.ics")
    check_headers(text, one)
    assert one.summaries() == {uid(postponed): "Postponed: Course 4"}


@pytest.mark.parametrize("status, method", [("scheduled", "REQUEST"), ("cancelled", "CANCEL")])
def test_emailed_calendar_carries_its_itip_method(app, db, world, status, method):
    """An email's calendar is an iTIP message to the delegate: REQUEST while they attend, CANCEL once
    they do not (the session is cancelled), with the method in the content type too."""
    world["session"].status = status
    booking = db.session.scalars(select(Booking)).one()
    email_delegate(booking, "booking_confirmed", "Booking confirmed", attach_calendar=True)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    email = message_from_bytes(bytes(build_email(message, "training@hips.test")), policy=policy.default)
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == method
    assert attachment.get_filename() == "session.ics"
    text = attachment.get_content()
    parsed = parse_three(text)
    check_headers(text, parsed, method)
    [event] = parsed.cal.events
    assert str(event["ORGANIZER"]) == "mailto:training@hips-safeguarding.example"
    assert str(event["ATTENDEE"]) == f"mailto:{world['delegate'].email}"
    expected = "Neglect basics" if status == "scheduled" else "Cancelled: Neglect basics"
    assert parsed.summaries() == {f"session-{world['session'].id}@hips-training": expected}


def test_vtimezone_has_full_rules_for_every_event_year(client, db, world, make_course):
    for year in (2027, 2028, 2031):
        for month in (1, 7):
            start = datetime(year, month, 15, 9, 0)
            db.session.add(
                CourseSession(course=world["course"], starts_at=start, ends_at=start + timedelta(hours=1), capacity=5)
            )
    db.session.commit()
    _, text, parsed = feed(client, "/calendar/public.ics")
    [vtimezone] = parsed.cal.timezones
    kinds = {component.name: component for component in vtimezone.subcomponents}
    assert set(kinds) == {"STANDARD", "DAYLIGHT"}
    for component in kinds.values():
        assert "RRULE" in component and "UNTIL" not in component["RRULE"] and "COUNT" not in component["RRULE"]
        assert component["DTSTART"].dt.year <= 2027
    # Every event's instant read with the file's own VTIMEZONE matches the tz database, in each
    # parser: the rules hold for every year the events fall in, both sides of the clock changes.
    tz, vtz = vtimezone.to_tz(), parsed.vcal.vtimezone.gettzinfo()
    for event in parsed.cal.events:
        local = event["DTSTART"].dt.replace(tzinfo=None)
        expected = local.replace(tzinfo=LONDON).utcoffset()
        assert local.replace(tzinfo=tz).utcoffset() == expected
        assert local.replace(tzinfo=vtz).utcoffset() == expected
    for event in parsed.ical.events:
        assert event.dtstart.utcoffset() == event.dtstart.replace(tzinfo=LONDON).utcoffset()
    assert {e.dtstart.utcoffset() for e in parsed.ical.events} == {timedelta(0), timedelta(hours=1)}


def test_a_course_leaving_a_filtered_feed_moves_its_last_modified(client, db, world, frozen_clock, partnerships):
    """The course leaves ?partnership=PSCP when PSCP stops running it jointly: no session changes."""
    world["course"].joint_partnerships.append(partnerships["PSCP"])
    db.session.commit()
    url = "/calendar/public.ics?partnership=PSCP"
    first, _, parsed = feed(client, url)
    assert parsed.summaries() == {f"session-{world['session'].id}@hips-training": "Neglect basics"}
    frozen_clock(NOW + timedelta(minutes=5))
    world["course"].joint_partnerships.clear()
    db.session.commit()
    again, _, parsed = feed(client, url, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200 and parsed.summaries() == {}
    assert again.last_modified > first.last_modified and again.headers["ETag"] != first.headers["ETag"]
