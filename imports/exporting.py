"""Spreadsheet output: templates and exports, with formulas neutralised (SPEC §6.3).

A cell that a spreadsheet would evaluate (starting with ``=``, ``+``, ``-``, ``@``, tab,
CR or LF) is prefixed with an apostrophe, the OWASP-recommended neutralisation.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_DIALECTS = {"csv": (",", False), "excel_br": (";", True)}


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(header: list[str], rows: Iterable[list], filename: str, dialect: str = "csv") -> StreamingHttpResponse:
    """Streamed CSV; ``excel_br`` uses ``;`` and a UTF-8 BOM (what Excel in Portuguese opens)."""
    delimiter, bom = CSV_DIALECTS.get(dialect, CSV_DIALECTS["csv"])
    writer = csv.writer(_Echo(), delimiter=delimiter)

    def stream() -> Iterator[str]:
        if bom:
            yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(header: list[str], rows: Iterable[list], filename: str, sheet: str = "Atende") -> FileResponse:
    """XLSX written in openpyxl's write-only mode to a temporary file (constant memory)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:
        # XML 1.0 cannot hold most control characters; CSV keeps them, XLSX drops them.
        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", neutralise(cell)) for cell in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def spreadsheet_response(file_format: str, header, rows, filename: str, dialect: str = "csv"):
    if file_format == "xlsx":
        return xlsx_response(header, rows, filename)
    return csv_response(header, rows, filename, dialect)


def csv_text(header: list[str], rows: Iterable[list], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
