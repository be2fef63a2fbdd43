"""pixi.lock's line scanner (``guard.manifests.pixilock``) reads what the YAML parser reads,
or leaves the text to it: compared on thousands of hostile edits of generated locks, so
that no lock reads one way here and another way in pixi."""

from __future__ import annotations

import random

from guard.errors import InputError
from guard.manifests import pixilock
from tests.mutations import mutate
from tests.test_readers_locks import pixi_lock

HOSTILE = [
    "  - pypi: https://x/litellm-1.82.8-py3-none-any.whl",
    "    name: litellm",
    "    version: 1.82.8",
    "name: 'litellm'",
    'name: "litellm"',
    "version: 1.82.8 # c",
    "  version: |",
    "    1.82.8",
    "- &a x",
    "  <<: *a",
    "? name",
    ": x",
    "  - [a, b]",
    "  - {a: 1}",
    "name: >-",
    "    sha256: 00",
    "---",
    "...",
    "key: 'it''s'",
    'key: "a\\"b"',
    "name: litellm:1",
    "name: -x",
    "  -  name: x",
    "name:x",
    "name: x #c",
    "name: ~",
    "name: null",
    "name: ",
    "- ",
    "-",
    "key: [ ]",
    "key: !tag x",
]


def readings(text: str) -> tuple[object, object] | None:
    """The scanner's and the YAML parser's reading, or ``None`` when the scanner leaves
    the text to the parser."""
    normalised = text.replace("\r\n", "\n")
    if pixilock._UNSCANNED.search(normalised):
        return None
    try:
        fast: object = pixilock._Scanner(normalised, "pixi.lock").document()
    except pixilock._Unsupported:
        return None
    except InputError:
        fast = "error"
    try:
        slow: object = pixilock.load_yaml(text, "pixi.lock")
    except InputError:
        slow = "error"
    return fast, slow


def test_hostile_edits_never_make_the_scanner_disagree_with_the_yaml_parser() -> None:
    rng = random.Random(20261129)
    bases = [pixi_lock("1.82.6", fmt) for fmt in (4, 5, 6)]
    compared = 0
    for _ in range(2500):
        text = mutate(rng, rng.choice(bases), HOSTILE)
        both = readings(text)
        if both is None:
            continue
        compared += 1
        assert both[0] == both[1], text
    assert compared > 300  # the edits reach the scanner, not only the fallback
