"""Reports: known answers for every figure on a small hand-built dataset, CSV safety and streaming,
permissions, and filters that survive junk.

The dataset (clock frozen at Friday 20 November 2026, 12:00 London; financial year 2026/27):

  course  owner     level                 sessions (status, start, capacity: bookings)
  C1      HSCP      Level 3               S1 completed 10 Jun 2026, cap 10: attended U1 U2 U3, no-show U4,
                                             cancelled late U5, cancelled U6
                                          S2 scheduled 25 Nov 2026, cap 10: confirmed U1 U2 (20%: under-filled)
                                          S6 cancelled 1 Jul 2026, cap 10: cancelled U1 (left out everywhere)
                                          S7 completed 10 Mar 2026 (previous year), cap 8: attended U1 U2
  C2      PSCP HIPS Level 2               S3 scheduled 20 Dec 2026, cap 2: confirmed U3 U4, waitlisted U5 U6 U1
                                          S4 completed 15 Apr 2026, cap 4: attended U1 U5 (run by IOWSCP)
  C3      IOWSCP    Level 3 subject spec. S5 scheduled (already over) 1 Sep 2026, cap 5: attended U2, no-show U3
                                          S9 scheduled 23 Nov 2026, cap 2: confirmed U4 (50%: not under-filled)
  C4      SSCP+IOW  Level 1               S8 completed 1 Oct 2026, cap 6: attended U6
  E1      HIPS e-learning                 completions U1 (May 2026), U2 (Oct 2026), U3 (Dec 2025)

Every session is run by its course's owner except S4, a HIPS session run by IOWSCP: a partnership's
figures are the sessions it ran, so the partnership rows add up to the total.

Agencies recorded on bookings: U1 Hampshire Constabulary (Police), U2 and U3 Southern Health NHS
(Health), U4 Southern Health NHS, U5 and U6 Portsmouth schools (Education). U3 has since moved to the
police: the booking keeps Health. U6's job role is a spreadsheet formula.
"""

import csv
import io
import re
import types
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from support import venue_named
from training_app.csvutil import csv_chunks, neutralise
from training_app.models import Booking, CourseSession, ElearningCompletion
from training_app.reports.capacity import capacity_report
from training_app.reports.scope import ReportFilters, financial_year_label

NOW = datetime(2026, 11, 20, 12, 0)
EVIL_ROLE = '=HYPERLINK("http://evil.example","click")'


class Figures(HTMLParser):
    """Reads data-figure cells: {(table or list id, row data-group or None, figure): text}."""

    def __init__(self, html):
        super().__init__()
        self.values, self.stack, self.group, self.figure, self.text = {}, [], None, None, ""
        self.container = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("table", "dl") and attrs.get("id"):
            self.container = attrs["id"]
        if tag == "tr":
            self.group = attrs.get("data-group")
        if "data-figure" in attrs:
            self.figure, self.text = attrs["data-figure"], ""

    def handle_data(self, data):
        if self.figure:
            self.text += data

    def handle_endtag(self, tag):
        if tag in ("td", "dd") and self.figure:
            self.values[(self.container, self.group, self.figure)] = self.text.strip()
            self.figure = None
        if tag == "tr":
            self.group = None

    def row(self, container, group=None):
        return {figure: value for (c, g, figure), value in self.values.items() if c == container and g == group}


def figures_of(response):
    assert response.status_code == 200, response.status_code
    return Figures(response.get_data(as_text=True))


def capacity_row(
    sessions, capacity, confirmed, waitlisted, fill, attended, no_shows, no_show_rate, cancellations, late
):
    return {
        "sessions": str(sessions),
        "capacity": str(capacity),
        "confirmed": str(confirmed),
        "waitlisted": str(waitlisted),
        "fill_rate": fill,
        "attended": str(attended),
        "no_shows": str(no_shows),
        "no_show_rate": no_show_rate,
        "cancellations": str(cancellations),
        "late_cancellations": str(late),
    }


def pct(numerator, denominator):
    return f"{numerator / denominator * 100:.1f}%"


