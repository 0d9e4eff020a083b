"""Reference data managed in the app: organisations (approve, rename, merge, retire) and partnerships.

A person whose organisation is not listed names it at registration and can use their account at once;
the organisation waits for an administrator, who approves it (perhaps renamed) or merges it into an
existing one, moving its people, bookings and evaluation answers so that reports show one organisation.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from training_app import clock
from training_app.admin.organisation_services import (
    OrganisationError,
    merge_organisation,
    request_organisation,
)
from training_app.models import (
    Agency,
    AuditEvent,
    Booking,
    BookingStatus,
    EvaluationResponse,
    OrganisationStatus,
    Partnership,
    User,
)
from training_app.models.evaluations import EvaluationForm
from training_app.reports.reach import reach_report
from training_app.reports.scope import ReportFilters

NEW_PERSON = {
    "name": "Morgan Coach",
    "job_role": "Youth worker",
    "external_level_completed": "",
    "email": "morgan@sailing.example",
    "password": "harbour-violet-kettle",
}


def anonymous_page(app, url):
    """`url` as someone not signed in sees it (a client of its own, so the test's client stays signed in)."""
    return app.test_client().get(url).get_data(as_text=True)


def register(post_form, **fields):
    return post_form("/register", {**NEW_PERSON, **fields})


def not_listed(name, sector="Voluntary and community", partnership_id=""):
    return {
        "agency_id": "not_listed",
        "new_organisation_name": name,
        "new_organisation_sector": sector,
        "new_organisation_partnership_id": str(partnership_id),
    }


def agencies(db):
    return db.session.scalars(select(Agency).order_by(Agency.id)).all()


def audit(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# ---------------------------------------------------------------- registration


def test_system_admin_approves_a_persons_new_organisation(
    client, db, login, post_form, partnerships, make_agency, make_user, system_admin
):
    make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    hscp = partnerships["HSCP"].id
    response = register(post_form, **not_listed("Solent youth sailing club", partnership_id=hscp))
    assert "Check your email" in response.get_data(as_text=True)
    person = db.session.scalars(select(User).where(User.email == NEW_PERSON["email"])).one()
    club = person.agency
    assert (club.name, club.status, club.sector, club.partnership_id) == (
        "Solent youth sailing club",
        OrganisationStatus.PENDING,
        "Voluntary and community",
        hscp,
    )
    assert club.requested_by_id == person.id and club.created_at is not None

    # The person uses it at once; nobody else is offered it.
    person.email_confirmed_at = clock.now()
    db.session.commit()
    login(person)
    assert "Solent youth sailing club (awaiting approval)" in client.get("/account").get_data(as_text=True)
    assert "Solent youth sailing club" not in anonymous_page(client.application, "/register")

    # The system admin sees it waiting, renames it and approves it.
    login(system_admin)
    queue = client.get("/admin/organisations").get_data(as_text=True)
    assert "Waiting for approval (1)" in queue
    waiting = client.get("/admin/organisations?status=pending").get_data(as_text=True)
    assert "Solent youth sailing club" in waiting and "Hampshire Constabulary" not in waiting
    assert "Named by Morgan Coach" in waiting
    page = f"/admin/organisations/{club.id}/approve"
    approved = post_form(
        page, {"name": "Solent Youth Sailing Club", "sector": "Voluntary and community", "partnership_id": str(hscp)}
    )
    assert approved.status_code == 302
    db.session.refresh(club)
    assert (club.name, club.status) == ("Solent Youth Sailing Club", OrganisationStatus.APPROVED)
    (event_,) = audit(db, "organisation.approved")
    assert event_.actor_id == system_admin.id and event_.target_id == club.id
    assert event_.details["changes"] == {
        "name": {"before": "Solent youth sailing club", "after": "Solent Youth Sailing Club"}
    }
    assert "Waiting for approval (0)" in client.get("/admin/organisations").get_data(as_text=True)
    # Approving twice is refused politely.
    assert client.get(page).status_code == 302

    # Now everyone is offered it.
    assert "Solent Youth Sailing Club (Voluntary and community)" in anonymous_page(client.application, "/register")


def test_register_works_with_no_organisations_at_all(client, db, post_form, partnerships):
    assert agencies(db) == []
    page = client.get("/register").get_data(as_text=True)
    assert "My organisation is not listed" in page
    response = register(post_form, **not_listed("Ryde Community Nursery", "Early years", partnerships["IOWSCP"].id))
    assert "Check your email" in response.get_data(as_text=True)
    (nursery,) = agencies(db)
    assert (nursery.name, nursery.status, nursery.partnership_id) == (
        "Ryde Community Nursery",
        OrganisationStatus.PENDING,
        partnerships["IOWSCP"].id,
    )
    assert db.session.scalars(select(User)).one().agency_id == nursery.id


@pytest.mark.parametrize(
    "fields,message",
    [
        (not_listed(""), "Enter the name of your organisation"),
        (not_listed("Ryde Nursery", sector=""), "Select your organisation&#39;s sector"),
        (not_listed("Ryde Nursery", sector="Astronauts"), "Not a valid choice"),
        (not_listed("Ryde Nursery", partnership_id="999"), "Not a valid choice"),
        ({"agency_id": ""}, "Select your organisation, or choose"),
        ({}, "Select your organisation, or choose"),
    ],
)
def test_not_listed_needs_a_name_and_sector(client, db, post_form, partnerships, fields, message):
    response = register(post_form, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert agencies(db) == [] and db.session.scalar(select(func.count(User.id))) == 0


def test_not_listed_name_of_a_listed_organisation_joins_it(client, db, post_form, make_agency):
    police = make_agency("Hampshire Constabulary", "Police")
    register(post_form, **not_listed("  hampshire CONSTABULARY ", sector="Other"))
    assert agencies(db) == [police] and police.status == OrganisationStatus.APPROVED
    assert db.session.scalars(select(User)).one().agency_id == police.id


def test_not_listed_name_of_a_merged_one_leads_to_where_it_went(db, make_agency, system_admin):
    police = make_agency("Hampshire Constabulary", "Police")
    typo = make_agency("Hampshire Constab", "Police")
    merge_organisation(system_admin, typo, police)
    assert request_organisation(None, "hampshire constab", "Police", None) == police


def test_not_listed_name_of_a_retired_one_is_refused(client, db, post_form, make_agency):
    closed = make_agency("Sure Start Cowes", "Early years")
    closed.status = OrganisationStatus.RETIRED
    db.session.commit()
    page = register(post_form, **not_listed("sure start cowes", "Early years")).get_data(as_text=True)
    assert "‘Sure Start Cowes’ is no longer in use" in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_account_page_can_name_a_new_organisation(client, db, login, post_form, make_user, make_agency):
    person = login(make_user())
    response = post_form(
        "/account",
        {"name": person.name, "job_role": "Health visitor", **not_listed("Wight Family Hub", "Health")},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.agency.name, person.agency.status, person.agency.requested_by_id) == (
        "Wight Family Hub",
        OrganisationStatus.PENDING,
        person.id,
    )
    # Saving again keeps it although it is not approved: it is theirs.
    again = post_form("/account", {"name": "New Name", "job_role": "Nurse", "agency_id": str(person.agency_id)})
    assert again.status_code == 302
    # Someone else cannot pick a pending organisation that is not theirs.
    other = login(make_user(agency=make_agency("Solent NHS Trust 2")))
    refused = post_form("/account", {"name": other.name, "job_role": "Nurse", "agency_id": str(person.agency_id)})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)


# ---------------------------------------------------------------- merging


@pytest.fixture
def duplicate(db, partnerships, make_agency, make_user, make_session):
    """Two organisations that are one: four people and bookings (one per person) under the duplicate,
    one person under the real one, and one evaluation answer under the duplicate."""
    real = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    dupe = make_agency("Hants Police", "Other", partnerships["HSCP"])
    dupe.status = OrganisationStatus.PENDING
    past = make_session(starts_in=-timedelta(days=10))
    people = [make_user(agency=dupe, name=f"Officer {n}") for n in range(4)] + [make_user(agency=real)]
    bookings = [
        Booking(session=past, user=p, status=BookingStatus.ATTENDED, agency_id=p.agency_id, confirmed_at=clock.now())
        for p in people
    ]
    db.session.add_all(bookings)
    form = EvaluationForm(course=past.course, stage="pre", version=1, questions=[])
    answer = EvaluationResponse(
        form=form,
        course=past.course,
        session=past,
        booking=bookings[0],
        user=people[0],
        pair_key="p0",
        stage="pre",
        agency_id=dupe.id,
        sector="Other",
    )
    db.session.add_all([form, answer])
    db.session.commit()
    return real, dupe, answer


def reach_by_agency(actor):
    today = clock.now().date()
    report = reach_report(actor, ReportFilters(date_from=today - timedelta(days=365), date_to=today))
    return [(row.label, row.detail, row.delegates, row.practitioners) for row in report.by_agency]


def test_merge_moves_people_bookings_and_answers_and_reach_shows_one_organisation(
    client, db, login, post_form, duplicate, system_admin
):
    real, dupe, answer = duplicate
    assert reach_by_agency(system_admin) == [
        ("Hants Police (awaiting approval)", "Other", 4, 4),
        ("Hampshire Constabulary", "Police", 1, 1),
    ]
    login(system_admin)
    choose = client.get(f"/admin/organisations/{dupe.id}/merge").get_data(as_text=True)
    assert f'value="{real.id}"' in choose and f'value="{dupe.id}"' not in choose
    confirm = client.get(f"/admin/organisations/{dupe.id}/merge?target_id={real.id}").get_data(as_text=True)
    assert 'id="people-moving">4<' in confirm and 'id="bookings-moving">4<' in confirm
    assert dupe.status == OrganisationStatus.PENDING  # nothing moved yet
    done = post_form(f"/admin/organisations/{dupe.id}/merge?target_id={real.id}", {"target_id": str(real.id)})
    assert done.status_code == 302
    db.session.expire_all()
    assert (dupe.status, dupe.merged_into_id) == (OrganisationStatus.MERGED, real.id)
    assert db.session.scalar(select(func.count(User.id)).where(User.agency_id == real.id)) == 5
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.agency_id == dupe.id)) == 0
    assert (answer.agency_id, answer.sector) == (real.id, "Police")
    (event_,) = audit(db, "organisation.merged")
    assert event_.target_id == dupe.id and event_.actor_id == system_admin.id
    assert {k: event_.details[k] for k in ("into_id", "people", "bookings", "evaluation_responses")} == {
        "into_id": real.id,
        "people": 4,
        "bookings": 4,
        "evaluation_responses": 1,
    }
    assert reach_by_agency(system_admin) == [("Hampshire Constabulary", "Police", 5, 5)]
    # The merged row is kept, read-only, and cannot be merged again.
    kept = client.get(f"/admin/organisations/{dupe.id}/edit").get_data(as_text=True)
    assert "was merged into" in kept and '<form method="post"' not in kept
    assert client.get(f"/admin/organisations/{dupe.id}/merge").status_code == 404


