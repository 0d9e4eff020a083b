"""Case reviews, recommendations and the courses answering them (issue 16): the business operations.

Each takes the actor, checks nothing about who may (the views ask permissions.may_manage_review), flushes
and never commits; an audit event goes in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..audit import record_audit
from ..extensions import db
from ..models import Course, User
from ..models.reviews import CaseReview, RecommendationCourse, ReviewRecommendation
from ..permissions import own_partnership, sees_all_partnerships
from .services import AdminError


class ReviewError(AdminError):
    """A review change refused for a reason the administrator can fix."""


def create_review(actor: User, values: dict[str, Any]) -> CaseReview:
    """Record a review for the actor's partnership (a system admin names it in values["partnership_id"])."""
    partnership_id = values.pop("partnership_id", None) if sees_all_partnerships(actor) else own_partnership(actor)
    values.pop("partnership_id", None)
    if partnership_id is None:
        raise ReviewError("Select the partnership", field="partnership_id")
    review = CaseReview(partnership_id=partnership_id, **values)
    db.session.add(review)
    db.session.flush()
    record_audit(actor, "review.created", review, title=review.title)
    return review


def update_review(actor: User, review: CaseReview, values: dict[str, Any]) -> None:
    """Change a review's kind, title, date, link and visibility (a system admin may move it)."""
    partnership_id = values.pop("partnership_id", None)
    if sees_all_partnerships(actor) and partnership_id is not None:
        review.partnership_id = partnership_id
    for name, value in values.items():
        setattr(review, name, value)
    db.session.flush()
    record_audit(actor, "review.updated", review, title=review.title)


def add_recommendation(actor: User, review: CaseReview, text: str) -> ReviewRecommendation:
    """Add the next numbered recommendation to the review."""
    last = db.session.scalar(
        select(func.max(ReviewRecommendation.number)).where(ReviewRecommendation.review_id == review.id)
    )
    recommendation = ReviewRecommendation(review_id=review.id, number=(last or 0) + 1, text=text)
    db.session.add(recommendation)
    db.session.flush()
    record_audit(actor, "review.recommendation_added", review, number=recommendation.number)
    return recommendation


def linkable_courses_condition(review: CaseReview) -> Any:
    """The courses that may answer a review's recommendation: those counting for its partnership."""
    return Course.counts_for(review.partnership_id)


def link_course(
    actor: User, recommendation: ReviewRecommendation, course_id: int, outcome_numbers: list[int]
) -> RecommendationCourse:
    """Link a course (and optionally its learning outcomes, numbered from 1) to a recommendation;
    linking it again replaces the outcomes. Raises ReviewError for a course that does not count for
    the review's partnership or an outcome the course does not have."""
    review = recommendation.review
    course = db.session.scalar(select(Course).where(Course.id == course_id, linkable_courses_condition(review)))
    if course is None:
        raise ReviewError("Select a course your partnership runs", field="course_id")
    count = len(course.learning_outcomes or [])
    wrong = [n for n in outcome_numbers if not 1 <= n <= count]
    if wrong:
        raise ReviewError(
            f"{course.title} has {count} learning outcome{'s' if count != 1 else ''}: choose numbers from 1 to {count}",
            field="outcomes",
        )
    link = db.session.get(RecommendationCourse, (recommendation.id, course.id))
    if link is None:
        link = RecommendationCourse(recommendation=recommendation, course_id=course.id)
        db.session.add(link)
    link.outcome_indexes = [n - 1 for n in outcome_numbers]
    db.session.flush()
    record_audit(actor, "review.course_linked", review, number=recommendation.number, course_id=course.id)
    return link


def unlink_course(actor: User, recommendation: ReviewRecommendation, course_id: int) -> None:
    """Take a course off a recommendation (nothing happens when it was not linked)."""
    link = db.session.get(RecommendationCourse, (recommendation.id, course_id))
    if link is not None:
        db.session.delete(link)
        db.session.flush()
        record_audit(
            actor, "review.course_unlinked", recommendation.review, number=recommendation.number, course_id=course_id
        )


def update_recommendation(actor: User, recommendation: ReviewRecommendation, number: int, text: str) -> None:
    """Change a recommendation's wording and number. Another recommendation of the review with that
    number takes this one's old number (the two swap), so numbers stay unique without a gap appearing.
    Raises ReviewError for a number below 1."""
    if number < 1:
        raise ReviewError("The recommendation number must be 1 or more", field="number")
    old_number, old_text = recommendation.number, recommendation.text
    if number != old_number:
        other = db.session.scalar(
            select(ReviewRecommendation).where(
                ReviewRecommendation.review_id == recommendation.review_id, ReviewRecommendation.number == number
            )
        )
        if other is not None:
            # The unique (review, number) constraint is checked row by row: park this one past the
            # highest number first, then swap.
            highest = db.session.scalar(
                select(func.max(ReviewRecommendation.number)).where(
                    ReviewRecommendation.review_id == recommendation.review_id
                )
            )
            recommendation.number = (highest or 0) + 1
            db.session.flush()
            other.number = old_number
            db.session.flush()
        recommendation.number = number
    recommendation.text = text
    db.session.flush()
    details: dict[str, Any] = {"number": number}
    if number != old_number:
        details["old_number"] = old_number
    if text != old_text:
        details["text"] = {"before": old_text, "after": text}
    record_audit(actor, "review.recommendation_changed", recommendation.review, **details)


def delete_recommendation(actor: User, recommendation: ReviewRecommendation) -> None:
    """Delete a recommendation and its links to courses. The others keep their numbers (they are the
    published review's)."""
    review = recommendation.review
    courses = [link.course_id for link in recommendation.links]
    record_audit(
        actor,
        "review.recommendation_deleted",
        review,
        number=recommendation.number,
        text=recommendation.text,
        course_ids=courses,
    )
    review.recommendations.remove(recommendation)  # delete-orphan: the links go with it
    db.session.flush()


def delete_review(actor: User, review: CaseReview) -> None:
    """Delete a review with its recommendations and their links to courses (the courses, their
    sessions and evaluations stay)."""
    record_audit(
        actor,
        "review.deleted",
        review,
        title=review.title,
        partnership_id=review.partnership_id,
        recommendations=len(review.recommendations),
        course_links=[[rec.number, link.course_id] for rec in review.recommendations for link in rec.links],
    )
    db.session.delete(review)
    db.session.flush()
