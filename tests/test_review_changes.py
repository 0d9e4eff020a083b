"""Changing and deleting case reviews and their recommendations (issue 16): who may, what a
confirmation page says will go with a review, renumbering, the audit trail, and bad input."""

from datetime import date

import pytest
from sqlalchemy import func, select

from support import session_csrf_token
from training_app.models import AuditEvent, Course
from training_app.models.reviews import CaseReview, RecommendationCourse, ReviewRecommendation


def post(client, url, **data):
    return client.post(url, data={"csrf_token": session_csrf_token(client), **data})


@pytest.fixture
def review(db, partnerships, make_course):
    """A Hampshire review of three recommendations; the first answered by two courses, one by outcome 2."""
    neglect = make_course("Neglect", learning_outcomes=["Recognise neglect", "Act early"])
    records = make_course("Recording")
    review = CaseReview(partnership=partnerships["HSCP"], kind="lcspr", title="Child F", published_on=date(2026, 2, 1))
    recs = [ReviewRecommendation(review=review, number=n, text=f"Recommendation text {n}") for n in (1, 2, 3)]
    recs[0].links = [
        RecommendationCourse(course=neglect, outcome_indexes=[1]),
        RecommendationCourse(course=records, outcome_indexes=[]),
    ]
    db.session.add_all([review, *recs])
    db.session.commit()
    return review


def numbers(db, review_id):
    return db.session.execute(
        select(ReviewRecommendation.number, ReviewRecommendation.text)
        .where(ReviewRecommendation.review_id == review_id)
        .order_by(ReviewRecommendation.number)
    ).all()


def actions(db):
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_editing_a_recommendation_changes_its_text_and_is_audited(client, login, db, hscp_admin, review):
    first = review.recommendations[0]
    login(hscp_admin)
    page = client.get(f"/admin/recommendations/{first.id}/edit").get_data(as_text=True)
    assert 'value="1"' in page and "Recommendation text 1" in page
    response = post(client, f"/admin/recommendations/{first.id}/edit", number="1", text="Share information early")
    assert response.status_code == 302
    assert numbers(db, review.id)[0] == (1, "Share information early")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.recommendation_changed")).one()
    assert event.details["text"] == {"before": "Recommendation text 1", "after": "Share information early"}
    assert (event.actor_id, event.target_type, event.target_id) == (hscp_admin.id, "CaseReview", review.id)


def test_renumbering_onto_a_taken_number_swaps_the_two(client, login, db, hscp_admin, review):
    first = review.recommendations[0]
    login(hscp_admin)
    assert post(client, f"/admin/recommendations/{first.id}/edit", number="3", text=first.text).status_code == 302
    assert numbers(db, review.id) == [
        (1, "Recommendation text 3"),
        (2, "Recommendation text 2"),
        (3, "Recommendation text 1"),
    ]
    # The links follow the recommendation, not the number.
    links = db.session.scalars(select(RecommendationCourse.recommendation_id)).all()
    assert set(links) == {first.id}
    # A free number: no swap, a gap is allowed (numbers are the published review's).
    assert post(client, f"/admin/recommendations/{first.id}/edit", number="7", text=first.text).status_code == 302
    assert [n for n, _ in numbers(db, review.id)] == [1, 2, 7]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.recommendation_changed")).first()
    assert (event.details["number"], event.details["old_number"]) == (3, 1)


