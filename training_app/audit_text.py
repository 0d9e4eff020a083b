"""The audit trail in words: "Asha Patel cancelled Jo Bloggs's booking on Child Neglect, Mon 25 Jan 2027".

Audit events store ids and raw values (training_app.audit); this turns a page of them into sentences for
people. Every record an event names (its target, the sessions in its details, the bookings a register
lists) is loaded in one query per kind for the whole page, so a long trail costs a fixed number of
statements. An action without a phrase here still reads as words ("Booking promoted: ..."), never as
JSON; add a phrase to PHRASES when adding an action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import AuditEvent, Booking, Course, CourseSession, Partnership, User
from .models.vocabulary import BookingStatus, CourseStatus, Role, SessionStatus
from .timefmt import london_datetime

SHORT_DATETIME = "%a %-d %b %Y, %-I:%M%p"

# How a changed field is named in a sentence ("title changed from A to B").
FIELD_NAMES = {
    "starts_at": "start",
    "ends_at": "end",
    "booking_opens_at": "booking opens",
    "booking_closes_at": "booking closes",
    "online_platform": "online platform",
    "join_url": "joining link",
    "duration_minutes": "length (minutes)",
    "learning_outcomes": "learning outcomes",
    "prerequisite_text": "prerequisite",
    "prerequisite_min_level": "level needed first",
    "pre_course_work": "pre-course work",
    "owner_partnership_id": "owning partnership",
    "level_kind": "level kind",
    "elearning_url": "e-learning link",
    "partnership_id": "partnership",
    "expires_at": "offer open until",
    "held_until": "place held until",
    "manager": "line manager",
}

# Stored values that belong to a vocabulary read as its label ("waitlisted" → "On the waiting list").
_LABELS: dict[str, str] = {}
for _vocabulary in (BookingStatus, SessionStatus, CourseStatus, Role):
    _LABELS.update({str(member.value): member.label for member in _vocabulary})


@dataclass
class Records:
    """The records a page of events names, loaded once per kind."""

    bookings: dict[int, Booking] = field(default_factory=dict)
    sessions: dict[int, CourseSession] = field(default_factory=dict)
    courses: dict[int, Course] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    partnerships: dict[int, str] = field(default_factory=dict)

    def session(self, session_id: object) -> str:
        found = self.sessions.get(session_id) if isinstance(session_id, int) else None
        return session_label(found) if found else "a deleted session"

    def person(self, user_id: object) -> str:
        found = self.users.get(user_id) if isinstance(user_id, int) else None
        return found.name if found else "a deleted account"

    def booking_owner(self, booking_id: object) -> str:
        found = self.bookings.get(booking_id) if isinstance(booking_id, int) else None
        return found.user.name if found else f"booking {booking_id}"


@dataclass(frozen=True)
class EventText:
    event: AuditEvent
    sentence: str
    details: list[str]


def session_label(course_session: CourseSession) -> str:
    return f"{course_session.course.title}, {london_datetime(course_session.starts_at, SHORT_DATETIME)}"


def value_text(value: object) -> str:
    """A stored value as words: labels for vocabulary values, London time for timestamps."""
    if value is None or value == "":
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value_text(item) for item in value) or "nothing"
    if isinstance(value, str):
        if value in _LABELS:
            return _LABELS[value]
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return london_datetime(moment.replace(tzinfo=None), SHORT_DATETIME)
    return str(value)


PARTNERSHIP_FIELDS = ("partnership_id", "owner_partnership_id")


def change_lines(changes: object, records: Records | None = None) -> list[str]:
    """{"title": {"before": a, "after": b}} → ["Title: a → b"]; partnership ids read as their codes."""
    if not isinstance(changes, Mapping):
        return []

    def text(name: str, value: object) -> str:
        if records and name in PARTNERSHIP_FIELDS and isinstance(value, int):
            return records.partnerships.get(value, str(value))
        return value_text(value)

    lines = []
    for name, change in changes.items():
        label = FIELD_NAMES.get(name, name.replace("_", " ")).capitalize()
        if isinstance(change, Mapping) and "before" in change:
            lines.append(f"{label}: {text(name, change.get('before'))} → {text(name, change.get('after'))}")
        else:
            lines.append(f"{label}: {text(name, change)}")
    return lines


Phrase = Callable[[AuditEvent, str, Records], str]

# Detail keys already said in the sentence (or internal ids): not repeated as lines.
SAID_IN_SENTENCE = {"from_session", "to_session", "from_booking", "course_id", "by_admin", "status", "after", "via"}


def _target_session(event: AuditEvent, records: Records) -> str:
    return records.session(event.target_id if event.target_type == "CourseSession" else event.session_id)


def _booking(event: AuditEvent, records: Records) -> tuple[str, str, bool]:
    """(the booking's person, its session, whether someone else did this to their booking)."""
    booking = records.bookings.get(event.target_id) if event.target_id is not None else None
    if booking is None:
        return "someone", records.session(event.session_id), event.actor_id is not None
    on_behalf = event.actor_id is not None and event.actor_id != booking.user_id
    return booking.user.name, records.session(booking.session_id), on_behalf


def _booking_created(event: AuditEvent, actor: str, records: Records) -> str:
    person, where, on_behalf = _booking(event, records)
    waiting = event.details.get("status") == BookingStatus.WAITLISTED
    if on_behalf:
        what = f"put {person} on the waiting list for {where}" if waiting else f"booked {person} onto {where}"
        return f"{actor} {what}"
    return f"{person} joined the waiting list for {where}" if waiting else f"{person} booked a place on {where}"


def _booking_cancelled(event: AuditEvent, actor: str, records: Records) -> str:
    person, where, on_behalf = _booking(event, records)
    if event.details.get("by_admin") or on_behalf:
        return f"{actor} cancelled {person}'s booking on {where}"
    return f"{person} cancelled their booking on {where}"


def _booking_promoted(event: AuditEvent, actor: str, records: Records) -> str:
    person, where, _ = _booking(event, records)
    return f"{person} was given a place on {where} from the waiting list"


def _offer(what: str) -> Phrase:
    def phrase(event: AuditEvent, actor: str, records: Records) -> str:
        person, where, _ = _booking(event, records)
        return what.format(person=person, where=where)

    return phrase


def _booking_moved(event: AuditEvent, actor: str, records: Records) -> str:
    person, where, _ = _booking(event, records)
    return f"{actor} moved {person} from {records.session(event.details.get('from_session'))} to {where}"


def _booking_moved_out(event: AuditEvent, actor: str, records: Records) -> str:
    person, where, _ = _booking(event, records)
    return f"{actor} moved {person} off {where} to {records.session(event.details.get('to_session'))}"


def _course(verb: str) -> Phrase:
    def phrase(event: AuditEvent, actor: str, records: Records) -> str:
        course = records.courses.get(event.target_id) if event.target_id is not None else None
        return f"{actor} {verb} the course {course.title if course else 'that is no longer there'}"

    return phrase


def _session(verb: str) -> Phrase:
    def phrase(event: AuditEvent, actor: str, records: Records) -> str:
        return f"{actor} {verb} {_target_session(event, records)}"

    return phrase


def _register_taken(event: AuditEvent, actor: str, records: Records) -> str:
    return f"{actor} took the register for {_target_session(event, records)}"


def _role_changed(event: AuditEvent, actor: str, records: Records) -> str:
    after = event.details.get("after")
    role = value_text(after.get("role")) if isinstance(after, Mapping) else "another role"
    partnership = after.get("partnership_id") if isinstance(after, Mapping) else None
    of = f" of {records.partnerships.get(partnership, partnership)}" if partnership else ""
    how = f" (through the {event.details['via']})" if event.details.get("via") else ""
    return f"{actor} made {records.person(event.target_id)} {role.lower()}{of}{how}"


def _account_closed(event: AuditEvent, actor: str, records: Records) -> str:
    if event.actor_id == event.target_id:
        return f"{actor} closed their account"
    return f"{actor} closed the account of {records.person(event.target_id)}"


def _manager_changed(event: AuditEvent, actor: str, records: Records) -> str:
    if event.actor_id == event.target_id:
        return f"{actor} changed their line manager"
    return f"{actor} changed the line manager of {records.person(event.target_id)}"


PHRASES: dict[str, Phrase] = {
    "booking.created": _booking_created,
    "booking.cancelled": _booking_cancelled,
    "booking.promoted": _booking_promoted,
    "booking.offered": _offer("{person} was offered a place on {where} from the waiting list"),
    "booking.offer_accepted": _offer("{person} accepted the place offered on {where}"),
    "booking.offer_declined": _offer("{person} declined the place offered on {where}"),
    "booking.offer_expired": _offer("The place offered to {person} on {where} ran out"),
    "booking.approval_requested": _offer("{person}'s line manager was asked to approve the place held on {where}"),
    "booking.approval_reminded": _offer("{person}'s line manager was reminded to answer for {where}"),
    "booking.approved": _offer("{person}'s line manager approved the place on {where}"),
    "booking.approval_declined": _offer("{person}'s line manager declined the booking on {where}"),
    "booking.approval_expired": _offer("The approval asked for {person} on {where} ran out"),
    "booking.no_show_asked": _offer("{person} was asked why they did not attend {where}"),
    "booking.no_show_reason_given": _offer("{person} said why they did not attend {where}"),
    "booking.moved": _booking_moved,
    "booking.moved_out": _booking_moved_out,
    "course.created": _course("created"),
    "course.updated": _course("updated"),
    "course.archived": _course("archived"),
    "course.restored": _course("restored"),
    "session.created": _session("scheduled"),
    "session.updated": _session("changed"),
    "session.capacity_changed": _session("changed the number of places on"),
    "session.cancelled": _session("cancelled"),
    "session.postponed": _session("postponed"),
    "session.changed_notified": _session("emailed the delegates of"),
    "session.emailed": _session("sent a message about"),
    "register.taken": _register_taken,
    "user.role_changed": _role_changed,
    "account.closed": _account_closed,
    "account.manager_changed": _manager_changed,
}


def _generic(event: AuditEvent, actor: str, records: Records) -> str:
    """An action without its own phrase: still words, never JSON."""
    what = event.action.replace(".", " ").replace("_", " ")
    target = event.target_type
    if event.target_type == "CourseSession":
        target = records.session(event.target_id)
    elif event.target_type == "User":
        target = records.person(event.target_id)
    return f"{actor}: {what} ({target})"


def detail_lines(event: AuditEvent, records: Records) -> list[str]:
    """Every detail of the event that the sentence does not already say, as lines of words."""
    lines: list[str] = []
    for key, value in event.details.items():
        if key in SAID_IN_SENTENCE or value is None:  # an empty detail (no reason given) says nothing
            continue
        if key == "changes" and event.action == "register.taken" and isinstance(value, Mapping):
            lines += [
                f"{records.booking_owner(int(booking_id))}: {value_text(mark.get('after'))}"
                for booking_id, mark in value.items()
                if str(booking_id).isdigit() and isinstance(mark, Mapping)
            ] or ["No marks changed."]
        elif key == "changes":
            lines += change_lines(value, records)
        elif key == "capacity":
            lines += change_lines({"places": value})
        elif isinstance(value, Mapping) and key in ("before", "values"):
            prefix = "Before: " if key == "before" else ""
            lines += [prefix + line for line in change_lines(value, records)]
        elif key == "cancelled_bookings" and isinstance(value, list):
            lines.append(f"Future bookings cancelled: {len(value)}")
        elif key == "evaluation_responses":
            lines += [f"Evaluation answers that moved with them: {value}"] if value else []
        elif key == "was":
            lines.append(f"Was: {value_text(value)}")
        elif key == "late":
            lines.append("A late cancellation." if value else "Not a late cancellation.")
        elif key == "fields" and isinstance(value, list):
            lines.append("About: " + value_text([str(name).replace("_", " ") for name in value]))
        elif isinstance(value, Mapping):
            lines += change_lines({key: value}, records)
        else:
            lines.append(f"{FIELD_NAMES.get(key, key.replace('_', ' ')).capitalize()}: {value_text(value)}")
    return lines


def action_label(action: str) -> str:
    """'session.capacity_changed' → 'Session: capacity changed' (the audit log's filter)."""
    kind, _, what = action.partition(".")
    return f"{kind.replace('_', ' ').capitalize()}: {what.replace('_', ' ')}" if what else action.capitalize()


def _ints(values: Iterable[object]) -> set[int]:
    return {value for value in values if isinstance(value, int) and not isinstance(value, bool)}


def _load(events: Sequence[AuditEvent]) -> Records:
    records = Records()
    by_type: dict[str, set[int]] = {}
    for event in events:
        if event.target_id is not None:
            by_type.setdefault(event.target_type, set()).add(event.target_id)
    booking_ids = set(by_type.get("Booking", set()))
    session_ids = set(by_type.get("CourseSession", set()))
    for event in events:
        session_ids |= _ints([event.session_id, event.details.get("from_session"), event.details.get("to_session")])
        if event.action == "register.taken" and isinstance(event.details.get("changes"), Mapping):
            booking_ids |= {int(key) for key in event.details["changes"] if str(key).isdigit()}
    if booking_ids:
        bookings = db.session.scalars(
            select(Booking).where(Booking.id.in_(booking_ids)).options(selectinload(Booking.user))
        )
        records.bookings = {booking.id: booking for booking in bookings}
        session_ids |= {booking.session_id for booking in records.bookings.values()}
    if session_ids:
        sessions = db.session.scalars(
            select(CourseSession).where(CourseSession.id.in_(session_ids)).options(selectinload(CourseSession.course))
        )
        records.sessions = {course_session.id: course_session for course_session in sessions}
    if by_type.get("Course"):
        records.courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(by_type["Course"])))}
    if any("partnership" in str(event.details) for event in events):
        rows = db.session.execute(select(Partnership.id, Partnership.code))
        records.partnerships = {partnership_id: code for partnership_id, code in rows}
    if by_type.get("User"):
        records.users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(by_type["User"])))}
    return records


def describe(events: Sequence[AuditEvent]) -> list[EventText]:
    """Each event as a sentence and detail lines, in the order given. The events' actors should be
    loaded with them (selectinload(AuditEvent.actor)) to keep the statement count fixed."""
    records = _load(events)
    described = []
    for event in events:
        actor = event.actor.name if event.actor else "The system"
        sentence = PHRASES.get(event.action, _generic)(event, actor, records)
        described.append(EventText(event=event, sentence=sentence, details=detail_lines(event, records)))
    return described
