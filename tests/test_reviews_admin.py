"""Case reviews and suites (issue 16): the admin pages, who may change what, the catalogue's suite
filter and what a course page says about the reviews whose learning it carries."""

from datetime import date

from sqlalchemy import select

from support import session_csrf_token
from training_app.models.reviews import CaseReview, CourseSuite, RecommendationCourse, ReviewRecommendation


def post(client, url, **data):
    return client.post(url, data={"csrf_token": session_csrf_token(client), **data})


def review_data(**overrides):
    data = {
        "kind": "lcspr",
        "title": "Child B",
        "published_on": ["3", "6", "2026"],
        "link": "https://example.org/child-b",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def test_partnership_admin_records_a_review_and_links_a_course(client, login, db, hscp_admin, make_course):
    course = make_course("Neglect", learning_outcomes=["Recognise neglect", "Act early", "Record well"])
    login(hscp_admin)
    response = post(client, "/admin/reviews/new", **review_data())
    assert response.status_code == 302
    review = db.session.scalars(select(CaseReview)).one()
    assert (review.partnership.code, review.kind, review.published_on, review.public) == (
        "HSCP",
        "lcspr",
        date(2026, 6, 3),
        True,
    )
    assert post(client, f"/admin/reviews/{review.id}/recommendations", text="Train on neglect").status_code == 302
    assert post(client, f"/admin/reviews/{review.id}/recommendations", text="Audit the use").status_code == 302
    numbers = db.session.execute(select(ReviewRecommendation.number, ReviewRecommendation.text)).all()
    assert sorted(numbers) == [(1, "Train on neglect"), (2, "Audit the use")]
    first = db.session.scalars(select(ReviewRecommendation).where(ReviewRecommendation.number == 1)).one()
    # Outcome numbers are the course's, from 1; stored as the evaluations' 0-based outcome indexes.
    assert (
        post(client, f"/admin/recommendations/{first.id}/courses", course_id=course.id, outcomes="3, 1").status_code
        == 302
    )
    link = db.session.scalars(select(RecommendationCourse)).one()
    assert (link.course_id, link.outcome_indexes) == (course.id, [0, 2])
    page = client.get(f"/admin/reviews/{review.id}").get_data(as_text=True)
    assert "1. Recognise neglect" in page and "3. Record well" in page
    refused = post(client, f"/admin/recommendations/{first.id}/courses", course_id=course.id, outcomes="4")
    assert refused.status_code == 400
    assert "Neglect has 3 learning outcomes: choose numbers from 1 to 3" in refused.get_data(as_text=True)
    junk = post(client, f"/admin/recommendations/{first.id}/courses", course_id=course.id, outcomes="one")
    assert junk.status_code == 400 and "Learning outcomes must be numbers" in junk.get_data(as_text=True)
    assert post(client, f"/admin/recommendations/{first.id}/courses/{course.id}/remove").status_code == 302
    assert db.session.scalars(select(RecommendationCourse)).all() == []


def test_review_form_errors_are_shown_not_500(client, login, db, hscp_admin):
    login(hscp_admin)
    response = post(
        client, "/admin/reviews/new", **review_data(title="", kind="nonsense", published_on=["31", "2", "2026"])
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Enter the title" in html and "must be a real date" in html
    assert db.session.scalars(select(CaseReview)).all() == []


def test_a_review_cannot_be_linked_to_another_partnerships_course(client, login, db, hscp_admin, make_course):
    theirs = make_course("Southampton only", owner="SSCP")
    login(hscp_admin)
    post(client, "/admin/reviews/new", **review_data())
    review = db.session.scalars(select(CaseReview)).one()
    post(client, f"/admin/reviews/{review.id}/recommendations", text="Something")
    rec = db.session.scalars(select(ReviewRecommendation)).one()
    response = post(client, f"/admin/recommendations/{rec.id}/courses", course_id=theirs.id)
    assert response.status_code == 400  # not among the choices
    assert db.session.scalars(select(RecommendationCourse)).all() == []


def test_system_admin_chooses_the_partnership(client, login, db, system_admin, partnerships):
    login(system_admin)
    missing = post(client, "/admin/reviews/new", **review_data())
    assert missing.status_code == 200 and "Select the partnership" in missing.get_data(as_text=True)
    post(client, "/admin/reviews/new", **review_data(partnership_id=partnerships["PSCP"].id))
    assert db.session.scalars(select(CaseReview)).one().partnership.code == "PSCP"


def make_review(db, partnership, course, public):
    review = CaseReview(
        partnership=partnership, kind="sar", title="Adult C", published_on=date(2025, 1, 1), public=public
    )
    rec = ReviewRecommendation(review=review, number=2, text="Think family")
    rec.links.append(RecommendationCourse(course=course, outcome_indexes=[]))
    db.session.add_all([review, rec])
    db.session.commit()
    return review


def test_course_page_names_a_public_review_to_everyone(client, login, db, make_course, partnerships):
    course = make_course("Think family")
    make_review(db, partnerships["HSCP"], course, public=True)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Learning from case reviews" in html and "Adult C" in html and "recommendation 2" in html


def test_staff_only_review_is_named_to_staff_only(client, login, db, make_course, partnerships, practitioner, trainer):
    course = make_course("Think family")
    make_review(db, partnerships["HSCP"], course, public=False)
    assert "Adult C" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    login(practitioner)
    assert "Adult C" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    login(trainer)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Adult C" in html and "Staff only" in html


def test_suites_managed_and_filtered(client, login, db, hscp_admin, system_admin, make_course):
    neglect = make_course("Neglect")
    make_course("Exploitation")
    theirs = make_course("Southampton only", owner="SSCP")
    login(hscp_admin)
    form = client.get("/admin/suites/new").get_data(as_text=True)
    assert "Southampton only" not in form  # only courses that count for Hampshire
    assert post(client, "/admin/suites/new", name="Neglect", course_ids=[neglect.id]).status_code == 302
    suite = db.session.scalars(select(CourseSuite)).one()
    assert (suite.partnership.code, [c.title for c in suite.courses]) == ("HSCP", ["Neglect"])
    refused = post(client, f"/admin/suites/{suite.id}/edit", name="Neglect", course_ids=[theirs.id])
    assert refused.status_code == 200 and "Choose one of the listed options" in refused.get_data(as_text=True)
    assert post(client, "/admin/suites/new", name="").status_code == 200  # "Enter a name", no 500
    catalogue = client.get(f"/?suite={suite.id}").get_data(as_text=True)
    assert "1 course found" in catalogue and "Neglect" in catalogue
    assert "Exploitation" not in catalogue.split("found", 1)[1]
    junk = client.get("/?suite=abc")
    assert junk.status_code == 200 and "3 courses found" in junk.get_data(as_text=True)
    # A system admin's HIPS-wide suite may hold any course; a partnership admin cannot edit it.
    login(system_admin)
    assert post(client, "/admin/suites/new", name="Everything", course_ids=[theirs.id, neglect.id]).status_code == 302
    hips = db.session.scalars(select(CourseSuite).where(CourseSuite.name == "Everything")).one()
    assert hips.partnership_id is None and len(hips.courses) == 2
    login(hscp_admin)
    assert client.get(f"/admin/suites/{hips.id}/edit").status_code == 403
    assert "Everything" not in client.get("/admin/suites").get_data(as_text=True)


def test_editing_a_review_shows_and_keeps_its_values(client, login, db, hscp_admin, partnerships):
    review = CaseReview(partnership=partnerships["HSCP"], kind="dhr", title="Adult E", published_on=date(2025, 7, 9))
    db.session.add(review)
    db.session.commit()
    login(hscp_admin)
    page = client.get(f"/admin/reviews/{review.id}/edit").get_data(as_text=True)
    assert 'value="Adult E"' in page and 'value="09"' in page and 'value="2025"' in page
    assert 'value="dhr" checked' in page and 'value="staff" checked' in page
    response = post(client, f"/admin/reviews/{review.id}/edit", **review_data(title="Adult E (revised)"))
    assert response.status_code == 302
    db.session.refresh(review)
    assert (review.title, review.kind, review.public, review.partnership.code) == (
        "Adult E (revised)",
        "lcspr",
        True,
        "HSCP",
    )
