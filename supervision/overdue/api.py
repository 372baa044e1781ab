"""The overdue review for supervisors, leaders and dispatchers: a paginated list and its spreadsheet export.

Views parse the query, call the selectors and the export and render; the cases come
through ``cases_visible_to``, so a supervisor sees only their jurisdiction.
"""

from tempfile import TemporaryFile
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Case, UrgingLevel
from core.api import IdField, Pagination, signed_in_user
from core.errors import InvalidInput, NotPermitted
from core.pagination import FirstPageApart, TotalInPagePaginator
from core.people import person_name
from enterprises.api import PersonSerializer
from workflow.api import NamedSerializer
from workflow.api.serializers import moment
from workflow.models import ClockKind
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI

from ..exports import XLSX, in_language
from .exports import EXPORT_MAX_ROWS, write_overdue_workbook
from .permissions import may_review_overdue
from .selectors import last_event_of, overdue_cases, overdue_first_page

EXPORT_FILENAME = ("逾期清单", "overdue")

# What a row of the list shows, read as values rather than as a case with its enterprise, category, unit and
# assignee: the columns the list writes out and no other.
OVERDUE_LIST_COLUMNS = (
    "id",
    "number",
    "title",
    "state",
    "enterprise_id",
    "enterprise__name",
    "category_id",
    "category__name_zh",
    "category__name_en",
    "responsible_unit_id",
    "responsible_unit__name",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "clock",
    "due_at",
    "breached_clocks",
    "last_event",
    "urging_level",
    "urging_answer_due_at",
    "total",
)


class OverdueQuery(serializers.Serializer):
    unit = IdField(required=False, help_text="Responsible unit id (that unit only, not sub-units).")
    assignee = IdField(required=False, help_text="Assignee (cadre) user id.")
    category = IdField(required=False)
    enterprise = IdField(required=False)
    min_workdays = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="At least this many working days overdue."
    )
    urging_level = serializers.IntegerField(
        required=False, min_value=0, max_value=3, help_text="At this level of the urging ladder (0: not urged)."
    )
    urging_level_min = serializers.IntegerField(
        required=False, min_value=1, max_value=3, help_text="At least this level of the urging ladder."
    )


class LastEventSerializer(serializers.Serializer):
    action = serializers.CharField(source="last_event.action")
    action_display = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField(help_text="The actor's name; null for the system.")
    created_at = serializers.DateTimeField(source="last_event.created_at")
    note = serializers.CharField(source="last_event.note")

    def get_action_display(self, case) -> str:
        return last_event_of(case).action_display

    def get_actor(self, case) -> str | None:
        return last_event_of(case).actor_name


class OverdueCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    enterprise = NamedSerializer()
    category = NamedSerializer()
    unit = NamedSerializer(source="responsible_unit", allow_null=True)
    assignee = PersonSerializer(allow_null=True)
    clock = serializers.ChoiceField(choices=ClockKind.choices, help_text="The clock that ran out.")
    clock_display = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField()
    overdue_since = serializers.DateTimeField(source="due_at", help_text="When the running clock ran out.")
    overdue_workdays = serializers.SerializerMethodField(help_text="Working days late by the working-day calendar.")
    breached_clocks = serializers.IntegerField(help_text="Clocks of this case missed so far, the running one included.")
    last_event = LastEventSerializer(source="*")
    urging_level = serializers.IntegerField(help_text="0–3 on the urging ladder (催办, 督办, 挂牌督办).")
    urging_level_display = serializers.CharField(source="get_urging_level_display")
    urging_answer_due_at = serializers.DateTimeField(allow_null=True, help_text="When the urging asks for an answer.")

    def to_representation(self, row: Any) -> dict:
        """The fields above, written out by hand from a row of ``OVERDUE_LIST_COLUMNS`` (a named tuple): DRF's
        field-by-field machinery, and building each row's case and its four relations into models, took a
        fifth of the list's time each at province scale. A test holds this to what the declared fields give
        for the case as a model."""
        last_event, due_at = last_event_of(row), moment(row.due_at)
        return {
            "id": row.id,
            "number": row.number,
            "title": row.title,
            "state": row.state,
            "enterprise": {"id": row.enterprise_id, "name": row.enterprise__name},
            "category": {"id": row.category_id, "name": in_language((row.category__name_zh, row.category__name_en))},
            "unit": (
                None
                if row.responsible_unit_id is None
                else {"id": row.responsible_unit_id, "name": row.responsible_unit__name}
            ),
            "assignee": None if row.assignee_id is None else _person(row),
            "clock": row.clock,
            "clock_display": self.get_clock_display(row),
            "due_at": due_at,
            "overdue_since": due_at,
            "overdue_workdays": self.get_overdue_workdays(row),
            "breached_clocks": row.breached_clocks,
            "last_event": {
                "action": last_event.action,
                "action_display": last_event.action_display,
                "actor": last_event.actor_name,
                "created_at": moment(last_event.created_at),
                "note": last_event.note,
            },
            "urging_level": row.urging_level,
            # The choice's label, not get_urging_level_display(): that rebuilds the field's choices every call.
            "urging_level_display": str(UrgingLevel(row.urging_level).label),
            "urging_answer_due_at": moment(row.urging_answer_due_at),
        }

    def get_clock_display(self, case) -> str:
        return str(ClockKind(case.clock).label)

    def get_overdue_workdays(self, case) -> int:
        return self.context["calendar"].workdays_between(case.due_at, self.context["now"])


