"""The bench's URLs: the application's, and the voting floor (``bench.floor``)."""

from django.urls import path

from budgetscreen.urls import handler403, handler404, handler500
from budgetscreen.urls import urlpatterns as app_urls

from .floor import floor_vote

urlpatterns = [path("bench/floor/<int:item_pk>/", floor_vote), *app_urls]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
