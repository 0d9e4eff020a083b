"""Evaluations: stages and rules, known-answer summaries, permissions, versioning, invitations, CSV."""

import csv
import io
import math
import statistics
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from training_app import clock
from training_app.evaluations.errors import EvaluationNotAvailable
from training_app.evaluations.figures import build_summary
from training_app.evaluations.invitations import send_evaluation_invitations
from training_app.evaluations.questions import questions_for
from training_app.evaluations.scope import Scope
from training_app.evaluations.services import booking_opening, submit_evaluation
from training_app.evaluations.statistics import t_975
from training_app.models import Booking, OutboxMessage
from training_app.models.evaluations import EvaluationForm, EvaluationRating, EvaluationResponse

T0 = datetime(2027, 3, 3, 9, 30)  # the session starts (UTC)


def book(db, user, course_session, status="confirmed"):
    booking = Booking(session=course_session, user=user, status=status, agency_id=user.agency_id)
    db.session.add(booking)
    db.session.commit()
    return booking


def answer(db, user, booking, stage, outcomes, likert=None, texts=None):
    opening = booking_opening(booking, stage, clock.now())
    form_id, _ = questions_for(opening.course, stage)
    ratings = {f"outcome_{i}": v for i, v in enumerate(outcomes)}
    if stage == "post":
        ratings.update(likert or {"useful": 4, "trainer": 4, "format": 4})
    if stage == "follow_up":
        ratings.update(likert or {"impact": 3})
    response = submit_evaluation(user, opening, form_id, ratings, texts or {}, clock.now())
    db.session.commit()
    return response


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def scenario(db, frozen_clock, make_user, make_course, make_session, partnerships):
    """Course 1 (HSCP, trainer T1): pairs A-D, E pre only, F post only, X silent; course 2 (PSCP, trainer T2)."""
    frozen_clock(T0 - timedelta(days=14))
    t1 = make_user("trainer", name="Trainer One")
    t2 = make_user("trainer", name="Trainer Two")
    course1 = make_course(
        title="Child sexual exploitation",
        owner="HSCP",
        learning_outcomes=["Recognise signs of exploitation", "Know how to refer"],
    )
    course2 = make_course(title="Neglect", owner="PSCP", learning_outcomes=["Spot neglect"])
    s1 = make_session(course=course1, starts_in=timedelta(days=14), trainers=[t1])
    s2 = make_session(course=course2, starts_in=timedelta(days=14), trainers=[t2])
    people = {name: make_user(name=f"Delegate {name}") for name in "ABCDEFXGHZ"}
    bookings = {name: book(db, people[name], s1) for name in "ABCDEFX"}
    bookings["G"] = book(db, people["G"], s1, "cancelled")
    bookings["H"] = book(db, people["H"], s1, "waitlisted")
    bookings["Z"] = book(db, people["Z"], s2)
    frozen_clock(T0 - timedelta(days=1))
    pre = {"A": (3, 2), "B": (5, 4), "C": (6, 5), "D": (8, 7), "E": (1, 1)}
    for name, values in pre.items():
        answer(db, people[name], bookings[name], "pre", values)
    answer(db, people["Z"], bookings["Z"], "pre", (2,))
    for name in "ABCDFX":
        bookings[name].status = "attended"
    bookings["E"].status = "no_show"
    bookings["Z"].status = "attended"
    db.session.commit()
    frozen_clock(T0 + timedelta(days=1))
    post = {
        "A": ((7, 9), 5, '=HYPERLINK("http://evil")'),
        "B": ((6, 8), 4, "Share with my team"),
        "C": ((6, 5), 4, None),
        "D": ((7, 9), 3, None),
        "F": ((10, 10), 5, None),
    }
    for name, (values, useful, text) in post.items():
        answer(
            db,
            people[name],
            bookings[name],
            "post",
            values,
            {"useful": useful, "trainer": 4, "format": 4},
            {"practice_text": text} if text else None,
        )
    answer(db, people["Z"], bookings["Z"], "post", (9,))
    return dict(t1=t1, t2=t2, course1=course1, course2=course2, s1=s1, s2=s2, people=people, bookings=bookings)


