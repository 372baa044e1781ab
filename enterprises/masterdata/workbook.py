"""The .xlsx file itself: written in write-only mode and read in read-only mode, so that a workbook of
50,000 enterprises never sits in memory as cells."""

import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import InvalidInput

from .schema import NO, NOTES_TITLE, SHEETS, YES, Sheet

# How often reading reports its progress, in rows.
PROGRESS_EVERY = 2_000
# An .xlsx is a zip of XML; a small upload that unpacks to gigabytes is refused before openpyxl reads it.
MAX_UNPACKED_BYTES = 1_000_000_000

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


@dataclass(frozen=True)
class Row:
    """A data row of a sheet: its number as the spreadsheet shows it, and its cells by column key."""

    number: int
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class Problem:
    """Why the workbook cannot be imported, where a person can find it: sheet, row, column."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return _("%(place)s: %(message)s") % {"place": self.place, "message": self.message}

    @property
    def place(self) -> str:
        if self.row is None:
            return _("sheet %(sheet)s") % {"sheet": self.sheet}
        if self.column is None:
            return _("sheet %(sheet)s, row %(row)d") % {"sheet": self.sheet, "row": self.row}
        return _("sheet %(sheet)s, row %(row)d, column %(column)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


def cell_text(value) -> str:
    """A cell as the text a person typed: numbers without a trailing .0, booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def write_workbook(file: IO[bytes], rows: Mapping[str, Iterable[list[str]]]) -> None:
    """The notes sheet, then each sheet with its headers and ``rows[sheet.key]`` (none: the template)."""
    workbook = Workbook(write_only=True)
    write_notes(workbook.create_sheet(NOTES_TITLE))
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.title)
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = 24 if column.key in ("name", "address") else 16
            if column.vocabulary is not None:
                # A drop-down of the allowed words for whoever fills the sheet by hand; the import checks anyway.
                choices = DataValidation(type="list", formula1=f'"{",".join(column.vocabulary.labels.values())}"')
                choices.add(f"{letter}2:{letter}1048576")
                worksheet.data_validations.append(choices)
        worksheet.freeze_panes = "A2"
        worksheet.append(sheet.headers)
        for row in rows.get(sheet.key, ()):
            worksheet.append(row)
    workbook.save(file)


def write_notes(worksheet) -> None:
    """One row per column of every sheet: what it holds, whether it is required, the words it allows."""
    for letter, width in zip("ABCDE", (14, 18, 8, 80, 50), strict=True):
        worksheet.column_dimensions[letter].width = width
    worksheet.append(["工作表", "列名", "必填", "说明", "可填的值"])
    for sheet in SHEETS:
        worksheet.append([sheet.title, "", "", str(sheet.note), ""])
        for column in sheet.columns:
            allowed = column.vocabulary.allowed() if column.vocabulary else ""
            worksheet.append(["", column.header, YES if column.required else "", str(column.note), allowed])


def check_upload(file: IO[bytes]) -> None:
    """Refuse anything that is not an .xlsx workbook of reasonable unpacked size, with a reason to read."""
    not_xlsx = InvalidInput(
        _("This file is not an Excel workbook (.xlsx). Save it as .xlsx (Excel 2007 or later) and upload it again."),
        code="not_xlsx",
    )
    file.seek(0)
    if not zipfile.is_zipfile(file):
        raise not_xlsx
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise not_xlsx
        if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise InvalidInput(_("This workbook is too large once unpacked."), code="file_too_large")
    file.seek(0)


def read_workbook(file: IO[bytes], *, progress: Progress = no_progress) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The data rows of every sheet by sheet key, and the problems of the file's shape (missing sheets and
    columns). Empty rows are skipped; columns are found by their header, in any order."""
    check_upload(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise InvalidInput(
            _("This workbook cannot be read (%(error)s). Save it again as .xlsx and upload it again.")
            % {"error": error.__class__.__name__},
            code="not_xlsx",
        ) from error
    rows: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    try:
        for sheet in SHEETS:
            if sheet.title not in workbook.sheetnames:
                problems.append(Problem(sheet.title, None, None, _("The sheet is missing.")))
                rows[sheet.key] = []
                continue
            rows[sheet.key] = read_sheet(workbook[sheet.title], sheet, problems, progress)
    finally:
        workbook.close()
    return rows, problems


def read_sheet(worksheet, sheet: Sheet, problems: list[Problem], progress: Progress) -> list[Row]:
    values = worksheet.iter_rows(values_only=True)
    header = [cell_text(value).rstrip("*").strip() for value in next(values, ())]
    positions: dict[str, int] = {}
    for column in sheet.columns:
        if column.header not in header:
            problems.append(Problem(sheet.title, 1, column.header, _("The column is missing.")))
        elif header.count(column.header) > 1:
            problems.append(Problem(sheet.title, 1, column.header, _("The column appears twice.")))
        else:
            positions[column.key] = header.index(column.header)
    # The sheet's own dimension, when the file has one: a total for the progress bar, not a limit.
    total = max((worksheet.max_row or 1) - 1, 0)
    stage = _("Reading %(sheet)s") % {"sheet": sheet.title}
    found: list[Row] = []
    number = 1
    for number, cells in enumerate(values, start=2):
        texts = {key: cell_text(cells[index]) if index < len(cells) else "" for key, index in positions.items()}
        if any(texts.values()):
            found.append(Row(number, texts))
        if number % PROGRESS_EVERY == 0:
            progress(stage, number - 1, max(total, number))
    progress(stage, number - 1, number - 1)
    return found
