"""The joint review meeting's API: flags, meetings, their agenda, decisions, closing, print views and export.

Views parse, call the services or the selectors and the export, and
render. Cases are reached only through ``cases_visible_to``: a case the user
does not see is a 404, and an agenda shows only the items of cases they see.
"""

from tempfile import TemporaryFile

import django_filters
from django.contrib.auth import get_user_model
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.selectors import case_for_user
from core import limits
from core.api import IdField, signed_in_user
from core.errors import NotFound
from core.filters import FilterSet, IdFilter
from enterprises.api import PersonSerializer
from enterprises.models import Unit
from workflow.api import NamedSerializer
from workflow.workdays import SHANGHAI

from ..api import OfficialsOnly
from ..exports import XLSX, in_language
from . import services
from .exports import meeting_title, write_meeting_workbook
from .models import AgendaItem, FlagKind, FlagState, Meeting, MeetingFlag, MeetingState
from .selectors import agenda_items_for, flags_visible_to, meetings_visible_to

User = get_user_model()
EXPORT_FILENAME = ("联审会办会", "joint-review")


class MeetingCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    enterprise = NamedSerializer()
    responsible_unit = NamedSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True)


class SubCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    responsible_unit = NamedSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField(source="__str__")
    held_on = serializers.DateField()


class FlagSerializer(serializers.ModelSerializer):
    case = MeetingCaseSerializer()
    kind_display = serializers.CharField(source="get_kind_display")
    state_display = serializers.CharField(source="get_state_display")
    flagged_by = PersonSerializer()
    withdrawn_by = PersonSerializer(allow_null=True)
    deferred_from = MeetingRefSerializer(allow_null=True)

    class Meta:
        model = MeetingFlag
        fields = [
            "id",
            "case",
            "kind",
            "kind_display",
            "reason",
            "state",
            "state_display",
            "flagged_by",
            "flagged_at",
            "times_deferred",
            "deferred_from",
            "withdrawn_by",
            "withdrawn_at",
            "withdrawal_note",
        ]


class AgendaFlagSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    flagged_by = PersonSerializer()

    class Meta:
        model = MeetingFlag
        fields = ["id", "kind", "kind_display", "reason", "flagged_by", "flagged_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    case = MeetingCaseSerializer(source="flag.case")
    flag = AgendaFlagSerializer()
    outcome_display = serializers.CharField(source="get_outcome_display")
    deferred_from = MeetingRefSerializer(allow_null=True, help_text="The meeting that last put this case off.")
    decided_by = PersonSerializer(allow_null=True)
    sub_cases = SubCaseSerializer(many=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "position",
            "case",
            "flag",
            "outcome",
            "outcome_display",
            "deferred_from",
            "times_deferred",
            "decision",
            "decision_public",
            "decided_by",
            "decided_at",
            "sub_cases",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    jurisdiction = NamedSerializer()
    chair = PersonSerializer()
    participating_units = NamedSerializer(many=True)
    state_display = serializers.CharField(source="get_state_display")
    created_by = PersonSerializer()
    closed_by = PersonSerializer(allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "held_on",
            "location",
            "jurisdiction",
            "chair",
            "participating_units",
            "state",
            "state_display",
            "notes",
            "created_by",
            "created_at",
            "closed_by",
            "closed_at",
        ]


class MeetingDetailSerializer(MeetingSerializer):
    items = serializers.SerializerMethodField(help_text="The agenda in order: the items of cases you may see.")

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "items"]

    def get_items(self, meeting) -> list[dict]:
        rows = agenda_items_for(self.context["request"].user, meeting=meeting)
        return AgendaItemSerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict


class CloseResultSerializer(serializers.Serializer):
    meeting = MeetingDetailSerializer()
    rolled_over_to = MeetingRefSerializer(allow_null=True, help_text="Null: the items went back to the pool.")
    rolled_over_items = serializers.IntegerField()


class FlagInput(serializers.Serializer):
    case = IdField(help_text="A case you may see, still being worked on.")
    kind = serializers.ChoiceField(choices=FlagKind.choices)
    reason = serializers.CharField(max_length=limits.REASON)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class MeetingInput(serializers.Serializer):
    held_on = serializers.DateField(help_text="Today or later (Asia/Shanghai).")
    chair = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), help_text="A leader within the jurisdiction."
    )
    participating_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), many=True, required=False, default=list
    )
    jurisdiction = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text="Needed only by a supervisor of several."
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.TITLE)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.LOCATION)


