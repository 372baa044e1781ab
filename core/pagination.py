"""Pagination that counts a list only when it is longer than one page."""

from django.core.paginator import Page, Paginator

FIRST_PAGE = (None, "", "1", 1)


class ShortListPaginator(Paginator):
    """Django's paginator, but the first page is read with one row more before anything is counted: when the
    rows fit on it they are the whole list, and the ``COUNT`` query (and its compilation) is not needed.

    Most lists of meetings and circulars fit on their first page, which is the page most visits ask for, and so
    does a search by a case's number. A longer list is counted as before, once the first page has shown there is
    more; other pages read as Django reads them. Orphans are not supported: a first page never takes the rows of
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
