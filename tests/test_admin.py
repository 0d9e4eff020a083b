"""The partnership team's course pages: list, add, edit, archive, restore, and who may use them."""

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from training_app.demo import seed_demo
from training_app.models import AuditEvent, Booking, Course, CourseSession, User


def course_data(**overrides):
    data = {
        "title": "Neglect: recognising and responding",
        "slug": "",
        "summary": "How to spot neglect early and what to do.",
        "learning_outcomes": (
            "Recognise the signs of neglect\r\n\r\n  Use the graded care profile  \r\nKnow when to refer"
        ),
        "level": "3",
        "level_kind": "subject_specific",
        "format": "face_to_face",
        "audience": "Practitioners working with families",
        "duration_minutes": "180",
        "prerequisite_text": "Applicants must have completed Level 2 training",
        "prerequisite_min_level": "2",
        "pre_course_work": "Read the neglect strategy",
        "elearning_url": "",
        "status": "published",
    }
    data.update(overrides)
    return data


class FormValues(HTMLParser):
    """The values a browser would submit from the first POST form on a page."""

    def __init__(self):
        super().__init__()
        self.data, self.in_form, self.textarea, self.select = {}, False, None, None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post" and not self.data:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a["name"], a.get("value", "on"))
            else:
                self.add(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.add(self.textarea, "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.textarea:  # browsers drop the newline that follows <textarea>
                self.data[self.textarea][-1] = self.data[self.textarea][-1].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def error_summary(html):
    """The error messages a page shows in its error summary."""
    if "govuk-error-summary__list" not in html:
        return []
    start = html.index("govuk-error-summary__list")
    return [m.strip() for m in re.findall(r'<a href="#[^"]*">([^<]*)</a>', html[start : html.index("</ul>", start)])]


def form_values(html):
    parser = FormValues()
    parser.feed(html)
    return parser.data


def course_count(db):
    return db.session.scalar(select(func.count(Course.id)))


def audit_actions(db, course):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "Course", AuditEvent.target_id == course.id)
            .order_by(AuditEvent.id)
        )
    ]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def row_of(html, text):
    """The table row that contains `text`."""
    at = html.index(text)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


# ---------------------------------------------------------------- the list


def test_partnership_admin_lists_own_courses_with_upcoming_count(
    client, db, login, hscp_admin, make_course, make_session
):
    mine = make_course("Working Together Level 3", owner="HSCP")
    make_session(mine, starts_in=timedelta(days=3))
    make_session(mine, starts_in=timedelta(days=30))
    make_session(mine, starts_in=timedelta(days=-3))  # past: not upcoming
    make_session(mine, starts_in=timedelta(days=5), status="cancelled")  # cancelled: not upcoming
    make_course("Draft course HSCP", owner="HSCP", status="draft")
    make_course("Old course HSCP", owner="HSCP", status="archived")
    make_course("Island course", owner="IOWSCP")
    login(hscp_admin)
    html = page(client, "/admin/")
    assert "Working Together Level 3" in html
    assert "Draft course HSCP" in html and "Old course HSCP" in html
    assert "Island course" not in html
    assert "3 courses" in html
    row = row_of(html, "Working Together Level 3")
    assert "Published" in row and '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row
    assert "Draft" in row_of(html, "Draft course HSCP") and "Archived" in row_of(html, "Old course HSCP")
    assert html.index("Draft course HSCP") < html.index("Old course HSCP") < html.index("Working Together")
    assert f"/admin/courses/{mine.id}/edit" in html and f"/admin/courses/{mine.id}/sessions" in html
    assert "/admin/courses/new" in html


def test_system_admin_sees_all_and_filters_by_partnership(client, login, system_admin, make_course):
    make_course("Hampshire course", owner="HSCP")
    make_course("Island course", owner="IOWSCP")
    login(system_admin)
    html = page(client, "/admin/")
    assert "Hampshire course" in html and "Island course" in html and "2 courses" in html
    html = page(client, "/admin/?partnership=IOWSCP")
    assert "Island course" in html and "Hampshire course" not in html and "1 course run by IOWSCP" in html
    html = page(client, "/admin/?partnership=NOPE")
    assert "Hampshire course" in html and "Island course" in html


@pytest.mark.parametrize("role", ["practitioner", "trainer"])
def test_practitioners_and_trainers_get_403_on_every_admin_page(
    client, db, login, make_user, make_course, make_session, role
):
    course = make_course()
    s = make_session(course)
    login(make_user(role))
    for url in [
        "/admin/",
        "/admin/courses/new",
        f"/admin/courses/{course.id}/edit",
        f"/admin/courses/{course.id}/sessions",
        f"/admin/courses/{course.id}/sessions/new",
        f"/admin/sessions/{s.id}/edit",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        f"/admin/courses/{course.id}/archive",
        f"/admin/courses/{course.id}/restore",
        "/admin/courses/new",
        f"/admin/courses/{course.id}/edit",
    ]:
        # Refused before the CSRF check matters: no token at all is sent here, and nothing changes.
        assert client.post(url, data={}).status_code in (400, 403), url
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "published"


