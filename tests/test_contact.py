"""Contact details and Help: which training team every page, error page and email names (training_app.contact),
the contact-details admin page, and the Help page."""

from datetime import datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, select, text

from training_app import clock, create_app
from training_app.bookings.services import book_place, cancel_booking
from training_app.contact import (
    ContactTeam,
    default_team,
    team_for_course,
    team_for_session,
    team_for_user,
)
from training_app.evaluations.invitations import send_evaluation_invitations
from training_app.extensions import db as _db
from training_app.models import AuditEvent, OutboxMessage, Partnership

IOW = ("iowscp.training@example.org", "01632 960 202", "Monday to Thursday, 9am to 4:30pm")
SSCP = ("sscp.training@example.org", "01632 960 404", "Monday to Friday, 9am to 5pm")
PSCP = ("pscp.training@example.org", None, None)
DEFAULT_EMAIL = "training@hips-safeguarding.example"


@pytest.fixture
def contacts(db, partnerships):
    """IOWSCP, SSCP and PSCP (email only) have contact details; HSCP has none yet."""
    for code, (email, phone, hours) in {"IOWSCP": IOW, "SSCP": SSCP, "PSCP": PSCP}.items():
        partnership = partnerships[code]
        partnership.contact_email, partnership.contact_phone, partnership.opening_hours = email, phone, hours
    db.session.commit()
    return partnerships


def outbox(db, to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
    ).all()


IOW_EMAIL_ENDING = (
    "--\n"
    "Questions? Contact the training team: Isle of Wight Safeguarding Children Partnership\n"
    "Email: iowscp.training@example.org\n"
    "Phone: 01632 960 202\n"
    "Opening hours: Monday to Thursday, 9am to 4:30pm\n"
)


# --- the one rule --------------------------------------------------------------------------------


def test_team_for_session_course_and_person(app, db, contacts, make_course, make_session, make_user, make_agency):
    iow_course = make_course(owner="IOWSCP")
    iow_session = make_session(course=iow_course)
    assert team_for_session(iow_session) == ContactTeam(
        name="Isle of Wight Safeguarding Children Partnership",
        email=IOW[0],
        phone=IOW[1],
        opening_hours=IOW[2],
        code="IOWSCP",
    )
    assert team_for_course(iow_course) == team_for_session(iow_session)
    # A partnership without contact details is answered for by the HIPS-wide team.
    hscp_session = make_session(course=make_course(owner="HSCP"))
    assert team_for_session(hscp_session) == default_team()
    assert default_team() == ContactTeam(
        name="HIPS safeguarding children partnerships",
        email=DEFAULT_EMAIL,
        phone=None,
        opening_hours="Monday to Friday, 9am to 5pm",
    )
    # A person's area: their partnership first, else their organisation's, else the HIPS-wide team.
    iow_admin = make_user("partnership_admin", partnership="IOWSCP")
    in_southampton = make_user(agency=make_agency("Southampton City Council", "Local authority", contacts["SSCP"]))
    nowhere = make_user(agency=make_agency("A national charity", "Voluntary and community", None))
    assert team_for_user(iow_admin).code == "IOWSCP"
    assert team_for_user(in_southampton).code == "SSCP"
    assert team_for_user(nowhere) == default_team()
    assert team_for_user(None) == default_team()


def test_default_team_comes_from_the_configuration(app, db):
    app.config.update(HELP_TEAM_NAME="HIPS team", HELP_EMAIL="help@example.org", HELP_PHONE="01632 960 999")
    try:
        assert default_team() == ContactTeam(
            name="HIPS team",
            email="help@example.org",
            phone="01632 960 999",
            opening_hours="Monday to Friday, 9am to 5pm",
        )
    finally:
        app.config.update(
            HELP_TEAM_NAME="HIPS safeguarding children partnerships", HELP_EMAIL=DEFAULT_EMAIL, HELP_PHONE=""
        )


# --- emails --------------------------------------------------------------------------------------


