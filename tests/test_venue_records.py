"""Venues are records (issue 12): postcodes, the room size as a limit on places, the admin pages, and
the full address on the session page, in emails and in calendar events."""

from datetime import datetime, timedelta

import pytest
from ical_parsers import parse_three
from sqlalchemy import event, func, select

from training_app.admin.session_services import InvalidSession, RoomTooSmall, schedule_session, update_session
from training_app.bookings.errors import CapacityError
from training_app.bookings.services import book_place
from training_app.bookings.team_changes import change_capacity
from training_app.models import AuditEvent, CourseSession, OutboxMessage, Venue
from training_app.postcodes import normalise_postcode

NOW = datetime(2027, 1, 10, 12, 0)
OSM = "https://www.openstreetmap.org/search?query="


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


@pytest.fixture
def make_venue(db, partnerships):
    def make(name="Civic Centre", partnership="SSCP", room=20, **extra):
        venue = Venue(
            name=name,
            address=extra.pop("address", "Civic Centre Road\nSouthampton"),
            postcode=extra.pop("postcode", "SO14 7LY"),
            room_capacity=room,
            accessibility_notes=extra.pop("accessibility_notes", "Level access from Civic Centre Road."),
            parking_notes=extra.pop("parking_notes", "Pay and display on Commercial Road."),
            partnership=partnerships[partnership] if partnership else None,
            **extra,
        )
        db.session.add(venue)
        db.session.commit()
        return venue

    return make


@pytest.fixture
def civic(make_venue):
    return make_venue()


def session_values(venue=None, capacity=20, **extra):
    starts = datetime(2027, 6, 15, 8, 30)
    return {
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=3),
        "venue_id": venue.id if venue else None,
        "online_platform": None if venue else "Zoom",
        "join_url": None,
        "capacity": capacity,
        "trainer_ids": [],
        "booking_opens_at": None,
        "booking_closes_at": None,
        **extra,
    }


def form_data(venue, capacity="20", **extra):
    return {
        "date": ["15", "6", "2027"],
        "start_time": "09:30",
        "end_time": "12:30",
        "location_kind": "venue",
        "venue_id": str(venue.id),
        "capacity": capacity,
        **extra,
    }


# ---------------------------------------------------------------- postcodes and wording


