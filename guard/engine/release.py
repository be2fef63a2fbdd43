"""Checking one release on the package index: files, yanks, cooldown, attestations.

Used by ``approve`` (which then records the result) and ``verify`` (which only prints it).
Nothing the index says is trusted beyond what can be checked: the lock file's hashes must be
among the files the index serves, and every attestation is verified against the identity
the policy pins (or, without a pin, compared with the identity of earlier approvals). The
``publisher`` the index claims in a provenance object is never read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from guard.attest import rules
from guard.attest.rules import Problem
from guard.findings import ATTESTATION_INVALID, DENIED, NOT_SERVED, YANKED
from guard.ledger import PackageLedger
from guard.policy.rules import Policy

ANOTHER = "choose another version"

if TYPE_CHECKING:
    from guard.attest.provenance import Identity
    from guard.index import IndexClient, IndexFile


@dataclass
class Artifact:
    """One file of the release and what its provenance showed."""

    file: IndexFile
    sha256: str
    provenance: dict[str, Any] | None = None
    identity: Identity | None = None
    error: str | None = None


@dataclass
class Release:
    """The outcome of checking ``name==version`` on the index."""

    name: str
    version: str
    host: str
    artifacts: list[Artifact] = field(default_factory=list)
    upload_time: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def identity(self) -> Identity | None:
        """The publisher identity every attested artifact shares (``None`` if none)."""
        found = [a.identity for a in self.artifacts if a.identity is not None]
        return found[0] if found else None

    @property
    def ok(self) -> bool:
        """Whether nothing was refused."""
        return not self.problems


def check_release(
    client: IndexClient,
    policy: Policy,
    ledger: PackageLedger,
    name: str,
    version: str,
    lock_hashes: Collection[str],
    now: datetime | None = None,
    pins: Sequence[tuple[tuple[str, str], ...]] = (),
) -> Release:
    """Look ``name==version`` up and apply deny, yank, cooldown and attestation rules.

    ``lock_hashes`` are the ``algo:hex`` hashes the repository's lock files hold for this
    version; when there are any, only those artifacts are checked (and each must exist on
    the index), otherwise every file of the release is. ``pins`` are pylock.toml
    ``attestation-identities``: attestations become required and must match one of them.
    """
    from guard.attest.provenance import VerificationFailed, verify_provenance

    now = now or datetime.now(timezone.utc)
    renew = f'bumpguard approve {name}=={version} --reason "..."'
    release = Release(name, version, client.host)
    problems = release.problems
    rule = policy.denial(name, version)
    if rule is not None:
        problems.append(
            Problem(DENIED, f"{name} {version} is denied by {rule.origin}: {rule.reason}", ANOTHER)
        )
        return release
    files = client.release_files(name, version)
    if not files:
        problems.append(
            Problem(NOT_SERVED, f"{client.host} has no files for {name} {version}", ANOTHER)
        )
        return release
    yanked = [f for f in files if f.yanked is not None]
    for file in yanked:
        reason = f": {file.yanked}" if file.yanked else ""
        problems.append(
            Problem(YANKED, f"{file.filename} is yanked on {client.host}{reason}", ANOTHER)
        )
    by_sha = {f.sha256: f for f in files if f.sha256}
    wanted = sorted({h.split(":", 1)[1].lower() for h in lock_hashes if h.startswith("sha256:")})
    if wanted:
        for digest in wanted:
            if digest not in by_sha:
                problems.append(
                    Problem(
                        NOT_SERVED,
                        f"a lock file holds sha256:{digest} for {name} {version}, which "
                        f"{client.host} does not serve: a re-upload, or another index",
                        "relock against the index the project installs from",
                    )
                )
        chosen = [(by_sha[d], d) for d in wanted if d in by_sha]
    else:
        chosen = []
        for file in files:
            if file.sha256 is None:
                problems.append(
                    Problem(
                        NOT_SERVED, f"{client.host} gives no sha256 for {file.filename}", ANOTHER
                    )
                )
            else:
                chosen.append((file, file.sha256))
    times = [f.upload_time for f, _ in chosen if f.upload_time is not None]
    if times:
        release.upload_time = max(times).isoformat().replace("+00:00", "Z")
    settings = policy.settings(name, version)
    if settings is None:
        release.artifacts = [Artifact(f, d) for f, d in chosen]
        return release
    for file, digest in chosen:
        artifact = Artifact(file, digest)
        release.artifacts.append(artifact)
        artifact.provenance = client.provenance(name, version, file)
        if artifact.provenance is None:
            continue
        try:
            artifact.identity = verify_provenance(
                artifact.provenance, file.filename, digest, settings.publisher
            )
        except VerificationFailed as exc:
            artifact.error = str(exc)
            problems.append(Problem(ATTESTATION_INVALID, str(exc), renew))
    approved = ledger.for_version(version)
    facts = rules.Facts(
        name,
        version,
        uploaded=release.upload_time,
        unattested=[a.file.filename for a in release.artifacts if a.provenance is None],
        signers=[a.identity.to_data() for a in release.artifacts if a.identity is not None],
        pins=pins,
        recorded=approved.identity_data() if approved is not None else None,
    )
    problems.extend(rules.judge(facts, settings, rules.earlier_attested(ledger, version), now))
    return release
