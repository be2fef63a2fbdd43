"""``bumpguard verify``: what the attestations of a release or a local file prove.
Returns data; :mod:`guard.output.verify` renders it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guard._files import read_text
from guard.engine.check import read_repository
from guard.engine.release import Release, check_release
from guard.engine.review import parse_target
from guard.errors import UsageError
from guard.ledger import Ledger
from guard.policy.rules import Policy, Publisher

if TYPE_CHECKING:
    from guard.attest.provenance import Identity


class FileVerdict(NamedTuple):
    """A local distribution whose provenance verified, and who signed it."""

    filename: str
    sha256: str
    pinned: Publisher | None
    identity: Identity


def verify_release(root: Path, text: str, policy: Policy, index_url: str | None) -> Release:
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
    return release


def verify_file(dist: Path, provenance_path: Path, policy: Policy) -> FileVerdict:
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
    return FileVerdict(filename, digest, expected, identity)
