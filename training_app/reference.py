"""Reference data for a new installation: partnerships, organisations and (optionally) courses.

`flask --app wsgi load-reference FILE [--dry-run]` reads a JSON file shaped like
training_app/data/catalogue.json, or a CSV file of organisations (or of partnerships), checks
every row, and then writes all of it or, when any row is wrong, none of it. Rows are found again
by their natural key (partnership code, organisation name, course slug), so loading the same file
twice changes nothing. Keys the loader does not know are ignored, so a file may carry more.
"""

from __future__ import annotations

import csv
import json
import json.decoder
import json.scanner
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from . import slugs
from .errors import DomainError
from .extensions import db
from .models import SECTORS, Agency, Course, CourseFormat, CourseStatus, LevelKind, Partnership

# The keys of a JSON file, and the other names catalogue.json uses for them.
LIST_KEYS = {"partnerships": ("partnerships",), "organisations": ("organisations", "agencies", "agencies_seen")}
COURSE_KEYS = ("courses",)
LABEL_KEYS = ("level_labels", "level_labels_seen")


def course_slug(title: str) -> str:
    """The slug a loaded course is found again by (200 characters keeps long titles' slugs stable)."""
    return slugs.slugify(title, max_length=200)


class ReferenceDataError(DomainError):
    """The file cannot be loaded; `errors` lists every problem, each saying where it is."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was loaded.")
        self.errors = list(errors)


@dataclass
class Row:
    """One item of the file and where it is ("organisations[3] (line 12)", "line 4")."""

    where: str
    data: Mapping[str, Any]


@dataclass
class ReferenceData:
    partnerships: list[Row] = field(default_factory=list)
    organisations: list[Row] = field(default_factory=list)
    courses: list[Row] = field(default_factory=list)
    level_labels: Mapping[str, Any] = field(default_factory=dict)
    # Problems found while reading (an item that is not an object ...), reported with the rest.
    problems: list[str] = field(default_factory=list)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    tallies: dict[str, Tally]
    changes: list[str]

    @property
    def created(self) -> int:
        return sum(t.created for t in self.tallies.values())

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.tallies.values())


# Reading --------------------------------------------------------------------------------------


class _LinedDict(dict[str, Any]):
    line = 0


def _decoder() -> json.JSONDecoder:
    """A JSON decoder whose objects remember the line they start on (for error messages)."""
    decoder = json.JSONDecoder()
    json_object = getattr(json.decoder, "JSONObject")  # noqa: B009  (not in the type stubs)

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        text, start = s_and_end
        obj, end = json_object(s_and_end, *args)
        lined = _LinedDict(obj)
        lined.line = text.count("\n", 0, start) + 1
        return lined, end

    # The pure-Python scanner calls decoder.parse_object for each object (the C scanner would not).
    setattr(decoder, "parse_object", parse_object)  # noqa: B010  (not in the type stubs)
    setattr(decoder, "scan_once", getattr(json.scanner, "py_make_scanner")(decoder))  # noqa: B009, B010
    return decoder


def read_reference(path: Path) -> ReferenceData:
    """Read a .json or .csv file; raises ReferenceDataError when it cannot be read at all."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError([f"{path}: cannot be read ({error})"]) from error
    if path.suffix.lower() == ".csv":
        return _read_csv(text)
    return _read_json(text)


def _read_json(text: str) -> ReferenceData:
    try:
        document = _decoder().decode(text)
    except json.JSONDecodeError as error:
        raise ReferenceDataError([f"line {error.lineno}: not valid JSON ({error.msg})"]) from error
    if not isinstance(document, dict):
        raise ReferenceDataError(
            ['line 1: the file must be a JSON object with a "partnerships", "organisations" or "courses" list']
        )
    data = ReferenceData()
    errors = data.problems
    for kind, names in {**LIST_KEYS, "courses": COURSE_KEYS}.items():
        for name in names:
            if name not in document:
                continue
            items = document[name]
            if not isinstance(items, list):
                errors.append(f"{name}: must be a list")
                continue
            for index, item in enumerate(items):
                where = f"{name}[{index}]" + (f" (line {item.line})" if isinstance(item, _LinedDict) else "")
                if isinstance(item, dict):
                    getattr(data, kind).append(Row(where, item))
                else:
                    errors.append(f"{where}: must be an object")
    labels: object = next((document[name] for name in LABEL_KEYS if name in document), {})
    if isinstance(labels, dict):
        data.level_labels = labels
    else:
        errors.append("level_labels: must be an object")
    return data


