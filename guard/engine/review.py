"""Recording reviews: ``approve`` and ``init`` (adopting the guard with a baseline)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard import findings, git
from guard._files import write_atomic
from guard.attest import review_signatures, rules
from guard.engine import check, diff
from guard.engine.release import Release, check_release
from guard.errors import GuardError, Refused, UsageError
from guard.findings import Finding
from guard.ledger import (
    EVIDENCE_DIR,
    Approval,
    Evidence,
    Ledger,
    PackageLedger,
    ReviewSignature,
)
from guard.manifests.requirements import archive_version, url_source
from guard.model import MAX_NAME, MAX_VERSION, Dependency
from guard.policy.rules import Policy
from guard.sources import url_hashes, vcs_kind, vcs_revision

if TYPE_CHECKING:
    from guard.index import IndexClient

POLICY_FILE = ".bumpguard.yaml"

STARTER_POLICY = """\
# bumpguard policy (see "Policy reference" in bumpguard's README).
version: 1
extends:
  - builtin:llm-gateways   # LLM gateways and SDKs: every version needs a review
# protect:                 # more packages whose every version needs a review
#   - my-company-sdk
#   - "internal-*"
# deny:                    # versions nobody may use; no approval overrides a deny
#   - package: example
#     versions: ["==1.2.3"]
#     reason: why
#     advisories: [GHSA-xxxx-xxxx-xxxx]
# review_threshold: none   # none | major | minor | any, for packages not protected
"""

PRE_COMMIT_SNIPPET = """\
repos:
  - repo: https://github.com/bumpguard/bumpguard
    rev: v{version}
    hooks:
      - id: bumpguard
