"""Certificate pages: the download (delegate and team), the public check, the team's list and re-issue."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..admin.services import partnership_by_code, partnerships
from ..constants import ADMIN_CERTIFICATES_PAGE_SIZE
from ..errors import show_error
from ..evaluations.due import opening_url
from ..evaluations.services import booking_opening
from ..extensions import db
from ..models import Booking, Certificate, EvaluationStage
from ..pagination import requested_page
from ..pdf import pdf_response_headers
from ..permissions import (
    admin_required,
    can_manage_session,
    may_download_certificate,
    owns_booking,
    require,
    sees_all_partnerships,
)
from ..security import CERTIFICATE_VERIFY_LIMIT, limiter
from . import bp
from .document import certificate_filename, certificate_pdf
from .eligibility import availability_of
from .forms import ReissueForm, VerifyForm
from .queries import CURRENT, REPLACED, CertificateFilters, certificate_for_code, certificate_page
from .services import CertificateError, CertificateNotAvailable, issue_certificate, reissue_certificate


@bp.route("/bookings/<int:booking_id>/certificate.pdf")
@login_required
def download(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(may_download_certificate(current_user, booking))
    now = clock.now()
    try:
        certificate = issue_certificate(current_user, booking, now)
        db.session.commit()
    except CertificateNotAvailable as error:
        db.session.rollback()
        state = availability_of(booking, now)
        evaluation_url = None
        if state.needs_evaluation and owns_booking(current_user, booking):
            evaluation_url = opening_url(booking_opening(booking, EvaluationStage.POST, now))
        return render_template(
            "certificates/not_available.html", booking=booking, reason=error.message, evaluation_url=evaluation_url
        )
    return make_response(certificate_pdf(certificate), 200, pdf_response_headers(certificate_filename(certificate)))


def _verify_exempt():
    # Only a check counts against the limit, not opening the empty page.
    return not request.args.get("code")


@bp.route("/certificates/verify")
@limiter.limit(CERTIFICATE_VERIFY_LIMIT, exempt_when=_verify_exempt)
def verify():
    form = VerifyForm(request.args)
    checked = "code" in request.args
    certificate = None
    if checked and form.validate():
        certificate = certificate_for_code(form.code.data)
    return render_template(
        "certificates/verify.html",
        form=form,
        checked=checked and not form.errors,
        certificate=certificate,
    )


@bp.route("/admin/certificates")
@admin_required
def admin_list():
    status = request.args.get("status", "")
    selected = None
    if sees_all_partnerships(current_user):
        selected = partnership_by_code(request.args.get("partnership", ""))
    filters = CertificateFilters(
        q=(request.args.get("q") or "").strip()[:200],
        status=status if status in (CURRENT, REPLACED) else None,
        partnership_id=selected.id if selected else None,
    )
    rows, pages = certificate_page(current_user, filters, requested_page(), ADMIN_CERTIFICATES_PAGE_SIZE)

    def page_url(number):
        return url_for(
            "certificates.admin_list",
            q=filters.q or None,
            status=filters.status,
            partnership=selected.code if selected else None,
            page=number,
        )

    return render_template(
        "certificates/admin_list.html",
        rows=rows,
        pages=pages,
        page_url=page_url,
        filters=filters,
        selected=selected,
        partnership_choices=partnerships() if sees_all_partnerships(current_user) else [],
        form=ReissueForm(),
        CURRENT=CURRENT,
        REPLACED=REPLACED,
    )


@bp.route("/admin/certificates/<int:certificate_id>/reissue", methods=["POST"])
@admin_required
def reissue(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require(can_manage_session(current_user, certificate.booking.session))
    form = ReissueForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        replacement = reissue_certificate(current_user, certificate, clock.now())
        db.session.commit()
    except CertificateError as error:
        db.session.rollback()
        show_error(error)
        return redirect(url_for("certificates.admin_list"))
    flash(
        f"A new certificate for {replacement.holder_name} has been issued with the code {replacement.code}. "
        f"The old code {certificate.code} now shows as replaced.",
        "success",
    )
    return redirect(url_for("certificates.admin_list", q=replacement.code))
