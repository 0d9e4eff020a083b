"""One parser for ids from outside: plain decimal digits, 1 to 2,147,483,647 (PostgreSQL integer)."""

import pytest

from training_app.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", 1),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (17, 17),
        (MAX_ID, MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999999999", None),
        (10**30, None),
        ("0", None),
        (0, None),
        ("-1", None),
        (-1, None),
        ("", None),
        (None, None),
        (" 5", None),
        ("5 ", None),
        ("+5", None),
        ("5.0", None),
        ("1e3", None),
        ("0x10", None),
        ("\uff15", None),
        ("٣", None),
        (True, None),
        ("abc", None),
        (5.0, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected
