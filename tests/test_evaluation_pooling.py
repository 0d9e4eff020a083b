"""Distance travelled pooled per delegate, and pairs that follow a moved booking: known answers
computed here with the statistics module, independently of training_app.evaluations.statistics."""

import csv
import io
import math
import statistics
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from training_app import clock
from training_app.bookings.team_changes import move_booking
from training_app.evaluations.due import due_openings
from training_app.evaluations.errors import AlreadySubmitted
from training_app.evaluations.figures import build_summary
from training_app.evaluations.invitations import send_evaluation_invitations
from training_app.evaluations.questions import questions_for
from training_app.evaluations.scope import Scope
from training_app.evaluations.services import booking_opening, submit_evaluation
from training_app.models import AuditEvent, Booking, OutboxMessage

T0 = datetime(2027, 5, 5, 9, 30)

# Student's t, 0.975 quantile, from a printed table: df = 6 (7 delegates) and df = 7 (8 delegates).
T_975_DF6 = 2.446912
T_975_DF7 = 2.364624

# Seven delegates, three outcomes each: (pre ratings, post ratings).
PAIRED = {
    "D1": ((2, 3, 4), (6, 7, 5)),
    "D2": ((5, 5, 6), (7, 6, 6)),
    "D3": ((7, 6, 8), (6, 6, 9)),
    "D4": ((1, 2, 1), (8, 9, 7)),
    "D5": ((4, 4, 5), (5, 7, 5)),
    "D6": ((6, 3, 5), (9, 8, 8)),
    "D7": ((8, 9, 7), (7, 8, 7)),
}
OUTCOMES = ["Recognise neglect", "Record concerns", "Make a referral"]


def book(db, user, course_session, status="confirmed"):
    booking = Booking(session=course_session, user=user, status=status, agency_id=user.agency_id)
    db.session.add(booking)
    db.session.commit()
    return booking


def answer(db, user, booking, stage, outcomes):
    opening = booking_opening(booking, stage, clock.now())
    form_id, _ = questions_for(opening.course, stage)
    ratings = {f"outcome_{i}": v for i, v in enumerate(outcomes)}
    if stage == "post":
        ratings.update({"useful": 4, "trainer": 4, "format": 4})
    response = submit_evaluation(user, opening, form_id, ratings, {}, clock.now())
    db.session.commit()
    return response


def interval(values, t):
    mean = statistics.mean(values)
    half = t * statistics.stdev(values) / math.sqrt(len(values))
    return mean - half, mean + half


@pytest.fixture
def seven(db, frozen_clock, make_user, make_course, make_session):
    """Seven paired delegates, plus pre-only, post-only, no-show and cancelled answers that must not count."""
    frozen_clock(T0 - timedelta(days=14))
    course = make_course(title="Neglect in practice", learning_outcomes=OUTCOMES)
    other = make_course(title="Working together", learning_outcomes=["Know the procedures"])
    s1 = make_session(course=course, starts_in=timedelta(days=14))
    s2 = make_session(course=other, starts_in=timedelta(days=14))
    people = {name: make_user(name=f"Delegate {name}") for name in [*PAIRED, "PRE", "POST", "NOSHOW", "CANC", "W"]}
    bookings = {name: book(db, people[name], s1) for name in [*PAIRED, "PRE", "POST", "NOSHOW", "CANC"]}
    bookings["W"] = book(db, people["W"], s2)
    frozen_clock(T0 - timedelta(days=1))
    for name, (pre, _) in PAIRED.items():
        answer(db, people[name], bookings[name], "pre", pre)
    answer(db, people["PRE"], bookings["PRE"], "pre", (1, 1, 1))
    answer(db, people["NOSHOW"], bookings["NOSHOW"], "pre", (1, 1, 1))
    answer(db, people["CANC"], bookings["CANC"], "pre", (1, 1, 1))
    answer(db, people["W"], bookings["W"], "pre", (3,))
    for name in [*PAIRED, "PRE", "POST", "W"]:
        bookings[name].status = "attended"
    bookings["NOSHOW"].status = "no_show"
    bookings["CANC"].status = "cancelled"
    db.session.commit()
    frozen_clock(T0 + timedelta(days=1))
    for name, (_, post) in PAIRED.items():
        answer(db, people[name], bookings[name], "post", post)
    answer(db, people["POST"], bookings["POST"], "post", (10, 10, 10))
    answer(db, people["W"], bookings["W"], "post", (9,))
    return dict(course=course, other=other, s1=s1, people=people, bookings=bookings)


def test_per_outcome_figures_count_each_delegate_once_per_outcome(db, seven):
    summary = build_summary(Scope(course_id=seven["course"].id), clock.now())
    assert [s.label for s in summary.outcomes] == [f"{i + 1}. {text}" for i, text in enumerate(OUTCOMES)]
    for index, stat in enumerate(summary.outcomes):
        pre = [p[index] for p, _ in PAIRED.values()]
        post = [q[index] for _, q in PAIRED.values()]
        changes = [b - a for a, b in zip(pre, post, strict=True)]
        assert stat.n == 7
        assert stat.mean_pre == pytest.approx(statistics.mean(pre))
        assert stat.mean_post == pytest.approx(statistics.mean(post))
        assert stat.mean_change == pytest.approx(statistics.mean(changes))
        assert stat.sd_change == pytest.approx(statistics.stdev(changes))
        assert stat.ci == pytest.approx(interval(changes, T_975_DF6), abs=1e-5)
        assert (stat.improved, stat.unchanged, stat.worse) == (
            sum(c > 0 for c in changes),
            sum(c == 0 for c in changes),
            sum(c < 0 for c in changes),
        )


