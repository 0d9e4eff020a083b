"""The access policy (training_app.permissions), rule by rule and role by role.

The permission matrix (test_permission_matrix.py) checks every route's answer; these check the
rules themselves, including what they narrow a request down to.
"""

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from training_app import permissions as policy
from training_app.evaluations.scope import Scope
from training_app.models import Course, Role, User
from training_app.models.evaluations import EvaluationResponse
from training_app.reports.scope import ReportFilters, ReportForbidden

ANONYMOUS = AnonymousUserMixin()


@pytest.fixture
def people(practitioner, trainer, hscp_admin, iow_admin, system_admin):
    return {
        "practitioner": practitioner,
        "trainer": trainer,
        "hscp_admin": hscp_admin,
        "iow_admin": iow_admin,
        "system_admin": system_admin,
    }


@pytest.fixture
def courses(db, make_course, partnerships):
    """HSCP-only, HSCP run jointly with IOWSCP, and a HIPS course owned by PSCP."""
    own = make_course(title="Own", owner="HSCP")
    joint = make_course(title="Joint", owner="HSCP", commit=False)
    joint.joint_partnerships.append(partnerships["IOWSCP"])
    hips = make_course(title="HIPS", owner="PSCP", is_hips=True)
    db.session.commit()
    return {"own": own, "joint": joint, "hips": hips}


def titles_counting_for(db, partnership):
    return set(db.session.scalars(select(Course.title).where(Course.counts_for(partnership.id))))


def test_course_counts_for_owner_joint_partnerships_and_hips(db, courses, partnerships):
    assert titles_counting_for(db, partnerships["HSCP"]) == {"Own", "Joint", "HIPS"}
    assert titles_counting_for(db, partnerships["IOWSCP"]) == {"Joint", "HIPS"}
    assert titles_counting_for(db, partnerships["PSCP"]) == {"HIPS"}
    assert titles_counting_for(db, partnerships["SSCP"]) == {"HIPS"}


@pytest.mark.parametrize(
    "role, expected",
    [
        (None, ["catalogue.index", "catalogue.help"]),
        (
            "practitioner",
            ["catalogue.index", "bookings.my_training", "records.my_record", "auth.account", "catalogue.help"],
        ),
        (
            "trainer",
            [
                "catalogue.index",
                "bookings.my_training",
                "bookings.trainer_sessions",
                "evaluations.summary",
                "auth.account",
                "catalogue.help",
            ],
        ),
        (
            "hscp_admin",
            [
                "catalogue.index",
                "bookings.my_training",
                "bookings.trainer_sessions",
                "admin.index",
                "reports.index",
                "auth.account",
                "catalogue.help",
            ],
        ),
        (
            "system_admin",
            [
                "catalogue.index",
                "bookings.my_training",
                "bookings.trainer_sessions",
                "admin.index",
                "reports.index",
                "auth.account",
                "catalogue.help",
            ],
        ),
    ],
)
def test_navigation_shows_the_links_the_policy_allows(people, role, expected):
    user = people[role] if role else ANONYMOUS
    assert [item.endpoint for item in policy.nav_items(user)] == expected


@pytest.mark.parametrize(
    ("role", "home", "admin_menu"),
    [
        (None, "bookings.my_training", []),
        ("practitioner", "bookings.my_training", []),
        ("trainer", "bookings.trainer_sessions", []),
        (
            "hscp_admin",
            "admin.index",
            [
                "admin.index",
                "admin.users",
                "admin.organisations",
                "admin.venues",
                "admin.reviews",
                "admin.suites",
                "certificates.admin_list",
            ],
        ),
        (
            "system_admin",
            "admin.index",
            [
                "admin.index",
                "admin.users",
                "admin.organisations",
                "admin.partnerships",
                "admin.venues",
                "admin.reviews",
                "admin.suites",
                "certificates.admin_list",
                "privacy.audit_log",
            ],
        ),
    ],
)
def test_each_role_has_its_home_and_admin_menu(people, role, home, admin_menu):
    user = people[role] if role else ANONYMOUS
    assert policy.home_endpoint(user) == home
    assert [item.endpoint for item in policy.admin_nav_items(user)] == admin_menu


def test_assignable_roles(people):
    assert policy.assignable_roles(people["system_admin"]) == [r for r in Role if r != Role.AGENCY_LEAD]
    assert policy.assignable_roles(people["hscp_admin"]) == ["practitioner", "trainer"]


def test_only_system_admins_see_all_partnerships(people, partnerships):
    assert policy.sees_all_partnerships(people["system_admin"])
    assert not any(policy.sees_all_partnerships(people[name]) for name in ("practitioner", "trainer", "hscp_admin"))
    assert not policy.sees_all_partnerships(ANONYMOUS)
    assert policy.partnership_scope(people["system_admin"]) is None
    assert policy.partnership_scope(people["hscp_admin"]) == partnerships["HSCP"].id


