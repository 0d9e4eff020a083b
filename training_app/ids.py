"""Ids that arrive from outside (URL paths, form fields, query strings) are read in one place.

Our ids are PostgreSQL `integer`s (1 to 2,147,483,647). Anything else - a negative, zero, a number
too big for the column (which SQLite refuses with OverflowError), "1e9", full-width digits - cannot
name a row, so it is answered as "not found" before it reaches the database.
"""

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2_147_483_647


def parse_id(value: object) -> int | None:
    """`value` (a str from a form or query string, or an int) as an id, or None if it cannot be one:
    only plain decimal digits, 1 to MAX_ID."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def coerce_id(value: object) -> int | None:
    """For WTForms SelectField(coerce=...): the id, or None (an empty choice, or junk, which then fails a
    DataRequired validator or matches no choice)."""
    return parse_id(value)


class IdConverter(IntegerConverter):
    """Flask's <int:...> for ids: 1 to MAX_ID, so /bookings/99999999999999999999999 is a 404, not a 500."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int = 1,
        max: int = MAX_ID,  # noqa: A002
        signed: bool = False,
    ) -> None:  # (werkzeug's names)  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
