"""Overdue circulars (督办通报): drafts for supervisors, published circulars for every official, and their exports.

Views parse, call the services or the selectors, and render. Every
circular reached here comes through ``circulars_visible_to``; one the user may
not see is a 404, and enterprise users are refused the whole API.
"""

from io import BytesIO

from django.http import FileResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import limits
from core.api import Pagination, signed_in_user
from enterprises.api import PersonSerializer
from enterprises.models import Unit
from workflow.api import NamedSerializer

from ..api import OfficialsOnly
from ..exports import XLSX
from . import services
from .exports import PDF, export_filename, write_circular_pdf, write_circular_workbook
from .models import Circular, CircularPeriodKind, CircularState
from .permissions import may_change_circular
from .selectors import circular_for_user, circulars_listed, circulars_visible_to
from .snapshot import circular_number, period_text


class CircularQuery(serializers.Serializer):
    state = serializers.ChoiceField(choices=CircularState.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Year of issue.")


class CircularPeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(source="period_kind", choices=CircularPeriodKind.choices)
    label = serializers.CharField(source="period_label")  # type: ignore[assignment]  # a declared field, not Field.label
    start = serializers.DateTimeField(source="period_start")
    end = serializers.DateTimeField(source="period_end", help_text="Exclusive.")
    text = serializers.SerializerMethodField(help_text="As the circular names it, e.g. 2026年11月.")

    def get_text(self, circular: Circular) -> str:
        return period_text(circular.period_kind, circular.period_start, circular.period_end)


class CircularListSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    number = serializers.SerializerMethodField(help_text="督办通报〔2026〕第12期; empty for a draft.")
    period = CircularPeriodSerializer(source="*")
    jurisdiction = NamedSerializer()
    issuing_unit = NamedSerializer()
    created_by = PersonSerializer()
    published_by = PersonSerializer(allow_null=True)
    summary = serializers.SerializerMethodField(help_text="The headline figures of the snapshot.")

    class Meta:
        model = Circular
        fields = [
            "id",
            "state",
            "state_display",
            "number",
            "year",
            "sequence",
            "title",
            "period",
            "jurisdiction",
            "issuing_unit",
            "summary",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "published_by",
            "published_at",
        ]

    def get_number(self, circular: Circular) -> str:
        return circular_number(circular.year, circular.sequence)

    def get_summary(self, circular: Circular) -> dict:
        return circular.summary


class CircularDetailSerializer(CircularListSerializer):
    content = serializers.JSONField(help_text="The snapshot: summary, overdue by unit and person, returned, ranking.")
    available_actions = serializers.SerializerMethodField()

    class Meta(CircularListSerializer.Meta):
        fields = [
            *CircularListSerializer.Meta.fields,
            "introduction",
            "requirements",
            "unit_comments",
            "worst_count",
            "generated_at",
            "content",
            "available_actions",
        ]

    def get_available_actions(self, circular: Circular) -> list[str]:
        """What the user may do now: the same rules the services enforce."""
        exports = ["xlsx", "pdf"]
        if not may_change_circular(circular, self.context["request"].user):
            return exports
        return ["edit", "regenerate", "publish", "delete", *exports]


class CircularCreateSerializer(serializers.Serializer):
    period = serializers.CharField(
        required=False, max_length=limits.PERIOD, help_text='"2026-11", "2026-Q4" or "2026"; or give start and end.'
    )
    start = serializers.DateField(required=False, help_text="First day (Asia/Shanghai).")
    end = serializers.DateField(required=False, help_text="Last day, included.")
    jurisdiction = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text="Needed only by a supervisor of several."
    )
    worst_count = serializers.IntegerField(
        required=False, help_text=f"Lowest ranked units named per tier (default {services.DEFAULT_WORST_COUNT})."
    )


class CircularUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version you read; a newer circular refuses the edit (409).")
    title = serializers.CharField(required=False, max_length=limits.TITLE)
    introduction = serializers.CharField(required=False, allow_blank=True, max_length=limits.CIRCULAR_TEXT)
    requirements = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.CIRCULAR_TEXT, help_text="整改要求."
    )
    unit_comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=limits.NOTE),
        required=False,
        help_text="Unit id → comment, merged into the existing ones; an empty comment removes one.",
    )


class CircularVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The version you read; a circular changed since refuses it (409 `stale_circular`)."
    )


class CircularPublishSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The version you reviewed; a circular changed since refuses to be published (409)."
    )


class CircularRegenerateSerializer(CircularVersionSerializer):
    worst_count = serializers.IntegerField(required=False)


def parsed(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CircularViewSet(OfficialsOnly, viewsets.GenericViewSet):
    """Drafts are generated, edited, regenerated and published by the supervisors of their jurisdiction."""

    officials_only_message = gettext_lazy("Circulars are for government officials.")

    serializer_class = CircularDetailSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Circular.objects.none()
        return circulars_visible_to(signed_in_user(self.request))

    def get_object(self) -> Circular:
        return circular_for_user(signed_in_user(self.request), self.kwargs["pk"])

    def detail_response(self, circular: Circular, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(CircularDetailSerializer(circular, context={"request": self.request}).data, status=status_code)

    @extend_schema(
        summary="Circulars I may see", parameters=[CircularQuery], responses=CircularListSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        query = parsed(CircularQuery, request.query_params)
        circulars = circulars_listed(signed_in_user(request))
        if "state" in query:
            circulars = circulars.filter(state=query["state"])
        if "year" in query:
            circulars = circulars.filter(year=query["year"])
        page = self.paginate_queryset(circulars)
        return self.get_paginated_response(CircularListSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(summary="Generate a draft for a period", request=CircularCreateSerializer)
    def create(self, request: Request) -> Response:
        data = parsed(CircularCreateSerializer, request.data)
        circular = services.circular_create(acting_user=signed_in_user(request), **data)
        return self.detail_response(
            circulars_visible_to(signed_in_user(request)).get(pk=circular.pk), status.HTTP_201_CREATED
        )

    @extend_schema(summary="One circular with its snapshot")
    def retrieve(self, request: Request, pk=None) -> Response:
        return self.detail_response(self.get_object())

    @extend_schema(summary="Edit a draft's wording", request=CircularUpdateSerializer)
    def partial_update(self, request: Request, pk=None) -> Response:
        circular = self.get_object()
        data = parsed(CircularUpdateSerializer, request.data)
        services.circular_update(circular=circular, acting_user=signed_in_user(request), **data)
        return self.detail_response(self.get_object())

    @extend_schema(
        summary="Delete a draft",
        description="`version` is a query parameter (`?version=3`): a DELETE carries no body.",
        parameters=[CircularVersionSerializer],
        request=None,
        responses={204: None},
    )
    def destroy(self, request: Request, pk=None) -> Response:
        circular = self.get_object()
        data = parsed(CircularVersionSerializer, request.query_params)
        services.circular_delete(circular=circular, acting_user=signed_in_user(request), **data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Take a draft's figures anew", request=CircularRegenerateSerializer)
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk=None) -> Response:
        circular = self.get_object()
        data = parsed(CircularRegenerateSerializer, request.data)
        services.circular_regenerate(circular=circular, acting_user=signed_in_user(request), **data)
        return self.detail_response(self.get_object())

    @extend_schema(summary="Number, freeze and send out a draft", request=CircularPublishSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk=None) -> Response:
        circular = self.get_object()
        data = parsed(CircularPublishSerializer, request.data)
        services.circular_publish(circular=circular, acting_user=signed_in_user(request), **data)
        return self.detail_response(self.get_object())

    @extend_schema(summary="The circular as .xlsx", responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def xlsx(self, request: Request, pk=None) -> FileResponse:
        circular = self.get_object()
        file = BytesIO()
        write_circular_workbook(circular, file)
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=export_filename(circular, "xlsx"), content_type=XLSX)

    @extend_schema(
        summary="The circular as PDF",
        responses={
            (200, PDF): OpenApiTypes.BINARY,
            503: OpenApiResponse(description="The server lacks the Chinese font the PDF embeds."),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk=None) -> FileResponse:
        circular = self.get_object()
        file = BytesIO()
        write_circular_pdf(circular, file)
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=export_filename(circular, "pdf"), content_type=PDF)
