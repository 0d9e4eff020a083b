"""The migrations build exactly the schema the models describe, and can be undone."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from training_app.extensions import db as _db


def test_migrated_schema_matches_the_models(app, db):
    with _db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata)
    assert diff == []


def test_downgrade_to_nothing_and_back(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect
    from training_app import create_app
    scratch = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.db'}"})
    with scratch.app_context():
        upgrade()
        downgrade(revision="base")
        assert inspect(_db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "bookings" in inspect(_db.engine).get_table_names()
        _db.engine.dispose()