def test_all_outcomes_pools_per_delegate_with_df_delegates_minus_one(db, seven):
    summary = build_summary(Scope(course_id=seven["course"].id), clock.now())
    means = {
        name: statistics.mean(b - a for a, b in zip(pre, post, strict=True)) for name, (pre, post) in PAIRED.items()
    }
    overall = summary.overall
    assert overall.label == "All outcomes"
    assert overall.n == 7  # delegates, not 21 ratings
    assert overall.mean_pre == pytest.approx(statistics.mean(statistics.mean(p) for p, _ in PAIRED.values()))
    assert overall.mean_post == pytest.approx(statistics.mean(statistics.mean(q) for _, q in PAIRED.values()))
    assert overall.mean_change == pytest.approx(statistics.mean(means.values()))
    assert overall.ci == pytest.approx(interval(list(means.values()), T_975_DF6), abs=1e-5)
    # D3's changes -1, 0, +1 cancel out: unchanged; D7's -1, -1, 0: worse.
    assert (overall.improved, overall.unchanged, overall.worse) == (5, 1, 1)
    # Treating the 21 ratings as independent would give a narrower interval than the right one.
    ratings = [b - a for pre, post in PAIRED.values() for a, b in zip(pre, post, strict=True)]
    wrong_half = 2.085963 * statistics.stdev(ratings) / math.sqrt(21)  # t(0.975, 20)
    assert overall.ci[1] - overall.ci[0] > 2 * wrong_half


def test_every_pooling_scope_counts_delegates(db, seven, partnerships):
    means = [statistics.mean(b - a for a, b in zip(p, q, strict=True)) for p, q in PAIRED.values()]
    everything = build_summary(Scope(), clock.now())
    rows = {s.label: s for s in everything.outcomes}
    assert rows["Neglect in practice"].n == 7
    assert rows["Neglect in practice"].mean_change == pytest.approx(statistics.mean(means))
    assert rows["Neglect in practice"].ci == pytest.approx(interval(means, T_975_DF6), abs=1e-5)
    assert rows["Working together"].n == 1 and rows["Working together"].mean_change == 6
    # All courses: eight delegates (W's one-outcome change 6 counts once, like everyone else).
    assert everything.overall.label == "All courses"
    assert everything.overall.n == 8
    assert everything.overall.ci == pytest.approx(interval([*means, 6], T_975_DF7), abs=1e-5)
    for scope in (Scope(partnership_id=partnerships["HSCP"].id), Scope(sector="Health"), Scope(level=3)):
        assert build_summary(scope, clock.now()).overall.n == 8
    session = build_summary(Scope(session_id=seven["s1"].id), clock.now())
    assert session.overall.n == 7 and session.overall.mean_change == pytest.approx(statistics.mean(means))


def test_page_and_csv_show_delegates_names_and_the_forms_scale(client, login, make_user, seven):
    login(make_user("system_admin"))
    course_id = seven["course"].id
    html = client.get(f"/evaluations/summary?course={course_id}").get_data(as_text=True)
    assert "Delegates paired" in html and ">Pairs<" not in html
    assert "How these figures are counted" in html
    assert "Scale 0 to 10" not in html and "scale of 1 (No knowledge or confidence) to 10" in html
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "1. Recognise neglect" in chart and "All outcomes" in chart and ">All<" not in chart
    text = client.get(f"/evaluations/summary/outcomes.csv?course={course_id}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1] == "Delegates paired"
    assert [row[:2] for row in rows[1:]] == [[f"{i + 1}. {t}", "7"] for i, t in enumerate(OUTCOMES)] + [
        ["All outcomes", "7"]
    ]


def test_moved_delegate_keeps_their_pair_and_is_invited_once(
    db, app, frozen_clock, make_user, make_course, make_session
):
    frozen_clock(T0 - timedelta(days=20))
    first = make_session(course=make_course(learning_outcomes=["Know the signs"]), starts_in=timedelta(days=14))
    later = make_session(course=first.course, starts_in=timedelta(days=28))
    admin, delegate = make_user("system_admin"), make_user()
    old = book(db, delegate, first)
    link = lambda opening: f"http://test/{opening.stage}/{opening.booking.id}"  # noqa: E731
    with app.test_request_context():
        assert send_evaluation_invitations(clock.now(), link) == (1, 0)  # pre-course
        db.session.commit()
        answer(db, delegate, old, "pre", (3,))
        moved = move_booking(admin, old, later.id)
        db.session.commit()
        assert [o.stage for o in due_openings(clock.now(), delegate)] == []
        assert send_evaluation_invitations(clock.now(), link) == (0, 0)  # not asked pre-course again
        with pytest.raises(AlreadySubmitted):
            answer(db, delegate, moved, "pre", (5,))
        db.session.rollback()
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.moved")).one()
        assert audit.details["evaluation_responses"] == 1
        frozen_clock(later.ends_at + timedelta(hours=1))
        moved.status = "attended"
        db.session.commit()
        assert send_evaluation_invitations(clock.now(), link) == (1, 0)  # post-course
        db.session.commit()
        answer(db, delegate, moved, "post", (8,))
        assert send_evaluation_invitations(clock.now(), link) == (0, 0)
    keys = sorted(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("eval-%"))))
    assert keys == [f"eval-invite:post:{moved.id}", f"eval-invite:pre:{old.id}"]
    summary = build_summary(Scope(course_id=first.course_id), clock.now())
    assert (summary.overall.n, summary.overall.mean_change) == (1, 5)
    assert summary.outcomes[0].n == 1
    stages = {s.stage: (s.invited, s.responded) for s in summary.stages}
    assert stages["pre"] == (1, 1) and stages["post"] == (1, 1)
    assert build_summary(Scope(session_id=later.id), clock.now()).overall.n == 1
    assert build_summary(Scope(session_id=first.id), clock.now()).stages[0].responded == 0
