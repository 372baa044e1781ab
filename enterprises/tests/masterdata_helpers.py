"""Workbooks for the master-data tests: the district's own export, edited cell by cell."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.masterdata.export import export_rows
from enterprises.masterdata.plan import Plan
from enterprises.masterdata.planner import plan_import
from enterprises.masterdata.schema import SHEETS
from enterprises.masterdata.workbook import read_workbook, write_workbook

SHEET = {sheet.key: sheet for sheet in SHEETS}


def district_rows() -> dict[str, list[list[str]]]:
    """What Huiyin holds now, as the rows of its export (fresh lists, free to edit)."""
    return {key: [list(row) for row in rows] for key, rows in export_rows().items()}


def position(sheet: str, column: str) -> int:
    return [column_.key for column_ in SHEET[sheet].columns].index(column)


def row_of(rows: dict, sheet: str, column: str, value: str) -> list[str]:
    """The first row of ``sheet`` whose ``column`` holds ``value``."""
    return next(row for row in rows[sheet] if row[position(sheet, column)] == value)


def set_cell(row: list[str], sheet: str, column: str, value: str) -> None:
    row[position(sheet, column)] = value


def new_row(sheet: str, **cells: str) -> list[str]:
    return [cells.get(column.key, "") for column in SHEET[sheet].columns]


def workbook_bytes(rows: dict) -> bytes:
    buffer = BytesIO()
    write_workbook(buffer, rows)
    return buffer.getvalue()


def upload(rows: dict, name: str = "主数据.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows), content_type="application/octet-stream")


def plan_for(rows: dict, **options) -> Plan:
    read, problems = read_workbook(BytesIO(workbook_bytes(rows)))
    return plan_import(read, problems=problems, **options)


def places(plan: Plan) -> set[tuple[str, int | None, str | None]]:
    """Where each problem is: (sheet, row, column)."""
    return {(problem.sheet, problem.row, problem.column) for problem in plan.problems}
