"""Calendar feeds and downloads: RFC 5545 checked with three parsers, privacy, tokens, caching."""

from datetime import UTC, datetime, timedelta

import pytest
from ical_parsers import parse_three
from sqlalchemy import event

from support import venue_named
from training_app import clock
from training_app.models import Booking, CourseSession, User

NOW = datetime(2027, 1, 10, 12, 0)  # naive UTC, well before the 2027 clock changes
UTC = UTC
JOIN = "https://meet.example.org/j/secret-room-123"


@pytest.fixture
def now(frozen_clock, db):
    return frozen_clock(NOW)


def parse(response):
    """Check a calendar response and parse it with icalendar and, independently, vobject and ical."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.get_data()
    text = raw.decode("utf-8")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
    parsed = parse_three(text)  # icalendar, vobject and ical
    return text, parsed.cal, parsed.vcal


def events_by_uid(cal):
    events = {str(e["UID"]): e for e in cal.events}
    assert len(events) == len(cal.events), "duplicate UIDs"
    return events


def uid(course_session):
    return f"session-{course_session.id}@hips-training"


def vevents_by_uid(vcal):
    return {v.uid.value: v for v in getattr(vcal, "vevent_list", [])}


def london_session(db, make_course, local_start, hours=2, course=None, **extra):
    course = course or make_course()
    start = clock.from_london(local_start)
    course_session = CourseSession(
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=extra.pop("capacity", 10),
        venue=venue_named(extra.pop("venue", "Civic Centre")),
        **extra,
    )
    db.session.add(course_session)
    db.session.commit()
    return course_session


def book(db, course_session, user, status="confirmed", **extra):
    booking = Booking(session=course_session, user=user, status=status, **extra)
    db.session.add(booking)
    db.session.commit()
    return booking


def feed_url(user, kind="bookings"):
    return f"/calendar/{user.calendar_token}/{kind}.ics"


# Times and time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "local, utc_instant",
    [
        (datetime(2027, 3, 27, 9, 30), datetime(2027, 3, 27, 9, 30)),  # GMT, the day before clocks go forward
        (datetime(2027, 3, 29, 9, 30), datetime(2027, 3, 29, 8, 30)),  # BST
        (datetime(2027, 10, 30, 9, 30), datetime(2027, 10, 30, 8, 30)),  # BST, the day before clocks go back
        (datetime(2027, 11, 1, 9, 30), datetime(2027, 11, 1, 9, 30)),  # GMT again
    ],
)
def test_times_are_right_on_both_sides_of_the_clock_changes(client, db, now, make_course, local, utc_instant):
    course_session = london_session(db, make_course, local)
    assert course_session.starts_at == utc_instant
    text, cal, vcal = parse(client.get("/calendar/public.ics"))
    assert f"DTSTART;TZID=Europe/London:{local:%Y%m%dT%H%M%S}" in text
    end = local + timedelta(hours=2)
    assert f"DTEND;TZID=Europe/London:{end:%Y%m%dT%H%M%S}" in text
    event_ = events_by_uid(cal)[uid(course_session)]
    assert event_.start.astimezone(UTC) == utc_instant.replace(tzinfo=UTC)
    vevent = vevents_by_uid(vcal)[uid(course_session)]
    assert vevent.dtstart.value.astimezone(UTC) == utc_instant.replace(tzinfo=UTC)
    # DTSTAMP is the session's last change, in UTC.
    assert event_["DTSTAMP"].dt == course_session.updated_at.replace(tzinfo=UTC)


def test_vtimezone_alone_gives_the_right_offsets(client, db, now, make_course):
    """Resolve times from the VTIMEZONE in the file itself (not the parser's own tz database)."""
    london_session(db, make_course, datetime(2027, 3, 29, 9, 30))
    london_session(db, make_course, datetime(2027, 11, 1, 9, 30))
    text, cal, vcal = parse(client.get("/calendar/public.ics"))
    assert text.count("BEGIN:VTIMEZONE") == 1
    tz = cal.timezones[0].to_tz()
    assert datetime(2027, 3, 29, 9, 30, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 11, 1, 9, 30, tzinfo=tz).utcoffset() == timedelta(0)
    vtz = vcal.vtimezone.gettzinfo()
    assert datetime(2027, 3, 29, 9, 30, tzinfo=vtz).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 11, 1, 9, 30, tzinfo=vtz).utcoffset() == timedelta(0)


