"""Shared form pieces: GOV.UK widgets and validators used across areas."""

import re
from datetime import date, time

from wtforms import validators
from wtforms.fields import Field

COMMON_PASSWORDS = frozenset(
    """password passw0rd password1 password12 password123 password1234 123456789 1234567890
    12345678910 qwertyuiop qwerty123 qwerty1234 iloveyou123 letmein123 welcome123 welcome1234
    football123 baseball123 abc1234567 1q2w3e4r5t 1qaz2wsx3edc zaq12wsx passwordpassword
    changeme123 administrator safeguarding safeguarding1 safeguarding123 trustno1234
    monkey12345 dragon12345 sunshine123 princess123 starwars123 hampshire123 portsmouth1
    southampton isleofwight""".split()
)


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class PasswordRules:
    """NCSC guidance: length over complexity, and no well-known passwords."""

    def __call__(self, form, field):
        password = field.data or ""
        if any(ord(ch) < 32 for ch in password):
            raise validators.ValidationError("Password must not contain control characters")
        if len(password) < 10:
            raise validators.ValidationError("Password must be 10 characters or more")
        if len(password) > 200:
            raise validators.ValidationError("Password must be 200 characters or fewer")
        if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
            raise validators.ValidationError(
                "Password is too easy to guess. Try three random words, like 'harbour-violet-kettle'"
            )


# Bidirectional overrides can make a name or title display differently from what it says.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def no_bidi_controls(form, field):
    if isinstance(field.data, str) and any(ch in BIDI_CONTROLS for ch in field.data):
        raise validators.ValidationError(f"{field.label.text} must not contain text direction control characters")


def no_control_characters(form, field: Field):
    data = field.data
    if isinstance(data, str) and any(ord(ch) < 32 and ch not in "\r\n\t" for ch in data):
        raise validators.ValidationError(f"{field.label.text} must not contain control characters")


def parse_date(text):
    """'27/3/2027', '27 3 2027' or '2027-03-27' to a date, or None."""
    text = (text or "").strip()
    match = re.fullmatch(r"(\d{1,2})[/ .-](\d{1,2})[/ .-](\d{4})", text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


TIME_RE = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


def parse_time(text):
    """time for '09:30', '9.30', '0930', '14:00', '2pm', '2:30pm'; None if it is not a time."""
    match = TIME_RE.match((text or "").strip().lower().replace("a.m.", "am").replace("p.m.", "pm"))
    if not match:
        return None
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if match.group(2) is None and suffix is None:
        return None  # "9" alone is ambiguous
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
