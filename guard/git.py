"""Every git call bumpguard makes: git's index (what a commit will hold), trees and files
at a revision, ignore rules and configuration. Failures are answers (``None``, empty),
never exceptions: outside a work tree, or without git, the callers fall back."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from guard._files import real

GITLINK = "160000"  # the mode of a submodule entry


def run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``root``; a missing git is a failed run (exit code 127)."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError as exc:
        return subprocess.CompletedProcess(["git", *args], 127, b"", str(exc).encode())


def _split(output: bytes) -> list[str]:
    return [n for n in output.decode("utf-8", "surrogateescape").split("\0") if n]


def find_root(start: Path) -> Path:
    """The repository root: the nearest folder holding ``.git``, else ``start`` itself."""
    start = real(start)
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def index_listing(root: Path) -> dict[str, tuple[str, str]] | None:
    """Git's index: each path with its mode and object id (``160000`` marks a submodule
    and its commit), or ``None`` outside a git work tree.

    In a commit hook git points ``GIT_INDEX_FILE`` at the index being committed, so this
    is exactly what the commit will hold."""
    if not (root / ".git").exists():
        return None
    proc = run(root, "ls-files", "-z", "--stage")
    if proc.returncode != 0:
        return None
    listing: dict[str, tuple[str, str]] = {}
    for entry in _split(proc.stdout):
        info, _, path = entry.partition("\t")
        parts = info.split()
        if path and len(parts) == 3:
            listing.setdefault(path, (parts[0], parts[1]))
    return listing


def gitlinks(listing: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """The submodules in an index listing: their repository-relative path and pinned
    commit."""
    return {path: oid for path, (mode, oid) in listing.items() if mode == GITLINK}


def is_commit(root: Path, ref: str) -> bool:
    """Whether ``ref`` names a commit (false in a repository without commits yet)."""
    return run(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def tree_names(root: Path, ref: str) -> list[str]:
    """Every file path in the tree of ``ref`` (empty when ``ref`` is no revision)."""
    proc = run(root, "ls-tree", "-r", "-z", "--name-only", ref)
    return _split(proc.stdout) if proc.returncode == 0 else []


def tree_ids(root: Path, ref: str, paths: Sequence[str]) -> dict[str, str] | None:
    """The object id of each of ``paths`` present at ``ref``; ``None`` when ``ref`` is
    no commit."""
    proc = run(root, "ls-tree", "-z", f"{ref}^{{commit}}", "--", *paths)
    if proc.returncode != 0:
        return None
    ids: dict[str, str] = {}
    for entry in _split(proc.stdout):
        info, _, name = entry.partition("\t")
        if name:
            ids[name] = info.split()[2]
    return ids


def hash_objects(root: Path, paths: Sequence[str]) -> list[str]:
    """The blob id git would give each file of the working tree."""
    return run(root, "hash-object", "--", *paths).stdout.decode().split()


def export(root: Path, ref: str, paths: Sequence[str], dest: Path) -> bool:
    """Write the files ``paths`` as they are at ``ref`` below ``dest``; false on failure.
    Only regular files are written (no links), at the paths git recorded."""
    if not paths:
        return True
    import io
    import tarfile

    archive = run(root, "archive", "--format=tar", ref, "--", *paths)
    if archive.returncode != 0:
        return False
    wanted = set(paths)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member) if member.isfile() and member.name in wanted else None
            if data is None:
                continue
            target = dest / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())
    return True


def ignored_by(root: Path, relative: str) -> tuple[str, str, str] | None:
    """The ignore rule that hides ``relative`` from git as (file, line, pattern), or
    ``None`` when git does not ignore it (a negation that decided counts as not ignored)."""
    proc = run(root, "check-ignore", "-v", "--", relative)
    if proc.returncode != 0:
        return None
    decided = proc.stdout.decode("utf-8", "replace").split("\t", 1)[0]
    source, line, pattern = [*decided.split(":", 2), "", ""][:3]
    if not pattern or pattern.startswith("!"):
        return None
    return source, line, pattern


def config(root: Path, key: str) -> str | None:
    """A git configuration value, or ``None`` when it is unset or git is missing."""
    proc = run(root, "config", "--get", key)
    if proc.returncode == 127:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()
