"""The key-project board as an .xlsx workbook: the same rows the page shows, one column per node kind."""

from collections.abc import Sequence
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.people import user_name

from ..exports import in_language
from .models import MilestoneKind
from .selectors import BoardRow

SHEET_TITLE = ("挂图作战", "Key projects")
FILENAME = ("重点项目节点", "key-project-milestones")
LEADING_COLUMNS: tuple[tuple[str, str], ...] = (("项目", "Project"), ("企业", "Enterprise"), ("包保领导", "Leader"))
TRAILING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("年度计划投资（万元）", "Planned investment this year (10,000 yuan)"),
    ("年度完成投资（万元）", "Completed investment this year (10,000 yuan)"),
    ("未办结问题", "Open problems"),
)


def cell_text(cell) -> str:
    """The node as the board shows it: its planned date, the actual one once reached, and its state."""
    if cell.milestone is None:
        return ""
    text = _("planned %(date)s") % {"date": cell.milestone.planned_on.isoformat()}
    if cell.milestone.done_on:
        text += " / " + _("done %(date)s") % {"date": cell.milestone.done_on.isoformat()}
    return f"{text} ({cell.state.label})"


def write_board_workbook(kinds: Sequence[MilestoneKind], rows: Sequence[BoardRow], *, file: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=in_language(SHEET_TITLE))
    sheet.append(
        [in_language(labels) for labels in LEADING_COLUMNS]
        + [kind.name for kind in kinds]
        + [in_language(labels) for labels in TRAILING_COLUMNS]
    )
    for row in rows:
        project = row.project
        sheet.append(
            [project.name, project.enterprise.name, user_name(project.leader)]
            + [cell_text(cell) for cell in row.cells]
            + [row.planned_investment, row.completed_investment, row.open_cases]
        )
    workbook.save(file)