@pytest.mark.parametrize(
    "typed, written",
    [
        ("so14 7ly", "SO14 7LY"),
        ("SO147LY", "SO14 7LY"),
        ("  po30   1ud ", "PO30 1UD"),
        ("PO1 2AL", "PO1 2AL"),
        ("w1a 1aa", "W1A 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("m1 1ae", "M1 1AE"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_postcodes_are_written_upper_case_with_one_space(typed, written):
    assert normalise_postcode(typed) == written


@pytest.mark.parametrize(
    "typed", ["", None, "SO14", "SO14 7L", "12345", "SO14 7LYX", "Q1 1AA", "SO14 7CI", "ＳＯ14 7LY"]
)
def test_things_that_are_not_postcodes_are_refused(typed):
    assert normalise_postcode(typed) is None


def test_venue_wording_long_and_short(civic, make_venue):
    assert civic.address_lines == ["Civic Centre", "Civic Centre Road", "Southampton", "SO14 7LY"]
    assert civic.full_address == "Civic Centre, Civic Centre Road, Southampton, SO14 7LY"
    assert civic.short_label == "Civic Centre, Southampton"
    assert civic.map_link == OSM + "SO14+7LY"  # derived from the postcode when none is given
    mapped = make_venue("County Hall", "IOWSCP", map_url="https://maps.example.org/county-hall")
    assert mapped.map_link == "https://maps.example.org/county-hall"
    # A venue moved from free text (migration 0009): the text is its name and address, no postcode.
    moved = make_venue("Castle Hill, Winchester", None, room=None, address="Castle Hill, Winchester", postcode=None)
    assert moved.full_address == moved.short_label == "Castle Hill, Winchester"
    assert moved.map_link is None and moved.room_refusal(500) is None


# ---------------------------------------------------------------- the room holds the places


def test_scheduling_more_places_than_the_room_holds_is_refused(db, make_course, hscp_admin, civic):
    course = make_course()
    with pytest.raises(RoomTooSmall) as refused:
        schedule_session(hscp_admin, course, session_values(civic, capacity=21))
    assert refused.value.message == "The room at Civic Centre holds 20 people. Enter 20 or fewer places"
    assert refused.value.field == "capacity"
    db.session.rollback()
    assert schedule_session(hscp_admin, course, session_values(civic, capacity=20)).venue_id == civic.id


def test_the_session_form_shows_the_room_refusal_on_the_capacity_field(
    client, db, login, post_form, hscp_admin, make_course, civic
):
    course = make_course()
    login(hscp_admin)
    url = f"/admin/courses/{course.id}/sessions/new"
    response = post_form(url, form_data(civic, capacity="24"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = "The room at Civic Centre holds 20 people. Enter 20 or fewer places"
    assert html.count(message) == 2  # the error summary and the field
    assert 'href="#capacity"' in html and 'id="capacity-error"' in html
    assert db.session.scalar(select(func.count(CourseSession.id))) == 0
    assert post_form(url, form_data(civic, capacity="20")).status_code == 302
    assert db.session.scalars(select(CourseSession)).one().venue_id == civic.id


def test_editing_capacity_or_venue_is_held_to_the_room(db, make_session, make_venue, hscp_admin, civic):
    small = make_venue("Meeting Room 2", room=12)
    s = make_session(venue=civic, capacity=20, starts_in=timedelta(days=30))
    starts = s.starts_at
    values = session_values(civic, capacity=25, starts_at=starts, ends_at=s.ends_at)
    with pytest.raises(RoomTooSmall, match="The room at Civic Centre holds 20 people"):
        update_session(hscp_admin, s, values)
    db.session.rollback()
    with pytest.raises(RoomTooSmall, match="The room at Meeting Room 2 holds 12 people. Enter 12 or fewer places"):
        update_session(hscp_admin, s, {**values, "venue_id": small.id, "capacity": 20})
    db.session.rollback()
    assert update_session(hscp_admin, s, {**values, "venue_id": small.id, "capacity": 12}) == ["venue_id"]
    db.session.commit()
    assert (s.venue_id, s.capacity, s.sequence) == (small.id, 12, 1)


def test_a_room_made_smaller_does_not_block_other_edits_of_a_session(db, make_session, hscp_admin, trainer, civic):
    s = make_session(venue=civic, capacity=20, starts_in=timedelta(days=30))
    civic.room_capacity = 15
    db.session.commit()
    values = session_values(civic, capacity=20, starts_at=s.starts_at, ends_at=s.ends_at, trainer_ids=[trainer.id])
    assert update_session(hscp_admin, s, values) == []  # the trainer changed; the places are as they were
    db.session.commit()
    with pytest.raises(RoomTooSmall):
        update_session(hscp_admin, s, {**values, "capacity": 18})  # changing them, they must fit
    db.session.rollback()
    assert update_session(hscp_admin, s, {**values, "capacity": 15}) == []


def test_the_register_capacity_change_is_held_to_the_room(db, make_session, hscp_admin, civic):
    s = make_session(venue=civic, capacity=10)
    with pytest.raises(CapacityError, match="The room at Civic Centre holds 20 people"):
        change_capacity(hscp_admin, s, 21)
    db.session.rollback()
    change_capacity(hscp_admin, s, 20)
    db.session.commit()
    assert s.capacity == 20


def test_retired_venues_are_not_offered_but_sessions_there_keep_them(
    client, db, login, hscp_admin, make_course, make_session, make_venue, civic
):
    retired = make_venue("Old Library", retired_at=NOW)
    course = make_course()
    login(hscp_admin)
    html = client.get(f"/admin/courses/{course.id}/sessions/new").get_data(as_text=True)
    assert "Civic Centre, Southampton (room for 20)" in html and "Old Library" not in html
    with pytest.raises(InvalidSession, match="Select a venue that is in use"):
        schedule_session(hscp_admin, course, session_values(retired))
    db.session.rollback()
    kept = make_session(course=course, venue=retired, capacity=10, starts_in=timedelta(days=30))
    html = client.get(f"/admin/sessions/{kept.id}/edit").get_data(as_text=True)
    assert f'<option value="{retired.id}" selected>Old Library, Southampton (room for 20)</option>' in html
    values = session_values(retired, capacity=10, starts_at=kept.starts_at, ends_at=kept.ends_at)
    assert update_session(hscp_admin, kept, values) == []


# ---------------------------------------------------------------- the admin pages


def test_partnership_admin_adds_a_venue_for_their_own_partnership(
    client, db, login, post_form, hscp_admin, partnerships
):
    login(hscp_admin)
    response = post_form(
        "/admin/venues/new",
        {
            "name": "Castle Hill Training Suite",
            "address": "Elizabeth II Court\r\nThe Castle\r\nWinchester",
            "postcode": " so23 8uj ",
            "room_capacity": "40",
            "accessibility_notes": "Step-free entrance",
            "parking_notes": "",
            "partnership_id": str(partnerships["SSCP"].id),  # not theirs to choose: ignored
        },
    )
    assert response.status_code == 302
    venue = db.session.scalars(select(Venue)).one()
    assert (venue.postcode, venue.room_capacity, venue.partnership_id) == ("SO23 8UJ", 40, partnerships["HSCP"].id)
    assert venue.short_label == "Castle Hill Training Suite, Winchester"
    assert venue.parking_notes == "" and venue.map_url is None
    audit = db.session.scalars(select(AuditEvent)).one()
    assert (audit.action, audit.target_id, audit.actor_id) == ("venue.created", venue.id, hscp_admin.id)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"postcode": "SO14"}, "Enter a real postcode, like SO14 7LY"),
        ({"postcode": ""}, "Enter the postcode"),
        ({"name": ""}, "Enter a name"),
        ({"address": ""}, "Enter the address"),
        ({"room_capacity": ""}, "Enter how many people the room holds"),
        ({"room_capacity": "0"}, "Room capacity must be 1 or more"),
        ({"room_capacity": "twenty"}, "Room capacity must be a whole number, like 20"),
        ({"map_url": "http://maps.example.org"}, "Map link must be a full web address starting with https://"),
    ],
)
def test_venue_form_errors_rerender_and_save_nothing(client, db, login, post_form, system_admin, overrides, message):
    login(system_admin)
    data = {"name": "Civic Centre", "address": "Southampton", "postcode": "SO14 7LY", "room_capacity": "50"}
    response = post_form("/admin/venues/new", {**data, **overrides})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert db.session.scalar(select(func.count(Venue.id))) == 0


def test_venue_list_shows_each_admin_the_venues_they_manage(client, login, hscp_admin, system_admin, make_venue):
    make_venue("Castle Hill Training Suite", "HSCP", address="The Castle\nWinchester", postcode="SO23 8UJ")
    make_venue("County Hall", "IOWSCP", address="High Street\nNewport", postcode="PO30 1UD")
    make_venue("Old Library", "HSCP", room=12, retired_at=NOW)
    login(hscp_admin)
    html = client.get("/admin/venues").get_data(as_text=True)
    assert "2 venues" in html and "Castle Hill Training Suite, Winchester" in html and "County Hall" not in html
    assert html.index("Castle Hill") < html.index("Old Library")  # in use first
    assert "Retired" in html
    login(system_admin)
    html = client.get("/admin/venues").get_data(as_text=True)
    assert "3 venues" in html and "County Hall, Newport" in html and "IOWSCP" in html


def test_admins_cannot_change_another_partnerships_venue(client, db, login, post_form, iow_admin, civic):
    login(iow_admin)
    assert client.get(f"/admin/venues/{civic.id}/edit").status_code == 403
    data = {"name": "Hijacked", "address": "x", "postcode": "PO30 1UD", "room_capacity": "5"}
    assert post_form("/admin/venues/new", data, url=f"/admin/venues/{civic.id}/edit").status_code == 403
    assert post_form("/admin/venues/new", {}, url=f"/admin/venues/{civic.id}/retire").status_code == 403
    db.session.expire_all()
    assert (civic.name, civic.room_capacity, civic.retired_at) == ("Civic Centre", 20, None)
    assert client.get("/admin/venues/424242/edit").status_code == 404


def test_trainers_and_practitioners_cannot_see_venues(client, login, trainer, practitioner, civic):
    for person in (trainer, practitioner):
        login(person)
        for url in ("/admin/venues", "/admin/venues/new", f"/admin/venues/{civic.id}/edit"):
            assert client.get(url).status_code == 403


def test_editing_the_address_moves_upcoming_events_and_warns_of_a_smaller_room(
    client, db, login, post_form, make_user, make_session, civic
):
    admin = login(make_user("partnership_admin", partnership="SSCP"))
    upcoming = make_session(venue=civic, capacity=20, starts_in=timedelta(days=30))
    fits = make_session(venue=civic, capacity=12, starts_in=timedelta(days=40))
    past = make_session(venue=civic, capacity=20, starts_in=timedelta(days=-3))
    data = {
        "name": "Civic Centre",
        "address": "Civic Centre Road\nSouthampton",
        "postcode": "SO14 7LP",
        "room_capacity": "15",
        "accessibility_notes": "Level access",
        "parking_notes": "",
    }
    response = post_form(f"/admin/venues/{civic.id}/edit", data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/venues/{civic.id}/edit")
    html = client.get(f"/admin/venues/{civic.id}/edit").get_data(as_text=True)
    assert "1 upcoming session has more places than the room holds (15)" in html
    assert f"/admin/sessions/{upcoming.id}/edit" in html and f"/admin/sessions/{fits.id}/edit" not in html
    db.session.expire_all()
    assert [s.sequence for s in (upcoming, fits, past)] == [1, 1, 0]  # calendars pick up the new postcode
    assert upcoming.capacity == 20  # the admin decides what to do about it
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "venue.updated")).one().details
    assert changes["changes"]["postcode"] == {"before": "SO14 7LY", "after": "SO14 7LP"}
    assert changes["changes"]["room_capacity"] == {"before": 20, "after": 15}
    assert admin.id is not None


