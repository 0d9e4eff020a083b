"""iCalendar (RFC 5545) documents for course sessions.

One VEVENT per session. The UID is derived from the session id only, so every download, email
attachment and feed describes the same event: calendar clients then move the event when SEQUENCE
grows and remove it when STATUS:CANCELLED arrives.
"""
from datetime import timedelta, timezone

from flask import current_app, has_request_context, url_for
from icalendar import Calendar, Event

from ..clock import LONDON

PRODID = "-//HIPS safeguarding children partnerships//Training bookings//EN"
UID_DOMAIN = "hips-training"


def session_uid(course_session):
    """The stable UID of a session's event (independent of configuration)."""
    return f"session-{course_session.id}@{UID_DOMAIN}"


def session_url(session_id):
    """Absolute URL of the session page, also outside a request (e.g. the mail worker)."""
    if has_request_context():
        return url_for("catalogue.session_detail", session_id=session_id, _external=True)
    base = current_app.config.get("PUBLIC_BASE_URL", "http://localhost")
    with current_app.test_request_context(base_url=base):
        return url_for("catalogue.session_detail", session_id=session_id, _external=True)


def _utc(naive):
    return naive.replace(tzinfo=timezone.utc)


def _london(naive_utc):
    return _utc(naive_utc).astimezone(LONDON)


def describe(course_session, include_join_url):
    """The DESCRIPTION text: course summary, trainers and, in private copies only, the join link."""
    course = course_session.course
    parts = []
    if course.summary:
        parts.append(course.summary.strip())
    trainers = [t.name for t in course_session.trainers]
    if trainers:
        parts.append(("Trainer: " if len(trainers) == 1 else "Trainers: ") + ", ".join(trainers))
    if course_session.status == "cancelled":
        parts.insert(0, "This session has been cancelled.")
    if include_join_url and course_session.join_url and course_session.status != "cancelled":
        platform = course_session.online_platform or "online"
        parts.append(f"Join ({platform}): {course_session.join_url}")
    return "\n\n".join(parts)


def session_event(course_session, include_join_url=False, status=None, url=None):
    """A VEVENT for one session.

    `status` overrides the event status (e.g. TENTATIVE for a waiting-list place); a cancelled
    session is always CANCELLED, a postponed one at most TENTATIVE.
    """
    if course_session.status == "cancelled":
        status = "CANCELLED"
    elif course_session.status == "postponed" and status in (None, "CONFIRMED"):
        status = "TENTATIVE"  # the date no longer holds, but the session has not been called off
    elif status is None:
        status = "CONFIRMED"
    return Event.new(
        uid=session_uid(course_session),
        stamp=_utc(course_session.updated_at),
        sequence=course_session.sequence or 0,
        start=_london(course_session.starts_at),
        end=_london(course_session.ends_at),
        summary=course_session.course.title,
        location=course_session.location_label,
        # Join links go only to people holding a place (not the waiting list) in private copies.
        description=describe(course_session, include_join_url and status == "CONFIRMED"),
        url=url or session_url(course_session.id),
        status=status,
    )


def build_calendar(sessions, name, include_join_url, status_for=None, url_for_session=None):
    """A VCALENDAR with one VEVENT per session and the Europe/London VTIMEZONE they need.

    `status_for(session)` may return "CONFIRMED", "TENTATIVE" or "CANCELLED" (personal feeds);
    `url_for_session(session_id)` may replace the default absolute URL builder (speed).
    """
    cal = Calendar.new(prodid=PRODID, name=name)
    first = last = None
    make_url = url_for_session or session_url
    for course_session in sessions:
        status = status_for(course_session) if status_for else None
        cal.add_component(session_event(course_session, include_join_url, status=status,
                                        url=make_url(course_session.id)))
        start, end = course_session.starts_at.date(), course_session.ends_at.date()
        first = start if first is None or start < first else first
        last = end if last is None or end > last else last
    if first is not None:
        # Cover every event (a day of margin either side), without decades of transitions.
        cal.add_missing_timezones(first_date=first - timedelta(days=1), last_date=last + timedelta(days=1))
    return cal


def session_ics(course_session, include_join_url=False):
    """One session as a complete iCalendar text (the booking email attachment, the download)."""
    cal = build_calendar([course_session], course_session.course.title, include_join_url)
    return cal.to_ical().decode("utf-8")


__all__ = ["build_calendar", "session_ics", "session_event", "session_uid", "session_url", "PRODID"]
