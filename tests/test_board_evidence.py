"""Evidence for the board (issue 16): known answers for the traceability report, the suites and the
annual pack document (page, CSV and the PDF's text), on the reports' hand-built dataset (test_reports).

On top of that dataset (financial year 2026/27; delivered: S1 Neglect HSCP attended U1 U2 U3, S4 Child
exploitation run by IOWSCP attended U1 U5, S5 DSL refresher attended U2, S8 Working together attended
U6; S7 Neglect in 2025/26 attended U1 U2):

  Review "Child A" (HSCP, LCSPR)
    1. answered by Neglect's outcome 1 ("Recognise abuse") and by the whole of Child exploitation
    2. answered by the whole of Working together
    3. answered by nothing yet
  Evaluations: Neglect S1 U1 (4→7, 5→6) and U2 (6→6, 3→7); Child exploitation S4 U5 (2→3, 5→4);
  follow-up impact on Neglect: U1 4, U2 3.
  Suites: Neglect (HSCP: Neglect, Working together), Exploitation (HIPS-wide: Child exploitation),
  Domestic abuse (PSCP: no courses).
"""

import io
from datetime import date, timedelta

import pytest
from test_reports import NOW, add_post_evaluation, data, figures_of, read_csv  # noqa: F401  (data is a fixture)

from training_app.models import Booking
from training_app.models.evaluations import EvaluationForm, EvaluationRating, EvaluationResponse
from training_app.models.reviews import CaseReview, CourseSuite, RecommendationCourse, ReviewRecommendation
from training_app.reports.scope import ReportFilters
from training_app.reports.traceability import load_review, traceability_report


def add_follow_up(db, course_session, user, impact):
    course = course_session.course
    form = db.session.query(EvaluationForm).filter_by(course_id=course.id, stage="follow_up").first()
    if form is None:
        form = EvaluationForm(course=course, stage="follow_up", version=1, questions={"likert": []})
        db.session.add(form)
    booking = db.session.query(Booking).filter_by(session_id=course_session.id, user_id=user.id).one()
    response = EvaluationResponse(
        form=form,
        course_id=course.id,
        session_id=course_session.id,
        booking=booking,
        user=user,
        pair_key=f"booking-{booking.id}",
        stage="follow_up",
        submitted_at=course_session.ends_at + timedelta(days=90),
        agency_id=booking.agency_id,
        changed_text="I now ask about neglect at every visit.",
    )
    response.ratings.append(EvaluationRating(question_key="impact", value=impact))
    db.session.add(response)
    db.session.commit()


@pytest.fixture
def board(db, data):  # noqa: F811
    s, p, hips = data.sessions, data.people, data.partnerships
    review = CaseReview(
        partnership=hips["HSCP"],
        kind="lcspr",
        title="Child A",
        published_on=date(2026, 5, 1),
        link="https://example.org/child-a",
    )
    recs = [ReviewRecommendation(review=review, number=n, text=f"Recommendation text {n}") for n in (1, 2, 3)]
    recs[0].links += [
        RecommendationCourse(course=data.c1, outcome_indexes=[0]),
        RecommendationCourse(course=data.c2, outcome_indexes=[]),
    ]
    recs[1].links.append(RecommendationCourse(course=data.c4, outcome_indexes=[]))
    suites = [
        CourseSuite(name="Neglect", partnership=hips["HSCP"], courses=[data.c1, data.c4]),
        CourseSuite(name="Exploitation", partnership=None, courses=[data.c2]),
        CourseSuite(name="Domestic abuse", partnership=hips["PSCP"], courses=[]),
    ]
    db.session.add_all([review, *recs, *suites])
    db.session.commit()
    add_post_evaluation(db, s["S1"], p["U1"], [(4, 7), (5, 6)], "I will use the neglect toolkit.")
    add_post_evaluation(db, s["S1"], p["U2"], [(6, 6), (3, 7)], "")
    add_post_evaluation(db, s["S4"], p["U5"], [(2, 3), (5, 4)], "")
    add_follow_up(db, s["S1"], p["U1"], 4)
    add_follow_up(db, s["S1"], p["U2"], 3)
    data.review, data.suites = review, suites
    return data


# --- traceability -------------------------------------------------------------------------------