def test_anonymous_is_sent_to_sign_in(client, make_course):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_unknown_course_is_404(client, login, system_admin):
    login(system_admin)
    assert client.get("/admin/courses/99999/edit").status_code == 404
    assert client.get("/admin/courses/99999/sessions").status_code == 404
    assert client.get("/admin/sessions/99999/edit").status_code == 404


# ---------------------------------------------------------------- add


def test_partnership_admin_adds_a_course(client, db, login, post_form, hscp_admin, partnerships):
    login(hscp_admin)
    response = post_form(
        "/admin/courses/new",
        {
            **course_data(),
            "joint_partnership_ids": [str(partnerships["PSCP"].id), str(partnerships["HSCP"].id)],
            # A partnership admin cannot choose the owner: this is ignored.
            "owner_partnership_id": str(partnerships["IOWSCP"].id),
        },
    )
    assert response.status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert course.slug == "neglect-recognising-and-responding"
    assert course.owner_partnership.code == "HSCP"
    assert course.learning_outcomes == [
        "Recognise the signs of neglect",
        "Use the graded care profile",
        "Know when to refer",
    ]
    assert (course.level, course.level_kind) == (3, "subject_specific")
    assert course.level_label == "Level 3 subject specific"
    assert course.duration_minutes == 180 and course.prerequisite_min_level == 2
    assert course.status == "published" and course.is_hips is False
    assert [p.code for p in course.joint_partnerships] == ["PSCP"]  # the owner is not also "joint"
    assert audit_actions(db, course) == ["course.created"]
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.actor_id == hscp_admin.id and event.details["values"]["title"] == course.title
    # It is in the public catalogue now.
    client.get("/sign-out")
    assert course.title in client.get("/").get_data(as_text=True)


def test_add_course_form_renders_for_both_admin_kinds(client, login, hscp_admin, system_admin):
    login(hscp_admin)
    html = page(client, "/admin/courses/new")
    assert 'name="owner_partnership_id"' not in html and 'name="title"' in html and 'name="csrf_token"' in html
    login(system_admin)
    html = page(client, "/admin/courses/new")
    assert 'name="owner_partnership_id"' in html


def test_system_admin_chooses_the_owner(client, db, login, post_form, system_admin, partnerships):
    login(system_admin)
    response = post_form(
        "/admin/courses/new", {**course_data(status="draft"), "owner_partnership_id": str(partnerships["SSCP"].id)}
    )
    assert response.status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert course.owner_partnership.code == "SSCP" and course.status == "draft"
    # A draft is not public.
    client.get("/sign-out")
    assert client.get(f"/courses/{course.slug}").status_code == 404


def test_system_admin_must_choose_an_owner(client, db, login, post_form, system_admin):
    login(system_admin)
    response = post_form("/admin/courses/new", course_data())
    assert response.status_code == 200
    assert "Select the partnership that owns the course" in response.get_data(as_text=True)
    assert course_count(db) == 0


def test_generated_slug_is_made_unique_and_ascii(client, db, login, post_form, hscp_admin, make_course):
    make_course(slug="cafe-creme-safeguarding")
    login(hscp_admin)
    assert post_form("/admin/courses/new", course_data(title="Café crème: safeguarding 🙂")).status_code == 302
    course = db.session.scalars(select(Course).where(Course.title.startswith("Café"))).one()
    assert course.title == "Café crème: safeguarding 🙂"  # odd Unicode is kept exactly
    assert course.slug == "cafe-creme-safeguarding-2"