def test_merge_refuses_itself_and_unapproved_targets(db, duplicate, system_admin, make_agency):
    real, dupe, _ = duplicate
    with pytest.raises(OrganisationError):
        merge_organisation(system_admin, real, real)
    with pytest.raises(OrganisationError):
        merge_organisation(system_admin, real, dupe)  # dupe is pending


def test_merge_posted_with_a_target_not_offered_changes_nothing(client, db, login, post_form, duplicate, iow_admin):
    real, dupe, _ = duplicate
    iow_own = Agency(name="Isle of Wight NHS Trust", sector="Health", partnership_id=iow_admin.partnership_id)
    db.session.add(iow_own)
    db.session.commit()
    login(iow_admin)
    # Not theirs to merge, nor to merge into.
    assert client.get(f"/admin/organisations/{dupe.id}/merge").status_code == 403
    response = post_form(f"/admin/organisations/{iow_own.id}/merge", {"target_id": str(real.id)})
    assert response.status_code == 200 and "Choose one of the listed options" in response.get_data(as_text=True)
    db.session.expire_all()
    assert iow_own.status == OrganisationStatus.APPROVED and audit(db, "organisation.merged") == []


# ---------------------------------------------------------------- retiring


def test_retired_organisation_is_not_offered_but_keeps_its_people_and_history(
    client, db, login, post_form, duplicate, system_admin
):
    real, _, _ = duplicate
    member = db.session.scalars(select(User).where(User.agency_id == real.id)).one()
    login(system_admin)
    confirm = client.get(f"/admin/organisations/{real.id}/retire").get_data(as_text=True)
    assert "The 1 person already in it keep it" in confirm and "its 1 booking" in confirm
    assert post_form(f"/admin/organisations/{real.id}/retire", {}).status_code == 302
    db.session.expire_all()
    assert real.status == OrganisationStatus.RETIRED and member.agency_id == real.id
    assert ("Hampshire Constabulary", "Police", 1, 1) in reach_by_agency(system_admin)
    assert "Hampshire Constabulary" not in anonymous_page(client.application, "/register")
    login(member)
    assert "Hampshire Constabulary" in client.get("/account").get_data(as_text=True)
    kept = post_form("/account", {"name": member.name, "job_role": "PC", "agency_id": str(real.id)})
    assert kept.status_code == 302
    login(system_admin)
    assert post_form(f"/admin/organisations/{real.id}/reinstate", {}).status_code == 302
    db.session.expire_all()
    assert real.status == OrganisationStatus.APPROVED
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))][-2:] == [
        "organisation.retired",
        "organisation.reinstated",
    ]


