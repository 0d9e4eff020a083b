"""The audit trail in words: known sentences for real actions, and a fixed number of statements."""

from datetime import datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import selectinload

from training_app.admin.roles import apply_role
from training_app.audit import record_audit
from training_app.audit_text import action_label, describe, value_text
from training_app.bookings.attendance import record_attendance
from training_app.bookings.services import book_place, cancel_booking
from training_app.bookings.sessions import postpone_session
from training_app.bookings.team_changes import move_booking
from training_app.models import AuditEvent, BookingStatus, Partnership


def trail(db):
    events = db.session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id)
    ).all()
    return describe(events)


NOW = datetime(2026, 12, 1, 12, 0)


def test_booking_events_read_as_sentences(db, make_user, make_course, make_session, frozen_clock):
    frozen_clock(NOW)
    course = make_course(title="Child Neglect")
    first = make_session(course=course, capacity=1, starts_in=datetime(2027, 1, 25, 9, 30) - NOW)
    second = make_session(course=course, capacity=5, starts_in=datetime(2027, 2, 1, 10, 0) - NOW)
    jo, sam = make_user(name="Jo Bloggs"), make_user(name="Sam Waits")
    asha = make_user("partnership_admin", "HSCP", name="Asha Patel")
    jo_booking = book_place(jo, first.id).booking
    book_place(sam, first.id)
    cancel_booking(asha, jo_booking, as_admin=True)
    sam_booking = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.promoted")).one()
    moved = move_booking(asha, db.session.get(type(jo_booking), sam_booking.target_id), second.id)
    frozen_clock(datetime(2027, 2, 1, 10, 30))  # the register opens when the session starts
    record_attendance(asha, second, {moved.id: BookingStatus.ATTENDED})
    db.session.commit()

    sentences = [(item.sentence, item.details) for item in trail(db)]
    first_label, second_label = "Child Neglect, Mon 25 Jan 2027, 9:30am", "Child Neglect, Mon 1 Feb 2027, 10:00am"
    assert sentences == [
        (f"Jo Bloggs booked a place on {first_label}", []),
        (f"Sam Waits joined the waiting list for {first_label}", []),
        (f"Asha Patel cancelled Jo Bloggs's booking on {first_label}", ["Was: Confirmed", "Not a late cancellation."]),
        (f"Sam Waits was given a place on {first_label} from the waiting list", []),
        (f"Asha Patel moved Sam Waits from {first_label} to {second_label}", []),
        (f"Asha Patel moved Sam Waits off {first_label} to {second_label}", []),
        (f"Asha Patel took the register for {second_label}", ["Sam Waits: Attended"]),
    ]


def test_session_role_and_generic_events(db, make_user, make_session, frozen_clock):
    frozen_clock(NOW)
    course_session = make_session(starts_in=datetime(2027, 3, 16, 10, 0) - NOW)
    admin = make_user("system_admin", name="Sam Admin")
    person = make_user(name="Ravi Shah")
    postpone_session(admin, course_session, "Trainer unwell")
    iow = db.session.scalars(select(Partnership).where(Partnership.code == "IOWSCP")).one()
    apply_role(admin, person, "partnership_admin", iow.id)
    record_audit(admin, "venue.retired", person, note="Closed for refurbishment", when=datetime(2027, 6, 1, 9, 0))
    db.session.commit()

    postponed, role, generic = trail(db)
    title = course_session.course.title
    assert postponed.sentence == f"Sam Admin postponed {title}, Tue 16 Mar 2027, 10:00am"
    assert postponed.details == [
        "Reason: Trainer unwell",
        "Before: Start: Tue 16 Mar 2027, 10:00am",
        "Before: End: Tue 16 Mar 2027, 12:00pm",
        "Before: Status: Scheduled",
    ]
    assert role.sentence == "Sam Admin made Ravi Shah partnership administrator of IOWSCP"
    assert role.details == ["Before: Role: Practitioner", "Before: Partnership: nothing"]
    # An action nobody has phrased yet still reads as words, never as JSON or a Python repr.
    assert generic.sentence == "Sam Admin: venue retired (Ravi Shah)"
    assert generic.details == ["Note: Closed for refurbishment", "When: Tue 1 Jun 2027, 10:00am"]


def test_values_read_as_words():
    assert action_label("session.capacity_changed") == "Session: capacity changed"
    assert value_text("waitlisted") == "On the waiting list"
    assert value_text(None) == "nothing"
    assert value_text(True) == "yes"
    assert value_text(["a", "b"]) == "a; b"
    # Stored UTC, shown in London time: 1 July 2027 08:00 UTC is 9:00am BST.
    assert value_text("2027-07-01T08:00:00") == "Thu 1 Jul 2027, 9:00am"


def test_trail_costs_a_fixed_number_of_statements(db, client, login, make_user, make_session):
    course_session = make_session(capacity=50)
    admin = make_user("system_admin")
    login(admin)

    def statements_for_page() -> int:
        seen = []

        def count(*_args, **_kwargs):
            seen.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            for url in (f"/admin/sessions/{course_session.id}/bookings", "/admin/audit"):
                assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for n in range(2):
        book_place(make_user(name=f"Person {n}"), course_session.id)
    db.session.commit()
    few = statements_for_page()
    for n in range(2, 12):
        cancel_booking(admin, book_place(make_user(name=f"Person {n}"), course_session.id).booking, as_admin=True)
    db.session.commit()
    assert statements_for_page() == few


def test_audit_pages_show_no_raw_records(db, client, login, make_user, make_session):
    course_session = make_session(starts_in=timedelta(days=3))
    admin = make_user("system_admin")
    book_place(make_user(name="Jo Bloggs"), course_session.id)
    db.session.commit()
    login(admin)
    for url in (f"/admin/sessions/{course_session.id}/bookings", "/admin/audit"):
        page = client.get(url).get_data(as_text=True)
        assert "Jo Bloggs booked a place on" in page
        assert "CourseSession" not in page and ">booking.created<" not in page and "{&#34;" not in page
