from flask import render_template
from flask_login import login_required

from . import bp


@bp.route("/my-training")
@login_required
def my_training():
    return render_template("bookings/my_training.html")


@bp.route("/trainer/sessions")
@login_required
def trainer_sessions():
    return render_template("bookings/my_training.html")


@bp.route("/courses/<slug>/complete", methods=["POST"])
@login_required
def complete_elearning(slug):
    return render_template("bookings/my_training.html")