def test_traceability_known_answers(client, login, board, system_admin):
    login(system_admin)
    response = client.get(f"/reports/reviews/{board.review.id}")
    page = figures_of(response)
    html = response.get_data(as_text=True)
    assert "Child A" in html and "Recommendation text 1" in html
    # Recommendation 1: Neglect S1 (3 delegates) + Child exploitation S4 (U1, U5): 5 delegates, and
    # 4 different people (U1 attended both courses).
    assert page.row("recommendations", "1") == {"courses": "2", "sessions": "2", "delegates": "5", "practitioners": "4"}
    assert page.row("recommendations", "2") == {"courses": "1", "sessions": "1", "delegates": "1", "practitioners": "1"}
    assert page.row("recommendations", "3") == {"courses": "0", "sessions": "0", "delegates": "0", "practitioners": "0"}
    # Neglect's outcome 1: U1 4→7 (+3), U2 6→6 (0): n 2, mean 5.0 → 6.5, change +1.5, sd √4.5, so the
    # interval is 1.5 ± t(0.975, 1) · √4.5/√2 = 1.5 ± 12.7062 · 1.5 = −17.56 to +20.56.
    assert page.row("rec-1-courses", "Neglect | 1. Recognise abuse") == {
        "sessions": "1",
        "delegates": "3",
        "practitioners": "3",
        "paired": "2",
        "mean_pre": "5.0",
        "mean_post": "6.5",
        "mean_change": "+1.50",
        "ci": "-17.56 to +20.56",
        "follow_up": "3.5 (2)",
    }
    # Child exploitation, whole course: U5's mean change (1 − 1)/2 = 0; one delegate, so no interval.
    assert page.row("rec-1-courses", "Child exploitation | All outcomes") == {
        "sessions": "1",
        "delegates": "2",
        "practitioners": "2",
        "paired": "1",
        "mean_pre": "3.5",
        "mean_post": "3.5",
        "mean_change": "+0.00",
        "ci": "–",
        "follow_up": "–",
    }
    assert page.row("rec-2-courses", "Working together | All outcomes")["paired"] == "0"
    assert page.row("rec-1-sector", "Police") == {"delegates": "2", "practitioners": "1"}
    assert page.row("rec-1-sector", "Health") == {"delegates": "2", "practitioners": "2"}
    assert page.row("rec-1-sector", "Education") == {"delegates": "1", "practitioners": "1"}
    assert page.row("rec-1-agency", "Hampshire Constabulary") == {"delegates": "2", "practitioners": "1"}
    assert page.row("rec-1-agency", "Portsmouth schools") == {"delegates": "1", "practitioners": "1"}
    assert page.row("rec-2-sector", "Education") == {"delegates": "1", "practitioners": "1"}
    assert 'id="chart-recommendations"' in html
    printable = client.get(f"/reports/reviews/{board.review.id}?print=1").get_data(as_text=True)
    assert "printable version" in printable and 'name="date_from"' not in printable


def test_traceability_for_the_partnership_counts_its_own_sessions(client, login, board, hscp_admin):
    login(hscp_admin)
    page = figures_of(client.get(f"/reports/reviews/{board.review.id}"))
    # Child exploitation's session S4 was run by IOWSCP: not Hampshire's delivery, nor its evaluations.
    assert page.row("recommendations", "1") == {"courses": "2", "sessions": "1", "delegates": "3", "practitioners": "3"}
    assert page.row("rec-1-courses", "Child exploitation | All outcomes")["paired"] == "0"
    assert page.row("rec-1-courses", "Neglect | 1. Recognise abuse")["paired"] == "2"
    assert page.row("recommendations", "2")["delegates"] == "0"  # Working together is SSCP's


def test_traceability_period_filter(client, login, board, system_admin):
    login(system_admin)
    page = figures_of(client.get(f"/reports/reviews/{board.review.id}?date_from=2025-04-01&date_to=2026-03-31"))
    # 2025/26: only S7 (Neglect, U1 U2), no evaluations.
    assert page.row("recommendations", "1") == {"courses": "2", "sessions": "1", "delegates": "2", "practitioners": "2"}
    assert page.row("rec-1-courses", "Neglect | 1. Recognise abuse")["paired"] == "0"


def test_traceability_csv(client, login, board, system_admin):
    login(system_admin)
    rows = read_csv(client.get(f"/reports/reviews/{board.review.id}.csv"))
    assert rows[0][0] == "Recommendation"
    assert ["1", "Totals (sessions held, delegates)", "", "", "2", "5", "", ""] in rows
    assert ["1", "Totals (unique people)", "", "", "4", "", "", ""] in rows
    assert [
        "1",
        "Distance travelled (mean change, delegates paired)",
        "Neglect",
        "1. Recognise abuse",
        "1.5",
        "2",
        "-17.56",
        "20.56",
    ] in rows
    assert [
        "1",
        "Follow-up impact (mean, responses)",
        "Neglect",
        "How much impact has the course had on your practice?",
        "3.5",
        "2",
        "",
        "",
    ] in rows
    assert [
        "1",
        "Organisation (delegates, unique people)",
        "Hampshire Constabulary",
        "Police",
        "2",
        "1",
        "",
        "",
    ] in rows


