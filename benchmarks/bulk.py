"""Rows of many models written fast, with the ids chosen by the writer: COPY on PostgreSQL, executemany elsewhere.

A table is declared by the model fields the dataset fills; every other column gets the field's default
(or NULL), so a field added to a model later does not break the seed unless it has neither. Columns
and table names come from the models' ``_meta``, never written out here.
"""

import json
from collections.abc import Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max


class Table:
    """A buffer of rows for one model, in the order of ``fields`` (``id`` first)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        given = [meta.get_field(name) for name in fields]
        if not given[0].primary_key:
            raise ImproperlyConfigured(f"{meta.label}: the first field must be the primary key.")
        filled = [field for field in meta.concrete_fields if field not in given]
        self.fields = given + filled
        self.defaults = tuple(self.default(field) for field in filled)
        self.rows: list[tuple] = []
        self.written = 0
        self.next_id = (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1

    @staticmethod
    def default(field: models.Field):
        if field.has_default():
            return field.get_default()
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField) and field.blank:
            return ""
        raise ImproperlyConfigured(
            f"{field.model._meta.label}.{field.name} has no default: give it a value in the benchmarks dataset."
        )

    def allocate(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, *values) -> None:
        self.rows.append(values)

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        write_rows(self, rows)
        self.written += len(rows)


def write_rows(table: Table, rows: Iterable[tuple]) -> None:
    meta = table.model._meta
    columns = ", ".join(connection.ops.quote_name(field.column) for field in table.fields)
    json_positions = [i for i, field in enumerate(table.fields) if isinstance(field, models.JSONField)]
    quoted_table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Text COPY reads JSON from its text; everything else psycopg writes from the Python value.
            with cursor.cursor.copy(f"COPY {quoted_table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    full = row + table.defaults
                    if json_positions:
                        full = list(full)
                        for position in json_positions:
                            full[position] = json.dumps(full[position], ensure_ascii=False)
                    copy.write_row(full)
        else:
            placeholders = ", ".join(["%s"] * len(table.fields))
            prepared = [
                [
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(table.fields, row + table.defaults, strict=True)
                ]
                for row in rows
            ]
            cursor.executemany(f"INSERT INTO {quoted_table} ({columns}) VALUES ({placeholders})", prepared)


def reset_sequences(models_written: Iterable[type[models.Model]]) -> None:
    """Let the app's own inserts continue after the ids the writer chose."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_written))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
