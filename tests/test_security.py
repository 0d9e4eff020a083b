"""Security headers, the CSP nonce and the rate limits on sign-in, registration and password reset."""

import re

import pytest

from support import PASSWORD, csrf_from, session_csrf_token
from training_app import create_app
from training_app.security import limiter


@pytest.fixture
def rate_limits():
    """Switch the rate limiter on for one test, with empty counters before and after."""
    limiter.reset()
    limiter.enabled = True
    yield limiter
    limiter.enabled = False
    limiter.reset()


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_pages_send_security_headers(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    # Not production: no HSTS (it would pin browsers to https on a development machine).
    assert "Strict-Transport-Security" not in response.headers


def test_error_pages_and_files_send_headers_too(client):
    for url in ["/no-such-page", "/assets/app.css"]:
        with client.get(url) as response:  # closing it closes the file being sent
            assert "Content-Security-Policy" in response.headers, url
            assert response.headers["X-Frame-Options"] == "DENY", url


def test_the_only_inline_script_carries_this_responses_nonce(client):
    first = client.get("/sign-in")
    second = client.get("/sign-in")
    nonces = []
    for response in (first, second):
        html = response.get_data(as_text=True)
        script_src = csp_directives(response)["script-src"]
        assert script_src[0] == "'self'"
        nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", script_src[1]).group(1)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline == [f' nonce="{nonce}"'], inline
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_hsts_in_production_only(database_uri, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", database_uri)
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost")
    app = create_app(
        "production",
        {"SQLALCHEMY_DATABASE_URI": database_uri, "SERVER_NAME": "localhost", "PUBLIC_BASE_URL": "http://localhost"},
    )
    with app.test_client().get("/assets/app.css") as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def sign_in_attempt(client, token, password="wrong password"):
    return client.post("/sign-in", data={"email": "nobody@example.org", "password": password, "csrf_token": token})


def test_eleventh_sign_in_attempt_in_a_minute_is_refused(client, rate_limits, frozen_clock):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    statuses = [sign_in_attempt(client, token).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    page = sign_in_attempt(client, token)
    assert page.status_code == 429
    assert "Too many attempts" in page.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers
    # Looking at the page is not an attempt.
    assert client.get("/sign-in").status_code == 200


def test_sign_in_limit_counts_per_address(client, rate_limits, make_user):
    user = make_user(email="real@example.org")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    for _ in range(10):
        sign_in_attempt(client, token)
    # Another address is not held up by the first one's failures.
    other = client.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 302


def test_sign_in_hourly_limit(client, rate_limits):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    # 30 an hour: three bursts of ten, each in a new minute, then the next is refused.
    from limits import parse_many

    minute, hour = parse_many("10/minute;30/hour")
    assert (minute.amount, hour.amount) == (10, 30)
    statuses = []
    for burst in range(4):
        for _ in range(10 if burst < 3 else 1):
            statuses.append(sign_in_attempt(client, token, password=f"try {burst}").status_code)
        # Forget the per-minute window only, as if a minute had passed.
        for key in list(limiter.storage.storage):
            if key.endswith("/1/minute"):
                del limiter.storage.storage[key]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_registration_limited_to_five_a_minute(client, rate_limits):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    statuses = [client.post("/register", data={"csrf_token": token}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_password_reset_limited_to_five_a_minute(client, rate_limits, smtp_server):
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    statuses = [
        client.post("/forgot-password", data={"email": "x@example.org", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_limits_are_off_outside_rate_limit_tests(client):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    assert {sign_in_attempt(client, token).status_code for _ in range(12)} == {200}


# ------------------------------------------------------------------------------- sign-in hardening


def sign_in_page_text(response):
    """The visible page without the per-request parts (CSRF token, CSP nonce)."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_sign_in_says_the_same_for_unknown_email_and_wrong_password(client, make_user):
    make_user(email="known@example.org")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    unknown = client.post(
        "/sign-in", data={"email": "unknown@example.org", "password": "wrong password", "csrf_token": token}
    )
    known = client.post(
        "/sign-in", data={"email": "known@example.org", "password": "wrong password", "csrf_token": token}
    )
    assert unknown.status_code == known.status_code == 200
    assert "Enter a correct email address and password" in known.get_data(as_text=True)
    assert sign_in_page_text(known).replace("known@", "unknown@") == sign_in_page_text(unknown)


def test_sign_in_does_the_same_hashing_work_for_unknown_emails(client, make_user, monkeypatch):
    """Timing: an unknown email still costs one password hash, as a wrong password does."""
    import hashlib

    make_user(email="known@example.org")
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    counts = []
    for email in ["unknown@example.org", "known@example.org"]:
        calls.clear()
        client.post("/sign-in", data={"email": email, "password": "wrong password", "csrf_token": token})
        counts.append(len(calls))
    assert counts == [1, 1]


def test_password_reset_says_the_same_whether_or_not_the_account_exists(client, make_user, db):
    from training_app.models import OutboxMessage

    make_user(email="known@example.org")
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    known = client.post("/forgot-password", data={"email": "known@example.org", "csrf_token": token})
    unknown = client.post("/forgot-password", data={"email": "unknown@example.org", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    assert sign_in_page_text(known).replace("known@", "unknown@") == sign_in_page_text(unknown)
    assert [m.to_address for m in db.session.query(OutboxMessage)] == ["known@example.org"]


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user(email="known@example.org")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": "known@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(database_uri, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", database_uri)
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost")
    app = create_app(
        "production",
        {"SQLALCHEMY_DATABASE_URI": database_uri, "SERVER_NAME": "localhost", "PUBLIC_BASE_URL": "http://localhost"},
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    client = app.test_client()
    with client.session_transaction() as session:
        session["x"] = 1
    response = client.get("/sign-in")
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_in_starts_a_fresh_session(client, make_user):
    make_user(email="known@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"email": "known@example.org", "password": PASSWORD, "csrf_token": token})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session  # signed in, in the new session


def test_sign_out_everywhere_ends_sessions_on_other_devices(app, client, make_user, login):
    person = login(make_user())
    other_device = app.test_client()  # the same client class as `client` (the fixture set it)
    with client.session_transaction() as mine, other_device.session_transaction() as theirs:
        theirs.update(dict(mine))
    assert other_device.get("/account").status_code == 200
    token = session_csrf_token(client)  # both clients share the test's g, where Flask-WTF caches its token
    assert client.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 302
    response = other_device.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert person.session_version == 2
