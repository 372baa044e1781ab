"""Visits to served enterprises (走访台账) and the visit duties: lists, details, and recording a visit.

``/api/v1/visits/`` serves officials and enterprises alike, as ``/api/v1/cases/`` does: an enterprise's contacts
read its visits (when, how, by whom, the cases filed from them) without what was discussed or whom the visitor
met. Rows come through the selectors, so what the user may not see is a 404; who may record is decided by the
service (403). The duties are government business: an enterprise user is refused them (403).
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from cases.models import Category, Complexity
from core import limits
from core.api import IdField, signed_in_user
from core.errors import NotFound
from core.filters import DateTimeFilter, FilterSet, IdFilter
from enterprises.api import PersonSerializer
from enterprises.models import Enterprise
from workflow.api import NamedSerializer
from workflow.selectors import work_calendar

from ..api import OfficialsOnly
from . import services
from .models import Visit, VisitDuty, VisitLevel, VisitMode, duty_due_soon_q, duty_overdue_q, reminder_window_end
from .selectors import duties_visible_to, visit_for_user, visits_visible_to, with_cases

GOVERNMENT_BUSINESS = gettext_lazy("Visit duties are for government officials.")


class VisitCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    state = serializers.CharField(source="case.state")
    state_display = serializers.CharField(source="case.get_state_display")


class VisitSerializer(serializers.Serializer):
    """A visit; ``met_with`` and ``notes`` are null for a reader who sees the visit as its enterprise."""

    id = serializers.IntegerField(source="pk")
    enterprise = NamedSerializer()
    visitor = PersonSerializer()
    levels = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitLevel.choices), help_text="The 包保 levels the visitor served in."
    )
    visited_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    mode_display = serializers.CharField(source="get_mode_display")
    met_with = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()
    cases = VisitCaseSerializer(source="problems.all", many=True, help_text="The cases filed from the visit.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_met_with(self, visit) -> str | None:
        return visit.met_with if visit.sees_notes else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, visit) -> str | None:
        return visit.notes if visit.sees_notes else None


class ProblemInput(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TITLE, help_text="Required."
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.DESCRIPTION, help_text="Required."
    )
    complexity = serializers.ChoiceField(choices=Complexity.choices, default=Complexity.ORDINARY)


class VisitInput(serializers.Serializer):
    enterprise = IdField(help_text="An enterprise the user serves now in its 包保.")
    visited_at = serializers.DateTimeField(help_text="When the visit happened: in the past, within 31 days.")
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    # Texts the service requires are optional here, so that a user who may not record is refused (403)
    # before being told what the form lacks.
    met_with = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.MET_WITH, help_text="Required: who was met."
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.VISIT_NOTES,
        help_text="Required: what was discussed (internal).",
    )
    problems = ProblemInput(  # type: ignore[call-arg]  # many=True makes a ListSerializer, which takes max_length
        many=True,
        required=False,
        default=list,
        max_length=limits.VISIT_PROBLEMS,
        help_text="Problems found, each filed as a case of the enterprise.",
    )


class VisitFilter(FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    visitor = IdFilter(field_name="visitor_id")
    unit = IdFilter(field_name="unit_id")
    mode = django_filters.MultipleChoiceFilter(choices=VisitMode.choices)
    visited_after = DateTimeFilter(field_name="visited_at", lookup_expr="gte")
    visited_before = DateTimeFilter(field_name="visited_at", lookup_expr="lt")

    class Meta:
        model = Visit
        fields = ["enterprise", "visitor", "unit", "mode"]


@extend_schema_view(
    list=extend_schema(summary="Visits the user may see, newest first"),
    retrieve=extend_schema(summary="One visit"),
)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits of the enterprises the user serves, oversees or speaks for; another's are a 404."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visited_at", "recorded_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return with_cases(visits_visible_to(self.request.user)).order_by("-visited_at", "-id")

    def get_object(self, pk=None):
        return visit_for_user(self.request.user, pk or self.kwargs["pk"])

    @extend_schema(
        summary="Record a visit to an enterprise the user serves, filing the problems found as its cases",
        request=VisitInput,
        responses={
            201: VisitSerializer,
            404: OpenApiResponse(description="No enterprise with this id."),
        },
    )
    def create(self, request):
        data = VisitInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enterprise = Enterprise.objects.filter(pk=values["enterprise"]).first()
        if enterprise is None:
            raise NotFound()
        visit = services.visit_record(
            enterprise=enterprise,
            acting_user=signed_in_user(request),
            visited_at=values["visited_at"],
            mode=values["mode"],
            met_with=values["met_with"],
            notes=values["notes"],
            problems=[services.ProblemFound(**problem) for problem in values["problems"]],
        )
        return Response(self.get_serializer(self.get_object(visit.pk)).data, status=status.HTTP_201_CREATED)


class VisitDutySerializer(serializers.ModelSerializer):
    enterprise = NamedSerializer()
    unit = NamedSerializer()
    person = PersonSerializer(allow_null=True, help_text="Null at the unit's level, which the unit's heads hold.")
    level_display = serializers.CharField(source="get_level_display")
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = VisitDuty
        fields = [
            "id",
            "enterprise",
            "level",
            "level_display",
            "unit",
            "person",
            "since",
            "last_visit_at",
            "due_at",
            "is_overdue",
        ]

    def get_is_overdue(self, duty) -> bool:
        return duty.is_overdue(timezone.now())


DUTY_STATES = [("overdue", "overdue"), ("due", "due soon"), ("later", "later")]


class VisitDutyFilter(FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    person = IdFilter(field_name="person_id")
    unit = IdFilter(field_name="unit_id")
    level = django_filters.MultipleChoiceFilter(choices=VisitLevel.choices)
    state = django_filters.ChoiceFilter(
        choices=DUTY_STATES,
        method="filter_state",
        label="overdue: past due; due: due within the reminder window; later: after it",
    )

    class Meta:
        model = VisitDuty
        fields = ["enterprise", "person", "unit", "level"]

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        window_end = reminder_window_end(now, work_calendar())
        if value == "overdue":
            return queryset.filter(duty_overdue_q(now))
        if value == "due":
            return queryset.filter(duty_due_soon_q(now, until=window_end))
        return queryset.filter(due_at__gt=window_end)


@extend_schema_view(
    list=extend_schema(summary="Visit duties the user may see, soonest due first"),
    retrieve=extend_schema(summary="One visit duty"),
)
class VisitDutyViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Each level's next visit of an enterprise; an enterprise user is refused (403)."""

    officials_only_message = GOVERNMENT_BUSINESS
    serializer_class = VisitDutySerializer
    filterset_class = VisitDutyFilter
    ordering_fields = ["due_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VisitDuty.objects.none()
        return duties_visible_to(self.request.user).order_by("due_at", "id")