def test_a_change_of_time_increments_sequence(client, db, now, make_course):
    course_session = london_session(db, make_course, datetime(2027, 3, 29, 9, 30))
    first = client.get("/calendar/public.ics")
    assert events_by_uid(parse(first)[1])[uid(course_session)]["SEQUENCE"] == 0
    # As the admin edit does: move the session and bump the sequence.
    clock.freeze(NOW + timedelta(hours=1))
    course_session.starts_at = clock.from_london(datetime(2027, 3, 30, 14, 0))
    course_session.ends_at = course_session.starts_at + timedelta(hours=3)
    course_session.sequence += 1
    db.session.commit()
    second = client.get("/calendar/public.ics", headers={"If-None-Match": first.headers["ETag"]})
    text, cal, vcal = parse(second)
    event_ = events_by_uid(cal)[uid(course_session)]
    assert event_["SEQUENCE"] == 1
    assert "DTSTART;TZID=Europe/London:20270330T140000" in text
    assert vevents_by_uid(vcal)[uid(course_session)].sequence.value == "1"
    assert event_["DTSTAMP"].dt == datetime(2027, 1, 10, 13, 0, tzinfo=UTC)


# Cancellation --------------------------------------------------------------------------------


def test_cancelled_session_stays_as_cancelled_for_30_days_after_its_start(client, db, now, make_course, make_user):
    delegate = make_user()
    course_session = london_session(db, make_course, datetime(2027, 1, 20, 9, 30))
    book(db, course_session, delegate)
    course_session.status = "cancelled"
    course_session.sequence += 1
    db.session.commit()
    for url in ("/calendar/public.ics", feed_url(delegate), f"/sessions/{course_session.id}/calendar.ics"):
        _, cal, vcal = parse(client.get(url))
        assert events_by_uid(cal)[uid(course_session)]["STATUS"] == "CANCELLED", url
        assert vevents_by_uid(vcal)[uid(course_session)].status.value == "CANCELLED"
    clock.freeze(course_session.starts_at + timedelta(days=29))
    assert uid(course_session) in events_by_uid(parse(client.get(feed_url(delegate)))[1])
    assert uid(course_session) in events_by_uid(parse(client.get("/calendar/public.ics"))[1])
    clock.freeze(course_session.starts_at + timedelta(days=31))
    assert uid(course_session) not in events_by_uid(parse(client.get(feed_url(delegate)))[1])
    assert uid(course_session) not in events_by_uid(parse(client.get("/calendar/public.ics"))[1])


def test_own_cancelled_booking_is_sent_as_cancelled_then_dropped(client, db, now, make_course, make_user):
    delegate = make_user()
    course_session = london_session(db, make_course, datetime(2027, 5, 4, 9, 30))
    book(db, course_session, delegate, status="cancelled", cancelled_at=NOW)
    _, cal, _ = parse(client.get(feed_url(delegate)))
    assert events_by_uid(cal)[uid(course_session)]["STATUS"] == "CANCELLED"
    clock.freeze(NOW + timedelta(days=31))
    _, cal, _ = parse(client.get(feed_url(delegate)))
    assert cal.events == []


def test_booking_again_after_cancelling_shows_one_confirmed_event(client, db, now, make_course, make_user):
    delegate = make_user()
    course_session = london_session(db, make_course, datetime(2027, 5, 4, 9, 30))
    book(db, course_session, delegate, status="cancelled", cancelled_at=NOW - timedelta(days=1))
    book(db, course_session, delegate, status="confirmed")
    book(db, course_session, delegate, status="cancelled", cancelled_at=NOW)  # an older place, listed later
    _, cal, vcal = parse(client.get(feed_url(delegate)))
    assert [(str(e["UID"]), e["STATUS"]) for e in cal.events] == [(uid(course_session), "CONFIRMED")]


