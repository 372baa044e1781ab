"""Pagination that spares a list its separate ``COUNT`` query (counted only when longer than one page, or counted
by the page's own query), and the rows before a page (a page past the first is read keys first)."""

import itertools
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import F, Func, IntegerField, OrderBy, Q, QuerySet, Subquery
from django.db.models.expressions import Combinable, Star
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

FIRST_PAGE = (None, "", "1", 1)


def rows_between(rows: "QuerySet | Sequence[Any] | OrderedUnion", bottom: int, top: int) -> list[Any]:
    """``rows[bottom:top]``; of a queryset past its first rows, keys first: the ids of the slice are picked by the
    list's order and condition alone, then only its rows are read whole.

    Sliced as Django slices (``OFFSET``), the database reads, joins and annotates every row before the slice and
    throws them away: the dispatcher's 4,000th page of a province's opened cases took 0.9 s, most of it
    looking up why each skipped case was sent back. Its ids come from an index of the order (nothing read from the
    table), the rows of one page by their ids.
    """
    if not bottom or not isinstance(rows, QuerySet) or rows.query.combinator or rows.query.is_sliced:
        return list(rows[bottom:top])
    return list(rows.filter(pk__in=rows.values("pk")[bottom:top]))


class KeysFirstPaginator(Paginator):
    """Django's paginator, but a page past the first is read keys first (``rows_between``)."""

    object_list: QuerySet[Any] | Sequence[Any]

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(rows_between(self.object_list, bottom, top), number, self)


class ShortListPaginator(KeysFirstPaginator):
    """Django's paginator, but the first page is read with one row more before anything is counted: when the
    rows fit on it they are the whole list, and the ``COUNT`` query (and its compilation) is not needed.

    Most lists of meetings and circulars fit on their first page, which is the page most visits ask for, and so
    does a search by a case's number. A longer list is counted as before, once the first page has shown there is
    more; other pages are read keys first. Orphans are not supported: a first page never takes the rows of
    a second. ``get_page`` serves the pages, ``page`` the API (DRF asks for it).
    """

    def get_page(self, number) -> Page:
        return self._first_page() if number in FIRST_PAGE else super().get_page(number)

    def page(self, number) -> Page:
        return self._first_page() if number in FIRST_PAGE else super().page(number)

    def _first_page(self) -> Page:
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.known_count(len(rows))
        return Page(rows[: self.per_page], 1, self)

    def known_count(self, count: int) -> None:
        """The list's length, learnt from its first page: ``count`` is a cached property, set it is never asked of
        the database."""
        self.count = count


def with_total(rows: QuerySet, *, matches: QuerySet) -> QuerySet:
    """``rows`` with ``total`` on each, the number of ``matches`` (the same rows, without what only a page
    shows), counted by a subquery of the page's own query that depends on no row: a page and its paginator's
    count in one round trip. Read with ``TotalInPagePaginator``."""
    return rows.annotate(total=total_of(matches))


def total_of(*parts: QuerySet) -> Combinable:
    """The number of rows of ``parts`` (disjoint), as an expression that depends on no row: a subquery each."""
    # COUNT as a plain function, not the aggregate: an aggregate would group the subquery by its columns. Of rows,
    # not of ids: COUNT(id) reads each id, and so each row of a list whose index does not hold it (a person's
    # 4,800 notifications: 2.9 ms read from the table, 0.4 from the index).
    counts = [
        Subquery(part.order_by().values(n=Func(Star(), function="COUNT", output_field=IntegerField())))
        for part in parts
    ]
    total: Combinable = counts[0]
    for count in counts[1:]:
        total += count
    return total


