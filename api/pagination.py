"""Cursor pagination: a page never repeats or skips a row while rows are added."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Pages in the order rows were created (their id); ``?page_size=`` up to 200."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
