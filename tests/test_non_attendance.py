"""Non-attendance (issue 15, points 4 and 5): the register asks a no-show why (once), by a signed link; the
line manager is told when the running partnership wants it (of no-shows, and of bookings, cancellations
and completions); the non-attendance report's every figure, with charges, by organisation and person,
and repeated no-shows. Known answers on SQLite and PostgreSQL (TEST_DATABASE_URL)."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from training_app.bookings.attendance import record_attendance
from training_app.bookings.services import book_place, cancel_booking
from training_app.models import AgencyLead, AuditEvent, Booking, BookingStatus, OutboxMessage
from training_app.reports.non_attendance import invoice_rows, non_attendance_report
from training_app.reports.scope import ReportFilters

NOW = datetime(2027, 6, 15, 12, 0)


@pytest.fixture(autouse=True)
def fixed_now(frozen_clock):
    return frozen_clock(NOW)


def mails(db, to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
    ).all()


def manager_of(make_user, name, email, manager="boss@school.example", **extra):
    return make_user(name=name, email=email, manager_name="Bo Boss", manager_email=manager, **extra)


# ---------------------------------------------------------------- the register asks why


def test_a_no_show_is_asked_why_once_and_answers_by_link(
    client, db, post_form, frozen_clock, make_user, make_session, partnerships, trainer
):
    person = manager_of(make_user, "Dee Absent", "dee@school.example")
    course_session = make_session(starts_in=timedelta(days=2), trainers=[trainer])
    booking = book_place(person, course_session.id).booking
    db.session.commit()
    frozen_clock(NOW + timedelta(days=3))
    record_attendance(trainer, course_session, {booking.id: BookingStatus.NO_SHOW})
    db.session.commit()
    [asked] = [m for m in mails(db, "dee@school.example") if "please tell us why" in m.subject]
    assert mails(db, "boss@school.example") == []  # the partnership has not turned manager emails on
    # Saving the register again, or correcting it back and forth, does not ask again.
    record_attendance(trainer, course_session, {booking.id: BookingStatus.ATTENDED})
    record_attendance(trainer, course_session, {booking.id: BookingStatus.NO_SHOW})
    db.session.commit()
    assert len([m for m in mails(db, "dee@school.example") if "please tell us why" in m.subject]) == 1

    [path] = re.findall(r"https?://[^/\s]+(/no-show/\S+)", asked.body_text)
    page = client.get(path).get_data(as_text=True)
    assert "Why could you not attend?" in page
    refused = post_form(path, {"reason": ""})
    assert "Tell us why you could not attend" in refused.get_data(as_text=True)
    assert post_form(path, {"reason": "Called to a child protection strategy meeting"}).status_code == 302
    db.session.refresh(booking)
    assert booking.no_show_reason == "Called to a child protection strategy meeting"
    assert booking.no_show_reason_at == NOW + timedelta(days=3)
    assert "You told us on" in client.get(path).get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("booking.no_show_asked") == 1 and "booking.no_show_reason_given" in actions
    # Corrected to attended: nothing to explain any more.
    record_attendance(trainer, course_session, {booking.id: BookingStatus.ATTENDED})
    db.session.commit()
    assert "nothing to explain" in client.get(path).get_data(as_text=True)
    assert client.get("/no-show/not-a-token").status_code == 404


def test_the_manager_is_told_of_a_no_show_when_the_partnership_says_so(
    db, frozen_clock, make_user, make_session, partnerships, trainer
):
    partnerships["HSCP"].notify_managers_of_no_shows = True
    person = manager_of(make_user, "Dee Absent", "dee@school.example")
    lead = make_user("agency_lead", name="Lee Lead", email="lee@school.example", agency=person.agency)
    db.session.add(AgencyLead(user=lead, agency=person.agency))
    course_session = make_session(starts_in=timedelta(days=2), trainers=[trainer])  # run by HSCP
    booking = book_place(person, course_session.id).booking
    db.session.commit()
    frozen_clock(NOW + timedelta(days=3))
    record_attendance(trainer, course_session, {booking.id: BookingStatus.NO_SHOW})
    db.session.commit()
    [told] = mails(db, "boss@school.example")
    assert told.subject == f"Dee Absent did not attend {course_session.course.title}"
    # Their organisation's agency training lead hears too.
    [to_lead] = mails(db, "lee@school.example")
    assert to_lead.subject == told.subject and "Dear Lee Lead" in to_lead.body_text


# ---------------------------------------------------------------- managers told of their staff's training


def test_managers_are_told_of_bookings_cancellations_and_completions_when_wanted(
    db, frozen_clock, make_user, make_course, make_session, partnerships, trainer
):
    person = manager_of(make_user, "Ola Keen", "ola@school.example")
    quiet = make_session(starts_in=timedelta(days=20), course=make_course(owner="IOWSCP"))
    booking = book_place(person, quiet.id).booking
    cancel_booking(person, booking)
    db.session.commit()
    assert mails(db, "boss@school.example") == []  # IOWSCP has not turned it on

    partnerships["HSCP"].notify_managers_of_bookings = True
    course_session = make_session(starts_in=timedelta(days=2), trainers=[trainer])
    booking = book_place(person, course_session.id).booking
    db.session.commit()
    frozen_clock(NOW + timedelta(days=3))
    record_attendance(trainer, course_session, {booking.id: BookingStatus.ATTENDED})
    record_attendance(trainer, course_session, {booking.id: BookingStatus.NO_SHOW})
    record_attendance(trainer, course_session, {booking.id: BookingStatus.ATTENDED})  # a correction
    other = book_place(person, make_session(starts_in=timedelta(days=30)).id).booking
    cancel_booking(person, other)
    db.session.commit()
    title = course_session.course.title
    assert [m.subject for m in mails(db, "boss@school.example")] == [
        f"Ola Keen has booked a place on {title}",
        f"Ola Keen attended and completed {title}",
        f"Ola Keen has booked a place on {other.session.course.title}",
        f"Ola Keen has cancelled their booking on {other.session.course.title}",
    ]


# ---------------------------------------------------------------- the report


@pytest.fixture
def world(db, make_user, make_agency, make_course, make_session, partnerships):
    """HSCP charges £25 a no-show and £10 a late cancellation; IOWSCP £5 a no-show."""
    hscp, iow = partnerships["HSCP"], partnerships["IOWSCP"]
    hscp.no_show_charge_pence, hscp.late_cancellation_charge_pence = 2500, 1000
    iow.no_show_charge_pence = 500
    police = make_agency("Hampshire Constabulary", "Police", hscp)
    school = make_agency("Ryde Academy", "Education", iow)
    ours = make_session(course=make_course(owner="HSCP"), starts_in=-timedelta(days=20))
    ours_too = make_session(course=make_course(owner="HSCP"), starts_in=-timedelta(days=10))
    theirs = make_session(course=make_course(owner="IOWSCP"), starts_in=-timedelta(days=5))
    cancelled = make_session(course=make_course(owner="HSCP"), starts_in=-timedelta(days=8), status="cancelled")
    long_ago = make_session(course=make_course(owner="HSCP"), starts_in=-timedelta(days=400))
    db.session.commit()
    pat = make_user(name="Pat Moved", agency=police)
    sam = make_user(name="Sam Once", agency=police)
    kit = make_user(name="Kit School", agency=school)
    lee = make_user(name="Lee Long Ago", agency=school)

    def booking(person, course_session, status, late=False, agency=None):
        db.session.add(
            Booking(
                session=course_session,
                user=person,
                status=status,
                late_cancellation=late,
                agency=agency or person.agency,
                requested_at=NOW - timedelta(days=60),
            )
        )

    booking(pat, ours, "no_show")  # police when booked
    booking(pat, ours_too, "no_show")
    booking(sam, ours, "cancelled", late=True)
    booking(sam, ours_too, "cancelled")  # not late: not counted
    booking(kit, ours, "no_show")
    booking(kit, theirs, "no_show")  # run by IOWSCP
    booking(kit, cancelled, "no_show")  # a cancelled session counts nowhere
    booking(lee, ours, "no_show")
    booking(lee, long_ago, "no_show")  # 13 months ago: outside the period and the last 12 months
    booking(make_user(name="Ana Came", agency=police), ours, "attended")  # not missed
    db.session.commit()
    pat.agency = school  # Pat has moved to the school since
    db.session.commit()
    return {"hscp": hscp, "pat": pat}


def period():
    return ReportFilters(date_from=datetime(2027, 4, 1).date(), date_to=datetime(2028, 3, 31).date())


def test_report_known_answers_for_a_partnership_admin(db, world, hscp_admin):
    report = non_attendance_report(hscp_admin, period(), NOW)
    assert (report.no_shows, report.late_cancellations, report.amount_pence) == (4, 1, 11000)
    by_organisation = report.by_organisation
    assert [(r.organisation, r.sector, r.no_shows, r.late_cancellations, r.amount_pence) for r in by_organisation] == [
        ("Hampshire Constabulary", "Police", 2, 1, 6000),
        ("Ryde Academy", "Education", 2, 0, 5000),
    ]
    # By person, where they work now: Pat has moved to the school.
    assert [(r.name, r.organisation, r.no_shows, r.late_cancellations) for r in report.by_person] == [
        ("Pat Moved", "Ryde Academy", 2, 0),
        ("Kit School", "Ryde Academy", 1, 0),
        ("Lee Long Ago", "Ryde Academy", 1, 0),
        ("Sam Once", "Hampshire Constabulary", 0, 1),
    ]
    assert [(r.name, r.no_shows) for r in report.repeated] == [("Pat Moved", 2)]
    rows = list(csv.reader(io.StringIO("\n".join(",".join(map(str, row)) for row in invoice_rows(report)))))
    assert rows == [
        ["Organisation", "Sector", "No-shows", "Late cancellations", "Amount (£)"],
        ["Hampshire Constabulary", "Police", "2", "1", "60.00"],
        ["Ryde Academy", "Education", "2", "0", "50.00"],
        ["Total", "", "4", "1", "110.00"],
    ]


def test_report_known_answers_for_a_system_admin_and_the_page(client, login, db, world, system_admin):
    report = non_attendance_report(system_admin, period(), NOW)
    assert (report.no_shows, report.late_cancellations, report.amount_pence) == (5, 1, 11500)
    # Ryde Academy: Kit's and Lee's no-shows on HSCP's session (£25 each) and Kit's on IOWSCP's (£5).
    assert [(r.organisation, r.no_shows, r.amount_pence) for r in report.by_organisation] == [
        ("Hampshire Constabulary", 2, 6000),
        ("Ryde Academy", 3, 5500),
    ]
    assert [(r.name, r.no_shows) for r in report.repeated] == [("Kit School", 2), ("Pat Moved", 2)]
    login(system_admin)
    page = client.get("/reports/non-attendance").get_data(as_text=True)
    assert 'data-figure="no_shows">5<' in page and "£115.00" in page
    assert "2 people have not attended 2 or more sessions in the last 12 months." in page
    download = client.get("/reports/non-attendance.csv")
    assert download.mimetype == "text/csv" and "Total,,5,1,115.00" in download.get_data(as_text=True)


def test_the_people_are_paged_and_the_csv_counts_only_organisations(client, login, db, world, hscp_admin, monkeypatch):
    """Six years of no-shows named 150,000 people on one 54 MB page (issue 17 goal 5): now paged."""
    monkeypatch.setattr("training_app.reports.non_attendance.PEOPLE_PER_PAGE", 3)
    first = non_attendance_report(hscp_admin, period(), NOW)
    assert (first.people_page.total, first.people_page.pages) == (4, 2)
    assert [r.name for r in first.by_person] == ["Pat Moved", "Kit School", "Lee Long Ago"]
    second = non_attendance_report(hscp_admin, period(), NOW, people_page=2)
    assert [r.name for r in second.by_person] == ["Sam Once"]
    assert (second.no_shows, second.late_cancellations, second.amount_pence) == (4, 1, 11000)
    organisations_only = non_attendance_report(hscp_admin, period(), NOW, people_page=None)
    assert organisations_only.by_person == [] and organisations_only.amount_pence == 11000
    login(hscp_admin)
    page = client.get("/reports/non-attendance?page=2").get_data(as_text=True)
    assert 'data-person="Sam Once"' in page and 'data-person="Pat Moved"' not in page.split('id="by-person"')[1]
    assert "4 people, most no-shows first: page 2 of 2." in page


# ---------------------------------------------------------------- the settings page


def test_partnership_admins_set_manager_emails_and_charges(
    client, db, login, post_form, hscp_admin, iow_admin, partnerships
):
    hscp = partnerships["HSCP"]
    url = f"/admin/partnerships/{hscp.id}/non-attendance"
    login(iow_admin)
    assert client.get(url).status_code == 403
    login(hscp_admin)
    refused = post_form(url, {"no_show_charge_pence": "twenty", "late_cancellation_charge_pence": "10.5"})
    page = refused.get_data(as_text=True)
    assert "Charge for a no-show (optional) must be an amount in pounds, like 25 or 12.50" in page
    assert "Charge for a late cancellation (optional) must be an amount in pounds" in page
    saved = post_form(
        url,
        {
            "notify_managers_of_no_shows": "y",
            "no_show_charge_pence": "£25.50",
            "late_cancellation_charge_pence": "",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(hscp)
    assert (hscp.notify_managers_of_no_shows, hscp.notify_managers_of_bookings) == (True, False)
    assert (hscp.no_show_charge_pence, hscp.late_cancellation_charge_pence) == (2550, None)
    assert 'value="25.50"' in client.get(url).get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "partnership.settings_changed")).all()
    assert event.details["changes"]["no_show_charge_pence"] == {"before": None, "after": 2550}
