"""``bumpguard verify``: what the attestations of a release or a local file prove."""

from __future__ import annotations

import hashlib
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guard._files import read_text
from guard.engine.check import read_repository
from guard.engine.release import check_release
from guard.engine.review import parse_target
from guard.errors import UsageError
from guard.ledger import Ledger
from guard.policy.rules import Policy


def verify_release(
    root: Path, text: str, policy: Policy, index_url: str | None
) -> tuple[list[str], bool]:
    """Check NAME==VERSION on the index as ``approve`` would, recording nothing."""
    from guard.index import IndexClient, default_index_url

    target = parse_target(text)
    if target.version is None:
        raise UsageError("verify takes NAME==VERSION (or FILE --provenance FILE)")
    _repository, deps = read_repository(root, policy)
    hashes = {
        h for d in deps if d.name == target.name and d.version == target.version for h in d.hashes
    }
    client = IndexClient(default_index_url(index_url))
    release = check_release(
        client, policy, Ledger(root).get(target.name), target.name, target.version, hashes
    )
    lines = [f"{target.name} {target.version} on {release.host}:"]
    for artifact in release.artifacts:
        if artifact.identity is not None:
            status = f"verified: {artifact.identity.describe()}"
        elif artifact.error is not None:
            status = "REFUSED"
        else:
            status = "no attestation"
        lines.append(f"  {artifact.file.filename} sha256:{artifact.sha256[:16]}... {status}")
    if release.upload_time:
        lines.append(f"  uploaded {release.upload_time}")
    for problem in release.problems:
        lines.append(f"  refused: {problem.message}")
    lines.append("ok" if release.ok else "refused")
    return lines, release.ok


def verify_file(dist: Path, provenance_path: Path, policy: Policy) -> tuple[list[str], bool]:
    """Verify a local distribution against a provenance (or attestation) file, with the
    publisher the policy pins for its name (any valid signer when nothing is pinned)."""
    from guard.attest import provenance

    filename = dist.name
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        raise UsageError(f"{dist}: not a wheel or sdist file name") from None
    try:
        digest = hashlib.sha256(dist.read_bytes()).hexdigest()
    except OSError as exc:
        raise UsageError(f"{dist}: {exc.strerror}") from None
    evidence = read_text(provenance_path, str(provenance_path))
    settings = policy.settings(name, str(version))
    expected = settings.publisher if settings is not None else None
    identity = provenance.verify_provenance(evidence, filename, digest, expected)
    pinned = f"the pinned {expected.describe()}" if expected else "no pinned publisher"
    lines = [
        f"{filename} sha256:{digest}",
        f"  verified against {pinned}: {identity.describe()}",
    ]
    return lines, True
