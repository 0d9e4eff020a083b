"""The training record's rules saying no."""

from ..errors import DomainError


class RecordError(DomainError):
    message = "This could not be recorded."


class CertificateRejected(RecordError):
    message = "The certificate must be a PDF, PNG or JPEG file"
    field = "certificate"
