"""Quotes with consent and the cascade: what the evaluation form stores, the team's pick, and the
annual pack's known answers for both sections."""

import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from test_reports import figures_of

from support import session_csrf_token
from training_app import clock
from training_app.cascade.services import CascadeError, record_onward_delivery
from training_app.evaluations.questions import questions_for
from training_app.evaluations.services import booking_opening, submit_evaluation
from training_app.interest.services import register_interest
from training_app.models import Booking, OnwardDelivery
from training_app.models.evaluations import EvaluationResponse

T0 = datetime(2027, 3, 3, 9, 30)
PERIOD = "date_from=2026-04-01&date_to=2027-03-31"


def attend(db, user, course_session):
    booking = Booking(session=course_session, user=user, status="attended", agency_id=user.agency_id)
    db.session.add(booking)
    db.session.commit()
    return booking


def post_answer(db, user, booking, text, consent):
    opening = booking_opening(booking, "post", clock.now())
    form_id, _ = questions_for(opening.course, "post")
    ratings = {"outcome_0": 7, "outcome_1": 8, "useful": 4, "trainer": 4, "format": 4}
    response = submit_evaluation(
        user, opening, form_id, ratings, {"practice_text": text}, clock.now(), quote_consent=consent
    )
    db.session.commit()
    return response


@pytest.fixture
def quotes_world(db, frozen_clock, make_user, make_course, make_session):
    """Six answers on an HSCP session: the same sentence three times (case, spacing and a full stop
    apart), another sentence, one without consent, one without text; and one on an IOWSCP course."""
    frozen_clock(T0 - timedelta(days=14))
    course = make_course(title="Child exploitation", owner="HSCP")
    other = make_course(title="Island course", owner="IOWSCP")
    session = make_session(course=course)
    island = make_session(course=other)
    frozen_clock(T0 + timedelta(days=1))
    answers = [
        ("I will share this with my team", True),
        ("i will share this with  my team.", True),
        ("I will share this with my team", True),
        ("I will refer earlier", True),
        ("Keep this private please", False),
        (None, True),
    ]
    responses = [
        post_answer(db, person, attend(db, person, session), text, consent)
        for text, consent in answers
        for person in [make_user()]
    ]
    island_person = make_user()
    island_response = post_answer(db, island_person, attend(db, island_person, island), "Island words", True)
    return {"responses": responses, "island": island_response}


def pick(client, response_id, value="1"):
    return client.post(f"/reports/quotes/{response_id}", data={"pick": value, "csrf_token": session_csrf_token(client)})


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pack_quotes(client, url=f"/reports/annual?{PERIOD}"):
    html = client.get(url).get_data(as_text=True)
    section = html.split('id="quotes-heading"')[1].split("Cascade")[0]
    return [part.split("”")[0] for part in section.split("“")[1:]]


def test_consent_is_stored_only_with_a_comment(db, quotes_world):
    stored = [r.quote_consent for r in quotes_world["responses"]]
    assert stored == [True, True, True, True, False, False]


def test_evaluation_page_asks_for_consent_and_stores_it(
    db, client, login, make_user, make_course, make_session, frozen_clock
):
    frozen_clock(T0 - timedelta(days=14))
    course_session = make_session(course=make_course())
    person = make_user()
    booking = attend(db, person, course_session)
    frozen_clock(T0 + timedelta(days=1))
    login(person)
    url = f"/evaluations/bookings/{booking.id}/post"
    page = client.get(url).get_data(as_text=True)
    assert "You may quote my comments anonymously" in page
    data = {"outcome_0": "8", "outcome_1": "9", "useful": "5", "trainer": "5", "format": "4"}
    data.update(practice_text="Refer sooner", quote_consent="y", form_id="0", csrf_token=session_csrf_token(client))
    assert client.post(url, data=data).status_code == 302
    response = db.session.scalars(select(EvaluationResponse)).one()
    assert response.quote_consent is True and response.practice_text == "Refer sooner"
    pre = client.get(f"/evaluations/bookings/{booking.id}/pre").get_data(as_text=True)
    assert "You may quote" not in pre  # no comments asked before the course


