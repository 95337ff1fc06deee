"""Spreadsheet output: templates and exports, with formulas neutralised (SPEC §6.3).

A cell that a spreadsheet would evaluate (starting with ``=``, ``+``, ``-``, ``@``, tab,
CR or LF) is prefixed with an apostrophe, the OWASP-recommended neutralisation.

Numbers stay numbers, the one rule of every export (reports, surveys, customers…): in
the ``excel_br`` CSV (``;``, read by Excel in Portuguese) a decimal number is written with
a decimal comma ("223,7"), never "223.7", which Brazilian Excel reads as a date or a
thousand; the plain ``csv`` dialect (``,``-separated, for programs) keeps the dot. In
XLSX a number is a numeric cell with a number format, so sums and charts work.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_DIALECTS = {"csv": (",", False), "excel_br": (";", True)}


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def number_text(value, decimal_comma: bool) -> str:
    """A number as a spreadsheet reads it: no exponent, no thousands separator."""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, int):
        text = str(value)
    else:
        text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text.replace(".", ",") if decimal_comma else text


def csv_cell(value, decimal_comma: bool = False) -> str:
    return number_text(value, decimal_comma) if is_number(value) else neutralise(value)


class _Echo:
    def write(self, value):
        return value


def csv_response(header: list[str], rows: Iterable[list], filename: str, dialect: str = "csv") -> StreamingHttpResponse:
    """Streamed CSV; ``excel_br`` uses ``;`` and a UTF-8 BOM (what Excel in Portuguese opens)."""
    delimiter, brazilian = CSV_DIALECTS.get(dialect, CSV_DIALECTS["csv"])
    bom = brazilian
    writer = csv.writer(_Echo(), delimiter=delimiter)

    def stream() -> Iterator[str]:
        if bom:
            yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(cell, decimal_comma=brazilian) for cell in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(header: list[str], rows: Iterable[list], filename: str, sheet: str = "Atende") -> FileResponse:
    """XLSX written in openpyxl's write-only mode to a temporary file (constant memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)

    def xlsx_cell(value):
        if is_number(value):
            if isinstance(value, float) and not math.isfinite(value):
                return None
            cell = WriteOnlyCell(worksheet, value=value)
            # Excel shows the separators of the reader's locale: "223,7" in Portuguese.
            cell.number_format = "0" if isinstance(value, int) or value == int(value) else "0.0##"
            return cell
        # XML 1.0 cannot hold most control characters; CSV keeps them, XLSX drops them.
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))

    for row in rows:
        worksheet.append([xlsx_cell(cell) for cell in row])
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