@pytest.fixture
def data(db, frozen_clock, partnerships, make_agency, make_user, make_course):
    frozen_clock(NOW)
    police = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    nhs = make_agency("Southern Health NHS", "Health", partnerships["SSCP"])
    schools = make_agency("Portsmouth schools", "Education", partnerships["PSCP"])
    roles = {
        "U1": (police, "Police officer"),
        "U2": (nhs, "Health visitor"),
        "U3": (nhs, "Midwife"),
        "U4": (nhs, "Midwife"),
        "U5": (schools, "Teacher"),
        "U6": (schools, EVIL_ROLE),
    }
    people = {}
    for key, (agency, job_role) in roles.items():
        people[key] = make_user(agency=agency)
        people[key].job_role = job_role
    c1 = make_course("Neglect", owner="HSCP", level=3, level_kind="core")
    c2 = make_course("Child exploitation", owner="PSCP", level=2, level_kind="core", is_hips=True)
    c3 = make_course("Designated safeguarding lead refresher", owner="IOWSCP", level=3, level_kind="subject_specific")
    c4 = make_course("Working together", owner="SSCP", level=1, level_kind="core")
    c4.joint_partnerships.append(partnerships["IOWSCP"])
    e1 = make_course(
        "Safeguarding basics online", owner="HSCP", format="elearning", level=1, level_kind="core", is_hips=True
    )
    db.session.commit()

    def session(course, start, capacity, status="scheduled", run_by=None):
        row = CourseSession(
            course=course,
            partnership=partnerships[run_by] if run_by else None,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=capacity,
            status=status,
            venue=venue_named("Civic Centre"),
        )
        db.session.add(row)
        db.session.flush()
        return row

    def book(course_session, who, status, late=False):
        user = people[who]
        db.session.add(
            Booking(
                session=course_session,
                user=user,
                status=status,
                agency_id=user.agency_id,
                job_role=user.job_role,
                late_cancellation=late,
                cancelled_at=NOW - timedelta(days=1) if status == "cancelled" else None,
                requested_at=course_session.starts_at - timedelta(days=30),
            )
        )

    sessions = {
        "S1": session(c1, datetime(2026, 6, 10, 8, 30), 10, "completed"),
        "S2": session(c1, datetime(2026, 11, 25, 10, 0), 10),
        "S3": session(c2, datetime(2026, 12, 20, 10, 0), 2),
        "S4": session(c2, datetime(2026, 4, 15, 9, 0), 4, "completed", run_by="IOWSCP"),
        "S5": session(c3, datetime(2026, 9, 1, 9, 0), 5),
        "S6": session(c1, datetime(2026, 7, 1, 9, 0), 10, "cancelled"),
        "S7": session(c1, datetime(2026, 3, 10, 10, 0), 8, "completed"),
        "S8": session(c4, datetime(2026, 10, 1, 9, 0), 6, "completed"),
        "S9": session(c3, datetime(2026, 11, 23, 10, 0), 2),
    }
    s = sessions
    for who in ("U1", "U2", "U3"):
        book(s["S1"], who, "attended")
    book(s["S1"], "U4", "no_show")
    book(s["S1"], "U5", "cancelled", late=True)
    book(s["S1"], "U6", "cancelled")
    book(s["S2"], "U1", "confirmed")
    book(s["S2"], "U2", "confirmed")
    book(s["S3"], "U3", "confirmed")
    book(s["S3"], "U4", "confirmed")
    for who in ("U5", "U6", "U1"):
        book(s["S3"], who, "waitlisted")
    book(s["S4"], "U1", "attended")
    book(s["S4"], "U5", "attended")
    book(s["S5"], "U2", "attended")
    book(s["S5"], "U3", "no_show")
    book(s["S6"], "U1", "cancelled")
    book(s["S7"], "U1", "attended")
    book(s["S7"], "U2", "attended")
    book(s["S8"], "U6", "attended")
    book(s["S9"], "U4", "confirmed")
    for who, when in (
        ("U1", datetime(2026, 5, 1, 10)),
        ("U2", datetime(2026, 10, 1, 10)),
        ("U3", datetime(2025, 12, 1, 10)),
    ):
        db.session.add(ElearningCompletion(user=people[who], course=e1, completed_at=when))
    people["U3"].agency = police  # moved job since booking: reports keep the booking's agency
    db.session.commit()
    iow = make_user(role="partnership_admin", partnership="IOWSCP")
    return types.SimpleNamespace(
        people=people, sessions=sessions, c1=c1, c2=c2, c3=c3, c4=c4, e1=e1, partnerships=partnerships, iow=iow
    )


# --- capacity ---------------------------------------------------------------------------------