def test_pick_page_lists_consented_comments_once_each(client, login, quotes_world, hscp_admin):
    login(hscp_admin)
    html = client.get(f"/reports/quotes?{PERIOD}").get_data(as_text=True)
    assert html.count("data-quote") == 2
    assert "“I will share this with my team”" in html and "3 delegates wrote this" in html
    assert "I will refer earlier" in html
    assert "Keep this private" not in html and "Island words" not in html


def test_picked_quotes_appear_in_the_pack_once_each(client, login, quotes_world, hscp_admin, system_admin):
    responses = quotes_world["responses"]
    login(hscp_admin)
    assert pack_quotes(client) == []
    assert "No quotes chosen yet" in client.get(f"/reports/annual?{PERIOD}").get_data(as_text=True)
    for response in responses[:4]:  # the same sentence picked three times, and another
        assert pick(client, response.id).status_code == 302
    assert pack_quotes(client) == ["I will share this with my team", "I will refer earlier"]
    text = " ".join(pdf_text(client.get(f"/reports/annual.pdf?{PERIOD}").data).split())
    quotes = text.split("In delegates' words", 1)[1].split("Only comments whose authors agreed", 1)[0]
    assert quotes.count("I will share this with my team") == 1 and "I will refer earlier" in quotes
    # Taking a quote out takes out every identical comment.
    assert pick(client, responses[1].id, "0").status_code == 302
    assert pack_quotes(client) == ["I will refer earlier"]
    # No consent, no pick.
    assert pick(client, responses[4].id).status_code == 302
    assert pack_quotes(client) == ["I will refer earlier"]
    login(system_admin)
    assert pick(client, quotes_world["island"].id).status_code == 302
    assert pack_quotes(client) == ["I will refer earlier", "Island words"]


def test_quotes_are_scoped_to_the_partnership(client, login, quotes_world, iow_admin, practitioner):
    login(iow_admin)
    html = client.get(f"/reports/quotes?{PERIOD}").get_data(as_text=True)
    assert "Island words" in html and "share this" not in html
    assert pick(client, quotes_world["responses"][0].id).status_code == 403
    login(practitioner)
    assert client.get("/reports/quotes").status_code == 403


def test_impact_comments_show_identical_text_once(client, login, quotes_world, hscp_admin):
    login(hscp_admin)
    html = client.get(f"/reports/annual?{PERIOD}").get_data(as_text=True)
    impact = html.split("Impact: in delegates")[1].split('id="quotes-heading"')[0]
    assert impact.lower().count("share this with") == 1


# ---------------------------------------------------------------- cascade


@pytest.fixture
def cascade_world(db, frozen_clock, make_user, make_course, make_session, partnerships):
    """A Hampshire trainer-of-trainers course: P1 ran 2 + 1 sessions for 30 + 12 people, P2 3 for
    45, P3 nothing; P2 also 1 for 8 in the next financial year. An Isle of Wight one: P4 ran 1 for 10."""
    frozen_clock(T0 - timedelta(days=14))
    tot = make_course(title="Train the trainer: neglect", owner="HSCP", is_trainer_of_trainers=True)
    island_tot = make_course(title="Island train the trainer", owner="IOWSCP", is_trainer_of_trainers=True)
    s = make_session(course=tot)
    island = make_session(course=island_tot)
    p = {n: make_user(name=f"Trainer P{n}") for n in (1, 2, 3, 4)}
    b = {n: attend(db, p[n], s) for n in (1, 2, 3)}
    b[4] = attend(db, p[4], island)
    frozen_clock(datetime(2027, 3, 20, 12, 0))
    for n, day, sessions, people, org in (
        (1, date(2027, 3, 5), 2, 30, "Hampshire schools"),
        (1, date(2027, 3, 12), 1, 12, "Basingstoke GPs"),
        (2, date(2027, 3, 10), 3, 45, "Solent NHS Trust"),
        (4, date(2027, 3, 15), 1, 10, "Island nurseries"),
    ):
        record_onward_delivery(p[n], b[n], day, sessions, people, org)
    frozen_clock(datetime(2027, 4, 10, 12, 0))
    record_onward_delivery(p[2], b[2], date(2027, 4, 5), 1, 8, "Fareham youth club")
    db.session.commit()
    return {"people": p, "bookings": b, "tot": tot}


def cascade(trainers, sessions, people):
    return {"cascade_trainers": str(trainers), "cascade_sessions": str(sessions), "cascade_people": str(people)}


