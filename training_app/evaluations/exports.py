"""Evaluation CSV downloads: one part of a summary, and the anonymised responses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Agency, Course, CourseSession, EvaluationStage
from ..models.evaluations import OUTCOME_KEY, EvaluationForm, EvaluationRating, EvaluationResponse
from ..timefmt import london_csv
from .figures import Summary, comments
from .questions import FOLLOW_UP_LIKERT, FREE_TEXT, STANDARD_LIKERT
from .scope import Scope, response_filters


def _num(value: float | None, places: int = 2) -> float | str:
    return "" if value is None else round(value, places)


def retention_rows(summary: Summary) -> list[list[Any]]:
    """The retention table (evaluations/retention.py): header, then one row per outcome or course."""
    rows: list[list[Any]] = [
        [
            "Learning outcome" if summary.single_course else "Course (all outcomes)",
            "Delegates (pre, post and follow-up)",
            "Mean pre",
            "Mean post",
            "Mean follow-up",
            "Change since pre",
            "Since pre: 95% CI low",
            "Since pre: 95% CI high",
            "Change since post",
            "Since post: 95% CI low",
            "Since post: 95% CI high",
        ]
    ]
    for stat in summary.retention:
        since_pre, since_post = stat.since_pre.ci or (None, None), stat.since_post.ci or (None, None)
        rows.append(
            [
                stat.label,
                stat.n,
                _num(stat.mean_pre),
                _num(stat.mean_post),
                _num(stat.mean_follow_up),
                _num(stat.since_pre.mean_change),
                _num(since_pre[0]),
                _num(since_pre[1]),
                _num(stat.since_post.mean_change),
                _num(since_post[0]),
                _num(since_post[1]),
            ]
        )
    return rows


def summary_csv_rows(summary: Summary, part: str) -> Iterator[list[Any]]:
    """Rows (header first) of one part of a summary: the same figures as the page."""
    rows: list[list[Any]] = []
    if part == "stages":
        rows.append(["Stage", "Invitations", "Responses", "Response rate (%)"])
        rows += [[s.label, s.invited, s.responded, _num(s.rate, 1)] for s in summary.stages]
    elif part == "outcomes":
        rows.append(
            [
                "Learning outcome" if summary.single_course else "Course (all outcomes)",
                "Delegates paired",
                "Mean pre",
                "Mean post",
                "Mean change",
                "95% CI low",
                "95% CI high",
                "Improved (%)",
                "Unchanged (%)",
                "Worse (%)",
            ]
        )
        for stat in summary.outcomes + [summary.overall]:
            ci = stat.ci or (None, None)
            rows.append(
                [
                    stat.label,
                    stat.n,
                    _num(stat.mean_pre),
                    _num(stat.mean_post),
                    _num(stat.mean_change),
                    _num(ci[0]),
                    _num(ci[1]),
                    _num(stat.share("improved"), 1),
                    _num(stat.share("unchanged"), 1),
                    _num(stat.share("worse"), 1),
                ]
            )
    elif part == "retention":
        rows += retention_rows(summary)
    elif part == "distribution":
        rows.append(["Learning outcome", "Rating", "Pre-course count", "Post-course count"])
        for dist in summary.distributions:
            rows += [[dist.label, v, dist.pre.get(v, 0), dist.post.get(v, 0)] for v in dist.values]
    elif part == "satisfaction":
        rows.append(["Stage", "Question", "Answers", "Mean", "Scale maximum"])
        rows += [
            [EvaluationStage(s.stage).label, s.label, s.n, _num(s.mean), s.scale_max] for s in summary.satisfaction
        ]
    elif part == "comments":
        rows.append(["Stage", "Submitted (London)", "Course", "Question", "Answer"])
        for comment in _all_comments(summary.scope):
            for key, question in FREE_TEXT.items():
                if comment[key]:
                    rows.append(
                        [
                            EvaluationStage(comment["stage"]).label,
                            london_csv(comment["submitted_at"]),
                            comment["title"],
                            question,
                            comment[key],
                        ]
                    )
    return iter(rows)  # training_app.csvutil neutralises formulas as it writes


def _all_comments(scope: Scope) -> Iterator[dict[str, Any]]:
    """Every comment, in one statement: pages of 1,000 by OFFSET (each counting them all again) took
    2.7 s of the 4 s five-year export of 15,000 comments (issue 17 goal 5, bench/evaluations_bench.py)."""
    _, every = comments(scope, with_names=False, limit=None)
    yield from every


def responses_csv_rows(scope: Scope, chunk: int = 1000) -> Iterator[list[Any]]:
    """Anonymised responses, one row each, streamed in chunks: no names, emails or ids of people.

    "Delegate reference" numbers the delegates within this export only, so pre and post can be paired.
    """
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    conds = response_filters(R, scope)
    outcomes = db.session.scalar(
        select(func.max(V.outcome_index)).select_from(V).join(R, R.id == V.response_id).where(*conds)
    )
    outcome_count = (outcomes + 1) if outcomes is not None else 0
    likert_keys = (
        [q["key"] for q in STANDARD_LIKERT] + ["extra_1", "extra_2", "extra_3"] + [q["key"] for q in FOLLOW_UP_LIKERT]
    )
    yield (
        [
            "Delegate reference",
            "Course",
            "Session start (London)",
            "Stage",
            "Form version",
            "Submitted (London)",
            "Sector",
            "Organisation",
        ]
        + [f"Outcome {i + 1}" for i in range(outcome_count)]
        + likert_keys
        + [
            "How will you use this learning to impact your practice?",
            "Anything else?",
            "What have you done differently?",
        ]
    )
    references: dict[str, int] = {}
    last_id = 0
    while True:
        batch = db.session.execute(
            select(
                R.id,
                R.pair_key,
                Course.title,
                CourseSession.starts_at,
                R.stage,
                EvaluationForm.version,
                R.submitted_at,
                R.sector,
                Agency.name,
                R.practice_text,
                R.other_text,
                R.changed_text,
            )
            .select_from(R)
            .join(Course, Course.id == R.course_id)
            .join(EvaluationForm, EvaluationForm.id == R.form_id)
            .outerjoin(CourseSession, CourseSession.id == R.session_id)
            .outerjoin(Agency, Agency.id == R.agency_id)
            .where(R.id > last_id, *conds)
            .order_by(R.id)
            .limit(chunk)
        ).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        values: dict[tuple[int, str, int | None], int] = {}
        for response_id, key, index, value in db.session.execute(
            select(
                EvaluationRating.response_id,
                EvaluationRating.question_key,
                EvaluationRating.outcome_index,
                EvaluationRating.value,
            ).where(EvaluationRating.response_id.in_(ids))
        ):
            values[(response_id, key, index)] = value
        for row in batch:
            reference = references.setdefault(row.pair_key, len(references) + 1)
            cells = [
                reference,
                row.title,
                london_csv(row.starts_at),
                EvaluationStage(row.stage).label,
                row.version,
                london_csv(row.submitted_at),
                row.sector or "",
                row.name or "",
            ]
            cells += [values.get((row.id, OUTCOME_KEY, i), "") for i in range(outcome_count)]
            cells += [values.get((row.id, key, None), "") for key in likert_keys]
            cells += [row.practice_text or "", row.other_text or "", row.changed_text or ""]
            yield cells
        last_id = ids[-1]
