"""Which case reviews' learning a course carries, for its catalogue page (issue 16)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models.reviews import CaseReview, RecommendationCourse, ReviewRecommendation


def review_learning(course_id: int, visible: Any) -> list[tuple[CaseReview, list[int]]]:
    """[(review, recommendation numbers)] whose learning the course carries, for the course page;
    `visible` is permissions.review_learning_condition for the viewer."""
    rows = db.session.execute(
        select(CaseReview, ReviewRecommendation.number)
        .join(ReviewRecommendation, ReviewRecommendation.review_id == CaseReview.id)
        .join(RecommendationCourse, RecommendationCourse.recommendation_id == ReviewRecommendation.id)
        .where(RecommendationCourse.course_id == course_id, visible)
        .order_by(CaseReview.published_on.desc(), CaseReview.id, ReviewRecommendation.number)
    ).all()
    grouped: dict[int, tuple[CaseReview, list[int]]] = {}
    for review, number in rows:
        grouped.setdefault(review.id, (review, []))[1].append(number)
    return list(grouped.values())
