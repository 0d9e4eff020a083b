"""Catalogue pages and the public feed against a bare page, in one run (issue 17).

    python bench/pages_bench.py [--scale 1] [--duration 10] [--connections 16] [--keep]

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server: the script makes
a database of its own there, fills it as `bench/reports_bench.py` does (20,000 sessions, 200,000 people,
1,000,000 bookings at scale 1), then serves it twice with gunicorn (2 sync workers each): the app, and
`bench/bare_app.py` (a bare Flask + SQLAlchemy + Jinja page listing 50 rows). wrk (Debian package
`wrk`) loads each URL in turn with 16 connections; the script prints requests per second and each
page's ratio to the bare page, with the goals of issue 17. The app uses REDIS_URL
(default redis://127.0.0.1:6379/0) for its feed cache, as in production. `--keep` leaves the database
(its name is printed) and `--database NAME` reuses one kept earlier, skipping the seeding.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
GOALS = {"catalogue": 0.5, "course": 0.6, "session": 0.6, "public feed": 0.5}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url, scale):
    from flask_migrate import upgrade
    from reports_bench import seed as fill

    from training_app import clock, create_app
    from training_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
        fill(db, clock.now(), scale)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


def pick_urls(url):
    """A course page and a session page with upcoming dates."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        slug, session_id = conn.execute(
            "SELECT c.slug, s.id FROM course_sessions s JOIN courses c ON c.id = s.course_id"
            " WHERE s.status = 'scheduled' AND s.starts_at > now() ORDER BY s.starts_at LIMIT 1"
        ).fetchone()
    return f"/courses/{slug}", f"/sessions/{session_id}"


def serve(module, port, env, log):
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), module,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{module} did not start; see {log.name}")


def wrk(url, duration, connections):
    """Requests per second wrk reaches on `url` (after a short warm-up), and its error count."""
    subprocess.run(["wrk", "-t2", "-c4", "-d2s", url], capture_output=True, check=True)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(errors.group(1)) if errors else 0


def measure(url, args):
    app_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:",
    }
    course, session = pick_urls(url)
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    with open(logs / "pages_bench_app.log", "w") as app_log, open(logs / "pages_bench_bare.log", "w") as bare_log:
        app = serve("wsgi:app", app_port, env, app_log)
        bare = serve("bench.bare_app:app", bare_port, env, bare_log)
        try:
            pages = [
                ("bare page", f"http://127.0.0.1:{bare_port}/"),
                ("catalogue", f"http://127.0.0.1:{app_port}/"),
                ("course", f"http://127.0.0.1:{app_port}{course}"),
                ("session", f"http://127.0.0.1:{app_port}{session}"),
                ("public feed", f"http://127.0.0.1:{app_port}/calendar/public.ics"),
            ]
            size = len(urllib.request.urlopen(pages[-1][1], timeout=30).read())
            print(f"wrk -t2 -c{args.connections} -d{args.duration}s; gunicorn 2 sync workers each; feed {size:,} bytes")
            results = {}
            for name, page in pages:
                rate, errors = wrk(page, args.duration, args.connections)
                results[name] = rate
                bare_rate = results["bare page"]
                goal = GOALS.get(name)
                verdict = "" if goal is None else ("met" if rate / bare_rate >= goal else "MISSED") + f" (goal {goal})"
                print(
                    f"  {name:12} {page.split(':', 2)[2][5:]:28} {rate:8.1f} req/s  ratio {rate / bare_rate:5.2f}"
                    f"  {verdict}{f'  {errors} errors' if errors else ''}"
                )
        finally:
            for process in (app, bare):
                process.terminate()
                process.wait(timeout=30)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="leave the database for another run")
    parser.add_argument("--database", help="a database kept by --keep: skip the seeding")
    args = parser.parse_args()
    import psycopg

    base = make_url(database_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL))
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = args.database or f"pages_bench_{uuid.uuid4().hex[:8]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    if not args.database:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        print(f"Seeding {name} (scale {args.scale}) ...")
        seed(url, args.scale)
    try:
        measure(url, args)
    finally:
        if args.keep or args.database:
            print(f"Kept database {name}: --database {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
