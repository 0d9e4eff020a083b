"""Evaluation summaries: distance travelled, response rates, satisfaction and comments.

Every figure is aggregated in the database with GROUP BY; Python only combines the sums
(training_app.evaluations.statistics) and computes means and confidence intervals.
Distance travelled = post rating - pre rating, per delegate per outcome, from pairs by the same
delegate only (same pair_key: the same booking, carried across a move, or the same person and
e-learning course). Figures that pool outcomes (a course, all courses) count each delegate once, by
their mean change over the outcomes they rated: one person's ratings are not independent.
A delegate is a pair_key, not a user: it survives anonymisation, and someone who attends two courses
(or one course twice) counts once for each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Row, Select, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..constants import SUMMARY_COMMENTS, SUMMARY_RESPONDENTS
from ..extensions import db
from ..models import Booking, BookingStatus, Course, CourseSession, ElearningCompletion, EvaluationStage, User
from ..models.evaluations import OUTCOME_KEY, EvaluationRating, EvaluationResponse
from .questions import AGREE_LABELS, FOLLOW_UP_LIKERT, IMPACT_LABELS, OUTCOME_SCALE, STANDARD_LIKERT, latest_form
from .retention import RetentionStat, retention_figures
from .scope import Scope, booking_filters, completion_filters, response_filters
from .services import follow_up_days
from .statistics import Distribution, PairStat, SatisfactionStat, StageStat


@dataclass
class Summary:
    scope: Scope
    course: Course | None = None
    course_session: CourseSession | None = None
    stages: list[StageStat] = field(default_factory=list)
    outcomes: list[PairStat] = field(default_factory=list)  # per outcome (one course) or per course (several)
    overall: PairStat = field(default_factory=lambda: PairStat("All outcomes"))  # pooled per delegate
    scale: dict[str, Any] = field(default_factory=lambda: dict(OUTCOME_SCALE))  # the outcome rating scale
    distributions: list[Distribution] = field(default_factory=list)
    satisfaction: list[SatisfactionStat] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    comment_total: int = 0
    respondents: Sequence[Row[str, str, datetime]] | None = None
    respondent_total: int = 0
    # pre → post → follow-up per outcome (or course), then pooled (evaluations/retention.py)
    retention: list[RetentionStat] = field(default_factory=list)

    @property
    def single_course(self) -> bool:
        return self.course is not None


def stage_counts(scope: Scope, at: datetime) -> list[StageStat]:
    """Invitations (eligible delegates), responses and response rate per stage."""
    days = follow_up_days()
    has_pre = exists().where(
        EvaluationResponse.booking_id == Booking.id, EvaluationResponse.stage == EvaluationStage.PRE
    )
    booking_counts = (
        select(
            func.sum(case((or_(Booking.status.in_(BookingStatus.HOLDS_PLACE), has_pre), 1), else_=0)),
            func.sum(case((Booking.status == BookingStatus.ATTENDED, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            Booking.status == BookingStatus.ATTENDED, CourseSession.ends_at <= at - timedelta(days=days)
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .select_from(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(*booking_filters(scope))
    )
    invited = [int(v or 0) for v in db.session.execute(booking_counts).one()]
    completion_conds = completion_filters(scope)
    if completion_conds is not None:
        completions = db.session.execute(
            select(
                func.count(ElearningCompletion.id),
                func.sum(case((ElearningCompletion.completed_at <= at - timedelta(days=days), 1), else_=0)),
            ).where(*completion_conds)
        ).one()
        # E-learning pre-course: everyone who completed, plus anyone who answered before completing.
        R = aliased(EvaluationResponse)
        early_pre = db.session.scalar(
            select(func.count(R.id)).where(
                R.stage == EvaluationStage.PRE,
                R.booking_id.is_(None),
                *response_filters(R, scope),
                ~exists().where(ElearningCompletion.user_id == R.user_id, ElearningCompletion.course_id == R.course_id),
            )
        )
        invited[0] += int(completions[0] or 0) + int(early_pre or 0)
        invited[1] += int(completions[0] or 0)
        invited[2] += int(completions[1] or 0)
    R = aliased(EvaluationResponse)
    responded = dict(
        db.session.execute(select(R.stage, func.count(R.id)).where(*response_filters(R, scope)).group_by(R.stage)).all()
    )
    return [StageStat(stage, invited[i], int(responded.get(stage, 0))) for i, stage in enumerate(EvaluationStage)]


def _paired_ratings(scope: Scope) -> tuple[Select[*tuple[Any, ...]], type[EvaluationResponse], type[EvaluationRating]]:
    """(query, R, V): post-course outcome ratings in scope that have the same delegate's pre-course rating."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (
        select()
        .select_from(V)
        .join(R, R.id == V.response_id)
        .where(
            R.stage == EvaluationStage.POST,
            V.question_key == OUTCOME_KEY,
            V.pre_value.is_not(None),
            *response_filters(R, scope),
        )
    )
    return query, R, V


