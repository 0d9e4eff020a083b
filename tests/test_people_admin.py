"""People: finding someone, their page, correcting their details, deactivating and reactivating an
account, resending the confirmation email, and who may do which to whom."""

import re
from datetime import datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, select

from support import PASSWORD
from training_app.admin.accounts import deactivate_account
from training_app.models import AuditEvent, Booking, ElearningCompletion, OutboxMessage, User
from training_app.permissions import may_manage_person, may_see_person, people_condition

NOW = datetime(2027, 3, 1, 10, 0)


@pytest.fixture
def area(db, partnerships, make_agency, make_user, frozen_clock):
    """People around Hampshire: one at a Hampshire organisation, one whose own partnership is Hampshire
    but whose organisation is in Southampton, and one on the Isle of Wight."""
    frozen_clock(NOW)
    hampshire_police = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    solent = make_agency("Southampton City Council", "Local authority", partnerships["SSCP"])
    island = make_agency("Isle of Wight Council", "Local authority", partnerships["IOWSCP"])
    return {
        "agencies": {"hampshire": hampshire_police, "solent": solent, "island": island},
        "officer": make_user(name="Olive Officer", email="olive@police.example.org", agency=hampshire_police),
        "nurse": make_user(name="Nadia Nurse", email="nadia@nhs.example.org", agency=solent, partnership="HSCP"),
        "islander": make_user(name="Iris Islander", email="iris@iow.example.org", agency=island),
    }


def names_listed(client, url):
    html = client.get(url).get_data(as_text=True)
    return set(re.findall(r'href="/admin/users/\d+">([^<]+)</a>', html)), html


def test_search_by_name_email_or_organisation_ignoring_case(client, login, area, system_admin):
    login(system_admin)
    assert names_listed(client, "/admin/users?q=OLIVE")[0] == {"Olive Officer"}
    assert names_listed(client, "/admin/users?q=nhs.example")[0] == {"Nadia Nurse"}
    found, html = names_listed(client, "/admin/users?q=wight+council")  # the organisation's name
    assert found == {"Iris Islander"} and "1 person matching" in html
    assert names_listed(client, "/admin/users?q=%25")[0] == set()  # LIKE wildcards are literal
    everyone, html = names_listed(client, "/admin/users")
    assert everyone == {"Olive Officer", "Nadia Nurse", "Iris Islander", "Sam System"} and "4 people" in html


def test_partnership_admin_sees_the_people_of_their_area_only(client, login, area, hscp_admin, iow_admin):
    login(hscp_admin)
    listed, html = names_listed(client, "/admin/users")
    # Hana's own organisation is the default one (Solent, Southampton) but her partnership is Hampshire.
    assert listed == {"Olive Officer", "Nadia Nurse", "Hana HSCP"}
    assert "3 people" in html
    assert client.get(f"/admin/users/{area['officer'].id}").status_code == 200
    assert client.get(f"/admin/users/{area['islander'].id}").status_code == 403
    assert client.get(f"/admin/users/{area['islander'].id}/role").status_code == 403
    assert names_listed(client, "/admin/users?q=iris")[0] == set()
    login(iow_admin)
    assert names_listed(client, "/admin/users")[0] == {"Iris Islander", "Ivo IOW"}
    assert client.get(f"/admin/users/{area['officer'].id}").status_code == 403


def test_area_rule_in_sql_and_for_a_loaded_person_agree(db, area, partnerships, hscp_admin, iow_admin, system_admin):
    everyone = db.session.scalars(select(User)).all()
    for partnership in partnerships.values():
        in_sql = set(db.session.scalars(select(User.id).where(User.in_area_of(partnership.id))))
        assert in_sql == {u.id for u in everyone if u.is_in_area_of(partnership.id)}, partnership.code
    for admin in (hscp_admin, iow_admin, system_admin):
        visible = set(db.session.scalars(select(User.id).where(people_condition(admin))))
        assert visible == {u.id for u in everyone if may_see_person(admin, u)}
    assert set(db.session.scalars(select(User.id).where(User.in_area_of(partnerships["HSCP"].id)))) == {
        area["officer"].id,
        area["nurse"].id,
        hscp_admin.id,
    }


