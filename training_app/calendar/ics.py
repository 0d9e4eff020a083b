"""iCalendar (RFC 5545) documents for course sessions.

One VEVENT per session. The UID is derived from the session id only, so every download, email
attachment and feed describes the same event: calendar clients then move the event when SEQUENCE
grows and remove it when STATUS:CANCELLED arrives.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from icalendar import Calendar, Event, Timezone, vDuration
from icalendar.enums import STATUS

from ..clock import LONDON
from ..models import SessionStatus

PRODID = "-//HIPS safeguarding children partnerships//Training bookings//EN"
UID_DOMAIN = "hips-training"
# Every calendar (feed, download, email attachment) is published, not an invitation: mail
# clients then offer to add it, and the email's content type carries the same method.
METHOD = "PUBLISH"
# How often subscribers should poll (RFC 7986, and Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
# Europe/London with its full rules (since 1996), not a list of transitions: older Outlook
# versions map a rule-based VTIMEZONE to their own zone, and it holds for every year.
LONDON_VTIMEZONE = Timezone.from_ical(
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/London\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZNAME:BST\r\n"
    "TZOFFSETFROM:+0000\r\n"
    "TZOFFSETTO:+0100\r\n"
    "DTSTART:19700329T010000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZNAME:GMT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0000\r\n"
    "DTSTART:19701025T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


class _CourseText(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...


class _Trainer(Protocol):
    @property
    def name(self) -> str: ...


class _Place(Protocol):
    @property
    def full_address(self) -> str: ...
    @property
    def map_link(self) -> str | None: ...
    @property
    def accessibility_notes(self) -> str: ...
    @property
    def parking_notes(self) -> str: ...


class EventSession(Protocol):
    """What an event is made from: a CourseSession, or a calendar.feed_sessions.FeedSession (no ORM)."""

    @property
    def id(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def online_platform(self) -> str | None: ...
    @property
    def join_url(self) -> str | None: ...
    @property
    def location_label(self) -> str: ...
    @property
    def venue(self) -> _Place | None: ...
    @property
    def course(self) -> _CourseText: ...
    @property
    def trainers(self) -> Sequence[_Trainer]: ...


StatusFor = Callable[[EventSession], "str | None"]
SequenceFor = Callable[[EventSession], int]
UrlForSession = Callable[[int], str]
# A `status` asking for no STATUS property (a session that is neither cancelled nor postponed, seen by
# someone without a place: "Add to calendar" before booking must not say CONFIRMED).
NO_STATUS = ""


def session_uid(course_session: EventSession) -> str:
    """The stable UID of a session's event (independent of configuration)."""
    return f"session-{course_session.id}@{UID_DOMAIN}"


def session_url(session_id: int) -> str:
    """Absolute URL of the session page, on PUBLIC_BASE_URL (also outside a request, e.g. the mail worker)."""
    from ..web import external_url

    return str(external_url("catalogue.session_detail", session_id=session_id))


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def _london(naive_utc: datetime) -> datetime:
    return _utc(naive_utc).astimezone(LONDON)


def session_location(course_session: EventSession) -> str:
    """LOCATION: a venue's full address with its postcode, else the short label ("Online (Zoom)")."""
    venue = course_session.venue
    return venue.full_address if venue is not None else course_session.location_label


def venue_details(course_session: EventSession) -> list[str]:
    """DESCRIPTION paragraphs about the venue: the map link, access and parking notes."""
    venue = course_session.venue
    if venue is None:
        return []
    parts = [f"Map: {venue.map_link}"] if venue.map_link else []
    if venue.accessibility_notes.strip():
        parts.append(f"Access: {venue.accessibility_notes.strip()}")
    if venue.parking_notes.strip():
        parts.append(f"Parking: {venue.parking_notes.strip()}")
    return parts


def notice(course_session: EventSession, status: str | None = None) -> tuple[str, str] | None:
    """(SUMMARY prefix, DESCRIPTION sentence) for an event that is not simply on, or None.

    Clients that ignore STATUS (Google's subscriptions among them) would otherwise show a
    cancelled, waiting-list or postponed event as a normal one. `status` is what the feed asks
    for, as in event_status().
    """
    if course_session.status == SessionStatus.CANCELLED:
        return "Cancelled: ", "This session has been cancelled."
    if status == "CANCELLED":
        return "Cancelled: ", "Your booking for this session has been cancelled."
    if course_session.status == SessionStatus.POSTPONED:
        return "Postponed: ", "This session has been postponed: the new date is to follow."
    if status == "TENTATIVE":
        return "Waiting list: ", "You are on the waiting list for this session: you do not have a place yet."
    return None


def summary(course_session: EventSession, status: str | None = None) -> str:
    """The SUMMARY: the course title, prefixed when the event is cancelled, waiting or postponed."""
    label = notice(course_session, status)
    return (label[0] if label else "") + course_session.course.title