def test_capacity_totals_and_rollups_for_system_admin(client, login, data, system_admin):
    login(system_admin)
    page = figures_of(client.get("/reports/capacity"))
    # Run sessions in 2026/27: S1 S2 S3 S4 S5 S8 S9 (S6 cancelled, S7 last year).
    # capacity 10+10+2+4+5+6+2=39; taken S1 4 (3 attended + 1 no-show), S2 2, S3 2, S4 2, S5 2, S8 1, S9 1 = 14
    assert page.row("totals") == capacity_row(7, 39, 14, 3, pct(14, 39), 7, 2, pct(2, 9), 2, 1)
    assert page.row("by-course", "Neglect") == capacity_row(2, 20, 6, 0, "30.0%", 3, 1, "25.0%", 2, 1)
    assert page.row("by-course", "Child exploitation") == capacity_row(2, 6, 4, 3, pct(4, 6), 2, 0, "0.0%", 0, 0)
    assert page.row("by-course", "Designated safeguarding lead refresher") == capacity_row(
        2, 7, 3, 0, pct(3, 7), 1, 1, "50.0%", 0, 0
    )
    assert page.row("by-course", "Working together") == capacity_row(1, 6, 1, 0, pct(1, 6), 1, 0, "0.0%", 0, 0)
    assert page.row("by-level", "Level 3") == page.row("by-course", "Neglect")
    assert page.row("by-level", "Level 2") == page.row("by-course", "Child exploitation")
    assert page.row("by-level", "Level 3 subject specific") == page.row(
        "by-course", "Designated safeguarding lead refresher"
    )
    assert page.row("by-level", "Level 1") == page.row("by-course", "Working together")
    # Partnerships: the sessions each ran (HIPS C2's S4 by IOWSCP, S3 by its owner PSCP); they add up.
    assert page.row("by-partnership", "HSCP") == page.row("by-course", "Neglect")  # S1 S2
    assert page.row("by-partnership", "IOWSCP") == capacity_row(3, 11, 5, 0, pct(5, 11), 3, 1, "25.0%", 0, 0)
    assert page.row("by-partnership", "PSCP") == capacity_row(1, 2, 2, 3, "100.0%", 0, 0, "–", 0, 0)  # S3
    assert page.row("by-partnership", "SSCP") == capacity_row(1, 6, 1, 0, pct(1, 6), 1, 0, "0.0%", 0, 0)  # S8
    # Months (London): Apr S4, Jun S1, Sep S5, Oct S8, Nov S2+S9, Dec S3.
    assert page.row("by-month", "April 2026") == capacity_row(1, 4, 2, 0, "50.0%", 2, 0, "0.0%", 0, 0)
    assert page.row("by-month", "June 2026") == capacity_row(1, 10, 4, 0, "40.0%", 3, 1, "25.0%", 2, 1)
    assert page.row("by-month", "November 2026") == capacity_row(2, 12, 3, 0, "25.0%", 0, 0, "–", 0, 0)
    assert page.row("by-month", "December 2026") == capacity_row(1, 2, 2, 3, "100.0%", 0, 0, "–", 0, 0)
    assert page.row("by-financial-year", "2026/27") == page.row("totals")
    assert page.row("by-financial-year", "2025/26") == {}


def session_cells(html, session_id):
    row = re.search(rf'<tr class="govuk-table__row" data-session="{session_id}">(.*?)</tr>', html, re.S)
    return row and re.findall(r'data-figure="(\w+)">([^<]*)<', row.group(1))


def test_capacity_per_session_and_highlights(client, login, data, system_admin):
    login(system_admin)
    html = client.get("/reports/capacity").get_data(as_text=True)
    s = data.sessions
    assert dict(session_cells(html.split('id="sessions"')[1], s["S1"].id)) == capacity_row(
        1, 10, 4, 0, "40.0%", 3, 1, "25.0%", 2, 1
    )
    assert dict(session_cells(html.split('id="sessions"')[1], s["S3"].id)) == capacity_row(
        1, 2, 2, 3, "100.0%", 0, 0, "–", 0, 0
    )
    assert session_cells(html, s["S6"].id) is None  # cancelled session
    assert session_cells(html, s["S7"].id) is None  # previous financial year
    # Under-filled: S2 (2 of 10 in 5 days); S9 is exactly 50%, S3 is full and 30 days away.
    underfilled = html.split('id="underfilled"')[1].split("</table>")[0]
    assert f'data-session="{s["S2"].id}"' in underfilled and "20.0%" in underfilled
    assert f'data-session="{s["S9"].id}"' not in underfilled
    assert f'data-session="{s["S3"].id}"' not in underfilled
    # Unmet demand: only Child exploitation has a waiting list (3).
    unmet_rows = re.findall(r'data-group="([^"]+)"', html.split('id="unmet-demand"')[1].split("</table>")[0])
    assert unmet_rows == ["Child exploitation"]