def test_people_rules_per_role(db, area, practitioner, trainer, hscp_admin, iow_admin, system_admin, make_user):
    officer = area["officer"]
    same_admin = make_user("partnership_admin", partnership="HSCP", agency=area["agencies"]["hampshire"])
    island_admin_at_hampshire = make_user(
        "partnership_admin", partnership="IOWSCP", agency=area["agencies"]["hampshire"]
    )
    boss = make_user("system_admin", agency=area["agencies"]["hampshire"])
    for nobody in (practitioner, trainer):
        assert not may_see_person(nobody, officer) and not may_manage_person(nobody, officer)
        assert db.session.scalars(select(User.id).where(people_condition(nobody))).all() == []
    assert may_manage_person(hscp_admin, officer) and may_manage_person(hscp_admin, same_admin)
    # In Hampshire's area, but not Hampshire's to manage.
    assert may_see_person(hscp_admin, boss) and not may_manage_person(hscp_admin, boss)
    assert may_see_person(hscp_admin, island_admin_at_hampshire)
    assert not may_manage_person(hscp_admin, island_admin_at_hampshire)
    assert not may_see_person(iow_admin, officer)
    assert all(may_manage_person(system_admin, p) for p in (officer, boss, island_admin_at_hampshire))


def test_partnership_admin_cannot_change_a_system_admin_or_another_partnerships_admin(
    client, db, login, area, hscp_admin, make_user, post_form
):
    boss = make_user("system_admin", agency=area["agencies"]["hampshire"])
    other = make_user("partnership_admin", partnership="IOWSCP", agency=area["agencies"]["hampshire"])
    login(hscp_admin)
    for person in (boss, other):
        page = client.get(f"/admin/users/{person.id}")
        assert page.status_code == 200 and "Only a system administrator can change" in page.get_data(as_text=True)
        for action in ("edit", "deactivate", "reactivate"):
            assert client.get(f"/admin/users/{person.id}/{action}").status_code == 403
        for action in ("deactivate", "resend-confirmation"):
            page = f"/admin/users/{person.id}"
            assert post_form(page, {}, url=f"{page}/{action}").status_code == 403
        db.session.refresh(person)
        assert person.is_active


def count_statements(db, client, url):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.commit()  # the same starting point each time: a new transaction, nothing loaded
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status = client.get(url).status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return status, len(statements)


def test_people_list_takes_the_same_statements_whatever_the_number_of_rows(
    db, client, login, area, system_admin, make_user, make_agency, partnerships
):
    login(system_admin)
    status, few = count_statements(db, client, "/admin/users")
    assert status == 200
    for n in range(25):
        agency = make_agency(f"School {n}", "Education", partnerships["PSCP"])
        make_user(name=f"Teacher {n}", agency=agency, partnership="PSCP")
    status, many = count_statements(db, client, "/admin/users")
    # begin, the signed-in user, the count, the page, the footer's contact team
    assert status == 200 and many == few <= 5


def test_person_page_shows_details_bookings_record_and_changes(
    client, db, login, area, hscp_admin, make_course, make_session
):
    officer = area["officer"]
    past = make_session(course=make_course(title="Child Neglect"), starts_in=timedelta(days=-10))
    upcoming = make_session(course=make_course(title="Working Together"), starts_in=timedelta(days=14))
    elearning = make_course(title="Level 1 online", format="elearning", elearning_url="https://e.example.org")
    for course_session, status in ((past, "attended"), (upcoming, "confirmed")):
        db.session.add(
            Booking(session=course_session, user=officer, status=status, agency=officer.agency, confirmed_at=NOW)
        )
    db.session.add(ElearningCompletion(user=officer, course=elearning, completed_at=datetime(2027, 2, 3, 12, 0)))
    db.session.commit()
    login(hscp_admin)
    html = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Hampshire Constabulary (Police)" in html and "Health visitor" in html
    bookings = html.split("Bookings</h2>")[1].split("Training record</h2>")[0]
    assert bookings.index("Working Together") < bookings.index("Child Neglect")  # latest first
    assert "Confirmed" in bookings and "Attended" in bookings
    record = html.split("Training record</h2>")[1].split("Changes to this account")[0]
    assert "Child Neglect" in record and "Friday 19 February 2027" in record  # ten days before 1 March
    assert "Level 1 online" in record and "Wednesday 3 February 2027" in record
    assert "Working Together" not in record  # booked, not yet attended
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.viewed")).one()
    assert (viewed.actor_id, viewed.target_id) == (hscp_admin.id, officer.id)
    assert "No changes recorded." in html  # looking is audited but is not a change


