"""uv.lock read without a TOML parser (``guard.manifests.uvlock.scan``) gives exactly what
tomllib gives, or gives up: on real locks, on generated ones, and on thousands of hostile
edits of both. An attacker must not be able to write a lock that the scan reads one way
and uv (or tomllib) another."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import tomllib

from guard import _toml
from guard.manifests import uvlock
from tests.mutations import mutate
from tests.test_check import uv_lock

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "realworld"
KEYS = ("name", "version", "source", "sdist", "wheels")
HOSTILE = [
    'name = "litellm"',
    'version = "1.82.8"',
    '"name" = "litellm"',
    "'version' = \"1.82.8\"",
    'name="litellm"',
    '  name = "litellm"',
    'name = "litellm" # reviewed',
    "name = 'litellm'",
    "[[package]]",
    "[[package]] # x",
    "[package]",
    "[[package.wheels]]",
    "[package.metadata]",
    "[manifest]",
    "# a comment [[package]]",
    'x = """',
    "x = '''",
    'x = "a\\"b"',
    "x = [",
    "]",
    "],",
    "x = { a = 1 }",
    "x = {",
    "}",
    'source = { registry = "a", registry = "b" }',
    'source = { git = "https://github.com/o/r?rev=main#0123456789abcdef0123456789abcdef01234567" }',
    "wheels = [",
    '    { url = "https://x/litellm-1.82.8-py3-none-any.whl", hash = "sha256:00" },',
    '    { url = "u", hash = "h" }, # c',
    "wheels = []",
    'wheels = [{ url = "u", hash = "h" }]',
    "name.x = 1",
    "version = 2",
    "version = 1",
    "\tname = 'x'",
    'x = "unterminated',
    "x = 'lit\"eral'",
    'x = [ "[[package]]" ]',
    "dependencies = [",
    'sdist = { url = "u" } # c',
    'sdist = { url = "u", hash = "sha256:11", size = 1.5 }',
    'sdist = { url = "u", nested = { a = 1 } }',
    "",
    "    ",
    'x = "\x01"',
    "[options]",
    "[options.x]",
    "[package.optional-dependencies]",
    "[[other]]",
    "[package.sdist]",
    "[package.source]",
    "[package.wheels]",
    "[package.version]",
    "[package.sdist.x]",
    'hash = "sha256:ff"',
    'registry = "https://evil.example/simple"',
]


def tomllib_view(text: str) -> tuple[Any, list[dict[str, Any]], list[int]]:
    data = tomllib.loads(text)
    packages = data.get("package", [])
    header, loose = _toml.header_patterns("package")
    lines = _toml.table_lines(text, len(packages), header, loose)
    subset = [
        {key: package[key] for key in KEYS if key in package}
        if isinstance(package, dict)
        else package
        for package in packages
    ]
    return data.get("version"), subset, lines


def agrees(text: str) -> bool:
    """Whether the scan gives up or reads ``text`` exactly as tomllib does. A file that is
    not TOML at all (uv refuses it too, so nothing installs from it) may still be scanned:
    the scan checks the keys it reads, not every value it steps over."""
    fast = uvlock.scan(text)
    if fast is None:
        return True
    try:
        slow = tomllib_view(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return True
    return fast == slow


def samples() -> list[str]:
    found = [uv_lock(("openai", "1.60.0"), ("litellm", "1.82.6"), ("rich", "13.0"))]
    found.append(uv_lock())
    for path in sorted(REALWORLD.glob("*uv.lock")):
        found.append(path.read_text())
    return found


@pytest.mark.parametrize("index", range(len(samples())))
def test_the_scan_reads_real_and_generated_locks_as_tomllib(index: int) -> None:
    text = samples()[index]
    assert uvlock.scan(text) is not None  # uv's own form: read without tomllib
    assert agrees(text)


def test_the_scan_gives_up_on_a_form_uv_does_not_write() -> None:
    base = uv_lock(("litellm", "1.82.6"))
    for edit in (
        base.replace('name = "litellm"', '"name" = "litellm"'),
        base.replace('name = "litellm"', 'name = "litellm" # ok'),
        base.replace('version = "1.82.6"', 'version = "1.82.6"\nversion = "1.82.8"'),
        base + "\n[package]\n",
        base.replace("[[package]]", "[[package]]\n\tname = 'x'"),
        base.replace("\n", "\r\n"),
        base + '\nx = """\n[[package]]\nname = "litellm"\nversion = "1.82.8"\n"""\n',
        # A key this reads, given as a table: an extra sdist hash must not go unseen.
        base.replace("wheels = [", '[package.sdist]\nhash = "sha256:ff"\n\n[x]\nwheels = ['),
        uv_lock(("litellm", "1.82.6")).replace(
            'source = { registry = "https://pypi.org/simple" }\n', ""
        )
        + '\n[package.source]\nregistry = "https://evil.example/simple"\n',
    ):
        assert uvlock.scan(edit) is None


def test_hostile_edits_never_make_the_scan_disagree_with_tomllib() -> None:
    rng = random.Random(20261129)
    bases = samples()
    bases[-1] = "\n".join(bases[-1].split("\n")[:1500])  # a real lock's head, for speed
    for _ in range(3000):
        text = mutate(rng, rng.choice(bases), HOSTILE)
        assert agrees(text), text
