"""The monthly re-check (复查): samples of closed cases, the draw, and the result of each re-check.

Views parse, call ``supervision.rechecks`` and render. Samples are those of the
user's jurisdiction; their items come through ``cases_visible_to``.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import limits
from core.api import IdField, Pagination, signed_in_user
from core.errors import NotFound, NotPermitted
from enterprises.api import PersonSerializer
from enterprises.models import Unit
from workflow import clock
from workflow.api import NamedSerializer

from .models import RecheckItem, RecheckMethod, RecheckResult, RecheckSample
from .permissions import ensure_may_draw, may_read_rechecks
from .sampling import SEED_LIMIT, month_parse, previous_month
from .selectors import recheck_items_visible_to, recheck_samples_with_counts
from .services import recheck_record, recheck_sample_draw


class SampleQuery(serializers.Serializer):
    period = serializers.CharField(required=False, max_length=limits.PERIOD, help_text='A month, "2026-10".')
    jurisdiction = IdField(required=False, help_text="The unit the sample was drawn for.")


class DrawInput(serializers.Serializer):
    period = serializers.CharField(
        required=False, max_length=limits.PERIOD, help_text='The month to sample, "2026-10"; default last month.'
    )
    jurisdiction = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text="Needed only by a supervisor of several."
    )
    rate_percent = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="Default the setting RECHECK_RATE_PERCENT (5)."
    )
    seed = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=SEED_LIMIT - 1,
        help_text="Give one to draw reproducibly; default a random seed, which is recorded.",
    )


class RecordInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=RecheckMethod.choices)
    method_other = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.METHOD_OTHER,
        help_text="How, when the method is other.",
    )
    result = serializers.ChoiceField(choices=RecheckResult.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.NOTE,
        help_text="What the re-check found; required when it failed, and then shown to the enterprise.",
    )


class SampleSerializer(serializers.ModelSerializer):
    jurisdiction = NamedSerializer()
    drawn_by = PersonSerializer()
    items_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    passed_count = serializers.IntegerField()
    failed_count = serializers.IntegerField()

    class Meta:
        model = RecheckSample
        fields = [
            "id",
            "jurisdiction",
            "period",
            "period_start",
            "period_end",
            "seed",
            "rate_percent",
            "population_size",
            "population_digest",
            "drawn_by",
            "drawn_at",
            "items_count",
            "pending_count",
            "passed_count",
            "failed_count",
        ]


class ItemCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    enterprise = NamedSerializer()
    closure = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    satisfaction = serializers.IntegerField(allow_null=True)


class ItemSerializer(serializers.ModelSerializer):
    case = ItemCaseSerializer()
    unit = NamedSerializer()
    assignee = PersonSerializer(allow_null=True)
    method_display = serializers.CharField(source="get_method_display")
    result_display = serializers.CharField(source="get_result_display")
    checked_by = PersonSerializer(allow_null=True)

    class Meta:
        model = RecheckItem
        fields = [
            "id",
            "position",
            "case",
            "unit",
            "assignee",
            "method",
            "method_display",
            "method_other",
            "result",
            "result_display",
            "note",
            "checked_by",
            "checked_at",
        ]


class SampleDetailSerializer(SampleSerializer):
    items = serializers.SerializerMethodField()

    class Meta(SampleSerializer.Meta):
        fields = [*SampleSerializer.Meta.fields, "items"]

    def get_items(self, sample) -> list[dict]:
        rows = recheck_items_visible_to(self.context["request"].user, sample=sample)
        return ItemSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict


class RecheckViewSet(viewsets.GenericViewSet):
    """Re-check samples of the user's jurisdiction, newest month first; supervisors draw and record."""

    serializer_class = SampleSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not may_read_rechecks(signed_in_user(request)):
            raise NotPermitted(_("Only supervisors and leaders can see re-checks."), code="not_an_overseer")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecheckSample.objects.none()
        return recheck_samples_with_counts(signed_in_user(self.request)).order_by("-period_start", "-id")

    def get_object(self) -> RecheckSample:
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (RecheckSample.DoesNotExist, ValueError):
            raise NotFound() from None

    def render_detail(self, sample: RecheckSample, status_code=status.HTTP_200_OK) -> Response:
        return Response(SampleDetailSerializer(sample, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(summary="Re-check samples of your jurisdiction", parameters=[SampleQuery])
    def list(self, request: Request) -> Response:
        query = SampleQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        samples = self.get_queryset()
        if "period" in query.validated_data:
            samples = samples.filter(period=month_parse(query.validated_data["period"]).label)
        if "jurisdiction" in query.validated_data:
            samples = samples.filter(jurisdiction_id=query.validated_data["jurisdiction"])
        page = self.paginate_queryset(samples)
        return self.get_paginated_response(SampleSerializer(page, many=True).data)

    @extend_schema(summary="One sample with its re-checks", responses=SampleDetailSerializer)
    def retrieve(self, request: Request, pk=None) -> Response:
        return self.render_detail(self.get_object())

    @extend_schema(
        summary="Draw the month's sample (once per jurisdiction and month; 409 for a second)",
        request=DrawInput,
        responses={201: SampleDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        ensure_may_draw(signed_in_user(request))
        data = DrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        text = values.pop("period", None)
        period = month_parse(text) if text else previous_month(clock.now())
        sample = recheck_sample_draw(acting_user=signed_in_user(request), period=period, **values)
        return self.render_detail(self.get_queryset().get(pk=sample.pk), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record how a drawn case was re-checked and what was found (once; a failure reopens the case)",
        parameters=[OpenApiParameter("item_id", int, OpenApiParameter.PATH)],
        request=RecordInput,
        responses=ItemSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)")
    def record(self, request: Request, pk=None, item_id=None) -> Response:
        sample = self.get_object()
        item = recheck_items_visible_to(signed_in_user(request), sample=sample).filter(pk=item_id).first()
        if item is None:
            raise NotFound(_("This case is not in the sample."))
        data = RecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        recheck_record(item=item, acting_user=signed_in_user(request), **data.validated_data)
        fresh = recheck_items_visible_to(signed_in_user(request), sample=sample).get(pk=item.pk)
        return Response(ItemSerializer(fresh).data)
