"""Agency training leads (issue 15, point 3): appointed to one or more organisations by the partnership
admins of the organisation's area (or system admins), they see their staff's bookings, record and
counts, book them onto sessions, approve in place of a manager and download a CSV, and never see
another organisation's people. Known answers on SQLite and PostgreSQL (TEST_DATABASE_URL)."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from training_app import permissions as policy
from training_app.admin.roles import RoleError, set_role
from training_app.agency.appointments import AppointmentError, appoint_lead, remove_lead
from training_app.agency.queries import staff_counts
from training_app.bookings.services import book_place
from training_app.models import AgencyLead, AuditEvent, Booking, BookingStatus, OutboxMessage, Role, SessionStatus

NOW = datetime(2027, 3, 5, 10, 0)  # a Friday


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


def appoint(db, lead, *agencies):
    for agency in agencies:
        db.session.add(AgencyLead(user=lead, agency=agency))
    db.session.commit()


def booking(db, course_session, person, status, agency=None, **extra):
    row = Booking(
        session=course_session,
        user=person,
        status=status,
        agency=agency or person.agency,
        requested_at=NOW - timedelta(days=90),
        **extra,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def orgs(make_agency, partnerships):
    return {
        "a": make_agency("Portsmouth Primary School", "Education", partnerships["PSCP"]),
        "b": make_agency("Southampton Nursery", "Early years", partnerships["SSCP"]),
        "c": make_agency("Fareham College", "Education", partnerships["HSCP"]),
    }


@pytest.fixture
def staff(db, make_user, make_session, orgs):
    """Lee leads A and C; Oli leads B. The bookings each count (or not) as the comments say."""
    lee = make_user("agency_lead", name="Lee Lead", agency=orgs["a"])
    oli = make_user("agency_lead", name="Oli Other", agency=orgs["b"])
    appoint(db, lee, orgs["a"], orgs["c"])
    appoint(db, oli, orgs["b"])
    ann = make_user(name="Ann Able", agency=orgs["a"])
    bob = make_user(name="Bob Baker", agency=orgs["c"])
    mo = make_user(name="Mo Moved", agency=orgs["a"])  # worked at B when they attended
    cat = make_user(name="Cat Carer", agency=orgs["b"])
    gone = make_user(name="Gil Gone", agency=orgs["a"], closed_at=NOW - timedelta(days=1))

    def at(days, **extra):
        return make_session(starts_in=timedelta(days=days), **extra)

    booking(db, at(-60), ann, BookingStatus.ATTENDED)  # attended, in the last 12 months
    booking(db, at(-400), ann, BookingStatus.ATTENDED)  # too long ago
    booking(db, at(-30), ann, BookingStatus.NO_SHOW)  # no-show
    booking(db, at(-500), ann, BookingStatus.NO_SHOW)  # too long ago
    booking(
        db, at(-8), ann, BookingStatus.CANCELLED, late_cancellation=True, cancelled_at=NOW - timedelta(days=10)
    )  # a late cancellation
    booking(db, at(-300), ann, BookingStatus.CANCELLED, cancelled_at=NOW - timedelta(days=310))  # not late
    booking(db, at(14), ann, BookingStatus.CONFIRMED)  # upcoming
    booking(db, at(20), ann, BookingStatus.WAITLISTED)  # upcoming (waiting)
    booking(db, at(21, status=SessionStatus.CANCELLED), ann, BookingStatus.CONFIRMED)  # the session is off
    booking(db, at(-1, status=SessionStatus.POSTPONED), ann, BookingStatus.CONFIRMED)  # postponed: still to come
    booking(
        db,
        at(30),
        bob,
        BookingStatus.AWAITING_APPROVAL,
        approval_requested_at=NOW - timedelta(days=1),
        approval_expires_at=NOW + timedelta(days=4),
        manager_name="Sam Head",
        manager_email="sam@school.example",
    )  # upcoming, and awaiting approval
    booking(db, at(-20), mo, BookingStatus.ATTENDED, agency=orgs["b"])  # counted where Mo works now: A
    booking(db, at(-20), cat, BookingStatus.ATTENDED)
    booking(db, at(-20), gone, BookingStatus.ATTENDED)
    return {"lee": lee, "oli": oli, "ann": ann, "bob": bob, "mo": mo, "cat": cat, "gone": gone}


# (name, upcoming, attended, no-shows, late cancellations, awaiting approval)
LEE_SEES = [
    ("Ann Able", 3, 1, 1, 1, 0),
    ("Bob Baker", 1, 0, 0, 0, 1),
    ("Lee Lead", 0, 0, 0, 0, 0),
    ("Mo Moved", 0, 1, 0, 0, 0),
]


def figures(rows):
    return [
        (r.person.name, r.upcoming, r.attended, r.no_shows, r.late_cancellations, r.awaiting_approval) for r in rows
    ]


def test_staff_counts_known_answers(db, staff, orgs):
    rows, pages = staff_counts(staff["lee"], None, NOW, 1, 50)
    assert figures(rows) == LEE_SEES and pages.total == 4
    only_c, _ = staff_counts(staff["lee"], orgs["c"].id, NOW, 1, 50)
    assert figures(only_c) == [LEE_SEES[1]]
    theirs, _ = staff_counts(staff["oli"], None, NOW, 1, 50)
    assert figures(theirs) == [("Cat Carer", 0, 1, 0, 0, 0), ("Oli Other", 0, 0, 0, 0, 0)]
    second, pages = staff_counts(staff["lee"], None, NOW, 2, 3)
    assert figures(second) == [LEE_SEES[3]] and (pages.page, pages.pages) == (2, 2)


def test_nobody_but_a_lead_has_staff(db, staff, make_user):
    practitioner = make_user(agency=staff["ann"].agency)
    appoint(db, practitioner, staff["ann"].agency)  # a row alone does not make them a lead
    assert staff_counts(practitioner, None, NOW, 1, 50)[0] == []
    assert policy.lead_agency_ids(practitioner) == frozenset()
    assert not policy.may_lead_person(practitioner, staff["ann"])


def test_staff_page_shows_the_counts_and_filters_by_organisation(client, db, login, staff, orgs):
    login(staff["lee"])
    page = client.get("/agency/staff").get_data(as_text=True)
    assert "4 people" in page and "Gil Gone" not in page and "Cat Carer" not in page
    ann_row = page.split("Ann Able</a>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in ann_row.split('govuk-table__cell--numeric">')[1:]]
    assert cells == ["3", "1", "1", "1", "0"]
    only_c = client.get(f"/agency/staff?organisation={orgs['c'].id}").get_data(as_text=True)
    assert "Bob Baker" in only_c and "Ann Able" not in only_c and "1 person" in only_c
    assert client.get(f"/agency/staff?organisation={orgs['b'].id}").status_code == 403
    assert client.get("/agency/staff?organisation=999999").status_code == 404
    assert client.get("/agency/staff?organisation=junk").status_code == 404


def read_csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_holds_only_the_leads_organisations(client, db, login, staff, orgs):
    login(staff["lee"])
    header, *rows = read_csv(client.get("/agency/staff.csv"))
    assert header[:10] == [
        "Name",
        "Email",
        "Organisation",
        "Job role",
        "Account",
        "Upcoming bookings",
        "Attended (last 12 months)",
        "Did not attend (last 12 months)",
        "Late cancellations (last 12 months)",
        "Awaiting approval",
    ]
    assert [(r[0], r[2], *map(int, r[5:10])) for r in rows] == [
        (name, org, *numbers)
        for (name, *numbers), org in zip(
            LEE_SEES, ["Portsmouth Primary School", "Fareham College", "Portsmouth Primary School"] * 2, strict=False
        )
    ]
    assert {r[10] for r in rows} == {"2027-03-05 10:00"}
    assert client.get(f"/agency/staff.csv?organisation={orgs['b'].id}").status_code == 403
    login(staff["oli"])
    _, *theirs = read_csv(client.get("/agency/staff.csv"))
    assert [r[0] for r in theirs] == ["Cat Carer", "Oli Other"]
    assert client.get(f"/agency/staff.csv?organisation={orgs['a'].id}").status_code == 403


def test_a_lead_is_refused_another_organisations_people(client, db, login, post_form, staff, make_session):
    login(staff["oli"])
    for path in (f"/agency/staff/{staff['ann'].id}", f"/agency/staff/{staff['ann'].id}/book"):
        assert client.get(path).status_code == 403, path
    bobs = db.session.scalars(select(Booking).where(Booking.user_id == staff["bob"].id)).one()
    assert client.get(f"/agency/approvals/{bobs.id}").status_code == 403
    assert "Bob Baker" not in client.get("/agency/approvals").get_data(as_text=True)
    token_page = "/agency/approvals"  # a page of theirs, for a CSRF token
    refused = post_form(token_page, {"decision": "approve"}, url=f"/agency/approvals/{bobs.id}")
    assert refused.status_code == 403
    refused = post_form(token_page, {"session_id": str(make_session().id)}, url=f"/agency/staff/{staff['ann'].id}/book")
    assert refused.status_code == 403
    db.session.refresh(bobs)
    assert bobs.status == BookingStatus.AWAITING_APPROVAL
    # Unknown ids are 404s; a closed account is as good as unknown.
    for path in ("/agency/staff/999999", "/agency/approvals/999999", f"/agency/staff/{staff['gone'].id}"):
        assert client.get(path).status_code == 404, path


def test_person_page_shows_bookings_states_and_attended_training(client, db, login, staff):
    login(staff["lee"])
    page = client.get(f"/agency/staff/{staff['ann'].id}").get_data(as_text=True)
    assert page.count("govuk-tag--green") >= 2  # confirmed and attended
    for label in ("Attended", "Did not attend", "Waiting list", "Postponed", "Cancelled", "(late cancellation)"):
        assert label in page, label
    record = page.split("Training attended", 1)[1]
    assert record.count("Attended a session") == 2 and "Level 3" in record


@pytest.fixture
def approval_course(make_course):
    return make_course("DSL refresher", requires_manager_approval=True)


def with_manager(db, person):
    person.manager_name, person.manager_email = "Sam Head", "sam@school.example"
    db.session.commit()
    return person


def places(db, session_id):
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == session_id, Booking.status.in_(BookingStatus.HOLDS_PLACE)
        )
    )


def test_lead_approves_in_place_of_the_manager(client, db, login, post_form, staff, make_session, approval_course):
    course_session = make_session(course=approval_course, capacity=1, starts_in=timedelta(days=30))
    held = book_place(with_manager(db, staff["ann"]), course_session.id).booking
    db.session.commit()
    assert places(db, course_session.id) == 1
    login(staff["lee"])
    listed = client.get("/agency/approvals").get_data(as_text=True)
    assert "Ann Able" in listed and "DSL refresher" in listed
    answered = post_form(f"/agency/approvals/{held.id}", {"decision": "approve", "reason": ""})
    assert answered.status_code == 302
    db.session.refresh(held)
    assert held.status == BookingStatus.CONFIRMED and held.confirmed_at == NOW
    assert places(db, course_session.id) == 1
    event_row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.approved")).one()
    assert event_row.actor_id == staff["lee"].id
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == staff["ann"].email)).all()[-1]
    assert "Lee Lead, your organisation's training lead, has approved your booking" in told.body_text
    again = client.get(f"/agency/approvals/{held.id}").get_data(as_text=True)
    assert "This booking is approved: Ann Able has the place." in again


def test_lead_declines_with_a_reason_and_the_place_goes_on(
    client, db, login, post_form, staff, make_user, make_session, approval_course
):
    course_session = make_session(course=approval_course, capacity=1, starts_in=timedelta(days=30))
    held = book_place(with_manager(db, staff["ann"]), course_session.id).booking
    waiting = book_place(with_manager(db, make_user(name="Kit Next")), course_session.id)
    db.session.commit()
    assert waiting.waitlist_position == 1
    login(staff["lee"])
    path = f"/agency/approvals/{held.id}"
    refused = post_form(path, {"decision": "decline", "reason": ""})
    assert refused.status_code == 200
    assert "Enter the reason you are declining" in refused.get_data(as_text=True)
    assert post_form(path, {"decision": "decline", "reason": "Not in post after April"}).status_code == 302
    db.session.refresh(held)
    assert held.status == BookingStatus.CANCELLED and held.cancelled_by_id is None
    assert held.cancel_reason == (
        "Your organisation's training lead, Lee Lead, did not approve this booking: Not in post after April"
    )
    # The place went to the next person waiting, whose own manager is now asked.
    db.session.refresh(waiting.booking)
    assert waiting.booking.status == BookingStatus.AWAITING_APPROVAL
    assert places(db, course_session.id) == 1
    page = client.get(f"/agency/staff/{staff['ann'].id}").get_data(as_text=True)
    assert "Not approved" in page


def test_lead_books_staff_onto_a_session_by_the_same_rules(
    client, db, login, post_form, staff, make_session, approval_course
):
    course_session = make_session(capacity=1, starts_in=timedelta(days=10))
    login(staff["lee"])
    path = f"/agency/staff/{staff['ann'].id}/book"
    form = client.get(path).get_data(as_text=True)
    assert course_session.course.title in form
    booked = post_form(path, {"session_id": str(course_session.id)})
    assert booked.status_code == 302
    made = db.session.scalars(select(Booking).where(Booking.session_id == course_session.id)).one()
    assert (made.user_id, made.status) == (staff["ann"].id, BookingStatus.CONFIRMED)
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.created")).all()[-1]
    assert created.actor_id == staff["lee"].id
    # The same person again: refused beside the field, not a 500.
    again = post_form(path, {"session_id": str(course_session.id)})
    assert again.status_code == 200 and "already has a booking for this session" in again.get_data(as_text=True)
    # Full: Bob joins the waiting list.
    assert post_form(f"/agency/staff/{staff['bob'].id}/book", {"session_id": str(course_session.id)}).status_code == 302
    bobs = db.session.scalars(select(Booking).where(Booking.session_id == course_session.id).order_by(Booking.id))
    assert [b.status for b in bobs] == [BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    # A course that needs a manager's approval, for someone who has not named one.
    needs = make_session(course=approval_course, starts_in=timedelta(days=12))
    refused = post_form(path, {"session_id": str(needs.id)})
    assert refused.status_code == 200 and "line manager" in refused.get_data(as_text=True)
    for junk in ("", "junk", "999999"):
        answer = post_form(path, {"session_id": junk})
        assert answer.status_code == 200, junk
        assert "There is a problem" in answer.get_data(as_text=True)


# ---------------------------------------------------------------- appointing


def test_partnership_admin_appoints_and_removes_a_lead(client, db, login, post_form, make_user, hscp_admin, orgs):
    person = make_user(name="Pat Person", agency=orgs["c"])  # Fareham College is in Hampshire's area
    login(hscp_admin)
    page = client.get(f"/admin/users/{person.id}/lead").get_data(as_text=True)
    assert "Fareham College" in page and "Portsmouth Primary School" not in page  # not Hampshire's
    assert post_form(f"/admin/users/{person.id}/lead", {"agency_id": str(orgs["c"].id)}).status_code == 302
    db.session.refresh(person)
    assert person.role == Role.AGENCY_LEAD and policy.lead_agency_ids(person) == {orgs["c"].id}
    # An organisation of another area is refused, even if posted.
    refused = post_form(f"/admin/users/{person.id}/lead", {"agency_id": str(orgs["a"].id)})
    assert refused.status_code == 200 and "You cannot appoint leads for that organisation" in refused.get_data(
        as_text=True
    )
    removed = post_form(
        f"/admin/users/{person.id}/lead", {}, url=f"/admin/users/{person.id}/lead/{orgs['c'].id}/remove"
    )
    assert removed.status_code == 302
    db.session.refresh(person)
    assert person.role == Role.PRACTITIONER and policy.lead_agency_ids(person) == frozenset()
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == person.id)).all()
    assert actions == ["user.lead_appointed", "user.role_changed", "user.lead_removed", "user.role_changed"]


def test_removing_one_of_two_keeps_the_lead(db, make_user, system_admin, orgs):
    person = make_user(name="Pat Person", agency=orgs["a"])
    appoint_lead(system_admin, person, orgs["a"])
    appoint_lead(system_admin, person, orgs["b"])
    assert remove_lead(system_admin, person, orgs["a"]) is True
    assert person.role == Role.AGENCY_LEAD and policy.lead_agency_ids(person) == {orgs["b"].id}
    with pytest.raises(AppointmentError):
        remove_lead(system_admin, person, orgs["a"])
    with pytest.raises(AppointmentError):
        appoint_lead(system_admin, person, orgs["b"])  # already


def test_only_practitioners_are_appointed_and_the_role_form_leaves_leads_alone(
    db, make_user, system_admin, iow_admin, orgs
):
    trainer = make_user("trainer", agency=orgs["a"])
    with pytest.raises(AppointmentError, match="only practitioners"):
        appoint_lead(system_admin, trainer, orgs["a"])
    person = make_user(agency=orgs["a"])
    with pytest.raises(AppointmentError, match="cannot appoint"):
        appoint_lead(iow_admin, person, orgs["a"])  # Portsmouth's organisation
    appoint_lead(system_admin, person, orgs["a"])
    with pytest.raises(RoleError, match="appointed to an organisation"):
        set_role(system_admin, person, Role.TRAINER)
    with pytest.raises(RoleError, match="appointed to an organisation"):
        set_role(system_admin, make_user(), Role.AGENCY_LEAD)


def test_a_lead_lands_on_their_staff_and_has_it_in_the_menu(db, staff):
    lee = staff["lee"]
    assert policy.home_endpoint(lee) == "agency.staff"
    assert [item.endpoint for item in policy.nav_items(lee)] == [
        "catalogue.index",
        "bookings.my_training",
        "agency.staff",
        "auth.account",
        "catalogue.help",
    ]
    assert policy.may_lead_person(lee, staff["bob"]) and not policy.may_lead_person(lee, staff["cat"])
    assert not policy.may_lead_person(lee, staff["gone"])


# ---------------------------------------------------------------- statements


def count_statements(db, client, url):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE opens a transaction: not a query
            statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_staff_list_statements_do_not_grow_with_people_or_bookings(
    client, db, login, staff, orgs, make_user, make_session
):
    login(staff["lee"])
    few = count_statements(db, client, "/agency/staff")
    for n in range(6):
        person = make_user(name=f"Zed {n}", agency=orgs["c" if n % 2 else "a"])
        booking(db, make_session(starts_in=timedelta(days=-5)), person, BookingStatus.ATTENDED)
        booking(db, make_session(starts_in=timedelta(days=5)), person, BookingStatus.CONFIRMED)
    many = count_statements(db, client, "/agency/staff")
    assert many == few
    assert "10 people" in client.get("/agency/staff").get_data(as_text=True)


def test_merging_an_organisation_moves_its_leads_with_its_people(db, make_user, system_admin, orgs):
    from training_app.admin.organisation_services import merge_organisation

    lee, oli = make_user(agency=orgs["a"]), make_user(agency=orgs["b"])
    appoint_lead(system_admin, lee, orgs["a"])
    appoint_lead(system_admin, lee, orgs["b"])
    appoint_lead(system_admin, oli, orgs["b"])
    merge_organisation(system_admin, orgs["b"], orgs["a"])
    db.session.commit()
    assert policy.lead_agency_ids(lee) == {orgs["a"].id}
    assert policy.lead_agency_ids(oli) == {orgs["a"].id}
    assert db.session.scalar(select(func.count()).select_from(AgencyLead)) == 2


def test_closing_a_leads_account_ends_their_appointments_and_export_lists_them(db, make_user, system_admin, orgs):
    from training_app.privacy.services import close_account, export_data

    lee = make_user(agency=orgs["a"])
    appoint_lead(system_admin, lee, orgs["a"])
    appoint_lead(system_admin, lee, orgs["c"])
    db.session.commit()
    assert export_data(lee)["profile"]["leads_training_for"] == ["Fareham College", "Portsmouth Primary School"]
    close_account(lee, lee)
    db.session.commit()
    assert lee.role == Role.PRACTITIONER
    assert db.session.scalar(select(func.count()).select_from(AgencyLead)) == 0


def test_a_deactivated_member_of_staff_is_not_booked_on(client, db, login, post_form, staff, make_session):
    course_session = make_session(starts_in=timedelta(days=10))
    staff["ann"].deactivated_at = NOW
    db.session.commit()
    login(staff["lee"])
    path = f"/agency/staff/{staff['ann'].id}/book"
    refused = post_form(path, {"session_id": str(course_session.id)})
    assert refused.status_code == 200 and "account is deactivated" in refused.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == course_session.id)) == 0
    )


def test_a_leads_view_of_a_person_is_audited(client, db, login, staff):
    login(staff["lee"])
    assert client.get(f"/agency/staff/{staff['ann'].id}").status_code == 200
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.viewed")).one()
    assert (viewed.actor_id, viewed.target_id) == (staff["lee"].id, staff["ann"].id)


def test_a_lead_reads_their_staffs_full_record_but_not_another_organisations(client, db, login, staff):
    login(staff["lee"])
    page = client.get(f"/agency/staff/{staff['ann'].id}").get_data(as_text=True)
    assert f'href="/records/people/{staff["ann"].id}"' in page
    record = client.get(f"/records/people/{staff['ann'].id}")
    assert record.status_code == 200 and "Training record: Ann Able" in record.get_data(as_text=True)
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.viewed")).one()
    assert (viewed.actor_id, viewed.target_id) == (staff["lee"].id, staff["ann"].id)
    assert client.get(f"/records/people/{staff['cat'].id}").status_code == 403  # Cat works for B
    assert client.get(f"/records/people/{staff['cat'].id}/record.csv").status_code == 403


def test_a_lead_sees_compliance_for_their_staff_only(client, db, login, staff, orgs):
    from training_app.models import RequirementStatus as S
    from training_app.models import TrainingRequirement
    from training_app.records.compliance import ComplianceFilters, compliance_figures

    level3 = TrainingRequirement(name="Level 3", level=3, validity_months=36)
    db.session.add(level3)
    db.session.commit()
    today = NOW.date()
    # Lee's staff: Ann and Mo attended Level 3 (current); Bob and Lee never; Gil's account is closed.
    [lee_sees] = compliance_figures(staff["lee"], ComplianceFilters(), [level3], today)
    assert {status: lee_sees.counts.get(status, 0) for status in S} == {
        S.CURRENT: 2,
        S.DUE: 0,
        S.EXPIRED: 0,
        S.NEVER: 2,
    }
    [only_c] = compliance_figures(staff["lee"], ComplianceFilters(agency_id=orgs["c"].id), [level3], today)
    assert only_c.counts.get(S.NEVER, 0) == 1 and only_c.total == 1
    [oli_sees] = compliance_figures(staff["oli"], ComplianceFilters(), [level3], today)
    assert (oli_sees.counts.get(S.CURRENT, 0), oli_sees.total) == (1, 2)
    # Asking for another organisation's staff gives nobody.
    [none] = compliance_figures(staff["lee"], ComplianceFilters(agency_id=orgs["b"].id), [level3], today)
    assert none.total == 0
    login(staff["lee"])
    page = client.get("/records/compliance")
    assert page.status_code == 200 and "Cat Carer" not in page.get_data(as_text=True)
    names = client.get(f"/records/compliance/requirements/{level3.id}/people?status=never").get_data(as_text=True)
    assert "Bob Baker" in names and "Cat Carer" not in names
    assert "Cat Carer" not in client.get("/records/compliance.csv").get_data(as_text=True)
    login(staff["ann"])  # a member of staff, not a lead
    assert client.get("/records/compliance").status_code == 403
