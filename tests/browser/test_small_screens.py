"""Phones, wide desktops and paper: no page scrolls sideways at 320 px, the register and My training work
at 375 px, and printed pages leave the menus and footer off."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from training_app import clock
from training_app.bookings.attendance import record_attendance
from training_app.bookings.services import book_place

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def world(db, make_user, make_course, make_session, release):
    admin = make_user(role="system_admin", email="small.admin@example.org", name="Sam Admin")
    trainer = make_user(role="trainer", email="small.trainer@example.org", name="Tess Trainer")
    delegate = make_user(email="small.delegate@example.org", name="Della Delegate")
    course = make_course(
        title="Safeguarding Children and Young People with Disabilities: Multi-agency Working",
        learning_outcomes=["Recognise the additional vulnerabilities of disabled children", "Respond"],
        allow_repeat_bookings=True,  # the delegate has a past and an upcoming date of it
    )
    past = make_session(course=course, trainers=[trainer], capacity=3)
    upcoming = make_session(course=course, trainers=[trainer], starts_in=timedelta(days=30), capacity=1)
    people = [make_user(name=f"Bartholomew-Fitzwilliam Longname-Delegate {n}") for n in range(2)]
    bookings = [book_place(person, past.id, "Step-free access and a hearing loop").booking for person in people]
    bookings.append(book_place(delegate, past.id).booking)
    book_place(delegate, upcoming.id)
    book_place(people[0], upcoming.id)  # waitlisted
    past.starts_at = clock.now() - timedelta(hours=3)
    past.ends_at = clock.now() - timedelta(hours=1)
    record_attendance(admin, past, {bookings[0].id: "attended"})
    db.session.commit()
    ids = {"course": course.id, "slug": course.slug, "past": past.id, "upcoming": upcoming.id}
    emails = {"admin": admin.email, "trainer": trainer.email, "delegate": delegate.email}
    release()
    return ids, emails


def staff_paths(ids):
    return [
        "/admin/",
        f"/admin/courses/{ids['course']}/edit",
        f"/admin/courses/{ids['course']}/sessions",
        f"/admin/courses/{ids['course']}/sessions/new",
        f"/admin/sessions/{ids['upcoming']}/bookings",
        "/admin/users",
        "/admin/audit",
        f"/trainer/sessions/{ids['past']}/register",
        f"/trainer/sessions/{ids['past']}/sign-in-sheet",
        "/trainer/sessions",
        "/reports/capacity",
        "/reports/reach",
        "/reports/annual",
        "/evaluations/summary",
        f"/evaluations/summary?course={ids['course']}",
    ]


def practitioner_paths(ids):
    return [
        "/",
        f"/courses/{ids['slug']}",
        f"/sessions/{ids['upcoming']}",
        "/my-training",
        "/evaluations/mine",
        "/account",
    ]


def assert_no_sideways_scroll(page, paths):
    wide = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        overflow = page.evaluate(SIDEWAYS)
        if overflow > 0:
            wide.append(f"{path} scrolls sideways by {overflow}px")
    assert not wide, "\n".join(wide)


def test_no_page_scrolls_sideways_at_320px(page, world, sign_in_through_page):
    ids, emails = world
    page.set_viewport_size({"width": 320, "height": 900})
    assert_no_sideways_scroll(page, ["/", f"/courses/{ids['slug']}", "/sign-in", "/register", "/help/privacy"])
    sign_in_through_page(page, emails["admin"])
    assert_no_sideways_scroll(page, staff_paths(ids))
    page.context.clear_cookies()
    sign_in_through_page(page, emails["delegate"])
    assert_no_sideways_scroll(page, practitioner_paths(ids))


def test_wide_staff_pages_fit_at_1280px_and_the_menu_is_one_line(page, world, sign_in_through_page):
    ids, emails = world
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_through_page(page, emails["admin"])
    assert_no_sideways_scroll(page, staff_paths(ids))
    items = page.locator(".govuk-service-navigation__item")
    tops = {round(box["y"]) for box in (items.nth(i).bounding_box() for i in range(items.count()))}
    assert len(tops) == 1, f"the main menu wraps onto {len(tops)} lines at 1280px"


def test_register_works_on_a_phone(page, world, axe_check, sign_in_through_page):
    ids, emails = world
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in_through_page(page, emails["admin"])
    page.goto(f"/trainer/sessions/{ids['past']}/register")
    page.get_by_role("link", name="Mark everyone as attended").click()
    axe_check(page, "the register, everyone marked, at 375px")
    assert page.evaluate(SIDEWAYS) <= 0
    group = page.get_by_role("group", name="Attendance for Della Delegate")
    group.get_by_label("Did not attend").scroll_into_view_if_needed()
    box = group.get_by_label("Did not attend").bounding_box()
    assert box and 0 <= box["x"] and box["x"] + box["width"] <= 375, "the attendance choice is off-screen"
    group.get_by_label("Did not attend").check()
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Register saved: 2 attended, 1 did not attend")


def test_my_training_fits_a_phone(page, world, axe_check, sign_in_through_page):
    ids, emails = world
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in_through_page(page, emails["delegate"])
    page.goto("/my-training")
    axe_check(page, "My training at 375px")
    assert page.evaluate(SIDEWAYS) <= 0


def test_printed_pages_leave_the_menus_off(page, world, sign_in_through_page):
    ids, emails = world
    sign_in_through_page(page, emails["admin"])
    page.emulate_media(media="print")
    for path in (f"/trainer/sessions/{ids['past']}/sign-in-sheet", "/reports/annual?print=1"):
        page.goto(path)
        expect(page.locator(".govuk-service-navigation")).to_be_hidden()
        expect(page.locator(".govuk-footer")).to_be_hidden()
    page.goto(f"/trainer/sessions/{ids['past']}/sign-in-sheet")
    signature = page.locator("th.app-sign-in-sheet__signature").bounding_box()
    table = page.locator("table.app-sign-in-sheet").bounding_box()
    assert signature and table and signature["width"] >= 0.4 * table["width"]