def test_session_email_names_the_team_running_the_session(db, contacts, make_course, make_session, make_user):
    """A Southampton delegate booking an Isle of Wight session is told to contact the Isle of Wight team."""
    delegate = make_user(email="delegate@example.org")  # works for Solent NHS Trust, in Southampton
    assert team_for_user(delegate).code == "SSCP"
    iow_session = make_session(course=make_course(owner="IOWSCP", title="Child exploitation"))
    book_place(delegate, iow_session.id)
    db.session.commit()
    (message,) = outbox(db, "delegate@example.org")
    assert message.subject == "Booking confirmed: Child exploitation"
    assert message.body_text.endswith(IOW_EMAIL_ENDING)
    assert SSCP[0] not in message.body_text


def test_every_booking_email_ends_with_the_session_team(db, contacts, make_course, make_session, make_user):
    # A month away: the freed place is confirmed at once (AUTO_CONFIRM_DAYS), not offered.
    iow_session = make_session(course=make_course(owner="IOWSCP"), capacity=1, starts_in=timedelta(days=30))
    first, second = make_user(email="first@example.org"), make_user(email="second@example.org")
    first_booking = book_place(first, iow_session.id).booking
    book_place(second, iow_session.id)  # waitlisted
    db.session.commit()
    cancel_booking(first, first_booking)  # cancelled, and the second is promoted
    db.session.commit()
    subjects = {}
    for message in db.session.scalars(select(OutboxMessage)):
        subjects[(message.to_address, message.subject.split(":")[0])] = message.body_text
    assert sorted(subjects) == [
        ("first@example.org", "Booking cancelled"),
        ("first@example.org", "Booking confirmed"),
        ("second@example.org", "You are on the waiting list"),
        ("second@example.org", "You have a place"),
    ]
    assert all(body.endswith(IOW_EMAIL_ENDING) for body in subjects.values())


def test_registration_email_names_the_persons_own_area(client, db, contacts, make_agency, post_form):
    agency = make_agency("Portsmouth City Council", "Local authority", contacts["PSCP"])
    response = post_form(
        "/register",
        {
            "name": "Rowan Officer",
            "agency_id": str(agency.id),
            "job_role": "Social worker",
            "external_level_completed": "",
            "email": "rowan@example.org",
            "password": "harbour-violet-kettle",
        },
    )
    assert response.status_code == 200
    (message,) = outbox(db, "rowan@example.org")
    assert message.subject == "Confirm your email address"
    # PSCP gave an email address only: no phone or opening hours lines.
    assert message.body_text.endswith(
        "--\nQuestions? Contact the training team: Portsmouth Safeguarding Children Partnership\n"
        "Email: pscp.training@example.org\n"
    )


def test_account_email_for_someone_outside_the_four_areas_names_the_hips_team(
    client, db, contacts, make_user, make_agency, post_form
):
    make_user(email="charity@example.org", agency=make_agency("A national charity", "Voluntary and community", None))
    post_form("/forgot-password", {"email": "charity@example.org"})
    (message,) = outbox(db, "charity@example.org")
    assert message.subject == "Reset your password"
    assert message.body_text.endswith(
        "--\nQuestions? Contact the training team: HIPS safeguarding children partnerships\n"
        f"Email: {DEFAULT_EMAIL}\nOpening hours: Monday to Friday, 9am to 5pm\n"
    )


def test_evaluation_invitation_names_the_session_team(app, db, contacts, make_course, make_session, make_user):
    delegate = make_user(email="delegate@example.org")
    iow_session = make_session(course=make_course(owner="IOWSCP"))
    book_place(delegate, iow_session.id)
    db.session.commit()
    with app.test_request_context():
        assert send_evaluation_invitations(clock.now(), lambda opening: "http://test/pre") == (1, 0)
    db.session.commit()
    invitation = outbox(db, "delegate@example.org")[-1]
    assert invitation.subject.startswith("Pre-course evaluation")
    assert invitation.body_text.endswith(IOW_EMAIL_ENDING)