def test_elearning_course_needs_an_https_link(client, db, login, post_form, hscp_admin):
    login(hscp_admin)
    html = post_form("/admin/courses/new", course_data(format="elearning")).get_data(as_text=True)
    assert "Enter the e-learning link" in html and course_count(db) == 0
    html = post_form(
        "/admin/courses/new", course_data(format="elearning", elearning_url="javascript:alert(1)")
    ).get_data(as_text=True)
    assert "must be a full web address starting with https://" in html and course_count(db) == 0
    response = post_form(
        "/admin/courses/new", course_data(format="elearning", elearning_url="https://learning.example.org/m1")
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Course)).one().elearning_url == "https://learning.example.org/m1"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Enter a title"),
        ({"title": "   "}, "Enter a title"),
        ({"title": "x" * 10000}, "Title must be 200 characters or fewer"),
        ({"title": "Bad\x00title"}, "Title must not contain control characters"),
        ({"title": "Evil \u202egnp.exe"}, "Title must not contain text direction control characters"),
        ({"summary": "nul \x00 byte"}, "Summary must not contain control characters"),
        ({"slug": "Not A Slug!"}, "Slug must only include lower case letters"),
        ({"level": "3", "level_kind": ""}, "Select the kind of level"),
        ({"level": "", "level_kind": "core"}, "Select a level for this kind of level"),
        ({"level": "9"}, "Choose one of the listed options for ‘Level’"),
        ({"format": ""}, "Select a format"),
        ({"format": "carrier_pigeon"}, "Choose one of the listed options for ‘Format’"),
        ({"duration_minutes": "three hours"}, "Duration in minutes must be a whole number"),
        ({"duration_minutes": "0"}, "Duration in minutes must be 1 or more"),
        ({"learning_outcomes": "\n".join(f"Outcome {i}" for i in range(31))}, "30 learning outcomes or fewer"),
        ({"status": "archived"}, "Choose one of the listed options for ‘Status’"),
    ],
)
def test_invalid_course_input_rerenders_with_error_summary(
    client, db, login, post_form, hscp_admin, overrides, message
):
    login(hscp_admin)
    response = post_form("/admin/courses/new", course_data(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert message in html
    assert "<title>Error:" in html
    assert course_count(db) == 0


def test_missing_keys_rerender_not_500(client, db, login, post_form, hscp_admin):
    login(hscp_admin)
    response = post_form("/admin/courses/new", {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter a title" in html and "Select a format" in html
    assert course_count(db) == 0


def test_duplicate_slug_is_a_clear_error(client, db, login, post_form, hscp_admin, make_course):
    make_course(slug="neglect", owner="IOWSCP")
    login(hscp_admin)
    response = post_form("/admin/courses/new", course_data(slug="neglect"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "The slug &#39;neglect&#39; is already used by another course" in html
    assert course_count(db) == 1


# ---------------------------------------------------------------- edit


def test_edit_course_changes_fields_and_records_before_and_after(client, db, login, post_form, hscp_admin, make_course):
    course = make_course("Old title", slug="old-title", level=2, level_kind="core")
    login(hscp_admin)
    html = page(client, f"/admin/courses/{course.id}/edit")
    assert 'value="Old title"' in html and "Recognise abuse\nRespond well" in html
    response = post_form(
        f"/admin/courses/{course.id}/edit",
        course_data(
            title="New title", slug="old-title", level="", level_kind="", learning_outcomes="Third\nFirst\nSecond"
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "New title" and course.slug == "old-title"
    assert course.level is None and course.level_kind is None
    assert course.learning_outcomes == ["Third", "First", "Second"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.updated")).one()
    assert event.details["changes"]["title"] == {"before": "Old title", "after": "New title"}
    assert event.details["changes"]["level"] == {"before": 2, "after": None}
    assert "slug" not in event.details["changes"]


def test_edit_to_another_courses_slug_is_refused(client, db, login, post_form, hscp_admin, make_course):
    make_course(slug="taken")
    course = make_course("Mine", slug="mine")
    login(hscp_admin)
    response = post_form(f"/admin/courses/{course.id}/edit", course_data(title="Mine", slug="taken"))
    assert response.status_code == 200 and "already used by another course" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Course, course.id).slug == "mine"
    assert audit_actions(db, course) == []


def test_iowscp_admin_cannot_edit_or_archive_hscp_course(
    client, db, login, post_form, iow_admin, hscp_admin, make_course
):
    course = make_course("Hampshire only", owner="HSCP")
    login(iow_admin)
    assert client.get(f"/admin/courses/{course.id}/edit").status_code == 403
    # A valid token (from a page the IOW admin may see) does not help.
    response = post_form("/admin/courses/new", course_data(title="Hacked"), url=f"/admin/courses/{course.id}/edit")
    assert response.status_code == 403
    assert post_form("/admin/courses/new", {}, url=f"/admin/courses/{course.id}/archive").status_code == 403
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "Hampshire only" and course.status == "published"
    assert audit_actions(db, course) == []


# ---------------------------------------------------------------- archive and restore


def test_archive_hides_from_catalogue_keeps_sessions_and_bookings(
    client, db, login, post_form, hscp_admin, make_course, make_session, make_user
):
    course = make_course("Going away", owner="HSCP")
    s = make_session(course)
    delegate = make_user()
    db.session.add(Booking(session=s, user=delegate, status="confirmed"))
    db.session.commit()
    assert "Going away" in client.get("/").get_data(as_text=True)

    login(hscp_admin)
    response = post_form(
        f"/admin/courses/{course.id}/edit", {}, url=f"/admin/courses/{course.id}/archive", follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "has been archived" in html and "1 upcoming scheduled session" in html
    assert "Going away" in html and "Archived" in html  # the admin still sees it
    assert client.get(f"/courses/{course.slug}").status_code == 200  # the admin may still open it

    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.status == "archived" and course.archived_at is not None
    assert db.session.scalar(select(func.count(CourseSession.id)).where(CourseSession.course_id == course.id)) == 1
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.session_id == s.id)) == 1
    assert audit_actions(db, course) == ["course.archived"]

    client.get("/sign-out")
    assert "Going away" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/courses/{course.slug}").status_code == 404

    login(hscp_admin)
    html = page(client, f"/admin/courses/{course.id}/sessions")
    assert "archived" in html and f"/admin/sessions/{s.id}/edit" in html
    assert f"/admin/courses/{course.id}/sessions/new" not in html


def test_restore_brings_course_back_as_draft(client, db, login, post_form, hscp_admin, make_course):
    course = make_course("Coming back", status="archived", archived_at=datetime(2026, 1, 1))
    login(hscp_admin)
    html = page(client, f"/admin/courses/{course.id}/edit")
    assert "Restore course" in html and 'name="status"' not in html
    response = post_form(f"/admin/courses/{course.id}/edit", {}, url=f"/admin/courses/{course.id}/restore")
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.status == "draft" and course.archived_at is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.restored")).one()
    assert event.details["changes"] == {"status": {"before": "archived", "after": "draft"}}
    # Published again through the edit form, it is back in the catalogue.
    assert (
        post_form(f"/admin/courses/{course.id}/edit", course_data(title="Coming back", status="published")).status_code
        == 302
    )
    client.get("/sign-out")
    assert "Coming back" in client.get("/").get_data(as_text=True)


def test_editing_an_archived_course_keeps_it_archived(client, db, login, post_form, hscp_admin, make_course):
    course = make_course("Archived one", status="archived")
    login(hscp_admin)
    assert (
        post_form(
            f"/admin/courses/{course.id}/edit", course_data(title="Archived one, renamed", status="published")
        ).status_code
        == 302
    )
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "Archived one, renamed" and course.status == "archived"


def test_archive_and_restore_are_post_only(client, login, hscp_admin, make_course):
    course = make_course()
    login(hscp_admin)
    assert client.get(f"/admin/courses/{course.id}/archive").status_code == 405
    assert client.get(f"/admin/courses/{course.id}/restore").status_code == 405


# ---------------------------------------------------------------- CSRF


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, db, login, hscp_admin, make_course):
    course = make_course("Protected")
    login(hscp_admin)
    assert client.post(f"/admin/courses/{course.id}/archive").status_code == 400
    assert client.post(f"/admin/courses/{course.id}/edit", data=course_data(title="Changed")).status_code == 400
    assert client.post("/admin/courses/new", data=course_data()).status_code == 400
    assert client.post(f"/admin/courses/{course.id}/archive", data={"csrf_token": "forged"}).status_code == 400
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "Protected" and course.status == "published"
    assert course_count(db) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


# ---------------------------------------------------------------- the real catalogue round-trips


def test_every_demo_course_saves_unchanged_from_its_edit_form(client, db, login):
    """Open each real course's edit page and submit it as a browser would: nothing changes.

    Catches fields that are shown differently from how they are read back (levels, outcomes,
    checkboxes, long slugs). E-learning courses from the transcribed catalogue have no link
    yet, so the form asks for one instead.
    """
    seed_demo()
    db.session.commit()
    admin = db.session.scalars(select(User).where(User.role == "system_admin")).first()
    login(admin)
    courses = db.session.scalars(select(Course).order_by(Course.id)).all()
    assert len(courses) == 52
    saved = 0
    for course in courses:
        url = f"/admin/courses/{course.id}/edit"
        data = form_values(page(client, url))
        response = client.post(url, data=data)
        if course.format == "elearning" and not course.elearning_url:
            assert response.status_code == 200 and "Enter the e-learning link" in response.get_data(as_text=True)
        else:
            assert response.status_code == 302, (course.title, error_summary(response.get_data(as_text=True)))
            saved += 1
    assert saved == 46
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "course.updated")) == 0


def test_summary_may_be_blank(client, db, login, post_form, hscp_admin):
    """A fifth of the real catalogue has no summary: editing those must not be blocked."""
    login(hscp_admin)
    assert post_form("/admin/courses/new", course_data(summary="")).status_code == 302
    assert db.session.scalars(select(Course)).one().summary == ""