def test_edit_details_is_audited_and_an_unchanged_form_writes_nothing(
    client, db, login, area, hscp_admin, post_form, make_agency, partnerships
):
    officer = area["officer"]
    login(hscp_admin)
    page = f"/admin/users/{officer.id}/edit"
    same = {"name": "Olive Officer", "agency_id": str(officer.agency_id), "job_role": "Health visitor"}
    done = post_form(page, same, follow_redirects=True)
    assert "No changes to save." in done.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.details_changed")).all() == []
    fire = make_agency("Hampshire Fire and Rescue", "Fire and rescue", partnerships["HSCP"])
    changed = {"name": "Olive Constable", "agency_id": str(fire.id), "job_role": "Detective sergeant"}
    done = post_form(page, changed, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Olive Constable&#39;s details have been saved." in html and "Details corrected" in html
    db.session.refresh(officer)
    assert (officer.name, officer.agency_id, officer.job_role) == ("Olive Constable", fire.id, "Detective sergeant")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.details_changed")).one()
    assert event.details["changes"]["name"] == {"before": "Olive Officer", "after": "Olive Constable"}
    assert set(event.details["changes"]) == {"name", "agency_id", "job_role"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Enter their full name"),
        ("job_role", "x" * 201, "Job role must be 200 characters or fewer"),
        ("agency_id", "999999", "Select their organisation"),
        ("agency_id", "not-a-number", "Select their organisation"),
    ],
)
def test_edit_details_errors_rerender_with_an_error_summary(
    client, db, login, area, system_admin, post_form, field, value, message
):
    officer = area["officer"]
    login(system_admin)
    data = {"name": "Olive", "agency_id": str(officer.agency_id), "job_role": "Sergeant", field: value}
    response = post_form(f"/admin/users/{officer.id}/edit", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    db.session.refresh(officer)
    assert officer.name == "Olive Officer"


def test_deactivation_cancels_future_places_ends_sessions_and_keeps_history(
    client, db, login, area, hscp_admin, make_user, make_session, post_form
):
    officer = area["officer"]
    full = make_session(capacity=1)
    other = make_session(capacity=5)
    past = make_session(starts_in=timedelta(days=-3))
    waiting = make_user(name="Wendy Waiting")
    db.session.add_all(
        [
            Booking(session=full, user=officer, status="confirmed", agency=officer.agency, confirmed_at=NOW),
            Booking(session=full, user=waiting, status="waitlisted", requested_at=NOW),
            Booking(session=other, user=officer, status="waitlisted", agency=officer.agency, requested_at=NOW),
            Booking(session=past, user=officer, status="attended", agency=officer.agency, confirmed_at=NOW),
        ]
    )
    db.session.commit()
    login(officer)
    assert client.get("/my-training").status_code == 200
    login(hscp_admin)
    page = f"/admin/users/{officer.id}/deactivate"
    assert "This will cancel 2 future bookings" in client.get(page).get_data(as_text=True)
    done = post_form(page, {}, follow_redirects=True)
    assert "account has been deactivated and 2 future bookings cancelled." in done.get_data(as_text=True)
    db.session.expire_all()
    statuses = {(b.user.name, b.session_id): b.status for b in db.session.scalars(select(Booking))}
    assert statuses == {
        ("Olive Officer", full.id): "cancelled",
        ("Wendy Waiting", full.id): "offered",  # the freed place goes to the waiting list (offered: 2 weeks away)
        ("Olive Officer", other.id): "cancelled",
        ("Olive Officer", past.id): "attended",  # history is kept
    }
    officer = db.session.get(User, officer.id)
    assert officer.deactivated_by_id == hscp_admin.id and not officer.is_active and officer.session_version == 2
    assert (
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == officer.id))
        .all()
        .count("user.deactivated")
        == 1
    )
    # Their session has ended.
    login(officer)
    assert client.get("/my-training").headers["Location"].startswith("/sign-in")


def test_deactivated_person_is_told_only_with_the_right_password(client, db, area, system_admin, post_form):
    officer = area["officer"]
    deactivate_account(system_admin, officer)
    db.session.commit()
    wrong = post_form("/sign-in", {"email": officer.email, "password": "not-the-password"})
    assert "deactivated" not in wrong.get_data(as_text=True)
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)
    right = post_form("/sign-in", {"email": officer.email, "password": PASSWORD})
    html = right.get_data(as_text=True)
    assert right.status_code == 200 and "This account has been deactivated. Contact the training team." in html
    assert client.get("/my-training").status_code == 302  # not signed in


