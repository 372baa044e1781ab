"""A statement compiled once answers for every value as the queryset it was compiled from would; a statement run
inside ``prepared`` is kept by PostgreSQL and answers as it would unprepared; a ``Choice`` is a constant of the
statement and nothing but one of its field's codes."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count

from cases.models import Case, CaseState, in_states
from core.statements import Choice, CompiledOnce, prepared
from enterprises.models import Unit
from web.tests.helpers import bulk_assigned_cases


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


def test_its_values_are_the_querysets_own_on_every_database(district):
    """Moments aware and booleans as booleans, as the ORM gives them (SQLite's driver gives neither)."""

    def person(user_id: int):
        return get_user_model().objects.filter(pk=user_id).values_list("pk", "date_joined", "is_active", "username")

    statement = CompiledOnce(person, user_id=-1)

    assert [tuple(row) for row in statement.values(user_id=district.alice.pk)] == list(person(district.alice.pk))
    assert statement.values(user_id=0) == []


def test_its_named_rows_are_the_querysets_own_each_column_under_its_name(district):
    """An annotation named between two columns: each row carries every name at its place, as ``values_list(...,
    named=True)`` gives it."""

    def units(parent_id: int):
        return (
            Unit.objects.filter(parent_id=parent_id)
            .annotate(children_count=Count("children"))
            .order_by("pk")
            .values_list("name", "children_count", "pk", named=True)
        )

    statement = CompiledOnce(units, parent_id=-1)
    parent = Unit.objects.filter(children__isnull=False).values_list("pk", flat=True).first()

    rows = statement.named(parent_id=parent)

    assert rows
    assert [row._asdict() for row in rows] == [row._asdict() for row in units(parent)]


def test_it_runs_inside_the_statement_it_is_wrapped_in(district):
    busiest = Unit.objects.annotate(size=Count("children")).order_by("-size").first()
    count = CompiledOnce(children_of, wrap="SELECT COUNT(*) FROM ({}) listed", parent_id=-1)

    assert count.rows(parent_id=busiest.pk) == [(busiest.size,)]
    assert count.rows(parent_id=-1) == [(0,)]


def prepared_statements(reading: str = "") -> dict[str, int]:
    """Each statement the server keeps prepared for this connection (those whose text holds ``reading``), with how
    often it was run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return {statement: runs for statement, runs in cursor.fetchall() if reading in statement}


def units_in_states(parent_id: int, states) -> list[int]:
    return sorted(
        Case.objects.filter(in_states(states), responsible_unit__parent_id=parent_id).values_list("pk", flat=True)
    )


@pytest.mark.postgres_only
def test_a_statement_run_inside_prepared_is_kept_by_the_server_and_run_again_without_being_sent_anew(district):
    bulk_assigned_cases(district, 30)
    parent = district.industry.parent_id
    before = prepared_statements()
    plain = units_in_states(parent, [CaseState.ASSIGNED])

    with prepared():
        answers = [units_in_states(parent, [CaseState.ASSIGNED]) for _run in range(7)]
    units_in_states(parent, [CaseState.ASSIGNED])  # after the block: run as any other statement

    kept = {statement: runs for statement, runs in prepared_statements().items() if statement not in before}
    assert answers == [plain] * 7 and len(plain) == 30
    [(statement, runs)] = kept.items()
    assert runs == 7
    # The state is a constant of the statement, so its generic plan can use the indexes of that state; the
    # parent unit is a parameter, so every unit's cases run the same statement.
    assert "'assigned'" in statement and "$1" in statement


def test_prepared_runs_every_statement_as_it_would_anywhere_else(district):
    bulk_assigned_cases(district, 3)

    with prepared():
        inside = units_in_states(district.industry.parent_id, [CaseState.ASSIGNED, CaseState.RESOLVED])

    assert inside == units_in_states(district.industry.parent_id, [CaseState.ASSIGNED, CaseState.RESOLVED])
    assert len(inside) == 3


def test_a_choice_is_written_into_the_statement_and_finds_what_the_parameter_finds(district):
    bulk_assigned_cases(district, 2)
    field = Case._meta.get_field("state")

    written = Case.objects.filter(state=Choice(field, CaseState.ASSIGNED))
    sql, params = written.query.sql_with_params()

    assert "'assigned'" in sql and CaseState.ASSIGNED not in params
    assert list(written) == list(Case.objects.filter(state=CaseState.ASSIGNED)) != []


@pytest.mark.parametrize("value", ["archived", "assigned' OR '1'='1", "ASSIGNED"])
def test_a_choice_refuses_anything_but_one_of_the_fields_codes(value):
    with pytest.raises(ValueError, match="is not a code among"):
        Choice(Case._meta.get_field("state"), value)


def test_no_states_is_refused_rather_than_read_as_every_case():
    with pytest.raises(ValueError, match="needs a state"):
        in_states([])
