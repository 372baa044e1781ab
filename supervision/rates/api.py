"""Rates and rankings for supervisors, leaders and dispatchers, and the cases behind every figure.

The view parses the query, asks the selectors and renders; who may see which
units is the permissions' ``rated_units_for_user``.
"""

from datetime import datetime

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import limits
from core.api import IdField, Pagination
from core.people import user_name
from enterprises.api import PersonSerializer
from workflow import clock

from .figures import CASE_FIGURES, ENTERPRISE_FIGURES, RATES, formulas
from .periods import Period, period_of_month, period_parse
from .permissions import rated_units_for_user
from .selectors import By, EnterprisePart, Part, Row, Table, cadre_table, figure_cases, figure_enterprises, unit_table


class RatesQuery(serializers.Serializer):
    period = serializers.CharField(
        required=False, max_length=limits.PERIOD, help_text='"2026-11", "2026-Q4" or "2026"; default this month.'
    )
    by = serializers.ChoiceField(choices=[choice.value for choice in By], default=By.UNIT)

    def period_value(self, now: datetime) -> Period:
        text = self.validated_data.get("period")
        return period_parse(text) if text else period_of_month(now)


class CasesQuery(RatesQuery):
    by = None  # type: ignore[assignment]  # how DRF takes an inherited field away
    metric = serializers.ChoiceField(choices=list(CASE_FIGURES))
    part = serializers.ChoiceField(choices=[choice.value for choice in Part], default=Part.NUMERATOR)
    unit = IdField(required=False, help_text="Omitted: every unit you may see.")
    cadre = IdField(required=False)


class EnterprisesQuery(CasesQuery):
    metric = serializers.ChoiceField(choices=list(ENTERPRISE_FIGURES))
    part = serializers.ChoiceField(
        choices=[choice.value for choice in EnterprisePart],
        default=EnterprisePart.NUMERATOR,
        help_text="rest: the denominator's enterprises the numerator leaves out (served and not visited).",
    )


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not the Field.label it shadows
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()


class RatioSerializer(serializers.Serializer):
    numerator = serializers.FloatField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class RowSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    cadre = PersonSerializer(allow_null=True)
    tier = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Weighted rates without data.")
    ratios = serializers.DictField(child=RatioSerializer())
    counts = serializers.DictField(child=serializers.IntegerField())


class TableHeadSerializer(serializers.Serializer):
    period = PeriodSerializer()
    by = serializers.CharField()
    weights = serializers.DictField(child=serializers.FloatField())
    formulas = serializers.SerializerMethodField()
    counted_at = serializers.DateTimeField(
        help_text="When the figures were counted: a ranking reads counts up to HUIYIN_RATES_SNAPSHOT_MINUTES old; "
        "the drill-down lists the cases as of now."
    )

    def get_formulas(self, table) -> dict[str, str]:
        return formulas()


class TableSerializer(TableHeadSerializer):
    rows = RowSerializer(many=True)


def _row_data(row: Row) -> dict:
    cadre = row.cadre
    ratios = {}
    for name in RATES:
        ratio = row.ratio(name)  # made and dropped here: ``row.ratios`` would keep them all alive
        ratios[name] = {"numerator": float(ratio.numerator), "denominator": ratio.denominator, "rate": ratio.rate}
    return {
        "unit": {"id": row.unit.pk, "name": row.unit.name, "kind": row.unit.kind},
        "cadre": None if cadre is None else {"id": cadre.pk, "username": cadre.username, "name": user_name(cadre)},
        "tier": str(row.tier),
        "rank": row.rank,
        "score": row.score,
        "missing": list(row.missing),
        "ratios": ratios,
        "counts": row.counts,
    }


def table_data(table: Table) -> dict:
    """What ``TableSerializer`` renders, with the rows built directly: for a ranking of two thousand cadres the
    serializer's per-field machinery costs more than reading the counts (a test keeps the two identical)."""
    return {**TableHeadSerializer(table).data, "rows": [_row_data(row) for row in table.rows]}


class FigureCaseSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    at = serializers.DateTimeField(
        help_text="The moment that placed the row in the period; for the on-time rate, the case's latest counted "
        "deadline."
    )
    due_at = serializers.DateTimeField(required=False, help_text="Of a clock or a rectification.")
    resolved_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Per-case figures: when the case was last resolved; null: not yet."
    )
    deadlines = serializers.IntegerField(required=False, help_text="Per-case figures: the case's deadlines counted.")
    outcome = serializers.CharField(required=False)
    breached = serializers.BooleanField(required=False)
    resolution_type = serializers.CharField(required=False)
    satisfaction = serializers.IntegerField(required=False, allow_null=True)
    closure = serializers.CharField(required=False)
    state = serializers.CharField(required=False, help_text="Of a rectification.")


class FigureEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    township = serializers.CharField(source="township.name")
    last_visit_at = serializers.DateTimeField(allow_null=True, help_text="Its latest visit, whenever it was.")


class FigureEnterprisesPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FigureEnterpriseSerializer(many=True)


class FigureCasesPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FigureCaseSerializer(many=True)


class OneObjectSchema(AutoSchema):
    """The rankings ``list`` answers one table object, not an array of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class RatesViewSet(viewsets.GenericViewSet):
    """The table is one response (a ranking is read whole); only the drill-down is paged."""

    schema = OneObjectSchema()
    filter_backends = []
    pagination_class = None
    serializer_class = TableSerializer

    @staticmethod
    def parse(serializer_class: type[RatesQuery], request) -> RatesQuery:
        query = serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query

    @extend_schema(summary="Rates and rankings of units or cadres in a period", parameters=[RatesQuery])
    def list(self, request):
        scope = rated_units_for_user(request.user)
        query = self.parse(RatesQuery, request)
        build = unit_table if query.validated_data["by"] == By.UNIT else cadre_table
        now = clock.now()
        table = build(period=query.period_value(now), now=now, scope=scope, recent=True)
        return Response(table_data(table))

    @extend_schema(
        summary="The cases behind one figure: one row per counted row (per case for on_time and reopen)",
        parameters=[CasesQuery],
        responses=FigureCasesPageSerializer,
    )
    @action(detail=False, methods=["get"])
    def cases(self, request):
        scope = rated_units_for_user(request.user)
        query = self.parse(CasesQuery, request)
        data, now = query.validated_data, clock.now()
        rows = figure_cases(
            period=query.period_value(now),
            now=now,
            metric=data["metric"],
            part=Part(data["part"]),
            scope=scope,
            unit_id=data.get("unit"),
            cadre_id=data.get("cadre"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FigureCaseSerializer(page, many=True).data)

    @extend_schema(
        summary="The enterprises behind a figure of enterprises (the visit coverage): visited, served, or not visited",
        parameters=[EnterprisesQuery],
        responses=FigureEnterprisesPageSerializer,
    )
    @action(detail=False, methods=["get"])
    def enterprises(self, request):
        scope = rated_units_for_user(request.user)
        query = self.parse(EnterprisesQuery, request)
        data, now = query.validated_data, clock.now()
        rows = figure_enterprises(
            period=query.period_value(now),
            now=now,
            metric=data["metric"],
            part=EnterprisePart(data["part"]),
            scope=scope,
            unit_id=data.get("unit"),
            cadre_id=data.get("cadre"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FigureEnterpriseSerializer(page, many=True).data)