# ---------------------------------------------------------------- who may do what


def test_partnership_admin_manages_only_their_areas_organisations(
    client, db, login, post_form, partnerships, make_agency, iow_admin
):
    hants = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    wight = make_agency("Isle of Wight Council", "Local authority", partnerships["IOWSCP"])
    everywhere = make_agency("NSPCC", "Voluntary and community", None)
    login(iow_admin)
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Isle of Wight Council" in listing and "Hampshire Constabulary" not in listing and "NSPCC" not in listing
    for other in (hants, everywhere):
        for action in ("edit", "approve", "merge", "retire", "reinstate"):
            assert client.get(f"/admin/organisations/{other.id}/{action}").status_code == 403, action
        token_page = f"/admin/organisations/{wight.id}/edit"
        for action in ("edit", "retire", "merge"):
            response = post_form(
                token_page, {"name": "Taken over", "sector": "Police"}, url=f"/admin/organisations/{other.id}/{action}"
            )
            assert response.status_code == 403, action
    # A new organisation goes in their own area, whatever the form says.
    created = post_form(
        "/admin/organisations/new",
        {
            "name": "Cowes Sailing Trust",
            "sector": "Voluntary and community",
            "partnership_id": str(hants.partnership_id),
        },
    )
    assert created.status_code == 302
    new = db.session.scalars(select(Agency).where(Agency.name == "Cowes Sailing Trust")).one()
    assert new.partnership_id == partnerships["IOWSCP"].id and new.status == OrganisationStatus.APPROVED
    # Editing cannot move one out of their area either.
    edited = post_form(
        f"/admin/organisations/{wight.id}/edit",
        {"name": "Isle of Wight Council", "sector": "Local authority", "partnership_id": str(hants.partnership_id)},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert wight.partnership_id == partnerships["IOWSCP"].id
    assert (hants.name, hants.status, everywhere.name) == (
        "Hampshire Constabulary",
        OrganisationStatus.APPROVED,
        "NSPCC",
    )


@pytest.mark.parametrize("role", ["practitioner", "trainer", "partnership_admin"])
def test_only_system_admins_change_partnerships(client, db, login, post_form, make_user, partnerships, role):
    person = login(make_user(role, partnership="HSCP" if role == "partnership_admin" else None))
    hscp = partnerships["HSCP"]
    token_page = "/account"
    for url, data in [
        ("/admin/partnerships/new", {"code": "XSCP", "name": "X"}),
        (f"/admin/partnerships/{hscp.id}/edit", {"name": "Renamed"}),
        (f"/admin/partnerships/{hscp.id}/retire", {}),
    ]:
        assert post_form(token_page, data, url=url).status_code == 403, (person.role, url)
    db.session.expire_all()
    assert (hscp.name, hscp.retired_at) == ("Hampshire Safeguarding Children Partnership", None)
    assert db.session.scalar(select(func.count(Partnership.id))) == 4


def test_existing_organisation_name_is_refused_case_insensitively(
    client, db, login, post_form, make_agency, system_admin
):
    make_agency("Portsmouth City Council", "Local authority")
    db.session.commit()
    login(system_admin)  # in the fixtures' "Solent NHS Trust"
    page = post_form("/admin/organisations/new", {"name": "PORTSMOUTH city  council", "sector": "Health"})
    assert "There is already an organisation called ‘Portsmouth City Council’" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Agency.id))) == 2


