"""The problem ledger (问题台账): every case the list shows with the same filters, one row each, as .xlsx.

A row carries the case's deadlines, urging level, extensions and outcome. The
cases are read with ``.iterator()`` a chunk at a time; what lies beside the
case row (its resolution clocks, its approved extensions) is loaded for a whole
chunk in one query each, so the cost per chunk is constant whatever its size.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import IO

from django.db.models import Count, Max
from django.http import QueryDict
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.models import Case, Closure, Complexity, ResolutionType, Satisfaction, UrgingLevel
from cases.selectors import official_cases_q
from core.errors import InvalidInput, NotPermitted
from enterprises.access import roles_for_user
from workflow.filters import CASE_LIST_PARAMETERS, case_list_filtered
from workflow.models import ClockKind, DeadlineCycle, ExtensionRequest, ExtensionState

from .exports import in_language, shanghai_text

LEDGER_CHUNK_ROWS = 2_000
# Far above a district's cases, below the sheet limit of 1,048,576 rows.
LEDGER_MAX_ROWS = 500_000

# Fixed like the overdue ledger's: the Chinese headers are the form the offices file and compare.
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("案件编号", "Case number"),
    ("标题", "Title"),
    ("企业", "Enterprise"),
    ("类别", "Category"),
    ("复杂程度", "Complexity"),
    ("状态", "State"),
    ("责任单位", "Responsible unit"),
    ("承办人", "Assignee"),
    ("提出时间", "Filed at"),
    ("签收时间", "Signed for at"),
    ("办结时限", "Resolution due"),
    ("是否超期", "Late"),
    ("督办等级", "Urging level"),
    ("督办答复时限", "Urging answer due"),
    ("延期次数", "Extensions approved"),
    ("延期至", "Extended to"),
    ("办结时间", "Resolved at"),
    ("办理结果", "Resolution"),
    ("销号方式", "Closure"),
    ("销号时间", "Closed at"),
    ("满意度", "Satisfaction"),
)
LEDGER_SHEET_TITLE = ("问题台账", "Problem ledger")
YES_NO = (("是", "Yes"), ("否", "No"))


def may_export_ledger(user) -> bool:
    """Officials only. The ledger carries internal business (urging, extensions) an enterprise never sees;
    an enterprise user has its own cases in the case list already."""
    return roles_for_user(user).is_official


def filters_as_query(filters: dict) -> QueryDict:
    """The job's filters (JSON) as the query string the case list reads; unknown names are refused, not ignored,
    so that a misspelt filter cannot silently export every case."""
    if not isinstance(filters, dict):
        message = _("Give the filters as an object of the case list's query parameters.")
        raise InvalidInput(message, code="invalid_filter", fields={"filters": [message]})
    unknown = sorted(set(filters) - CASE_LIST_PARAMETERS)
    if unknown:
        message = _("The case list has no such filter.")
        raise InvalidInput(message, code="invalid_filter", fields={name: [message] for name in unknown})
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, dict | list) for item in values):
            message = _("A filter takes a value or a list of values.")
            raise InvalidInput(message, code="invalid_filter", fields={name: [message]})
        query.setlist(
            name, [str(item).lower() if isinstance(item, bool) else str(item) for item in values if item is not None]
        )
    return query


def ledger_cases(user, filters: dict):
    """The cases of the case list with these filters, narrowed to those the user sees as an official."""
    if not may_export_ledger(user):
        raise NotPermitted(_("Only officials can export the problem ledger."), code="not_an_official")
    cases = case_list_filtered(user, filters_as_query(filters))
    # An official who is also an enterprise's contact sees that enterprise's cases in the list, but
    # as an enterprise: their internal side stays out of the ledger.
    official = official_cases_q(roles_for_user(user))
    return cases if official is None else cases.filter(official)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ChunkFacts:
    """What the rows of one chunk need beyond the case row: two queries for the whole chunk."""

    def __init__(self, case_ids: list[int], *, now: datetime) -> None:
        self.extensions = {
            row["case_id"]: row
            for row in ExtensionRequest.objects.filter(case_id__in=case_ids, state=ExtensionState.APPROVED)
            .values("case_id")
            .annotate(approved=Count("id"), extended_to=Max("requested_due_at"))
            .order_by()
        }
        # Every run of the resolution clock, oldest first: the last one holds the deadline now in force,
        # and one missed run makes the case late for good, whatever was extended or reopened after.
        self.resolution_due: dict[int, datetime] = {}
        self.late: dict[int, bool] = defaultdict(bool)
        for case_id, due_at, ended_at, breached in (
            DeadlineCycle.objects.filter(case_id__in=case_ids, kind=ClockKind.RESOLUTION)
            .order_by("started_at", "id")
            .values_list("case_id", "due_at", "ended_at", "breached")
        ):
            self.resolution_due[case_id] = due_at
            self.late[case_id] |= breached or (ended_at is None and due_at < now)


def choice_label(choices, value) -> str:
    return str(choices(value).label) if value not in (None, "") else ""


def ledger_row(case: Case, facts: ChunkFacts) -> list:
    extension = facts.extensions.get(case.pk, {})
    return [
        case.number,
        case.title,
        case.enterprise.name,
        case.category.name,
        choice_label(Complexity, case.complexity),
        str(case.get_state_display()),
        case.responsible_unit.name if case.responsible_unit else "",
        (case.assignee.get_full_name() or case.assignee.get_username()) if case.assignee else "",
        shanghai_text(case.filed_at),
        shanghai_text(case.accepted_at),
        shanghai_text(facts.resolution_due.get(case.pk)),
        in_language(YES_NO[0] if facts.late[case.pk] else YES_NO[1]),
        choice_label(UrgingLevel, case.urging_level),
        shanghai_text(case.urging_answer_due_at),
        extension.get("approved", 0),
        shanghai_text(extension.get("extended_to")),
        shanghai_text(case.resolved_at),
        choice_label(ResolutionType, case.resolution_type),
        choice_label(Closure, case.closure),
        shanghai_text(case.closed_at),
        choice_label(Satisfaction, case.satisfaction),
    ]


def ledger_rows(cases, *, now: datetime, chunk_size: int = LEDGER_CHUNK_ROWS) -> Iterator[list]:
    """Rows in the list's order; each chunk read from the database is one chunk of facts."""
    for chunk in chunks(cases.iterator(chunk_size=chunk_size), chunk_size):
        facts = ChunkFacts([case.pk for case in chunk], now=now)
        for case in chunk:
            yield ledger_row(case, facts)


def write_ledger_workbook(cases, *, now: datetime, file: IO[bytes]) -> int:
    """Write the ledger into ``file`` in the active language; write-only openpyxl keeps one row in memory.

    Returns the number of cases written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=in_language(LEDGER_SHEET_TITLE))
    sheet.append([in_language(labels) for labels in LEDGER_COLUMNS])
    count = 0
    for row in ledger_rows(cases, now=now):
        sheet.append(row)
        count += 1
    workbook.save(file)
    return count
