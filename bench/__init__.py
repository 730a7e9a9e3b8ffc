"""The benchmark of issue 8: ``make bench`` (``python -m bench.run --scale 1000,10000``).

It creates its own PostgreSQL database (``budgetscreen_bench``) next to the one named by
DATABASE_URL, never touches that database's data, fills it with synthetic rounds by COPY, and
measures the pages, the plan downloads and concurrent voting. See docs/SCALING.md.
"""