@pytest.mark.parametrize(
    "number, text, message",
    [
        ("", "Text", "Enter the recommendation number"),
        ("0", "Text", "The recommendation number must be a whole number from 1 to 999"),
        ("two", "Text", "The recommendation number must be a whole number from 1 to 999"),
        ("²", "Text", "The recommendation number must be a whole number from 1 to 999"),
        ("1000", "Text", "The recommendation number must be a whole number from 1 to 999"),
        ("2", "", "Enter the recommendation"),
        ("2", "x" * 4001, "Recommendation must be 4,000 characters or fewer"),
    ],
)
def test_bad_recommendation_input_is_shown_beside_the_field(
    client, login, db, hscp_admin, review, number, text, message
):
    second = review.recommendations[1]
    login(hscp_admin)
    response = post(client, f"/admin/recommendations/{second.id}/edit", number=number, text=text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and "govuk-error-message" in page and message in page
    assert page.count("<title>Error: ") == 1
    assert numbers(db, review.id)[1] == (2, "Recommendation text 2")


def test_deleting_a_recommendation_says_what_links_go_and_keeps_the_other_numbers(
    client, login, db, hscp_admin, review
):
    first = review.recommendations[0]
    login(hscp_admin)
    page = client.get(f"/admin/recommendations/{first.id}/delete").get_data(as_text=True)
    assert "Delete recommendation 1 of Child F" in page and 'id="links-removed"' in page
    assert "these 2 links" in page and "2. Act early" in page and "The whole course" in page
    assert db.session.scalar(select(func.count()).select_from(RecommendationCourse)) == 2  # a GET deletes nothing
    assert post(client, f"/admin/recommendations/{first.id}/delete").status_code == 302
    assert [n for n, _ in numbers(db, review.id)] == [2, 3]
    assert db.session.scalar(select(func.count()).select_from(RecommendationCourse)) == 0
    assert db.session.scalar(select(func.count()).select_from(Course)) == 2  # the courses stay
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.recommendation_deleted")).one()
    courses = db.session.scalars(select(Course.id).where(Course.title.in_(["Neglect", "Recording"]))).all()
    assert (event.details["number"], sorted(event.details["course_ids"])) == (1, sorted(courses))


def test_deleting_a_review_lists_its_links_then_removes_them_all(client, login, db, hscp_admin, review):
    login(hscp_admin)
    page = client.get(f"/admin/reviews/{review.id}/delete").get_data(as_text=True)
    assert "Delete the review Child F" in page
    assert "its 3 recommendations" in page and "these 2 links" in page
    assert "Neglect" in page and "Recording" in page and "This cannot be undone" in page
    response = post(client, f"/admin/reviews/{review.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/reviews")
    for model in (CaseReview, ReviewRecommendation, RecommendationCourse):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(Course)) == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.deleted")).one()
    assert (event.details["title"], event.details["recommendations"], len(event.details["course_links"])) == (
        "Child F",
        3,
        2,
    )
    assert client.get(f"/admin/reviews/{review.id}").status_code == 404


def test_a_review_without_links_says_so(client, login, db, hscp_admin, partnerships):
    bare = CaseReview(partnership=partnerships["HSCP"], kind="sar", title="Adult G", published_on=date(2026, 1, 5))
    db.session.add(bare)
    db.session.commit()
    login(hscp_admin)
    page = client.get(f"/admin/reviews/{bare.id}/delete").get_data(as_text=True)
    assert "no links to courses (none have been made)" in page and 'id="links-removed"' not in page
    assert post(client, f"/admin/reviews/{bare.id}/delete").status_code == 302
    assert db.session.get(CaseReview, bare.id) is None


def test_another_partnerships_admin_may_not_change_or_delete(client, login, db, iow_admin, review):
    first = review.recommendations[0]
    login(iow_admin)
    for url in (
        f"/admin/reviews/{review.id}/delete",
        f"/admin/recommendations/{first.id}/edit",
        f"/admin/recommendations/{first.id}/delete",
    ):
        assert client.get(url).status_code == 403
        assert post(client, url, number="2", text="Taken over").status_code == 403
    assert numbers(db, review.id)[0] == (1, "Recommendation text 1")
    assert db.session.get(CaseReview, review.id) is not None
    assert actions(db) == []


def test_system_admin_may_delete_any_review(client, login, db, system_admin, review):
    login(system_admin)
    assert post(client, f"/admin/reviews/{review.id}/delete").status_code == 302
    assert db.session.get(CaseReview, review.id) is None


def test_missing_reviews_and_recommendations_are_404(client, login, hscp_admin, review):
    login(hscp_admin)
    for url in (
        "/admin/reviews/999999/delete",
        "/admin/recommendations/999999/edit",
        "/admin/recommendations/999999/delete",
        "/admin/recommendations/99999999999/delete",
    ):
        assert client.get(url).status_code == 404
        assert post(client, url).status_code == 404


def test_deleting_without_a_csrf_token_is_refused_and_changes_nothing(client, login, db, hscp_admin, review):
    first = review.recommendations[0]
    login(hscp_admin)
    for url in (f"/admin/reviews/{review.id}/delete", f"/admin/recommendations/{first.id}/delete"):
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
        assert client.post(url).status_code == 400
    assert client.post(f"/admin/recommendations/{first.id}/edit", data={"number": "2", "text": "x"}).status_code == 400
    assert [n for n, _ in numbers(db, review.id)] == [1, 2, 3]
    assert actions(db) == []
