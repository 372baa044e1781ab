"""Pagination that counts a list only when it is longer than one page."""

from django.core.paginator import Page, Paginator

FIRST_PAGE = (None, "", "1", 1)


class ShortListPaginator(Paginator):
    """Django's paginator, but the first page is read with one row more before anything is counted: when the
    rows fit on it they are the whole list, and the ``COUNT`` query (and its compilation) is not needed.

    Most lists of meetings and circulars fit on their first page, which is the page most visits ask for. A
    longer list is counted as before, once the first page has shown there is more; other pages read as Django
    reads them. Orphans are not supported: a first page never takes the rows of a second.
    """

    def __init__(self, object_list, per_page: int) -> None:
        super().__init__(object_list, per_page)

    def get_page(self, number) -> Page:
        if number not in FIRST_PAGE:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # a cached_property: set, it is never asked of the database
        return self._get_page(rows[: self.per_page], 1, self)
