"""The app as gunicorn serves it, plus two POST routes that do no booking work, so that
`booking_bench.py --endpoint` can show what a rush costs before any booking is made:

- /bench/noop/<id>: the request, session cookie, CSRF check and redirect;
- /bench/signed-in-noop/<id>: the same, plus loading the signed-in user (Flask-Login).

Used by the benchmark only; never imported by the application.
"""
from flask import redirect
from flask_login import login_required

from wsgi import app


@app.post("/bench/noop/<int:session_id>")
def noop(session_id):
    return redirect(f"/sessions/{session_id}")


@app.post("/bench/signed-in-noop/<int:session_id>")
@login_required
def signed_in_noop(session_id):
    return redirect(f"/sessions/{session_id}")
