"""Hostile edits of a text file, for tests that compare two readings of the same file."""

from __future__ import annotations

import random
from collections.abc import Sequence


def mutate(rng: random.Random, text: str, snippets: Sequence[str]) -> str:
    """``text`` with one to three random line edits: a snippet inserted, a line replaced by
    one, deleted or repeated, or a snippet spliced into a line."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(lines) + 1)
        op = rng.randrange(5)
        if op == 0 or not lines:
            lines.insert(at, rng.choice(snippets))
        elif op == 1:
            lines[min(at, len(lines) - 1)] = rng.choice(snippets)
        elif op == 2:
            del lines[min(at, len(lines) - 1)]
        elif op == 3:
            lines.insert(at, lines[rng.randrange(len(lines))])
        else:
            target = min(at, len(lines) - 1)
            line = lines[target]
            cut = rng.randrange(len(line) + 1)
            lines[target] = line[:cut] + rng.choice(snippets) + line[cut:]
    return "\n".join(lines)