class SubCaseInput(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="A cadre or head of the unit; without one the unit's head receives it.",
    )
    title = serializers.CharField(max_length=limits.TITLE)
    description = serializers.CharField(max_length=limits.DESCRIPTION)
    resolution_workdays = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=250
    )
    resolution_due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Instead of working days: a working day."
    )


class MeetingDecisionInput(serializers.Serializer):
    item = IdField(help_text="The agenda item decided.")
    decision = serializers.CharField(max_length=limits.MINUTES, help_text="The minutes (纪要) of this item.")
    decision_public = serializers.BooleanField(default=False, help_text="Show the minutes to the enterprise.")
    sub_cases = SubCaseInput(many=True, required=False, default=list)


class MeetingCloseInput(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.MINUTES)


class PrintQuery(serializers.Serializer):
    part = serializers.ChoiceField(choices=["agenda", "minutes"], default="agenda")


def parsed(input_class, request: Request, data=None) -> dict:
    serializer = input_class(data=request.data if data is None else data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class FlagFilter(FilterSet):
    state = django_filters.ChoiceFilter(choices=FlagState.choices)
    kind = django_filters.ChoiceFilter(choices=FlagKind.choices)
    case = IdFilter(field_name="case_id")

    class Meta:
        model = MeetingFlag
        fields = ["state", "kind", "case"]


@extend_schema_view(
    list=extend_schema(summary="Flags for the joint review meeting, of cases you see (state=pending: the pool)"),
    retrieve=extend_schema(summary="One flag"),
    create=extend_schema(
        summary="Flag a case for the joint review meeting (大事集中会办)",
        request=FlagInput,
        responses={201: FlagSerializer, 404: OpenApiResponse(description="No case with this id that the user sees.")},
    ),
)
class FlagViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Flags of the cases the user sees, for officials only: an enterprise user is refused (403)."""

    officials_only_message = gettext_lazy("Only officials take part in the joint review meeting.")
    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    ordering_fields = ["flagged_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MeetingFlag.objects.none()
        return flags_visible_to(signed_in_user(self.request)).order_by("-flagged_at", "-id")

    def create(self, request: Request) -> Response:
        data = parsed(FlagInput, request)
        case = case_for_user(request.user, data.pop("case"))
        flag = services.flag_create(case=case, acting_user=signed_in_user(request), **data)
        return Response(FlagSerializer(self.get_queryset().get(pk=flag.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a flag, with a note (supervisors)", request=NoteInput, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk=None) -> Response:
        flag = self.get_object()
        flag = services.flag_withdraw(flag=flag, acting_user=signed_in_user(request), **parsed(NoteInput, request))
        return Response(FlagSerializer(self.get_queryset().get(pk=flag.pk)).data)


class MeetingFilter(FilterSet):
    state = django_filters.ChoiceFilter(choices=MeetingState.choices)
    jurisdiction = IdFilter(field_name="jurisdiction_id")

    class Meta:
        model = Meeting
        fields = ["state", "jurisdiction"]


@extend_schema_view(
    list=extend_schema(summary="Joint review meetings you chair, oversee or take part in"),
    retrieve=extend_schema(summary="One meeting with its agenda and minutes", responses=MeetingDetailSerializer),
    create=extend_schema(
        summary="Plan a meeting; its agenda takes the jurisdiction's pending flags",
        request=MeetingInput,
        responses={201: MeetingDetailSerializer},
    ),
)
class MeetingViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings of the user's jurisdiction, for officials only: an enterprise user is refused (403)."""

    officials_only_message = gettext_lazy("Only officials take part in the joint review meeting.")
    filterset_class = MeetingFilter
    ordering_fields = ["held_on", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return meetings_visible_to(signed_in_user(self.request)).order_by("-held_on", "-id")

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def render(self, meeting: Meeting, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=meeting.pk)
        return Response(MeetingDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request: Request) -> Response:
        meeting = services.meeting_create(acting_user=signed_in_user(request), **parsed(MeetingInput, request))
        return self.render(meeting, status.HTTP_201_CREATED)

    @extend_schema(summary="The agenda in order, with decisions", responses=AgendaItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def agenda(self, request: Request, pk=None) -> Response:
        rows = agenda_items_for(signed_in_user(request), meeting=self.get_object())
        return Response(AgendaItemSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Append the flags raised since the agenda was built (planned meetings)",
        request=None,
        responses=MeetingDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="agenda/refresh", url_name="agenda-refresh")
    def refresh_agenda(self, request: Request, pk=None) -> Response:
        meeting = self.get_object()
        services.meeting_agenda_refresh(meeting=meeting, acting_user=signed_in_user(request))
        return self.render(meeting)

    @extend_schema(
        summary="Record the decision (纪要) on an item and assign its sub-cases",
        request=MeetingDecisionInput,
        responses=AgendaItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk=None) -> Response:
        meeting = self.get_object()
        data = parsed(MeetingDecisionInput, request)
        item = agenda_items_for(signed_in_user(request), meeting=meeting).filter(pk=data.pop("item")).first()
        if item is None:
            raise NotFound()
        services.meeting_item_decide(item=item, acting_user=signed_in_user(request), **data)
        fresh = agenda_items_for(signed_in_user(request), meeting=meeting).get(pk=item.pk)
        return Response(AgendaItemSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Close as held; undecided items roll over to the next planned meeting",
        request=MeetingCloseInput,
        responses=CloseResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        meeting, rolled = services.meeting_close(
            meeting=self.get_object(), acting_user=signed_in_user(request), **parsed(MeetingCloseInput, request)
        )
        following = rolled[0].meeting if rolled else None
        result = {
            "meeting": self.get_queryset().get(pk=meeting.pk),
            "rolled_over_to": following,
            "rolled_over_items": len(rolled),
        }
        return Response(CloseResultSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Agenda and minutes as an .xlsx workbook with Chinese (or English) headers",
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="minutes.xlsx", url_name="minutes-xlsx")
    def minutes_xlsx(self, request: Request, pk=None) -> FileResponse:
        meeting = self.get_object()
        now = timezone.now()
        file = TemporaryFile()
        write_meeting_workbook(meeting, agenda_items_for(signed_in_user(request), meeting=meeting), now=now, file=file)
        file.seek(0)
        filename = f"{in_language(EXPORT_FILENAME)}-{meeting.held_on:%Y-%m-%d}.xlsx"
        return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX)

    @extend_schema(
        summary="A printable page of the agenda or the minutes",
        parameters=[OpenApiParameter("part", str, enum=["agenda", "minutes"], description="Default: agenda.")],
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], url_path="print", url_name="print")
    def print_view(self, request: Request, pk=None) -> HttpResponse:
        meeting = self.get_object()
        part = parsed(PrintQuery, request, data=request.query_params)["part"]
        html = render_to_string(
            "supervision/meeting_print.html",
            {
                "meeting": meeting,
                "title": meeting_title(meeting),
                "items": agenda_items_for(signed_in_user(request), meeting=meeting),
                "minutes": part == "minutes",
                "printed_at": timezone.now().astimezone(SHANGHAI),
            },
            request=request._request,
        )
        return HttpResponse(html, content_type="text/html; charset=utf-8")