"""


@dataclass(frozen=True)
class Target:
    """What one ``approve`` argument names: a version from the index, or a direct source."""

    name: str
    version: str | None
    source: str | None

    @property
    def spec(self) -> str:
        """Back to ``name==version`` or ``name @ url``."""
        return f"{self.name} @ {self.source}" if self.source else f"{self.name}=={self.version}"


def parse_target(text: str) -> Target:
    """``NAME==VERSION`` or ``NAME @ URL``; anything looser is a usage error."""
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise UsageError(f"{text!r} is not NAME==VERSION or NAME @ URL: {exc}") from None
    name = canonicalize_name(req.name)
    if len(name) > MAX_NAME:
        raise UsageError(f"{text[:40]!r}...: a package name longer than {MAX_NAME} characters")
    if req.url:
        return Target(name, None, req.url)
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        if len(specs[0].version) > MAX_VERSION:
            raise UsageError(f"{name}: a version longer than {MAX_VERSION} characters")
        return Target(name, specs[0].version, None)
    raise UsageError(
        f"{text!r}: approve one exact version (NAME==VERSION) or source (NAME @ URL), not a range"
    )


def git_identity(root: Path) -> str | None:
    """``Name <email>`` from git config, or ``None`` when git has neither."""
    name, email = git.config(root, "user.name"), git.config(root, "user.email")
    if name is None or email is None:
        return None
    if name and email:
        return f"{name} <{email}>"
    return name or email or None


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hashes_for(target: Target, deps: Sequence[Dependency]) -> tuple[tuple[str, ...], list[str]]:
    hashes: set[str] = set()
    files: list[str] = []
    for dep in deps:
        if dep.name != target.name:
            continue
        if target.source is not None:
            hashes |= url_hashes(target.source)
            hit = dep.location == target.source
        else:
            hit = dep.version == target.version and dep.source == "index"
        if hit:
            hashes |= {h.lower() for h in dep.hashes}
            if dep.file not in files:
                files.append(dep.file)
    return tuple(sorted(hashes)), files


class Approved(NamedTuple):
    """One review ``approve`` recorded: the target, what was checked, who, and where."""

    spec: str
    checked: str
    reviewer: str
    path: str


@dataclass
class Adoption:
    """What ``init`` did and what is left: whether it wrote the starter policy (and
    whether as a library's), the baseline it recorded (``name version`` each), and the
    findings no baseline clears (those that need an online review among them)."""

    wrote_policy: bool
    library: bool
    baseline: list[str]
    remaining: list[Finding]
    needs_online: list[Finding]
    # Baselines recorded online (their attestations verified), and why others were refused.
    verified: list[Approved] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 while findings remain, else 0."""
        return 1 if self.remaining else 0


def approve(
    root: Path,
    texts: Sequence[str],
    reason: str,
    reviewer: str | None,
    policy: Policy,
    extra_hashes: Sequence[str] = (),
    *,
    offline: bool = False,
    index_url: str | None = None,
    accept: Sequence[str] = (),
    show: Callable[[diff.Summary], None] | None = None,
    sign: bool = False,
    key: str | None = None,
    interactive: bool = False,
    kind: str = "review",
) -> list[Approved]:
    """Record a review of each target, or of none if the policy refuses any of them.

    Online (the default) each version is looked up on the package index and its
    attestations are verified and stored as evidence; ``offline`` records from the
    repository's files alone and refuses what would need the index. When an earlier
    version is approved, the release is compared with the nearest one (``show`` gets the
    summary); a start-up hook or high-severity signal it adds must be named in ``accept``.
    With ``sign`` each approval is signed with the reviewer's SSH key (``key``, else git's
    ``user.signingkey``); a version already approved is co-signed instead, its record
    unchanged. Returns what it recorded.
    """
    if not reason.strip():
        raise UsageError("--reason is required: say why this version is acceptable")
    for option, value in (("--reason", reason), ("--reviewer", reviewer or "")):
        if not value.isprintable() and any("\ud800" <= c <= "\udfff" for c in value):
            raise UsageError(f"{option} is not valid text (bytes that are not UTF-8?)")
    targets = [parse_target(t) for t in texts]
    for target in targets:
        rule = policy.denial(target.name, target.version)
        if rule is not None:
            raise Refused(
                f"{target.spec} is denied by {rule.origin} ({rule.reason or 'no reason'}"
                f"); no approval can override a deny"
            )
        source = target.source or ""
        if vcs_kind(source) is not None and vcs_revision(source) is None:
            raise Refused(
                f"{target.spec} names a branch, a tag or nothing, which moves whenever "
                "upstream pushes; approve a full commit (NAME @ git+URL@<commit>) instead"
            )
        named = archive_version(source) if source else None
        rule = policy.denial(target.name, named) if named else None
        if rule is not None:
            raise Refused(
                f"{target.spec} is {target.name} {named}, which {rule.origin} denies "
                f"({rule.reason or 'no reason'}); no approval can override a deny"
            )
    for value in extra_hashes:
        if ":" not in value:
            raise UsageError(f"--hash {value!r}: expected ALGORITHM:HEX, e.g. sha256:...")
    who = reviewer or git_identity(root)
    if not who:
        raise UsageError(
            "who is approving? set git config user.name and user.email, or pass --reviewer"
        )
    _repository, deps = check.read_repository(root, policy)
    ledger = Ledger(root)
    when = _now()
    note = " ".join(reason.split())
    client: IndexClient | None = None
    prepared: list[tuple[Target, Approval, dict[str, bytes], str]] = []
    summaries: list[diff.Summary] = []
    cosigned: list[tuple[Target, Approval, ReviewSignature]] = []
    for target in targets:
        package = ledger.get(target.name)
        existing = (
            package.for_source(target.source)
            if target.source is not None
            else package.for_version(target.version or "")
        )
        if sign and existing is not None and existing.origin is None:
            signature = review_signatures.sign(
                root, target.name, existing, key, interactive=interactive
            )
            cosigned.append((target, existing, signature))
            continue
        hashes, files = _hashes_for(target, deps)
        hashes = tuple(sorted({*hashes, *(h.lower() for h in extra_hashes)}))
        if target.source is not None and url_source(target.source) == "url" and not hashes:
            raise Refused(
                f"{target.spec}: no hash pins what that URL serves, so a review would cover "
                "whatever it sends next; pin it (URL#sha256=<hex>, --hash in the file, or "
                "approve --hash sha256:<hex>)"
            )
        found = f"{len(hashes)} hash(es) from {', '.join(files)}" if files else "no lock entry"
        if offline or target.version is None:
            uploaded = _offline_checks(target, deps, policy, ledger)
            approval = Approval(
                target.version,
                who,
                when,
                note,
                hashes,
                target.source,
                kind=kind,
                upload_time=uploaded,
            )
            if not files:
                found = "not in the repository's dependency files yet; no hashes recorded"
            prepared.append((target, approval, {}, found))
            continue
        if client is None:
            from guard.index import IndexClient, default_index_url

            client = IndexClient(default_index_url(index_url))
        pins = tuple(
            pin
            for d in deps
            if d.name == target.name and d.version == target.version
            for pin in d.attestation_identities
        )
        release = check_release(
            client,
            policy,
            ledger.get(target.name),
            target.name,
            target.version,
            hashes,
            pins=pins,
        )
        if not release.ok:
            details = "\n  - ".join(p.message for p in release.problems)
            raise Refused(f"{target.spec} refused (nothing recorded):\n  - {details}")
        blobs: dict[str, bytes] = {}
        entries: list[Evidence] = []
        for artifact in release.artifacts:
            if artifact.provenance is None:
                continue
            rel = f"{EVIDENCE_DIR}/{target.name}/{artifact.file.filename}.provenance.json"
            blobs[rel] = (json.dumps(artifact.provenance, indent=2, sort_keys=True) + "\n").encode()
            entries.append(Evidence(artifact.file.filename, artifact.sha256, rel))
        hashes = tuple(sorted({*hashes, *(f"sha256:{a.sha256}" for a in release.artifacts)}))
        identity = release.identity
        compared = _compare(client, target, deps, ledger, show)
        reviewed: dict[str, Any] = {}
        if isinstance(compared, diff.Summary):
            covered, missing = compared.accepted(accept)
            if missing:
                listed = "".join(f"\n  --accept {p}" for p in missing)
                raise Refused(
                    f"{target.spec} refused (nothing recorded): against the approved "
                    f"{compared.old.version} it adds start-up hooks or high-severity risk "
                    f"signals; read the diff above, and if you accept them, name each:{listed}"
                )
            summaries.append(compared)
            reviewed = {
                "reviewed_from": compared.old.version,
                "diff_digest": f"sha256:{compared.digest}",
                "accepted": tuple(covered),
            }
        inspection: dict[str, Any] | None = None
        notes: list[str] = []
        if policy.protection(target.name) is not None:
            inspection, notes = _inspect_release(client, release)
        approval = Approval(
            target.version,
            who,
            when,
            note,
            hashes,
            None,
            kind=kind,
            method="index",
            upload_time=release.upload_time,
            identity=tuple(sorted(identity.to_data().items())) if identity else None,
            evidence=tuple(entries),
            inspection=inspection,
            **reviewed,
        )
        checked = f"{len(release.artifacts)} artifact(s) on {release.host}"
        if identity is not None:
            checked += f", attested: {identity.describe()}"
        else:
            checked += ", no attestations"
        if approval.reviewed_from is not None:
            checked += f", reviewed as a diff from {approval.reviewed_from}"
        elif isinstance(compared, str):
            checked += f"; {compared}"
        if notes:
            checked += "; start-up hooks or foreign names, reviewed by you: " + "; ".join(notes)
        prepared.append((target, approval, blobs, checked))
    for value in accept:
        if not any(s.names(value) for s in summaries):
            raise UsageError(
                f"--accept {value}: names no start-up hook or flagged file in the diff of "
                "what is being approved (nothing recorded)"
            )
    if sign:  # every signature is made before anything is written
        prepared = [
            (
                target,
                replace(
                    approval,
                    signatures=(
                        review_signatures.sign(
                            root, target.name, approval, key, interactive=interactive
                        ),
                    ),
                ),
                blobs,
                found + ", signed",
            )
            for target, approval, blobs, found in prepared
        ]
    recorded = []
    for target, approval, blobs, found in prepared:
        for rel, data in blobs.items():
            write_atomic(root / rel, data)
        path = ledger.record(target.name, [approval])
        recorded.append(Approved(target.spec, found, who, path.relative_to(root).as_posix()))
    for target, existing, signature in cosigned:
        path = ledger.cosign(target.name, existing, signature)
        checked = (
            f"co-signed the review by {existing.reviewer} of {existing.approved_at}, "
            f"unchanged, with {signature.key}"
        )
        recorded.append(Approved(target.spec, checked, who, path.relative_to(root).as_posix()))
    return recorded


def _compare(
    client: IndexClient,
    target: Target,
    deps: Sequence[Dependency],
    ledger: Ledger,
    show: Callable[[diff.Summary], None] | None,
) -> diff.Summary | str | None:
    """The diff against the nearest earlier approved version (None when there is none, a
    note when that version has no files on the index any more)."""
    assert target.version is not None
    package = ledger.get(target.name)
    earlier = _nearest_earlier(package, target.version)
    if earlier is None:
        return None
    recorded, where = diff.held(deps, package)
    try:
        summary = diff.diff(
            target.name,
            earlier,
            target.version,
            client=lambda: client,
            recorded=recorded,
            where=where,
        )
    except diff.NoRelease as exc:
        return f"no diff against the approved {earlier}: {exc}"
    if show is not None:
        show(summary)
    return summary


def _nearest_earlier(package: PackageLedger, version: str) -> str | None:
    """The highest approved index version below ``version``."""
    try:
        wanted = Version(version)
    except InvalidVersion:
        return None
    best: tuple[Version, str] | None = None
    for approval in package.approvals:
        if approval.source is not None or approval.version is None:
            continue
        try:
            candidate = Version(approval.version)
        except InvalidVersion:
            continue
        if candidate < wanted and (best is None or candidate > best[0]):
            best = (candidate, approval.version)
    return best[1] if best else None


def _inspect_release(client: IndexClient, release: Release) -> tuple[dict[str, Any], list[str]]:
    """Download and inspect each artifact of a protected release (never running it): a
    hostile archive is refused; start-up hooks and foreign top-level names are recorded in
    the approval, so the install guard can tell a reviewed hook from a new one."""
    from guard.artifacts.inspect_artifact import inspect

    top: set[str] = set()
    hooks: set[str] = set()
    notes: list[str] = []
    for artifact in release.artifacts:
        report = inspect(client.download(artifact.file), artifact.file.filename)
        top.update(report.top_level)
        hooks.update(report.startup_hooks)
        for finding in report.findings:
            if finding.kind in ("hostile-archive", "known-malware"):
                raise Refused(
                    f"{release.name}=={release.version} refused (nothing recorded): "
                    f"{artifact.file.filename}: {finding.detail}"
                )
            if finding.severity == "deny" or finding.kind in (
                "customize",
                "foreign-top-level",
                "shadowing-script",
                "known-startup-hook",  # accepted at install, but the reviewer sees it too
            ):
                notes.append(f"{artifact.file.filename}: {finding.path}: {finding.detail}")
    return {"top_level": sorted(top), "startup_hooks": sorted(hooks)}, notes


def _offline_checks(
    target: Target, deps: Sequence[Dependency], policy: Policy, ledger: Ledger
) -> str | None:
    """What an offline approval can still enforce for a protected version: attestations
    it cannot verify are refused, and the cooldown applies from the lock's upload time.
    Returns that upload time."""
    if target.version is None:
        return None
    uploads = [
        d.uploaded
        for d in deps
        if d.name == target.name and d.version == target.version and d.uploaded
    ]
    uploaded = max(uploads) if uploads else None
    settings = policy.settings(target.name, target.version)
    if settings is None:
        return uploaded
    earlier = rules.earlier_attested(ledger.get(target.name), target.version)
    need = rules.attestations_needed(settings, earlier)
    if need:
        raise Refused(
            f"{target.spec}: {need}, and an offline approval cannot fetch and verify them; "
            "run approve without --offline"
        )
    late = rules.cooldown(
        target.name, target.version, uploaded, settings, datetime.now(timezone.utc)
    )
    if late is not None:
        raise Refused(f"{target.spec}: {late.message}")
    return uploaded


def init(
    root: Path,
    policy_loader: Callable[[], Policy],
    reviewer: str | None,
    force: bool,
    *,
    offline: bool = False,
    index_url: str | None = None,
) -> Adoption:
    """Write a starter policy, record the current versions as a baseline, and say what is
    left. Everything is read and checked before anything is written, so an unreadable
    file leaves the repository as it was. A version whose attestations must be verified
    is baselined online first, exactly as ``approve`` records it (evidence stored), unless
    ``offline``; an index that does not answer stops init before it writes anything."""
    from guard.policy.loader import DEFAULT_POLICY, load_policy

    policy_path = root / POLICY_FILE
    write_policy = force or not policy_path.exists()
    starter = STARTER_POLICY
    library = False
    if write_policy:
        # The starter policy is builtin:llm-gateways, plus `ranges: allow` for a library.
        policy = load_policy(DEFAULT_POLICY, root, root=root)
        repository, _ = check.read_repository(root, policy)
        library = _is_library(repository)
        if library:
            policy.ranges = "allow"
            starter += LIBRARY_RANGES
    else:
        policy = policy_loader()
    # Reviews recorded but not committed yet count: init must not record over them.
    report = check.run(root, None, policy, committed_only=False)
    ledger = Ledger(root)
    needs_online = [f for f in report.findings if _needs_attestations(f, policy, ledger)]
    baseline = [
        f
        for f in report.findings
        if f.rule in (findings.UNREVIEWED, findings.THRESHOLD, findings.SOURCE)
        and f not in needs_online
    ]
    who = reviewer or git_identity(root) or "bumpguard init"
    verified: list[Approved] = []
    refused: dict[str, str] = {}
    if needs_online and not offline:
        for finding in needs_online:
            assert finding.approve is not None
            try:
                verified += approve(
                    root,
                    [finding.approve],
                    "baseline recorded by bumpguard init (attestations verified online)",
                    who,
                    policy,
                    index_url=index_url,
                    kind="baseline",
                )
            except Refused as exc:
                refused[finding.approve] = str(exc)
            except GuardError as exc:  # the index is down: stop, saying what was written
                done = ", ".join(v.path for v in verified) if verified else "nothing"
                stopped = GuardError(f"init stopped: {exc}; it had written {done}")
                stopped.exit_code = exc.exit_code
                raise stopped from None
    online = {v.spec for v in verified}
    by_name: dict[str, dict[tuple[str | None, str | None], Approval]] = defaultdict(dict)
    if baseline:
        when = _now()
        for finding in baseline:
            assert finding.approve is not None
            target = parse_target(finding.approve)
            hashes, _ = _hashes_for(target, report.dependencies)
            by_name[target.name][(target.version, target.source)] = Approval(
                target.version,
                who,
                when,
                "baseline recorded by bumpguard init",
                hashes,
                target.source,
                kind="baseline",
            )
    written: list[str] = []
    recorded: list[str] = []
    try:
        if write_policy:
            write_atomic(policy_path, starter)
            written.append(POLICY_FILE)
        for name, approvals in sorted(by_name.items()):
            path = ledger.record(name, list(approvals.values()))
            written.append(path.relative_to(root).as_posix())
            for approval in approvals.values():
                recorded.append(f"{name} {approval.source or approval.version}")
    except (OSError, GuardError) as exc:
        done = ", ".join(written) if written else "nothing"
        raise GuardError(f"init stopped: {exc}; it had written {done}") from None
    remaining = [f for f in report.findings if f not in baseline and f.approve not in online]
    return Adoption(
        wrote_policy=write_policy,
        library=library,
        baseline=recorded,
        remaining=remaining,
        needs_online=[f for f in remaining if f in needs_online],
        verified=verified,
        refused=refused,
    )


LIBRARY_RANGES = """\
# A library: declared ranges are allowed (still checked against deny rules); pins, lock
# files and `bumpguard pip install` guard what gets installed. Applications: ranges: pin.
ranges: allow
"""


def _is_library(repository: check.Repository) -> bool:
    """No lock file and nothing pinned: a library that declares ranges, as it should."""
    deps = repository.dependencies
    return bool(deps) and not any(
        d.locked or (d.version is not None and d.source == "index") for d in deps
    )


def _needs_attestations(finding: findings.Finding, policy: Policy, ledger: Ledger) -> bool:
    """Whether a baseline cannot be recorded offline because attestations are required."""
    if finding.version is None or finding.rule != findings.UNREVIEWED:
        return False
    settings = policy.settings(finding.package, finding.version)
    if settings is None:
        return False
    earlier = rules.earlier_attested(ledger.get(finding.package), finding.version)
    return rules.attestations_needed(settings, earlier) is not None
