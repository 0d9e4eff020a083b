"""Changing and removing training requirements: known answers on the compliance figures before and after,
the confirmation page's counts, reminders sent for a removed requirement, the summary kept fresh, errors
beside the fields, 403 for other admins, 404 for unknown ids, CSRF. Run on SQLite and PostgreSQL."""

from datetime import date

from sqlalchemy import func, select
from test_records_compliance import figures, town  # noqa: F401 (the fixture)
from test_records_summary import assert_fresh

from training_app.extensions import db as _db
from training_app.models import AuditEvent, RefresherReminder, RequirementCompletion, TrainingRequirement


def edit_url(requirement):
    return f"/records/requirements/{requirement.id}/edit"


def delete_url(requirement):
    return f"/records/requirements/{requirement.id}/delete"


def test_editing_what_meets_a_requirement_recomputes_its_figures(client, login, town, post_form):  # noqa: F811
    login(town.people.system_admin)
    police = f"?organisation={town.police.id}"
    assert figures(client, police)["Level 3"] == (2, 0, 1, 1, 4)
    listing = client.get("/records/requirements").get_data(as_text=True)
    assert edit_url(town.requirements.level3) in listing and delete_url(town.requirements.level3) in listing
    form = client.get(edit_url(town.requirements.level3)).get_data(as_text=True)
    assert 'value="Level 3"' in form and 'value="36"' in form
    response = post_form(
        edit_url(town.requirements.level3), {"name": "Any level", "level": "1", "course": "", "validity_months": ""}
    )
    assert response.status_code == 302
    assert_fresh()
    # Alex, Bea and Mo have a completion at Level 1 or above and it no longer expires; Cal never.
    assert figures(client, police)["Any level"] == (3, 0, 0, 1, 4)
    event = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "requirement.changed")).one()
    assert event.details["changes"]["level"] == {"before": 3, "after": 1}
    # Now met by the DSL course: only Alex (due) and Nia (current, not in the police) completed it.
    post_form(
        edit_url(town.requirements.level3),
        {"name": "Any level", "level": "", "course": str(town.requirements.dsl.course_id), "validity_months": "12"},
    )
    assert_fresh()
    assert figures(client, police)["Any level"] == (0, 1, 0, 3, 4)


def test_edit_errors_are_shown_beside_the_fields(client, login, town, post_form):  # noqa: F811
    login(town.people.system_admin)
    url = edit_url(town.requirements.level3)
    cases = [
        ({"name": "Level 3", "level": "3", "course": str(town.requirements.dsl.course_id)}, "Choose either a level"),
        ({"name": "Level 3", "level": "", "course": ""}, "Choose either a level"),
        ({"name": "Level 1", "level": "3", "course": ""}, "There is already a requirement with this name"),
        ({"name": "Level 3", "level": "3", "course": "", "validity_months": "999"}, "whole number of months"),
        ({"name": "", "level": "3", "course": ""}, "Enter a name"),
        ({"name": "Level 3", "level": "x", "course": "999999999999"}, "Choose either a level"),
    ]
    for data, message in cases:
        response = post_form(url, {"validity_months": "", **data})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and message in html and "There is a problem" in html, message
    _db.session.expire_all()
    requirement = _db.session.get(TrainingRequirement, town.requirements.level3.id)
    assert (requirement.name, requirement.level, requirement.validity_months) == ("Level 3", 3, 36)


def test_removing_a_requirement_says_whom_it_affects_then_removes_it(client, login, town, post_form):  # noqa: F811
    level3 = town.requirements.level3
    _db.session.add(
        RefresherReminder(
            user_id=town.people.nhs_a.id, requirement_id=level3.id, expires_on=date(2026, 9, 1), days_before=90
        )
    )
    _db.session.commit()
    login(town.people.system_admin)
    page = client.get(delete_url(level3)).get_data(as_text=True)
    open_accounts = 9  # the ten people of the town but Cleo, whose account is closed
    assert f'data-figure="people">{open_accounts}<' in page
    assert 'data-figure="completed">4<' in page  # Alex, Bea, Nia and Mo (Cleo's is closed)
    assert 'data-figure="reminders">1<' in page
    response = post_form(delete_url(level3), {})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(TrainingRequirement, level3.id) is None
    assert _db.session.scalar(select(func.count()).select_from(RefresherReminder)) == 0
    assert (
        _db.session.scalar(
            select(func.count())
            .select_from(RequirementCompletion)
            .where(RequirementCompletion.requirement_id == level3.id)
        )
        == 0
    )
    assert_fresh()
    assert set(figures(client, f"?organisation={town.police.id}")) == {"Level 1", "DSL refresher"}
    event = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "requirement.deleted")).one()
    assert (event.details["people"], event.details["completed"], event.details["reminders"]) == (9, 4, 1)


def test_only_system_admins_and_only_known_requirements(client, login, town):  # noqa: F811
    from support import session_csrf_token

    level3 = town.requirements.level3
    login(town.people.hscp_admin)
    for url in (edit_url(level3), delete_url(level3)):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"csrf_token": session_csrf_token(client)}).status_code == 403
    login(town.people.system_admin)
    token = session_csrf_token(client)
    for url in ("/records/requirements/99999/edit", "/records/requirements/99999/delete"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": token}).status_code == 404
    # Without the CSRF token nothing is removed.
    assert client.post(delete_url(level3), data={}).status_code in (200, 400)
    _db.session.expire_all()
    assert _db.session.get(TrainingRequirement, level3.id) is not None
