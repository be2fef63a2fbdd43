"""The stateless check: dependency files + policy + ledger -> findings.

The verdict depends only on the files as they are, so a commit, a pre-push run and
``pre-commit run --all-files`` on pre-commit.ci give the same answer. A base revision is
used only to show what changed next to each finding.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from guard import manifests
from guard.ledger import ImportedReviews, Ledger
from guard.model import ARCHIVE_SUFFIXES, Dependency
from guard.policy import Policy

# Rule ids, stable for JSON output and documentation.
DENIED = "denied"
DENIED_RANGE = "denied-range"
NOT_ALLOWED = "not-allowed"
UNREVIEWED = "unreviewed"
UNPINNED = "unpinned"
HASH_MISMATCH = "hash-mismatch"
HASHES_UNREVIEWED = "hashes-unreviewed"
THRESHOLD = "review-threshold"
SOURCE = "unreviewed-source"

# Provenance rules (guard.evidence) use: cooldown, attestation-missing, attestation-invalid,
# publisher-changed, not-a-tag.

# Findings that an approval can clear (init records these as a baseline).
REVIEWABLE = frozenset({UNREVIEWED, HASH_MISMATCH, HASHES_UNREVIEWED, THRESHOLD, SOURCE})


@dataclass
class Finding:
    """One reason the check refuses, with where it is and how to fix it."""

    rule: str
    package: str
    version: str | None
    file: str
    line: int
    message: str
    fix: str
    approve: str | None = None
    previous: str | None = None
    dependency: Dependency | None = field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def subject(self) -> str:
        """``name old -> new`` when the base differs, else ``name version``."""
        current = self.version or (self.dependency.specifier if self.dependency else "") or "*"
        if self.dependency is not None and self.dependency.source != "index":
            current = self.dependency.location or current
        if self.previous is not None and self.previous != current:
            return f"{self.package} {self.previous} -> {current}"
        return f"{self.package} {current}"


@dataclass(frozen=True)
class Covered:
    """A dependency whose review came from an imported ledger, not the repository's own."""

    package: str
    version: str
    source: str  # the import's label
    reviewer: str
    file: str
    line: int


