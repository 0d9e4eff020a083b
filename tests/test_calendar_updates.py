"""Every calendar attached to every kind of email says what is true of the person's booking (issue 13).

Each case sets up a world, sends what is queued (so people hold their first copy of the event), does
one thing, and sends again. Every calendar in those emails is read by three parsers and checked:
- the UID is the session's (one event per person per session, so a copy replaces the last one);
- the SEQUENCE is higher than any copy the same person received for that UID before;
- the METHOD (in the file and in the content type) and STATUS are the expected ones for the person
  after the change (REQUEST while they attend, CANCEL with STATUS:CANCELLED once they do not);
- the join link is there only for someone holding a confirmed place;
- the person's subscription feed says the same STATUS and SEQUENCE.
The cases cover book, waiting list, cancel (own and by the team), move, postpone, reschedule, a session
change, session cancel, and waiting-list offers: made, accepted, declined, and run out (expire-offers).
A new kind of email is one more entry in CASES.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from ical_parsers import parse_three
from sqlalchemy import select

from training_app import clock
from training_app.bookings.offers import accept_offer, decline_offer, expire_offers_on
from training_app.bookings.services import book_place, cancel_booking
from training_app.bookings.sessions import cancel_session, notify_session_changed, postpone_session
from training_app.bookings.team_changes import move_booking
from training_app.mail import build_email
from training_app.models import Booking, OutboxMessage

NOW = datetime(2027, 1, 11, 12, 0)
JOIN = "https://teams.example/join/abc"


@dataclass
class Copy:
    """One calendar as a person received it in an email."""

    to: str
    subject: str
    uid: str
    sequence: int
    method: str
    status: str | None
    has_join_link: bool


@dataclass
class World:
    db: object
    admin: object
    people: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)  # (email, uid) -> highest SEQUENCE received
    set_now: object = None  # moves the frozen clock
    sent_during: list = field(default_factory=list)  # copies an action sent part way through

    def booking(self, who, session="first"):
        return self.db.session.scalars(
            select(Booking)
            .where(Booking.user_id == self.people[who].id, Booking.session_id == self.sessions[session].id)
            .order_by(Booking.id.desc())
        ).first()

    def uid(self, session):
        return f"session-{self.sessions[session].id}@hips-training"

    def send(self):
        """Build every queued email as the mail worker does, mark it sent, and return its calendars."""
        copies = []
        for message in self.db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
        ):
            email = build_email(message, "training@hips.test")
            assert email["Date"] and email["Message-ID"]
            for part in email.iter_attachments():
                if part.get_content_type() != "text/calendar":
                    continue
                text = part.get_content()
                parsed = parse_three(text)
                [event] = parsed.cal.events
                assert str(parsed.cal["METHOD"]) == part.get_param("method")
                copies.append(
                    Copy(
                        to=message.to_address,
                        subject=message.subject,
                        uid=str(event["UID"]),
                        sequence=int(event["SEQUENCE"]),
                        method=part.get_param("method"),
                        status=str(event["STATUS"]) if "STATUS" in event else None,
                        has_join_link=JOIN in str(event.get("DESCRIPTION", "")),
                    )
                )
            message.sent_at = clock.now()
        self.db.session.commit()
        return copies


@pytest.fixture
def world(db, frozen_clock, make_user, make_course, make_session):
    frozen_clock(NOW)
    course = make_course(title="Working together", format="live_online")
    w = World(db=db, admin=make_user("system_admin", name="Ada Admin"))
    w.set_now = frozen_clock
    for name in ("first", "second"):
        w.sessions[name] = make_session(
            course=course,
            starts_in=timedelta(days=30 if name == "first" else 45),
            capacity=1,
            venue=None,
            online_platform="Teams",
            join_url=JOIN,
        )
    for who in ("dee", "wes"):
        w.people[who] = make_user(name=who.title(), email=f"{who}@example.org")
    book_place(w.people["dee"], w.sessions["first"].id)  # the place
    book_place(w.people["wes"], w.sessions["first"].id)  # the waiting list
    # A session five days away: a freed place is offered (for 48 hours), not confirmed at once.
    w.sessions["near"] = make_session(
        course=course, starts_in=timedelta(days=5), capacity=1, venue=None, online_platform="Teams", join_url=JOIN
    )
    for who in ("ola", "kit", "pip"):
        w.people[who] = make_user(name=who.title(), email=f"{who}@example.org")
        book_place(w.people[who], w.sessions["near"].id)  # Ola has the place; Kit, then Pip, wait
    db.session.commit()
    return w


def expect(who, session, method, status, join=False):
    return (who, session, method, status, join)


# Each case: what is done, and the calendars that must arrive (person, session, method, STATUS, join link).
CASES = {
    "book": (
        lambda w: book_place(w.people["new"], w.sessions["second"].id),
        [expect("new", "second", "REQUEST", "CONFIRMED", join=True)],
    ),
    "join the waiting list": (
        lambda w: book_place(w.people["new"], w.sessions["first"].id),
        [expect("new", "first", "REQUEST", "TENTATIVE")],
    ),
    "own cancel": (
        lambda w: cancel_booking(w.people["dee"], w.booking("dee")),
        [
            expect("dee", "first", "CANCEL", "CANCELLED"),
            expect("wes", "first", "REQUEST", "CONFIRMED", join=True),  # promoted from the waiting list
        ],
    ),
    "leave the waiting list": (
        lambda w: cancel_booking(w.people["wes"], w.booking("wes")),
        [expect("wes", "first", "CANCEL", "CANCELLED")],
    ),
    "admin cancel": (
        lambda w: cancel_booking(w.admin, w.booking("dee"), as_admin=True, reason="Not a DSL"),
        [
            expect("dee", "first", "CANCEL", "CANCELLED"),
            expect("wes", "first", "REQUEST", "CONFIRMED", join=True),
        ],
    ),
    "move": (
        lambda w: move_booking(w.admin, w.booking("dee"), w.sessions["second"].id),
        [
            expect("dee", "first", "CANCEL", "CANCELLED"),
            expect("dee", "second", "REQUEST", "CONFIRMED", join=True),
            expect("wes", "first", "REQUEST", "CONFIRMED", join=True),
        ],
    ),
    "postpone": (
        lambda w: postpone_session(w.admin, w.sessions["first"], "Trainer unwell"),
        [expect("dee", "first", "REQUEST", "TENTATIVE"), expect("wes", "first", "REQUEST", "TENTATIVE")],
    ),
    "reschedule": (
        lambda w: postpone_session(
            w.admin, w.sessions["first"], "Room lost", NOW + timedelta(days=60), NOW + timedelta(days=60, hours=2)
        ),
        [expect("dee", "first", "REQUEST", "CONFIRMED", join=True), expect("wes", "first", "REQUEST", "TENTATIVE")],
    ),
    "session change": (
        lambda w: change_platform(w),
        [expect("dee", "first", "REQUEST", "CONFIRMED", join=True), expect("wes", "first", "REQUEST", "TENTATIVE")],
    ),
    "offer": (
        lambda w: cancel_booking(w.people["ola"], w.booking("ola", "near")),
        [expect("ola", "near", "CANCEL", "CANCELLED"), expect("kit", "near", "REQUEST", "TENTATIVE")],
    ),
    "offer accepted": (
        lambda w: offer_then(w, lambda: accept_offer(w.people["kit"], w.booking("kit", "near"), "my training")),
        [
            expect("ola", "near", "CANCEL", "CANCELLED"),
            expect("kit", "near", "REQUEST", "TENTATIVE"),
            expect("kit", "near", "REQUEST", "CONFIRMED", join=True),
        ],
    ),
    "offer declined": (
        lambda w: offer_then(w, lambda: decline_offer(w.people["kit"], w.booking("kit", "near"), "my training")),
        [
            expect("ola", "near", "CANCEL", "CANCELLED"),
            expect("kit", "near", "REQUEST", "TENTATIVE"),
            expect("kit", "near", "CANCEL", "CANCELLED"),
            expect("pip", "near", "REQUEST", "TENTATIVE"),  # offered in turn
        ],
    ),
    "offer expiry": (
        lambda w: offer_then(w, lambda: run_out_offers(w)),
        [
            expect("ola", "near", "CANCEL", "CANCELLED"),
            expect("kit", "near", "REQUEST", "TENTATIVE"),
            expect("kit", "near", "CANCEL", "CANCELLED"),
            expect("pip", "near", "REQUEST", "TENTATIVE"),
        ],
    ),
    "session cancel": (
        lambda w: cancel_session(w.admin, w.sessions["first"], "Not enough bookings"),
        [expect("dee", "first", "CANCEL", "CANCELLED"), expect("wes", "first", "CANCEL", "CANCELLED")],
    ),
}


def offer_then(w, answer):
    """Ola cancels, so Kit is offered the place; then `answer` (accept, decline, or the offer runs out)."""
    cancel_booking(w.people["ola"], w.booking("ola", "near"))
    w.db.session.commit()
    assert w.booking("kit", "near").status == "offered"
    w.sent_during += w.send()  # the mail worker delivers the offer before Kit answers it
    answer()


def run_out_offers(w):
    """The clock passes Kit's offer's end, and `flask expire-offers` runs."""
    w.set_now(w.booking("kit", "near").offer_expires_at + timedelta(minutes=1))
    result = expire_offers_on(w.sessions["near"].id, clock.now())
    assert (result.expired, result.given) == (1, 1)


def change_platform(w):
    course_session = w.sessions["first"]
    course_session.online_platform = "Zoom"
    course_session.sequence += 1
    notify_session_changed(w.admin, course_session, ["online_platform"])


def feed_says(client, user, uid):
    """(STATUS, SEQUENCE) of the event `uid` in the person's subscription feed."""
    text = client.get(f"/calendar/{user.calendar_token}/bookings.ics").get_data(as_text=True)
    events = {str(e["UID"]): e for e in parse_three(text).cal.events}
    return str(events[uid]["STATUS"]), int(events[uid]["SEQUENCE"])


