"""The commit gate's provenance facts: what the evidence a review recorded proves.

``check`` calls :func:`evaluate` for every approved protected version; the rules
themselves are :func:`guard.attest.rules.judge`, shared with the install gate. It works
offline from what the repository holds: the approval, the evidence files under
``.bumpguard/evidence/`` and the lock file's hashes and upload times. Evidence is
re-verified cryptographically (through a cache keyed by artifact and evidence digest), so
an edited evidence file, a swapped hash or evidence for another file is refused.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from packaging.version import InvalidVersion, Version

from guard._files import MAX_EVIDENCE_BYTES, read_bytes
from guard.attest import rules
from guard.attest.rules import Problem
from guard.findings import ATTESTATION_INVALID, ATTESTATION_MISSING, NOT_COMMITTED
from guard.ledger import Approval, PackageLedger, why_not_committed
from guard.model import Dependency
from guard.policy.rules import Settings


def is_file_of(filename: str, name: str, version: str) -> bool:
    """Whether ``filename`` is a wheel or sdist of ``name`` at ``version``."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            dist, dist_version, *_ = parse_wheel_filename(filename)
        else:
            dist, dist_version = parse_sdist_filename(filename)
        return dist == name and dist_version == Version(version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return False


def evaluate(
    dep: Dependency,
    approval: Approval,
    ledger: PackageLedger,
    settings: Settings,
    root: Path,
    committed: frozenset[str] | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every provenance rule the approved ``dep`` breaks, re-verifying its evidence.
    With ``committed`` (the ``.bumpguard/`` paths in git's index), an evidence file
    outside it counts as missing, as in a fresh clone."""
    assert dep.version is not None
    name, version = dep.name, dep.version
    renew = f'bumpguard approve {name}=={version} --reason "..."'
    problems: list[Problem] = []
    verified: dict[str, dict[str, str]] = {}
    if approval.evidence:
        verified = _verify_evidence(dep, approval, settings, root, committed, problems)
    held = sorted({h.split(":", 1)[1] for h in dep.hashes if h.startswith("sha256:")})
    if held:
        unattested = [f"sha256 {h[:12]}..." for h in held if h not in verified]
    else:
        unattested = [] if approval.evidence else ["its files"]
    facts = rules.Facts(
        name,
        version,
        uploaded=dep.uploaded or approval.upload_time,
        unattested=unattested,
        signers=list(verified.values()),
        pins=dep.attestation_identities,
        pins_from=dep.file,
        recorded=approval.identity_data(),
    )
    earlier = rules.earlier_attested(ledger, version)
    found = rules.judge(facts, settings, earlier, now or datetime.now(timezone.utc))
    for problem in found:
        if problem.rule == ATTESTATION_MISSING:
            problem = Problem(problem.rule, f"{name} {version}: {problem.message}", renew)
        problems.append(problem)
    return problems


def _verify_evidence(
    dep: Dependency,
    approval: Approval,
    settings: Settings,
    root: Path,
    committed: frozenset[str] | None,
    problems: list[Problem],
) -> dict[str, dict[str, str]]:
    """Re-verify each recorded evidence file: sha256 -> verified identity. What does not
    verify is added to ``problems``."""
    from guard.attest import provenance

    assert dep.version is not None
    name, version = dep.name, dep.version
    renew = f'bumpguard approve {name}=={version} --reason "..."'
    verified: dict[str, dict[str, str]] = {}
    for entry in approval.evidence:
        if not is_file_of(entry.filename, name, version):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"{entry.path}: evidence for {entry.filename}, which is not a file of "
                    f"{name} {version}",
                    renew,
                )
            )
            continue
        path = root / entry.path
        hidden = committed is not None and entry.data is None and entry.path not in committed
        if hidden and path.is_file():
            why, fix = why_not_committed(root, entry.path)
            problems.append(
                Problem(
                    NOT_COMMITTED,
                    f"{entry.path}: the evidence file is not in the commit ({why}), so a "
                    "fresh clone cannot verify it",
                    fix,
                )
            )
            continue
        if entry.data is None and not os.path.lexists(path):
            problems.append(
                Problem(ATTESTATION_INVALID, f"{entry.path}: evidence file is missing", renew)
            )
            continue
        # A link out of the repository, a FIFO or a file over the cap is hostile input
        # (exit 2), like such a ledger file: not a finding an approval could clear.
        data = (
            entry.data
            if entry.data is not None
            else read_bytes(path, entry.path, limit=MAX_EVIDENCE_BYTES, root=root)
        )
        try:
            identity = provenance.verify_provenance(
                data, entry.filename, entry.sha256, settings.publisher
            )
        except provenance.VerificationFailed as exc:
            problems.append(Problem(ATTESTATION_INVALID, f"{entry.path}: {exc.reason}", renew))
            continue
        verified[entry.sha256] = identity.to_data()
    return verified