def test_every_email_template_ends_with_the_contact_partial(app):
    from pathlib import Path

    folder = Path(app.template_folder) / "emails"
    templates = [path for path in folder.glob("*.txt") if not path.name.startswith("_")]
    assert len(templates) >= 13
    for path in templates:
        assert path.read_text().rstrip().endswith('{% include "emails/_contact.txt" %}'), path.name


# --- pages ---------------------------------------------------------------------------------------


def footer(html):
    return html.split('id="footer-contact">', 1)[1].split("</p>", 1)[0]


def test_footer_names_the_session_team_then_the_persons_area_then_hips(
    client, db, contacts, login, make_course, make_session, make_user
):
    iow_session = make_session(course=make_course(owner="IOWSCP", slug="iow-course"))
    session_id = iow_session.id
    # Signed out, on a page about nothing in particular: the HIPS-wide team.
    assert DEFAULT_EMAIL in footer(client.get("/").get_data(as_text=True))
    # On a page about an Isle of Wight session or course: its team, with a mailto link and the phone.
    on_session = footer(client.get(f"/sessions/{session_id}").get_data(as_text=True))
    assert 'href="mailto:iowscp.training@example.org"' in on_session
    assert 'href="tel:01632960202">01632 960 202</a>' in on_session
    assert "Isle of Wight Safeguarding Children Partnership" in on_session
    assert "(Monday to Thursday, 9am to 4:30pm)" in on_session
    assert IOW[0] in footer(client.get("/courses/iow-course").get_data(as_text=True))
    # Signed in (works in Southampton), elsewhere: their own area.
    login(make_user())
    assert SSCP[0] in footer(client.get("/").get_data(as_text=True))
    assert SSCP[0] in footer(client.get("/my-training").get_data(as_text=True))
    assert IOW[0] in footer(client.get(f"/sessions/{session_id}").get_data(as_text=True))


def test_footer_and_header_link_to_help(client, db):
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/help"') == 2  # the header navigation and the footer


def test_too_late_to_cancel_names_the_session_team(
    client, db, contacts, login, make_course, make_session, make_user, frozen_clock, post_form
):
    frozen_clock(datetime(2027, 3, 1, 10, 0))
    delegate = login(make_user())
    iow_session = make_session(course=make_course(owner="IOWSCP"), starts_in=timedelta(hours=20))
    booking = book_place(delegate, iow_session.id).booking
    db.session.commit()
    page = client.get("/my-training").get_data(as_text=True)
    assert (
        'Too late to cancel online: contact the training team, <a class="govuk-link" '
        'href="mailto:iowscp.training@example.org">Isle of Wight Safeguarding Children Partnership'
    ) in page
    refused = post_form(f"/bookings/{booking.id}/cancel", {}, follow_redirects=True).get_data(as_text=True)
    assert (
        "Contact the training team (Isle of Wight Safeguarding Children Partnership, iowscp.training@example.org)"
        in refused
    )


def error_contact(html):
    return html.split('id="error-contact">', 1)[1].split("</p>", 1)[0]


def test_error_pages_name_the_persons_team(client, db, contacts, login, make_user):
    assert DEFAULT_EMAIL in error_contact(client.get("/no-such-page").get_data(as_text=True))
    login(make_user())  # Southampton
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404 and SSCP[0] in error_contact(not_found.get_data(as_text=True))
    forbidden = client.get("/admin/")
    assert forbidden.status_code == 403
    assert 'href="mailto:sscp.training@example.org"' in error_contact(forbidden.get_data(as_text=True))


def test_busy_page_names_the_hips_team_without_the_database(app, db):
    from sqlalchemy.exc import OperationalError

    from training_app.errors import SQLITE_BUSY

    class Busy(Exception):
        sqlite_errorcode = SQLITE_BUSY

    with app.test_request_context():
        handler = app.error_handler_spec[None][None][OperationalError]
        response = handler(OperationalError("SELECT", {}, Busy()))
        html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert DEFAULT_EMAIL in error_contact(html)