def paired_outcomes(scope: Scope) -> list[PairStat]:
    """PairStat per (course, outcome) from pre/post pairs by the same delegate."""
    query, R, V = _paired_ratings(scope)
    change = V.value - V.pre_value
    query = query.add_columns(
        R.course_id,
        V.outcome_index,
        func.count(),
        func.sum(V.pre_value),
        func.sum(V.value),
        func.sum(change),
        func.sum(change * change),
        func.sum(case((change > 0, 1), else_=0)),
        func.sum(case((change == 0, 1), else_=0)),
        func.sum(case((change < 0, 1), else_=0)),
    ).group_by(R.course_id, V.outcome_index)
    stats = []
    for course_id, outcome_index, *sums in db.session.execute(query):
        n, sum_pre, sum_post, sum_change, sum_change_sq, improved, unchanged, worse = (int(v or 0) for v in sums)
        stats.append(
            PairStat(
                "",
                n,
                sum_pre,
                sum_post,
                sum_change,
                sum_change_sq,
                improved,
                unchanged,
                worse,
                course_id=course_id,
                outcome_index=outcome_index,
            )
        )
    return stats


def pooled_by_course(scope: Scope) -> tuple[dict[int, PairStat], PairStat]:
    """({course_id: PairStat over its outcomes}, PairStat over everything): each pooled per delegate.

    Each delegate (pair_key) counts once, by their mean over the outcomes they rated, in their course
    and in the total (PairStat.add_delegate's rule). The database pools: one row per course reaches
    Python, not one per delegate. A delegate's ratings all belong to one course, so the total is the
    sum of the courses.
    """
    # A delegate's post-course response holds all their paired ratings (one response per pair_key and
    # stage; pre_value is set on outcome ratings only), so ratings are summed per response first, from
    # the paired-ratings index alone, then joined to the responses in scope: summing after the join
    # sorted every rating by a text key (the annual pack's year on PostgreSQL: 2.5 s became 1.5 s).
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    per_response = (
        select(
            V.response_id.label("response_id"),
            func.count().label("outcomes"),
            func.sum(V.pre_value).label("sum_pre"),
            func.sum(V.value).label("sum_post"),
            func.sum(V.value - V.pre_value).label("sum_change"),
        )
        .where(V.pre_value.is_not(None))
        .group_by(V.response_id)
        .subquery()
    )
    p = per_response.c
    per_delegate = (
        select(
            R.course_id.label("course_id"),
            p.outcomes.label("outcomes"),
            p.sum_pre.label("sum_pre"),
            p.sum_post.label("sum_post"),
            p.sum_change.label("sum_change"),
        )
        .join_from(per_response, R, R.id == p.response_id)
        .where(R.stage == EvaluationStage.POST, *response_filters(R, scope))
        .subquery()
    )
    d = per_delegate.c
    outcomes = cast(d.outcomes, Float)
    mean_change = d.sum_change / outcomes
    totals = select(
        d.course_id,
        func.count(),
        func.sum(d.sum_pre / outcomes),
        func.sum(d.sum_post / outcomes),
        func.sum(mean_change),
        func.sum(mean_change * mean_change),
        # The sign of the integer sum, so a delegate whose changes cancel out counts as unchanged exactly.
        func.sum(case((d.sum_change > 0, 1), else_=0)),
        func.sum(case((d.sum_change == 0, 1), else_=0)),
        func.sum(case((d.sum_change < 0, 1), else_=0)),
    ).group_by(d.course_id)
    per_course: dict[int, PairStat] = {}
    overall = PairStat("All outcomes")
    for course_id, n, sum_pre, sum_post, sum_change, sum_change_sq, improved, unchanged, worse in db.session.execute(
        totals
    ):
        stat = PairStat(
            "",
            int(n),
            float(sum_pre),
            float(sum_post),
            float(sum_change),
            float(sum_change_sq),
            int(improved),
            int(unchanged),
            int(worse),
            course_id=course_id,
        )
        per_course[course_id] = stat
        for name in ("n", "sum_pre", "sum_post", "sum_change", "sum_change_sq", "improved", "unchanged", "worse"):
            setattr(overall, name, getattr(overall, name) + getattr(stat, name))
    return per_course, overall