def test_t_quantiles_match_published_values():
    assert t_975(1) == pytest.approx(12.7062, abs=1e-4)
    assert t_975(3) == pytest.approx(3.1824, abs=1e-4)
    assert t_975(40) == pytest.approx(2.021075, abs=1e-5)
    assert t_975(100) == pytest.approx(1.983972, abs=1e-5)
    assert t_975(1000) == pytest.approx(1.962339, abs=1e-5)


def test_course_summary_known_answers(db, scenario):
    summary = build_summary(Scope(course_id=scenario["course1"].id), clock.now())
    first, second = summary.outcomes
    # Outcome 1, pairs A-D only (E has no post, F has no pre): pre 3,5,6,8; post 7,6,6,7; change 4,1,0,-1.
    assert first.n == 4
    assert first.mean_pre == pytest.approx((3 + 5 + 6 + 8) / 4)  # 5.5
    assert first.mean_post == pytest.approx((7 + 6 + 6 + 7) / 4)  # 6.5
    assert first.mean_change == pytest.approx(1.0)
    # sd of 4,1,0,-1: deviations 3,0,-1,-2, squares sum 14, variance 14/3; t(0.975, 3) = 3.182446
    half = 3.182446 * math.sqrt(14 / 3) / math.sqrt(4)
    assert first.ci[0] == pytest.approx(1.0 - half, abs=1e-5)
    assert first.ci[1] == pytest.approx(1.0 + half, abs=1e-5)
    assert (first.improved, first.unchanged, first.worse) == (2, 1, 1)
    assert first.share("improved") == 50.0
    # Outcome 2: pre 2,4,5,7; post 9,8,5,9; change 7,4,0,2.
    changes = [7, 4, 0, 2]
    assert second.n == 4
    assert second.mean_pre == pytest.approx(4.5)
    assert second.mean_post == pytest.approx(7.75)
    assert second.mean_change == pytest.approx(3.25)
    half = 3.182446 * statistics.stdev(changes) / 2
    assert second.ci == pytest.approx((3.25 - half, 3.25 + half), abs=1e-5)
    # All outcomes, one unit per delegate: A-D's mean changes (4+7)/2, (1+4)/2, (0+0)/2, (-1+2)/2.
    people = [5.5, 2.5, 0.0, 0.5]
    overall = summary.overall
    assert overall.n == 4  # delegates, not the 8 (delegate, outcome) ratings
    assert overall.mean_change == pytest.approx(statistics.mean(people))  # 2.125
    assert overall.mean_pre == pytest.approx(statistics.mean([2.5, 4.5, 5.5, 7.5]))
    assert overall.mean_post == pytest.approx(statistics.mean([8, 7, 5.5, 8]))
    half = 3.182446 * statistics.stdev(people) / 2  # t(0.975, 3): df = 4 delegates - 1
    assert overall.ci == pytest.approx((2.125 - half, 2.125 + half), abs=1e-5)
    assert (overall.improved, overall.unchanged, overall.worse) == (3, 1, 0)
    # Distribution over paired ratings only: outcome 1 pre values 3,5,6,8, post 7,6,6,7.
    dist = summary.distributions[0]
    assert dist.pre == {3: 1, 5: 1, 6: 1, 8: 1}
    assert dist.post == {6: 2, 7: 2}
    # Response rates: pre eligible = confirmed/attended/no-show A-F and X (7), 5 answered;
    # post eligible = attended A-D, F, X (6), 5 answered; follow-up not open yet.
    stages = {s.stage: s for s in summary.stages}
    assert (stages["pre"].invited, stages["pre"].responded) == (7, 5)
    assert stages["pre"].rate == pytest.approx(500 / 7)
    assert (stages["post"].invited, stages["post"].responded) == (6, 5)
    assert (stages["follow_up"].invited, stages["follow_up"].responded) == (0, 0)
    useful = next(s for s in summary.satisfaction if s.key == "useful")
    assert (useful.n, useful.mean) == (5, pytest.approx((5 + 4 + 4 + 3 + 5) / 5))
    assert summary.comment_total == 2