def test_postponed_session_is_tentative(client, db, now, make_course):
    course_session = london_session(db, make_course, datetime(2027, 5, 4, 9, 30), status="postponed")
    _, cal, _ = parse(client.get("/calendar/public.ics"))
    assert events_by_uid(cal)[uid(course_session)]["STATUS"] == "TENTATIVE"


# Personal feeds and tokens -------------------------------------------------------------------


def test_personal_feed_shows_own_bookings_with_status(client, db, now, make_course, make_user):
    delegate, other = make_user(), make_user()
    confirmed = london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    waitlisted = london_session(db, make_course, datetime(2027, 2, 2, 9, 30))
    attended = london_session(db, make_course, datetime(2027, 1, 5, 9, 30))
    others = london_session(db, make_course, datetime(2027, 2, 3, 9, 30))
    not_booked = london_session(db, make_course, datetime(2027, 2, 4, 9, 30))
    book(db, confirmed, delegate)
    book(db, waitlisted, delegate, status="waitlisted")
    book(db, attended, delegate, status="attended")
    book(db, others, other)
    book(db, confirmed, other)
    response = client.get(feed_url(delegate))
    assert response.headers["Cache-Control"].startswith("private")
    _, cal, vcal = parse(response)
    statuses = {u: e["STATUS"] for u, e in events_by_uid(cal).items()}
    assert statuses == {uid(confirmed): "CONFIRMED", uid(waitlisted): "TENTATIVE", uid(attended): "CONFIRMED"}
    assert {u: v.status.value for u, v in vevents_by_uid(vcal).items()} == statuses
    assert uid(others) not in statuses and uid(not_booked) not in statuses
    _, other_cal, _ = parse(client.get(feed_url(other)))
    assert set(events_by_uid(other_cal)) == {uid(others), uid(confirmed)}


def test_unknown_token_and_closed_account_are_404(client, db, now, make_user):
    delegate = make_user()
    assert client.get("/calendar/not-a-real-token/bookings.ics").status_code == 404
    assert client.get("/calendar/not-a-real-token/teaching.ics").status_code == 404
    assert client.get(feed_url(delegate)).status_code == 200
    delegate.closed_at = NOW
    db.session.commit()
    assert client.get(feed_url(delegate)).status_code == 404
    assert client.get(feed_url(delegate, "teaching")).status_code == 404


