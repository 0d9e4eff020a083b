"""Printable documents: one way to turn a template into a PDF.

Every printable document (certificates of attendance, the sign-in sheet) is an HTML template in
templates/pdf/ rendered by `render_pdf` with WeasyPrint. WeasyPrint needs Pango at run time (Debian:
libpango-1.0-0, libpangoft2-1.0-0; scripts/setup installs them when missing), so it is imported on
first use: the rest of the app starts without it.

Documents fetch nothing from outside: the fetcher refuses every URL except inline data: URLs, so a
name or course title that happens to contain markup cannot make the server request another address
(the templates autoescape too; this is the second lock).

Speed: a certificate took 66 ms of which about 40% was set-up repeated on every document (WeasyPrint
builds a new fontconfig configuration, and parses the document's <style>, each time). Each thread keeps
one `FontConfiguration` and the parsed stylesheet of each distinct <style> text, so the second and later
certificates only lay out and write (bench/certificates_bench.py; figures in the README).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import render_template

# The document's own <style> element (the templates put one in <head>; text people wrote is
# autoescaped, so it cannot open another).
STYLE = re.compile(r"<style>(.*?)</style>", re.S)
# Parsed stylesheets kept per thread; the templates make a handful of distinct ones.
KEEP_STYLESHEETS = 16

_local = threading.local()


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def _fonts() -> Any:
    """This thread's WeasyPrint font configuration, built once (a fontconfig set-up per document was
    a fifth of a certificate's time)."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _local.fonts = FontConfiguration()
    return fonts


def _stylesheet(css: str) -> Any:
    """`css` parsed once per thread (the same text for every certificate)."""
    from weasyprint import CSS

    kept: dict[str, Any] = getattr(_local, "stylesheets", None) or {}
    _local.stylesheets = kept
    if css not in kept:
        if len(kept) >= KEEP_STYLESHEETS:
            kept.clear()
        kept[css] = CSS(string=css, url_fetcher=_fetcher(), font_config=_fonts())
    return kept[css]


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (styles inline, no outside resources)."""
    from weasyprint import HTML

    stylesheets = []
    style = STYLE.search(html)
    if style:
        stylesheets.append(_stylesheet(style.group(1)))
        html = html[: style.start()] + html[style.end() :]
    document = HTML(string=html, url_fetcher=_fetcher())
    pdf = document.write_pdf(stylesheets=stylesheets, font_config=_fonts())
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
