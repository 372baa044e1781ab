"""Key projects and their milestones (挂图作战): the board's rows, one project, and the task force's reports.

Projects come only through the gate (``selectors.projects_visible_to``): another's project is a 404. The
enterprise sees its own projects' nodes but never the internal notes; who may report is decided by the services
(the task force and its leader; anyone else gets 403).
"""

from tempfile import TemporaryFile
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import limits
from core.api import IdField, signed_in_user
from core.errors import InvalidInput
from core.filters import FilterSet, IdFilter
from enterprises.api import PersonSerializer
from enterprises.models import KeyProject, TaskForceMember
from workflow.api import CaseRefSerializer, NamedSerializer
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI

from ..exports import XLSX, in_language
from . import services
from .exports import FILENAME, write_board_workbook
from .models import Milestone, MilestoneKind
from .permissions import ensure_may_report_on, may_report_on
from .selectors import (
    MilestoneState,
    board_rows,
    milestone_state,
    open_cases_of,
    project_for_user,
    projects_with_figures,
)

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class MilestoneKindSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text="In the request's language.")

    class Meta:
        model = MilestoneKind
        fields = ["id", "name", "name_zh", "name_en", "position"]


@extend_schema_field(serializers.ChoiceField(choices=MilestoneState.choices))
class MilestoneStateField(serializers.Field):
    """Derived from the node's dates and the working calendar, never stored."""

    def to_representation(self, milestone: Milestone) -> str:
        return milestone_state(milestone, calendar=self.context["calendar"], now=self.context["now"]).value


class MilestoneSerializer(serializers.ModelSerializer):
    kind = NamedSerializer()
    state = MilestoneStateField(source="*")
    state_display = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "kind", "planned_on", "done_on", "state", "state_display"]

    def get_state_display(self, milestone: Milestone) -> str:
        return str(milestone_state(milestone, calendar=self.context["calendar"], now=self.context["now"]).label)


class InternalMilestoneSerializer(MilestoneSerializer):
    recorded_by = PersonSerializer(allow_null=True)

    class Meta(MilestoneSerializer.Meta):
        fields = [*MilestoneSerializer.Meta.fields, "notes", "recorded_by", "recorded_at"]


class ProjectListSerializer(serializers.ModelSerializer):
    enterprise = NamedSerializer()
    leader = PersonSerializer()
    stage_display = serializers.CharField(source="get_stage_display")
    milestones = MilestoneSerializer(source="planned_nodes", many=True)
    planned_investment = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="This year's, in 10,000 yuan (万元); null while not planned."
    )
    completed_investment = serializers.DecimalField(**MONEY, help_text="This year's so far, in 10,000 yuan.")
    open_cases = serializers.IntegerField(help_text="Open problems filed against the project that you may see.")

    class Meta:
        model = KeyProject
        fields = [
            "id",
            "name",
            "enterprise",
            "leader",
            "stage",
            "stage_display",
            "milestones",
            "planned_investment",
            "completed_investment",
            "open_cases",
        ]


class TaskForceMemberSerializer(serializers.ModelSerializer):
    user = PersonSerializer()
    level_display = serializers.CharField(source="get_level_display")
    unit = NamedSerializer(allow_null=True)

    class Meta:
        model = TaskForceMember
        fields = ["user", "level", "level_display", "unit", "duty"]


class InvestmentSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    amount = serializers.DecimalField(**MONEY)


class YearPlanSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    planned_investment = serializers.DecimalField(**MONEY)


class ProjectCaseSerializer(CaseRefSerializer):
    title = serializers.CharField()
    state = serializers.CharField()


class ProjectDetailSerializer(ProjectListSerializer):
    milestones = serializers.SerializerMethodField()  # type: ignore[assignment]  # DRF lets a subclass redeclare a field
    task_force = serializers.SerializerMethodField()
    year_plans = serializers.SerializerMethodField()
    investments = serializers.SerializerMethodField()
    open_case_list = serializers.SerializerMethodField(help_text="The open problems of ``open_cases``.")
    may_report = serializers.SerializerMethodField(help_text="Whether you may plan nodes and report on them.")

    class Meta(ProjectListSerializer.Meta):
        fields = [
            *ProjectListSerializer.Meta.fields,
            "description",
            "task_force",
            "year_plans",
            "investments",
            "open_case_list",
            "may_report",
        ]

    @extend_schema_field(InternalMilestoneSerializer(many=True))
    def get_milestones(self, project: KeyProject) -> list[dict]:
        """With the internal notes only for those who see the project officially."""
        serializer = InternalMilestoneSerializer if project.sees_internal else MilestoneSerializer  # type: ignore[attr-defined]  # set by project_for_user
        rows = project.milestones.select_related("kind", "recorded_by").order_by("kind__position", "kind_id")
        return serializer(rows, many=True, context=self.context).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    @extend_schema_field(TaskForceMemberSerializer(many=True))
    def get_task_force(self, project: KeyProject) -> list[dict]:
        rows = project.task_force.select_related("user", "unit").order_by("level", "id")
        return TaskForceMemberSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    @extend_schema_field(YearPlanSerializer(many=True))
    def get_year_plans(self, project: KeyProject) -> list[dict]:
        return YearPlanSerializer(project.year_plans.order_by("-year"), many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    @extend_schema_field(InvestmentSerializer(many=True))
    def get_investments(self, project: KeyProject) -> list[dict]:
        return InvestmentSerializer(project.investments.order_by("-month"), many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    @extend_schema_field(ProjectCaseSerializer(many=True))
    def get_open_case_list(self, project: KeyProject) -> list[dict]:
        return ProjectCaseSerializer(open_cases_of(self.context["request"].user, project), many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    def get_may_report(self, project: KeyProject) -> bool:
        return may_report_on(project, self.context["request"].user)


class PlanInput(serializers.Serializer):
    kind = serializers.PrimaryKeyRelatedField(queryset=MilestoneKind.objects.all())
    planned_on = serializers.DateField()


class ReachInput(serializers.Serializer):
    kind = serializers.PrimaryKeyRelatedField(queryset=MilestoneKind.objects.all())
    done_on = serializers.DateField(help_text="The day the node was reached; not in the future.")
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.NOTE, help_text="Internal; omitted: unchanged."
    )


class InvestmentInput(serializers.Serializer):
    month = serializers.DateField(help_text="Any day of the month; stored as its first day.")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, coerce_to_string=False, help_text="In 10,000 yuan (万元)."
    )


class YearPlanInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=services.EARLIEST_YEAR, max_value=services.LATEST_YEAR)
    planned_investment = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, coerce_to_string=False, help_text="In 10,000 yuan (万元)."
    )


