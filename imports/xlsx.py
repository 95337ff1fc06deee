"""Reading the cell values of an XLSX's first sheet with openpyxl, without the work an
import does not need (SPEC §12 P4).

``load_workbook(path, read_only=True, data_only=True)`` then ``iter_rows(values_only=True)``
is what this module reproduces, value for value (tests/imports/test_xlsx_reader.py
compares both on many workbooks), minus three costs that dominated an XLSX import:

- **the size scan**: a read-only sheet measures itself when the workbook opens; in a
  file without a ``<dimension>`` element (openpyxl's own write-only files, many
  generators) that parses the whole sheet, once per opening. Here it is skipped: rows
  come as long as their last cell, and none is dropped for lying past a declared size.
- **the whole shared-strings table for the header**: ``first_row`` reads only the strings
  the first row refers to (``_LazyStrings``), not the table of every cell of the file.
- **per-cell objects**: openpyxl's parser turns each cell into a dict (``parse_cell``),
  then the sheet into a tuple. ``_ValuesParser.parse_row`` reads the common cells (shared
  and inline plain strings, numbers without a date format) straight into the row's
  tuple, and hands every other cell (dates, booleans, errors, rich text, formulas' text
  types) to openpyxl's own ``parse_cell``. Plain strings (``<si><t>…</t></si>``) in the
  shared-strings table are read the same way, with openpyxl's ``Text`` for the rest.

openpyxl still opens the package, the workbook, its styles (which number formats are
dates) and the sheet, and its parser still walks the sheet's XML.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, VALUE_TAG, WorkSheetParser, _cast_number
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

_SI = f"{{{SHEET_MAIN_NS}}}si"
_T = f"{{{SHEET_MAIN_NS}}}t"
_DIGITS = "0123456789"
_columns: dict[str, int] = {}  # "AB" → 28, filled as met


def _string_item(node) -> str:
    """``openpyxl.reader.strings.read_string_table``'s text of one ``<si>``."""
    if len(node) == 1 and node[0].tag == _T and not len(node[0]):
        text = node[0].text or ""
    else:
        text = Text.from_tree(node).content
    return text.replace("x005F_", "")


def _read_strings(source) -> list[str]:
    strings = []
    for _event, node in iterparse(source):
        if node.tag == _SI:
            strings.append(_string_item(node))
            node.clear()
    return strings


class _LazyStrings:
    """The shared-strings table, read only as far as the cells asked for need."""

    def __init__(self, archive, path: str):
        self._source = archive.open(path)
        self._events = iterparse(self._source)
        self._strings: list[str] = []

    def __getitem__(self, index: int) -> str:
        while len(self._strings) <= index and self._events is not None:
            for _event, node in self._events:
                if node.tag == _SI:
                    self._strings.append(_string_item(node))
                    node.clear()
                    if len(self._strings) > index:
                        break
            else:
                self.close()
        return self._strings[index]

    def close(self) -> None:
        self._events = None
        self._source.close()


class _UnsizedSheet(ReadOnlyWorksheet):
    def _get_size(self):
        """No size scan (see the module's docstring)."""


class _Reader(ExcelReader):
    """``load_workbook(read_only=True, data_only=True)``'s reader, with the shared strings
    read as above and the sheets left unmeasured."""

    def __init__(self, path: Path, *, lazy_strings: bool):
        super().__init__(str(path), read_only=True, data_only=True)
        self.lazy_strings = lazy_strings

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        if self.lazy_strings:
            self.shared_strings = _LazyStrings(self.archive, part.PartName[1:])
        else:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _read_strings(source)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():  # as ExcelReader.read_worksheets, read-only
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


class _ValuesParser(WorkSheetParser):
    """openpyxl's sheet parser, yielding ``(row number, values)`` instead of cell dicts."""

    def parse_row(self, row):
        number = row.get("r")
        if number is None:
            self.row_counter += 1
        else:
            try:
                self.row_counter = int(number)
            except ValueError:
                return super().parse_row(row)[0], self._values(row)
        return self.row_counter, self._values(row)

    def _values(self, row) -> tuple:
        self.col_counter = 0
        cells = []
        strings, date_formats = self.shared_strings, self.date_formats
        for element in row:
            kind = element.get("t", "n")
            reference = element.get("r")
            letters = reference.rstrip(_DIGITS) if reference else None
            style = element.get("s")
            if (kind not in ("s", "n", "inlineStr") or (letters is not None and not letters.isalpha())) or (
                kind == "n" and style and int(style) in date_formats
            ):
                cell = self.parse_cell(element)  # openpyxl's own conversion
                cells.append((cell["column"], cell["value"]))
                continue
            if letters is None:
                self.col_counter += 1
            else:
                column = _columns.get(letters)
                if column is None:
                    column = _columns[letters] = column_index_from_string(letters)
                self.col_counter = column
            if kind == "inlineStr":
                child = element.find(INLINE_STRING)
                if child is None:
                    value = None
                elif len(child) == 1 and child[0].tag == _T and not len(child[0]):
                    value = child[0].text or ""
                else:
                    value = Text.from_tree(child).content
            else:
                value = element.findtext(VALUE_TAG, None) or None
                if value is not None:
                    value = strings[int(value)] if kind == "s" else _cast_number(value)
            cells.append((self.col_counter, value))
        if not cells:
            return ()
        # As ReadOnlyWorksheet._get_row: as wide as the last cell's column.
        values = [None] * cells[-1][0]
        for column, value in cells:
            if 1 <= column <= len(values):
                values[column - 1] = value
        return tuple(values)


def _rows(workbook, sheet) -> Iterator[tuple]:
    """``sheet.iter_rows(values_only=True)`` (missing rows come as ``()``)."""
    with sheet._get_source() as source:
        parser = _ValuesParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for number, values in parser.parse():
            while expected < number:
                expected += 1
                yield ()
            if expected <= number:  # a row repeating an earlier number is skipped, as openpyxl does
                expected += 1
                yield values


def first_row(path: Path) -> tuple[tuple, int]:
    """The first sheet's first row of values, and how many worksheets the file has."""
    reader = _Reader(path, lazy_strings=True)
    try:
        reader.read()
        workbook = reader.wb
        rows = _rows(workbook, workbook.worksheets[0])
        try:
            return next(rows, ()), len(workbook.worksheets)
        finally:
            rows.close()
    finally:
        if isinstance(reader.shared_strings, _LazyStrings):
            reader.shared_strings.close()
        reader.archive.close()


def iter_values(path: Path) -> Iterator[tuple]:
    """Every row of the first sheet's values, the header included."""
    reader = _Reader(path, lazy_strings=False)
    try:
        reader.read()
        workbook = reader.wb
        yield from _rows(workbook, workbook.worksheets[0])
    finally:
        reader.archive.close()
