"""Printable documents: one way to turn a template into a PDF.

Every printable document (certificates of attendance, the sign-in sheet) is an HTML template in
templates/pdf/ rendered by `render_pdf` with WeasyPrint. WeasyPrint needs Pango at run time (Debian:
libpango-1.0-0, libpangoft2-1.0-0; scripts/setup installs them when missing), so it is imported on
first use: the rest of the app starts without it.

Documents fetch nothing from outside: the fetcher refuses every URL except inline data: URLs, so a
name or course title that happens to contain markup cannot make the server request another address
(the templates autoescape too; this is the second lock).
"""

from __future__ import annotations

from typing import Any

from flask import render_template


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (styles inline, no outside resources)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def render_pdf(template_name: str, **context: Any) -> bytes:
    """Render `template_name` (a Jinja template, normally under pdf/) with `context` into PDF bytes.

    Needs an app context (the templates use the app's Jinja environment and filters).
    """
    return html_to_pdf(render_template(template_name, **context))


def pdf_response_headers(filename: str) -> dict[str, str]:
    """Headers of a PDF download named `filename`: saved, not shown inline, and never cached by proxies."""
    return {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