class Consecutive:
    """A part of an ``OrderedUnion`` in pieces, each ordered, every row of a piece before any of the next in the
    list's order: a piece is read only for a slice that the pieces before it do not fill.

    A part apart by the value of its order's leading column (``workflow.filters.apart_by_leading_value``): its
    dated cases then its undated ones, or its cases of each state in turn, each piece read from an index of its
    own. Read regardless, a piece with few matches walks its whole index looking for them (a cadre's assigned
    cases without a deadline: none, after a million rows).
    """

    def __init__(self, *pieces: QuerySet) -> None:
        self.pieces = pieces

    def each(self, change: Callable[[QuerySet], QuerySet]) -> "Consecutive":
        return Consecutive(*(change(piece) for piece in self.pieces))

    def read_to(self, stop: int | None) -> list[QuerySet]:
        """The pieces, each after the first read only when every piece before it has fewer than ``stop`` rows
        (conditions on no row, decided once, before the piece is read, and only as far as the first that fails).

        A piece past the first is needed only when the pieces before it together are short of ``stop``, and then
        each of them is: the condition never skips a piece the slice needs."""
        if not stop:
            return list(self.pieces)
        read, short = [self.pieces[0]], Q()
        for before, piece in itertools.pairwise(self.pieces):
            # The piece before's last row of the slice, found as that piece reads in its order: unordered, the
            # database chose whichever index it guessed would find that many soonest (26,000 rows of a cadre's).
            short &= Q(IsNull(Subquery(before.values("pk")[stop - 1 : stop]), True))
            read.append(piece.filter(short))
        return read


class Gathered:
    """A part of an ``OrderedUnion`` whose matches are few and lie far down its order, read by gathering them all: a
    slice's ids are chosen by the list's order from every match, without the joins, then only its rows read whole.

    Left to the planner, such a part was read in the order of an index of the whole table, in the hope of meeting
    its matches soon: the district's twenty newest overdue cases were found past 410,000 newer ones (0.1 s at a
    million cases). The ids are ordered by the same values written so that no index holds them (``COALESCE(
    column, column)``), which leaves the planner one way: read the matches from their own index, sort them.
    """

    def __init__(self, part: QuerySet) -> None:
        self.part = part

    def each(self, change: Callable[[QuerySet], QuerySet]) -> "Gathered":
        return Gathered(change(self.part))

    def read_to(self, stop: int | None) -> list[QuerySet]:
        if not stop:
            return [self.part]
        unindexed = [_unindexed(term) for term in self.part.query.order_by]
        return [self.part.filter(pk__in=self.part.order_by(*unindexed).values("pk")[:stop])]


def _unindexed(term: str | Combinable) -> OrderBy:
    """An ordering term (a column's name, ``-name``, or its ``OrderBy``) by the same values, written as no index holds
    them."""
    if isinstance(term, str):
        term = F(term.removeprefix("-")).desc() if term.startswith("-") else F(term).asc()
    if not isinstance(term, OrderBy):
        raise TypeError(f"{term!r}: a gathered part is ordered by columns' names or their OrderBy")
    column = term.expression
    return OrderBy(
        Coalesce(column, column), descending=term.descending, nulls_first=term.nulls_first, nulls_last=term.nulls_last
    )


