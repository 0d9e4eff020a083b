from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from training_app import clock
from training_app.bookings import services
from training_app.bookings.attendance import record_attendance
from training_app.bookings.errors import (
    AlreadyBooked,
    BookingClosed,
    CancellationTooLate,
    CapacityError,
    MoveNotAllowed,
    PrerequisiteMissing,
    RegisterNotOpen,
    SessionNotBookable,
)
from training_app.bookings.reminders import send_reminders
from training_app.bookings.services import (
    book_place,
    cancel_booking,
    waitlist_position,
)
from training_app.bookings.sessions import cancel_session, postpone_session
from training_app.bookings.team_changes import change_capacity, move_booking
from training_app.models import AuditEvent, Booking, ElearningCompletion, OutboxMessage, Venue


def bookings_of(db, course_session, status=None):
    query = select(Booking).where(Booking.session_id == course_session.id)
    if status:
        query = query.where(Booking.status == status)
    return db.session.scalars(query.order_by(Booking.id)).all()


def outbox_subjects(db, to=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return [m.subject for m in db.session.scalars(query)]


def test_book_confirms_then_waitlists_when_full(db, make_user, make_session):
    s = make_session(capacity=2)
    people = [make_user() for _ in range(4)]
    results = [book_place(p, s.id) for p in people]
    db.session.commit()
    assert [r.booking.status for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [waitlist_position(r.booking) for r in results[2:]] == [1, 2]
    assert [r.waitlist_position for r in results] == [None, None, 1, 2]
    assert outbox_subjects(db, people[0].email) == [f"Booking confirmed: {s.course.title}"]
    assert outbox_subjects(db, people[3].email) == [f"You are on the waiting list: {s.course.title}"]


def test_confirmation_email_carries_the_session_calendar(db, make_user, make_session):
    s = make_session()
    user = make_user()
    book_place(user, s.id)
    db.session.commit()
    from training_app.mail import build_email

    message = db.session.scalars(select(OutboxMessage)).one()
    email = build_email(message, "from@example.org")
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "session.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert f"UID:session-{s.id}@" in attachment.get_content() and "BEGIN:VTIMEZONE" in attachment.get_content()


def test_booking_reads_the_session_again_under_the_lock(db, make_user, make_session):
    # What the request loaded before it queued for the lock may be out of date by the time it gets it
    # (an administrator moved the venue, or cancelled the session): the locked row decides.
    from sqlalchemy.orm.attributes import set_committed_value

    s = make_session(capacity=1)
    people = [make_user() for _ in range(3)]  # (each commit expires what the session had loaded)
    set_committed_value(s, "venue", Venue(name="Old venue, loaded before the change", address=""))
    set_committed_value(s, "capacity", 5)
    first = book_place(people[0], s.id).booking
    second = book_place(people[1], s.id).booking
    db.session.commit()
    assert (first.status, second.status) == ("confirmed", "waitlisted")  # capacity 1, not the stale 5
    body = db.session.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id)).first()
    assert "Civic Centre, Southampton" in body and "Old venue" not in body

    db.session.commit()
    other = make_session()
    assert other.status == "scheduled"  # loaded; then cancelled behind the ORM's back
    db.session.execute(other.__table__.update().where(other.__table__.c.id == other.id).values(status="cancelled"))
    with pytest.raises(SessionNotBookable, match="cancelled"):
        book_place(people[2], other.id)


def test_booking_records_agency_job_role_and_access_needs(db, make_user, make_session):
    s = make_session()
    user = make_user()
    booking = book_place(user, s.id, "Wheelchair access, please").booking
    db.session.commit()
    assert (booking.agency_id, booking.job_role, booking.access_needs) == (
        user.agency_id,
        "Health visitor",
        "Wheelchair access, please",
    )


def test_second_booking_is_refused(db, make_user, make_session):
    s = make_session()
    user = make_user()
    book_place(user, s.id)
    db.session.commit()
    with pytest.raises(AlreadyBooked):
        book_place(user, s.id)
    db.session.rollback()
    assert len(bookings_of(db, s)) == 1