def test_reactivation_restores_sign_in(client, db, login, area, system_admin, post_form):
    officer = area["officer"]
    deactivate_account(system_admin, officer)
    db.session.commit()
    login(system_admin)
    done = post_form(f"/admin/users/{officer.id}/reactivate", {}, follow_redirects=True)
    assert "account has been reactivated" in done.get_data(as_text=True)
    client.get("/sign-out")
    g.pop("csrf_token", None)  # the tests share one app context: forget the signed-out session's token
    signed_in = post_form("/sign-in", {"email": officer.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/my-training"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a != "user.viewed"] == ["user.deactivated", "user.reactivated"]


def test_nobody_deactivates_themselves_and_nothing_is_deactivated_twice(
    client, db, login, area, system_admin, post_form
):
    login(system_admin)
    refused = post_form(f"/admin/users/{system_admin.id}/deactivate", {}, follow_redirects=True)
    assert "You cannot deactivate your own account" in refused.get_data(as_text=True)
    db.session.refresh(system_admin)
    assert system_admin.is_active
    officer = area["officer"]
    post_form(f"/admin/users/{officer.id}/deactivate", {})
    again = post_form(f"/admin/users/{officer.id}/deactivate", {}, follow_redirects=True)
    assert "already deactivated" in again.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivated")).all().__len__() == 1


def test_resend_confirmation_only_to_an_unconfirmed_address(
    app, client, db, login, area, hscp_admin, make_user, post_form
):
    newcomer = make_user(name="Nina New", agency=area["agencies"]["hampshire"], email_confirmed_at=None)
    login(hscp_admin)
    page = f"/admin/users/{newcomer.id}"
    assert "Resend the confirmation email" in client.get(page).get_data(as_text=True)
    done = post_form(page, {}, url=f"{page}/resend-confirmation", follow_redirects=True)
    assert f"A new confirmation link has been sent to {newcomer.email}." in done.get_data(as_text=True)
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == newcomer.email)).all()
    link = re.search(r"https?://\S+", message.body_text).group(0)
    assert link.startswith("http://localhost/confirm-email/")
    client.get("/sign-out")
    assert client.get(link.split("localhost", 1)[1]).status_code == 302
    db.session.refresh(newcomer)
    assert newcomer.email_confirmed_at is not None
    login(hscp_admin)
    again = post_form(page, {}, url=f"{page}/resend-confirmation", follow_redirects=True)
    assert "already confirmed" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_closed_accounts_and_unknown_ids_are_not_found(client, db, login, area, system_admin):
    from training_app.privacy.services import close_account

    islander = area["islander"]
    close_account(islander, islander)
    db.session.commit()
    login(system_admin)
    for url in (f"/admin/users/{islander.id}", f"/admin/users/{islander.id}/edit", "/admin/users/987654/deactivate"):
        assert client.get(url).status_code == 404


def test_a_deactivated_person_stays_on_registers_but_is_not_invited_to_evaluations(
    app, client, db, login, area, hscp_admin, make_user, make_session
):
    from training_app import clock
    from training_app.evaluations.invitations import send_evaluation_invitations

    officer, colleague = area["officer"], make_user(name="Colin Colleague", agency=area["agencies"]["hampshire"])
    past = make_session(starts_in=timedelta(days=-2))
    for person in (officer, colleague):
        db.session.add(Booking(session=past, user=person, status="attended", agency=person.agency, confirmed_at=NOW))
    db.session.commit()
    deactivate_account(hscp_admin, officer)
    db.session.commit()
    with app.test_request_context():
        assert send_evaluation_invitations(clock.now(), lambda opening: "http://test/evaluation") == (1, 0)
    db.session.commit()
    assert [m.to_address for m in db.session.scalars(select(OutboxMessage))] == [colleague.email]
    login(hscp_admin)
    register = client.get(f"/trainer/sessions/{past.id}/register").get_data(as_text=True)
    assert "Olive Officer" in register and "Colin Colleague" in register


def test_a_deactivated_account_is_refused_even_with_a_current_session_id(client, db, login, area):
    officer = area["officer"]
    login(officer)
    officer.deactivated_at = NOW  # as if the version had not been bumped: is_active alone must refuse
    db.session.commit()
    assert client.get("/my-training").headers["Location"].startswith("/sign-in")
