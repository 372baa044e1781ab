"""SQL written where the ORM's own costs more than the database's work: statements compiled once per process, for
the few queries asked on every request (compiling their SQL took longer than running it), and a cursor binding
a batch's arrays on the server."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, QuerySet


class CompiledOnce:
    """The SQL Django writes for ``build(**stand_ins)``, compiled at its first use and kept for the process.

    ``rows(**values)`` runs it with each stand-in replaced by the value of the same name. A stand-in is found
    among the statement's parameters by its value, so it must be one no other parameter equals (a user id of -1,
    a moment in 1900). ``wrap`` puts the statement inside another, where ``{}`` stands.
    """

    def __init__(self, build: Callable[..., QuerySet], *, wrap: str = "{}", **stand_ins: Any) -> None:
        self.build, self.wrap, self.stand_ins = build, wrap, stand_ins

    @cached_property
    def statement(self) -> tuple[str, tuple]:
        sql, params = self.build(**self.stand_ins).query.sql_with_params()
        return self.wrap.format(sql), params

    def rows(self, **values: Any) -> list[tuple]:
        sql, params = self.statement
        real = {_as_parameter(self.stand_ins[name]): _as_parameter(value) for name, value in values.items()}
        with connection.cursor() as cursor:
            cursor.execute(sql, [real.get(param, param) for param in params])
            return cursor.fetchall()


def _as_parameter(value: Any) -> Any:
    """A value as the backend passes it in a statement (on SQLite, a moment is a string)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def array_parameter(field: Field) -> str:
    """The placeholder of one column's values as an array for ``array_cursor``, cast to the column's type.

    Sent in binary (``%b``): each value goes as its bytes and length, where the text format quoted and escaped
    every string and printed every moment, which cost more than the server's work on the batch. The type is
    without its size, as Django's own bulk insert does: a varchar(255)[] would truncate silently.
    """
    return f"%b::{str(field.db_type(connection)).split('(')[0]}[]"


@contextmanager
def array_cursor() -> Iterator[CursorWrapper]:
    """A cursor for statements that take whole columns as arrays (a batch's ``unnest``), on PostgreSQL bound by
    the server: Django's cursors write every value into the statement's text, and quoting a batch of 500 rows
    into it cost more than the server's work on them. Queries through it are counted and logged as any other's.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg  # only where PostgreSQL is the database

    connection.ensure_connection()
    # django-stubs type the argument as Django's wrapper; it is the driver's cursor that is wrapped.
    wrapped = (connection.make_debug_cursor if connection.queries_logged else connection.make_cursor)(
        psycopg.Cursor(connection.connection)  # type: ignore[arg-type]
    )
    with wrapped as cursor:
        yield cursor