def test_retire_and_reinstate(client, db, login, post_form, system_admin, make_session, civic):
    make_session(venue=civic, capacity=10, starts_in=timedelta(days=30))
    login(system_admin)
    page = f"/admin/venues/{civic.id}/edit"
    response = post_form(page, {}, url=f"/admin/venues/{civic.id}/retire", follow_redirects=True)
    assert "1 upcoming session is still held there" in response.get_data(as_text=True)
    db.session.expire_all()
    assert civic.retired_at == NOW
    post_form(page, {}, url=f"/admin/venues/{civic.id}/reinstate")
    db.session.expire_all()
    assert civic.retired_at is None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["venue.retired", "venue.reinstated"]


def test_venue_list_statements_do_not_grow_with_venues(app, client, db, login, system_admin, make_venue):
    login(system_admin)

    def count(url):
        db.session.commit()
        db.session.expire_all()  # each request starts cold, as it does in production
        statements = []

        def record(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    # Venues of all four partnerships from the start, so both counts find the same partnerships
    # already loaded (the footer's contact team may be one of them).
    for n in range(4):
        make_venue(f"Venue {n}", ("HSCP", "PSCP", "SSCP", "IOWSCP")[n % 4])
    few = count("/admin/venues")
    for n in range(4, 16):
        make_venue(f"Venue {n}", ("HSCP", "PSCP", "SSCP", "IOWSCP")[n % 4])
    assert count("/admin/venues") == few
    assert few <= 8


# ---------------------------------------------------------------- what delegates see


@pytest.fixture
def booked(db, make_session, make_venue, practitioner):
    venue = make_venue(
        "Civic Offices",
        "PSCP",
        address="Guildhall Square\nPortsmouth",
        postcode="PO1 2AL",
        room=35,
        accessibility_notes="Step-free access from Guildhall Square.\nQuiet room on request.",
        parking_notes="Isambard Brunel car park, 5 minutes' walk.",
    )
    s = make_session(venue=venue, capacity=10, starts_in=timedelta(days=30))
    booking = book_place(practitioner, s.id).booking
    db.session.commit()
    return s, booking


def test_session_page_shows_the_full_address_map_and_notes(client, booked):
    s, _ = booked
    html = client.get(f"/sessions/{s.id}").get_data(as_text=True)
    assert "Civic Offices<br>Guildhall Square<br>Portsmouth<br>PO1 2AL" in html
    assert f'href="{OSM}PO1+2AL"' in html
    assert "Step-free access from Guildhall Square.<br>Quiet room on request." in html
    assert "Isambard Brunel car park, 5 minutes&#39; walk." in html


def test_catalogue_lists_keep_the_short_label(client, booked):
    s, _ = booked
    html = client.get(f"/courses/{s.course.slug}").get_data(as_text=True)
    assert "Civic Offices, Portsmouth" in html and "PO1 2AL" not in html


def test_booking_email_gives_the_full_address_map_and_notes(db, booked):
    body = db.session.scalars(select(OutboxMessage.body_text)).one()
    assert "Where:   Civic Offices, Guildhall Square, Portsmouth, PO1 2AL\n" in body
    assert f"Map:     {OSM}PO1+2AL\n" in body
    assert "Access:  Step-free access from Guildhall Square.\n         Quiet room on request.\n" in body
    assert "Parking: Isambard Brunel car park, 5 minutes' walk.\n" in body


def test_calendar_event_location_is_the_full_address_with_notes(client, booked):
    s, _ = booked
    text = client.get(f"/sessions/{s.id}/calendar.ics").get_data(as_text=True)
    parsed = parse_three(text)
    (vevent,) = parsed.cal.events
    assert str(vevent["LOCATION"]) == "Civic Offices, Guildhall Square, Portsmouth, PO1 2AL"
    assert parsed.vcal.vevent.location.value == "Civic Offices, Guildhall Square, Portsmouth, PO1 2AL"
    assert parsed.ical.events[0].location == "Civic Offices, Guildhall Square, Portsmouth, PO1 2AL"
    description = parsed.descriptions()[str(vevent["UID"])]
    assert f"Map: {OSM}PO1+2AL" in description
    assert "Access: Step-free access from Guildhall Square.\nQuiet room on request." in description
    assert "Parking: Isambard Brunel car park, 5 minutes' walk." in description


def test_feeds_show_the_same_location_as_the_download(client, booked, practitioner):
    s, _ = booked
    download = parse_three(client.get(f"/sessions/{s.id}/calendar.ics").get_data(as_text=True)).cal.events[0]
    public = parse_three(client.get("/calendar/public.ics").get_data(as_text=True)).cal.events[0]
    personal = client.get(f"/calendar/{practitioner.calendar_token}/bookings.ics").get_data(as_text=True)
    mine = parse_three(personal).cal.events[0]
    for feed_event in (public, mine):
        assert str(feed_event["LOCATION"]) == str(download["LOCATION"])
        assert str(feed_event["DESCRIPTION"]) == str(download["DESCRIPTION"])


def test_demo_venues_cover_the_four_areas_and_hold_their_sessions(db):
    from training_app.demo import VENUES, seed_demo

    seed_demo(today=NOW.date())
    db.session.commit()
    venues = db.session.scalars(select(Venue).order_by(Venue.id)).all()
    assert len(venues) == sum(len(listed) for listed in VENUES.values()) == 5
    assert {v.partnership.code for v in venues} == {"HSCP", "IOWSCP", "PSCP", "SSCP"}
    assert all(normalise_postcode(v.postcode) == v.postcode and v.room_capacity for v in venues)
    in_person = db.session.scalars(select(CourseSession).where(CourseSession.venue_id.is_not(None))).all()
    assert in_person and all(s.capacity <= s.venue.room_capacity and s.online_platform is None for s in in_person)
    runners = {s.venue.partnership_id == s.partnership_id for s in in_person}
    assert runners == {True}  # each partnership runs its sessions at its own venue
    seed_demo(today=NOW.date())  # and running it again adds none
    db.session.commit()
    assert db.session.scalar(select(func.count(Venue.id))) == 5