def test_regenerating_the_token_revokes_the_old_url(client, db, now, make_user, login, post_form):
    delegate = login(make_user())
    old = feed_url(delegate)
    assert client.get(old).status_code == 200
    response = post_form("/account", {}, url="/account/calendar-token", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your calendar links have changed" in page
    db.session.expire_all()
    fresh = db.session.get(User, delegate.id)
    assert fresh.calendar_token and feed_url(fresh) != old
    assert client.get(old).status_code == 404
    assert client.get(old.replace("bookings", "teaching")).status_code == 404
    assert client.get(feed_url(fresh)).status_code == 200
    assert f"/calendar/{fresh.calendar_token}/bookings.ics" in page


def test_regenerating_needs_sign_in_and_csrf(client, db, now, make_user, login):
    delegate = make_user()
    token = delegate.calendar_token
    response = client.post("/account/calendar-token")
    assert response.status_code in (400, 302)
    login(delegate)
    assert client.post("/account/calendar-token").status_code == 400  # no CSRF token
    db.session.expire_all()
    assert db.session.get(User, delegate.id).calendar_token == token


def test_account_page_shows_feeds_and_instructions(client, db, now, make_user, login):
    delegate = login(make_user())
    page = client.get("/account").get_data(as_text=True)
    assert f"http://localhost/calendar/{delegate.calendar_token}/bookings.ics" in page
    assert "teaching.ics" not in page
    for app_name in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert app_name in page
    assert 'action="/account/calendar-token"' in page
    assert f'href="webcal://localhost/calendar/{delegate.calendar_token}/bookings.ics"' in page


def test_account_page_shows_teaching_feed_to_trainers(client, db, now, make_user, login):
    trainer = login(make_user(role="trainer"))
    page = client.get("/account").get_data(as_text=True)
    assert f"/calendar/{trainer.calendar_token}/teaching.ics" in page


def test_trainer_feed_lists_sessions_they_deliver(client, db, now, make_course, make_user):
    trainer, colleague = make_user(role="trainer", name="Tess Trainer"), make_user(role="trainer")
    mine = london_session(
        db, make_course, datetime(2027, 2, 1, 9, 30), online_platform="Teams", venue=None, join_url=JOIN
    )
    theirs = london_session(db, make_course, datetime(2027, 2, 2, 9, 30))
    mine.trainers.append(trainer)
    theirs.trainers.append(colleague)
    db.session.commit()
    text, cal, _ = parse(client.get(feed_url(trainer, "teaching")))
    assert set(events_by_uid(cal)) == {uid(mine)}
    assert JOIN in str(events_by_uid(cal)[uid(mine)]["DESCRIPTION"])
    assert "Trainer: Tess Trainer" in str(events_by_uid(cal)[uid(mine)]["DESCRIPTION"])
    assert events_by_uid(cal)[uid(mine)]["LOCATION"] == "Online (Teams)"


# Join links ----------------------------------------------------------------------------------


def test_join_link_only_in_private_feeds_of_people_with_a_place(client, db, now, make_course, make_user):
    confirmed, waitlisted = make_user(), make_user()
    online = london_session(
        db, make_course, datetime(2027, 2, 1, 9, 30), venue=None, online_platform="Zoom", join_url=JOIN
    )
    book(db, online, confirmed)
    book(db, online, waitlisted, status="waitlisted")
    text, cal, _ = parse(client.get(feed_url(confirmed)))
    assert JOIN in str(cal.events[0]["DESCRIPTION"])
    for url in (
        "/calendar/public.ics",
        f"/sessions/{online.id}/calendar.ics",
        feed_url(waitlisted),
        f"/calendar/public.ics?course={online.course.slug}",
    ):
        raw = client.get(url).get_data(as_text=True)
        unfolded = raw.replace("\r\n ", "")
        assert "secret-room" not in unfolded, url
        assert uid(online) in unfolded


# Properties, escaping and folding ------------------------------------------------------------


def test_event_properties(client, db, now, make_course, make_user):
    trainer = make_user(role="trainer", name="Dr Ada Lovelace")
    course = make_course(title="Child sexual exploitation", summary="Spotting the signs of exploitation.")
    course_session = london_session(
        db, make_course, datetime(2027, 2, 1, 9, 30), course=course, venue="Guildhall, Portsmouth"
    )
    course_session.trainers.append(trainer)
    db.session.commit()
    _, cal, vcal = parse(client.get(f"/sessions/{course_session.id}/calendar.ics"))
    event_ = events_by_uid(cal)[uid(course_session)]
    assert event_["SUMMARY"] == "Child sexual exploitation"
    assert event_["LOCATION"] == "Guildhall, Portsmouth"
    assert event_["URL"] == f"http://localhost/sessions/{course_session.id}"
    assert "STATUS" not in event_  # nobody has booked it: "Add to calendar" does not say CONFIRMED
    assert str(event_["DESCRIPTION"]) == "Spotting the signs of exploitation.\n\nTrainer: Dr Ada Lovelace"
    assert cal["PRODID"] and cal["VERSION"] == "2.0"
    assert vcal.vevent.summary.value == "Child sexual exploitation"


def test_commas_semicolons_and_newlines_round_trip(client, db, now, make_course):
    title = 'Neglect, abuse; and "harm" \\ overview'
    venue = "Room 1, Floor 2; Civic Centre\nSouthampton"
    summary = "Line one, with comma;\nline two\n\nParagraph with a backslash \\ too."
    course = make_course(title=title, summary=summary)
    course_session = london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=course, venue=venue)
    text, cal, vcal = parse(client.get(f"/sessions/{course_session.id}/calendar.ics"))
    assert 'SUMMARY:Neglect\\, abuse\\; and "harm" \\\\ overview' in text
    assert "LOCATION:Room 1\\, Floor 2\\; Civic Centre\\nSouthampton" in text
    event_ = cal.events[0]
    assert event_["SUMMARY"] == title
    assert event_["LOCATION"] == venue
    assert str(event_["DESCRIPTION"]).startswith(summary)
    assert vcal.vevent.summary.value == title
    assert vcal.vevent.location.value == venue
    assert vcal.vevent.description.value.startswith(summary)


