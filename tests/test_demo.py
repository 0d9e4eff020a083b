"""The demo loader: the real HIPS catalogue, moved into the coming months, idempotent."""

from datetime import date

from sqlalchemy import func, select

from training_app import clock
from training_app.demo import DEMO_ACCOUNTS, load_catalogue, seed_demo, shift_weeks, slugify
from training_app.models import Agency, Course, CourseSession, Partnership, User


def counts(db):
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Partnership, Agency, Course, CourseSession, User)
    ]


def test_seed_loads_the_real_catalogue_and_running_twice_changes_nothing(db, client):
    seed_demo(today=date(2026, 11, 25))
    db.session.commit()
    first = counts(db)
    data = load_catalogue()
    assert first[:3] == [4, len(data["agencies_seen"]), len(data["courses"])]
    assert first[4] == len(DEMO_ACCOUNTS)
    seed_demo(today=date(2027, 1, 10))
    db.session.commit()
    assert counts(db) == first

    wt = db.session.scalars(select(Course).where(Course.title == "Working Together to Safeguard Children")).one()
    assert (wt.level, wt.level_kind, wt.level_label, wt.format) == (3, "core", "Level 3", "blended")
    assert wt.prerequisite_min_level == 2 and "completed Level 2 training" in wt.prerequisite_text
    page = client.get(f"/courses/{wt.slug}").get_data(as_text=True)
    assert "Working Together to Safeguard Children" in page and "Applicants must have completed Level 2" in page
    catalogue = client.get("/?q=working+together").get_data(as_text=True)
    assert "Working Together to Safeguard Children" in catalogue


def test_published_sessions_keep_weekday_and_london_time_in_the_coming_months(db):
    today = date(2026, 11, 25)
    seed_demo(today=today)
    db.session.commit()
    published = {c["title"]: c["sessions"][0] for c in load_catalogue()["courses"] if c.get("sessions")}
    for title, original in published.items():
        # A shared course's partner runs it again a fortnight later: same weekday and times.
        for course_session in db.session.scalars(select(CourseSession).join(Course).where(Course.title == title)):
            local = clock.to_london(course_session.starts_at)
            assert local.date() > today
            assert local.weekday() == date.fromisoformat(original["date"]).weekday()
            assert local.strftime("%H:%M") == original["start"]
            assert clock.to_london(course_session.ends_at).strftime("%H:%M") == original["end"]


def test_undated_face_to_face_courses_get_sessions_and_elearning_gets_none(db):
    seed_demo(today=date(2026, 11, 25))
    db.session.commit()
    for item in load_catalogue()["courses"]:
        course = db.session.scalars(select(Course).where(Course.slug == slugify(item["title"]))).one()
        if item["format"] == "elearning":
            assert course.sessions == []
        elif not item.get("sessions"):
            assert len(course.sessions) == 2
            assert all(s.venue for s in course.sessions)
            if "Wednesday" in item["title"]:
                assert all(s.starts_local.weekday() == 2 for s in course.sessions)


def test_shift_weeks_moves_the_earliest_date_at_least_two_weeks_ahead():
    weeks = shift_weeks([date(2023, 12, 6), date(2024, 3, 20)], date(2026, 11, 25))
    moved = date(2023, 12, 6).toordinal() + 7 * weeks
    assert date(2026, 12, 9).toordinal() <= moved < date(2026, 12, 16).toordinal()


def test_shared_courses_are_run_by_their_partners_in_the_demo(db, client, login):
    from training_app.permissions import can_edit_course, can_manage_session

    seed_demo(today=date(2026, 11, 25))
    db.session.commit()
    runners = {}
    for course in db.session.scalars(select(Course).where(Course.format != "elearning")):
        runners[course.title] = {(s.partnership.code) for s in course.sessions}
    assert runners["An introduction to Female Genital Mutilation (FGM)"] == {"IOWSCP", "HSCP"}  # HIPS
    assert runners["Understanding, identifying and responding to neglect"] == {"IOWSCP", "HSCP"}  # joint
    assert runners["Adopting a Family Approach"] == {"HSCP", "PSCP"}  # HSCP's HIPS course
    assert runners["Working Together to Safeguard Children"] == {"IOWSCP"}  # not shared: its owner runs it
    hscp_admin = db.session.scalars(select(User).where(User.email == "admin.hscp@demo.hips.test")).one()
    fgm = db.session.scalars(select(Course).where(Course.title.startswith("An introduction to Female"))).one()
    assert not can_edit_course(hscp_admin, fgm)
    assert [s.partnership.code for s in fgm.sessions if can_manage_session(hscp_admin, s)] == ["HSCP"]