def test_underfilled_window_and_threshold_are_configurable(db, data, system_admin):
    filters = ReportFilters(date(2026, 4, 1), date(2027, 3, 31))
    default = capacity_report(system_admin, filters, NOW)
    assert [row.id for row in default.underfilled] == [data.sessions["S2"].id]
    wider = capacity_report(system_admin, filters, NOW, underfilled_days=40, underfilled_threshold=0.6)
    assert [row.id for row in wider.underfilled] == [data.sessions["S9"].id, data.sessions["S2"].id]
    narrow = capacity_report(system_admin, filters, NOW, underfilled_days=2)
    assert narrow.underfilled == []


def test_capacity_is_live(client, login, data, system_admin, db):
    login(system_admin)
    before = figures_of(client.get("/reports/capacity")).row("totals")
    db.session.add(Booking(session=data.sessions["S2"], user=data.people["U3"], status="confirmed"))
    db.session.commit()
    after = figures_of(client.get("/reports/capacity")).row("totals")
    assert (before["confirmed"], after["confirmed"]) == ("14", "15")


def test_capacity_period_and_filters(client, login, data, system_admin):
    login(system_admin)
    last_year = figures_of(client.get("/reports/capacity?date_from=2025-04-01&date_to=2026-03-31"))
    assert last_year.row("totals") == capacity_row(1, 8, 2, 0, "25.0%", 2, 0, "0.0%", 0, 0)
    assert last_year.row("by-financial-year", "2025/26") == last_year.row("totals")
    level2 = figures_of(client.get("/reports/capacity?level=2"))
    assert level2.row("totals") == capacity_row(2, 6, 4, 3, pct(4, 6), 2, 0, "0.0%", 0, 0)
    course = figures_of(client.get(f"/reports/capacity?course={data.c3.id}"))
    assert course.row("totals") == capacity_row(2, 7, 3, 0, pct(3, 7), 1, 1, "50.0%", 0, 0)
    pscp = figures_of(client.get("/reports/capacity?partnership=PSCP"))
    assert pscp.row("totals") == capacity_row(1, 2, 2, 3, "100.0%", 0, 0, "–", 0, 0)  # S3; S4 is IOWSCP's
    assert list(pscp.row("by-partnership", "PSCP").values()) and pscp.row("by-partnership", "HSCP") == {}
    # One London day: S2 only (25 November).
    day = figures_of(client.get("/reports/capacity?date_from=2026-11-25&date_to=2026-11-25"))
    assert day.row("totals")["sessions"] == "1"


def test_financial_year_label():
    assert financial_year_label(date(2026, 3, 31)) == "2025/26"
    assert financial_year_label(date(2026, 4, 1)) == "2026/27"
    assert financial_year_label(date(2099, 12, 1)) == "2099/00"


# --- reach ------------------------------------------------------------------------------------


def reach(delegates, practitioners):
    return {"delegates": str(delegates), "practitioners": str(practitioners)}


