"""Helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

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
