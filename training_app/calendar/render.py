"""Fast rendering for large feeds: the bytes of ics.build_calendar(...).to_ical(), written directly.

icalendar builds a property object per value and folds every line character by character:
about 0.3 ms per event, so 1.5-2 s for a 5,000-session feed. render_calendar() writes the same
bytes directly (tests compare it with build_calendar(...).to_ical() byte for byte), with
icalendar's escaping and folding rules, and icalendar itself for the header and VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable

from .ics import (
    LONDON_VTIMEZONE,
    EventSession,
    SequenceFor,
    StatusFor,
    UrlForSession,
    _calendar,
    _london,
    calendar_uid,
    describe,
    event_status,
    session_location,
    session_uid,
    session_url,
    summary,
)


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping, the same replacements in the same order as icalendar 7."""
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _fold(line: str) -> str:
    """Fold at under 75 octets without splitting a UTF-8 character or an escape (as icalendar 7 does)."""
    if line.isascii():
        # One octet per character: cut every 74, carrying an escape's backslash to the next part.
        parts, start = [], 0
        while len(line) - start > 74:
            end = start + 74
            if line[end - 1] in "\\^":
                end -= 1
            parts.append(line[start:end])
            start = end
        parts.append(line[start:])
        return "\r\n ".join(parts)
    if len(line.encode("utf-8")) < 75:
        return line
    current: list[str] = []
    parts, size = [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, size = [carried], len(carried.encode("utf-8"))
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _text(name: str, value: str) -> str:
    return _fold(f"{name}:{_escape(value)}")


def _event_lines(
    course_session: EventSession, include_join_url: bool, status: str | None, url: str, sequence: int | None
) -> list[str]:
    event = event_status(course_session, status)
    start = _london(course_session.starts_at)
    end = _london(course_session.ends_at)
    lines = [
        "BEGIN:VEVENT",
        _text("SUMMARY", summary(course_session, status)),
        f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/London:{end:%Y%m%dT%H%M%S}",
        f"DTSTAMP:{course_session.updated_at:%Y%m%dT%H%M%S}Z",
        _text("UID", session_uid(course_session)),
        f"SEQUENCE:{course_session.sequence or 0 if sequence is None else sequence}",
    ]
    description = describe(course_session, include_join_url and event == "CONFIRMED", status)
    if description:
        lines.append(_text("DESCRIPTION", description))
    lines.append(_text("LOCATION", session_location(course_session)))
    if event:
        lines.append(f"STATUS:{event}")
    lines += [_fold(f"URL:{url}"), "END:VEVENT"]
    return lines


def render_calendar(
    sessions: Iterable[EventSession],
    name: str,
    include_join_url: bool,
    status_for: StatusFor | None = None,
    url_for_session: UrlForSession | None = None,
    uid: str | None = None,
    sequence_for: SequenceFor | None = None,
) -> bytes:
    """The bytes of build_calendar(...).to_ical(), written directly (for feeds of thousands of events)."""
    cal = _calendar(name, uid or calendar_uid(name))
    listed = list(sessions)
    if listed:
        cal.add_component(LONDON_VTIMEZONE)
    head = cal.to_ical().decode("utf-8")
    assert head.endswith("END:VCALENDAR\r\n")
    make_url = url_for_session or session_url
    lines = [head[: -len("END:VCALENDAR\r\n")].rstrip("\r\n")]
    for course_session in listed:
        status = status_for(course_session) if status_for else None
        sequence = sequence_for(course_session) if sequence_for else None
        lines += _event_lines(course_session, include_join_url, status, make_url(course_session.id), sequence)
    lines.append("END:VCALENDAR\r\n")
    return "\r\n".join(lines).encode("utf-8")