def test_reach_known_answers(client, login, data, system_admin):
    login(system_admin)
    page = figures_of(client.get("/reports/reach"))
    # Attended in 2026/27: S1 U1 U2 U3, S4 U1 U5, S5 U2, S8 U6 = 7 delegates, 5 people.
    assert page.row("totals") == {
        "delegates": "7",
        "practitioners": "5",
        "elearning_completions": "2",
        "elearning_practitioners": "2",
    }
    assert page.row("by-agency", "Hampshire Constabulary") == reach(2, 1)
    assert page.row("by-agency", "Southern Health NHS") == reach(3, 2)  # U3 counted where they were
    assert page.row("by-agency", "Portsmouth schools") == reach(2, 2)
    assert page.row("by-sector", "Police") == reach(2, 1)
    assert page.row("by-sector", "Health") == reach(3, 2)
    assert page.row("by-sector", "Education") == reach(2, 2)
    # By the partnership that ran the session: each delegate once, so the rows add up to 7.
    assert page.row("by-partnership", "HSCP") == reach(3, 3)  # S1 (U1 U2 U3)
    assert page.row("by-partnership", "IOWSCP") == reach(3, 3)  # HIPS S4 (U1 U5) + S5 (U2)
    assert page.row("by-partnership", "PSCP") == {}  # S3 is still to come
    assert page.row("by-partnership", "SSCP") == reach(1, 1)  # S8 (U6), joint with IOWSCP
    assert page.row("by-job-role", "Police officer") == reach(2, 1)
    assert page.row("by-job-role", "Health visitor") == reach(2, 1)
    assert page.row("by-job-role", "Midwife") == reach(1, 1)
    assert page.row("by-job-role", "Teacher") == reach(1, 1)
    assert page.row("by-job-role", EVIL_ROLE) == reach(1, 1)
    assert page.row("elearning", "Safeguarding basics online") == reach(2, 2)
    # The chart draws the same numbers as the table.
    html = client.get("/reports/reach").get_data(as_text=True)
    chart = html.split('id="chart-sector"')[1].split("</figure>")[0]
    assert re.findall(r'data-value="(\d+)"', chart) == ["3", "2", "2"]
    assert " style=" not in html


def test_reach_previous_year(client, login, data, system_admin):
    login(system_admin)
    page = figures_of(client.get("/reports/reach?date_from=2025-04-01&date_to=2026-03-31"))
    assert page.row("totals") == {
        "delegates": "2",
        "practitioners": "2",
        "elearning_completions": "1",
        "elearning_practitioners": "1",
    }


# --- annual report pack -----------------------------------------------------------------------


def test_annual_known_answers(client, login, data, system_admin):
    login(system_admin)
    response = client.get("/reports/annual")
    page = figures_of(response)
    html = response.get_data(as_text=True)
    assert "1 April 2026 to 31 March 2027" in html
    # Delivered: S1 S4 S8 completed, S5 scheduled but over; S2 S3 S9 still to come; S6 cancelled.
    assert page.row("totals") == {
        "courses_delivered": "4",
        "sessions_delivered": "4",
        "delegates": "7",
        "practitioners": "5",
        "elearning_completions": "2",
    }
    assert page.row("courses", "Neglect") == {"sessions": "1", "delegates": "3", "practitioners": "3", "distance": "–"}
    assert page.row("courses", "Child exploitation") == {
        "sessions": "1",
        "delegates": "2",
        "practitioners": "2",
        "distance": "–",
    }
    assert page.row("courses", "Designated safeguarding lead refresher")["delegates"] == "1"
    assert page.row("courses", "Working together")["delegates"] == "1"
    assert page.row("by-sector", "Health") == reach(3, 2)
    assert page.row("by-agency", "Portsmouth schools") == reach(2, 2)
    assert "Evaluation figures appear here once evaluations are collected" in html  # none collected yet
    printable = client.get("/reports/annual?print=1").get_data(as_text=True)
    assert "printable version" in printable and 'name="date_from"' not in printable
    assert " style=" not in html


def add_post_evaluation(db, booking_session, user, pairs, practice_text):
    from training_app.models.evaluations import EvaluationForm, EvaluationRating, EvaluationResponse

    course = booking_session.course
    form = db.session.query(EvaluationForm).filter_by(course_id=course.id, stage="post").first()
    if form is None:
        form = EvaluationForm(
            course=course, stage="post", version=1, questions={"outcomes": course.learning_outcomes, "likert": []}
        )
        db.session.add(form)
    booking = db.session.query(Booking).filter_by(session_id=booking_session.id, user_id=user.id).one()
    response = EvaluationResponse(
        form=form,
        course_id=course.id,
        session_id=booking_session.id,
        booking=booking,
        user=user,
        pair_key=f"booking-{booking.id}",
        stage="post",
        submitted_at=booking_session.ends_at + timedelta(hours=1),
        agency_id=booking.agency_id,
        practice_text=practice_text,
    )
    for index, (pre, post) in enumerate(pairs):
        response.ratings.append(
            EvaluationRating(question_key="outcome", outcome_index=index, value=post, pre_value=pre)
        )
    db.session.add(response)
    db.session.commit()


