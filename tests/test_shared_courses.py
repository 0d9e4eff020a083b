"""Shared courses are run by every partner (issue 12, point 4).

A joint course's partnerships, and all four for a HIPS course, schedule and manage sessions of it;
only the owner edits the course's text and outcomes; each session belongs to the partnership that
runs it, and the reports count sessions and delegates for that partnership.
"""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from support import venue_named
from training_app import clock
from training_app.admin.session_services import InvalidSession, schedule_session
from training_app.bookings.services import book_place
from training_app.models import AuditEvent, Booking, CourseSession
from training_app.models.evaluations import EvaluationResponse
from training_app.permissions import may_read_response
from training_app.reports.annual import annual_report
from training_app.reports.capacity import capacity_report
from training_app.reports.reach import reach_report
from training_app.reports.scope import ReportFilters

NOW = datetime(2027, 1, 10, 12, 0)  # naive UTC
YEAR = ReportFilters(date(2026, 4, 1), date(2027, 3, 31))


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


@pytest.fixture
def hips(make_course):
    """A HIPS course owned by the Isle of Wight: it counts for all four partnerships."""
    return make_course("Child exploitation", owner="IOWSCP", is_hips=True)


@pytest.fixture
def joint(db, make_course, partnerships):
    """A course the Isle of Wight owns and runs jointly with Hampshire."""
    course = make_course("Working with families", owner="IOWSCP", commit=False)
    course.joint_partnerships.append(partnerships["HSCP"])
    db.session.commit()
    return course


def session_data(**overrides):
    data = {
        "date": ["15", "1", "2027"],
        "start_time": "09:30",
        "end_time": "12:30",
        "location_kind": "online",
        "venue_id": "",
        "online_platform": "Microsoft Teams",
        "join_url": "https://teams.microsoft.com/l/meetup-join/shared",
        "capacity": "12",
        "opens_date": ["", "", ""],
        "opens_time": "",
        "closes_date": ["", "", ""],
        "closes_time": "",
    }
    data.update(overrides)
    return data


def only_session(db, course):
    return db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id)).one()


# --------------------------------------------------------------------------- the "done when"


