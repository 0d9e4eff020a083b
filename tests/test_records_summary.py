"""The compliance summary (records/summary.py) stays equal to a fresh computation from the completions
(`latest_completions`, the one rule) after every kind of writer: the register, e-learning completed and
imported, training from elsewhere added, edited and deleted, a session moved, a course's level changed,
requirements added, edited and deleted, closure and a person moving organisation (the demo and the
reference data record no completions). Run on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from training_app.extensions import db as _db
from training_app.models import (
    Booking,
    ElearningCompletion,
    ExternalTraining,
    RequirementCompletion,
    TrainingRequirement,
)
from training_app.records.completions import latest_completions

NOW = datetime(2026, 6, 15, 10, 0)


def summary_rows():
    return sorted(
        (r.requirement_id, r.user_id, r.last_completed_at) for r in _db.session.scalars(select(RequirementCompletion))
    )


def fresh_rows():
    rows = []
    for requirement in _db.session.scalars(select(TrainingRequirement)):
        rows += [
            (requirement.id, user_id, last) for user_id, last in _db.session.execute(latest_completions(requirement))
        ]
    return sorted(rows)


def assert_fresh():
    """The summary equals each person's latest qualifying completion computed now from the completions."""
    _db.session.expire_all()
    assert summary_rows() == fresh_rows()


@pytest.fixture
def setup(db, make_user, make_course, make_session, frozen_clock):
    frozen_clock(NOW)
    level2 = make_course(title="Level 2 course", level=2)
    level3 = make_course(title="Level 3 course", level=3)
    online = make_course(title="Level 1 online", level=1, format="elearning")
    requirements = [
        TrainingRequirement(name="Level 1", level=1),
        TrainingRequirement(name="Level 3", level=3, validity_months=36),
        TrainingRequirement(name="Online", course=online, validity_months=12),
    ]
    db.session.add_all(requirements)
    people = [make_user(name=f"Person {n}", email=f"p{n}@example.org") for n in range(3)]
    past = make_session(course=level3, starts_in=timedelta(days=1))
    past.starts_at, past.ends_at = NOW - timedelta(days=30), NOW - timedelta(days=30, hours=-3)
    bookings = [Booking(session=past, user=p, status="confirmed", agency=p.agency) for p in people]
    db.session.add_all(bookings)
    db.session.commit()
    return dict(
        level2=level2,
        level3=level3,
        online=online,
        requirements=requirements,
        people=people,
        past=past,
        bookings=bookings,
    )


def test_register_attended_then_no_show_keeps_the_summary(setup, make_user):
    from training_app.bookings.attendance import record_attendance

    admin = make_user("system_admin")
    b = setup["bookings"]
    record_attendance(admin, setup["past"], {b[0].id: "attended", b[1].id: "attended", b[2].id: "no_show"})
    _db.session.commit()
    assert_fresh()
    assert len(summary_rows()) == 4  # two people, Level 1 and Level 3
    record_attendance(admin, setup["past"], {b[1].id: "no_show"})
    _db.session.commit()
    assert_fresh()
    assert {row[1] for row in summary_rows()} == {setup["people"][0].id}


def test_moving_a_session_or_changing_a_course_level_recomputes(setup, make_user):
    from training_app.bookings.attendance import record_attendance

    b = setup["bookings"]
    record_attendance(make_user("system_admin"), setup["past"], {b[0].id: "attended"})
    _db.session.commit()
    setup["past"].starts_at -= timedelta(days=400)
    _db.session.commit()
    assert_fresh()
    assert min(row[2] for row in summary_rows()) == NOW - timedelta(days=430)
    setup["level3"].level = 2  # no longer Level 3
    _db.session.commit()
    assert_fresh()
    assert {row[0] for row in summary_rows()} == {setup["requirements"][0].id}


def test_elearning_completed_imported_and_deleted(setup):
    from training_app.bookings.attendance import complete_elearning
    from training_app.records.importer import import_elearning

    first, second, _ = setup["people"]
    complete_elearning(first, setup["online"])
    _db.session.commit()
    assert_fresh()
    report = import_elearning(None, b"email,course,completed on\np1@example.org,Level 1 online,1/3/2026\n")
    _db.session.commit()
    assert report.created == 1
    assert_fresh()
    assert {row[1] for row in summary_rows()} == {first.id, second.id}
    _db.session.delete(_db.session.scalars(select(ElearningCompletion).filter_by(user_id=first.id)).one())
    _db.session.commit()
    assert_fresh()
    assert {row[1] for row in summary_rows()} == {second.id}


def test_training_from_elsewhere_added_edited_verified_deleted(setup, make_user):
    from training_app.records.external import ExternalDetails, record_external_training, verify_external_training

    person = setup["people"][0]
    training = record_external_training(person, ExternalDetails("Course", None, date(2025, 1, 2), 1, None, None), None)
    _db.session.commit()
    assert_fresh()
    assert len(summary_rows()) == 1
    training.level = 3
    training.completed_at = datetime(2024, 5, 1)
    _db.session.commit()
    assert_fresh()
    assert len(summary_rows()) == 2
    verify_external_training(make_user("system_admin"), training)
    _db.session.commit()
    assert_fresh()
    _db.session.delete(training)
    _db.session.commit()
    assert_fresh()
    assert summary_rows() == []


def test_requirements_added_edited_and_deleted(setup):
    person = setup["people"][0]
    _db.session.add(ExternalTraining(user=person, title="X", completed_at=datetime(2025, 1, 1), level=2))
    _db.session.commit()
    added = TrainingRequirement(name="Level 2", level=2)
    _db.session.add(added)
    _db.session.commit()
    assert_fresh()
    assert (added.id, person.id) in {row[:2] for row in summary_rows()}
    added.level, added.course_id = None, setup["online"].id
    _db.session.commit()
    assert_fresh()
    assert added.id not in {row[0] for row in summary_rows()}
    added.level, added.course_id = 1, None
    _db.session.commit()
    _db.session.delete(added)
    _db.session.commit()
    assert_fresh()


def test_closure_and_moving_organisation_keep_the_summary(setup, make_agency, partnerships):
    from training_app.privacy.services import close_account

    first, second, _ = setup["people"]
    for person in (first, second):
        _db.session.add(ExternalTraining(user=person, title="X", completed_at=datetime(2025, 1, 1), level=3))
    _db.session.commit()
    second.agency = make_agency("Elsewhere", "Health", partnerships["IOWSCP"])
    _db.session.commit()
    assert_fresh()
    close_account(first, first)
    _db.session.commit()
    assert_fresh()
    assert {row[1] for row in summary_rows()} == {first.id, second.id}  # closed: kept, not counted