def test_annual_shows_distance_travelled_and_comments_from_evaluations(client, login, data, system_admin, db):
    s, p = data.sessions, data.people
    # Neglect (S1): U1 outcomes 4->7 and 5->6, U2 6->6 and 3->7: changes 3, 1, 0, 4; per delegate
    # mean changes (3+1)/2 = 2 and (0+4)/2 = 2, so mean 2.0 over 2 delegates (not 4 ratings).
    add_post_evaluation(db, s["S1"], p["U1"], [(4, 7), (5, 6)], "I will use the neglect toolkit with families.")
    add_post_evaluation(db, s["S1"], p["U2"], [(6, 6), (3, 7)], "")
    # Child exploitation (S4): U5 2->3 and 5->4: changes 1, -1, mean 0.0.
    add_post_evaluation(db, s["S4"], p["U5"], [(2, 3), (5, 4)], "=cmd|' /C calc'!A0")
    login(system_admin)
    page = figures_of(client.get("/reports/annual"))
    assert page.row("courses", "Neglect")["distance"] == "+2.0"
    assert page.row("courses", "Child exploitation")["distance"] == "+0.0"
    assert page.row("courses", "Working together")["distance"] == "–"
    html = client.get("/reports/annual").get_data(as_text=True)
    assert "I will use the neglect toolkit with families." in html
    assert "Evaluation figures appear here once evaluations are collected" not in html
    rows = read_csv(client.get("/reports/annual.csv"))
    assert ["Course distance travelled (mean change, delegates paired)", "Neglect", "", "2.0", "2"] in rows
    assert ["Impact comment", "Child exploitation", "", "'=cmd|' /C calc'!A0", ""] in rows
    # The IOWSCP admin sees HIPS Child exploitation's figure but not HSCP-only Neglect's.
    login(data.iow)
    iow = figures_of(client.get("/reports/annual"))
    assert iow.row("courses", "Child exploitation")["distance"] == "+0.0"
    assert iow.row("courses", "Neglect") == {}
    assert "neglect toolkit" not in client.get("/reports/annual").get_data(as_text=True)


def test_annual_csv(client, login, data, system_admin):
    login(system_admin)
    rows = read_csv(client.get("/reports/annual.csv"))
    assert ["Headline", "Courses delivered", "", "4", ""] in rows
    assert ["Headline", "Delegates trained (attended)", "", "7", ""] in rows
    assert ["Headline", "Unique practitioners", "", "5", ""] in rows
    assert ["Sector (delegates, unique practitioners)", "Health", "", "3", "2"] in rows


# --- CSV --------------------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+44 7700", "'+44 7700"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rcr", "'\rcr"),
        ("Plain", "Plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (3, 3),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_bookings_csv_neutralises_formulas_and_streams(client, login, data, system_admin):
    login(system_admin)
    response = client.get("/reports/bookings.csv")
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    role = header.index("Job role")
    # Bookings on sessions in 2026/27 (including the cancelled session's one): 6+2+5+2+2+1+1+1 = 20.
    assert len(body) == 20
    assert {row[role] for row in body if row[header.index("Delegate")] == data.people["U6"].name} == {"'" + EVIL_ROLE}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)


def test_bookings_csv_view_returns_a_generator(app, data, system_admin):
    from flask_login import login_user

    with app.test_request_context("/reports/bookings.csv"):
        login_user(system_admin)
        response = app.view_functions["reports.bookings_csv"]()
        assert response.is_streamed
        assert isinstance(response.response, types.GeneratorType)
        body = "".join(response.response)
    assert body.count("\r\n") == 21


def test_csv_chunks_are_generated_lazily():
    produced = []

    def rows():
        for n in range(100000):
            produced.append(n)
            yield (n, "x" * 20)

    chunks = csv_chunks(rows())
    first = next(chunks)
    assert first.startswith("\ufeff0,")
    assert len(produced) < 100000  # only the first chunk's rows were read


