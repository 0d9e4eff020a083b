"""Compliance by organisation, known answers: every figure on the page, the drill-down and the CSV, for
an organisation, a sector and a partnership's area; people who moved organisation count where they are
now (their old bookings keep the organisation they had); closed accounts are not counted; a partnership
admin sees only their area. Run on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from training_app.extensions import db as _db
from training_app.models import Booking, ElearningCompletion, ExternalTraining, TrainingRequirement
from training_app.privacy.services import close_account

NOW = datetime(2026, 6, 15, 10, 0)  # 15 June 2026 in London


def attend(db, make_session, person, course, starts_at, agency=None):
    course_session = make_session(course=course, starts_in=timedelta(days=1))
    course_session.starts_at, course_session.ends_at = starts_at, starts_at + timedelta(hours=3)
    db.session.add(Booking(session=course_session, user=person, status="attended", agency=agency or person.agency))
    db.session.commit()


@pytest.fixture
def town(db, make_user, make_agency, make_course, make_session, partnerships, frozen_clock):
    frozen_clock(NOW)
    police = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    nhs = make_agency("Hampshire Hospitals", "Health", partnerships["HSCP"])
    school = make_agency("Island School", "Education", partnerships["IOWSCP"])
    office = make_agency("Partnership office", "Local authority", partnerships["SSCP"])
    level3 = make_course(title="Working Together", level=3)
    dsl = make_course(title="DSL refresher", level=3, level_kind="subject_specific", format="elearning")
    requirements = SimpleNamespace(
        level3=TrainingRequirement(name="Level 3", level=3, validity_months=36),
        dsl=TrainingRequirement(name="DSL refresher", course=dsl, validity_months=12),
        level1=TrainingRequirement(name="Level 1", level=1),
    )
    db.session.add_all(vars(requirements).values())
    p = SimpleNamespace(
        police_a=make_user(name="Alex Police", agency=police),
        police_b=make_user(name="Bea Police", agency=police),
        police_c=make_user(name="Cal Police", agency=police),
        nhs_a=make_user(name="Nia Nurse", agency=nhs),
        moved=make_user(name="Mo Moved", agency=school),
        closed=make_user(name="Cleo Closed", agency=police),
        iow_a=make_user(name="Ivy Island", agency=school),
        hscp_admin=make_user("partnership_admin", partnership="HSCP", name="Hana Admin", agency=office),
        iow_admin=make_user("partnership_admin", partnership="IOWSCP", name="Ian Admin", agency=office),
        system_admin=make_user("system_admin", name="Sam Admin", agency=office),
    )
    attend(db, make_session, p.police_a, level3, datetime(2025, 1, 10, 9, 0))  # L3 to 10 Jan 2028
    db.session.add(ElearningCompletion(user=p.police_a, course=dsl, completed_at=datetime(2025, 6, 20, 9, 0)))  # due
    db.session.add(ExternalTraining(user=p.police_b, title="Elsewhere", completed_at=datetime(2023, 3, 1), level=3))
    attend(db, make_session, p.nhs_a, level3, datetime(2023, 9, 1, 9, 0))  # expires 1 Sep 2026: due
    db.session.add(ElearningCompletion(user=p.nhs_a, course=dsl, completed_at=datetime(2026, 1, 1, 9, 0)))
    attend(db, make_session, p.moved, level3, datetime(2025, 5, 1, 9, 0))  # while at the Island School
    attend(db, make_session, p.closed, level3, datetime(2025, 5, 1, 9, 0))
    db.session.commit()
    close_account(p.closed, p.closed)
    p.moved.agency = police  # moved to Hampshire Constabulary since
    db.session.commit()
    return SimpleNamespace(
        people=p, requirements=requirements, police=police, nhs=nhs, school=school, partnerships=partnerships
    )


def figures(client, query=""):
    html = client.get("/records/compliance" + query).get_data(as_text=True)
    table = {}
    for row in re.findall(r'<tr class="govuk-table__row" data-requirement="\d+">(.*?)</tr>', html, re.S):
        name = re.search(r'<th scope="row" class="govuk-table__header">([^<]+)<br>', row).group(1)
        cells = dict(re.findall(r'data-status="(\w+)" data-figure="(\d+)"', row))
        table[name] = tuple(int(cells[k]) for k in ("current", "due", "expired", "never", "total"))
    return table


def test_compliance_of_one_organisation_counts_people_where_they_are_now(client, login, town):
    login(town.people.system_admin)
    # (current, due, expired, never, people): Alex, Bea, Cal and Mo (moved in); Cleo's account is closed.
    assert figures(client, f"?organisation={town.police.id}") == {
        "Level 1": (3, 0, 0, 1, 4),
        "Level 3": (2, 0, 1, 1, 4),
        "DSL refresher": (0, 1, 0, 3, 4),
    }
    # Mo no longer counts for the school they left, though their booking keeps it (for reach reports).
    assert figures(client, f"?organisation={town.school.id}")["Level 3"] == (0, 0, 0, 1, 1)
    booking_agency = _db.session.scalar(select(Booking.agency_id).where(Booking.user_id == town.people.moved.id))
    assert booking_agency == town.school.id


def test_compliance_by_partnership_area_and_by_sector(client, login, town):
    login(town.people.system_admin)
    hscp = town.partnerships["HSCP"].id
    # Hampshire's area: the four police, Nia, and Hana (a Hampshire admin, never trained).
    assert figures(client, f"?partnership={hscp}") == {
        "Level 1": (4, 0, 0, 2, 6),
        "Level 3": (2, 1, 1, 2, 6),
        "DSL refresher": (1, 1, 0, 4, 6),
    }
    assert figures(client, "?sector=Health") == {
        "Level 1": (1, 0, 0, 0, 1),
        "Level 3": (0, 1, 0, 0, 1),
        "DSL refresher": (1, 0, 0, 0, 1),
    }
    # Everyone with an open account: 9 (Cleo closed).
    assert figures(client)["Level 3"] == (2, 1, 1, 5, 9)
    # Unknown or junk filters are ignored, never an error.
    assert figures(client, "?partnership=abc&sector=Space&organisation=99999999")["Level 3"] == (0, 0, 0, 0, 0)


def test_partnership_admin_sees_only_their_area(client, login, town):
    login(town.people.hscp_admin)
    iow = town.partnerships["IOWSCP"].id
    assert figures(client)["Level 3"] == (2, 1, 1, 2, 6)
    assert figures(client, f"?partnership={iow}")["Level 3"] == (2, 1, 1, 2, 6)  # not theirs to choose
    assert figures(client, f"?organisation={town.school.id}")["Level 3"] == (0, 0, 0, 0, 0)
    login(town.people.iow_admin)
    assert figures(client)["Level 3"] == (0, 0, 0, 2, 2)  # Ivy and Ian


def test_drill_down_lists_who_is_behind_a_figure(client, login, town):
    login(town.people.system_admin)
    level3 = town.requirements.level3
    html = client.get(
        f"/records/compliance/requirements/{level3.id}/people?status=expired&organisation={town.police.id}"
    ).get_data(as_text=True)
    assert 'data-figure="total">1<' in html and "Bea Police" in html and "1 March 2026" in html
    everyone = client.get(f"/records/compliance/requirements/{level3.id}/people?organisation={town.police.id}")
    names = re.findall(r'/records/people/\d+">([^<]+)</a>', everyone.get_data(as_text=True))
    assert names == ["Alex Police", "Bea Police", "Cal Police", "Mo Moved"]
    assert client.get("/records/compliance/requirements/99999/people").status_code == 404
    login(town.people.iow_admin)  # Hampshire's people are not theirs to see
    html = client.get(f"/records/compliance/requirements/{level3.id}/people?organisation={town.police.id}")
    assert 'data-figure="total">0<' in html.get_data(as_text=True)


def test_compliance_csv_streams_everyone_in_scope(client, login, town):
    login(town.people.system_admin)
    response = client.get(f"/records/compliance.csv?organisation={town.police.id}")
    assert response.is_streamed
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Requirement,Name,Email,Organisation,Sector,Status,Latest completion,Expires on"
    assert len(lines) == 1 + 3 * 4
    mo = town.people.moved
    assert f"Level 3,Mo Moved,{mo.email},Hampshire Constabulary,Police,Current,2025-05-01,2028-05-01" in lines
    assert any(
        line.startswith("DSL refresher,Alex Police,") and line.endswith(",Due for renewal,2025-06-20,2026-06-20")
        for line in lines
    )


def test_figures_page_statements_do_not_grow_with_people(client, db, login, town, make_user):
    login(town.people.system_admin)
    client.get("/records/compliance")

    def count():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            _db.session.expire_all()
            assert client.get("/records/compliance").status_code == 200
            assert (
                client.get(f"/records/compliance/requirements/{town.requirements.level3.id}/people").status_code == 200
            )
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        return [s for s in statements if not s.startswith("BEGIN")]  # SQLite's transaction start

    before = count()
    for n in range(30):
        make_user(name=f"Extra {n}", agency=town.police)
    assert len(count()) == len(before)


def test_rebuilt_summary_gives_the_same_answers(app, client, login, town):
    """`flask rebuild-compliance-summary` on an emptied summary (an installation that lost it): the same
    figures, drill-down and CSV, and running it twice changes nothing."""
    from training_app.extensions import db as _db
    from training_app.models import RequirementCompletion

    before = sorted(_db.session.execute(select(RequirementCompletion.__table__)).all())
    assert before
    _db.session.execute(RequirementCompletion.__table__.delete())
    _db.session.commit()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["rebuild-compliance-summary"])
        assert result.exit_code == 0 and f"{len(before)} rows" in result.output
    assert sorted(_db.session.execute(select(RequirementCompletion.__table__)).all()) == before
    test_compliance_of_one_organisation_counts_people_where_they_are_now(client, login, town)
    test_compliance_by_partnership_area_and_by_sector(client, login, town)
    test_drill_down_lists_who_is_behind_a_figure(client, login, town)
    test_compliance_csv_streams_everyone_in_scope(client, login, town)


def test_drill_down_past_the_last_page_shows_the_last_page(client, login, town):
    login(town.people.system_admin)
    html = client.get(
        f"/records/compliance/requirements/{town.requirements.level3.id}/people?status=never&page=7"
    ).get_data(as_text=True)
    assert 'data-figure="total">5<' in html and "Cal Police" in html


def test_looking_at_names_is_audited(client, login, town):
    from training_app.models import AuditEvent

    admin = login(town.people.hscp_admin)
    level3 = town.requirements.level3
    client.get(f"/records/compliance/requirements/{level3.id}/people?status=expired")
    client.get("/records/compliance.csv")
    events = _db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    viewed = [e for e in events if e.action == "compliance.people_viewed"]
    assert [(e.actor_id, e.target_id, e.details["status"], e.details["people"]) for e in viewed] == [
        (admin.id, level3.id, "expired", [town.people.police_b.id])
    ]
    assert [e.actor_id for e in events if e.action == "compliance.exported"] == [admin.id]
