"""Retention: the follow-up evaluation rates each learning outcome again, so each outcome shows
pre → post → follow-up.

Counted over delegates who rated the outcome at all three stages (the same pair_key: the same
booking, or person and e-learning course), in the scope of the post-course answers (the same cohort
as distance travelled). Two changes, each with the same statistics as distance travelled
(statistics.PairStat: mean, 95% interval, improved/unchanged/worse):
- **since the course began**: follow-up rating − pre-course rating (what is still gained);
- **since the course ended**: follow-up rating − post-course rating (what was kept, or lost).
Pooled rows (all outcomes; a course's outcomes) count each delegate once, by their mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Course, EvaluationStage
from ..models.evaluations import OUTCOME_KEY, EvaluationRating, EvaluationResponse
from .scope import Scope, response_filters
from .statistics import PairStat


@dataclass
class RetentionStat:
    label: str
    course_id: int | None = None
    outcome_index: int | None = None
    since_pre: PairStat = field(default_factory=lambda: PairStat(""))  # pre → follow-up
    since_post: PairStat = field(default_factory=lambda: PairStat(""))  # post → follow-up

    @property
    def n(self) -> int:
        return self.since_pre.n

    @property
    def mean_pre(self) -> float | None:
        return self.since_pre.mean_pre

    @property
    def mean_post(self) -> float | None:
        return self.since_post.mean_pre

    @property
    def mean_follow_up(self) -> float | None:
        return self.since_pre.mean_post


def _rated_thrice(scope: Scope) -> tuple[Select[Any], Any, Any, Any]:
    """(query, PR, P, F): follow-up outcome ratings F with the same delegate's post-course rating P
    of the outcome, which carries their pre-course rating (P.pre_value)."""
    PR, P = aliased(EvaluationResponse), aliased(EvaluationRating)
    FR, F = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (
        select()
        .select_from(F)
        .join(FR, FR.id == F.response_id)
        .join(PR, (PR.pair_key == FR.pair_key) & (PR.stage == EvaluationStage.POST))
        .join(P, (P.response_id == PR.id) & (P.question_key == OUTCOME_KEY) & (P.outcome_index == F.outcome_index))
        .where(
            FR.stage == EvaluationStage.FOLLOW_UP,
            F.question_key == OUTCOME_KEY,
            P.pre_value.is_not(None),
            *response_filters(PR, scope),
        )
    )
    return query, PR, P, F


def _signs(change: Any) -> list[Any]:
    return [
        func.sum(case((change > 0, 1), else_=0)),
        func.sum(case((change == 0, 1), else_=0)),
        func.sum(case((change < 0, 1), else_=0)),
    ]


def retention_by_outcome(scope: Scope) -> list[RetentionStat]:
    """RetentionStat per (course, outcome)."""
    query, PR, P, F = _rated_thrice(scope)
    gained, kept = F.value - P.pre_value, F.value - P.value
    query = query.add_columns(
        PR.course_id,
        F.outcome_index,
        func.count(),
        func.sum(P.pre_value),
        func.sum(P.value),
        func.sum(F.value),
        func.sum(gained),
        func.sum(gained * gained),
        *_signs(gained),
        func.sum(kept),
        func.sum(kept * kept),
        *_signs(kept),
    ).group_by(PR.course_id, F.outcome_index)
    stats = []
    for course_id, index, *sums in db.session.execute(query):
        n, pre, post, follow, g, g2, g_up, g_same, g_down, k, k2, k_up, k_same, k_down = (int(v or 0) for v in sums)
        stats.append(
            RetentionStat(
                "",
                course_id,
                index,
                PairStat("", n, pre, follow, g, g2, g_up, g_same, g_down, course_id=course_id, outcome_index=index),
                PairStat("", n, post, follow, k, k2, k_up, k_same, k_down, course_id=course_id, outcome_index=index),
            )
        )
    return stats


def retention_pooled(scope: Scope) -> tuple[dict[int, RetentionStat], RetentionStat]:
    """({course_id: RetentionStat over its outcomes}, RetentionStat over everything), per delegate."""
    query, PR, P, F = _rated_thrice(scope)
    query = query.add_columns(
        PR.course_id, func.count(), func.sum(P.pre_value), func.sum(P.value), func.sum(F.value)
    ).group_by(PR.course_id, PR.pair_key)
    per_course: dict[int, RetentionStat] = {}
    overall = RetentionStat("All outcomes")
    for course_id, outcomes, pre, post, follow in db.session.execute(query):
        outcomes, pre, post, follow = int(outcomes), int(pre), int(post), int(follow)
        for stat in (per_course.setdefault(course_id, RetentionStat("", course_id)), overall):
            stat.since_pre.add_delegate(outcomes, pre, follow, follow - pre)
            stat.since_post.add_delegate(outcomes, post, follow, follow - post)
    return per_course, overall


def retention_figures(scope: Scope, course: Course | None, labels: list[str]) -> list[RetentionStat]:
    """The summary's retention rows: per outcome for one course (`labels` are its outcomes), else per
    course; then the pooled row."""
    per_course, overall = retention_pooled(scope)
    if course is not None:
        by_index = {s.outcome_index: s for s in retention_by_outcome(scope)}
        rows = []
        for index, label in enumerate(labels):
            stat = by_index.get(index) or RetentionStat("", course.id, index)
            stat.label = f"{index + 1}. {label}"
            rows.append(stat)
        overall.label = "All outcomes"
        return [*rows, overall]
    titles = (
        {
            cid: title
            for cid, title in db.session.execute(select(Course.id, Course.title).where(Course.id.in_(list(per_course))))
        }
        if per_course
        else {}
    )
    for course_id, stat in per_course.items():
        stat.label = titles.get(course_id, "")
    overall.label = "All courses"
    return [*sorted(per_course.values(), key=lambda s: s.label), overall]
