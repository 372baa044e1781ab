"""Rectifications after bad ratings (整改) and appeals of ratings (申诉): lists, details and actions.

Enterprise users are refused both APIs (403), like every other supervision API. Rows come through
the selectors (cases the user sees as an official), so another unit's cadre or another
district's supervisor gets a 404; who may act is decided by the services, which refuse with 403 or 409.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.selectors import cases_visible_officially_to
from core import limits
from core.api import CountedInPagePagination, IdField, signed_in_user
from core.filters import FilterSet, IdFilter
from enterprises.api import PersonSerializer
from workflow.api import CaseRefSerializer, NamedSerializer

from ..api import OfficialsOnly
from . import services
from .models import Appeal, AppealKind, AppealState, Rectification, RectificationState, rectification_overdue_q
from .selectors import appeals_visible_to, rectifications_visible_in_parts, rectifications_visible_to, row_for_user

GOVERNMENT_BUSINESS = gettext_lazy("Rectifications and appeals are for government officials.")
RECTIFICATION_ACTIONS = {"submit": "submit", "accept": "accept", "send_back": "return"}
APPEAL_ACTIONS = {"uphold": "decide", "reject": "decide"}


def available_actions(row, user, names: dict[str, str]) -> list[str]:
    """From django-fsm's transitions and their permission callables, as for cases."""
    return sorted({names[t.name] for t in row.get_available_user_state_transitions(user) if t.name in names})


class CaseSummarySerializer(CaseRefSerializer):
    title = serializers.CharField()


# What a rectification in a list shows, and what its actions' rules read (who answers for it, the township of the
# case's enterprise for a supervisor's jurisdiction); the states django-fsm reads as the rows load. Read whole,
# each row would carry its case's texts, its enterprise and three password hashes.
RECTIFICATION_COLUMNS = (
    *("id", "satisfaction", "rated_at", "state", "due_at", "provisional", "report", "submitted_at", "decided_at"),
    *("decision_note", "return_count", "created_at", "closed_at", "unit_id", "assignee_id"),
    *("case__number", "case__title", "case__state", "case__enterprise__township_id", "unit__name"),
    *("assignee__username", "assignee__first_name", "assignee__last_name"),
    *("submitted_by__username", "submitted_by__first_name", "submitted_by__last_name"),
    *("decided_by__username", "decided_by__first_name", "decided_by__last_name"),
)


class RectificationSerializer(serializers.ModelSerializer):
    case = CaseSummarySerializer()
    unit = NamedSerializer()
    assignee = PersonSerializer(allow_null=True)
    satisfaction_display = serializers.CharField(source="get_satisfaction_display")
    state_display = serializers.CharField(source="get_state_display")
    submitted_by = PersonSerializer(allow_null=True)
    decided_by = PersonSerializer(allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id",
            "case",
            "unit",
            "assignee",
            "satisfaction",
            "satisfaction_display",
            "rated_at",
            "state",
            "state_display",
            "due_at",
            "provisional",
            "is_overdue",
            "report",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "return_count",
            "created_at",
            "closed_at",
            "available_actions",
        ]

    def get_is_overdue(self, rectification) -> bool:
        return rectification.is_overdue()

    def get_available_actions(self, rectification) -> list[str]:
        return available_actions(rectification, self.context["request"].user, RECTIFICATION_ACTIONS)


class AppealSerializer(serializers.ModelSerializer):
    case = CaseSummarySerializer()
    unit = NamedSerializer()
    kind_display = serializers.CharField(source="get_kind_display")
    satisfaction_display = serializers.CharField(source="get_satisfaction_display")
    state_display = serializers.CharField(source="get_state_display")
    filed_by = PersonSerializer()
    decided_by = PersonSerializer(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "case",
            "unit",
            "kind",
            "kind_display",
            "reason",
            "satisfaction",
            "satisfaction_display",
            "state",
            "state_display",
            "filed_by",
            "filed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "available_actions",
        ]

    def get_available_actions(self, appeal) -> list[str]:
        return available_actions(appeal, self.context["request"].user, APPEAL_ACTIONS)


# Texts the services require are optional here, so that a user who may not act is refused (403)
# before being told what the form lacks.
class SubmitInput(serializers.Serializer):
    report = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.REPORT,
        help_text="Required: what was done to put it right.",
    )


class AcceptInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReturnInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.REASON, help_text="Required."
    )
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="A new deadline (a working day); omitted: the same."
    )