def test_long_lines_are_folded_at_75_octets(client, db, now, make_course):
    summary = "Safeguarding — résumé of duties for every practitioner. " * 12
    course = make_course(title="A very long course title " * 6, summary=summary)
    course_session = london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=course)
    response = client.get(f"/sessions/{course_session.id}/calendar.ics")
    text, cal, vcal = parse(response)  # parse() checks every line is <= 75 octets
    assert "\r\n " in text
    assert str(cal.events[0]["DESCRIPTION"]).startswith(summary.strip())
    assert vcal.vevent.description.value.startswith(summary.strip())
    assert cal.events[0]["SUMMARY"] == "A very long course title " * 6
    assert vcal.vevent.summary.value == "A very long course title " * 6


# Session download ----------------------------------------------------------------------------


def test_session_download_404s(client, db, now, make_course):
    assert client.get("/sessions/999999/calendar.ics").status_code == 404
    draft = london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=make_course(status="draft"))
    assert client.get(f"/sessions/{draft.id}/calendar.ics").status_code == 404
    live = london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    response = client.get(f"/sessions/{live.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="session-{live.id}.ics"'


# Public feed filters -------------------------------------------------------------------------


def test_public_feed_filters_like_the_catalogue(client, db, now, make_course):
    hips = london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=make_course(owner="HSCP", is_hips=True))
    pscp = london_session(
        db, make_course, datetime(2027, 2, 2, 9, 30), course=make_course(owner="PSCP", level=2, format="live_online")
    )
    hscp = london_session(db, make_course, datetime(2027, 2, 3, 9, 30), course=make_course(owner="HSCP", level=3))
    draft = london_session(db, make_course, datetime(2027, 2, 4, 9, 30), course=make_course(status="draft"))
    past = london_session(db, make_course, datetime(2027, 1, 9, 9, 30))

    def uids(query=""):
        return set(events_by_uid(parse(client.get("/calendar/public.ics" + query))[1]))

    assert uids() == {uid(hips), uid(pscp), uid(hscp)}
    assert uids("?partnership=PSCP") == {uid(hips), uid(pscp)}
    assert uids("?partnership=HIPS") == {uid(hips)}
    assert uids("?level=2") == {uid(pscp)}
    assert uids("?format=live_online") == {uid(pscp)}
    assert uids(f"?course={hscp.course.slug}") == {uid(hscp)}
    assert uids(f"?course={draft.course.slug}") == set()
    assert uids("?partnership=SSCP&level=3") == {uid(hips)}
    assert uid(past) not in uids()
    assert client.get("/calendar/public.ics?course=no-such-course").status_code == 404
    assert client.get("/calendar/public.ics?level=9").status_code == 400
    assert client.get("/calendar/public.ics?partnership=XYZ").status_code == 400
    assert client.get("/calendar/public.ics?format=carrier-pigeon").status_code == 400