def test_cascade_known_answers_in_the_pack(client, login, cascade_world, hscp_admin, system_admin, iow_admin):
    login(hscp_admin)
    page = figures_of(client.get(f"/reports/annual?{PERIOD}"))
    assert page.row("cascade") == cascade(2, 6, 87)
    assert page.row("cascade-by-course", "Train the trainer: neglect") == {
        "trainers": "2",
        "sessions": "6",
        "people": "87",
    }
    assert page.row("cascade-by-course", "Island train the trainer") == {}
    # The PDF pack carries the same figures.
    text = " ".join(pdf_text(client.get(f"/reports/annual.pdf?{PERIOD}").data).split())
    assert "Cascade: training run by those we trained" in text
    assert "Train the trainer: neglect 2 6 87" in text and "All trainer-of-trainers courses 2 6 87" in text
    login(system_admin)
    assert figures_of(client.get(f"/reports/annual?{PERIOD}")).row("cascade") == cascade(3, 7, 97)
    next_year = figures_of(client.get("/reports/annual?date_from=2027-04-01&date_to=2028-03-31"))
    assert next_year.row("cascade") == cascade(1, 1, 8)
    login(iow_admin)
    assert figures_of(client.get(f"/reports/annual?{PERIOD}")).row("cascade") == cascade(1, 1, 10)


def test_recording_onward_delivery_from_my_training(client, db, login, cascade_world, post_form):
    person, booking = cascade_world["people"][3], cascade_world["bookings"][3]
    login(person)
    assert "Record training you have run" in client.get("/my-training").get_data(as_text=True)
    url = f"/my-training/{booking.id}/onward-delivery"
    bad = post_form(url, {"delivered_on": "31/2/2027", "sessions_run": "0", "people_reached": "x", "organisation": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "govuk-error-summary" in html
    assert "Enter the date as day/month/year" in html and "Sessions must be between 1 and 500" in html
    future = post_form(
        url, {"delivered_on": "1/5/2027", "sessions_run": "1", "people_reached": "5", "organisation": "A"}
    )
    assert "The date must be today or in the past" in future.get_data(as_text=True)
    done = post_form(
        url, {"delivered_on": "2/4/2027", "sessions_run": "2", "people_reached": "19", "organisation": "Gosport DSLs"}
    )
    assert done.status_code == 302
    row = db.session.scalars(select(OnwardDelivery).where(OnwardDelivery.user_id == person.id)).one()
    assert (row.delivered_on, row.sessions_run, row.people_reached, row.organisation) == (
        date(2027, 4, 2),
        2,
        19,
        "Gosport DSLs",
    )
    assert "Gosport DSLs" in client.get(url).get_data(as_text=True)


def test_only_the_delegate_who_attended_a_trainer_of_trainers_course_records(
    client, db, login, cascade_world, make_session, make_user, practitioner
):
    booking = cascade_world["bookings"][1]
    login(practitioner)
    assert client.get(f"/my-training/{booking.id}/onward-delivery").status_code == 403
    ordinary = make_session()
    person = make_user()
    plain = attend(db, person, ordinary)
    login(person)
    assert client.get(f"/my-training/{plain.id}/onward-delivery").status_code == 403
    with pytest.raises(CascadeError):
        record_onward_delivery(person, plain, date(2027, 4, 1), 1, 1, "X")


def test_quotes_and_demand_pages_cost_a_fixed_number_of_statements(
    client, db, login, quotes_world, system_admin, make_user, make_course, make_session
):
    from test_evaluations import count_statements

    course_session = make_session(course=make_course(title="More comments"))

    def add(n):
        person = make_user()
        post_answer(db, person, attend(db, person, course_session), f"Comment number {n}", True)
        register_interest(person, make_course(title=f"Wanted {n}"))
        db.session.commit()

    def counts():
        client.get("/reports/")  # the signed-in person's details, loaded by every page, first
        db.session.expire_all()
        return count_statements(db, client, f"/reports/quotes?{PERIOD}"), count_statements(
            db, client, "/reports/demand"
        )

    login(system_admin)
    add(0)
    before = counts()
    for n in range(1, 6):
        add(n)
    assert counts() == before
    assert before[0][0] == before[1][0] == 200
