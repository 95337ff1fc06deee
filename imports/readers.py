"""Reading import files safely (SPEC §6.3, §12 R3).

``inspect_upload`` runs when the file arrives and rejects, whole and with a clear
message, what is not CSV/XLSX, unreadable, empty, too big or missing a required column.
``normalise_to_csv`` then streams the whole file once into a UTF-8 CSV under the job's
folder (XLSX through openpyxl's read-only mode), so that the import proper reads a
single, checked format and a crash never leaves a file half-understood.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from . import errors
from .xlsx import first_row, iter_values

csv.field_size_limit(16 * 1024 * 1024)  # a huge cell becomes a row error, not a crash

SNIFF_BYTES = 64 * 1024


class FileRejected(Exception):
    """The whole file is refused; the message says why, in Portuguese."""


@dataclass
class Layout:
    """What the header says: canonical column per position (``None`` = ignored)."""

    columns: list[str | None]
    file_format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    # Canonical column → the header as the file wrote it ("PHONE NUMBER" → "TELEFONE"), so
    # the screens speak the file's language.
    headers: dict[str, str] = field(default_factory=dict)


def fold(text: str) -> str:
    """Case- and accent-insensitive header comparison: "Nº de Telefone" → "N DE TELEFONE"."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9/']+", " ", text.upper()).strip()


def detect_format(name: str, head: bytes) -> str:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            raise FileRejected(str(errors.NOT_XLSX))
        return "xlsx"
    if lower.endswith((".csv", ".txt")):
        if head.startswith(b"PK\x03\x04") or b"\x00" in head[:4096]:
            raise FileRejected(str(errors.BINARY_CSV))
        return "csv"
    raise FileRejected(str(errors.WRONG_TYPE))


def detect_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) if the whole file decodes as UTF-8, else Windows-1252
    (what Brazilian Excel saves), else Latin-1 (which decodes any byte)."""
    with path.open("rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                decoder.decode(block)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def detect_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _check_size(size: int) -> None:
    if size == 0:
        raise FileRejected(str(errors.EMPTY_FILE))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(str(errors.TOO_BIG) % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)})


def check_xlsx_container(path: Path) -> None:
    """Refuse broken archives and zip bombs before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileRejected(str(errors.UNREADABLE_XLSX)) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise FileRejected(str(errors.UNREADABLE_XLSX))
    inflated = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if inflated > settings.IMPORT_MAX_XLSX_UNCOMPRESSED or inflated / packed > 200:
        raise FileRejected(str(errors.ZIP_BOMB))


def map_header(header: list, spec) -> list[str | None]:
    """Canonical column names for each header cell (English or Portuguese, any case)."""
    columns: list[str | None] = []
    counts: dict[str, int] = {}
    for cell in header:
        canonical = spec.aliases.get(fold(cell))
        if canonical is None:
            columns.append(None)
            continue
        counts[canonical] = counts.get(canonical, 0) + 1
        if canonical in spec.repeatable and counts[canonical] > 1:
            columns.append(f"{canonical} {counts[canonical]}")
        elif counts[canonical] > 1:
            columns.append(None)  # a repeated non-repeatable column: the first one wins
        else:
            columns.append(canonical)
    missing = [_with_portuguese(name, spec) for name in spec.required_columns if name not in columns]
    if missing:
        raise FileRejected(str(errors.MISSING_COLUMNS) % {"columns": ", ".join(missing)})
    return columns


def _with_portuguese(name: str, spec) -> str:
    """ "PHONE NUMBER (TELEFONE)": the template's name and its first Portuguese alias (with
    its accents when the list has them), so a user who wrote their own headers knows which
    one is missing."""
    aliases = spec.columns.get(name, [])
    if not aliases:
        return name
    first = aliases[0]
    portuguese = next((alias for alias in aliases if fold(alias) == fold(first) and alias != first), first)
    return f"{name} ({portuguese})"