def test_hscp_admin_schedules_and_registers_an_iowscp_hips_session_but_cannot_edit_the_course(
    client, db, login, post_form, hscp_admin, iow_admin, hips, make_user, partnerships
):
    login(hscp_admin)
    listing = client.get("/admin/").get_data(as_text=True)
    assert "Child exploitation" in listing
    assert f"/admin/courses/{hips.id}/sessions" in listing
    assert f"/admin/courses/{hips.id}/edit" not in listing  # the button is hidden ...
    assert client.get(f"/admin/courses/{hips.id}/edit").status_code == 403  # ... and the route refuses
    assert post_form("/admin/", {"title": "Renamed"}, url=f"/admin/courses/{hips.id}/edit").status_code == 403
    assert client.get(f"/evaluations/courses/{hips.id}/questions").status_code == 403
    assert post_form("/admin/", {}, url=f"/admin/courses/{hips.id}/archive").status_code == 403
    sessions_page = client.get(f"/admin/courses/{hips.id}/sessions").get_data(as_text=True)
    assert "Schedule a session" in sessions_page and "Edit the course details" not in sessions_page

    response = post_form(f"/admin/courses/{hips.id}/sessions/new", session_data())
    assert response.status_code == 302
    course_session = only_session(db, hips)
    assert course_session.partnership_id == partnerships["HSCP"].id
    db.session.refresh(hips)
    assert hips.title == "Child exploitation"

    delegate = make_user(name="Dana Delegate")
    booking = book_place(delegate, course_session.id).booking
    db.session.commit()
    clock.freeze(course_session.starts_at + timedelta(hours=1))
    page = post_form(
        f"/trainer/sessions/{course_session.id}/register",
        {f"attendance-{booking.id}": "attended"},
        follow_redirects=True,
    )
    assert "Register saved: 1 attended, 0 did not attend" in page.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "attended"

    html = client.get("/reports/capacity?date_from=2027-01-01&date_to=2027-01-31").get_data(as_text=True)
    row = re.search(rf'<tr class="govuk-table__row" data-session="{course_session.id}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'data-detail="(\w+)">(\w+)<', row.group(1)) == [("run_by", "HSCP"), ("owner", "IOWSCP")]
    assert 'data-figure="attended">1<' in row.group(1)
    # The owner's admins see the session in the course's list but do not manage it or count it.
    login(iow_admin)
    assert client.get(f"/admin/sessions/{course_session.id}/edit").status_code == 403
    assert client.get(f"/trainer/sessions/{course_session.id}/register").status_code == 403
    assert "Managed by HSCP" in client.get(f"/admin/courses/{hips.id}/sessions").get_data(as_text=True)
    assert capacity_report(iow_admin, YEAR, NOW).sessions == []


def test_hscp_admin_runs_a_joint_course_and_other_partnerships_do_not(
    client, db, login, post_form, hscp_admin, make_user, joint, partnerships
):
    login(hscp_admin)
    assert post_form(f"/admin/courses/{joint.id}/sessions/new", session_data()).status_code == 302
    assert only_session(db, joint).partnership_id == partnerships["HSCP"].id
    assert client.get(f"/admin/courses/{joint.id}/edit").status_code == 403
    login(make_user("partnership_admin", partnership="PSCP"))
    assert client.get(f"/admin/courses/{joint.id}/sessions").status_code == 403
    assert client.get(f"/admin/courses/{joint.id}/sessions/new").status_code == 403
    assert f"/admin/courses/{joint.id}/" not in client.get("/admin/").get_data(as_text=True)


def test_owner_still_edits_its_shared_course(client, login, iow_admin, hips):
    login(iow_admin)
    assert client.get(f"/admin/courses/{hips.id}/edit").status_code == 200
    assert f"/admin/courses/{hips.id}/edit" in client.get("/admin/").get_data(as_text=True)


# --------------------------------------------------------------------------- who runs a session


def test_system_admin_chooses_a_running_partnership_the_course_counts_for(
    client, db, login, post_form, system_admin, joint, partnerships
):
    login(system_admin)
    form = client.get(f"/admin/courses/{joint.id}/sessions/new").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d+)"', form.split('name="partnership_id"')[1].split("</select>")[0])
    assert offered == [str(partnerships["HSCP"].id), str(partnerships["IOWSCP"].id)]  # not PSCP or SSCP
    refused = post_form(
        f"/admin/courses/{joint.id}/sessions/new", session_data(partnership_id=str(partnerships["PSCP"].id))
    )
    assert refused.status_code == 200 and "govuk-error-summary" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseSession.id))) == 0
    chosen = post_form(
        f"/admin/courses/{joint.id}/sessions/new", session_data(partnership_id=str(partnerships["HSCP"].id))
    )
    assert chosen.status_code == 302
    course_session = only_session(db, joint)
    assert course_session.partnership_id == partnerships["HSCP"].id
    # Handing the session to the owner is recorded.
    edit = f"/admin/sessions/{course_session.id}/edit"
    assert post_form(edit, session_data(partnership_id=str(partnerships["IOWSCP"].id))).status_code == 302
    db.session.refresh(course_session)
    assert course_session.partnership_id == partnerships["IOWSCP"].id
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.updated")).one()
    assert audit.details["changes"]["partnership_id"] == {
        "before": partnerships["HSCP"].id,
        "after": partnerships["IOWSCP"].id,
    }


def test_system_admin_leaving_the_choice_blank_gets_the_owner(db, login, post_form, system_admin, hips, partnerships):
    login(system_admin)
    assert post_form(f"/admin/courses/{hips.id}/sessions/new", session_data(partnership_id="")).status_code == 302
    assert only_session(db, hips).partnership_id == partnerships["IOWSCP"].id


