"""imports/xlsx.py reads the same values as openpyxl's ``load_workbook(read_only=True,
data_only=True)`` + ``iter_rows(values_only=True)``, on workbooks written by openpyxl
(shared strings, inline strings), by hand (the XML other programs write) and at random."""

from __future__ import annotations

import datetime
import random
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from imports.xlsx import first_row, iter_values

AWKWARD = [
    "Maria", "  espaços  ", "", "ação ☎ 👍", "linha\nnova", "tab\there", "x005F_x000D_", "_x000D_", "<&>\"'",
    "0012", "1e5", "=SUM(A1:A2)", "+55 34 99123-4567", "\\", " ",
]  # fmt: skip
VALUES = [
    *AWKWARD, 0, 7, -3, 34991234567, 5534991234567, 1.5, -0.25, 1e-7, 12345678901234.0, 2.0, True, False, None,
    datetime.date(2020, 1, 2), datetime.datetime(2021, 3, 4, 5, 6, 7), datetime.time(8, 9, 10),
]  # fmt: skip


def _stripped(row) -> tuple:
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return tuple(row)


def _openpyxl(path: Path) -> list[tuple]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [_stripped(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _assert_same(path: Path) -> None:
    expected = _openpyxl(path)
    assert [_stripped(row) for row in iter_values(path)] == expected
    header, sheets = first_row(path)
    assert _stripped(header) == (expected[0] if expected else ())
    workbook = load_workbook(path, read_only=True)
    assert sheets == len(workbook.worksheets)
    workbook.close()


def _save(workbook, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    workbook.save(path)
    return path


def _replace_parts(path: Path, parts: dict[str, bytes]) -> None:
    """Rewrite ``path`` with some parts replaced or added (and the shared strings declared)."""
    with zipfile.ZipFile(path) as source:
        contents = {info.filename: source.read(info.filename) for info in source.infolist()}
    contents.update(parts)
    if "xl/sharedStrings.xml" in contents and b"sharedStrings" not in contents["[Content_Types].xml"]:
        contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)


def _with_shared_strings(path: Path) -> Path:
    """Move every inline string of the first sheet into a shared-strings table, as Excel
    saves them (openpyxl writes inline strings)."""
    from xml.etree import ElementTree

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ElementTree.register_namespace("", ns)
    with zipfile.ZipFile(path) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - written just now
    table = ElementTree.Element(f"{{{ns}}}sst")
    for cell in sheet.iter(f"{{{ns}}}c"):
        inline = cell.find(f"{{{ns}}}is")
        if cell.get("t") == "inlineStr" and inline is not None:
            item = ElementTree.SubElement(table, f"{{{ns}}}si")
            item.extend(list(inline))
            cell.remove(inline)
            cell.set("t", "s")
            ElementTree.SubElement(cell, f"{{{ns}}}v").text = str(len(table) - 1)
    _replace_parts(
        path,
        {
            "xl/worksheets/sheet1.xml": ElementTree.tostring(sheet, xml_declaration=True, encoding="UTF-8"),
            "xl/sharedStrings.xml": ElementTree.tostring(table, xml_declaration=True, encoding="UTF-8"),
        },
    )
    return path


def _rows(rng: random.Random, count: int) -> list[list]:
    rows = [["NETWORK", "PHONE NUMBER", "DISPLAY NAME", "CPF/CNPJ", "EMAIL"]]
    for _ in range(count):
        rows.append([rng.choice(VALUES) for _ in range(rng.randint(0, 7))])
    return rows


def test_a_workbook_with_shared_strings_reads_the_same(tmp_path):
    workbook = Workbook()
    for row in _rows(random.Random(1), 300):
        workbook.active.append(row)
    rich = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold"), " tail"])
    workbook.active.append(["rich", rich, "=1+2", None, "after a gap"])
    workbook.create_sheet("Outra").append(["IGNORED"])
    path = _with_shared_strings(_save(workbook, tmp_path, "shared.xlsx"))
    with zipfile.ZipFile(path) as archive:
        assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")
    _assert_same(path)


def test_a_write_only_workbook_with_inline_strings_reads_the_same(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Clientes")
    for row in _rows(random.Random(2), 300):
        sheet.append(row)
    _assert_same(_save(workbook, tmp_path, "inline.xlsx"))


def test_random_workbooks_read_the_same(tmp_path):
    rng = random.Random(3)
    for index in range(20):
        workbook = Workbook(write_only=index % 2 == 0)
        sheet = workbook.create_sheet("S") if index % 2 == 0 else workbook.active
        for row in _rows(rng, rng.randint(0, 60)):
            sheet.append(row)
        path = _save(workbook, tmp_path, f"random{index}.xlsx")
        _assert_same(_with_shared_strings(path) if index % 3 else path)


SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData>
<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="inlineStr"><is><t xml:space="preserve"> sem r </t></is></c></row>
<row r="2"><c r="B2" t="s"><v>2</v></c><c r="D2"><v>42</v></c><c r="E2" t="b"><v>1</v></c></row>
<row r="4" spans="1:5"><c r="A4" t="str"><v>formula text</v></c><c r="C4" t="e"><v>#N/A</v></c><c r="AA4"><v>1.25E3</v></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t>inline</t></r></is></c><c r="B5" t="s"><v>3</v></c></row>
<row r="6"><c r="A6" t="inlineStr"><is><t>com fonética</t><rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="B6" t="inlineStr"><is><t/></is></c></row>
<row r="7"><c r="A7" t="d"><v>2020-01-02T03:04:05</v></c><c r="B7"><f>1+1</f><v>2</v></c><c r="C7" t="s"><v>4</v></c></row>
<row r="8"><c r="C8"><v></v></c><c r="A8"><v>3</v></c></row>
<row r="8"><c r="A8" t="str"><v>repeated row number</v></c></row>
<row r="9"/>
<row r="10"><c r="B10" s="0"><v>10</v></c></row>
</sheetData>
</worksheet>"""
STRINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
<si><t>NETWORK</t></si><si><t>PHONE NUMBER</t></si><si><r><t>rich </t></r><r><rPr><i/></rPr><t>shared</t></r></si>
<si><t>escaped x005F_x000D_ text</t><phoneticPr fontId="1"/></si><si><t/></si>
</sst>"""


def test_a_hand_written_sheet_reads_the_same(tmp_path):
    workbook = Workbook()
    workbook.active.append(["placeholder"])
    workbook.create_sheet("Dois")
    path = _save(workbook, tmp_path, "hand.xlsx")
    _replace_parts(path, {"xl/worksheets/sheet1.xml": SHEET.encode(), "xl/sharedStrings.xml": STRINGS.encode()})
    _assert_same(path)
    assert _stripped(first_row(path)[0]) == ("NETWORK", "PHONE NUMBER", " sem r ")
