"""A statement compiled once answers for every value as the queryset it was compiled from would."""

from django.db.models import Count

from core.statements import CompiledOnce
from enterprises.models import Unit


def children_of(parent_id: int):
    return Unit.objects.filter(parent_id=parent_id).order_by("pk").values_list("pk")


def test_it_compiles_once_and_answers_each_value_as_the_orm_would(district):
    built = []

    def children(parent_id: int):
        built.append(parent_id)
        return children_of(parent_id)

    statement = CompiledOnce(children, parent_id=-1)
    parents = Unit.objects.filter(children__isnull=False).values_list("pk", flat=True).distinct()

    answers = {parent: statement.rows(parent_id=parent) for parent in parents}

    assert len(answers) > 1
    assert answers == {parent: list(children_of(parent)) for parent in parents}
    assert built == [-1]


def test_it_runs_inside_the_statement_it_is_wrapped_in(district):
    busiest = Unit.objects.annotate(size=Count("children")).order_by("-size").first()
    count = CompiledOnce(children_of, wrap="SELECT COUNT(*) FROM ({}) listed", parent_id=-1)

    assert count.rows(parent_id=busiest.pk) == [(busiest.size,)]
    assert count.rows(parent_id=-1) == [(0,)]
