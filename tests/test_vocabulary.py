"""The vocabularies live in training_app/models/vocabulary.py only: no bare status or role strings."""

import re
from pathlib import Path

import pytest

from training_app.extensions import db as _db
from training_app.models.vocabulary import (
    VOCABULARIES,
    BookingStatus,
    CourseFormat,
    CourseStatus,
    EvaluationStage,
    LevelKind,
    Role,
    SessionStatus,
    one_of,
)

ROOT = Path(__file__).resolve().parent.parent
VALUES = sorted({member.value for vocabulary in VOCABULARIES for member in vocabulary}, key=len, reverse=True)
VALUE = "|".join(re.escape(value) for value in VALUES)
QUOTED = rf"""(?P<q>["'])(?:{VALUE})(?P=q)"""
COLUMNS = "status|role|stage|format|level_kind"

# Ways a bare vocabulary string is used as a rule rather than as data.
PATTERNS = [
    re.compile(rf"(?:==|!=)\s*{QUOTED}"),  # status == "confirmed"
    re.compile(rf"{QUOTED}\s*(?:==|!=)"),  # "confirmed" == status
    # status in ("confirmed", "waitlisted"), for stage in ("pre", "post"), role not in [...]
    re.compile(rf"""\bin\s*[(\[{{][^)\]}}]*{QUOTED}"""),
    re.compile(r"""\.in_\(\s*[(\[{]\s*["']"""),  # Booking.status.in_(("confirmed", ...))
    re.compile(rf"\b(?:{COLUMNS})\s*(?<![=!<>])=(?!=)\s*{QUOTED}"),  # status="cancelled", course.status = "draft"
    re.compile(rf"""["'](?:{COLUMNS})["']\s*:\s*{QUOTED}"""),  # {"status": "archived"}
    re.compile(rf"roles_required\([^)]*{QUOTED}"),  # @roles_required("system_admin")
]


def bare_vocabulary(text):
    """(line number, line) of each line of `text` that compares, filters or sets a bare vocabulary string."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), 1)
        if any(pattern.search(line) for pattern in PATTERNS)
    ]


def checked_files():
    sources = [
        path
        for path in (ROOT / "training_app").rglob("*.py")
        if path.name != "vocabulary.py" and "static" not in path.parts
    ]
    templates = [path for suffix in ("*.html", "*.txt") for path in (ROOT / "templates").rglob(suffix)]
    return sorted(sources + templates)


@pytest.mark.parametrize(
    "line",
    [
        'if booking.status == "confirmed":',
        "if 'cancelled' != course_session.status:",
        'if user.role in ("partnership_admin", "system_admin"):',
        'for stage in ["pre", "post"]:',
        '.where(Booking.status.in_(("confirmed", "waitlisted")))',
        'Booking(session=target, status="confirmed")',
        'course.status = "archived"',
        'changes(course, ("status",), {"status": "draft"})',
        '@roles_required("system_admin")',
        '{% if booking.status == "waitlisted" %}',
        '{% if course_session.status in ("scheduled", "postponed") %}',
        """<a href="{{ url_for('evaluations.answer', stage='pre') }}">""",
    ],
)
def test_the_search_finds_a_planted_bare_string(line):
    text = f"x = 1\n{line}\ny = 2\n"
    assert bare_vocabulary(text) == [(2, line.strip())]


@pytest.mark.parametrize(
    "line",
    [
        "if booking.status == BookingStatus.CONFIRMED:",
        "if user.role in Role.ADMINS:",
        ".where(Booking.status.in_(BookingStatus.OPEN))",
        "Booking(session=target, status=BookingStatus.CONFIRMED)",
        "{% if booking.status == BookingStatus.WAITLISTED %}",
        '<form method="post" novalidate>',
        'flash("Your booking is confirmed")',
        'job_role = StringField("Job role")',
        'if form.mode.data == "new":',
    ],
)
def test_the_search_leaves_enum_members_and_other_strings_alone(line):
    assert bare_vocabulary(line) == []


def test_no_bare_vocabulary_string_is_compared_outside_the_enum_module():
    offenders = []
    for path in checked_files():
        relative = path.relative_to(ROOT).as_posix()
        offenders += [
            f"{relative}:{number}: {line}" for number, line in bare_vocabulary(path.read_text(encoding="utf-8"))
        ]
    assert offenders == [], "Compare with the enums in training_app/models/vocabulary.py:\n" + "\n".join(offenders)


def test_every_member_has_a_label():
    for vocabulary in VOCABULARIES:
        assert set(vocabulary.LABELS) == set(vocabulary), vocabulary.__name__
        assert all(member.label.strip() for member in vocabulary), vocabulary.__name__


def test_labels_keep_their_wording():
    assert BookingStatus.NO_SHOW.label == "Did not attend"
    assert Role.PARTNERSHIP_ADMIN.label == "Partnership administrator"
    assert LevelKind.SUBJECT_SPECIFIC.describe(3) == "Level 3 subject specific"
    assert EvaluationStage.FOLLOW_UP.label == "Follow-up evaluation"


def test_named_sets_hold_members_of_their_own_vocabulary():
    assert set(BookingStatus.ACTIVE) == set(BookingStatus) - {BookingStatus.CANCELLED}
    assert set(BookingStatus.HOLDS_PLACE) | {BookingStatus.WAITLISTED} == set(BookingStatus.ACTIVE)
    for vocabulary in VOCABULARIES:
        for name, value in vars(vocabulary).items():
            if name.isupper() and isinstance(value, tuple):
                assert value and all(isinstance(member, vocabulary) for member in value), name


@pytest.mark.parametrize(
    "table, column, vocabulary, nullable",
    [
        ("bookings", "status", BookingStatus, False),
        ("courses", "status", CourseStatus, False),
        ("courses", "format", CourseFormat, False),
        ("courses", "level_kind", LevelKind, True),
        ("course_sessions", "status", SessionStatus, False),
        ("users", "role", Role, False),
        ("evaluation_forms", "stage", EvaluationStage, False),
        ("evaluation_responses", "stage", EvaluationStage, False),
    ],
)
def test_check_constraints_list_exactly_the_enum_values(table, column, vocabulary, nullable):
    checks = {
        constraint.name: str(constraint.sqltext)
        for constraint in _db.metadata.tables[table].constraints
        if constraint.__class__.__name__ == "CheckConstraint"
    }
    sql = checks[f"ck_{table}_{column}"]
    assert sql == one_of(column, vocabulary, nullable)
    listed = re.search(r"IN \((.*)\)", sql).group(1)
    assert [value.strip("' ") for value in listed.split(",")] == [member.value for member in vocabulary]


@pytest.mark.parametrize(
    "table, column, vocabulary",
    [
        ("bookings", "status", BookingStatus),
        ("courses", "status", CourseStatus),
        ("courses", "format", CourseFormat),
        ("courses", "level_kind", LevelKind),
        ("course_sessions", "status", SessionStatus),
        ("users", "role", Role),
        ("evaluation_forms", "stage", EvaluationStage),
        ("evaluation_responses", "stage", EvaluationStage),
    ],
)
def test_the_migrated_database_checks_exactly_the_enum_values(db, table, column, vocabulary):
    # Alembic's comparison skips check constraints, so read the migrated schema's own text.
    with _db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar()
            found = re.search(rf"CONSTRAINT ck_{table}_{column} CHECK \((.*)\)", sql).group(1)
        else:
            found = conn.exec_driver_sql(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", (f"ck_{table}_{column}",)
            ).scalar()
    assert re.findall(r"'([^']*)'", found) == [member.value for member in vocabulary]