def inspect_upload(path: Path, name: str, spec) -> Layout:
    """Checks made before the job is accepted (sizes, type, encoding, header)."""
    _check_size(path.stat().st_size)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    file_format = detect_format(name, head)
    if file_format == "xlsx":
        check_xlsx_container(path)
        header, sheets = _xlsx_header(path)
        columns = map_header(header, spec)
        layout = Layout(columns, "xlsx", headers=file_headers(header, columns))
        if sheets > 1:
            layout.notes.append(str(errors.FIRST_SHEET_ONLY) % {"count": sheets})
        return layout
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise FileRejected(str(errors.EMPTY_FILE))
    delimiter = detect_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    columns = map_header(header, spec)
    return Layout(columns, "csv", encoding=encoding, delimiter=delimiter, headers=file_headers(header, columns))


def file_headers(header: list, columns: list[str | None]) -> dict[str, str]:
    """``{canonical: header text}``; a repeated header gets its number ("ATRIBUTO 2")."""
    names: dict[str, str] = {}
    used: dict[str, int] = {}
    for cell, canonical in zip(header, columns, strict=False):
        if canonical is None:
            continue
        text = " ".join(str(cell if cell is not None else "").split()) or canonical
        used[text.casefold()] = used.get(text.casefold(), 0) + 1
        names[canonical] = text if used[text.casefold()] == 1 else f"{text} {used[text.casefold()]}"
    return names


def _xlsx_header(path: Path) -> tuple[list, int]:
    try:
        header, sheets = first_row(path)
    except Exception:  # noqa: BLE001 - any parse failure means the file is unreadable
        raise FileRejected(str(errors.UNREADABLE_XLSX)) from None
    if not header or not any(cell not in (None, "") for cell in header):
        raise FileRejected(str(errors.EMPTY_FILE))
    return list(header), sheets


def iter_rows(path: Path, layout: Layout) -> Iterator[list]:
    """Data rows (header skipped) as lists of cell values; fully blank rows are skipped."""
    if layout.file_format == "xlsx":
        yield from _iter_xlsx(path)
        return
    with path.open(encoding=layout.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter)
        next(reader, None)
        for row in reader:
            if "".join(row).strip():  # some cell is not blank
                yield row


def _iter_xlsx(path: Path) -> Iterator[tuple]:
    rows = iter_values(path)
    try:
        next(rows, None)
        for row in rows:
            if any(cell is not None and cell != "" for cell in row):
                yield row
    except Exception as error:  # noqa: BLE001 - whatever breaks the parser makes the file unreadable
        raise FileRejected(str(errors.UNREADABLE) % {"detail": str(error)[:200]}) from None


def cell_text(value) -> str:
    """A cell as text: numbers typed into spreadsheets lose their ``.0``, dates become
    ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else value.isoformat()
    return str(value).strip()


def _texts(row, indexes: list[int]) -> list[str]:
    """``cell_text`` of the cells at ``indexes`` ("" past the row's end); text cells (all
    of a CSV's) are only stripped."""
    width = len(row)
    texts = []
    for index in indexes:
        value = row[index] if index < width else ""
        texts.append(value.strip() if value.__class__ is str else cell_text(value))
    return texts


def normalise_to_csv(source: Path, layout: Layout, target: Path) -> int:
    """Stream every data row into ``target`` (UTF-8 CSV of canonical columns); return the
    row count. Raises ``FileRejected`` for anything that makes the file unreadable."""
    named = [(index, name) for index, name in enumerate(layout.columns) if name]
    indexes = [index for index, _ in named]
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([name for _, name in named])
            for row in iter_rows(source, layout):
                count += 1
                if count > limit:
                    raise FileRejected(str(errors.TOO_MANY_ROWS) % {"rows": limit})
                texts = _texts(row, indexes)
                if "\x00" in "".join(texts):  # PostgreSQL stores no NUL: refuse the file before any write
                    raise FileRejected(str(errors.BINARY_CSV))
                writer.writerow(texts)
    except (csv.Error, UnicodeDecodeError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileRejected(str(errors.UNREADABLE) % {"detail": str(error)[:200]}) from None
    if count == 0:
        raise FileRejected(str(errors.HEADER_ONLY))
    return count


def read_normalised(path: Path, skip: int = 0) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {COLUMN: text})`` from a normalised CSV; ``line`` counts the header as 1."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for index, row in enumerate(reader):
            if index < skip:
                continue
            yield index + 2, dict(zip(header, row, strict=False))


def as_bytes_io(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))