class OrderedUnion:
    """Disjoint querysets read as one list in one order, a slice at a time (a paginator's ``object_list``).

    A list whose condition is an OR of branches (a unit head's queue: the cases of each unit they head, and their
    own outside them) can be read in order from no index: the database reads every match, joins and sorts them
    all for one page. Each part alone reads its index in order; where the database allows it (PostgreSQL), each
    is ordered and cut at the slice's end before the parts are merged (``UNION ALL``), so a page reads no more
    than the rows before it. SQLite merges the parts whole, fine at a district's size. Each part must select the
    same columns (built alike) and ``ordering`` name only columns. A part already ordered keeps its order, which
    must give its rows in the list's (a piece whose leading column is null is read in the rest of the order); a
    part may come in ``Consecutive`` pieces.

    A page past the first is read keys first (``rows_between``); of parts, the ids are merged by the ordering's
    columns alone, in a query of their own. Read as rows, the last page of a unit head's 112,000 cases joined
    every case before it (0.8 s; 37 ms keys first).
    """

    ordered = True

    def __init__(self, parts: Sequence[QuerySet | Consecutive | Gathered], ordering: Sequence[Any]) -> None:
        self.parts = list(parts)
        self.ordering = list(ordering)

    def __getitem__(self, key: slice) -> list[Any]:
        if not key.start:
            return list(self.first(key.stop))
        if len(self.parts) == 1 and isinstance(self.parts[0], QuerySet):
            return rows_between(self._ordered(self.parts[0]), key.start, key.stop)
        # The page's ids in a query of their own: as a subquery of each part, the database would merge the parts
        # once a part.
        columns = ["pk", *self._columns()]
        keys = self._merged(self._each(lambda part: part.values(*columns)), key.stop)[key]
        page = [row["pk"] for row in keys]
        return list(self._merged(self._each(lambda part: part.filter(pk__in=page)), None))

    def first(self, stop: int | None) -> QuerySet:
        """The query of the list's first ``stop`` rows (all of them for None)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], QuerySet):
            return self._ordered(self.parts[0])[:stop]
        return self._merged(self.parts, stop)[:stop]

    def _each(self, change: Callable[[QuerySet], QuerySet]) -> list[QuerySet | Consecutive | Gathered]:
        return [change(part) if isinstance(part, QuerySet) else part.each(change) for part in self.parts]

    def _merged(self, parts: list[QuerySet | Consecutive | Gathered], stop: int | None) -> QuerySet:
        """The parts as one queryset in the list's order, each cut at ``stop`` where the database allows."""
        pieces = [piece for part in parts for piece in self._pieces(part, stop)]
        if len(pieces) == 1:
            return self._ordered(pieces[0])
        if connections[pieces[0].db].features.supports_slicing_ordering_in_compound:
            pieces = [self._ordered(piece)[:stop] for piece in pieces]
        else:
            pieces = [piece.order_by() for piece in pieces]
        first, *rest = pieces
        return first.union(*rest, all=True).order_by(*self.ordering)

    @staticmethod
    def _pieces(part: QuerySet | Consecutive | Gathered, stop: int | None) -> list[QuerySet]:
        return [part] if isinstance(part, QuerySet) else part.read_to(stop)

    def _ordered(self, part: QuerySet) -> QuerySet:
        return part if part.query.order_by else part.order_by(*self.ordering)

    def _columns(self) -> list[str]:
        """The columns the ordering names (a name, "-name" or ``F(name)`` ascending or descending)."""
        columns = []
        for term in self.ordering:
            name = term.lstrip("-") if isinstance(term, str) else term.expression.name
            if name not in ("pk", "id"):
                columns.append(name)
        return columns

    def count(self) -> int:
        return sum(piece.count() for part in self.parts for piece in self._pieces(part, None))


class FirstPageApart:
    """A list whose first page ``first_page(size)`` reads by a statement of its own (compiled once,
    ``core.statements.CompiledOnce``), unless it answers None; any other slice, and the count, come from the
    queryset ``rows()`` builds, built only then. For a paginator, as a queryset."""

    ordered = True

    def __init__(
        self, first_page: Callable[[int], list[Any] | None], rows: Callable[[], "QuerySet | OrderedUnion"]
    ) -> None:
        self.first_page, self.build = first_page, rows

    @cached_property
    def rows(self) -> "QuerySet | OrderedUnion":
        return self.build()

    def __getitem__(self, key: slice) -> list[Any]:
        if not key.start and key.stop is not None and (page := self.first_page(key.stop)) is not None:
            return page
        return rows_between(self.rows, key.start or 0, key.stop)

    def count(self) -> int:
        return self.rows.count()


class TotalInPagePaginator(KeysFirstPaginator):
    """Reads a page whose rows carry the total (``with_total``): counting costs no query of its own. Only a page
    past the last, with no row to tell, is counted apart, to refuse it (``page``) or show the last (``get_page``)
    as Django's paginator does.
    """

    object_list: QuerySet[Any]

    def get_page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        page = self._page_read(number) if number >= 1 else None
        return page if page is not None else super().get_page(number)

    def page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)
        page = self._page_read(number) if number >= 1 else None
        return page if page is not None else super().page(number)

    def _page_read(self, number: int) -> Page | None:
        """The page, unless it is past the last (no rows there to carry the total)."""
        bottom = (number - 1) * self.per_page
        rows = rows_between(self.object_list, bottom, bottom + self.per_page)
        if not rows and number > 1:
            return None
        self.count = rows[0].total if rows else 0  # a cached_property: set, it is never computed
        return Page(rows, number, self)
