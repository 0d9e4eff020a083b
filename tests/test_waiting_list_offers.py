"""Waiting-list offers that expire (issue 13, point 3) and one place per course (point 4)."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from training_app import clock
from training_app.bookings.errors import AlreadyOnCourse, OfferExpired, OfferNotOpen
from training_app.bookings.offers import accept_offer, decline_offer, expire_offers_on
from training_app.bookings.promotion import make_offer_token, place_terms
from training_app.bookings.services import book_place, cancel_booking, places_taken
from training_app.models import AuditEvent, Booking, OutboxMessage

NOW = datetime(2027, 3, 1, 9, 0)  # a Monday, UK winter time (London = UTC)


@pytest.fixture
def at(frozen_clock):
    """Freeze the clock at NOW (+ an offset, for later steps)."""
    return lambda offset=timedelta(0): frozen_clock(NOW + offset)


def mails(db, to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
    ).all()


def audit_actions(db, booking):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.target_id == booking.id, AuditEvent.target_type == "Booking")
        )
    ]


@pytest.fixture
def full_session(db, at, make_user, make_session):
    """A session 7 days away with 1 place, held, and two people waiting: (session, holder, first, second)."""
    at()
    s = make_session(capacity=1, starts_in=timedelta(days=7))
    holder, first, second = make_user(), make_user(), make_user()
    held = book_place(holder, s.id).booking
    w1 = book_place(first, s.id).booking
    w2 = book_place(second, s.id).booking
    db.session.commit()
    return s, held, w1, w2


# --------------------------------------------------------------------------- the offer rule


@pytest.mark.parametrize(
    ("starts_in", "expected"),
    [
        (timedelta(days=15), None),  # more than AUTO_CONFIRM_DAYS (14): confirmed at once
        (timedelta(days=14), timedelta(hours=48)),  # exactly 14 days is not "more than"
        (timedelta(days=7), timedelta(hours=48)),
        (timedelta(hours=30), timedelta(hours=15)),  # half the time left
        (timedelta(hours=3), timedelta(hours=2)),  # the floor
        (timedelta(hours=1), timedelta(hours=1)),  # never past the start
    ],
)
def test_place_terms_known_answers(app, db, at, make_session, starts_in, expected):
    at()
    s = make_session(starts_in=starts_in)
    terms = place_terms(s, NOW)
    if expected is None:
        assert terms.confirm_now
    else:
        assert not terms.confirm_now and terms.expires_at == NOW + expected


def test_place_terms_give_nothing_once_started_or_not_scheduled_and_auto_confirm_can_be_off(
    app, db, at, make_session, monkeypatch
):
    at()
    s = make_session(starts_in=timedelta(days=30))
    assert place_terms(s, s.starts_at) is None
    monkeypatch.setitem(app.config, "AUTO_CONFIRM_DAYS", 0)
    assert place_terms(s, NOW).expires_at == NOW + timedelta(hours=48)
    s.status = "postponed"
    assert place_terms(s, NOW) is None


def test_far_session_confirms_the_first_waiting_and_says_you_have_a_place(db, at, make_user, make_session):
    at()
    s = make_session(capacity=1, starts_in=timedelta(days=30))
    holder, first = make_user(), make_user()
    held = book_place(holder, s.id).booking
    waiting = book_place(first, s.id).booking
    db.session.commit()
    cancel_booking(holder, held)
    db.session.commit()
    assert waiting.status == "confirmed" and waiting.offer_expires_at is None
    mail = mails(db, first.email)[-1]
    assert mail.subject == f"You have a place: {s.course.title}"
    assert "your booking is confirmed" in mail.body_text and "offer" not in mail.body_text.lower()
    assert mail.attachments and mail.attachments[0]["filename"] == "session.ics"
    assert audit_actions(db, waiting)[-1] == "booking.promoted"


# --------------------------------------------------------------------------- offering, accepting, declining


def test_cancellation_offers_the_place_which_stays_held(db, at, full_session):
    s, held, w1, w2 = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    assert (w1.status, w2.status) == ("offered", "waitlisted")
    assert w1.offer_expires_at == NOW + timedelta(hours=48)
    assert places_taken(s.id) == 1  # the offer holds the place: nobody else can book it
    newcomer = book_place(held.user, s.id)
    assert newcomer.booking.status == "waitlisted" and newcomer.waitlist_position == 2
    mail = mails(db, w1.user.email)[-1]
    assert mail.subject == f"A place is free for you, accept by Wednesday 3 March 2027, 9:00am: {s.course.title}"
    assert "You do not have the place yet" in mail.body_text
    assert f"/offers/{make_offer_token(w1)}" in mail.body_text
    # Their calendar copy stays tentative until they accept (calendar/person.py).
    assert [a["person_ics"] for a in mail.attachments] == [{"session_id": s.id, "user_id": w1.user_id}]
    assert audit_actions(db, w1)[-1] == "booking.offered"


def test_accepting_confirms_and_emails_the_calendar(db, at, full_session):
    s, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    at(timedelta(hours=5))
    accept_offer(w1.user, w1, "my training")
    db.session.commit()
    assert w1.status == "confirmed" and w1.confirmed_at == NOW + timedelta(hours=5)
    mail = mails(db, w1.user.email)[-1]
    assert mail.subject == f"Booking confirmed: {s.course.title}"
    assert "You accepted the place" in mail.body_text and mail.attachments[0]["filename"] == "session.ics"
    assert audit_actions(db, w1)[-1] == "booking.offer_accepted"
    with pytest.raises(OfferNotOpen, match="already accepted"):
        accept_offer(w1.user, w1, "link")


def test_declining_ends_the_booking_not_late_and_offers_the_next(db, at, full_session):
    s, held, w1, w2 = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    at(timedelta(days=6))  # inside the cancellation cut-off: still not a late cancellation
    given = decline_offer(w1.user, w1, "link")
    db.session.commit()
    assert (w1.status, w1.late_cancellation, w1.cancelled_by_id) == ("cancelled", False, w1.user.id)
    assert given == [w2] and w2.status == "offered"
    assert w2.offer_expires_at == NOW + timedelta(days=6, hours=12)  # half of the 24 hours left
    mail = mails(db, w1.user.email)[-1]
    assert mail.subject == f"You declined the place: {s.course.title}"
    assert "offered to the next person waiting" in mail.body_text
    assert audit_actions(db, w1)[-1] == "booking.offer_declined"
    with pytest.raises(OfferNotOpen):
        decline_offer(w1.user, w1, "link")


def test_accepting_after_expiry_is_refused_and_changes_nothing(db, at, full_session):
    _, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    at(timedelta(hours=48))
    with pytest.raises(OfferExpired, match="ran out"):
        accept_offer(w1.user, w1, "link")
    db.session.rollback()
    assert db.session.get(Booking, w1.id).status == "offered"


def test_cancelling_an_offered_booking_passes_the_place_on(db, at, full_session):
    _, held, w1, w2 = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    cancel_booking(w1.user, w1)
    db.session.commit()
    assert (w1.status, w1.late_cancellation, w2.status) == ("cancelled", False, "offered")


# --------------------------------------------------------------------------- expiry and the command


def test_expire_offers_passes_on_once_however_often_it_runs(app, db, at, full_session):
    s, held, w1, w2 = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    runner = app.test_cli_runner()
    at(timedelta(hours=47))
    assert runner.invoke(args=["expire-offers"]).output.strip() == (
        "expired 0 offers on 0 sessions; gave 0 places to people waiting"
    )
    at(timedelta(hours=48))
    assert runner.invoke(args=["expire-offers"]).output.strip() == (
        "expired 1 offers on 1 sessions; gave 1 places to people waiting"
    )
    assert runner.invoke(args=["expire-offers"]).output.strip() == (
        "expired 0 offers on 0 sessions; gave 0 places to people waiting"
    )
    db.session.expire_all()
    w1, w2 = db.session.get(Booking, w1.id), db.session.get(Booking, w2.id)
    assert (w1.status, w1.late_cancellation, w1.cancelled_by_id) == ("cancelled", False, None)
    assert w2.status == "offered" and w2.offer_expires_at == NOW + timedelta(hours=48 + 48)
    mail = mails(db, w1.user.email)[-1]
    assert mail.subject == f"Your offer of a place has run out: {s.course.title}"
    assert "not accepted in time" in mail.body_text and "offered to the next person waiting" in mail.body_text
    assert audit_actions(db, w1)[-1] == "booking.offer_expired"
    assert places_taken(s.id) == 1


def test_an_offer_left_when_the_session_starts_expires_and_gives_nothing(db, at, make_user, make_session):
    at()
    s = make_session(capacity=1, starts_in=timedelta(hours=1))
    holder, first, second = make_user(), make_user(), make_user()
    held = book_place(holder, s.id).booking
    w1, w2 = book_place(first, s.id).booking, book_place(second, s.id).booking
    cancel_booking(holder, held, as_admin=True)
    db.session.commit()
    assert w1.offer_expires_at == s.starts_at
    at(timedelta(hours=1))
    result = expire_offers_on(s.id, clock.now())
    db.session.commit()
    assert (result.expired, result.given) == (1, 0)
    assert (w1.status, w2.status) == ("cancelled", "waitlisted")
    assert "offered to the next person" not in mails(db, first.email)[-1].body_text


# --------------------------------------------------------------------------- the pages


def test_offer_link_page_shows_and_get_changes_nothing_then_accepts(db, client, at, full_session, post_form):
    s, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    url = f"/offers/{make_offer_token(w1)}"
    page = client.get(url).get_data(as_text=True)
    assert "A place is free for you" in page and "Wednesday 3 March 2027, 9:00am" in page
    assert 'name="accept"' in page and 'name="decline"' in page
    assert db.session.get(Booking, w1.id).status == "offered"
    response = post_form(url, {"accept": "y"}, follow_redirects=True)
    assert "You have accepted the place" in response.get_data(as_text=True)
    assert "You have a place on this session" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, w1.id).status == "confirmed"
    assert audit_actions(db, w1)[-1] == "booking.offer_accepted"


def test_offer_link_after_expiry_explains_and_refuses(db, client, at, full_session, post_form):
    _, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    url = f"/offers/{make_offer_token(w1)}"
    at(timedelta(hours=49))
    page = client.get(url)
    assert page.status_code == 200 and "This offer has run out" in page.get_data(as_text=True)
    assert 'name="accept"' not in page.get_data(as_text=True)
    response = post_form(url, {"accept": "y"}, follow_redirects=True)
    assert response.status_code == 200 and "this offer ran out" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, w1.id).status == "offered"


def test_offer_links_that_are_forged_or_from_an_earlier_offer_open_nothing(db, client, at, full_session):
    _, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    token = make_offer_token(w1)
    assert client.get(f"/offers/{token}x").status_code == 404
    w1.offer_expires_at += timedelta(hours=1)  # a later offer to the same booking
    db.session.commit()
    response = client.get(f"/offers/{token}")
    assert response.status_code == 404 and "This link does not open an offer" in response.get_data(as_text=True)


def test_offer_link_decline_and_a_post_with_no_answer(db, client, at, full_session, post_form):
    _, held, w1, w2 = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    url = f"/offers/{make_offer_token(w1)}"
    assert post_form(url, {}).status_code == 400
    response = post_form(url, {"decline": "y"}, follow_redirects=True)
    assert "You have declined the place" in response.get_data(as_text=True)
    assert "This offer has ended" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Booking, b.id).status for b in (w1, w2)] == ["cancelled", "offered"]


def test_my_training_shows_the_offer_and_accepts_it(db, client, login, at, full_session, post_form):
    s, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    login(w1.user)
    page = client.get("/my-training").get_data(as_text=True)
    assert "Places offered to you" in page and "Accept by Wednesday 3 March 2027, 9:00am" in page
    action = f'action="/bookings/{w1.id}/offer"'
    assert action in page
    assert post_form("/my-training", {}, url=f"/bookings/{w1.id}/offer").status_code == 400
    response = post_form("/my-training", {"accept": "y"}, url=f"/bookings/{w1.id}/offer", follow_redirects=True)
    text_ = response.get_data(as_text=True)
    assert "You have accepted the place" in text_ and "Places offered to you" not in text_
    db.session.expire_all()
    assert db.session.get(Booking, w1.id).status == "confirmed"


def test_pages_and_feeds_show_an_offered_booking(db, client, login, at, full_session, hscp_admin):
    s, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    login(w1.user)
    page = client.get(f"/sessions/{s.id}").get_data(as_text=True)
    assert "A place on this session is held for you until Wednesday 3 March 2027, 9:00am" in page
    feed = client.get(f"/calendar/{w1.user.calendar_token}/bookings.ics")
    assert feed.status_code == 200 and "STATUS:TENTATIVE" in feed.get_data(as_text=True)
    s.course.owner_partnership = hscp_admin.partnership
    db.session.commit()
    login(hscp_admin)
    page = client.get(f"/admin/sessions/{s.id}/bookings").get_data(as_text=True)
    assert "Offered a place until Wednesday 3 March 2027, 9:00am" in page


def test_someone_else_cannot_answer_an_offer(db, client, login, at, full_session, post_form, make_user):
    _, held, w1, _ = full_session
    cancel_booking(held.user, held)
    db.session.commit()
    login(make_user())
    response = post_form("/my-training", {"accept": "y"}, url=f"/bookings/{w1.id}/offer")
    assert response.status_code == 403
    assert post_form("/my-training", {"accept": "y"}, url="/bookings/999999/offer").status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, w1.id).status == "offered"


# --------------------------------------------------------------------------- one place per course


def test_a_second_session_of_the_same_course_is_refused(db, at, make_user, make_course, make_session):
    at()
    course = make_course()
    first, second = make_session(course=course), make_session(course=course, starts_in=timedelta(days=21))
    person = make_user()
    book_place(person, first.id)
    with pytest.raises(AlreadyOnCourse, match="You already have a place on this course on Monday 15 March 2027"):
        book_place(person, second.id)
    db.session.rollback()
    course.allow_repeat_bookings = True
    db.session.commit()
    assert book_place(person, second.id).booking.status == "confirmed"


def test_waiting_on_one_date_blocks_another_but_a_past_session_does_not(db, at, make_user, make_course, make_session):
    at()
    course = make_course()
    full = make_session(course=course, capacity=1)
    later = make_session(course=course, starts_in=timedelta(days=28))
    holder, person = make_user(), make_user()
    book_place(holder, full.id)
    book_place(person, full.id)
    with pytest.raises(AlreadyOnCourse, match="already on the waiting list"):
        book_place(person, later.id)
    db.session.rollback()
    at(timedelta(days=15))  # the first session is over: the course may be booked again
    assert book_place(holder, later.id).booking.status == "confirmed"


def test_session_page_offers_to_change_instead_of_a_second_booking(
    db, client, login, at, make_user, make_course, make_session
):
    at()
    course = make_course()
    first, second = make_session(course=course), make_session(course=course, starts_in=timedelta(days=21))
    person = login(make_user())
    booking = book_place(person, first.id).booking
    db.session.commit()
    page = client.get(f"/sessions/{second.id}").get_data(as_text=True)
    assert "You already have a place on this course on Monday 15 March 2027" in page
    assert f'href="/bookings/{booking.id}/cancel"' in page
    assert "Book a place</button>" not in page


def test_course_form_saves_the_repeat_bookings_setting(db, client, login, hscp_admin, make_course, post_form):
    from test_admin import course_data

    course = make_course(owner="HSCP")
    login(hscp_admin)
    page = client.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    assert "People may book more than one session of this course" in page
    assert 'name="allow_repeat_bookings"' in page and "checked" not in re.sub(r"<input[^>]*radio[^>]*>", "", page)
    url = f"/admin/courses/{course.id}/edit"
    assert post_form(url, course_data(allow_repeat_bookings="y")).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(course), course.id).allow_repeat_bookings is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.updated")).one()
    assert event.details["changes"]["allow_repeat_bookings"] == {"before": False, "after": True}
    assert post_form(url, course_data()).status_code == 302  # an unticked box turns it off
    db.session.expire_all()
    assert db.session.get(type(course), course.id).allow_repeat_bookings is False


def test_full_session_lists_the_other_dates_with_places_before_the_waiting_list(
    db, client, login, at, make_user, make_course, make_session
):
    at()
    login(make_user())
    course = make_course()
    full = make_session(course=course, capacity=1)
    roomy = make_session(course=course, starts_in=timedelta(days=21), capacity=25, venue="Guildhall")
    also_full = make_session(course=course, starts_in=timedelta(days=22), capacity=1)
    make_session(course=course, starts_in=timedelta(days=23), booking_closes_at=NOW - timedelta(hours=1))
    make_session(course=course, starts_in=timedelta(days=23), booking_opens_at=NOW + timedelta(days=1))
    make_session(course=course, starts_in=timedelta(days=24), status="cancelled")
    make_session(starts_in=timedelta(days=25))  # another course
    book_place(make_user(), full.id)
    book_place(make_user(), also_full.id)
    book_place(make_user(), roomy.id)
    db.session.commit()
    page = client.get(f"/sessions/{full.id}").get_data(as_text=True)
    listed = page[page.index("Other dates with places") : page.index("Join the waiting list")]
    assert re.findall(r'href="/sessions/(\d+)"', listed) == [str(roomy.id)]
    assert "Monday 22 March 2027" in listed and "Guildhall" in listed and "24 places left" in listed
    assert "Other dates with places" not in client.get(f"/sessions/{roomy.id}").get_data(as_text=True)


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


def test_other_dates_take_one_query_however_many_there_are(db, client, at, make_user, make_course, make_session):
    at()
    course = make_course()
    full = make_session(course=course, capacity=1)
    book_place(make_user(), full.id)
    make_session(course=course, starts_in=timedelta(days=20))
    db.session.commit()
    few = count_statements(db, client, f"/sessions/{full.id}")
    for day in range(21, 31):
        make_session(course=course, starts_in=timedelta(days=day))
    many = count_statements(db, client, f"/sessions/{full.id}")
    assert many == few


# --------------------------------------------------------------------------- the schema


def test_the_database_accepts_offered_and_nothing_unknown(db, at, make_user, make_session):
    at()
    s, person, other = make_session(), make_user(), make_user()
    values = {"s": s.id, "u": person.id, "now": NOW}
    insert = "INSERT INTO bookings (session_id, user_id, status, requested_at, late_cancellation) "
    db.session.execute(text(insert + "VALUES (:s, :u, 'offered', :now, false)"), values)
    db.session.commit()
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.status == "offered")) == 1
    with pytest.raises(IntegrityError):
        db.session.execute(text(insert + "VALUES (:s, :u, 'pencilled', :now, false)"), {**values, "u": other.id})
    db.session.rollback()
