"""The demo's evidence for the board (training_app/demo_evidence.py): a delivered trainer-of-trainers
course whose interest, quotes, cascade and distance travelled the reports show; idempotent."""

from datetime import timedelta

from sqlalchemy import func, select

from training_app import clock
from training_app.demo import seed_demo
from training_app.demo_evidence import COURSE_TITLE, DELEGATES, seed_evidence
from training_app.evaluations.figures import pooled_by_course
from training_app.evaluations.quotes import picked_quotes, quote_candidates
from training_app.evaluations.scope import Scope
from training_app.models import (
    Booking,
    Course,
    CourseInterest,
    CourseSession,
    EvaluationResponse,
    OnwardDelivery,
    User,
)


def counts(db):
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Course, CourseSession, Booking, EvaluationResponse, CourseInterest, OnwardDelivery)
    ]


def seeded(db):
    seed_demo()
    seed_evidence()
    db.session.commit()
    return db.session.scalars(select(Course).where(Course.title == COURSE_TITLE)).one()


def test_seeding_the_evidence_twice_changes_nothing(db):
    seed_demo()
    db.session.commit()
    catalogue = counts(db)
    seed_evidence()
    db.session.commit()
    first = counts(db)
    # Ten new people (eight delegates, two who asked about dates), one course, one session, eight
    # bookings, a pre and a post response each, four requests for dates and one onward delivery.
    assert [after - before for before, after in zip(catalogue, first, strict=True)] == [10, 1, 1, 8, 16, 4, 1]
    seed_evidence()
    db.session.commit()
    assert counts(db) == first


def test_the_course_has_no_dates_to_come_and_four_people_waiting(db, client):
    course = seeded(db)
    assert course.is_trainer_of_trainers
    assert all(s.starts_at < clock.now() for s in course.sessions) and len(course.sessions) == 1
    waiting = db.session.scalar(
        select(func.count()).where(CourseInterest.course_id == course.id, CourseInterest.notified_at.is_(None))
    )
    assert waiting == 4


def test_quotes_are_distinct_and_three_are_picked(db):
    course = seeded(db)
    scope = Scope(course_id=course.id)
    texts = [text for *_, text, _consent, _picked in DELEGATES]
    assert len(set(texts)) == len(texts) == 8
    candidates = quote_candidates(scope)
    assert len(candidates) == 6 and len({q.text for q in candidates}) == 6
    picked = picked_quotes(scope)
    assert [q.text for q in picked] == [text for *_, text, _consent, is_picked in DELEGATES if is_picked]


def test_distance_travelled_known_answer(db):
    course = seeded(db)
    per_course, _ = pooled_by_course(Scope(course_id=course.id))
    stat = per_course[course.id]
    # Per delegate mean changes (thirds): 13, 12, 11, 11, 11, 10, 9, 11 → 88/3 over 8 delegates.
    assert stat.n == 8 and round(stat.mean_change, 4) == round(88 / 24, 4)


def test_the_annual_page_and_demand_report_show_the_evidence(db, client, login):
    course = seeded(db)
    admin = db.session.scalars(select(User).where(User.email == "admin.hscp@demo.hips.test")).one()
    login(admin)
    day = clock.to_london(course.sessions[0].starts_at).date()
    period = f"date_from={day - timedelta(days=1):%Y-%m-%d}&date_to={clock.to_london(clock.now()).date():%Y-%m-%d}"
    page = client.get(f"/reports/annual?{period}").get_data(as_text=True)
    assert COURSE_TITLE in page
    assert "Ben Oduya" not in page  # quotes are anonymous
    assert "Officers attending domestic incidents will now note" in page
    assert page.count("I will use the GCP2 scoring with families") == 1
    for figure, value in (("cascade_trainers", 1), ("cascade_sessions", 2), ("cascade_people", 26)):
        assert f'data-figure="{figure}">{value}</dd>' in page
    assert page.count("data-quote>") == 3
    demand = client.get("/reports/demand").get_data(as_text=True)
    assert COURSE_TITLE in demand
    assert '<dd class="govuk-summary-list__value" data-figure="interested">4</dd>' in demand