@pytest.fixture
def failing_app(database_uri, db):
    """A second app on the test database that shows the 500 page (rather than raising, as tests do), with
    a route that fails; setting `fail["db"]` makes every later SQL statement fail as well."""
    fail = {"db": False}
    application = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_uri, "PROPAGATE_EXCEPTIONS": False, "SERVER_NAME": "localhost"}
    )

    @application.route("/boom")
    def boom():
        from flask_login import current_user

        assert current_user.is_authenticated  # the user is loaded before things go wrong
        fail["db"] = fail["then_database"]
        raise RuntimeError("something broke")

    with application.app_context():
        engine = _db.engine

        def refuse(*args):
            if fail["db"]:
                raise RuntimeError("the database is down")

        event.listen(engine, "before_cursor_execute", refuse)
    yield application, fail
    with application.app_context():
        event.remove(engine, "before_cursor_execute", refuse)
        _db.engine.dispose()


@pytest.mark.parametrize("database_down", [False, True])
def test_server_error_page_names_a_team_even_when_the_database_fails(
    failing_app, db, contacts, make_user, database_down
):
    application, fail = failing_app
    fail["then_database"] = database_down
    user = make_user()  # Southampton
    login_id = user.get_id()
    db.session.commit()
    client = application.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
        session["_fresh"] = True
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    if database_down:
        # Drawn for a signed-out visitor, naming the HIPS-wide team from the configuration.
        assert DEFAULT_EMAIL in error_contact(html) and DEFAULT_EMAIL in footer(html)
        assert "Sign in" in html and "Sign out" not in html
    else:
        assert SSCP[0] in error_contact(html) and SSCP[0] in footer(html)
        assert "Sign out" in html


# --- the contact-details page ---------------------------------------------------------------------


def contact_url(partnership):
    return f"/admin/partnerships/{partnership.id}/contact"


GOOD = {"contact_email": "hscp.training@example.org", "contact_phone": "01632 960 101", "opening_hours": "Weekdays"}