def _read_csv(text: str) -> ReferenceData:
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if "name" in header and "sector" in header:
        kind = "organisations"
    elif "code" in header and "name" in header:
        kind = "partnerships"
    else:
        raise ReferenceDataError(
            [
                "line 1: the header row must name the columns: name,sector,partnership (organisations) "
                "or code,name (partnerships)"
            ]
        )
    data = ReferenceData()
    for row in reader:
        values = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items() if key}
        if any(values.values()):
            getattr(data, kind).append(Row(f"line {reader.line_num}", {k: v or None for k, v in values.items()}))
    return data


# Checking -------------------------------------------------------------------------------------


def _text(row: Row, key: str, errors: list[str], max_length: int, required: bool = True) -> str | None:
    value = row.data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"{row.where}: {key} is missing")
        return None
    if not isinstance(value, str):
        errors.append(f"{row.where}: {key} must be text")
        return None
    if len(value.strip()) > max_length:
        errors.append(f"{row.where}: {key} must be {max_length} characters or fewer")
        return None
    return value.strip()


def _unique(rows: Iterable[tuple[Row, str | None]], label: str, errors: list[str]) -> None:
    seen: dict[str, Row] = {}
    for row, key in rows:
        if key is None:
            continue
        if key.lower() in seen:
            errors.append(f"{row.where}: {label} {key!r} is also in {seen[key.lower()].where}")
        seen.setdefault(key.lower(), row)


def _one_of(value: object, choices: Iterable[str]) -> bool:
    return isinstance(value, str) and value in set(choices)


def _check_course(row: Row, labels: Mapping[str, Any], codes: set[str], errors: list[str]) -> None:
    item = row.data
    _text(row, "title", errors, 200)
    if not _one_of(item.get("owner"), codes):
        errors.append(f"{row.where}: owner {item.get('owner')!r} is not a partnership code")
    if not _one_of(item.get("format"), CourseFormat):
        errors.append(f"{row.where}: format must be one of {', '.join(CourseFormat)}")
    label = item.get("level_label")
    if label is not None:
        level = labels.get(label) if isinstance(label, str) else None
        if (
            not isinstance(level, dict)
            or not _one_of(level.get("kind"), LevelKind)
            or level.get("level") not in range(1, 7)
        ):
            errors.append(f"{row.where}: level_label {label!r} is not in level_labels")
    joint = item.get("joint_with") or []
    if not isinstance(joint, list) or not all(_one_of(code, codes) for code in joint):
        errors.append(f"{row.where}: joint_with must list partnership codes")
    if item.get("status") is not None and not _one_of(item.get("status"), CourseStatus):
        errors.append(f"{row.where}: status must be one of {', '.join(CourseStatus)}")
    duration = item.get("duration_minutes")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0):
        errors.append(f"{row.where}: duration_minutes must be a whole number above 0")
    outcomes = item.get("learning_outcomes")
    if outcomes is not None and (not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes)):
        errors.append(f"{row.where}: learning_outcomes must be a list of text")
    for key, limit in (("summary", 10_000), ("audience", 500), ("pre_course_work", 500), ("prerequisite_text", 10_000)):
        _text(row, key, errors, limit, required=False)
    prerequisite = item.get("prerequisite") or {}
    if not isinstance(prerequisite, dict) or prerequisite.get("min_level_completed") not in (None, 1, 2, 3):
        errors.append(f"{row.where}: prerequisite.min_level_completed must be 1, 2 or 3")


def check_reference(data: ReferenceData) -> list[str]:
    """Every problem with the rows, each saying where it is (empty when the file can be loaded)."""
    errors: list[str] = []
    codes = {code for code in db.session.scalars(select(Partnership.code))}
    partnership_codes = [(row, _text(row, "code", errors, 10)) for row in data.partnerships]
    for row in data.partnerships:
        _text(row, "name", errors, 200)
    _unique(partnership_codes, "code", errors)
    codes |= {code.upper() for _, code in partnership_codes if code}
    sectors = {sector.lower() for sector in SECTORS}
    names = []
    for row in data.organisations:
        names.append((row, _text(row, "name", errors, 200)))
        sector = row.data.get("sector")
        if not isinstance(sector, str) or sector.strip().lower() not in sectors:
            errors.append(f"{row.where}: sector {sector!r} is not one of: {', '.join(SECTORS)}")
        code = row.data.get("partnership")
        if code is not None and (not isinstance(code, str) or code.strip().upper() not in codes):
            errors.append(f"{row.where}: partnership {code!r} is not a partnership code")
    _unique(names, "organisation", errors)
    for row in data.courses:
        _check_course(row, data.level_labels, codes, errors)
    titles = [(row, row.data.get("title")) for row in data.courses]
    _unique(
        [(row, course_slug(t) if isinstance(t, str) and t.strip() else None) for row, t in titles], "course", errors
    )
    return errors


