"""Medians and 90th percentiles of small sets of durations, with the same suppression as counts: with fewer than 5
values neither is shown (a single family's wait could be read off)."""

import math
import statistics
from dataclasses import dataclass

from directory.reports.suppression import Count, count


@dataclass
class Summary:
    count: Count
    median: float | None  # None: not shown (too few values, or none)
    p90: float | None


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def summarise(values: list[float]) -> Summary:
    counted = count(len(values))
    if counted.hidden or not values:
        return Summary(counted, None, None)
    return Summary(counted, statistics.median(values), percentile(values, 0.9))