def test_capacity_and_reach_csv(client, login, data, system_admin):
    login(system_admin)
    rows = read_csv(client.get("/reports/capacity.csv"))
    assert rows[-1] == [
        "Total",
        "",
        "All sessions in the report",
        "",
        "",
        "",
        "7",
        "39",
        "14",
        "3",
        pct(14, 39),
        "7",
        "2",
        pct(2, 9),
        "2",
        "1",
        "",
        "",
    ]
    assert sum(1 for row in rows if row[0] == "Session") == 7
    header = rows[0]
    s4 = next(row for row in rows if row[0] == "Session" and row[1] == str(data.sessions["S4"].id))
    assert (s4[header.index("Run by")], s4[header.index("Course owner")]) == ("IOWSCP", "PSCP")
    assert ["Course", "", "Child exploitation", "", "", ""] == next(
        row[:6] for row in rows if row[0] == "Course" and row[2] == "Child exploitation"
    )
    assert next(row for row in rows if row[0] == "Course" and row[2] == "Child exploitation")[-1] == "PSCP"
    reach_rows = read_csv(client.get("/reports/reach.csv"))
    assert ["Total", "All", "", "7", "5"] in reach_rows
    assert ["Job role", "'" + EVIL_ROLE, "", "1", "1"] in reach_rows
    assert client.get("/reports/reach.csv").is_streamed


# --- permissions ------------------------------------------------------------------------------

URLS = [
    "/reports/",
    "/reports/capacity",
    "/reports/capacity.csv",
    "/reports/reach",
    "/reports/reach.csv",
    "/reports/annual",
    "/reports/annual?print=1",
    "/reports/annual.csv",
    "/reports/bookings.csv",
]


@pytest.mark.parametrize("role", ["practitioner", "trainer"])
def test_non_admins_are_forbidden(client, login, make_user, role):
    login(make_user(role=role))
    for url in URLS:
        assert client.get(url).status_code == 403, url


def test_services_refuse_non_admins(db, data, make_user):
    from training_app.reports.annual import annual_report
    from training_app.reports.exports import bookings_rows
    from training_app.reports.reach import reach_report
    from training_app.reports.scope import ReportForbidden

    filters = ReportFilters(date(2026, 4, 1), date(2027, 3, 31))
    for role in ("practitioner", "trainer"):
        actor = make_user(role=role)
        for call in (
            lambda actor=actor: capacity_report(actor, filters, NOW),
            lambda actor=actor: reach_report(actor, filters),
            lambda actor=actor: annual_report(actor, filters, NOW),
            lambda actor=actor: next(bookings_rows(actor, filters)),
        ):
            with pytest.raises(ReportForbidden):
                call()


def test_anonymous_is_sent_to_sign_in(client, db):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_admins_see_every_report(client, login, data, system_admin, iow_admin):
    for admin in (system_admin, iow_admin):
        login(admin)
        for url in URLS:
            assert client.get(url).status_code == 200, (admin.role, url)
    assert "Reports" in client.get("/reports/").get_data(as_text=True)


def test_partnership_admin_sees_own_joint_and_hips_but_not_other_partnerships(client, login, data, iow_admin):
    login(iow_admin)
    capacity = figures_of(client.get("/reports/capacity"))
    # IOWSCP ran S4 (of PSCP's HIPS C2), S5 and S9 (C3); not S3 (C2, run by PSCP), S8 (joint C4, run by
    # SSCP) or C1 (HSCP only).
    assert capacity.row("totals") == capacity_row(3, 11, 5, 0, pct(5, 11), 3, 1, "25.0%", 0, 0)
    assert capacity.row("by-course", "Neglect") == {}
    assert capacity.row("by-course", "Child exploitation") == capacity_row(1, 4, 2, 0, "50.0%", 2, 0, "0.0%", 0, 0)
    assert capacity.row("by-partnership", "HSCP") == {}
    html = client.get("/reports/capacity").get_data(as_text=True)
    assert "Neglect" not in html
    assert 'name="partnership"' not in html
    reach_page = figures_of(client.get("/reports/reach"))
    assert reach_page.row("totals")["delegates"] == "3"
    assert reach_page.row("by-partnership", "IOWSCP") == reach(3, 3)
    assert reach_page.row("by-partnership", "HSCP") == {}
    annual = figures_of(client.get("/reports/annual"))
    assert annual.row("totals")["courses_delivered"] == "2"  # S4 (C2) and S5 (C3)
    assert annual.row("courses", "Neglect") == {}
    rows = read_csv(client.get("/reports/bookings.csv"))
    courses = {row[rows[0].index("Course")] for row in rows[1:]}
    assert courses == {"Child exploitation", "Designated safeguarding lead refresher"}
    # Asking for another partnership or an HSCP-only course is refused and ignored.
    other = client.get(f"/reports/capacity?partnership=HSCP&course={data.c1.id}")
    assert other.status_code == 200
    text = other.get_data(as_text=True)
    assert "You can only see your own partnership" in text and "Select a course from the list" in text
    assert figures_of(other).row("totals") == capacity.row("totals")
    assert read_csv(client.get(f"/reports/bookings.csv?course={data.c1.id}"))[1:] == rows[1:]