class BoardQuery(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=MilestoneState.choices, required=False, help_text="Only projects with a node in this state."
    )
    leader = IdField(required=False, help_text="Only projects this leader heads (包保领导).")


class ProjectFilter(FilterSet):
    leader = IdFilter(field_name="leader_id")
    enterprise = IdFilter(field_name="enterprise_id")

    class Meta:
        model = KeyProject
        fields = ["leader", "enterprise"]


def reportable(request: Request, pk) -> KeyProject:
    """The project, if the user sees it (404) and may report on it (403), before the input is read: one who may
    not act is refused before being told what the form lacks."""
    project = project_for_user(request.user, pk)
    ensure_may_report_on(project, request.user)
    return project


def parse(input_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = input_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="Active key projects you may see, each with its nodes and this year's figures"),
    retrieve=extend_schema(summary="One key project: nodes, task force, investment and open problems"),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Key projects through their gate: the task force, the enterprise's serving cadres and leaders, the
    supervisors and leaders of its district, and the enterprise itself (without internal notes)."""

    filterset_class = ProjectFilter
    ordering_fields = ["name"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.calendar = work_calendar()
        self.now = timezone.now()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyProject.objects.none()
        projects = projects_with_figures(self.request.user, year=self.calendar.local_date(self.now).year)
        return projects.filter(is_active=True) if self.action == "list" else projects

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action != "list" else ProjectListSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "calendar": self.calendar, "now": self.now}

    def get_object(self) -> KeyProject:
        project = project_for_user(self.request.user, self.kwargs["pk"])
        figures = self.get_queryset().get(pk=project.pk)
        figures.sees_internal = project.sees_internal  # type: ignore[attr-defined]  # set by project_for_user
        return figures

    def render(self) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="The board as an .xlsx workbook: the rows of the list, optionally only some",
        parameters=[BoardQuery],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def export(self, request: Request) -> FileResponse:
        query = BoardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        kinds, rows = board_rows(
            request.user,
            calendar=self.calendar,
            now=self.now,
            state=query.validated_data.get("state", ""),
            leader_id=query.validated_data.get("leader"),
        )
        file = TemporaryFile()
        write_board_workbook(kinds, rows, file=file)
        file.seek(0)
        filename = f"{in_language(FILENAME)}-{self.now.astimezone(SHANGHAI):%Y-%m-%d}.xlsx"
        return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX)

    @extend_schema(summary="Plan a node or move its planned date (task force)", request=PlanInput)
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk=None) -> Response:
        project = reportable(request, pk)
        services.milestone_plan(project=project, acting_user=signed_in_user(request), **parse(PlanInput, request))
        return self.render()

    @extend_schema(summary="Record the date a node was reached (task force)", request=ReachInput)
    @action(detail=True, methods=["post"])
    def reach(self, request: Request, pk=None) -> Response:
        project = reportable(request, pk)
        data = parse(ReachInput, request)
        milestone = project.milestones.filter(kind=data.pop("kind")).first()
        if milestone is None:
            message = _("This node is not planned yet: plan it first.")
            raise InvalidInput(message, code="milestone_not_planned", fields={"kind": [message]})
        services.milestone_record(milestone=milestone, acting_user=signed_in_user(request), **data)
        return self.render()

    @extend_schema(summary="Record a month's completed investment (task force)", request=InvestmentInput)
    @action(detail=True, methods=["post"])
    def investment(self, request: Request, pk=None) -> Response:
        project = reportable(request, pk)
        services.investment_record(
            project=project, acting_user=signed_in_user(request), **parse(InvestmentInput, request)
        )
        return self.render()

    @extend_schema(summary="Set a year's planned investment (task force)", request=YearPlanInput)
    @action(detail=True, methods=["post"], url_path="year-plan")
    def year_plan(self, request: Request, pk=None) -> Response:
        project = reportable(request, pk)
        services.year_plan_set(project=project, acting_user=signed_in_user(request), **parse(YearPlanInput, request))
        return self.render()


@extend_schema_view(list=extend_schema(summary="The standard list of a key project's nodes, in order"))
class MilestoneKindViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MilestoneKindSerializer
    queryset = MilestoneKind.objects.filter(is_active=True)
    pagination_class = None
