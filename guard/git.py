"""Every git call bumpguard makes: git's index (what a commit will hold), trees and files
at a revision, ignore rules and configuration. Failures are answers (``None``, empty),
never exceptions: outside a work tree, or without git, the callers fall back."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
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


class GitIndex:
    """Git's index as ``git ls-files -z --stage`` prints it, kept as that one text: a
    monorepo's index has tens of thousands of entries, and a hook run asks it a handful of
    questions (which paths look like dependency files, is this file staged, which
    submodules), each answered by one compiled pattern or substring search."""

    _NAMES = re.compile(r"\t([^\0]*)\0")
    _GITLINKS = re.compile(r"(?:^|\0)" + GITLINK + r" ([0-9a-f]+) [0-3]\t([^\0]*)")

    def __init__(self, text: str) -> None:
        self._text = text if not text or text.endswith("\0") else text + "\0"
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        """Every path in the index, in git's order (the first of a conflict's stages)."""
        if self._names is None:
            self._names = list(dict.fromkeys(self._NAMES.findall(self._text)))
        return self._names

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and f"\t{path}\0" in self._text

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def entry(self, path: str) -> tuple[str, str] | None:
        """The mode and object id of ``path``, or ``None`` when the index lacks it."""
        at = self._text.find(f"\t{path}\0")
        if at < 0:
            return None
        start = self._text.rfind("\0", 0, at) + 1
        mode, oid, _stage = self._text[start:at].split(" ")
        return mode, oid

    def under(self, prefix: str) -> list[str]:
        """The paths that start with ``prefix``."""
        if f"\t{prefix}" not in self._text:
            return []
        return re.findall("\t(" + re.escape(prefix) + "[^\0]*)\0", self._text)

    def gitlinks(self) -> dict[str, str]:
        """The submodules: their repository-relative path and pinned commit."""
        if f"{GITLINK} " not in self._text:  # most repositories have none: one quick scan
            return {}
        return {path: oid for oid, path in self._GITLINKS.findall(self._text)}


def index_listing(root: Path) -> GitIndex | None:
    """Git's index (each path with its mode and object id; ``160000`` marks a submodule
    and its commit), or ``None`` outside a git work tree.

    In a commit hook git points ``GIT_INDEX_FILE`` at the index being committed, so this
    is exactly what the commit will hold."""
    if not (root / ".git").exists():
        return None
    proc = run(root, "ls-files", "-z", "--stage")
    if proc.returncode != 0:
        return None
    return GitIndex(proc.stdout.decode("utf-8", "surrogateescape"))


def gitlinks(listing: GitIndex | None) -> dict[str, str]:
    """The submodules in an index listing: their repository-relative path and pinned
    commit."""
    return listing.gitlinks() if listing is not None else {}


class Untracked:
    """The files in the work tree that git neither tracks nor ignores (``git add`` not run
    yet), listed by a git process started at once and read when :meth:`names` is called,
    so that the caller can work meanwhile."""

    def __init__(self, root: Path) -> None:
        self._proc: subprocess.Popen[bytes] | None
        try:
            self._proc = subprocess.Popen(
                ["git", "ls-files", "-z", "--others", "--exclude-standard"],
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._proc = None

    def names(self) -> list[str]:
        """The paths, relative to the repository root (none if git failed)."""
        if self._proc is None:
            return []
        output, _ = self._proc.communicate()
        return _split(output) if self._proc.returncode == 0 else []

    def close(self) -> None:
        """Stop git if its answer is no longer wanted (the reading failed)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()


def in_commit_hook() -> bool:
    """Whether this runs inside a commit (pre-commit sets ``PRE_COMMIT``, git sets
    ``GIT_INDEX_FILE`` for its hooks): then only what the commit holds counts."""
    import os

    return bool(os.environ.get("PRE_COMMIT") or os.environ.get("GIT_INDEX_FILE"))


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
    proc = run(root, "--literal-pathspecs", "ls-tree", "-z", f"{ref}^{{commit}}", "--", *paths)
    if proc.returncode != 0:
        return None
    ids: dict[str, str] = {}
    for entry in _split(proc.stdout):
        info, _, name = entry.partition("\t")
        if name:
            ids[name] = info.split()[2]
    return ids


def show(root: Path, ref: str, path: str) -> str | None:
    """The text of ``path`` at ``ref`` (UTF-8), or ``None`` when it is not there."""
    proc = run(root, "cat-file", "blob", f"{ref}:{path}")
    if proc.returncode != 0:
        return None
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


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
