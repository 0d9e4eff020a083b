"""CSV export, for every download: streamed, and safe to open in a spreadsheet.

A cell that begins with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula ("formula injection": a delegate could type
`=HYPERLINK(...)` as their job role). Such text cells are prefixed with an apostrophe, which
spreadsheets show as text. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

DANGEROUS_FIRST_CHARACTERS = frozenset("=+-@\t\r")
CHUNK_SIZE = 64 * 1024


def neutralise(value: object) -> object:
    """A cell value spreadsheets will not run as a formula ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in DANGEROUS_FIRST_CHARACTERS:
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Encode rows (an iterable of tuples) as CSV text, yielded in chunks of about 64 KB.

    Only one chunk is held at a time, so memory does not grow with the number of rows. The first
    chunk starts with a byte order mark so that Excel reads the file as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    dangerous = DANGEROUS_FIRST_CHARACTERS
    for row in rows:
        # neutralise(), inlined: this runs for every cell of a million-row export.
        writer.writerow([("'" + cell) if isinstance(cell, str) and cell[:1] in dangerous else cell for cell in row])
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
    if buffer.tell():
        yield buffer.getvalue()


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """A streamed CSV download; `rows` is consumed lazily while the response is sent."""
    return Response(
        stream_with_context(csv_chunks(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