# ---------------------------------------------------------------- partnerships


def test_system_admin_adds_renames_and_retires_a_partnership(
    client, db, login, post_form, partnerships, make_user, make_course, system_admin
):
    login(system_admin)
    bad = post_form("/admin/partnerships/new", {"code": "x y", "name": "Test"}).get_data(as_text=True)
    assert "Enter a code of 2 to 10 letters or digits" in bad
    taken = post_form("/admin/partnerships/new", {"code": "hscp", "name": "Another"}).get_data(as_text=True)
    assert "There is already a partnership with the code HSCP" in taken
    assert post_form("/admin/partnerships/new", {"code": "wscp", "name": "Wessex Partnership"}).status_code == 302
    wessex = db.session.scalars(select(Partnership).where(Partnership.code == "WSCP")).one()
    renamed = post_form(f"/admin/partnerships/{wessex.id}/edit", {"name": "Wessex Safeguarding Children Partnership"})
    assert renamed.status_code == 302
    listing = client.get("/admin/partnerships").get_data(as_text=True)
    assert "Wessex Safeguarding Children Partnership" in listing
    assert post_form(f"/admin/partnerships/{wessex.id}/retire", {}).status_code == 302
    db.session.expire_all()
    assert wessex.retired_at is not None and wessex.name == "Wessex Safeguarding Children Partnership"
    # No longer offered for new courses, organisations, admin appointments or registrations.
    option = f'value="{wessex.id}"'
    assert option not in client.get("/admin/courses/new").get_data(as_text=True)
    assert option not in client.get("/admin/organisations/new").get_data(as_text=True)
    person = make_user()
    assert option not in client.get(f"/admin/users/{person.id}/role").get_data(as_text=True)
    refused = post_form(
        "/admin/organisations/new", {"name": "Wessex Club", "sector": "Other", "partnership_id": str(wessex.id)}
    )
    assert refused.status_code == 200 and db.session.scalar(select(func.count(Agency.id))) == 1  # the default agency
    assert option not in anonymous_page(client.application, "/register")
    # Reinstated, it is offered again.
    assert post_form(f"/admin/partnerships/{wessex.id}/reinstate", {}).status_code == 302
    assert option in client.get("/admin/organisations/new").get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["partnership.created", "partnership.renamed", "partnership.retired", "partnership.reinstated"]