@dataclass
class Report:
    """What one check looked at and found."""

    files: list[str]
    dependencies: list[Dependency]
    findings: list[Finding]
    policy_sources: list[str]
    base: str | None = None
    covered: list[Covered] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Whether anything was refused."""
        return bool(self.findings)


def approve_command(spec: str) -> str:
    """The exact command that records a review of ``spec``."""
    return f'bumpguard approve {shlex.quote(spec)} --reason "..."'


def evaluate(
    deps: Sequence[Dependency],
    policy: Policy,
    ledger: Ledger,
    root: Path,
    pins: Sequence[Dependency] = (),
) -> list[Finding]:
    """Apply the policy and the ledger to every dependency record; ``pins`` are extra
    records (from lock files not being checked) that count as pinning a range."""
    findings: list[Finding] = []
    pinned: dict[str, set[str]] = defaultdict(set)
    for dep in (*deps, *pins):
        if dep.version is not None:
            pinned[dep.name].add(dep.version)
    for dep in deps:
        findings.extend(_check_one(dep, policy, ledger, root, pinned))
    return findings


def _check_one(
    dep: Dependency, policy: Policy, ledger: Ledger, root: Path, pinned: dict[str, set[str]]
) -> list[Finding]:
    name, version = dep.name, dep.version
    out: list[Finding] = []

    def add(rule: str, message: str, fix: str, approve: str | None = None) -> None:
        out.append(
            Finding(rule, name, version, dep.file, dep.line, message, fix, approve, dependency=dep)
        )

    if not policy.allowed(name):
        add(
            NOT_ALLOWED,
            f"{name} is not on the allow-list ({', '.join(policy.sources)})",
            f"remove {name}, or add it to allow_list in the policy after review",
        )
    rule = policy.denial(name, version)
    if rule is not None:
        advisories = f" [{', '.join(rule.advisories)}]" if rule.advisories else ""
        reason = f": {rule.reason}" if rule.reason else ""
        add(
            DENIED,
            f"{name} {version or dep.specifier} is denied by {rule.origin} "
            f"({rule.describe()}){reason}{advisories}",
            "choose another version; no approval can override a deny",
        )
        return out
    if version is None and dep.specifier and dep.source == "index":
        for rule in policy.deny:
            if rule.package != name:
                continue
            admitted = rule.admitted_by(dep.specifier)
            safe = {v for v in pinned.get(name, ()) if policy.denial(name, v) is None}
            if admitted and not safe:
                exclusions = ",".join(f"!={v}" for v in admitted)
                add(
                    DENIED_RANGE,
                    f"{name}{dep.specifier} admits denied {', '.join(admitted)} ({rule.origin})",
                    f"exclude them ({name}{dep.specifier},{exclusions}) or pin a safe version",
                )
                return out

    protection = policy.protection(name)
    if dep.source != "index" and not _inside(dep, root):
        location = dep.location or ""
        pkg = ledger.get(name)
        approval = pkg.for_source(location)
        if approval is None:
            spec = f"{name} @ {location}"
            add(
                SOURCE,
                f"{name} comes from a {dep.source} source ({location}), not the package "
                "index, and that source has no recorded review",
                approve_command(spec),
                spec,
            )
        elif protection is not None:
            _hash_findings(dep, approval.hashes, f"{name} @ {location}", add)
        return out

    if protection is not None:
        if dep.source != "index":
            return out  # a path inside the repository: reviewed with the repository itself
        if version is None:
            if not pinned.get(name):
                add(
                    UNPINNED,
                    f"{name} is protected ({protection.origin}) but "
                    f"{dep.specifier or 'any version'} is not pinned, and no lock file in the "
                    "repository pins it",
                    "pin it (==VERSION) or lock it (uv lock, poetry lock, "
                    "pip-compile), then approve the pinned version",
                )
            return out
        pkg = ledger.get(name)
        approval = pkg.for_version(version)
        spec = f"{name}=={version}"
        if approval is None:
            add(
                UNREVIEWED,
                f"{name} is protected ({protection.origin}) and {version} has no recorded review",
                approve_command(spec),
                spec,
            )
            return out
        _hash_findings(dep, approval.hashes, spec, add)
        settings = policy.settings(name, version)
        if settings is not None and (
            approval.evidence
            or settings.attestations_required
            or settings.min_release_age
            or dep.attestation_identities
            or any(a.identity is not None for a in pkg.approvals)
        ):
            from guard import evidence

            for problem in evidence.evaluate(dep, approval, pkg, settings, root):
                add(problem.rule, problem.message, problem.fix, spec)
        return out

    threshold = policy.review_threshold
    if threshold != "none" and version is not None and dep.source == "index":
        pkg = ledger.get(name)
        if pkg.covering(version, threshold) is None:
            spec = f"{name}=={version}"
            scope = {
                "any": "every version",
                "minor": "every new minor version",
                "major": "every new major version",
            }[threshold]
            add(
                THRESHOLD,
                f"review_threshold is {threshold!r}: {scope} needs a review, and no "
                f"approval covers {name} {version}",
                approve_command(spec),
                spec,
            )
    return out


def _hash_findings(dep: Dependency, approved: tuple[str, ...], spec: str, add: _Add) -> None:
    if not dep.hashes:
        return
    if not approved:
        add(
            HASHES_UNREVIEWED,
            f"the approval of {spec} records no artifact hashes, but "
            f"{dep.file} holds {len(dep.hashes)}",
            approve_command(spec),
            spec,
        )
        return
    unknown = sorted({h.lower() for h in dep.hashes} - set(approved))
    if unknown:
        shown = ", ".join(h[:19] + "..." for h in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        add(
            HASH_MISMATCH,
            f"{dep.file} holds artifact hashes the approval of {spec} does not "
            f"record ({shown}{more}): a re-upload or a new artifact; review it again",
            approve_command(spec),
            spec,
        )


class _Add(Protocol):
    def __call__(self, rule: str, message: str, fix: str, approve: str | None = None) -> None: ...


def _inside(dep: Dependency, root: Path) -> bool:
    """Whether a path dependency is a directory of the repository's own code (a wheel or
    sdist file committed to the repository is not: nobody reviews its bytes in a diff)."""
    if dep.source != "path" or dep.location is None:
        return False
    if dep.location.split("#", 1)[0].lower().endswith(ARCHIVE_SUFFIXES):
        return False
    location = dep.location
    if location.startswith("file://"):
        location = location[len("file://") :]
    base = (root / dep.file).parent
    target = Path(location) if Path(location).is_absolute() else base / location
    try:
        target.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def run(
    root: Path, files: Sequence[Path] | None, policy: Policy, base: str | None = None
) -> Report:
    """Read the dependency files (all supported ones when ``files`` is empty) and check."""
    ctx = manifests.ReadContext(root)
    paths = list(files) if files else manifests.discover(root)
    deps = manifests.read_all(paths, ctx)
    pins: list[Dependency] = []
    if files:
        # Pins for ranges may live in lock files the caller did not name.
        extra = manifests.ReadContext(root, seen=set(ctx.seen))
        lock_paths = [
            p
            for p in manifests.discover(root)
            if manifests.file_format(extra.display(p)) in manifests.LOCK_FORMATS
        ]
        pins = [d for d in manifests.read_all(lock_paths, extra) if d.version is not None]
    ledger = Ledger(root, load_imports(root, policy))
    findings = evaluate(deps, policy, ledger, root, pins)
    report = Report(sorted(ctx.display(p) for p in ctx.seen), deps, findings, policy.sources)
    if ledger.imports:
        report.covered = _covered(deps, policy, ledger, findings)
    if findings:
        from guard import history

        report.base = history.annotate(root, findings, base)
    return report


LOCK_FILE = ".bumpguard/policy.lock"


def load_imports(root: Path, policy: Policy) -> list[ImportedReviews]:
    """The review ledgers the policy imports, from the copies ``policy fetch`` pinned in
    the lock (never the network). A stored copy whose digest changed is an error."""
    if not policy.imports:
        return []
    import hashlib

    from guard._files import read_text
    from guard.errors import LedgerError
    from guard.ledger import parse_export
    from guard.remote import locked_reviews

    out = []
    for entry in locked_reviews(root, policy):
        display = f"{entry.path.relative_to(root).as_posix()} ({entry.name}, {entry.url})"
        text = read_text(entry.path, display)
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry.sha256:
            raise LedgerError(
                display,
                None,
                f"does not match the sha256 in {LOCK_FILE}; run bumpguard policy fetch",
            )
        out.append(parse_export(text, display, entry.name, entry.url))
    return out


def _covered(
    deps: Sequence[Dependency], policy: Policy, ledger: Ledger, findings: Sequence[Finding]
) -> list[Covered]:
    refused = {(f.package, f.version) for f in findings}
    out: dict[tuple[str, str], Covered] = {}
    for dep in deps:
        if dep.version is None or (dep.name, dep.version) in refused:
            continue
        needs = policy.protection(dep.name) is not None or policy.review_threshold != "none"
        if not needs:
            continue
        approval = ledger.get(dep.name).for_version(dep.version)
        if approval is not None and approval.origin is not None:
            out.setdefault(
                (dep.name, dep.version),
                Covered(
                    dep.name, dep.version, approval.origin, approval.reviewer, dep.file, dep.line
                ),
            )
    return list(out.values())
