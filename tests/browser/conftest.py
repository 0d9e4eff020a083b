"""Real-browser tests: the app served over HTTP from a thread, driven by the system Chromium.

One browser per test run (pytest-playwright's session-scoped `browser`), a fresh context and
page per test (its function-scoped `page`), so tests share no cookies.

Data is made with the ordinary factories (tests/conftest.py), which commit, so the server
thread sees it. On SQLite every transaction starts with BEGIN IMMEDIATE (the app's booking
lock, see training_app/__init__.py), so even a read in the test thread takes the write lock
until it ends: read what the test needs into plain values, then call `release()` before
driving the browser, and again after checking the database in the middle of a test.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    """Skip on a machine without Chromium; in CI (CI set) a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    message = (
        f"Chromium not found at {CHROMIUM}: install it (apt-get install -y chromium) "
        "or set CHROMIUM_EXECUTABLE. Do not run `playwright install`."
    )
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests. " + message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, _require_chromium):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class QuietHandler(WSGIRequestHandler):
    """No access log: pytest would print every asset request of every failing test."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The session `app` served on 127.0.0.1 (a free port) by a threaded werkzeug server; yields its base URL.

    The app fixture sets SERVER_NAME="localhost", and the browser talks to 127.0.0.1:<port>. That
    works unchanged: since Flask 3.1, SERVER_NAME no longer restricts which Host a request may
    carry (it only feeds url_for(_external=True), e.g. the links in emails, which these tests
    do not follow), and redirects are relative. So the shared config is left alone rather than
    rewritten for the whole run, which would change the external URLs other tests in the same
    session assert on. The first request below checks this, so a Flask that restricts the host
    again fails here with a clear message instead of as 404s in every test.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        from urllib.request import urlopen

        with urlopen(base + "/help/accessibility", timeout=10) as response:
            assert response.status == 200
    except Exception as error:  # pragma: no cover - only when the setup is broken
        server.shutdown()
        raise RuntimeError(f"The live server at {base} does not answer (SERVER_NAME mismatch?): {error}") from error
    yield base
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright gives every context this base URL, so tests can `page.goto("/sign-in")`."""
    return live_server


@pytest.fixture
def release(db):
    """`release()`: end the test thread's transaction (committing what is pending) so the server can write."""

    def end_transaction():
        db.session.commit()
        db.session.close()

    return end_transaction


@pytest.fixture(scope="session")
def _axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run ./scripts/setup (npm run build copies it from axe-core).", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe_violations(_axe_source):
    """`axe_violations(page)`: axe-core's violations on the page (a list, maybe empty)."""
    return lambda page: run_axe(page, _axe_source)


@pytest.fixture
def axe_check(axe_violations):
    """`axe_check(page)`: run axe-core on the page; fail listing every violation (id, help, nodes)."""

    def check(page, context=None):
        violations = axe_violations(page)
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {context or page.url}:\n" + format_violations(violations)
        )
        return violations

    return check


def run_axe(page, source):
    """Inject axe-core (unless the page has it already) and return its violations for AXE_TAGS."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so a Content-Security-Policy cannot block it.
        page.evaluate(source + "\n;undefined")
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return without_govuk_conditional_reveal(results["violations"])


def without_govuk_conditional_reveal(violations):
    """The violations less one known, deliberate exception: GOV.UK Frontend's conditional reveal puts
    aria-expanded on the radio that reveals a question, which ARIA 1.2 does not allow on a radio.
    GOV.UK keeps it because screen readers announce it and research found it helps
    (alphagov/govuk-frontend#979, w3c/aria#1404). Only that attribute on those radios is dropped."""
    kept = []
    for violation in violations:
        if violation["id"] == "aria-allowed-attr":
            nodes = [node for node in violation["nodes"] if not _govuk_reveal_radio(node)]
            if not nodes:
                continue
            violation = {**violation, "nodes": nodes}
        kept.append(violation)
    return kept


def _govuk_reveal_radio(node):
    html = node.get("html", "")
    summary = [line.strip() for line in node.get("failureSummary", "").splitlines()[1:] if line.strip()]
    return (
        html.startswith('<input class="govuk-radios__input"')
        and "aria-controls=" in html
        and bool(summary)
        and all(line.startswith("ARIA attribute is not allowed: aria-expanded=") for line in summary)
    )


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"]:
            lines.append(f"    target {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


@pytest.fixture
def sign_in_through_page():
    """`sign_in(page, email)`: sign in with the real sign-in form; returns after the redirect lands."""
    from tests.conftest import PASSWORD

    def sign_in(page, email, password=PASSWORD, axe=None):
        if "/sign-in" not in page.url:  # already there keeps ?next=
            page.goto("/sign-in")
        if axe:
            axe(page, "the sign-in page")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/sign-in" not in page.url, "sign-in failed: " + page.inner_text("main")

    return sign_in
