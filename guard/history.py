"""What changed since a base revision, shown next to findings (never used for the verdict)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from guard import manifests
from guard.errors import GuardError, UsageError

if TYPE_CHECKING:
    from guard.check import Finding

NEW = "(none)"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)


def annotate(root: Path, findings: Sequence[Finding], base: str | None) -> str | None:
    """Set ``previous`` on each finding from the dependency files at ``base`` (default
    HEAD, when the repository has one). Returns the revision used, or ``None``."""
    if not (root / ".git").exists():
        if base:
            raise UsageError(f"--base {base}: {root} is not a git repository")
        return None
    ref = base or "HEAD"
    try:
        verified = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except OSError:
        return None
    if verified.returncode != 0:
        if base:
            raise UsageError(f"--base {base}: no such revision")
        return None  # a repository without commits yet
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", ref)
    names = [
        n
        for n in listing.stdout.decode("utf-8", "surrogateescape").split("\0")
        if n and manifests.file_format(n)
    ]
    wanted = {f.file for f in findings}
    if not names:
        for finding in findings:
            finding.previous = NEW
        return ref
    archive = _git(root, "archive", "--format=tar", ref, "--", *names)
    if archive.returncode != 0:
        return None
    with tempfile.TemporaryDirectory(prefix="bumpguard-base-") as tmp:
        tmp_root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name in names]
            for member in members:
                data = tar.extractfile(member)
                if data is None:
                    continue
                target = tmp_root / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.read())
        before: dict[tuple[str, str], list[str]] = {}
        for file in wanted:
            path = tmp_root / file
            if not path.is_file():
                continue
            try:
                deps = manifests.read_file(path, manifests.ReadContext(tmp_root))
            except GuardError:
                continue  # the old file was broken; show no history for it
            for dep in deps:
                shown = dep.version or dep.specifier or "*"
                if dep.source != "index":
                    shown = dep.location or shown
                before.setdefault((dep.file, dep.name), []).append(shown)
    for finding in findings:
        old = before.get((finding.file, finding.package))
        finding.previous = old[0] if old else NEW
    return ref