def describe(course_session: EventSession, include_join_url: bool, status: str | None = None) -> str:
    """The DESCRIPTION text: what is wrong with the event if anything, course summary, trainers,
    the venue's map link and access and parking notes and, in private copies only, the join link."""
    course = course_session.course
    label = notice(course_session, status)
    parts = [label[1]] if label else []
    if course.summary:
        parts.append(course.summary.strip())
    trainers = [t.name for t in course_session.trainers]
    if trainers:
        parts.append(("Trainer: " if len(trainers) == 1 else "Trainers: ") + ", ".join(trainers))
    parts += venue_details(course_session)
    if include_join_url and course_session.join_url and course_session.status != SessionStatus.CANCELLED:
        platform = course_session.online_platform or "online"
        parts.append(f"Join ({platform}): {course_session.join_url}")
    return "\n\n".join(parts)


def event_status(course_session: EventSession, status: str | None = None) -> str:
    """STATUS of a session's event; `status` is what the feed asks for (None means CONFIRMED,
    NO_STATUS means none: then '' unless the session is cancelled or postponed)."""
    if course_session.status == SessionStatus.CANCELLED:
        return "CANCELLED"
    if course_session.status == SessionStatus.POSTPONED and status in (None, NO_STATUS, "CONFIRMED"):
        return "TENTATIVE"  # the date no longer holds, but the session has not been called off
    return "CONFIRMED" if status is None else status


def session_event(
    course_session: EventSession,
    include_join_url: bool = False,
    status: str | None = None,
    url: str | None = None,
    sequence: int | None = None,
) -> Event:
    """A VEVENT for one session.

    `status` overrides the event status (e.g. TENTATIVE for a waiting-list place); a cancelled
    session is always CANCELLED, a postponed one at most TENTATIVE. `sequence` replaces the
    session's own (a person's copy counts their own changes too: calendar.person).
    """
    event = event_status(course_session, status)
    return Event.new(
        uid=session_uid(course_session),
        stamp=_utc(course_session.updated_at),
        sequence=course_session.sequence or 0 if sequence is None else sequence,
        start=_london(course_session.starts_at),
        end=_london(course_session.ends_at),
        summary=summary(course_session, status),
        location=session_location(course_session),
        # Join links go only to people holding a place (not the waiting list) in private copies.
        description=describe(course_session, include_join_url and event == "CONFIRMED", status) or None,
        url=url or session_url(course_session.id),
        status=STATUS(event) if event else None,
    )


def _calendar(name: str, uid: str, method: str = METHOD) -> Calendar:
    """An empty VCALENDAR with the headers every calendar carries."""
    cal = Calendar.new(prodid=PRODID, name=name, uid=uid, method=method)
    # RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL, which icalendar leaves out.
    cal.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    return cal


def build_calendar(
    sessions: Iterable[EventSession],
    name: str,
    include_join_url: bool,
    status_for: StatusFor | None = None,
    url_for_session: UrlForSession | None = None,
    uid: str | None = None,
    sequence_for: SequenceFor | None = None,
    method: str = METHOD,
) -> Calendar:
    """A VCALENDAR with one VEVENT per session and the Europe/London VTIMEZONE they need.

    `status_for(session)` may return "CONFIRMED", "TENTATIVE" or "CANCELLED" (personal feeds);
    `sequence_for(session)` a person's SEQUENCE; `url_for_session(session_id)` may replace the
    default absolute URL builder (speed).
    """
    cal = _calendar(name, uid or calendar_uid(name), method)
    make_url = url_for_session or session_url
    events = [
        session_event(
            course_session,
            include_join_url,
            status=status_for(course_session) if status_for else None,
            url=make_url(course_session.id),
            sequence=sequence_for(course_session) if sequence_for else None,
        )
        for course_session in sessions
    ]
    if events:
        cal.add_component(LONDON_VTIMEZONE)  # first, as render_calendar writes it
    for event in events:
        cal.add_component(event)
    return cal


def session_ics(course_session: EventSession, include_join_url: bool = False, status: str | None = None) -> str:
    """One session as a complete iCalendar text (the booking email attachment, the download).

    `include_join_url` adds the online joining link (only for someone holding a place);
    `status="TENTATIVE"` suits a waiting-list email. A cancelled session is always CANCELLED.
    """
    cal = build_calendar(
        [course_session],
        course_session.course.title,
        include_join_url,
        status_for=(lambda _session: status) if status is not None else None,
        uid=f"calendar-session-{course_session.id}@{UID_DOMAIN}",
    )
    return cal.to_ical().decode("utf-8")


def calendar_uid(name: str) -> str:
    """A calendar's own UID (RFC 7986), stable so repeated downloads are byte-identical."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{UID_DOMAIN}:{name}"))


__all__ = ["build_calendar", "session_ics", "session_event", "session_uid", "session_url", "PRODID"]
