"""Helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import statistics
from collections.abc import Callable


def interleaved(jobs: dict[str, Callable[[], float]], repeat: int) -> dict[str, list[float]]:
    """One warm-up each, then ``repeat`` rounds running every job once, rotating the order
    each round so no job always runs first."""
    for job in jobs.values():
        job()
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    names = list(jobs)
    for round_no in range(repeat):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(jobs[name]())
    return samples


def print_ratios(samples: dict[str, list[float]], baseline: str) -> None:
    """Each job's median and its ratio to the median of ``baseline``, one line each."""
    base = statistics.median(samples[baseline])
    width = max(len(label) for label in samples) + 2
    print(f"\n{'':{width}} {'median':>9} {'ratio':>7}")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"{label:{width}} {median * 1000:7.1f}ms {median / base:6.2f}x")