def test_partnership_admin_saves_their_contact_details_and_they_show_at_once(
    client, db, partnerships, login, hscp_admin, post_form
):
    login(hscp_admin)
    hscp = partnerships["HSCP"]
    index = client.get("/admin/").get_data(as_text=True)
    assert f'href="{contact_url(hscp)}"' in index
    page = client.get(contact_url(hscp)).get_data(as_text=True)
    assert "No contact details yet" in page
    response = post_form(contact_url(hscp), {**GOOD, "contact_email": "  hscp.training@example.org "})
    assert response.status_code == 302 and response.headers["Location"] == contact_url(hscp)
    db.session.expire_all()
    hscp = db.session.get(Partnership, hscp.id)
    assert (hscp.contact_email, hscp.contact_phone, hscp.opening_hours) == (
        "hscp.training@example.org",
        "01632 960 101",
        "Weekdays",
    )
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "partnership.contact_changed")).one()
    assert (audit.actor_id, audit.target_type, audit.target_id) == (hscp_admin.id, "Partnership", hscp.id)
    assert audit.details["changes"]["contact_email"] == {"before": None, "after": "hscp.training@example.org"}
    # Clearing the optional fields saves them as empty; saving again unchanged changes nothing.
    post_form(contact_url(hscp), {**GOOD, "contact_phone": "", "opening_hours": ""})
    assert post_form(contact_url(hscp), {**GOOD, "contact_phone": "", "opening_hours": ""}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Partnership, hscp.id).contact_phone is None
    assert db.session.scalar(select(text("count(*)")).select_from(AuditEvent)) == 2
    assert 'href="mailto:hscp.training@example.org"' in footer(client.get("/admin/").get_data(as_text=True))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("contact_email", "", "Enter the training team&#39;s email address"),
        ("contact_email", "not-an-email", "Enter an email address in the correct format"),
        ("contact_email", "a@b.org" + "x" * 320, "Email address must be 320 characters or fewer"),
        ("contact_phone", "call us", "Enter a telephone number"),
        ("contact_phone", "123", "Enter a telephone number"),
        ("contact_phone", "+44 1632 960 101 1234 5678", "Enter a telephone number"),
        ("opening_hours", "9am\x00", "must not contain control characters"),
        ("opening_hours", "x" * 201, "Opening hours must be 200 characters or fewer"),
    ],
)
def test_bad_contact_details_are_refused_with_a_message_and_nothing_saved(
    client, db, partnerships, login, hscp_admin, post_form, field, value, message
):
    hscp = partnerships["HSCP"]
    hscp.contact_email = "kept@example.org"
    db.session.commit()
    login(hscp_admin)
    response = post_form(contact_url(hscp), {**GOOD, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    db.session.expire_all()
    assert db.session.get(Partnership, hscp.id).contact_email == "kept@example.org"


def test_plausible_phone_numbers_are_accepted(client, db, partnerships, login, system_admin, post_form):
    login(system_admin)
    iow = partnerships["IOWSCP"]
    for phone in ("01983 821 000", "+44 (0)1983 821000", "0300-123-4567", "+44 300 123 4567"):
        assert post_form(contact_url(iow), {**GOOD, "contact_phone": phone}).status_code == 302, phone
        db.session.expire_all()
        assert db.session.get(Partnership, iow.id).contact_phone == phone


def test_only_the_partnerships_own_admins_and_system_admins_may_edit(
    client, db, partnerships, login, hscp_admin, iow_admin, system_admin, practitioner, trainer, post_form
):
    hscp = partnerships["HSCP"]
    login(iow_admin)
    assert client.get(contact_url(hscp)).status_code == 403
    assert post_form(contact_url(partnerships["IOWSCP"]), GOOD, url=contact_url(hscp)).status_code == 403
    for person in (practitioner, trainer):
        login(person)
        assert client.get(contact_url(hscp)).status_code == 403
    login(system_admin)
    for partnership in partnerships.values():
        assert client.get(contact_url(partnership)).status_code == 200
    assert client.get("/admin/partnerships/999999/contact").status_code == 404
    index = client.get("/admin/").get_data(as_text=True)
    assert all(f'href="{contact_url(p)}"' in index for p in partnerships.values())
    db.session.expire_all()
    assert db.session.get(Partnership, hscp.id).contact_email is None
    client.get("/sign-out")
    g.pop("_login_user", None)
    assert client.get(contact_url(hscp)).status_code == 302


# --- Help ----------------------------------------------------------------------------------------


def test_help_page_lists_every_team_and_the_real_rules(app, client, db, contacts):
    html = client.get("/help").get_data(as_text=True)
    table = html.split('id="teams"', 1)[1].split("</table>", 1)[0]
    rows = [row.split("</tr>", 1)[0] for row in table.split('<tr class="govuk-table__row">')[2:]]
    assert [row.split(">", 2)[1].split("<")[0] for row in rows] == [
        "Hampshire Safeguarding Children Partnership (HSCP)",
        "Isle of Wight Safeguarding Children Partnership (IOWSCP)",
        "Portsmouth Safeguarding Children Partnership (PSCP)",
        "Southampton Safeguarding Children Partnership (SSCP)",
    ]
    assert "Contact details not published yet" in rows[0]
    assert 'href="mailto:iowscp.training@example.org"' in rows[1] and "Monday to Thursday, 9am to 4:30pm" in rows[1]
    assert "Not given" in rows[2]
    assert DEFAULT_EMAIL in html.split('id="default-team"', 1)[1]
    assert "until the end of the day 2 working days (Monday to Friday) before the session" in html
    assert "<strong>Follow-up</strong>: 90 days later" in html
    assert "more than 14 days before the session" in html and "for up to 48 hours" in html
    assert "hold your place for up to 5 working days" in html
    assert 'href="/certificates/verify"' in html
    app.config["CANCELLATION_CUTOFF_WORKING_DAYS"] = 1
    try:
        assert "the end of the day 1 working day (Monday" in client.get("/help").get_data(as_text=True)
    finally:
        app.config["CANCELLATION_CUTOFF_WORKING_DAYS"] = 2
    sections = ("booking", "cancelling", "waiting-lists", "manager-approval", "prerequisites", "evaluations")
    for section in (*sections, "calendars", "record"):
        assert f'id="{section}"' in html and f'href="#{section}"' in html
