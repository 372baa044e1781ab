"""What importing a workbook would do: the ``Plan``, with the problems (if any, nothing may be written), the
changes sheet by sheet for a person to read, and what ``apply.apply_plan`` must write; and the words a
change is described in. ``planner.plan_import`` makes it.
"""

from dataclasses import dataclass, field

from .existing import Existing
from .schema import SHEETS, Sheet, yes_no
from .workbook import Problem


@dataclass
class Change:
    """One line of the preview: the row (None for what the file leaves out), what it is, what changes."""

    row: int | None
    key: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "key": self.key, "detail": self.detail}


@dataclass
class SheetReport:
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    ended: list[Change] = field(default_factory=list)
    missing: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.changed) + len(self.ended)


@dataclass
class Plan:
    """What importing the workbook would do. Writes are lists of (natural key, values) for ``apply_plan``."""

    existing: Existing
    deactivate_missing: bool
    problems: list[Problem] = field(default_factory=list)
    reports: dict[str, SheetReport] = field(default_factory=lambda: {sheet.key: SheetReport() for sheet in SHEETS})
    units: dict[str, dict] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)
    memberships_new: list[tuple[str, str, str, str]] = field(default_factory=list)
    memberships_changed: list[tuple[int, str]] = field(default_factory=list)
    memberships_ended: list[int] = field(default_factory=list)
    enterprises: dict[str, dict] = field(default_factory=dict)
    contacts_new: list[tuple[str, str, dict]] = field(default_factory=list)
    contacts_changed: list[tuple[int, dict]] = field(default_factory=list)
    contacts_ended: list[int] = field(default_factory=list)
    services: dict[str, dict] = field(default_factory=dict)
    projects: dict[tuple[str, str], dict] = field(default_factory=dict)
    seats_new: list[tuple[tuple[str, str], str, dict]] = field(default_factory=list)
    seats_changed: list[tuple[int, dict]] = field(default_factory=list)
    seats_ended: list[int] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    missing_people: list[str] = field(default_factory=list)
    missing_enterprises: list[str] = field(default_factory=list)
    missing_projects: list[tuple[str, str]] = field(default_factory=list)
    missing_services: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        if any(report.changes for report in self.reports.values()):
            return True
        missing = (
            self.missing_units,
            self.missing_people,
            self.missing_enterprises,
            self.missing_projects,
            self.missing_services,
        )
        return self.deactivate_missing and any(missing)

    def summary(self) -> list[dict]:
        """Counts per sheet, for the command's table and the page."""
        return [
            {
                "sheet": sheet.title,
                "created": len(report.created),
                "changed": len(report.changed),
                "ended": len(report.ended),
                "missing": len(report.missing),
                "unchanged": report.unchanged,
            }
            for sheet in SHEETS
            for report in (self.reports[sheet.key],)
        ]


def describe(sheet: Sheet, before: dict, after: dict, shown: dict | None = None) -> str:
    """``上级单位：A → B；是否启用：是 → 否`` for the fields that differ, under the sheet's headers."""
    headers = {column.key: column.header for column in sheet.columns}
    shown = shown or {}
    parts = []
    for key, value in after.items():
        if before.get(key) != value:
            show = shown.get(key, lambda text: "—" if text in ("", None) else str(text))
            parts.append(f"{headers.get(key, key)}：{show(before.get(key))} → {show(value)}")
    return "；".join(parts)


def listing(sheet: Sheet, values: dict) -> str:
    """``责任单位：A；包联干部：b`` for the fields that have a value."""
    headers = {column.key: column.header for column in sheet.columns}
    return "；".join(f"{headers[key]}：{value}" for key, value in values.items() if value)


def shown_bool(value) -> str:
    return yes_no(bool(value)) if value is not None else "—"