def test_partnership_admin_cannot_choose_who_runs_a_session(
    client, db, login, post_form, hscp_admin, hips, partnerships
):
    login(hscp_admin)
    assert 'name="partnership_id"' not in client.get(f"/admin/courses/{hips.id}/sessions/new").get_data(as_text=True)
    sneaky = session_data(partnership_id=str(partnerships["IOWSCP"].id))
    assert post_form(f"/admin/courses/{hips.id}/sessions/new", sneaky).status_code == 302
    course_session = only_session(db, hips)
    assert course_session.partnership_id == partnerships["HSCP"].id
    assert post_form(f"/admin/sessions/{course_session.id}/edit", sneaky).status_code == 302
    db.session.refresh(course_session)
    assert course_session.partnership_id == partnerships["HSCP"].id


def test_schedule_session_refuses_a_partnership_the_course_does_not_count_for(db, system_admin, joint, partnerships):
    start = NOW + timedelta(days=5)
    values = {"starts_at": start, "ends_at": start + timedelta(hours=2), "venue": "Hall", "capacity": 5}
    with pytest.raises(InvalidSession) as refused:
        schedule_session(system_admin, joint, {**values, "partnership_id": partnerships["SSCP"].id})
    assert refused.value.field == "partnership_id"
    assert schedule_session(system_admin, joint, values).partnership_id == partnerships["IOWSCP"].id


def test_the_catalogue_says_who_runs_a_session(client, hips, make_session, partnerships):
    course_session = make_session(hips, partnership_id=partnerships["HSCP"].id)
    page = client.get(f"/sessions/{course_session.id}").get_data(as_text=True)
    assert re.search(r"Run by</dt>\s*<dd[^>]*>Hampshire Safeguarding Children Partnership<", page)


def test_admin_pages_show_who_runs_each_session(client, db, login, hscp_admin, hips, make_session, partnerships):
    mine = make_session(hips, partnership_id=partnerships["HSCP"].id, venue="Winchester")
    theirs = make_session(hips, partnership_id=partnerships["IOWSCP"].id, venue="Newport")
    login(hscp_admin)
    page = client.get(f"/admin/courses/{hips.id}/sessions").get_data(as_text=True)
    assert f"/admin/sessions/{mine.id}/edit" in page and f"/admin/sessions/{mine.id}/bookings" in page
    assert f"/admin/sessions/{theirs.id}/edit" not in page and f"/admin/sessions/{theirs.id}/bookings" not in page
    assert "Managed by IOWSCP" in page
    assert "Only IOWSCP can change the course" in page


def test_a_delegate_moves_only_to_sessions_the_admins_partnership_runs(
    client, login, hscp_admin, system_admin, hips, make_session, make_user, partnerships
):
    source = make_session(hips, partnership_id=partnerships["HSCP"].id)
    ours = make_session(hips, starts_in=timedelta(days=20), partnership_id=partnerships["HSCP"].id)
    theirs = make_session(hips, starts_in=timedelta(days=21), partnership_id=partnerships["IOWSCP"].id)
    booking = book_place(make_user(), source.id).booking
    login(hscp_admin)
    page = client.get(f"/admin/bookings/{booking.id}/move").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d+)"', page)
    assert offered == [str(ours.id)]
    login(system_admin)
    page = client.get(f"/admin/bookings/{booking.id}/move").get_data(as_text=True)
    assert re.findall(r'<option value="(\d+)"', page) == [str(ours.id), str(theirs.id)]


def test_an_hscp_admin_cannot_move_a_delegate_into_an_iowscp_session(
    client, db, login, post_form, hscp_admin, hips, make_session, make_user, partnerships
):
    source = make_session(hips, partnership_id=partnerships["HSCP"].id)
    theirs = make_session(hips, starts_in=timedelta(days=21), partnership_id=partnerships["IOWSCP"].id)
    booking = book_place(make_user(), source.id).booking
    login(hscp_admin)
    page = post_form(f"/admin/bookings/{booking.id}/move", {"target_session": str(theirs.id)})
    assert page.status_code == 200 and "govuk-error-summary" in page.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "confirmed" and booking.session_id == source.id


# --------------------------------------------------------------------------- reports: known answers


