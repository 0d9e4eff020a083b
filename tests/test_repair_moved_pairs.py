"""Migration 0006 repairs the pairs of delegates moved before answers followed a move: known answers."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from training_app import clock
from training_app.bookings import team_changes
from training_app.bookings.team_changes import move_booking
from training_app.evaluations.figures import build_summary
from training_app.evaluations.questions import questions_for
from training_app.evaluations.scope import Scope
from training_app.evaluations.services import booking_opening, submit_evaluation
from training_app.models import Booking, BookingStatus, EvaluationStage
from training_app.models.evaluations import EvaluationRating, EvaluationResponse

MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "20261203_repair_moved_pairs_0006.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("repair_moved_pairs_0006", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(db, user, booking, stage, outcomes):
    opening = booking_opening(booking, stage, clock.now())
    form_id, _ = questions_for(opening.course, stage)
    ratings = {f"outcome_{i}": v for i, v in enumerate(outcomes)}
    if stage == EvaluationStage.POST:
        ratings.update({"useful": 4, "trainer": 4, "format": 4})
    submit_evaluation(user, opening, form_id, ratings, {}, clock.now())
    db.session.commit()


@pytest.fixture
def moved_the_old_way(db, frozen_clock, make_user, make_course, make_session, monkeypatch):
    """Two delegates moved as the app did before 0006: their answers stayed on the old booking. The
    first answered pre (3, 4) before the move and post (8, 6) after; the second also answered pre
    again (5, 5) after the move, then post (9, 9)."""
    monkeypatch.setattr(team_changes, "carry_responses", lambda old, new: 0)
    frozen_clock(clock.now().replace(microsecond=0))
    course = make_course(learning_outcomes=["Know the signs", "Refer"])
    first = make_session(course=course, starts_in=timedelta(days=14))
    later = make_session(course=course, starts_in=timedelta(days=28))
    admin = make_user("system_admin")
    people = [make_user(name="Moved once"), make_user(name="Asked twice")]
    moved = []
    for person in people:
        old = Booking(session=first, user=person, status=BookingStatus.CONFIRMED, agency_id=person.agency_id)
        db.session.add(old)
        db.session.commit()
        answer(db, person, old, EvaluationStage.PRE, (3, 4))
        moved.append(move_booking(admin, old, later.id))
        db.session.commit()
    answer(db, people[1], moved[1], EvaluationStage.PRE, (5, 5))
    frozen_clock(later.ends_at + timedelta(hours=1))
    for booking in moved:
        booking.status = BookingStatus.ATTENDED
    db.session.commit()
    answer(db, people[0], moved[0], EvaluationStage.POST, (8, 6))
    answer(db, people[1], moved[1], EvaluationStage.POST, (9, 9))
    return course, moved


def test_before_the_repair_the_first_delegate_is_unpaired(db, moved_the_old_way):
    course, _ = moved_the_old_way
    assert build_summary(Scope(course_id=course.id), clock.now()).overall.n == 1  # only the one asked twice


def test_repair_carries_answers_and_completes_the_pairs(db, moved_the_old_way):
    course, moved = moved_the_old_way
    assert load_migration().repair_moved_pairs(db.session.connection()) == 1  # the re-answered pre stays put
    db.session.commit()
    db.session.expire_all()
    pre = db.session.scalars(
        select(EvaluationResponse).where(
            EvaluationResponse.pair_key == f"booking:{moved[0].id}", EvaluationResponse.stage == EvaluationStage.PRE
        )
    ).one()
    assert (pre.booking_id, pre.session_id) == (moved[0].id, moved[0].session_id)
    post_pre_values = db.session.scalars(
        select(EvaluationRating.pre_value)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationRating.response_id)
        .where(
            EvaluationResponse.pair_key == f"booking:{moved[0].id}",
            EvaluationResponse.stage == EvaluationStage.POST,
            EvaluationRating.question_key == "outcome",
        )
        .order_by(EvaluationRating.outcome_index)
    ).all()
    assert post_pre_values == [3, 4]
    summary = build_summary(Scope(course_id=course.id), clock.now())
    # Per delegate: (8-3 + 6-4) / 2 = 3.5; (9-5 + 9-5) / 2 = 4 (their own second pre-course answer).
    assert summary.overall.n == 2
    assert summary.overall.mean_change == pytest.approx((3.5 + 4) / 2)
    # Running it again changes nothing.
    assert load_migration().repair_moved_pairs(db.session.connection()) == 0