@pytest.mark.parametrize("case", list(CASES))
def test_every_emailed_calendar_follows_the_change(client, world, make_user, case):
    world.people["new"] = make_user(name="New", email="new@example.org")
    before = world.send()
    for copy in before:
        world.held[copy.to, copy.uid] = max(world.held.get((copy.to, copy.uid), -1), copy.sequence)
    action, expected = CASES[case]
    action(world)
    world.db.session.commit()
    after = world.sent_during + world.send()
    got = sorted((c.to.split("@")[0], c.uid, c.method, c.status, c.has_join_link) for c in after)
    want = sorted((who, world.uid(session), method, status, join) for who, session, method, status, join in expected)
    assert got == want, (got, want)
    latest = {}
    for copy in after:
        previous = world.held.get((copy.to, copy.uid))
        assert previous is None or copy.sequence > previous, f"{copy.to} {copy.uid} did not move forward"
        world.held[copy.to, copy.uid] = copy.sequence
        latest[copy.to, copy.uid] = copy
    # The last copy each person received says what their subscription feed says now.
    for copy in latest.values():
        person = world.people[copy.to.split("@")[0]]
        assert feed_says(client, person, copy.uid) == (copy.status, copy.sequence)


def test_a_journey_only_ever_sends_newer_copies(client, world, make_user):
    """Book, wait, promote, postpone, reschedule, move back and forth, cancel, book again: one person's
    copies of each event only ever move forward, and the last one says where they stand."""
    dee, wes = world.people["dee"], world.people["wes"]
    first, second = world.sessions["first"], world.sessions["second"]
    new_date = NOW + timedelta(days=50)
    steps = [
        lambda: None,
        lambda: postpone_session(world.admin, first, "Snow"),
        lambda: postpone_session(world.admin, first, "New date", new_date, new_date + timedelta(hours=2)),
        lambda: move_booking(world.admin, world.booking("dee"), second.id),  # Wes gets the first's place
        lambda: cancel_booking(dee, world.booking("dee", "second")),
        lambda: book_place(dee, first.id),  # the waiting list, behind nobody
        lambda: cancel_booking(world.admin, world.booking("wes"), as_admin=True, reason="Duplicate"),  # Dee promoted
        lambda: move_booking(world.admin, world.booking("dee"), second.id),  # back to the second, booked again
    ]
    for step in steps:
        step()
        world.db.session.commit()
        for copy in world.send():
            previous = world.held.get((copy.to, copy.uid), -1)
            assert copy.sequence > previous, (copy.subject, copy.to, copy.sequence, previous)
            world.held[copy.to, copy.uid] = copy.sequence
    # Where they stand now: Wes was promoted when Dee was moved out, then cancelled by the team; Dee
    # waited for the first session again, was promoted, and was moved back to the second.
    assert feed_says(client, dee, world.uid("first"))[0] == "CANCELLED"
    assert feed_says(client, dee, world.uid("second"))[0] == "CONFIRMED"
    assert feed_says(client, wes, world.uid("first"))[0] == "CANCELLED"
    assert world.held[dee.email, world.uid("second")] == feed_says(client, dee, world.uid("second"))[1]
