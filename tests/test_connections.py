"""Database connections without a probe on every checkout (training_app/connections.py), and the
rate limiter checking only the routes that have limits."""

import pytest
from sqlalchemy import text

from support import csrf_from
from training_app import create_app
from training_app.extensions import db as database
from training_app.security import limiter


def test_no_probe_before_every_checkout(app, db):
    assert db.engine.pool._pre_ping is False
    if db.engine.dialect.name == "postgresql":
        assert db.engine.pool._recycle == app.config["DB_POOL_RECYCLE"]


def test_the_limiter_checks_only_limited_routes(app):
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])


@pytest.fixture
def one_connection_app(app, db):
    """An app whose pool holds one PostgreSQL connection, so the test can cut it from the server."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("dropping a connection from the server needs PostgreSQL")
    pooled = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
            "SERVER_NAME": "localhost",
            "PUBLIC_BASE_URL": "http://localhost",
        },
    )
    yield pooled
    with pooled.app_context():
        database.engine.dispose()


def cut_connections(app):
    """Terminate, from another connection, every server process of `app`'s pool."""
    with app.app_context():
        pid = database.session.scalar(text("SELECT pg_backend_pid()"))
        database.session.remove()
    with database.engine.connect() as other:  # the test's own engine: a different connection
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()


def test_a_page_is_served_after_the_connection_was_dropped(one_connection_app, make_session):
    course_session = make_session()
    client = one_connection_app.test_client()
    assert client.get(f"/sessions/{course_session.id}").status_code == 200
    cut_connections(one_connection_app)
    # The dead connection fails at its first statement; the GET is run again on a new one.
    assert client.get(f"/sessions/{course_session.id}").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_post_after_a_dropped_connection_is_busy_not_an_error(one_connection_app, make_session):
    client = one_connection_app.test_client()
    assert client.get("/readyz").status_code == 200
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    cut_connections(one_connection_app)
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x", "csrf_token": token})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert client.get("/readyz").status_code == 200


def test_a_long_idle_connection_is_probed_and_replaced(one_connection_app, make_session):
    one_connection_app.config["DB_IDLE_PROBE_SECONDS"] = 0
    from training_app import connections

    connections.init_connections(one_connection_app)
    try:
        client = one_connection_app.test_client()
        assert client.get("/readyz").status_code == 200
        cut_connections(one_connection_app)
        assert client.get("/readyz").status_code == 200
    finally:
        connections.init_connections(create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