def test_traceability_statement_count_does_not_grow_per_delegate(db, board, system_admin):
    from sqlalchemy import event

    db.session.expire_all()
    review = load_review(board.review.id)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        traceability_report(system_admin, review, ReportFilters(date(2026, 4, 1), date(2027, 3, 31)), NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # The actor (expired), two for the courses' figures, one for every recommendation's delegates and
    # people, two per recommendation with courses (by organisation and sector: two here), and per linked
    # course its distance and follow-up (three courses): 1 + 2 + 1 + 2 × 2 + 3 × 2 = 14 (plus SET jit on
    # PostgreSQL), however many delegates and sessions there are.
    assert len([s for s in statements if not s.startswith("SET")]) == 14


# --- suites --------------------------------------------------------------------------------------


def test_pack_suite_figures(client, login, board, system_admin):
    login(system_admin)
    rows = read_csv(client.get("/reports/annual-pack.csv"))
    # Neglect suite: Neglect S1 (U1 U2 U3) and Working together S8 (U6): 2 courses, 2 sessions, 4
    # delegates, 4 people, 3 agencies (police, NHS, schools); distance: U1 +2, U2 +2 → +2.0, interval 2 to 2.
    assert ["Suite (courses, sessions delivered)", "Neglect", "", "2", "2", "", ""] in rows
    assert ["Suite (delegates, unique people)", "Neglect", "", "4", "4", "", ""] in rows
    assert ["Suite (agencies reached)", "Neglect", "", "3", "", "", ""] in rows
    assert ["Suite distance travelled (mean change, delegates paired)", "Neglect", "", "2.0", "2", "2.0", "2.0"] in rows
    # Exploitation (HIPS-wide): Child exploitation S4 (U1 police, U5 schools); U5's change 0, no interval.
    assert ["Suite (courses, sessions delivered)", "Exploitation", "", "1", "1", "", ""] in rows
    assert ["Suite (delegates, unique people)", "Exploitation", "", "2", "2", "", ""] in rows
    assert ["Suite (agencies reached)", "Exploitation", "", "2", "", "", ""] in rows
    assert ["Suite distance travelled (mean change, delegates paired)", "Exploitation", "", "0.0", "1", "", ""] in rows
    assert ["Suite (courses, sessions delivered)", "Domestic abuse", "", "0", "0", "", ""] in rows


def test_pack_suites_for_a_partnership_are_its_own_and_hips_wide(client, login, board, hscp_admin):
    login(hscp_admin)
    rows = read_csv(client.get("/reports/annual-pack.csv"))
    suites = {row[1] for row in rows if row[0] == "Suite (courses, sessions delivered)"}
    assert suites == {"Neglect", "Exploitation"}
    # Hampshire ran S1 only: the Neglect suite has 1 course, 1 session, 3 delegates; Exploitation nothing.
    assert ["Suite (courses, sessions delivered)", "Neglect", "", "1", "1", "", ""] in rows
    assert ["Suite (delegates, unique people)", "Exploitation", "", "0", "0", "", ""] in rows


# --- the annual pack document --------------------------------------------------------------------


def test_pack_csv_trends_and_headlines(client, login, board, system_admin):
    login(system_admin)
    rows = read_csv(client.get("/reports/annual-pack.csv"))
    assert rows[1][:2] == [
        "Partnership",
        "Hampshire, Isle of Wight, Portsmouth and Southampton (HIPS): all four partnerships",
    ]
    assert ["Headline", "Delegates trained (attended)", "", "7", "", "", ""] in rows
    assert ["Trend: delegates trained, unique people", "2024/25", "", "0", "0", "", ""] in rows
    assert ["Trend: delegates trained, unique people", "2025/26", "", "2", "2", "", ""] in rows
    assert ["Trend: delegates trained, unique people", "2026/27", "", "7", "5", "", ""] in rows
    assert ["Trend: delegates by sector", "Health", "2026/27", "3", "", "", ""] in rows
    assert ["Trend: delegates by sector", "Health", "2025/26", "1", "", "", ""] in rows
    assert ["Trend: delegates by sector", "Police", "2025/26", "1", "", "", ""] in rows
    assert ["Trend: delegates by sector", "Education", "2025/26", "0", "", "", ""] in rows
    # 2026/27 distance: delegates U1 +2, U2 +2, U5 0 → mean 4/3, sd √(4/3), interval
    # 4/3 ± t(0.975, 2) · √(4/3)/√3 = 1.333 ± 4.3027 · 0.6667 = −1.54 to +4.20.
    assert [
        "Trend: distance travelled (mean change, delegates paired)",
        "2026/27",
        "",
        "1.33",
        "3",
        "-1.54",
        "4.2",
    ] in rows
    assert ["Trend: distance travelled (mean change, delegates paired)", "2025/26", "", "", "0", "", ""] in rows
    assert [
        "Review recommendation (sessions held, delegates)",
        "Child A: 1",
        "Recommendation text 1",
        "2",
        "5",
        "",
        "",
    ] in rows


def pdf_text(response):
    from pypdf import PdfReader

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)


