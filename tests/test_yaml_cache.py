"""The parsed-policy cache: the hook reads an unchanged policy without importing PyYAML,
and the cache can only ever cost speed, never change what a policy says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard import _yaml
from guard.errors import InputError

POLICY = """version: 1
protect:
  - name: openai   # a comment
    min_release_age: 3d
deny:
  - package: litellm
    versions: ["==1.82.7", "==1.82.8"]
"""


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "home" / "cache" / "yaml").glob("*.json"))


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", str(tmp_path / "home" / "cache"))


def _shape(value: object) -> object:
    """The document with its lines, as plain data, to compare two loads."""
    if isinstance(value, _yaml.LineDict):
        return {
            "line": value.line,
            "items": {k: (value.lines[k], _shape(v)) for k, v in value.items()},
        }
    if isinstance(value, _yaml.LineList):
        return {
            "line": value.line,
            "items": [(n, _shape(v)) for n, v in zip(value.lines, value, strict=True)],
        }
    return value


def test_a_second_load_comes_from_the_cache_with_the_same_lines(tmp_path: Path) -> None:
    parsed = _yaml.load(POLICY, "p.yaml")
    [entry] = _entries(tmp_path)
    cached = _yaml.load(POLICY, "p.yaml")
    assert _shape(cached) == _shape(parsed)
    assert cached["protect"].lines == [3] and cached["deny"][0].lines["versions"] == 7
    # Control: the entry is what was read, not a second parse.
    data = json.loads(entry.read_text())
    data["document"]["d"][0][2] = {"s": 2}
    entry.write_text(json.dumps(data))
    assert _yaml.load(POLICY, "p.yaml")["version"] == 2


def test_an_entry_for_other_text_or_a_broken_entry_is_never_used(tmp_path: Path) -> None:
    _yaml.load(POLICY, "p.yaml")
    [entry] = _entries(tmp_path)
    data = json.loads(entry.read_text())
    data["text"] = POLICY.replace("openai", "anthropic")  # a colliding name, other text
    data["document"]["d"][0][2] = {"s": 99}
    entry.write_text(json.dumps(data))
    assert _yaml.load(POLICY, "p.yaml")["version"] == 1
    entry.write_text("{not json")
    assert _yaml.load(POLICY, "p.yaml")["protect"][0]["name"] == "openai"


def test_errors_are_not_cached_and_still_name_the_line(tmp_path: Path) -> None:
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            _yaml.load("version: 1\nprotect: [a\n", "bad.yaml")
        assert caught.value.line == 3
    assert _entries(tmp_path) == []


def test_no_cache_under_ci_or_when_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    assert _yaml.load(POLICY, "p.yaml")["version"] == 1
    monkeypatch.delenv("CI")
    monkeypatch.setenv("BUMPGUARD_VERIFY_CACHE", "0")
    assert _yaml.load(POLICY, "p.yaml")["version"] == 1
    assert _entries(tmp_path) == []


def test_a_document_json_cannot_hold_is_parsed_every_time(tmp_path: Path) -> None:
    text = "version: 1\nreviewed: 2026-03-24\n"  # a YAML date
    assert str(_yaml.load(text, "p.yaml")["reviewed"]) == "2026-03-24"
    assert _entries(tmp_path) == []


def test_a_read_only_cache_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", str(blocker))  # not a directory
    assert _yaml.load(POLICY, "p.yaml")["version"] == 1


def test_a_hostile_entry_nested_too_deeply_is_parsed_again(tmp_path: Path) -> None:
    _yaml.load(POLICY, "p.yaml")
    [entry] = _entries(tmp_path)
    text = json.dumps(json.loads(entry.read_text())["text"])
    deep = "[" * 100_000 + "]" * 100_000  # well-formed JSON that json.loads cannot nest
    entry.write_text(f'{{"text": {text}, "document": {deep}}}')
    assert _yaml.load(POLICY, "p.yaml")["version"] == 1
