"""Bookings through the web pages: delegates, trainers and the partnership team."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from training_app import clock
from training_app.bookings.services import book_place
from training_app.constants import SIGN_IN_SHEET_WALK_IN_ROWS
from training_app.models import Booking


def count_bookings(db):
    return db.session.scalar(select(func.count(Booking.id)))


def test_practitioner_books_from_the_session_page(client, db, login, make_user, make_session, post_form):
    s = make_session(capacity=1)
    user = login(make_user())
    response = post_form(
        f"/sessions/{s.id}", {"access_needs": "Hearing loop"}, url=f"/sessions/{s.id}/book", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Your place is booked" in page and "You have a place on this session" in page
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.user_id, booking.status, booking.access_needs) == (user.id, "confirmed", "Hearing loop")
    my = client.get("/my-training").get_data(as_text=True)
    assert s.course.title in my and "Cancel booking" in my


def test_full_session_tells_the_waiting_list_position(client, db, login, make_user, make_session, post_form):
    s = make_session(capacity=1)
    book_place(make_user(), s.id)
    db.session.commit()
    login(make_user())
    page = post_form(f"/sessions/{s.id}", {}, url=f"/sessions/{s.id}/book", follow_redirects=True).get_data(
        as_text=True
    )
    assert "you are on the waiting list: number 1" in page
    assert "Waiting list: number 1" in client.get("/my-training").get_data(as_text=True)


def test_double_submit_makes_one_booking(client, db, login, make_user, make_session, post_form):
    s = make_session()
    login(make_user())
    post_form(f"/sessions/{s.id}", {}, url=f"/sessions/{s.id}/book")
    page = post_form(f"/sessions/{s.id}", {}, url=f"/sessions/{s.id}/book", follow_redirects=True)
    assert "You already have a booking for this session" in page.get_data(as_text=True)
    assert count_bookings(db) == 1


def test_booking_needs_sign_in_and_csrf(client, db, login, make_user, make_session, post_form):
    s = make_session()
    response = post_form(f"/sessions/{s.id}", {}, url=f"/sessions/{s.id}/book")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    login(make_user())
    refused = client.post(f"/sessions/{s.id}/book", data={})
    assert refused.status_code == 400 and "form has expired" in refused.get_data(as_text=True)
    assert count_bookings(db) == 0


def test_booking_unknown_session_is_404(client, login, make_user, post_form, make_session):
    s = make_session()
    login(make_user())
    assert post_form(f"/sessions/{s.id}", {}, url="/sessions/987654/book").status_code == 404


def test_booking_cancelled_session_shows_reason(client, db, login, make_user, make_session, post_form):
    s = make_session(status="cancelled")
    login(make_user())
    page = post_form(f"/sessions/{s.id}", {}, url=f"/sessions/{s.id}/book", follow_redirects=True)
    assert "This session has been cancelled" in page.get_data(as_text=True)
    assert count_bookings(db) == 0


def test_overlong_access_needs_is_refused_without_saving(client, db, login, make_user, make_session, post_form):
    s = make_session()
    login(make_user())
    page = post_form(
        f"/sessions/{s.id}", {"access_needs": "x" * 10000}, url=f"/sessions/{s.id}/book", follow_redirects=True
    )
    assert page.status_code == 200 and "1,000 characters or fewer" in page.get_data(as_text=True)
    assert count_bookings(db) == 0


def test_delegate_cancels_from_my_training(client, db, login, make_user, make_session, post_form):
    s = make_session(starts_in=timedelta(days=20))
    user = login(make_user())
    booking = book_place(user, s.id).booking
    db.session.commit()
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Cancel your place?" in page
    response = post_form(f"/bookings/{booking.id}/cancel", {}, follow_redirects=True)
    assert "has been cancelled" in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "cancelled"


def test_nobody_can_cancel_someone_elses_booking(client, db, login, make_user, make_session, post_form):
    s = make_session()
    owner = make_user()
    booking = book_place(owner, s.id).booking
    db.session.commit()
    login(make_user())
    assert client.get(f"/bookings/{booking.id}/cancel").status_code == 403
    assert client.get("/bookings/424242/cancel").status_code == 404
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_elearning_completion_is_recorded_once(client, db, login, make_user, make_course, post_form):
    course = make_course(format="elearning", title="Safeguarding Infants")
    login(make_user())
    post_form(f"/courses/{course.slug}", {}, url=f"/courses/{course.slug}/complete")
    page = post_form(f"/courses/{course.slug}", {}, url=f"/courses/{course.slug}/complete", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "already recorded" in text and "Safeguarding Infants" in text and "Completed" in text


def started_session(make_session, trainer, hours_ago=1):
    s = make_session(trainers=[trainer])
    s.starts_at = clock.now() - timedelta(hours=hours_ago)
    s.ends_at = s.starts_at + timedelta(hours=2)
    return s


def test_trainer_takes_the_register_and_downloads_it(client, db, login, make_user, make_session, post_form):
    trainer = make_user(role="trainer", name="Tess Trainer")
    s = make_session(trainers=[trainer])
    a, b = make_user(name="Ada Delegate"), make_user(name="=HYPERLINK(evil)")
    ba, bb = book_place(a, s.id, "Needs a hearing loop").booking, book_place(b, s.id).booking
    s.starts_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    login(trainer)
    assert s.course.title in client.get("/trainer/sessions").get_data(as_text=True)
    page = client.get(f"/trainer/sessions/{s.id}/register").get_data(as_text=True)
    assert "Ada Delegate" in page and "Needs a hearing loop" in page and "Solent NHS Trust" in page
    response = post_form(
        f"/trainer/sessions/{s.id}/register",
        {f"attendance-{ba.id}": "attended", f"attendance-{bb.id}": "no_show"},
        follow_redirects=True,
    )
    assert "Register saved: 1 attended, 1 did not attend" in response.get_data(as_text=True)
    db.session.refresh(ba)
    db.session.refresh(bb)
    assert (ba.status, bb.status) == ("attended", "no_show")
    csv_text = client.get(f"/trainer/sessions/{s.id}/register.csv").get_data(as_text=True)
    assert "Ada Delegate,Solent NHS Trust,Health,Health visitor,Needs a hearing loop,Attended" in csv_text
    assert "'=HYPERLINK(evil)" in csv_text
    assert "Sign-in sheet" in client.get(f"/trainer/sessions/{s.id}/sign-in-sheet").get_data(as_text=True)


def test_mark_everyone_attended_prefills_only_and_keeps_saved_marks(
    client, db, login, make_user, make_session, post_form
):
    trainer = make_user(role="trainer")
    s = make_session(trainers=[trainer])
    came, stayed_away = make_user(name="Ada Came"), make_user(name="Noel Away")
    ba, bb = book_place(came, s.id).booking, book_place(stayed_away, s.id).booking
    s.starts_at = clock.now() - timedelta(hours=1)
    bb.status = "no_show"  # already marked before
    db.session.commit()
    login(trainer)
    plain = client.get(f"/trainer/sessions/{s.id}/register").get_data(as_text=True)
    assert "Mark everyone as attended" in plain
    assert plain.count("checked") == 1  # only the saved mark
    page = client.get(f"/trainer/sessions/{s.id}/register?prefill=attended").get_data(as_text=True)
    assert "Nothing is saved until you do" in page
    assert f'id="attendance-{ba.id}" name="attendance-{ba.id}" type="radio" value="attended" checked' in page
    # A saved "did not attend" is not overwritten by the prefill.
    assert f'name="attendance-{bb.id}" type="radio" value="no_show" checked' in page
    db.session.refresh(ba)
    assert ba.status == "confirmed"  # the prefill saved nothing
    response = post_form(
        f"/trainer/sessions/{s.id}/register?prefill=attended",
        {f"attendance-{ba.id}": "attended", f"attendance-{bb.id}": "no_show"},
        follow_redirects=True,
    )
    assert "Register saved: 1 attended, 1 did not attend" in response.get_data(as_text=True)


def test_sign_in_sheet_has_blank_rows_for_walk_ins(client, db, login, make_user, make_session):
    trainer = make_user(role="trainer")
    s = make_session(trainers=[trainer])
    book_place(make_user(name="Ada Booked"), s.id)
    db.session.commit()
    login(trainer)
    page = client.get(f"/trainer/sessions/{s.id}/sign-in-sheet").get_data(as_text=True)
    assert "1 booked. Walk-ins" in page and "Ada Booked" in page
    assert page.count("app-sign-in-sheet__walk-in") == SIGN_IN_SHEET_WALK_IN_ROWS


def test_register_rejects_junk_values(client, db, login, make_user, make_session, post_form):
    trainer = make_user(role="trainer")
    s = make_session(trainers=[trainer])
    booking = book_place(make_user(), s.id).booking
    s.starts_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    login(trainer)
    page = post_form(f"/trainer/sessions/{s.id}/register", {f"attendance-{booking.id}": "maybe"})
    assert page.status_code == 200 and "Choose attended or did not attend" in page.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_register_is_private_to_the_sessions_trainers_and_owning_admins(client, db, login, make_user, make_session):
    trainer, other_trainer = make_user(role="trainer"), make_user(role="trainer")
    s = make_session(trainers=[trainer])  # an HSCP course
    urls = [
        f"/trainer/sessions/{s.id}/register",
        f"/trainer/sessions/{s.id}/register.csv",
        f"/trainer/sessions/{s.id}/sign-in-sheet",
    ]
    for person, expected in [
        (make_user(), 403),
        (other_trainer, 403),
        (make_user(role="partnership_admin", partnership="IOWSCP"), 403),
        (make_user(role="partnership_admin", partnership="HSCP"), 200),
        (make_user(role="system_admin"), 200),
        (trainer, 200),
    ]:
        login(person)
        assert [client.get(url).status_code for url in urls] == [expected] * 3, person.role


def test_admin_session_page_shows_lists_and_audit(client, db, login, make_user, make_session, post_form):
    s = make_session(capacity=1)
    first, second = make_user(name="First Person"), make_user(name="Second Person")
    book_place(first, s.id)
    book_place(second, s.id)
    db.session.commit()
    login(make_user(role="partnership_admin", partnership="HSCP", name="Hannah Admin"))
    page = client.get(f"/admin/sessions/{s.id}/bookings").get_data(as_text=True)
    assert "Confirmed (1)" in page and "Waiting list, in order (1)" in page
    assert "Second Person joined the waiting list for" in page and "First Person booked a place on" in page
    response = post_form(
        f"/admin/sessions/{s.id}/bookings",
        {"capacity": "2"},
        url=f"/admin/sessions/{s.id}/capacity",
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Capacity is now 2. 1 promoted from the waiting list." in text
    assert "Hannah Admin changed the number of places on" in text and "Places: 1 → 2" in text
    # Two weeks away: the freed place is offered (bookings/promotion.place_terms), not confirmed.
    assert "Second Person was offered a place on" in text and "Offer open until:" in text


def test_admin_capacity_junk_is_refused(client, db, login, make_user, make_session, post_form):
    s = make_session(capacity=5)
    login(make_user(role="system_admin"))
    for junk in ["", "abc", "-3", "0", "99999999999999999999", "10.5", "1e3"]:
        response = post_form(
            f"/admin/sessions/{s.id}/bookings",
            {"capacity": junk},
            url=f"/admin/sessions/{s.id}/capacity",
            follow_redirects=True,
        )
        assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True), junk
    db.session.refresh(s)
    assert s.capacity == 5


def test_admin_cancels_a_session(client, db, login, make_user, make_session, post_form):
    s = make_session()
    delegate = make_user()
    book_place(delegate, s.id)
    db.session.commit()
    login(make_user(role="system_admin"))
    blank = post_form(f"/admin/sessions/{s.id}/cancel", {"reason": ""})
    assert "Enter a reason for the delegates" in blank.get_data(as_text=True)
    done = post_form(f"/admin/sessions/{s.id}/cancel", {"reason": "Trainer unwell"}, follow_redirects=True)
    assert "1 delegates have been told" in done.get_data(as_text=True)
    db.session.refresh(s)
    assert s.status == "cancelled"


def test_admin_postpones_with_a_new_date(client, db, login, make_user, make_session, post_form):
    s = make_session()
    login(make_user(role="system_admin"))
    bad = post_form(
        f"/admin/sessions/{s.id}/postpone",
        {"reason": "Venue", "new_date": "31/2/2027", "new_start": "25:00", "new_end": "x"},
    )
    text = bad.get_data(as_text=True)
    assert "Enter the new date like 27/3/2027" in text and "Enter the new start time" in text
    day = (clock.to_london(clock.now()) + timedelta(days=60)).date()
    good = post_form(
        f"/admin/sessions/{s.id}/postpone",
        {"reason": "Venue", "new_date": day.strftime("%d/%m/%Y"), "new_start": "09:30", "new_end": "12:00"},
        follow_redirects=True,
    )
    assert "postponed and every delegate has been told" in good.get_data(as_text=True)
    db.session.refresh(s)
    assert clock.to_london(s.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day:%Y-%m-%d} 09:30"


def test_admin_pages_are_forbidden_to_others(client, db, login, make_user, make_session):
    s = make_session()  # HSCP
    booking = book_place(make_user(), s.id).booking
    db.session.commit()
    urls = [
        f"/admin/sessions/{s.id}/bookings",
        f"/admin/sessions/{s.id}/cancel",
        f"/admin/sessions/{s.id}/postpone",
        f"/admin/bookings/{booking.id}/move",
    ]
    for person in [make_user(), make_user(role="trainer"), make_user(role="partnership_admin", partnership="IOWSCP")]:
        login(person)
        assert [client.get(u).status_code for u in urls] == [403] * 4
    login(make_user(role="system_admin"))
    assert client.get("/admin/sessions/999999/bookings").status_code == 404


def test_navigation_shows_each_role_its_areas(client, db, login, make_user):
    def nav_for(user):
        if user:
            login(user)
        return re.sub(r"\s+", "", client.get("/").get_data(as_text=True))

    anonymous = nav_for(None)
    assert ">Signin<" in anonymous and ">Mytraining<" not in anonymous
    practitioner = nav_for(make_user())
    assert ">Mytraining<" in practitioner and ">Programme<" not in practitioner
    assert ">Evaluations<" not in practitioner
    trainer = nav_for(make_user(role="trainer"))
    assert ">SessionsIdeliver<" in trainer and ">Evaluations<" in trainer and ">Reports<" not in trainer
    admin = nav_for(make_user(role="partnership_admin", partnership="HSCP"))
    assert ">Programme<" in admin and ">Reports<" in admin


def test_prerequisite_is_explained_before_booking_and_recording_it_returns_to_the_session(
    client, db, login, make_user, make_course, make_session, post_form
):
    level_3 = make_session(course=make_course(title="Level 3 Multi-agency", level=3, prerequisite_min_level=2))
    person = make_user(name="Pat Newcomer")
    login(person)
    page = client.get(f"/sessions/{level_3.id}").get_data(as_text=True)
    assert "Before you can book" in page and "completed Level 2 safeguarding children training" in page
    assert "Book a place" not in page  # no button for someone who cannot book
    assert f'href="/account?next=/sessions/{level_3.id}"' in page
    assert 'href="/?level=2"' in page

    response = post_form(
        f"/account?next=/sessions/{level_3.id}",
        {
            "name": "Pat Newcomer",
            "agency_id": str(person.agency_id),
            "job_role": person.job_role or "Teacher",
            "external_level_completed": "2",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/sessions/{level_3.id}"
    page = client.get(f"/sessions/{level_3.id}").get_data(as_text=True)
    assert "Before you can book" not in page and "Book a place" in page


def test_account_next_never_leaves_the_site(client, db, login, make_user, post_form):
    person = make_user()
    login(person)
    fields = {"name": person.name, "agency_id": str(person.agency_id), "job_role": "Teacher"}
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = post_form(f"/account?next={target}", {**fields, "external_level_completed": ""})
        assert response.headers["Location"] == "/account", target