def test_pack_pdf_names_the_partnership_and_carries_the_headlines(client, login, board, system_admin, hscp_admin):
    login(system_admin)
    text = pdf_text(client.get("/reports/annual.pdf"))
    assert "Hampshire, Isle of Wight, Portsmouth and Southampton (HIPS): all four partnerships" in text
    assert "annual report 2026/27" in text
    for phrase in (
        "Courses delivered 4",
        "Sessions delivered 4",
        "Delegates trained 7",
        "Unique practitioners 5",
        "E-learning completions 2",
        "Distance travelled (mean change, all courses) +1.33 (95% interval -1.54 to +4.20; 3 delegates paired)",
        "2025/26 2 2",
        "2026/27 7 5",
        "Health 0 1 3",
        "Neglect 2 2 4 4 3 +2.00 (+2.00 to +2.00)",
        "Exploitation 1 1 2 2 2 +0.00 (–)",
        "Child A (LCSPR, May 2026)",
        "1. Recommendation text 1",
    ):
        assert phrase in text, phrase
    login(hscp_admin)
    text = pdf_text(client.get("/reports/annual.pdf?date_from=2026-04-01&date_to=2027-03-31"))
    assert "Hampshire Safeguarding Children Partnership (HSCP)" in text
    assert "Delegates trained 3" in text and "Courses delivered 1" in text


def test_pack_pdf_for_an_empty_year(client, login, db, partnerships, system_admin):
    login(system_admin)
    text = pdf_text(client.get("/reports/annual.pdf?partnership=PSCP"))
    assert "Portsmouth Safeguarding Children Partnership (PSCP)" in text
    assert "Delegates trained 0" in text and "No case reviews have been recorded" in text


def test_annual_page_links_to_the_document(client, login, board, system_admin):
    login(system_admin)
    html = client.get("/reports/annual?date_from=2026-04-01").get_data(as_text=True)
    assert "/reports/annual.pdf?date_from=2026-04-01" in html
    assert "/reports/annual-pack.csv?date_from=2026-04-01" in html


def test_annual_page_shows_the_suites(client, login, board, system_admin):
    login(system_admin)
    page = figures_of(client.get("/reports/annual"))
    assert page.row("suites", "Neglect") == {
        "courses": "2",
        "sessions": "2",
        "delegates": "4",
        "practitioners": "4",
        "agencies": "3",
        "distance": "+2.00 (+2.00 to +2.00)",
    }
    assert page.row("suites", "Exploitation")["distance"] == "+0.00"
    assert page.row("suites", "Domestic abuse")["delegates"] == "0"


def test_pack_reads_side_by_side_give_the_same_document(app, client, login, board, system_admin, monkeypatch):
    """On PostgreSQL the pack's independent reads run on their own connections (reports/side_by_side.py);
    the figures must be the same as reading them one after another, and on SQLite they stay in one thread."""
    import threading

    from training_app.reports import pack

    threads: set[str] = set()
    real_earlier_year = pack.earlier_year

    def noting_earlier_year(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return real_earlier_year(*args, **kwargs)

    monkeypatch.setattr(pack, "earlier_year", noting_earlier_year)
    login(system_admin)
    monkeypatch.setitem(app.config, "REPORT_READS_SIDE_BY_SIDE", True)
    together = client.get("/reports/annual-pack.csv").data
    on_postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert all(name.startswith("report-read") for name in threads) == on_postgresql
    assert threads
    threads.clear()
    monkeypatch.setitem(app.config, "REPORT_READS_SIDE_BY_SIDE", False)
    one_after_another = client.get("/reports/annual-pack.csv").data
    assert threads == {threading.current_thread().name}
    assert together == one_after_another
    assert b"2026/27" in together and b"Child A: 1" in together
