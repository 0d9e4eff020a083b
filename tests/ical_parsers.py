"""Parse a calendar with three independent parsers and return what each saw.

icalendar (what the app writes with), vobject and ical (allenporter's pydantic-based parser):
a file every one of them reads the same way is one calendar clients read right.
"""

from dataclasses import dataclass

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream


@dataclass
class Parsed:
    cal: icalendar.Calendar
    vcal: object
    ical: object

    def summaries(self):
        """{uid: summary} as each parser read it; they must agree."""
        one = {str(e["UID"]): str(e["SUMMARY"]) for e in self.cal.events}
        two = {v.uid.value: v.summary.value for v in getattr(self.vcal, "vevent_list", [])}
        three = {e.uid: e.summary for e in self.ical.events}
        assert one == two == three
        return one

    def descriptions(self):
        one = {str(e["UID"]): str(e.get("DESCRIPTION", "")) for e in self.cal.events}
        three = {e.uid: e.description or "" for e in self.ical.events}
        assert one == three
        return one


def parse_three(text):
    cal = icalendar.Calendar.from_ical(text)
    assert cal.get_missing_tzids() == set()
    vcal = vobject.readOne(text, validate=True)
    other = IcsCalendarStream.calendar_from_ics(text)
    assert len(other.events) == len(cal.events)
    return Parsed(cal, vcal, other)
