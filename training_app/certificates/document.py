"""The certificate as a PDF: templates/pdf/certificate.html through training_app.pdf.render_pdf."""

from __future__ import annotations

from ..models import Certificate
from ..pdf import render_pdf
from ..web import external_url


def hours_text(minutes: int) -> str:
    """ "3 hours", "1 hour 30 minutes", "45 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF of `certificate`, saying what it said when issued, with its verification address."""
    return render_pdf(
        "pdf/certificate.html",
        certificate=certificate,
        hours=hours_text(certificate.duration_minutes),
        verify_url=external_url("certificates.verify"),
    )
