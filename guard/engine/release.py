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

from guard.attest import evidence
from guard.ledger import PackageLedger
from guard.policy.rules import Policy

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
    problems: list[str] = field(default_factory=list)

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
    release = Release(name, version, client.host)
    problems = release.problems
    rule = policy.denial(name, version)
    if rule is not None:
        problems.append(f"{name} {version} is denied by {rule.origin}: {rule.reason}")
        return release
    files = client.release_files(name, version)
    if not files:
        problems.append(f"{client.host} has no files for {name} {version}")
        return release
    yanked = [f for f in files if f.yanked is not None]
    for file in yanked:
        reason = f": {file.yanked}" if file.yanked else ""
        problems.append(f"{file.filename} is yanked on {client.host}{reason}")
    by_sha = {f.sha256: f for f in files if f.sha256}
    wanted = sorted({h.split(":", 1)[1].lower() for h in lock_hashes if h.startswith("sha256:")})
    if wanted:
        for digest in wanted:
            if digest not in by_sha:
                problems.append(
                    f"a lock file holds sha256:{digest} for {name} {version}, which "
                    f"{client.host} does not serve: a re-upload, or another index"
                )
        chosen = [(by_sha[d], d) for d in wanted if d in by_sha]
    else:
        chosen = []
        for file in files:
            if file.sha256 is None:
                problems.append(f"{client.host} gives no sha256 for {file.filename}")
            else:
                chosen.append((file, file.sha256))
    times = [f.upload_time for f, _ in chosen if f.upload_time is not None]
    if times:
        release.upload_time = max(times).isoformat().replace("+00:00", "Z")
    settings = policy.settings(name, version)
    if settings is None:
        release.artifacts = [Artifact(f, d) for f, d in chosen]
        return release
    late = evidence.cooldown(name, version, release.upload_time, settings, now)
    if late is not None:
        problems.append(late.message)
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
            problems.append(str(exc))
    earlier = evidence.earlier_approvals(ledger, version)
    need = evidence.attestations_needed(settings, earlier)
    if need is None and pins:
        need = "a pylock.toml lists attestation-identities for it"
    missing = [a.file.filename for a in release.artifacts if a.provenance is None]
    attested = [a for a in release.artifacts if a.identity is not None]
    if missing and need:
        problems.append(f"no attestation for {', '.join(missing)}, and {need}")
    elif missing and attested:
        problems.append(
            f"{', '.join(missing)} carry no attestation while other files of {name} {version} "
            "do: a file added by someone else?"
        )
    keys = {evidence.identity_key(a.identity.to_data()) for a in attested if a.identity}
    if len(keys) > 1:
        problems.append(f"the files of {name} {version} were signed by different publishers")
    identity = release.identity
    if identity is not None:
        changed = evidence.publisher_change(identity.to_data(), earlier)
        if changed is not None:
            other, previous = changed
            problems.append(
                f"{name} {version} was published by {identity.describe()}, but the approved "
                f"{other.version} by {evidence.describe_identity(previous)}"
            )
        if pins and not any(evidence.matches_pin(identity.to_data(), pin) for pin in pins):
            problems.append(
                f"a pylock.toml expects {name} from {evidence.describe_pins(pins)}, but it was "
                f"signed by {identity.describe()}"
            )
        if settings.require_tag and not identity.is_tag():
            problems.append(
                f"{name} {version} was built from {identity.ref or 'an unknown ref'}, not a tag, "
                "and the policy requires a tag"
            )
    return release
