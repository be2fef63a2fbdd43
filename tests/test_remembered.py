"""Lock files read once per content (guard.manifests.remembered): the remembered records are
exactly what the reader returns, any change to the bytes is read afresh, a damaged entry is
ignored, and CI uses no cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from guard import manifests
from guard.manifests import remembered, uvlock
from guard.manifests.base import ReadContext
from tests.test_check import uv_lock


def lock(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "uv.lock"
    path.write_text(text)
    return path


def read(path: Path, root: Path | None = None) -> tuple[list, list, list]:
    ctx = ReadContext(root or path.parent)
    deps = manifests.read_file(path, ctx)
    return deps, ctx.indexes, ctx.notes


def entries(tmp_path: Path) -> list[Path]:
    folder = Path(os.environ["BUMPGUARD_CACHE_DIR"]) / "locks"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def test_a_second_read_gives_the_same_records_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = lock(
        tmp_path, uv_lock(("openai", "1.60.0"), ("litellm", "1.82.6")).replace("pypi.org", "x.org")
    )
    first = read(path)
    assert len(entries(tmp_path)) == 1
    assert first[1] and first[1][0].url == "https://x.org/simple"  # the registry, recorded

    def refuse(*_: object) -> list:
        raise AssertionError("parsed again")

    monkeypatch.setattr(uvlock, "read", refuse)
    assert read(path) == first  # records, indexes and notes replayed
    # One changed byte is another file: read afresh (and the parser is called).
    path.write_text(path.read_text().replace("1.82.6", "1.82.8"))
    with pytest.raises(AssertionError, match="parsed again"):
        read(path)


def test_a_damaged_entry_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = lock(tmp_path, uv_lock(("openai", "1.60.0")))
    first = read(path)
    (entry,) = entries(tmp_path)
    for damage in (b"{", b'{"deps": [{"name": 1}], "indexes": [], "notes": []}', b"[]"):
        entry.write_bytes(damage)
        assert read(path) == first
        assert entry.read_bytes() != damage  # written again from the fresh read


def test_ci_uses_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    path = lock(tmp_path, uv_lock(("openai", "1.60.0")))
    read(path)
    assert entries(tmp_path) == []


def test_old_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remembered, "KEEP", 3)
    for n in range(6):
        read(lock(tmp_path, uv_lock(("openai", f"1.{n}.0"))))
    assert len(entries(tmp_path)) == 3


def test_the_same_content_at_another_path_is_another_entry(tmp_path: Path) -> None:
    text = uv_lock(("openai", "1.60.0"))
    lock(tmp_path, text)
    (tmp_path / "sub").mkdir()
    other = tmp_path / "sub" / "uv.lock"
    other.write_text(text)
    read(tmp_path / "uv.lock", tmp_path)
    deps, _, _ = read(other, tmp_path)
    assert [d.file for d in deps] == ["sub/uv.lock"]  # not the first file's records
    assert len(entries(tmp_path)) == 2