@pytest.fixture
def two_runners(db, hips, make_user, partnerships):
    """The HIPS course (IOWSCP) ran twice in December 2026: by HSCP (capacity 10: U1 and U2 attended,
    U3 did not) and by IOWSCP (capacity 6: U1 attended, U4 cancelled)."""
    people = {key: make_user(name=f"Delegate {key}") for key in ("U1", "U2", "U3", "U4")}

    def ran(runner, day, capacity, bookings):
        start = datetime(2026, 12, day, 10, 0)
        course_session = CourseSession(
            course=hips,
            partnership=partnerships[runner],
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=capacity,
            status="completed",
            venue=venue_named("Civic Centre"),
        )
        db.session.add(course_session)
        for who, status in bookings:
            db.session.add(
                Booking(session=course_session, user=people[who], status=status, agency_id=people[who].agency_id)
            )
        return course_session

    sessions = {
        "HSCP": ran("HSCP", 1, 10, [("U1", "attended"), ("U2", "attended"), ("U3", "no_show")]),
        "IOWSCP": ran("IOWSCP", 8, 6, [("U1", "attended"), ("U4", "cancelled")]),
    }
    db.session.commit()
    return sessions


def capacity_figures(report):
    t = getattr(report, "totals", None) or report.figures  # a whole report, or one of its groups
    return (t.sessions, t.capacity, t.confirmed, t.attended, t.no_shows, t.cancellations)


def test_each_partnership_capacity_report_shows_only_the_sessions_it_ran(
    db, two_runners, hscp_admin, iow_admin, system_admin, make_user
):
    hscp = capacity_report(hscp_admin, YEAR, NOW)
    assert [row.id for row in hscp.sessions] == [two_runners["HSCP"].id]
    assert capacity_figures(hscp) == (1, 10, 3, 2, 1, 0)
    assert [(g.label, g.detail) for g in hscp.by_course] == [("Child exploitation", "IOWSCP")]
    iow = capacity_report(iow_admin, YEAR, NOW)
    assert [row.id for row in iow.sessions] == [two_runners["IOWSCP"].id]
    assert capacity_figures(iow) == (1, 6, 1, 1, 0, 1)
    everyone = capacity_report(system_admin, YEAR, NOW)
    assert capacity_figures(everyone) == (2, 16, 4, 3, 1, 1)
    assert {g.label: capacity_figures(g) for g in everyone.by_partnership} == {
        "HSCP": (1, 10, 3, 2, 1, 0),
        "IOWSCP": (1, 6, 1, 1, 0, 1),
    }
    pscp_admin = make_user("partnership_admin", partnership="PSCP")
    assert capacity_report(pscp_admin, YEAR, NOW).sessions == []  # the course counts for PSCP; it ran none


def test_delegates_count_once_each_for_the_partnership_that_trained_them(
    db, two_runners, hscp_admin, iow_admin, system_admin
):
    everyone = reach_report(system_admin, YEAR)
    assert (everyone.delegates, everyone.practitioners) == (3, 2)  # U1 twice, U2 once
    assert {row.label: (row.delegates, row.practitioners) for row in everyone.by_partnership} == {
        "HSCP": (2, 2),
        "IOWSCP": (1, 1),
    }
    assert sum(row.delegates for row in everyone.by_partnership) == everyone.delegates
    hscp = reach_report(hscp_admin, YEAR)
    assert (hscp.delegates, hscp.practitioners) == (2, 2)
    iow = reach_report(iow_admin, YEAR)
    assert (iow.delegates, iow.practitioners) == (1, 1)


def test_annual_pack_counts_sessions_for_who_ran_them_and_names_the_owner(
    db, two_runners, hscp_admin, iow_admin, system_admin
):
    for actor, sessions, delegates in ((hscp_admin, 1, 2), (iow_admin, 1, 1), (system_admin, 2, 3)):
        pack = annual_report(actor, YEAR, NOW)
        assert (pack.sessions_delivered, pack.courses_delivered, pack.delegates) == (sessions, 1, delegates)
        assert [(c.title, c.owner, c.sessions, c.delegates) for c in pack.courses] == [
            ("Child exploitation", "IOWSCP", sessions, delegates)
        ]


