"""The training team's session tools: booking someone on their behalf, and emailing a session's people."""

from sqlalchemy import select

from training_app.audit_text import describe
from training_app.models import AuditEvent, Booking, OutboxMessage


def outbox(db, subject_part=""):
    return [
        m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if subject_part in m.subject
    ]


def test_admin_books_someone_on_with_the_same_rules(client, db, login, make_user, make_session, post_form):
    session = make_session(capacity=1)
    admin = make_user("partnership_admin", "HSCP", name="Asha Patel")
    jo, sam = make_user(name="Jo Bloggs", email="jo@example.org"), make_user(name="Sam Waits", email="sam@example.org")
    login(admin)
    url = f"/admin/sessions/{session.id}/book-someone"

    first = post_form(url, {"email": "JO@example.org", "access_needs": "Step-free access"}, follow_redirects=True)
    assert "Jo Bloggs is booked on, with a place. They have been emailed." in first.get_data(as_text=True)
    second = post_form(url, {"email": "sam@example.org"}, follow_redirects=True)
    assert "Sam Waits is number 1 on the waiting list." in second.get_data(as_text=True)

    bookings = {b.user.name: b for b in db.session.scalars(select(Booking))}
    assert bookings["Jo Bloggs"].status == "confirmed" and bookings["Jo Bloggs"].access_needs == "Step-free access"
    assert bookings["Sam Waits"].status == "waitlisted"
    confirmed_email = outbox(db, "Booking confirmed")[0]
    assert confirmed_email.to_address == "jo@example.org"
    assert "Asha Patel of the training team made this booking for you." in confirmed_email.body_text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "booking.created")).all()
    assert {e.actor_id for e in events} == {admin.id}
    assert describe(events)[0].sentence.startswith("Asha Patel booked Jo Bloggs onto ")
    assert jo.id != sam.id


def test_booking_on_behalf_refusals_keep_the_form(client, db, login, make_user, make_course, make_session, post_form):
    session = make_session(course=make_course(level=3, prerequisite_min_level=2))
    make_user(name="Nia Newcomer", email="nia@example.org")
    login(make_user("system_admin"))
    url = f"/admin/sessions/{session.id}/book-someone"
    for data, message in [
        ({"email": "nobody@example.org"}, "No open account has this email address."),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter the email address of the person&#39;s account"),
        ({"email": "nia@example.org"}, "Nia Newcomer has not completed Level 2 safeguarding children training"),
    ]:
        page = post_form(url, data)
        assert page.status_code == 200 and message in page.get_data(as_text=True), data
    assert db.session.scalar(select(Booking.id)) is None


def test_booking_on_behalf_twice_says_they_are_already_booked(client, db, login, make_user, make_session, post_form):
    session = make_session()
    make_user(name="Jo Bloggs", email="jo@example.org")
    login(make_user("system_admin"))
    url = f"/admin/sessions/{session.id}/book-someone"
    post_form(url, {"email": "jo@example.org"})
    page = post_form(url, {"email": "jo@example.org"}).get_data(as_text=True)
    assert "Jo Bloggs already has a booking for this session." in page


def test_admin_emails_each_group_through_the_outbox(client, db, login, make_user, make_session, post_form):
    from training_app.bookings.services import book_place

    session = make_session(capacity=2)
    people = [make_user(name=f"Person {n}", email=f"p{n}@example.org") for n in range(3)]
    for person in people:
        book_place(person, session.id)
    db.session.commit()
    admin = make_user("partnership_admin", "HSCP", name="Asha Patel")
    login(admin)
    url = f"/admin/sessions/{session.id}/email"
    sent = post_form(
        url,
        {"audience": "places", "subject": "Room change", "message": "We are now in Room 4."},
        follow_redirects=True,
    )
    assert "Your message is on its way to 2 people." in sent.get_data(as_text=True)
    waiting = post_form(url, {"audience": "waiting_list", "subject": "Still waiting", "message": "Hang on."})
    assert waiting.status_code == 302
    everyone = post_form(url, {"audience": "everyone", "subject": "Parking", "message": "Use the rear car park."})
    assert everyone.status_code == 302

    assert sorted(m.to_address for m in outbox(db, "Room change")) == ["p0@example.org", "p1@example.org"]
    assert [m.to_address for m in outbox(db, "Still waiting")] == ["p2@example.org"]
    assert len(outbox(db, "Parking")) == 3
    room = outbox(db, "Room change")[0]
    assert "A message from Asha Patel of the training team" in room.body_text
    assert "We are now in Room 4." in room.body_text and session.course.title in room.body_text
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.emailed")).all()
    lines = describe(audit)[0]
    assert lines.sentence.startswith("Asha Patel sent a message about ")
    assert lines.details == ["Audience: Everyone with a place", "Subject: Room change", "Recipients: 2"]


def test_emailing_needs_a_group_with_people_and_valid_fields(client, db, login, make_user, make_session, post_form):
    session = make_session()
    login(make_user("system_admin"))
    url = f"/admin/sessions/{session.id}/email"
    empty = post_form(url, {"audience": "places", "subject": "Hello", "message": "Hi"}).get_data(as_text=True)
    assert "Nobody on this session is in the group you chose." in empty
    for data, message in [
        ({"audience": "nonsense", "subject": "S", "message": "M"}, "Not a valid choice"),
        ({"audience": "places", "subject": "", "message": "M"}, "Enter a subject"),
        ({"audience": "places", "subject": "S", "message": ""}, "Enter your message"),
        ({"audience": "places", "subject": "S" * 151, "message": "M"}, "Subject must be 150 characters or fewer"),
    ]:
        page = post_form(url, data)
        assert page.status_code == 200 and message in page.get_data(as_text=True), data
    assert outbox(db) == []


def test_other_partnerships_cannot_use_the_tools(client, db, login, make_user, make_session, post_form):
    session = make_session()  # an HSCP course
    make_user(email="jo@example.org")
    login(make_user("partnership_admin", "IOWSCP"))
    for path in ("book-someone", "email"):
        assert client.get(f"/admin/sessions/{session.id}/{path}").status_code == 403
    response = post_form("/", {"email": "jo@example.org"}, url=f"/admin/sessions/{session.id}/book-someone")
    assert response.status_code == 403
    assert db.session.scalar(select(Booking.id)) is None
