"""Importing e-learning completions from an e-learning platform's CSV export.

The file has a header row naming the columns email, course and completed on (in any order and case;
"completed_on" and "completed" are read too). Each row is one person completing one e-learning course
(found by its title or its slug) on a date (27/03/2026 or 2026-03-27, a London date). Rows that
cannot be matched are listed with their line number and left out; the others are recorded. A row
already on the person's record is left alone (a later date does not replace it), so importing the
same file twice changes nothing. A dry run checks and counts, and the caller rolls back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import func, select

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..forms import parse_date
from ..models import Course, CourseFormat, ElearningCompletion, User
from ..permissions import people_condition
from .errors import RecordError

COLUMNS = {
    "email": ("email", "email address", "e-mail"),
    "course": ("course", "course title", "module"),
    "completed on": ("completed on", "completed_on", "completed", "completion date", "date completed"),
}
MAX_ROWS = 100_000


@dataclass
class ImportReport:
    created: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFileError(RecordError):
    field = "file"


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [key for key in COLUMNS if key not in found]
    if missing:
        raise ImportFileError("The file's first row must name the columns: email, course, completed on")
    return found


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file must be a CSV file saved as UTF-8") from None


def import_elearning(actor: User | None, raw: bytes) -> ImportReport:
    """Record the e-learning completions in `raw` (CSV bytes). `actor` None is the command line (every
    person); an administrator imports for the people of their area only. Flushes; the caller commits,
    or rolls back for a dry run. Raises ImportFileError when the file cannot be read at all."""
    rows = list(csv.reader(io.StringIO(_decode(raw))))
    if not rows:
        raise ImportFileError("The file is empty")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
    columns = _columns(rows[0])
    courses: dict[str, Course] = {}
    for each in db.session.scalars(select(Course).where(Course.format == CourseFormat.ELEARNING)):
        courses.setdefault(each.title.strip().lower(), each)
        courses.setdefault(each.slug.lower(), each)
    report = ImportReport()
    today = clock.to_london(clock.now()).date()
    seen: set[tuple[int, int]] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        problems = []
        person = _person(actor, cells["email"]) if cells["email"] else None
        if person is None:
            problems.append(f"no account with the email address {cells['email']!r}" if cells["email"] else "no email")
        found = courses.get(cells["course"].lower())
        if found is None:
            problems.append(f"no e-learning course called {cells['course']!r}")
        day = parse_date(cells["completed on"])
        if day is None:
            problems.append(f"completed on {cells['completed on']!r} is not a date like 27/03/2026")
        elif day > today:
            problems.append(f"completed on {day:%d/%m/%Y} is in the future")
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
            continue
        assert person is not None and found is not None and day is not None
        course = found
        key = (person.id, course.id)
        if key in seen or _already(person, course):
            report.already += 1
            continue
        seen.add(key)
        db.session.add(
            ElearningCompletion(
                user=person, course=course, completed_at=clock.from_london(datetime.combine(day, time()))
            )
        )
        report.created += 1
    db.session.flush()
    # The target is the import itself (no row of its own); a command-line import has no actor.
    record_audit(
        actor, "elearning.imported", report, created=report.created, already=report.already, errors=len(report.errors)
    )
    return report


def _person(actor: User | None, email: str) -> User | None:
    query = select(User).where(func.lower(User.email) == email.lower(), User.closed_at.is_(None))
    if actor is not None:
        query = query.where(people_condition(actor))
    return db.session.scalars(query).first()


def _already(person: User, course: Course) -> bool:
    return (
        db.session.scalar(
            select(ElearningCompletion.id).where(
                ElearningCompletion.user_id == person.id, ElearningCompletion.course_id == course.id
            )
        )
        is not None
    )
