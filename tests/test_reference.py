"""load-reference: partnerships, organisations and courses from a JSON or CSV file; create-admin; seed-demo
refusing production. The end-to-end first day is in test_production_start.py."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training_app.models import Agency, AuditEvent, Course, Partnership, User

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_JSON = ROOT / "docs" / "reference-example.json"
EXAMPLE_CSV = ROOT / "docs" / "organisations-example.csv"


@pytest.fixture
def cli(app, db):
    """Run a command in the test's app context (and database session); returns the click result."""
    runner = app.test_cli_runner()  # result.output has stdout and stderr, as a terminal shows them

    def run(*args):
        db.session.commit()
        result = runner.invoke(args=[str(arg) for arg in args])
        db.session.expire_all()
        return result

    return run


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_loads_then_a_second_run_changes_nothing(cli, db):
    first = cli("load-reference", EXAMPLE_JSON)
    assert first.exit_code == 0, first.output
    assert "partnerships: 4 created, 0 updated, 0 unchanged" in first.output
    assert "organisations: 4 created, 0 updated, 0 unchanged" in first.output
    assert "courses: 2 created, 0 updated, 0 unchanged" in first.output
    assert first.output.strip().endswith("10 created, 0 updated.")
    police = db.session.scalars(select(Agency).where(Agency.name == "Hampshire Constabulary")).one()
    assert (police.sector, police.partnership.code) == ("Police", "HSCP")
    assert db.session.scalars(select(Agency).where(Agency.name == "Barnardo's")).one().partnership is None
    course = db.session.scalars(select(Course).where(Course.title == "Working Together to Safeguard Children")).one()
    assert (course.owner_partnership.code, course.format, course.level, course.level_kind) == (
        "IOWSCP",
        "blended",
        3,
        "core",
    )
    assert course.prerequisite_min_level == 2 and course.status == "published"
    assert course.learning_outcomes == [
        "Understand the child protection process",
        "Know your part in a child protection plan",
    ]
    neglect = db.session.scalars(select(Course).where(Course.owner_partnership.has(code="HSCP"))).one()
    assert [p.code for p in neglect.joint_partnerships] == ["IOWSCP"] and neglect.duration_minutes == 90

    second = cli("load-reference", EXAMPLE_JSON)
    assert second.exit_code == 0, second.output
    assert "partnerships: 0 created, 0 updated, 4 unchanged" in second.output
    assert "courses: 0 created, 0 updated, 2 unchanged" in second.output
    assert second.output.strip().endswith("0 created, 0 updated.")
    assert (count(db, Partnership), count(db, Agency), count(db, Course)) == (4, 4, 2)


def test_dry_run_reports_the_changes_and_saves_nothing(cli, db, partnerships, make_agency):
    make_agency("Hampshire Constabulary", "Health", partnerships["SSCP"])  # sector and partnership will change
    result = cli("load-reference", "--dry-run", EXAMPLE_JSON)
    assert result.exit_code == 0, result.output
    assert 'would change: organisation "Hampshire Constabulary": sector, partnership updated' in result.output
    assert 'would change: organisation "Barnardo\'s": created' in result.output
    assert "organisations: 3 created, 1 updated, 0 unchanged" in result.output
    assert "Dry run: 5 would be created, 1 updated. Nothing was saved." in result.output
    assert (count(db, Partnership), count(db, Agency), count(db, Course)) == (4, 1, 0)
    police = db.session.scalars(select(Agency)).one()
    assert (police.sector, police.partnership.code) == ("Health", "SSCP")

    real = cli("load-reference", EXAMPLE_JSON)
    assert "organisations: 3 created, 1 updated, 0 unchanged" in real.output
    assert db.session.scalars(select(Agency).where(Agency.name == "Hampshire Constabulary")).one().sector == "Police"


def test_partnership_names_are_updated_by_code(cli, db, partnerships, tmp_path):
    path = write(tmp_path, "p.json", json.dumps({"partnerships": [{"code": "hscp", "name": "Hampshire SCP"}]}))
    result = cli("load-reference", path)
    assert "partnerships: 0 created, 1 updated, 0 unchanged" in result.output
    assert db.session.scalars(select(Partnership).where(Partnership.code == "HSCP")).one().name == "Hampshire SCP"