def test_follow_up_counts_open_after_configured_days(db, scenario, app, frozen_clock):
    frozen_clock(scenario["s1"].ends_at + timedelta(days=90))
    summary = build_summary(Scope(course_id=scenario["course1"].id), clock.now())
    assert {s.stage: s.invited for s in summary.stages}["follow_up"] == 6
    booking = scenario["bookings"]["A"]
    app.config["EVALUATION_FOLLOW_UP_DAYS"] = 120
    try:
        with pytest.raises(EvaluationNotAvailable):
            booking_opening(booking, "follow_up", clock.now())
    finally:
        app.config.pop("EVALUATION_FOLLOW_UP_DAYS")
    answer(
        db,
        scenario["people"]["A"],
        booking,
        "follow_up",
        (6, 8),  # the follow-up rates the outcomes again (retention: tests/test_retention.py)
        {"impact": 4},
        {"changed_text": "I now ask about online contacts"},
    )
    summary = build_summary(Scope(course_id=scenario["course1"].id), clock.now())
    impact = next(s for s in summary.satisfaction if s.key == "impact")
    assert (impact.n, impact.mean) == (1, 4.0)


def test_filters_partnership_sector_and_period(db, scenario):
    course2 = build_summary(Scope(partnership_id=scenario["course2"].owner_partnership_id), clock.now())
    assert [o.label for o in course2.outcomes] == ["Neglect"]
    assert course2.overall.n == 1 and course2.overall.mean_change == 7
    everything = build_summary(Scope(), clock.now())
    assert everything.overall.n == 5  # A-D on course 1 and Z on course 2, each counted once
    assert everything.overall.mean_change == pytest.approx((5.5 + 2.5 + 0 + 0.5 + 7) / 5)
    assert build_summary(Scope(sector="Police"), clock.now()).overall.n == 0
    assert build_summary(Scope(sector="Health"), clock.now()).overall.n == 5
    later = build_summary(Scope(date_from=T0 + timedelta(days=1)), clock.now())
    assert later.overall.n == 0 and later.stages[0].invited == 0
    by_submission = build_summary(Scope(date_from=T0, date_basis="submitted"), clock.now())
    assert {s.stage: s.responded for s in by_submission.stages} == {"pre": 0, "post": 6, "follow_up": 0}


def test_hips_session_answers_count_for_the_partnership_that_ran_the_session(db, scenario, partnerships):
    scenario["course1"].is_hips = True
    db.session.commit()
    # S1 is run by the owner (HSCP): a HIPS course's session answers are not every partnership's.
    assert build_summary(Scope(partnership_id=partnerships["SSCP"].id), clock.now()).overall.n == 0
    assert build_summary(Scope(partnership_id=partnerships["HSCP"].id), clock.now()).overall.n == 4
    scenario["s1"].partnership_id = partnerships["SSCP"].id  # SSCP ran it
    db.session.commit()
    assert build_summary(Scope(partnership_id=partnerships["SSCP"].id), clock.now()).overall.n == 4
    assert build_summary(Scope(partnership_id=partnerships["HSCP"].id), clock.now()).overall.n == 0