# Writing --------------------------------------------------------------------------------------


def load_reference(data: ReferenceData) -> LoadReport:
    """Create or update partnerships and organisations, and add missing courses; flushes, never commits.

    Raises ReferenceDataError (writing nothing) when any row is wrong. Courses already present
    (same slug) are left as they are: after the first load they are edited in the app.
    """
    errors = data.problems + check_reference(data)
    if errors:
        raise ReferenceDataError(errors)
    report = LoadReport({"partnerships": Tally(), "organisations": Tally(), "courses": Tally()}, [])
    partnerships = {p.code: p for p in db.session.scalars(select(Partnership))}
    for row in data.partnerships:
        code, name = str(row.data["code"]).strip().upper(), str(row.data["name"]).strip()
        values: dict[str, Any] = {"code": code, "name": name}
        partnerships[code] = _upsert(report, "partnerships", partnerships.get(code), values, Partnership, code)
    canonical = {sector.lower(): sector for sector in SECTORS}
    agencies = {a.name.lower(): a for a in db.session.scalars(select(Agency))}
    for row in data.organisations:
        name, home = str(row.data["name"]).strip(), row.data.get("partnership")
        values = {
            "name": name,
            "sector": canonical[str(row.data["sector"]).strip().lower()],
            "partnership": partnerships[home.strip().upper()] if home else None,
        }
        agencies[name.lower()] = _upsert(report, "organisations", agencies.get(name.lower()), values, Agency, name)
    for row in data.courses:
        slug = course_slug(str(row.data["title"]))
        if db.session.scalars(select(Course.id).where(Course.slug == slug)).first() is not None:
            report.tallies["courses"].unchanged += 1
            continue
        db.session.add(course_from_item(row.data, data.level_labels, partnerships))
        report.tallies["courses"].created += 1
        report.changes.append(f'course "{row.data["title"]}": created')
    return report


def _upsert(report: LoadReport, kind: str, existing: Any, values: dict[str, Any], model: Any, key: str) -> Any:
    """Create the row, or update the fields of `existing` that differ; tallies and describes the change."""
    tally = report.tallies[kind]
    if existing is None:
        existing = model(**values)
        db.session.add(existing)
        db.session.flush()
        tally.created += 1
        report.changes.append(f'{kind[:-1]} "{key}": created')
        return existing
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if not changed:
        tally.unchanged += 1
        return existing
    for name in changed:
        setattr(existing, name, values[name])
    db.session.flush()
    tally.updated += 1
    report.changes.append(f'{kind[:-1]} "{key}": {", ".join(changed)} updated')
    return existing


def course_from_item(
    item: Mapping[str, Any],
    labels: Mapping[str, Any],
    partnerships: Mapping[str, Partnership],
    default_outcomes: Sequence[str] = (),
) -> Course:
    """A new Course from one item of a catalogue file (catalogue.json's shape; sessions are not read)."""
    level = labels.get(item.get("level_label") or "")
    prerequisite = item.get("prerequisite") or {}
    return Course(
        slug=course_slug(item["title"]),
        title=item["title"].strip(),
        summary=item.get("summary") or "",
        learning_outcomes=list(item.get("learning_outcomes") or default_outcomes),
        level=level["level"] if level else None,
        level_kind=level["kind"] if level else None,
        format=item["format"],
        audience=item.get("audience"),
        duration_minutes=item.get("duration_minutes"),
        prerequisite_text=item.get("prerequisite_text"),
        prerequisite_min_level=prerequisite.get("min_level_completed"),
        pre_course_work=item.get("pre_course_work"),
        owner_partnership=partnerships[item["owner"]],
        is_hips=bool(item.get("hips")),
        joint_partnerships=[partnerships[code] for code in item.get("joint_with", [])],
        status=item.get("status") or CourseStatus.PUBLISHED,
    )