def test_reading_an_answer_follows_the_session_that_was_run(db, two_runners, hscp_admin, iow_admin, hips):
    booking = db.session.scalars(
        select(Booking).where(Booking.session_id == two_runners["HSCP"].id, Booking.status == "attended")
    ).first()
    on_hscp_session = EvaluationResponse(
        user_id=booking.user_id, course_id=hips.id, session_id=two_runners["HSCP"].id, booking_id=booking.id
    )
    assert may_read_response(hscp_admin, on_hscp_session)
    assert not may_read_response(iow_admin, on_hscp_session)  # the owner, but it did not run the session
    elearning_style = EvaluationResponse(user_id=booking.user_id, course_id=hips.id)
    assert may_read_response(hscp_admin, elearning_style) and may_read_response(iow_admin, elearning_style)


# --------------------------------------------------------------------------- lists stay lean


def count_statements(db, client, url):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status = client.get(url).status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert status == 200
    return len(statements)


def test_admin_lists_do_not_load_partnerships_one_by_one(
    client, db, login, hscp_admin, make_course, make_session, make_user, partnerships
):
    login(hscp_admin)
    trainer = make_user("trainer")

    def add_courses(n):
        for _ in range(n):
            course = make_course(owner="IOWSCP", commit=False)
            course.joint_partnerships.append(partnerships["HSCP"])
        db.session.commit()

    add_courses(2)
    few = count_statements(db, client, "/admin/")
    add_courses(8)
    assert count_statements(db, client, "/admin/") == few

    course = make_course(owner="IOWSCP", is_hips=True)
    for runner in ("HSCP", "IOWSCP"):
        make_session(course, partnership_id=partnerships[runner].id, trainers=[trainer])
    few = count_statements(db, client, f"/admin/courses/{course.id}/sessions")
    for runner in ("PSCP", "SSCP", "HSCP", "IOWSCP") * 2:
        make_session(course, partnership_id=partnerships[runner].id, trainers=[trainer])
    assert count_statements(db, client, f"/admin/courses/{course.id}/sessions") == few


# --------------------------------------------------------------------------- the migration


def test_migration_0010_gives_every_existing_session_its_course_owner(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from training_app import create_app
    from training_app.extensions import db as _db

    scratch = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.db'}"})
    with scratch.app_context():
        upgrade(revision="0006")
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO partnerships (id, code, name) VALUES (1, 'HSCP', 'H'), (2, 'IOWSCP', 'I')"))
            for course_id, owner in ((10, 2), (11, 1)):
                conn.execute(
                    text(
                        "INSERT INTO courses (id, slug, title, summary, learning_outcomes, format, "
                        "owner_partnership_id, is_hips, status, created_at, updated_at) VALUES "
                        "(:id, :slug, 'T', '', '[]', 'face_to_face', :owner, 1, 'published', :at, :at)"
                    ),
                    {"id": course_id, "slug": f"c{course_id}", "owner": owner, "at": NOW},
                )
            for session_id, course_id in ((100, 10), (101, 11), (102, 10)):
                conn.execute(
                    text(
                        "INSERT INTO course_sessions (id, course_id, starts_at, ends_at, capacity, status, sequence, "
                        "created_at, updated_at) VALUES (:id, :course, :at, :end, 5, 'scheduled', 0, :at, :at)"
                    ),
                    {"id": session_id, "course": course_id, "at": NOW, "end": NOW + timedelta(hours=1)},
                )
        upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, partnership_id FROM course_sessions ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(100, 2), (101, 1), (102, 2)]
        assert not next(c for c in inspect(_db.engine).get_columns("course_sessions") if c["name"] == "partnership_id")[
            "nullable"
        ]
        downgrade(revision="0006")
        assert "partnership_id" not in {c["name"] for c in inspect(_db.engine).get_columns("course_sessions")}
        _db.engine.dispose()