def test_trainer_sees_own_session_without_names_and_403_for_another(client, login, scenario):
    login(scenario["t1"])
    page = client.get(f"/evaluations/summary?session={scenario['s1'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Recognise signs of exploitation" in html and "Share with my team" in html
    assert "Delegate A" not in html and "Who answered" not in html
    assert client.get(f"/evaluations/summary?session={scenario['s2'].id}").status_code == 403
    assert client.get(f"/evaluations/summary?trainer={scenario['t2'].id}").status_code == 403
    assert client.get(f"/evaluations/summary?course={scenario['course2'].id}").status_code == 403
    assert client.get(f"/evaluations/summary/comments.csv?session={scenario['s2'].id}").status_code == 403
    assert client.get(f"/evaluations/responses.csv?session={scenario['s2'].id}").status_code == 403
    # Unfiltered, a trainer sees only sessions they deliver (course 2 is someone else's).
    html = client.get("/evaluations/summary").get_data(as_text=True)
    assert "Neglect" not in html


def test_partnership_admin_sees_who_answered_but_not_other_partnerships(client, login, make_user, scenario):
    login(make_user("partnership_admin", partnership="HSCP"))
    html = client.get(f"/evaluations/summary?course={scenario['course1'].id}").get_data(as_text=True)
    assert "Who answered" in html and "Delegate A" in html
    assert client.get(f"/evaluations/summary?course={scenario['course2'].id}").status_code == 403
    assert client.get(f"/evaluations/summary?session={scenario['s2'].id}").status_code == 403


def test_delegates_cannot_read_summaries_or_others_answers(db, client, login, scenario):
    login(scenario["people"]["B"])
    assert client.get("/evaluations/summary").status_code == 403
    other = scenario["bookings"]["A"]
    response_a = db.session.scalars(select(EvaluationResponse).where(EvaluationResponse.booking_id == other.id)).first()
    assert client.get(f"/evaluations/responses/{response_a.id}").status_code == 403
    assert client.get(f"/evaluations/bookings/{other.id}/post").status_code == 403


def test_delegate_sees_own_distance_travelled(client, login, scenario):
    login(scenario["people"]["A"])
    html = client.get("/evaluations/mine").get_data(as_text=True)
    assert "Recognise signs of exploitation" in html
    assert "+4" in html and "+7" in html


def test_not_attended_delegate_cannot_open_post_form(client, login, scenario):
    login(scenario["people"]["E"])  # no-show
    page = client.get(f"/evaluations/bookings/{scenario['bookings']['E'].id}/post")
    assert page.status_code == 403
    assert "marked as attended" in page.get_data(as_text=True)
    assert 'name="outcome_0"' not in page.get_data(as_text=True)


def test_submit_through_the_page_then_second_submission_refused(db, client, login, post_form, scenario):
    user, booking = scenario["people"]["X"], scenario["bookings"]["X"]
    login(user)
    url = f"/evaluations/bookings/{booking.id}/post"
    data = {
        "outcome_0": "8",
        "outcome_1": "9",
        "useful": "5",
        "trainer": "5",
        "format": "4",
        "practice_text": "Use the referral pathway",
    }
    page = client.get(url)
    assert 'name="outcome_0"' in page.get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    form_id = db.session.scalar(select(EvaluationForm.id).where(EvaluationForm.stage == "post"))
    first = client.post(url, data={**data, "csrf_token": token, "form_id": str(form_id)})
    assert first.status_code == 302
    before = count(db, EvaluationResponse)
    second = client.post(url, data={**data, "csrf_token": token, "form_id": str(form_id)})
    assert second.status_code == 409
    assert "already submitted" in second.get_data(as_text=True)
    assert count(db, EvaluationResponse) == before


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"outcome_1": ""}, "Select a rating from 1 to 10 for outcome 2"),
        ({"outcome_0": "11"}, "Select a rating from 1 to 10 for outcome 1"),
        ({"useful": "0"}, "Select an answer for"),
        ({"other_text": "x" * 5000}, "2,000 characters or fewer"),
    ],
)
def test_bad_answers_rerender_with_errors_and_save_nothing(db, client, login, post_form, scenario, bad, message):
    user, booking = scenario["people"]["X"], scenario["bookings"]["X"]
    login(user)
    url = f"/evaluations/bookings/{booking.id}/post"
    form_id = db.session.scalar(select(EvaluationForm.id).where(EvaluationForm.stage == "post"))
    data = {
        "outcome_0": "8",
        "outcome_1": "9",
        "useful": "5",
        "trainer": "5",
        "format": "4",
        "form_id": str(form_id),
        **bad,
    }
    before, ratings = count(db, EvaluationResponse), count(db, EvaluationRating)
    page = post_form(url, data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert (count(db, EvaluationResponse), count(db, EvaluationRating)) == (before, ratings)


def test_pre_course_closes_at_start_and_waitlisted_cannot_answer(client, login, scenario, frozen_clock):
    login(scenario["people"]["H"])
    page = client.get(f"/evaluations/bookings/{scenario['bookings']['H'].id}/pre")
    assert page.status_code == 403 and "waiting list" in page.get_data(as_text=True)
    login(scenario["people"]["X"])
    page = client.get(f"/evaluations/bookings/{scenario['bookings']['X'].id}/pre")
    assert page.status_code == 403


def test_editing_questions_creates_a_version_and_keeps_old_answers(db, client, login, post_form, make_user, scenario):
    course = scenario["course1"]
    old = db.session.scalars(
        select(EvaluationResponse).where(
            EvaluationResponse.booking_id == scenario["bookings"]["A"].id, EvaluationResponse.stage == "post"
        )
    ).one()
    old_form_id = old.form_id
    login(make_user("partnership_admin", partnership="HSCP"))
    url = f"/evaluations/courses/{course.id}/questions"
    page = post_form(
        url,
        {
            "outcome_0": "Recognise the signs of child exploitation",
            "outcome_1": "Know how to refer",
            "min_label": "None",
            "max_label": "Expert",
            "extra_1": "The venue was accessible",
            "extra_2": "",
            "extra_3": "",
        },
    )
    assert page.status_code == 302
    versions = db.session.execute(
        select(EvaluationForm.stage, EvaluationForm.version)
        .where(EvaluationForm.course_id == course.id)
        .order_by(EvaluationForm.stage, EvaluationForm.version)
    ).all()
    # The follow-up rates the same outcomes again, so it takes the new wording too.
    assert versions == [("follow_up", 1), ("post", 1), ("post", 2), ("pre", 1), ("pre", 2)]
    db.session.expire_all()
    old = db.session.get(EvaluationResponse, old.id)
    assert old.form_id == old_form_id
    assert old.form.questions["outcomes"][0] == "Recognise signs of exploitation"
    assert sorted(r.value for r in old.ratings if r.question_key == "outcome") == [7, 9]
    # The summary still pairs old answers, labelled with the newest wording.
    summary = build_summary(Scope(course_id=course.id), clock.now())
    assert summary.outcomes[0].n == 4
    assert summary.outcomes[0].label == "1. Recognise the signs of child exploitation"
    # A trainer or another partnership's admin may not edit.
    login(scenario["t1"])
    assert client.get(url).status_code == 403


def test_invitations_and_one_reminder_are_never_duplicated(db, app, scenario, frozen_clock):
    link = lambda opening: f"http://test/{opening.stage}/{opening.booking.id if opening.booking else 'e'}"  # noqa: E731
    with app.test_request_context():
        invited, reminded = send_evaluation_invitations(clock.now(), link)
        db.session.commit()
        # Post-course: X (attended, no post answer); course 2's Z answered. Nothing else is open.
        assert (invited, reminded) == (1, 0)
        assert send_evaluation_invitations(clock.now(), link) == (0, 0)
        frozen_clock(clock.now() + timedelta(days=8))
        assert send_evaluation_invitations(clock.now(), link) == (0, 1)
        db.session.commit()
        assert send_evaluation_invitations(clock.now(), link) == (0, 0)
    keys = sorted(db.session.scalars(select(OutboxMessage.dedupe_key)))
    x = scenario["bookings"]["X"].id
    assert keys == [f"eval-invite:post:{x}", f"eval-reminder:post:{x}"]
    body = db.session.scalars(select(OutboxMessage.body_text)).first()
    assert f"http://test/post/{x}" in body


def test_outstanding_evaluations_for_my_training(db, app, scenario):
    from training_app.evaluations.due import outstanding_evaluations

    with app.test_request_context():
        items = outstanding_evaluations(scenario["people"]["X"])
    assert [(i.stage, i.stage_label, i.course_title, i.session.id, i.closes_at) for i in items] == [
        ("post", "Post-course evaluation", "Child sexual exploitation", scenario["s1"].id, None)
    ]
    assert items[0].url.endswith(f"/evaluations/bookings/{scenario['bookings']['X'].id}/post")


def test_csv_exports_neutralise_formulas_and_hide_names(client, login, make_user, scenario):
    login(make_user("partnership_admin", partnership="HSCP"))
    text = client.get(f"/evaluations/summary/comments.csv?course={scenario['course1'].id}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert any(row[-1] == '\'=HYPERLINK("http://evil")' for row in rows)
    text = client.get(f"/evaluations/summary/outcomes.csv?course={scenario['course1'].id}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:5] == ["1. Recognise signs of exploitation", "4", "5.5", "6.5", "1.0"]
    text = client.get(f"/evaluations/responses.csv?course={scenario['course1'].id}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 10  # 5 pre + 5 post
    assert "Delegate A" not in text and "@example.org" not in text
    # Pre and post of the same delegate share a reference.
    references = [row[0] for row in rows[1:]]
    assert len(set(references)) == 6


def test_summary_page_has_chart_and_table_without_inline_styles(client, login, make_user, scenario):
    login(make_user("system_admin"))
    html = client.get(f"/evaluations/summary?course={scenario['course1'].id}").get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert "style=" not in main and "<script" not in main
    assert "+1.00" in html and "5.50" in html
    bad = client.get("/evaluations/summary?date_from=31/02/2027")
    assert bad.status_code == 200 and "must be a real date" in bad.get_data(as_text=True)


def test_elearning_pairs_by_person_and_course(db, client, login, make_user, make_course, frozen_clock):
    from training_app.evaluations.services import elearning_opening
    from training_app.models import ElearningCompletion

    frozen_clock(T0)
    course = make_course(format="elearning", learning_outcomes=["Know the signs"])
    delegate = make_user()
    login(delegate)
    assert client.get(f"/evaluations/elearning/{course.id}/post").status_code == 403  # not completed yet
    opening = elearning_opening(delegate, course, "pre", clock.now())
    submit_evaluation(delegate, opening, 0, {"outcome_0": 2}, {}, clock.now())
    db.session.add(ElearningCompletion(user=delegate, course=course, completed_at=clock.now()))
    db.session.commit()
    with pytest.raises(EvaluationNotAvailable):
        elearning_opening(delegate, course, "pre", clock.now())
    opening = elearning_opening(delegate, course, "post", clock.now())
    form_id, _ = questions_for(course, "post")
    submit_evaluation(
        delegate, opening, form_id, {"outcome_0": 9, "useful": 5, "trainer": 5, "format": 5}, {}, clock.now()
    )
    db.session.commit()
    summary = build_summary(Scope(course_id=course.id), clock.now())
    assert (summary.outcomes[0].n, summary.outcomes[0].mean_change) == (1, 7)
    assert summary.outcomes[0].ci is None  # one pair: no interval
    assert [(s.invited, s.responded) for s in summary.stages][:2] == [(1, 1), (1, 1)]


def test_anonymising_keeps_pairs_but_drops_the_person(db, scenario):
    from training_app.evaluations.services import anonymise_evaluation_responses

    person = scenario["people"]["A"]
    assert anonymise_evaluation_responses(person) == 2
    db.session.commit()
    rows = db.session.execute(
        select(EvaluationResponse.user_id, EvaluationResponse.pair_key).where(
            EvaluationResponse.booking_id == scenario["bookings"]["A"].id
        )
    ).all()
    assert [r.user_id for r in rows] == [None, None]
    assert len({r.pair_key for r in rows}) == 1 and rows[0].pair_key.startswith("anon:")
    assert build_summary(Scope(course_id=scenario["course1"].id), clock.now()).outcomes[0].n == 4


def test_cli_command_queues_invitations_once(db, app, scenario):
    from training_app.evaluations.cli import register_evaluation_cli

    if "send-evaluation-invitations" not in app.cli.commands:
        register_evaluation_cli(app)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-evaluation-invitations"])
    assert first.exit_code == 0, first.output
    assert "Queued 1 evaluation invitation(s) and 0 reminder(s)." in first.output
    second = runner.invoke(args=["send-evaluation-invitations"])
    assert "Queued 0 evaluation invitation(s)" in second.output
    db.session.expire_all()
    body = db.session.scalars(select(OutboxMessage.body_text)).one()
    assert f"/evaluations/bookings/{scenario['bookings']['X'].id}/post" in body
    assert "Dear Delegate X" in body


def test_promoted_from_waiting_list_can_answer_pre_course(db, client, login, scenario, frozen_clock):
    frozen_clock(T0 - timedelta(days=2))
    booking = scenario["bookings"]["H"]
    booking.status = "confirmed"
    db.session.commit()
    login(scenario["people"]["H"])
    page = client.get(f"/evaluations/bookings/{booking.id}/pre")
    assert page.status_code == 200 and 'name="outcome_0"' in page.get_data(as_text=True)


def count_statements(db, client, url):
    """(status, number of SQL statements) for one GET."""
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status = client.get(url).status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return status, len(statements)


def test_partnership_admin_summary_does_not_load_courses_one_by_one(
    db, client, login, make_user, make_course, partnerships
):
    admin = login(make_user("partnership_admin", partnership="IOWSCP"))

    def add_joint_courses(n):
        for _ in range(n):
            course = make_course(owner="HSCP", commit=False)
            course.joint_partnerships.append(partnerships["IOWSCP"])
        db.session.commit()

    add_joint_courses(2)
    status, few = count_statements(db, client, "/evaluations/summary")
    assert status == 200
    add_joint_courses(10)
    status, many = count_statements(db, client, "/evaluations/summary")
    assert status == 200
    assert many == few  # the partnership rule is one SQL expression, not a lazy load per course
    assert many <= 25
    assert admin.partnership_id == partnerships["IOWSCP"].id


def test_evaluation_and_report_csvs_write_london_time(
    db, client, login, make_user, make_course, make_session, frozen_clock
):
    # 08:30 UTC on 2 June 2027 is 09:30 British Summer Time.
    frozen_clock(datetime(2027, 5, 19, 8, 30))
    course = make_course(title="Summer course", owner="HSCP", learning_outcomes=["Know the signs"])
    course_session = make_session(course=course, starts_in=timedelta(days=14))
    assert course_session.starts_at == datetime(2027, 6, 2, 8, 30)
    delegate = make_user(name="Summer Delegate")
    booking = book(db, delegate, course_session)
    frozen_clock(datetime(2027, 6, 1, 11, 15))  # 12:15 in London
    answer(db, delegate, booking, "pre", (4,))
    booking.status = "attended"
    db.session.commit()
    frozen_clock(datetime(2027, 6, 2, 13, 0))  # 14:00 in London
    answer(db, delegate, booking, "post", (7,), texts={"practice_text": "Share with my team"})
    login(make_user("system_admin"))

    text = client.get(f"/evaluations/responses.csv?course={course.id}").get_data(as_text=True)
    header, pre, post = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[2:6] == ["Session start (London)", "Stage", "Form version", "Submitted (London)"]
    assert pre[2] == "2027-06-02 09:30" and pre[5] == "2027-06-01 12:15" and post[5] == "2027-06-02 14:00"
    text = client.get(f"/evaluations/summary/comments.csv?course={course.id}").get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[1] == "Submitted (London)" and row[1] == "2027-06-02 14:00"

    text = client.get("/reports/bookings.csv?date_from=2027-06-01&date_to=2027-06-30").get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[3] == "Session starts (London)" and row[3] == "2027-06-02 09:30"
