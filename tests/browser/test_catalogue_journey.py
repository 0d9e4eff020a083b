"""A practitioner finds a course in a real browser; every page visited passes axe (WCAG 2.2 AA)."""

import re
from datetime import timedelta

from playwright.sync_api import expect

PREREQUISITE = (
    "Applicants must have completed Level 2 training and be working confidently at this level to be suitable."
)


def test_practitioner_signs_in_searches_and_opens_a_course_and_session(
    page, db, make_user, make_course, make_session, axe_check, sign_in_through_page, release
):
    practitioner = make_user(email="hv@example.org", name="Hana Visitor", level=2)
    course = make_course(
        title="Working Together to Safeguard Children",
        owner="IOWSCP",
        format="blended",
        level=3,
        summary="For professionals who contribute to assessing, planning, intervening and evaluating "
        "the needs of children.",
        prerequisite_text=PREREQUISITE,
        prerequisite_min_level=2,
        pre_course_work="Pre-course workbook",
    )
    make_session(course=course, starts_in=timedelta(days=21), hours=6, capacity=24, venue=None, online_platform="Zoom")
    other = make_course(title="Child Neglect", owner="HSCP")
    make_session(course=other)
    email, course_title = practitioner.email, course.title
    release()

    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in_through_page(page, email, axe=axe_check)
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Find training").click()
    expect(page.get_by_text("2 courses found")).to_be_visible()
    page.get_by_label("Search courses").fill("working together")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]q=working\+together"))
    expect(page.get_by_text("1 course found")).to_be_visible()
    expect(page.get_by_role("link", name="Child Neglect")).to_have_count(0)
    result = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=course_title))
    expect(result).to_contain_text("Level 3 · Blended (workbook, then a session) · IOWSCP")
    expect(result).to_contain_text("24 places left")
    axe_check(page, "the catalogue results")

    page.get_by_role("link", name=course_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course_title)
    expect(page.get_by_text(PREREQUISITE)).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="Level")).to_contain_text("Level 3")
    axe_check(page, "the course page")

    sessions = page.get_by_role("table", name=f"Upcoming sessions of {course_title}")
    expect(sessions.get_by_role("row")).to_have_count(2)  # the header and one session
    expect(sessions).to_contain_text("Online (Zoom)")
    sessions.get_by_role("link").click()
    expect(page.locator(".govuk-caption-l")).to_have_text(course_title)
    expect(page.get_by_text(PREREQUISITE)).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="Places")).to_contain_text("24 places left (of 24)")
    axe_check(page, "the session page")


def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_session(
    page, db, make_user, make_session, sign_in_through_page, release
):
    practitioner = make_user(email="dsl@example.org")
    course_session = make_session()
    email, session_path = practitioner.email, f"/sessions/{course_session.id}"
    release()

    page.goto(session_path)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in_through_page(page, email)
    expect(page).to_have_url(re.compile(re.escape(session_path) + "$"))


def test_wrong_password_shows_an_error_summary_that_passes_axe(page, db, make_user, axe_check, release):
    email = make_user(email="wrong@example.org").email
    release()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    axe_check(page, "the sign-in page with an error")


def test_axe_reports_an_unlabelled_input_and_an_image_without_alt(page, axe_violations):
    page.set_content("""<!doctype html><html lang="en"><head><title>Broken page</title></head>
        <body><main><h1>Broken</h1>
        <form><input type="text" name="surname"></form>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        </main></body></html>""")
    violations = axe_violations(page)
    ids = {violation["id"] for violation in violations}
    assert {"label", "image-alt"} <= ids, ids
    label = next(v for v in violations if v["id"] == "label")
    assert label["nodes"][0]["target"] == ["input"]


def test_axe_passes_the_same_page_once_fixed(page, axe_check):
    page.set_content("""<!doctype html><html lang="en"><head><title>Fixed page</title></head>
        <body><main><h1>Fixed</h1>
        <form><label for="surname">Surname</label><input type="text" id="surname" name="surname"></form>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
        </main></body></html>""")
    axe_check(page, "the fixed page")
