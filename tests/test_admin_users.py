"""Appointing trainers and administrators."""

from click.testing import CliRunner
from sqlalchemy import select

from training_app.models import AuditEvent


def test_system_admin_appoints_a_partnership_admin(client, db, login, make_user, post_form, partnerships):
    login(make_user(role="system_admin"))
    person = make_user(name="Pat Lead", email="pat@example.org")
    assert "Pat Lead" in client.get("/admin/users?q=pat").get_data(as_text=True)
    # Saving the role they already have changes nothing: no sign-out everywhere, no audit entry.
    unchanged = post_form(f"/admin/users/{person.id}/role", {"role": "practitioner"}, follow_redirects=True)
    assert "No changes to save" in unchanged.get_data(as_text=True)
    db.session.refresh(person)
    assert person.session_version == 1
    assert db.session.scalars(select(AuditEvent.action)).all() == ["user.viewed"]  # the person page, after
    page = f"/admin/users/{person.id}/role"
    missing = post_form(page, {"role": "partnership_admin", "partnership_id": ""})
    assert "Choose the partnership they will run" in missing.get_data(as_text=True)
    done = post_form(
        page, {"role": "partnership_admin", "partnership_id": str(partnerships["PSCP"].id)}, follow_redirects=True
    )
    assert "Pat Lead is now: Partnership administrator (PSCP)." in done.get_data(as_text=True)
    db.session.refresh(person)
    assert (person.role, person.partnership_id, person.session_version) == (
        "partnership_admin",
        partnerships["PSCP"].id,
        2,
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).one()
    assert event.details["before"]["role"] == "practitioner" and event.details["after"]["role"] == "partnership_admin"


def test_partnership_admin_may_appoint_trainers_only(client, db, login, make_user, post_form):
    login(make_user(role="partnership_admin", partnership="HSCP"))
    person = make_user(partnership="HSCP")  # in Hampshire's area
    page = f"/admin/users/{person.id}/role"
    refused = post_form(page, {"role": "system_admin"})
    assert refused.status_code == 200 and "There is a problem" in refused.get_data(as_text=True)
    post_form(page, {"role": "trainer"})
    db.session.refresh(person)
    assert person.role == "trainer"
    other_admin = make_user(role="partnership_admin", partnership="IOWSCP")
    refused = post_form(f"/admin/users/{other_admin.id}/role", {"role": "practitioner"})
    assert refused.status_code == 403  # another partnership's admin is not in Hampshire's area
    db.session.refresh(other_admin)
    assert other_admin.role == "partnership_admin"


def test_nobody_changes_their_own_role(client, db, login, make_user, post_form):
    me = login(make_user(role="system_admin"))
    response = post_form(f"/admin/users/{me.id}/role", {"role": "practitioner"})
    assert "You cannot change your own role" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.role == "system_admin"


def test_role_pages_are_for_admins(client, db, login, make_user):
    person = make_user()
    for role in ("practitioner", "trainer"):
        login(make_user(role=role))
        assert client.get("/admin/users").status_code == 403
        assert client.get(f"/admin/users/{person.id}/role").status_code == 403
    login(make_user(role="system_admin"))
    assert client.get("/admin/users/987654/role").status_code == 404
    assert client.get("/admin/users?page=abc&q=" + "x" * 5000).status_code == 200


def test_set_role_command_appoints_the_first_system_admin(app, db, make_user, partnerships):
    person = make_user(email="first.admin@example.org")
    runner = CliRunner()
    result = runner.invoke(app.cli, ["set-role", "FIRST.ADMIN@example.org", "system_admin"])
    assert result.exit_code == 0, result.output
    db.session.refresh(person)
    assert person.role == "system_admin"
    missing = runner.invoke(app.cli, ["set-role", "nobody@example.org", "trainer"])
    assert missing.exit_code != 0 and "No open account" in missing.output
    no_partnership = runner.invoke(app.cli, ["set-role", "first.admin@example.org", "partnership_admin"])
    assert no_partnership.exit_code != 0 and "--partnership" in no_partnership.output
