"""Security headers, the CSP nonce and the rate limits on sign-in, registration and password reset."""
import re

import pytest

from training_app import create_app
from training_app.security import limiter

from conftest import PASSWORD, csrf_from


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
        response = client.get(url)
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
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_uri, "SERVER_NAME": "localhost"})
    response = app.test_client().get("/assets/app.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def sign_in_attempt(client, token, password="wrong password"):
    return client.post("/sign-in", data={"email": "nobody@example.org", "password": password,
                                         "csrf_token": token})


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
    other = client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
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
    statuses = [client.post("/forgot-password", data={"email": "x@example.org", "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_limits_are_off_outside_rate_limit_tests(client):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    assert {sign_in_attempt(client, token).status_code for _ in range(12)} == {200}
