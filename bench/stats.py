"""Percentiles and small formatting helpers."""

import math


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds):
    return round(seconds * 1000, 1)


def cpu_check_ms(rounds=5):
    """Milliseconds this machine takes for a fixed pure-Python workload (median of ``rounds``).

    These VMs' speed drifts by a third or more from hour to hour with no load of their own; the
    figure, taken before each size, says how fast the machine was when the times were taken.
    """
    import hashlib
    import statistics
    import time

    def work():
        table = {}
        for i in range(60_000):
            key = f"{i:08d}"
            table[key] = hashlib.sha256(key.encode()).hexdigest()[:8]
        return sorted(table.values())

    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return ms(statistics.median(times))
