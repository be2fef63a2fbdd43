"""The text of ``bumpguard verify``."""

from __future__ import annotations

from guard.engine.release import Release
from guard.engine.verify import FileVerdict


def release(found: Release) -> str:
    """Each file of the release with what its attestation proved, then the verdict."""
    lines = [f"{found.name} {found.version} on {found.host}:"]
    for artifact in found.artifacts:
        if artifact.identity is not None:
            status = f"verified: {artifact.identity.describe()}"
        elif artifact.error is not None:
            status = "REFUSED"
        else:
            status = "no attestation"
        lines.append(f"  {artifact.file.filename} sha256:{artifact.sha256[:16]}... {status}")
    if found.upload_time:
        lines.append(f"  uploaded {found.upload_time}")
    for problem in found.problems:
        lines.append(f"  refused: {problem.message}")
    lines.append("ok" if found.ok else "refused")
    return "\n".join(lines)


def local_file(verdict: FileVerdict) -> str:
    """A local file that verified, and against which publisher."""
    pinned = f"the pinned {verdict.pinned.describe()}" if verdict.pinned else "no pinned publisher"
    return (
        f"{verdict.filename} sha256:{verdict.sha256}\n"
        f"  verified against {pinned}: {verdict.identity.describe()}"
    )