def test_partnership_feed_lists_a_shared_course_whoever_runs_the_session(client, db, now, make_course, partnerships):
    """Hampshire practitioners may book a HIPS course's session run by another partnership, so the
    HSCP feed lists it, as the catalogue's partnership filter does."""
    hips = make_course(owner="IOWSCP", is_hips=True)
    by_iow = london_session(db, make_course, datetime(2027, 2, 1, 9, 30), course=hips)
    by_pscp = london_session(
        db, make_course, datetime(2027, 2, 8, 9, 30), course=hips, partnership=partnerships["PSCP"]
    )
    iow_only = london_session(db, make_course, datetime(2027, 2, 9, 9, 30), course=make_course(owner="IOWSCP"))
    feed = set(events_by_uid(parse(client.get("/calendar/public.ics?partnership=HSCP"))[1]))
    assert feed == {uid(by_iow), uid(by_pscp)}
    assert uid(iow_only) in set(events_by_uid(parse(client.get("/calendar/public.ics?partnership=IOWSCP"))[1]))


# Caching -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["public", "personal", "teaching", "session"])
def test_conditional_get_answers_304_until_something_changes(client, db, now, make_course, make_user, kind):
    person = make_user(role="trainer")
    course_session = london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    course_session.trainers.append(person)
    db.session.commit()
    book(db, course_session, person)
    url = {
        "public": "/calendar/public.ics",
        "personal": feed_url(person),
        "teaching": feed_url(person, "teaching"),
        "session": f"/sessions/{course_session.id}/calendar.ics",
    }[kind]
    first = client.get(url)
    parse(first)
    etag = first.headers["ETag"]
    assert etag and first.headers["Last-Modified"]
    repeat = client.get(url, headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert repeat.get_data() == b""
    assert repeat.headers["ETag"] == etag
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # A change the feed shows: the course's title.
    course_session.course.title = "Renamed course"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "SUMMARY:Renamed course" in changed.get_data(as_text=True)


def test_trainer_rename_and_new_session_change_the_public_etag(client, db, now, make_course, make_user):
    trainer = make_user(role="trainer", name="First Name")
    course_session = london_session(db, make_course, datetime(2027, 2, 1, 9, 30))
    course_session.trainers.append(trainer)
    db.session.commit()
    etag = client.get("/calendar/public.ics").headers["ETag"]
    trainer.name = "Second Name"
    db.session.commit()
    response = client.get("/calendar/public.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Second Name" in response.get_data(as_text=True)
    etag = response.headers["ETag"]
    london_session(db, make_course, datetime(2027, 2, 2, 9, 30), course=course_session.course)
    assert client.get("/calendar/public.ics", headers={"If-None-Match": etag}).status_code == 200


def test_session_leaving_the_feed_changes_etag_and_last_modified(client, db, now, make_course):
    soon = london_session(db, make_course, datetime(2027, 1, 10, 12, 30), hours=1)  # ends 13:30 UTC
    later = london_session(db, make_course, datetime(2027, 3, 1, 9, 30))
    first = client.get("/calendar/public.ics")
    assert set(events_by_uid(parse(first)[1])) == {uid(soon), uid(later)}
    clock.freeze(datetime(2027, 1, 10, 14, 0))
    assert client.get("/calendar/public.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    second = client.get("/calendar/public.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200
    assert set(events_by_uid(parse(second)[1])) == {uid(later)}


def test_public_feed_query_count_does_not_grow_with_events(app, client, db, now, make_course, make_user):
    trainer = make_user(role="trainer")

    def count_queries(url):
        statements = []

        def record(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    for day in range(2):
        s = london_session(db, make_course, datetime(2027, 2, 1 + day, 9, 30))
        s.trainers.append(trainer)
    db.session.commit()
    few = count_queries("/calendar/public.ics")
    for day in range(10):
        s = london_session(db, make_course, datetime(2027, 3, 1 + day, 9, 30))
        s.trainers.append(trainer)
    db.session.commit()
    assert count_queries("/calendar/public.ics") == few
