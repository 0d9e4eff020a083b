"""The app as gunicorn serves it, plus two POST routes that do no booking work, so that
`booking_bench.py --endpoint` can show what a rush costs before any booking is made:

- /bench/noop/<id>: the request, session cookie, CSRF check and redirect;
- /bench/signed-in-noop/<id>: the same, plus loading the signed-in user (Flask-Login).

Used by the benchmark only; never imported by the application. `python bench/floor_app.py --help`
prints this text.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import redirect  # noqa: E402
from flask_login import login_required  # noqa: E402

from wsgi import app  # noqa: E402


@app.post("/bench/noop/<int:session_id>")
def noop(session_id):
    return redirect(f"/sessions/{session_id}")


@app.post("/bench/signed-in-noop/<int:session_id>")
@login_required
def signed_in_noop(session_id):
    return redirect(f"/sessions/{session_id}")


if __name__ == "__main__":
    print(__doc__)
