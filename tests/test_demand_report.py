"""The demand report: known answers for every figure it shows, on the page and in the CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from test_reports import figures_of

from training_app.bookings.services import book_place
from training_app.interest.services import register_interest
from training_app.models import CourseInterest

NOW = datetime(2027, 1, 4, 9, 0)


def demand(interested, waiting, unmet):
    return {"interested": str(interested), "waiting": str(waiting), "unmet": str(unmet)}


@pytest.fixture
def world(db, partnerships, make_agency, make_user, make_course, make_session, frozen_clock):
    """X (HSCP, Level 3): no dates; 2 interested (Health/HSCP, Education/PSCP).
    Y (HSCP, Level 2): one upcoming session, 1 place, taken; 3 waiting (2 Health/HSCP, 1 Education/PSCP);
       1 interested (Education/PSCP), who counts as unmet: no upcoming session has a place.
    Z (HSCP, Level 3): an upcoming session with places; 1 interested (Health/HSCP): not unmet;
       1 already told (not counted); a past session's waiting list (not counted).
    W (IOWSCP): 1 interested (Health/HSCP): only in the system administrator's figures."""
    frozen_clock(NOW - timedelta(days=40))
    health = make_agency("Hampshire hospitals", "Health", partnerships["HSCP"])
    schools = make_agency("Portsmouth schools", "Education", partnerships["PSCP"])
    h = [make_user(agency=health) for _ in range(6)]
    e = [make_user(agency=schools) for _ in range(4)]
    x = make_course(title="Course X", level=3)
    y = make_course(title="Course Y", level=2)
    z = make_course(title="Course Z", level=3)
    w = make_course(title="Course W", owner="IOWSCP", level=3)
    past = make_session(course=z, starts_in=timedelta(days=10), capacity=1)
    for person in (h[4], h[5]):
        book_place(person, past.id)
    frozen_clock(NOW)
    full = make_session(course=y, capacity=1)
    for person in (h[5], h[0], h[1], e[0]):
        book_place(person, full.id)
    make_session(course=z, capacity=5)
    for person, course in ((h[0], x), (e[1], x), (e[2], y), (h[2], z), (h[3], w)):
        register_interest(person, course)
    db.session.add(CourseInterest(user_id=h[4].id, course_id=z.id, created_at=NOW, notified_at=NOW))
    db.session.commit()
    return {"x": x, "y": y, "z": z, "w": w}


def test_demand_known_answers_for_a_partnership_admin(client, login, world, hscp_admin):
    login(hscp_admin)
    page = figures_of(client.get("/reports/demand"))
    assert page.row("totals") == demand(4, 3, 6)
    assert page.row("by-course", "Course X") == demand(2, 0, 2)
    assert page.row("by-course", "Course Y") == demand(1, 3, 4)
    assert page.row("by-course", "Course Z") == demand(1, 0, 0)
    assert page.row("by-course", "Course W") == {}
    assert page.row("by-level", "Level 3") == demand(3, 0, 2)
    assert page.row("by-level", "Level 2") == demand(1, 3, 4)
    assert page.row("by-area", "HSCP") == demand(2, 2, 3)
    assert page.row("by-area", "PSCP") == demand(2, 1, 3)
    assert page.row("by-sector", "Health") == demand(2, 2, 3)
    assert page.row("by-sector", "Education") == demand(2, 1, 3)


def test_demand_known_answers_for_a_system_admin_and_filters(client, login, world, system_admin):
    login(system_admin)
    page = figures_of(client.get("/reports/demand"))
    assert page.row("totals") == demand(5, 3, 7)
    assert page.row("by-course", "Course W") == demand(1, 0, 1)
    assert page.row("by-area", "HSCP") == demand(3, 2, 4)
    narrowed = figures_of(client.get(f"/reports/demand?course={world['y'].id}"))
    assert narrowed.row("totals") == demand(1, 3, 4)
    level_2 = figures_of(client.get("/reports/demand?level=2"))
    assert level_2.row("totals") == demand(1, 3, 4)


def test_demand_for_a_partnership_that_runs_none_of_the_sessions(client, login, world, iow_admin):
    login(iow_admin)
    page = figures_of(client.get("/reports/demand"))
    assert page.row("totals") == demand(1, 0, 1)  # W only
    assert page.row("by-course", "Course W") == demand(1, 0, 1)


def test_demand_csv_known_answers(client, login, world, hscp_admin):
    login(hscp_admin)
    response = client.get("/reports/demand.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Grouping", "Name", "Level", "Interested", "On waiting lists", "Unmet demand"]
    assert ["Course", "Course Y", "Level 2", "1", "3", "4"] in rows
    assert ["Course", "Course X", "Level 3", "2", "0", "2"] in rows
    assert ["Course", "Course Z", "Level 3", "1", "0", "0"] in rows
    assert ["Level", "Level 3", "", "3", "0", "2"] in rows
    assert ["Partnership area", "PSCP", "", "2", "1", "3"] in rows
    assert ["Sector", "Health", "", "2", "2", "3"] in rows
    assert rows[-1] == ["Total", "", "", "4", "3", "6"]


def test_demand_is_for_administrators_only(client, login, world, practitioner, trainer):
    for person in (practitioner, trainer):
        login(person)
        assert client.get("/reports/demand").status_code == 403
        assert client.get("/reports/demand.csv").status_code == 403