def test_course_owner_is_chosen_only_by_system_admins(people, partnerships):
    hscp, pscp = partnerships["HSCP"].id, partnerships["PSCP"].id
    assert policy.course_owner_for(people["system_admin"], pscp, None) == pscp
    assert policy.course_owner_for(people["system_admin"], None, hscp) == hscp
    assert policy.course_owner_for(people["hscp_admin"], pscp, None) == hscp  # their own partnership
    assert policy.course_owner_for(people["hscp_admin"], pscp, hscp) == hscp  # cannot move it


def test_runnable_courses(db, people, courses, partnerships):
    def runnable(user, partnership_id=None):
        return set(
            db.session.scalars(select(Course.title).where(policy.runnable_courses_condition(user, partnership_id)))
        )

    assert runnable(people["hscp_admin"]) == {"Own", "Joint", "HIPS"}  # owned, joint and HIPS
    assert runnable(people["iow_admin"]) == {"Joint", "HIPS"}
    assert runnable(people["system_admin"]) == {"Own", "Joint", "HIPS"}
    assert runnable(people["system_admin"], partnerships["PSCP"].id) == {"HIPS"}
    with db.session.no_autoflush:  # an unsaved admin without a partnership: never widen to all
        people["hscp_admin"].partnership_id = None
        assert runnable(people["hscp_admin"]) == set()
    db.session.rollback()


def test_only_the_owner_edits_a_course_every_partner_runs_it(people, courses):
    hscp, iow, system = people["hscp_admin"], people["iow_admin"], people["system_admin"]
    assert policy.can_edit_course(hscp, courses["joint"]) and policy.can_run_course(hscp, courses["joint"])
    assert not policy.can_edit_course(iow, courses["joint"]) and policy.can_run_course(iow, courses["joint"])
    assert not policy.can_edit_course(iow, courses["own"]) and not policy.can_run_course(iow, courses["own"])
    assert not policy.can_edit_course(hscp, courses["hips"]) and policy.can_run_course(hscp, courses["hips"])
    assert policy.can_edit_course(system, courses["hips"]) and policy.can_run_course(system, courses["hips"])
    for name in ("practitioner", "trainer"):
        assert not policy.can_edit_course(people[name], courses["hips"])
        assert not policy.can_run_course(people[name], courses["hips"])
    assert not policy.can_edit_course(ANONYMOUS, courses["own"])
    assert not policy.can_run_course(ANONYMOUS, courses["own"])


def test_a_session_is_managed_by_the_partnership_that_runs_it(db, people, courses, partnerships, make_session):
    by_iow = make_session(courses["hips"], partnership_id=partnerships["IOWSCP"].id, trainers=[people["trainer"]])
    by_owner = make_session(courses["hips"])
    assert by_owner.partnership_id == partnerships["PSCP"].id  # unset: the course's owner runs it
    assert policy.can_manage_session(people["iow_admin"], by_iow)
    assert not policy.can_manage_session(people["hscp_admin"], by_iow)
    assert not policy.can_manage_session(people["iow_admin"], by_owner)
    assert policy.can_manage_session(people["system_admin"], by_owner)
    assert not policy.can_manage_session(people["trainer"], by_iow)
    assert policy.can_see_register(people["trainer"], by_iow)  # trainers keep their sessions' registers
    assert policy.can_see_register(people["iow_admin"], by_iow)
    assert not policy.can_see_register(people["hscp_admin"], by_iow)
    assert not policy.can_see_register(ANONYMOUS, by_iow)


def test_running_partnership_is_chosen_only_by_system_admins(people, partnerships):
    hscp, iow = partnerships["HSCP"].id, partnerships["IOWSCP"].id
    assert policy.running_partnership_for(people["system_admin"], iow, None) == iow
    assert policy.running_partnership_for(people["system_admin"], None, None) is None  # the course's owner
    assert policy.running_partnership_for(people["system_admin"], None, hscp) == hscp
    assert policy.running_partnership_for(people["hscp_admin"], iow, None) == hscp  # their own partnership
    assert policy.running_partnership_for(people["iow_admin"], iow, hscp) == hscp  # an edit keeps the runner


def test_report_scope_narrows_partnership_admins_and_refuses_others(people, partnerships):
    asked = ReportFilters(date(2026, 4, 1), date(2027, 3, 31), partnership_id=partnerships["PSCP"].id)
    assert policy.report_scope(people["system_admin"], asked) == asked
    assert policy.report_scope(people["hscp_admin"], asked).partnership_id == partnerships["HSCP"].id
    for name in ("practitioner", "trainer"):
        with pytest.raises(ReportForbidden):
            policy.report_scope(people[name], asked)
    with pytest.raises(ReportForbidden):
        policy.report_scope(ANONYMOUS, asked)
    with pytest.raises(ReportForbidden):
        policy.report_scope(None, asked)