def test_bad_rows_load_nothing_and_say_where_they_are(cli, db, tmp_path):
    text = """{
  "partnerships": [
    {"code": "HSCP", "name": "Hampshire Safeguarding Children Partnership"},
    {"code": "HSCP", "name": "Again"}
  ],
  "organisations": [
    {"name": "Good Organisation", "sector": "Health", "partnership": "HSCP"},
    {"name": "Bad sector", "sector": "Space"},
    {"name": "Unknown partnership", "sector": "Police", "partnership": "XYZ"},
    {"sector": "Police"},
    "not an object"
  ],
  "courses": [
    {"title": "A course", "owner": "NOPE", "format": "carrier pigeon", "level_label": "Level 9"},
    {"title": ["not text"], "owner": ["HSCP"], "format": {}, "joint_with": [["HSCP"]], "status": []}
  ]
}
"""
    result = cli("load-reference", write(tmp_path, "bad.json", text))
    assert result.exit_code == 1
    errors = result.output
    for expected in [
        "partnerships[1] (line 4): code 'HSCP' is also in partnerships[0] (line 3)",
        "organisations[1] (line 8): sector 'Space' is not one of: Children's social care",
        "organisations[2] (line 9): partnership 'XYZ' is not a partnership code",
        "organisations[3] (line 10): name is missing",
        "organisations[4]: must be an object",
        "courses[0] (line 14): owner 'NOPE' is not a partnership code",
        "courses[0] (line 14): format must be one of face_to_face, live_online, blended, elearning",
        "courses[0] (line 14): level_label 'Level 9' is not in level_labels",
        "courses[1] (line 15): title must be text",
        "courses[1] (line 15): owner ['HSCP'] is not a partnership code",
        "courses[1] (line 15): joint_with must list partnership codes",
        "courses[1] (line 15): status must be one of draft, published, archived",
    ]:
        assert expected in errors, (expected, errors)
    assert (count(db, Partnership), count(db, Agency), count(db, Course)) == (0, 0, 0)


def test_invalid_json_names_the_line(cli, db, tmp_path):
    result = cli("load-reference", write(tmp_path, "broken.json", '{\n  "partnerships": [\n    {"code": "X",}\n]}'))
    assert result.exit_code == 1
    assert re.search(r"line 3: not valid JSON", result.output)


def test_organisations_from_csv_and_its_errors_by_line(cli, db, partnerships, tmp_path):
    result = cli("load-reference", EXAMPLE_CSV)
    assert result.exit_code == 0, result.output
    assert "organisations: 4 created, 0 updated, 0 unchanged" in result.output
    solent = db.session.scalars(select(Agency).where(Agency.name == "Solent NHS Trust")).one()
    assert (solent.sector, solent.partnership.code) == ("Health", "SSCP")
    assert cli("load-reference", EXAMPLE_CSV).output.strip().endswith("0 created, 0 updated.")

    bad = "name,sector,partnership,website\nFine,Police,HSCP,https://x\n\nBroken,Nope,HSCP,\nOther,health,ZZZ,\n"
    result = cli("load-reference", write(tmp_path, "bad.csv", bad))
    output = result.output
    assert result.exit_code == 1
    assert "line 4: sector 'Nope' is not one of" in output
    assert "line 5: partnership 'ZZZ' is not a partnership code" in output
    assert "line 2" not in output and "line 5: sector" not in output  # sectors match in any case
    assert db.session.scalars(select(Agency).where(Agency.name == "Fine")).first() is None

    headless = cli("load-reference", write(tmp_path, "headless.csv", "Fine,Police,HSCP\n"))
    assert headless.exit_code == 1 and "line 1: the header row must name the columns" in headless.output


def test_the_catalogue_file_itself_loads(cli, db):
    from training_app.demo import DATA_FILE, load_catalogue

    result = cli("load-reference", DATA_FILE)
    assert result.exit_code == 0, result.output
    data = load_catalogue()
    assert count(db, Agency) == len(data["agencies_seen"]) and count(db, Course) == len(data["courses"])
    assert db.session.scalar(select(func.count()).select_from(Course).where(Course.sessions.any())) == 0


# create-admin ------------------------------------------------------------------------------------


def test_create_admin_prints_a_one_time_set_password_link(cli, db, client):
    result = cli("create-admin", "Ada.Admin@Example.org", "--name", "Ada Admin")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.name, user.role, user.partnership_id) == (
        "Ada.Admin@Example.org",
        "Ada Admin",
        "system_admin",
        None,
    )
    assert user.email_confirmed_at is not None
    [link] = re.findall(r"http://localhost/reset-password/\S+", result.output)
    assert "for 60 minutes" in result.output
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.created", "user.role_changed"]

    path = link.removeprefix("http://localhost")
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    new_password = "lighthouse-orchard-piano"
    form = {"password": new_password, "confirm": new_password}
    response = client.post(path, data={**form, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(new_password)
    assert client.get(path).status_code == 400  # the link works once


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("taken@example.org", "Someone", "already has an account. Give it the role with: flask --app wsgi set-role"),
        ("not-an-address", "Someone", "is not a valid email address"),
        ("ok@example.org", "  ", "Give the administrator's name"),
    ],
)
def test_create_admin_refuses(cli, db, make_user, email, name, message):
    make_user(email="Taken@example.org")
    result = cli("create-admin", email, "--name", name)
    assert result.exit_code == 1
    assert message in result.output
    assert count(db, User) == 1


def test_seed_demo_refuses_to_run_in_production(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "does not run with APP_ENV=production" in result.output
    assert count(db, User) == 0 and count(db, Course) == 0
