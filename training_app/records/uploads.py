"""Certificate files: checked by their first bytes, stored outside the web root under random names.

Files live in UPLOAD_FOLDER (not under static/, so nothing serves them but the record's own route, which
asks permissions first). The name on disk is random; the name it was uploaded with is kept only to
offer it back on download. The type is decided by the file's first bytes, never by its name or the
browser's Content-Type.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO

from flask import current_app

from .errors import CertificateRejected

# (first bytes, content type, extension on disk)
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) for a PDF, PNG or JPEG's first bytes, else None."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_certificate(stream: IO[bytes]) -> tuple[str, str]:
    """Save an uploaded certificate; returns (file name on disk, content type).
    Raises CertificateRejected for anything but a non-empty PDF, PNG or JPEG."""
    data = stream.read()
    if not data:
        raise CertificateRejected("The selected certificate file is empty")
    found = sniff(data[:16])
    if found is None:
        raise CertificateRejected()
    content_type, extension = found
    name = secrets.token_hex(16) + extension
    with open(upload_folder() / name, "xb") as out:
        out.write(data)
    return name, content_type


def certificate_path(name: str) -> Path:
    """Where a stored certificate is (names are ours, but never trust a path separator)."""
    if os.sep in name or (os.altsep and os.altsep in name) or name.startswith("."):
        raise ValueError("not a certificate file name")
    return upload_folder() / name


def delete_certificate(name: str | None) -> None:
    if name:
        certificate_path(name).unlink(missing_ok=True)