def test_may_read_response(db, people, courses, make_user):
    delegate = make_user()
    response = EvaluationResponse(user_id=delegate.id, course_id=courses["joint"].id)
    assert policy.may_read_response(delegate, response)
    assert policy.may_read_response(people["system_admin"], response)
    assert policy.may_read_response(people["hscp_admin"], response)  # owner
    assert policy.may_read_response(people["iow_admin"], response)  # runs it jointly
    assert not policy.may_read_response(people["trainer"], response)
    assert not policy.may_read_response(people["practitioner"], response)
    assert not policy.may_read_response(ANONYMOUS, response)
    own = EvaluationResponse(user_id=delegate.id, course_id=courses["own"].id)
    assert not policy.may_read_response(people["iow_admin"], own)
    hips = EvaluationResponse(user_id=delegate.id, course_id=courses["hips"].id)
    assert policy.may_read_response(people["iow_admin"], hips)


def test_summary_courses_per_role(db, people, courses, make_session):
    make_session(course=courses["own"], trainers=[people["trainer"]])

    def visible(user):
        return set(db.session.scalars(select(Course.title).where(policy.summary_courses(user))))

    assert visible(people["trainer"]) == {"Own"}
    assert visible(people["iow_admin"]) == {"Joint", "HIPS"}
    assert visible(people["system_admin"]) == {"Own", "Joint", "HIPS"}


def test_evaluation_scope_is_narrowed_to_what_the_viewer_may_see(db, people, courses, make_session, partnerships):
    delivered = make_session(course=courses["own"], trainers=[people["trainer"]])
    other = make_session(course=courses["joint"])
    trainer, iow = people["trainer"], people["iow_admin"]

    assert policy.evaluation_scope_for(trainer, Scope()).trainer_id == trainer.id
    assert (
        policy.evaluation_scope_for(trainer, Scope(session_id=delivered.id), courses["own"], delivered).trainer_id
        == trainer.id
    )
    for scope, course, course_session in [
        (Scope(trainer_id=trainer.id + 1), None, None),
        (Scope(session_id=other.id), None, other),
        (Scope(course_id=courses["joint"].id), courses["joint"], None),
    ]:
        with pytest.raises(Forbidden):
            policy.evaluation_scope_for(trainer, scope, course, course_session)

    assert policy.evaluation_scope_for(iow, Scope()).partnership_id == partnerships["IOWSCP"].id
    assert policy.evaluation_scope_for(iow, Scope(course_id=courses["joint"].id), courses["joint"]).course_id
    for scope, course, course_session in [
        (Scope(partnership_id=partnerships["HSCP"].id), None, None),
        (Scope(course_id=courses["own"].id), courses["own"], None),
        (Scope(session_id=delivered.id), None, delivered),
    ]:
        with pytest.raises(Forbidden):
            policy.evaluation_scope_for(iow, scope, course, course_session)

    asked = Scope(partnership_id=partnerships["PSCP"].id, course_id=courses["own"].id)
    assert policy.evaluation_scope_for(people["system_admin"], asked, courses["own"]) == asked
    with pytest.raises(Forbidden):
        policy.evaluation_scope_for(people["practitioner"], Scope())


def test_respondent_names_and_trainer_filter(people):
    assert policy.may_see_respondent_names(people["hscp_admin"])
    assert not policy.may_see_respondent_names(people["trainer"])
    assert policy.may_filter_by_trainer(people["system_admin"])
    assert not policy.may_filter_by_trainer(people["trainer"])
    assert not policy.may_filter_by_trainer(people["practitioner"])


def test_partnership_admin_without_partnership_is_refused_not_shown_everything(db, courses):
    """The database refuses such a user, but a user object can carry None (unsaved, or a role changed in
    memory); narrowing to None would mean "every partnership", so each rule refuses instead."""
    orphan = User(name="No partnership", email="orphan@example.org", role=Role.PARTNERSHIP_ADMIN)
    with pytest.raises(ReportForbidden):
        policy.report_scope(orphan, ReportFilters(date(2026, 4, 1), date(2027, 3, 31)))
    with pytest.raises(Forbidden):
        policy.evaluation_scope_for(orphan, Scope())
    with pytest.raises(Forbidden):
        policy.own_partnership(orphan)
    assert db.session.scalars(select(Course.title).where(policy.summary_courses(orphan))).all() == []