class AppealInput(serializers.Serializer):
    case = IdField(help_text="The closed case whose rating is appealed.")
    kind = serializers.ChoiceField(choices=AppealKind.choices, required=False, help_text="Required.")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.REASON, help_text="Required."
    )


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("uphold", "uphold"), ("reject", "reject")])
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.NOTE, help_text="Required."
    )


def parse(input_class: type[serializers.Serializer], request) -> dict:
    serializer = input_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class RectificationFilter(FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=RectificationState.choices)
    unit = IdFilter(field_name="unit_id")
    case = IdFilter(field_name="case_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")

    class Meta:
        model = Rectification
        fields = ["state", "unit", "case"]

    def filter_overdue(self, queryset, name, value):
        overdue = rectification_overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


@extend_schema_view(
    list=extend_schema(summary="Rectifications after bad ratings that the user may see, most urgent first"),
    retrieve=extend_schema(summary="One rectification"),
)
class RectificationViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rectifications of the cases the user sees as an official; an enterprise user is refused (403)."""

    officials_only_message = GOVERNMENT_BUSINESS
    serializer_class = RectificationSerializer
    pagination_class = CountedInPagePagination
    filterset_class = RectificationFilter
    ordering_fields = ["due_at", "created_at"]
    visible_in_parts = staticmethod(rectifications_visible_in_parts)  # counted so, as the page counts them

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rectification.objects.none()
        rows = rectifications_visible_to(signed_in_user(self.request)).only(*RECTIFICATION_COLUMNS)
        return rows.order_by("due_at", "id")

    def get_object(self, pk=None) -> Rectification:
        return row_for_user(rectifications_visible_to(signed_in_user(self.request)), pk or self.kwargs["pk"])

    def render(self, rectification: Rectification) -> Response:
        return Response(self.get_serializer(self.get_object(rectification.pk)).data)

    @extend_schema(summary="Report what was done (the unit)", request=SubmitInput, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        rectification = self.get_object()
        data = parse(SubmitInput, request)
        return self.render(services.rectification_submit(rectification=rectification, acting_user=request.user, **data))

    @extend_schema(
        summary="Accept the rectification (supervisor)", request=AcceptInput, responses=RectificationSerializer
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        rectification = self.get_object()
        data = parse(AcceptInput, request)
        return self.render(services.rectification_accept(rectification=rectification, acting_user=request.user, **data))

    @extend_schema(
        summary="Return it to the unit with a reason (supervisor)",
        request=ReturnInput,
        responses=RectificationSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        rectification = self.get_object()
        data = parse(ReturnInput, request)
        return self.render(services.rectification_return(rectification=rectification, acting_user=request.user, **data))


class AppealFilter(FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=AppealState.choices)
    unit = IdFilter(field_name="unit_id")
    case = IdFilter(field_name="case_id")

    class Meta:
        model = Appeal
        fields = ["state", "unit", "case", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Appeals of ratings that the user may see; filter state=pending for the queue"),
    retrieve=extend_schema(summary="One appeal"),
)
class AppealViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appeals of the cases the user sees as an official; an enterprise user is refused (403)."""

    officials_only_message = GOVERNMENT_BUSINESS
    serializer_class = AppealSerializer
    filterset_class = AppealFilter
    ordering_fields = ["filed_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appeal.objects.none()
        return appeals_visible_to(signed_in_user(self.request)).order_by("-filed_at", "-id")

    def get_object(self, pk=None) -> Appeal:
        return row_for_user(appeals_visible_to(signed_in_user(self.request)), pk or self.kwargs["pk"])

    @extend_schema(
        summary="Appeal a bad rating as mistaken or malicious (the unit)",
        request=AppealInput,
        responses={
            201: AppealSerializer,
            404: OpenApiResponse(description="No case with this id that the user sees as an official."),
        },
    )
    def create(self, request):
        data = parse(AppealInput, request)
        case = row_for_user(cases_visible_officially_to(request.user).select_related("enterprise"), data.pop("case"))
        appeal = services.appeal_file(
            case=case, acting_user=request.user, kind=data.get("kind", ""), reason=data["reason"]
        )
        return Response(self.get_serializer(self.get_object(appeal.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Uphold or reject the appeal (supervisor)", request=DecideInput, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = self.get_object()
        data = parse(DecideInput, request)
        decided = services.appeal_decide(
            appeal=appeal, acting_user=request.user, uphold=data["decision"] == "uphold", note=data["note"]
        )
        return Response(self.get_serializer(self.get_object(decided.pk)).data)