def test_database_refuses_two_active_bookings_for_one_person(db, make_user, make_session):
    from sqlalchemy.exc import IntegrityError

    s = make_session()
    user = make_user()
    db.session.add_all(
        [Booking(session=s, user=user, status="confirmed"), Booking(session=s, user=user, status="waitlisted")]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_rebooking_after_cancelling_is_allowed(db, make_user, make_session):
    s = make_session()
    user = make_user()
    first = book_place(user, s.id).booking
    db.session.commit()
    cancel_booking(user, first)
    again = book_place(user, s.id).booking
    db.session.commit()
    assert (first.status, again.status) == ("cancelled", "confirmed")


@pytest.mark.parametrize("case", ["cancelled", "postponed", "past", "closed", "not_open", "archived", "unknown"])
def test_unbookable_sessions_give_a_clear_message_and_change_nothing(db, make_user, make_session, make_course, case):
    user = make_user()
    kwargs = {}
    if case == "past":
        kwargs["starts_in"] = timedelta(hours=-1)
    if case in ("cancelled", "postponed"):
        kwargs["status"] = case
    if case == "closed":
        kwargs["booking_closes_at"] = clock.now() - timedelta(minutes=1)
    if case == "not_open":
        kwargs["booking_opens_at"] = clock.now() + timedelta(days=1)
    if case == "archived":
        kwargs["course"] = make_course(status="archived")
    s = make_session(**kwargs)
    session_id = 999999 if case == "unknown" else s.id
    expected = BookingClosed if case in ("closed", "not_open") else SessionNotBookable
    with pytest.raises(expected) as error:
        book_place(user, session_id)
    db.session.rollback()
    assert error.value.message
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_prerequisite_refusal_explains_why(db, make_user, make_session, make_course):
    course = make_course(
        title="Working Together to Safeguard Children",
        prerequisite_min_level=2,
        prerequisite_text="Applicants must have completed Level 2 training.",
    )
    s = make_session(course=course)
    newcomer = make_user()
    with pytest.raises(PrerequisiteMissing) as error:
        book_place(newcomer, s.id)
    db.session.rollback()
    assert "Level 2" in error.value.message
    declared = make_user(level=2)
    assert book_place(declared, s.id).booking.status == "confirmed"


def test_prerequisite_met_by_attended_level_2_or_elearning(db, make_user, make_session, make_course):
    target = make_session(course=make_course(prerequisite_min_level=2))
    level2 = make_session(course=make_course(level=2), starts_in=timedelta(days=-30))
    attended = make_user()
    db.session.add(Booking(session=level2, user=attended, status="attended"))
    elearner = make_user()
    db.session.add(ElearningCompletion(user=elearner, course=make_course(level=2, format="elearning", commit=False)))
    contributes_only = make_user()
    db.session.add(
        Booking(
            session=make_session(course=make_course(level=2, level_kind="contributes"), starts_in=timedelta(days=-9)),
            user=contributes_only,
            status="attended",
        )
    )
    db.session.commit()
    assert book_place(attended, target.id).booking.status == "confirmed"
    assert book_place(elearner, target.id).booking.status == "confirmed"
    with pytest.raises(PrerequisiteMissing):
        book_place(contributes_only, target.id)


def test_cancellation_promotes_first_on_waiting_list_and_tells_them(db, make_user, make_session):
    # More than AUTO_CONFIRM_DAYS ahead the place is confirmed at once (nearer it is offered:
    # test_waiting_list_offers).
    s = make_session(capacity=1, starts_in=timedelta(days=30))
    holder, first, second = make_user(), make_user(), make_user()
    held = book_place(holder, s.id).booking
    w1 = book_place(first, s.id).booking
    w2 = book_place(second, s.id).booking
    db.session.commit()
    cancel_booking(holder, held)
    db.session.commit()
    assert (held.status, w1.status, w2.status) == ("cancelled", "confirmed", "waitlisted")
    assert waitlist_position(w2) == 1
    assert f"You have a place: {s.course.title}" in outbox_subjects(db, first.email)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.session_id == s.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["booking.cancelled", "booking.promoted"]


def test_leaving_the_waiting_list_promotes_nobody(db, make_user, make_session):
    s = make_session(capacity=1)
    holder, waiting = make_user(), make_user()
    book_place(holder, s.id)
    w = book_place(waiting, s.id).booking
    db.session.commit()
    cancel_booking(waiting, w)
    db.session.commit()
    assert [b.status for b in bookings_of(db, s)] == ["confirmed", "cancelled"]


def test_delegate_cannot_cancel_after_the_working_day_cut_off_but_admin_can(
    app, db, make_user, make_session, frozen_clock
):
    # Session on Wednesday 3 March 2027 at 09:30 London; 2 working days before is Monday 1 March.
    frozen_clock(datetime(2027, 2, 20, 12, 0))
    s = make_session(starts_in=timedelta(days=0))
    s.starts_at, s.ends_at = datetime(2027, 3, 3, 9, 30), datetime(2027, 3, 3, 12, 30)
    user, admin = make_user(), make_user(role="system_admin")
    booking = book_place(user, s.id).booking
    db.session.commit()
    assert services.cancellation_deadline(s) == datetime(2027, 3, 2, 0, 0)
    frozen_clock(datetime(2027, 3, 2, 0, 0))
    with pytest.raises(CancellationTooLate):
        cancel_booking(user, booking)
    db.session.rollback()
    cancel_booking(admin, booking, as_admin=True)
    db.session.commit()
    assert booking.status == "cancelled" and booking.late_cancellation is True


def test_cut_off_skips_the_weekend(app, db, make_session, frozen_clock):
    frozen_clock(datetime(2027, 2, 20, 12, 0))
    s = make_session()
    s.starts_at, s.ends_at = datetime(2027, 3, 8, 9, 30), datetime(2027, 3, 8, 12, 30)  # a Monday
    # Two working days before Monday 8 March is Thursday 4 March: cancel until the end of that day.
    assert services.cancellation_deadline(s) == datetime(2027, 3, 5, 0, 0)


def test_raising_capacity_promotes_in_order(db, make_user, make_session):
    s = make_session(capacity=1, starts_in=timedelta(days=30))
    admin = make_user(role="system_admin")
    people = [make_user() for _ in range(4)]
    made = [book_place(p, s.id).booking for p in people]
    db.session.commit()
    promoted = change_capacity(admin, s, 3)
    db.session.commit()
    assert promoted == made[1:3]
    assert [b.status for b in made] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    with pytest.raises(CapacityError):
        change_capacity(admin, s, 2)


def test_move_to_another_session_of_same_course(db, make_user, make_session):
    a = make_session(capacity=1, starts_in=timedelta(days=20))
    b = make_session(course=a.course, starts_in=timedelta(days=30))
    other_course = make_session()
    admin, moving, waiting = make_user(role="system_admin"), make_user(), make_user()
    old = book_place(moving, a.id).booking
    w = book_place(waiting, a.id).booking
    db.session.commit()
    with pytest.raises(MoveNotAllowed):
        move_booking(admin, old, other_course.id)
    db.session.rollback()
    moved = move_booking(admin, old, b.id)
    db.session.commit()
    assert (old.status, moved.status, moved.session_id, w.status) == ("cancelled", "confirmed", b.id, "confirmed")


def test_cancelling_a_session_cancels_and_tells_every_delegate(db, make_user, make_session):
    s = make_session(capacity=1)
    admin, one, two = make_user(role="system_admin"), make_user(), make_user()
    book_place(one, s.id)
    book_place(two, s.id)
    db.session.commit()
    sequence = s.sequence
    cancel_session(admin, s, "Trainer unwell")
    db.session.commit()
    assert s.status == "cancelled" and s.sequence == sequence + 1
    assert [b.status for b in bookings_of(db, s)] == ["cancelled", "cancelled"]
    for person in (one, two):
        assert f"Session cancelled: {s.course.title}" in outbox_subjects(db, person.email)


def test_postponing_keeps_bookings_for_the_new_date(db, make_user, make_session):
    s = make_session()
    admin, one = make_user(role="system_admin"), make_user()
    booking = book_place(one, s.id).booking
    db.session.commit()
    postpone_session(admin, s, "Venue flooded")
    db.session.commit()
    assert (s.status, booking.status) == ("postponed", "confirmed")
    new_start = clock.now().replace(microsecond=0) + timedelta(days=40)
    postpone_session(admin, s, "New date set", new_start, new_start + timedelta(hours=3))
    db.session.commit()
    assert (s.status, s.starts_at, booking.status, s.sequence) == ("scheduled", new_start, "confirmed", 2)
    assert outbox_subjects(db, one.email).count(f"Session postponed: {s.course.title}") == 2


def test_register_marks_attendance_once_session_started(db, make_user, make_session):
    trainer = make_user(role="trainer")
    s = make_session(starts_in=timedelta(days=2), trainers=[trainer])
    a, b = make_user(), make_user()
    ba, bb = book_place(a, s.id).booking, book_place(b, s.id).booking
    db.session.commit()
    with pytest.raises(RegisterNotOpen):
        record_attendance(trainer, s, {ba.id: "attended"})
    s.starts_at = clock.now() - timedelta(hours=3)
    s.ends_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    record_attendance(trainer, s, {ba.id: "attended", bb.id: "no_show"})
    db.session.commit()
    assert (ba.status, bb.status, s.status) == ("attended", "no_show", "completed")


def test_send_reminders_is_safe_to_repeat(app, db, make_user, make_session):
    soon = make_session(starts_in=timedelta(hours=30))
    later = make_session(starts_in=timedelta(days=10))
    user = make_user()
    book_place(user, soon.id)
    book_place(user, later.id)
    db.session.commit()
    assert send_reminders() == 1
    db.session.commit()
    assert send_reminders() == 0
    reminders = [s for s in outbox_subjects(db) if s.startswith("Reminder")]
    assert reminders == [f"Reminder: {soon.course.title}"]
