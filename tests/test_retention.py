"""Follow-up re-rates the outcomes: pre → post → follow-up with intervals (known answers)."""

import csv
import io
from datetime import timedelta

import pytest
from test_evaluations import T0, answer, book
from test_reports import figures_of

from training_app.evaluations.figures import build_summary
from training_app.evaluations.questions import default_questions, questions_for
from training_app.evaluations.scope import Scope
from training_app.models.evaluations import EvaluationForm


@pytest.fixture
def rated(db, frozen_clock, make_user, make_course, make_session):
    """Outcomes (pre, post, follow-up) per delegate: A (3,2) (7,9) (6,8); B (5,4) (6,8) (6,7);
    C (6,5) (6,5) (5,5); D pre and post only, so not counted."""
    frozen_clock(T0 - timedelta(days=14))
    course = make_course(title="Retention course", learning_outcomes=["Spot it", "Refer it"])
    s = make_session(course=course)
    people = {n: make_user(name=f"Delegate {n}") for n in "ABCD"}
    bookings = {n: book(db, people[n], s) for n in "ABCD"}
    ratings = {"A": ((3, 2), (7, 9), (6, 8)), "B": ((5, 4), (6, 8), (6, 7)), "C": ((6, 5), (6, 5), (5, 5))}
    ratings["D"] = ((7, 9), (8, 8), None)
    frozen_clock(T0 - timedelta(days=1))
    for n, (pre, _, _) in ratings.items():
        answer(db, people[n], bookings[n], "pre", pre)
    for b in bookings.values():
        b.status = "attended"
    db.session.commit()
    frozen_clock(T0 + timedelta(days=1))
    for n, (_, post, _) in ratings.items():
        answer(db, people[n], bookings[n], "post", post)
    frozen_clock(s.ends_at + timedelta(days=91))
    for n, (_, _, follow) in ratings.items():
        if follow:
            answer(db, people[n], bookings[n], "follow_up", follow, {"impact": 4})
    return course


def test_follow_up_asks_the_outcomes_again(db, make_course):
    course = make_course(learning_outcomes=["Spot it", "Refer it"])
    questions = default_questions(course, "follow_up")
    assert questions["outcomes"] == ["Spot it", "Refer it"]
    assert [q["key"] for q in questions["likert"]] == ["impact"]


def test_a_follow_up_form_saved_without_outcomes_gains_them_as_a_new_version(db, make_course, make_user):
    course = make_course(learning_outcomes=["Spot it"])
    old = default_questions(course, "follow_up") | {"outcomes": []}
    db.session.add(EvaluationForm(course_id=course.id, stage="follow_up", version=1, questions=old))
    db.session.commit()
    form_id, questions = questions_for(course, "follow_up")
    assert form_id == 0 and questions["outcomes"] == ["Spot it"]


def test_retention_known_answers_per_outcome(db, rated):
    summary = build_summary(Scope(course_id=rated.id), T0 + timedelta(days=200))
    first, second, pooled = summary.retention
    assert (first.label, first.n) == ("1. Spot it", 3)
    assert [round(v, 2) for v in (first.mean_pre, first.mean_post, first.mean_follow_up)] == [4.67, 6.33, 5.67]
    assert first.since_pre.mean_change == 1.0
    assert [round(v, 2) for v in first.since_pre.ci] == [-3.97, 5.97]
    assert round(first.since_post.mean_change, 2) == -0.67
    assert [round(v, 2) for v in first.since_post.ci] == [-2.10, 0.77]
    assert [round(v, 2) for v in (second.mean_pre, second.mean_post, second.mean_follow_up)] == [3.67, 7.33, 6.67]
    assert second.since_pre.mean_change == 3.0 and [round(v, 2) for v in second.since_pre.ci] == [-4.45, 10.45]
    # Pooled: each delegate once, by their mean over both outcomes.
    assert (pooled.label, pooled.n) == ("All outcomes", 3)
    assert [round(v, 2) for v in (pooled.mean_pre, pooled.mean_post, pooled.mean_follow_up)] == [4.17, 6.83, 6.17]
    assert pooled.since_pre.mean_change == 2.0 and [round(v, 2) for v in pooled.since_pre.ci] == [-4.21, 8.21]
    assert [round(v, 2) for v in pooled.since_post.ci] == [-1.38, 0.05]
    # Distance travelled (pre → post) still counts all four pairs.
    assert summary.overall.n == 4


def test_retention_on_the_summary_page_and_csv(client, login, db, rated, system_admin):
    login(system_admin)
    page = figures_of(client.get(f"/evaluations/summary?course={rated.id}"))
    assert page.row("retention", "1. Spot it") == {
        "n": "3",
        "pre": "4.67",
        "post": "6.33",
        "follow_up": "5.67",
        "since_pre": "+1.00 (-3.97 to +5.97)",
        "since_post": "-0.67 (-2.10 to +0.77)",
    }
    assert page.row("retention", "All outcomes")["since_pre"] == "+2.00 (-4.21 to +8.21)"
    all_courses = figures_of(client.get("/evaluations/summary"))
    assert all_courses.row("retention", "Retention course")["n"] == "3"
    response = client.get(f"/evaluations/summary/retention.csv?course={rated.id}")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "Learning outcome",
        "Delegates (pre, post and follow-up)",
        "Mean pre",
        "Mean post",
        "Mean follow-up",
    ]
    assert rows[1] == ["1. Spot it", "3", "4.67", "6.33", "5.67", "1.0", "-3.97", "5.97", "-0.67", "-2.1", "0.77"]
    assert rows[3][0] == "All outcomes" and rows[3][5] == "2.0"
