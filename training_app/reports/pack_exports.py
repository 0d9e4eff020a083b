"""CSV downloads of the traceability report and the annual pack document: the same figures as the
pages and the PDF, one row per figure (streamed through csvutil, which neutralises formulas)."""

from __future__ import annotations

from collections.abc import Iterator

from ..evaluations.statistics import PairStat
from .exports import annual_rows
from .pack import AnnualPack
from .traceability import Traceability

CsvRow = tuple[object, ...]
TRACE_HEADER = (
    "Recommendation",
    "Section",
    "Item",
    "Detail",
    "Value",
    "Second value",
    "95% interval low",
    "95% interval high",
)


def rounded(value: float | None) -> object:
    return "" if value is None else round(value, 2)


def distance_cells(stat: PairStat) -> tuple[object, object, object, object]:
    """(mean change, delegates paired, interval low, interval high)."""
    ci = stat.ci
    return rounded(stat.mean_change), stat.n, rounded(ci[0]) if ci else "", rounded(ci[1]) if ci else ""


def trace_rows(trace: Traceability, header: bool = True) -> Iterator[CsvRow]:
    review = trace.review
    if header:
        yield TRACE_HEADER
    yield (
        "",
        "Review",
        review.title,
        review.short_kind,
        review.published_on.isoformat(),
        review.partnership.code,
        "",
        "",
    )
    yield ("", "Period", "From", "", trace.filters.date_from.isoformat(), "", "", "")
    yield ("", "Period", "To", "", trace.filters.date_to.isoformat(), "", "", "")
    for rec in trace.recommendations:
        number = rec.number
        yield (number, "Recommendation", rec.text, "", "", "", "", "")
        yield (number, "Totals (sessions held, delegates)", "", "", rec.sessions, rec.delegates, "", "")
        yield (number, "Totals (unique people)", "", "", rec.practitioners, "", "", "")
        for course in rec.courses:
            yield (
                number,
                "Course (sessions held, delegates)",
                course.title,
                "",
                course.sessions,
                course.delegates,
                "",
                "",
            )
            yield (number, "Course (unique people)", course.title, "", course.practitioners, "", "", "")
            distances = [(d.label, d.stat) for d in course.outcomes]
            if course.whole_course is not None:
                distances.append((course.whole_course.label, course.whole_course))
            for label, stat in distances:
                mean, n, low, high = distance_cells(stat)
                yield (
                    number,
                    "Distance travelled (mean change, delegates paired)",
                    course.title,
                    label,
                    mean,
                    n,
                    low,
                    high,
                )
            for follow_up in course.follow_up:
                yield (
                    number,
                    "Follow-up impact (mean, responses)",
                    course.title,
                    follow_up.label,
                    round(follow_up.mean, 2),
                    follow_up.n,
                    "",
                    "",
                )
        for row in rec.by_sector:
            yield (number, "Sector (delegates, unique people)", row.label, "", row.delegates, row.practitioners, "", "")
        for row in rec.by_agency:
            yield (
                number,
                "Organisation (delegates, unique people)",
                row.label,
                row.detail,
                row.delegates,
                row.practitioners,
                "",
                "",
            )


def pack_rows(pack: AnnualPack) -> Iterator[CsvRow]:
    """The annual pack document as rows: Section, Item, Detail, Value, Second value, and the interval."""
    yield ("Section", "Item", "Detail", "Value", "Second value", "95% interval low", "95% interval high")
    yield ("Partnership", pack.partnership_name, "", "", "", "", "")
    rows = annual_rows(pack.report)
    next(rows)  # its header: the columns are the same
    for row in rows:
        yield (*row, "", "")
    for year in pack.years:
        yield ("Trend: delegates trained, unique people", year.label, "", year.delegates, year.practitioners, "", "")
    for sector in pack.sectors:
        for year in pack.years:
            yield ("Trend: delegates by sector", sector, year.label, year.sector(sector), "", "", "")
    for year in pack.years:
        mean, n, low, high = distance_cells(year.distance)
        yield ("Trend: distance travelled (mean change, delegates paired)", year.label, "", mean, n, low, high)
    for suite in pack.suites:
        yield ("Suite (courses, sessions delivered)", suite.name, "", suite.courses, suite.sessions, "", "")
        yield ("Suite (delegates, unique people)", suite.name, "", suite.delegates, suite.practitioners, "", "")
        yield ("Suite (agencies reached)", suite.name, "", suite.agencies, "", "", "")
        mean, n, low, high = distance_cells(suite.distance)
        yield ("Suite distance travelled (mean change, delegates paired)", suite.name, "", mean, n, low, high)
    for trace in pack.reviews:
        title = trace.review.title
        for rec in trace.recommendations:
            yield (
                "Review recommendation (sessions held, delegates)",
                f"{title}: {rec.number}",
                rec.text,
                rec.sessions,
                rec.delegates,
                "",
                "",
            )