# ---------------------------------------------------------------- the list


def count_statements(db, client, url):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_organisations_list_takes_the_same_statements_for_few_or_many_rows(
    client, db, login, partnerships, make_agency, make_user, system_admin
):
    login(system_admin)
    for n in range(3):
        make_user(agency=make_agency(f"Few {n}", partnership=partnerships["HSCP"]))
    few = count_statements(db, client, "/admin/organisations")
    for n in range(30):
        agency = make_agency(f"Many {n}", partnership=partnerships["PSCP"])
        agency.status = OrganisationStatus.PENDING if n % 2 else OrganisationStatus.APPROVED
        make_user(agency=agency)
    many = count_statements(db, client, "/admin/organisations")
    assert few == many


def test_organisations_list_filters_searches_and_pages(client, db, login, partnerships, make_agency, system_admin):
    login(system_admin)
    for n in range(55):
        make_agency(f"School {n:02d}", "Education", partnerships["SSCP"])
    make_agency("Portsmouth Hospitals", "Health", partnerships["PSCP"]).status = OrganisationStatus.RETIRED
    db.session.commit()
    # The fixture's system admin belongs to "Solent NHS Trust" (SSCP): 57 organisations, 50 a page, by name.
    first = client.get("/admin/organisations").get_data(as_text=True)
    assert "57 organisations" in first and "School 48" in first and "School 49" not in first
    assert "School 49" in client.get("/admin/organisations?page=2").get_data(as_text=True)
    retired = client.get("/admin/organisations?status=retired").get_data(as_text=True)
    assert "1 organisation<" in retired and "Portsmouth Hospitals" in retired
    pscp = client.get("/admin/organisations?partnership=PSCP").get_data(as_text=True)
    assert "1 organisation<" in pscp
    search = client.get("/admin/organisations?q=school+1").get_data(as_text=True)
    assert "10 organisations" in search  # School 10 to School 19
    assert client.get("/admin/organisations?status=nonsense&partnership=NOPE&page=x").status_code == 200


def test_retiring_a_partnership_keeps_a_course_that_has_it(client, db, login, partnerships, make_course, system_admin):
    course = make_course(owner="PSCP")
    partnerships["PSCP"].retired_at = clock.now()
    db.session.commit()
    login(system_admin)
    page = client.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    pscp = partnerships["PSCP"].id
    assert f'<option value="{pscp}" selected>' in page


def test_system_admin_adds_an_organisation_covering_several_areas(client, db, login, post_form, system_admin):
    login(system_admin)
    response = post_form(
        "/admin/organisations/new", {"name": "NSPCC", "sector": "Voluntary and community", "partnership_id": ""}
    )
    assert response.status_code == 302
    nspcc = db.session.scalars(select(Agency).where(Agency.name == "NSPCC")).one()
    assert (nspcc.partnership_id, nspcc.status) == (None, OrganisationStatus.APPROVED)
    (created,) = audit(db, "organisation.created")
    assert created.actor_id == system_admin.id and created.details["partnership_id"] is None