# --- junk filters -----------------------------------------------------------------------------

JUNK = [
    "date_from=2026-13-45",
    "date_to=yesterday",
    "date_from=9999-12-31",
    "date_to=0001-01-01",
    "level=banana",
    "level=7",
    "course=abc",
    "course=999999",
    "partnership=XXX",
    "partnership=%00",
    "date_from=2026-06-01&date_to=2026-05-01",
    "level=1&level=2&level=",
    "page=-3",
    "page=zz",
    "course=" + "9" * 400,
    "date_from=" + "2" * 5000,
    # Ids a course can never have (parse_id's territory) and dates WTForms cannot read.
    "course=99999999999999999999999",
    "course=0",
    "course=-1",
    "course=%EF%BC%91",
    "course=1e3",
    "date_from=2026-02-30",
    "date_to=2026-04-01T00:00",
    "partnership=hscp",
]


@pytest.mark.parametrize("query", JUNK)
def test_junk_filters_show_an_error_and_are_ignored(client, login, data, system_admin, query):
    login(system_admin)
    default = figures_of(client.get("/reports/capacity")).row("totals")
    for path in ("/reports/capacity", "/reports/reach", "/reports/annual"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, (path, query)
        html = response.get_data(as_text=True)
        if not query.startswith(("page=", "level=1&")):
            assert "govuk-error-summary" in html, (path, query)
        if path == "/reports/capacity" and not query.startswith(("level=1&", "date_from=2026-06-01")):
            assert Figures(html).row("totals") == default, query
    for path in ("/reports/capacity.csv", "/reports/reach.csv", "/reports/annual.csv", "/reports/bookings.csv"):
        assert client.get(f"{path}?{query}").status_code == 200, (path, query)


def test_reversed_period_is_reported(client, login, data, system_admin):
    login(system_admin)
    html = client.get("/reports/reach?date_from=2026-02-30&level=9&course=x&partnership=Z").get_data(as_text=True)
    for message in (
        "Period from must be a real date, like 2026-04-01",
        "Select a level from the list",
        "Select a course from the list",
        "Select a partnership from the list",
    ):
        assert html.count(message) == 2, message  # in the error summary and by the field
    html = client.get("/reports/capacity?date_from=2026-06-01&date_to=2026-05-01").get_data(as_text=True)
    assert "Period to must be the same as or after period from" in html


@pytest.mark.parametrize(
    "utc, expected",
    [
        (datetime(2026, 3, 29, 0, 30), "2026-03-29 00:30"),
        (datetime(2026, 3, 29, 1, 30), "2026-03-29 02:30"),
        (datetime(2026, 10, 25, 0, 59), "2026-10-25 01:59"),
        (datetime(2026, 10, 25, 1, 0), "2026-10-25 01:00"),
        (datetime(2026, 7, 1, 23, 15), "2026-07-02 00:15"),
        (None, ""),
    ],
)
def test_csv_times_are_london(utc, expected):
    from training_app.timefmt import london_csv

    assert london_csv(utc) == expected


def test_bookings_csv_reads_rows_through_a_streaming_cursor(client, login, data, system_admin, db):
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "bookings.late_cancellation" in statement:
            seen.append((context.execution_options.get("stream_results"), type(cursor).__name__))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        login(system_admin)
        assert len(read_csv(client.get("/reports/bookings.csv"))) == 21
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [stream for stream, _ in seen] == [True]
    if db.engine.dialect.name == "postgresql":
        assert seen[0][1] == "ServerCursor"


def test_unmet_demand_lists_the_longest_waiting_lists_first(db, data, system_admin):
    for who in ("U1", "U2", "U3", "U5"):
        db.session.add(Booking(session=data.sessions["S9"], user=data.people[who], status="waitlisted"))
    db.session.commit()
    report = capacity_report(system_admin, ReportFilters(date(2026, 4, 1), date(2027, 3, 31)), NOW)
    assert [(group.label, group.figures.waitlisted) for group in report.unmet_demand] == [
        ("Designated safeguarding lead refresher", 4),
        ("Child exploitation", 3),
    ]