def paired_distribution(scope: Scope, by_outcome: bool) -> dict[tuple[int | None, str], dict[int, int]]:
    """{(outcome_index or None, "pre"/"post"): {value: count}} over paired ratings (one GROUP BY query)."""
    query, R, V = _paired_ratings(scope)
    group = ([V.outcome_index] if by_outcome else []) + [V.pre_value, V.value]
    result: dict[tuple[int | None, str], dict[int, int]] = {}
    for row in db.session.execute(query.add_columns(*group, func.count()).group_by(*group)):
        outcome = row[0] if by_outcome else None
        pre, post, n = row[-3], row[-2], row[-1]
        for which, value in ((EvaluationStage.PRE, pre), (EvaluationStage.POST, post)):
            counts = result.setdefault((outcome, which), {})
            counts[value] = counts.get(value, 0) + n
    return result


def satisfaction(scope: Scope, course: Course | None = None) -> list[SatisfactionStat]:
    """Mean per Likert question (post-course questions and the follow-up impact rating)."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (
        select(R.stage, V.question_key, func.count(), func.avg(V.value))
        .select_from(V)
        .join(R, R.id == V.response_id)
        .where(V.question_key != OUTCOME_KEY, *response_filters(R, scope))
        .group_by(R.stage, V.question_key)
    )
    labels: dict[tuple[str, str], str] = {(EvaluationStage.POST, q["key"]): q["text"] for q in STANDARD_LIKERT}
    labels.update({(EvaluationStage.FOLLOW_UP, q["key"]): q["text"] for q in FOLLOW_UP_LIKERT})
    if course is not None:
        for stage in (EvaluationStage.POST, EvaluationStage.FOLLOW_UP):
            form = latest_form(course.id, stage)
            if form is not None:
                labels.update({(stage, q["key"]): q["text"] for q in form.questions["likert"]})
    order = list(labels)
    rows = []
    for stage, key, n, mean in db.session.execute(query):
        if (stage, key) not in labels:
            continue  # a course's own extra question: shown only in that course's summary
        scale_max = len(AGREE_LABELS) if stage == EvaluationStage.POST else len(IMPACT_LABELS)
        rows.append(SatisfactionStat(stage, key, labels[(stage, key)], n, float(mean), scale_max))
    rows.sort(key=lambda r: order.index((r.stage, r.key)))
    return rows


def comments(
    scope: Scope, with_names: bool, limit: int | None = SUMMARY_COMMENTS, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """(total, newest comments): free text with course and (for the partnership team) the delegate's
    name; every comment with `limit=None`."""
    R = aliased(EvaluationResponse)
    has_text = or_(
        func.length(func.coalesce(R.practice_text, "")) > 0,
        func.length(func.coalesce(R.other_text, "")) > 0,
        func.length(func.coalesce(R.changed_text, "")) > 0,
    )
    conds = [has_text, *response_filters(R, scope)]
    total = db.session.scalar(select(func.count(R.id)).where(*conds)) or 0
    columns = [R.id, R.stage, R.submitted_at, R.practice_text, R.other_text, R.changed_text, Course.title]
    query = (
        select(*columns, User.name)
        .select_from(R)
        .join(Course, Course.id == R.course_id)
        .outerjoin(User, User.id == R.user_id)
        .where(*conds)
        .order_by(R.submitted_at.desc(), R.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, [dict(row._mapping) | {"name": row[-1] if with_names else None} for row in db.session.execute(query)]


def respondents(scope: Scope, limit: int = SUMMARY_RESPONDENTS) -> tuple[int, Sequence[Row[str, str, datetime]]]:
    """(total, [(name, stage, submitted_at)]): who answered, for the partnership team only."""
    R = aliased(EvaluationResponse)
    conds = response_filters(R, scope)
    total = db.session.scalar(select(func.count(R.id)).where(*conds)) or 0
    query = (
        select(User.name, R.stage, R.submitted_at)
        .select_from(R)
        .outerjoin(User, User.id == R.user_id)
        .where(*conds)
        .order_by(User.name, R.submitted_at)
        .limit(limit)
    )
    return total, db.session.execute(query).all()


def outcome_labels(course: Course) -> list[str]:
    """Outcome wording from the newest post-course (else pre-course) form, else the course itself."""
    for stage in (EvaluationStage.POST, EvaluationStage.PRE):
        form = latest_form(course.id, stage)
        if form is not None:
            return list(form.questions["outcomes"])
    return list(course.learning_outcomes or [])


def outcome_scale(course: Course) -> dict[str, Any]:
    """The outcome rating scale (min, max and their labels) of the newest post (else pre) form."""
    for stage in (EvaluationStage.POST, EvaluationStage.PRE):
        form = latest_form(course.id, stage)
        if form is not None:
            return dict(form.questions["scale"])
    return dict(OUTCOME_SCALE)


def build_summary(scope: Scope, at: datetime, with_names: bool = False) -> Summary:
    """Every figure of an evaluation summary for `scope` (already restricted to what the viewer may see)."""
    summary = Summary(scope=scope)
    if scope.session_id:
        summary.course_session = db.session.get(CourseSession, scope.session_id)
        summary.course = summary.course_session.course if summary.course_session else None
    elif scope.course_id:
        summary.course = db.session.get(Course, scope.course_id)
    summary.stages = stage_counts(scope, at)
    per_course, summary.overall = pooled_by_course(scope)
    if summary.course is not None:
        labels = outcome_labels(summary.course)
        summary.scale = outcome_scale(summary.course)
        by_index = {s.outcome_index: s for s in paired_outcomes(scope)}
        for index, label in enumerate(labels):
            stat = by_index.get(index) or PairStat("", outcome_index=index)
            stat.label = f"{index + 1}. {label}"
            summary.outcomes.append(stat)
        summary.overall.label = "All outcomes"
    else:
        titles: dict[int, str] = (
            dict(db.session.execute(select(Course.id, Course.title).where(Course.id.in_(list(per_course)))).all())
            if per_course
            else {}
        )
        for course_id, stat in per_course.items():
            stat.label = titles.get(course_id, "")
        summary.outcomes = sorted(per_course.values(), key=lambda s: s.label)
        summary.overall.label = "All courses"
    dist = paired_distribution(scope, by_outcome=summary.single_course)
    values = list(range(int(summary.scale["min"]), int(summary.scale["max"]) + 1))
    if summary.single_course:
        for stat in summary.outcomes:
            summary.distributions.append(
                Distribution(
                    stat.label,
                    values,
                    dist.get((stat.outcome_index, EvaluationStage.PRE), {}),
                    dist.get((stat.outcome_index, EvaluationStage.POST), {}),
                )
            )
    else:
        summary.distributions.append(
            Distribution(
                "All outcomes",
                values,
                dist.get((None, EvaluationStage.PRE), {}),
                dist.get((None, EvaluationStage.POST), {}),
            )
        )
    labels = outcome_labels(summary.course) if summary.course is not None else []
    summary.retention = retention_figures(scope, summary.course, labels)
    summary.satisfaction = satisfaction(scope, summary.course)
    summary.comment_total, summary.comments = comments(scope, with_names)
    if with_names and summary.single_course:
        summary.respondent_total, summary.respondents = respondents(scope)
    return summary