def _person(row: Any) -> dict:
    """``PersonSerializer``'s answer for the row's assignee, named as ``User.get_full_name`` names them."""
    name = person_name(
        first_name=row.assignee__first_name, last_name=row.assignee__last_name, username=row.assignee__username
    )
    return {"id": row.assignee_id, "username": row.assignee__username, "name": name}


class OverduePagination(Pagination):
    django_paginator_class = TotalInPagePaginator


class OverdueViewSet(viewsets.GenericViewSet):
    """Overdue open cases of the user's jurisdiction, most overdue first; ``export/`` gives the same rows as .xlsx."""

    serializer_class = OverdueCaseSerializer
    pagination_class = OverduePagination
    filter_backends: list = []

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not may_review_overdue(signed_in_user(request)):
            raise NotPermitted(
                _("Only supervisors, leaders and dispatchers can see the overdue list."), code="not_an_overseer"
            )

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # One moment and one calendar per request, so the filter and every row count the same days.
        self.now = timezone.now()
        self.calendar = work_calendar()
        # Checked before anything is read: a wrong filter is refused, whatever page is asked.
        query = OverdueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.filters = dict(query.validated_data)

    def get_queryset(self, *, counted: bool = False):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return overdue_cases(
            signed_in_user(self.request), now=self.now, calendar=self.calendar, counted=counted, **self.filters
        )

    def first_page(self, size: int) -> list | None:
        """The first page read by a statement compiled once for its shape (``overdue_first_page``)."""
        user = signed_in_user(self.request)
        return overdue_first_page(
            user, now=self.now, calendar=self.calendar, size=size, columns=OVERDUE_LIST_COLUMNS, **self.filters
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "calendar": self.calendar, "now": self.now}

    @extend_schema(summary="Overdue cases of my jurisdiction", parameters=[OverdueQuery])
    def list(self, request: Request) -> Response:
        rows = FirstPageApart(
            self.first_page,
            lambda: self.get_queryset(counted=True).values_list(*OVERDUE_LIST_COLUMNS, named=True),
        )
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]  # sliced and counted, as a queryset
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="The overdue list as an .xlsx ledger",
        parameters=[OverdueQuery],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> FileResponse:
        cases = self.get_queryset()
        count = cases.count()
        if count > EXPORT_MAX_ROWS:
            raise InvalidInput(
                _(
                    "These filters match %(count)d cases; an export holds at most %(limit)d. "
                    "Narrow them by unit, assignee, category, enterprise or days overdue and try again."
                )
                % {"count": count, "limit": EXPORT_MAX_ROWS},
                code="export_too_large",
            )
        # A temporary file, not memory: the workbook of a large export never sits whole in the process.
        file = TemporaryFile()
        write_overdue_workbook(cases, calendar=self.calendar, now=self.now, file=file)
        file.seek(0)
        filename = f"{in_language(EXPORT_FILENAME)}-{self.now.astimezone(SHANGHAI):%Y-%m-%d}.xlsx"
        return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX)
