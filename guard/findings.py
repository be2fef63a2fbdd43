"""What a check finds, in one place: the rule ids (the one registry that text, JSON, SARIF
and the README table share), :class:`Finding` and :class:`Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from guard.model import Dependency

# Rule ids, stable for JSON output and documentation.
DENIED = "denied"
DENIED_RANGE = "denied-range"
NOT_ALLOWED = "not-allowed"
UNREVIEWED = "unreviewed"
UNPINNED = "unpinned"
HASH_MISMATCH = "hash-mismatch"
HASHES_UNREVIEWED = "hashes-unreviewed"
THRESHOLD = "review-threshold"
COOLDOWN = "cooldown"
ATTESTATION_MISSING = "attestation-missing"
ATTESTATION_INVALID = "attestation-invalid"
PUBLISHER_CHANGED = "publisher-changed"
NOT_A_TAG = "not-a-tag"
SOURCE = "unreviewed-source"
UNPINNED_SOURCE = "unpinned-source"
NOT_COMMITTED = "review-not-committed"
SIGNATURE_INVALID = "review-signature-invalid"
REVIEW_UNSIGNED = "review-unsigned"
REVIEWER_NOT_ALLOWED = "reviewer-not-allowed"
TOO_FEW_REVIEWERS = "too-few-reviewers"
# Refused on the package index only (approve, verify, pip install).
YANKED = "yanked"
NOT_SERVED = "not-on-index"
INDEX_NOT_ALLOWED = "index-not-allowed"
INSECURE_INDEX = "insecure-index"


class RuleInfo(NamedTuple):
    """What a rule id means: its SARIF name, a one-line summary, a description and
    the usual fix (text, JSON and SARIF output and the README table share them)."""

    name: str
    short: str
    full: str
    fix: str


RULES: dict[str, RuleInfo] = {
    DENIED: RuleInfo(
        "DeniedVersion",
        "A version the policy denies",
        "The exact version matches a deny rule of the policy (for example a release "
        "published with a stolen token). No approval overrides a deny.",
        "Choose another version. No approval can override a deny.",
    ),
    DENIED_RANGE: RuleInfo(
        "RangeAdmitsDeniedVersion",
        "A version range that admits a denied version",
        "A version range with no pin anywhere in the repository admits a version that the "
        "policy denies with ==.",
        "Exclude the denied versions (for example `!=1.82.8`) or pin a safe version.",
    ),
    NOT_ALLOWED: RuleInfo(
        "NotOnAllowList",
        "A package that is not on the allow-list",
        "The policy has an allow_list and this package is not on it.",
        "Remove the package, or add it to `allow_list` in the policy after review.",
    ),
    UNREVIEWED: RuleInfo(
        "UnreviewedVersion",
        "A protected package's version with no recorded review",
        "The package is protected by the policy, and its exact version has no approval in "
        "the repository's review ledger (.bumpguard/approvals).",
        'Review the release, then run `bumpguard approve NAME==VERSION --reason "..."` '
        "and commit the approval with the change.",
    ),
    UNPINNED: RuleInfo(
        "UnpinnedProtectedPackage",
        "A protected package that no file pins",
        "A protected package is declared with a version range and no file in the "
        "repository pins (==) or locks it, so nobody can say which version gets installed.",
        "Pin it (==VERSION) or lock it (uv lock, poetry lock, pip-compile), then approve "
        "the pinned version.",
    ),
    HASH_MISMATCH: RuleInfo(
        "UnreviewedArtifactHashes",
        "Artifact hashes the approval does not record",
        "A lock file holds artifact hashes for a protected version that its approval does "
        "not record: a re-upload or a new artifact.",
        'Review the release again, then run `bumpguard approve NAME==VERSION --reason "..."`.',
    ),
    HASHES_UNREVIEWED: RuleInfo(
        "ApprovalWithoutHashes",
        "An approval that records no artifact hashes",
        "The approval was recorded before any lock file held hashes for the version, so "
        "the artifacts in the lock file were never reviewed.",
        'Approve again to record the hashes: `bumpguard approve NAME==VERSION --reason "..."`.',
    ),
    THRESHOLD: RuleInfo(
        "BelowReviewThreshold",
        "A version that review_threshold requires a review of",
        "The policy sets review_threshold and no approval covers this unprotected "
        "package's exact version.",
        'Review it, then run `bumpguard approve NAME==VERSION --reason "..."`.',
    ),
    COOLDOWN: RuleInfo(
        "ReleaseTooRecent",
        "A release younger than min_release_age",
        "The release was uploaded less than the policy's min_release_age (cooldown) ago. "
        "The message gives the date it becomes eligible.",
        "Wait until the date in the message, or pick an older version.",
    ),
    ATTESTATION_MISSING: RuleInfo(
        "AttestationMissing",
        "An artifact without verified attestations",
        "Attestations are required (by the policy, by no-downgrade from an earlier attested "
        "approval, or by pylock attestation-identities) and a lock-file hash is not covered "
        "by verified PEP 740 evidence.",
        'Run `bumpguard approve NAME==VERSION --reason "..."` online to record verified evidence.',
    ),
    ATTESTATION_INVALID: RuleInfo(
        "AttestationInvalid",
        "Recorded evidence that does not verify",
        "Recorded PEP 740 evidence does not verify: it was edited, is for another file or "
        "package, is staging-signed, or names a publisher other than the expected one.",
        "Review the release, then approve it online again.",
    ),
    PUBLISHER_CHANGED: RuleInfo(
        "PublisherChanged",
        "A release signed by a different publisher",
        "The verified publisher identity differs from the one of the nearest earlier "
        "approved version of the package.",
        "Confirm the move with the project, then pin the new publisher in the policy.",
    ),
    NOT_A_TAG: RuleInfo(
        "NotBuiltFromTag",
        "A release not built from a tag",
        "The policy sets require_tag and the release's signing certificate names a source "
        "ref that is not a tag (refs/tags/...).",
        "Use another release.",
    ),
    SOURCE: RuleInfo(
        "UnreviewedSource",
        "A URL, VCS or outside-path source with no recorded review",
        "A dependency comes from a URL, a VCS or a path outside the repository instead of "
        "the package index, and that exact source has no approval.",
        "Review the source, then run `bumpguard approve 'NAME @ URL' --reason \"...\"`.",
    ),
    UNPINNED_SOURCE: RuleInfo(
        "UnpinnedVcsSource",
        "A VCS source that names no fixed commit",
        "A dependency comes from a VCS URL that names a branch, a tag, a short commit or "
        "nothing, so it changes whenever upstream pushes and no review can cover it.",
        "Pin a full commit (`git+URL@<sha>`), then approve that source.",
    ),
    NOT_COMMITTED: RuleInfo(
        "ReviewNotCommitted",
        "A review or evidence file that the commit does not hold",
        "A ledger or evidence file under .bumpguard/ would clear a finding, but git ignores "
        "it or it is not staged, so the commit does not contain it and a fresh clone "
        "refuses the dependency.",
        "`git add` the file (`git add -f`, and fix the .gitignore, if git ignores it).",
    ),
    SIGNATURE_INVALID: RuleInfo(
        "ReviewSignatureInvalid",
        "A review whose signature does not verify",
        "A reviewer's SSH signature on the approval does not verify: the record was edited "
        "after it was signed, the signature was made for another package, version or "
        "namespace, or it does not parse.",
        "Restore the review from git history, or review again and record it with "
        "`bumpguard approve NAME==VERSION --sign`.",
    ),
    REVIEW_UNSIGNED: RuleInfo(
        "ReviewUnsigned",
        "A review without a reviewer's signature",
        "The policy sets reviews.signed: required and the approval carries no SSH signature "
        "that verifies (a review written by hand, or recorded without --sign).",
        "Review, then `bumpguard approve NAME==VERSION --sign` (a reviewer's co-signature "
        "on an existing approval counts too).",
    ),
    REVIEWER_NOT_ALLOWED: RuleInfo(
        "ReviewerNotAllowed",
        "A review signed only by keys the policy does not allow",
        "The approval's signatures verify, but none is by a key that reviews.allowed_signers "
        "allows for the bumpguard-review namespace at this time.",
        "Have an allowed reviewer review it and co-sign (`bumpguard approve NAME==VERSION "
        "--sign`), or add the reviewer to allowed_signers through review.",
    ),
    TOO_FEW_REVIEWERS: RuleInfo(
        "TooFewReviewers",
        "A review signed by fewer allowed reviewers than the policy needs",
        "The approval is signed by fewer distinct allowed signers than reviews.min_reviewers.",
        "Another allowed reviewer reviews it and co-signs (`bumpguard approve NAME==VERSION "
        "--sign`).",
    ),
    YANKED: RuleInfo(
        "YankedRelease",
        "A file the index marks as yanked",
        "The package index marks a file of the release as yanked (PEP 592), usually because "
        "it is broken or was published by mistake.",
        "Choose another version.",
    ),
    INDEX_NOT_ALLOWED: RuleInfo(
        "IndexNotAllowed",
        "A package index the policy does not allow",
        "A file names a package index or find-links location (--index-url, "
        "--extra-index-url, --find-links, [[tool.uv.index]], a Poetry, PDM or Pipfile "
        "source, a lock's registry) that the policy's `indexes` does not list. An installer "
        "takes packages from every index it is given, so an extra index can serve any "
        "package under any name (dependency confusion).",
        "Remove it, or add its URL to `indexes` in the policy after review.",
    ),
    INSECURE_INDEX: RuleInfo(
        "InsecureIndex",
        "A package index reached without TLS verification",
        "A file names an http:// index, or --trusted-host, which turns off certificate "
        "checks for a host: anyone on the network path can serve other packages. The policy "
        "cannot allow it.",
        "Serve the index over https with a valid certificate and drop --trusted-host.",
    ),
    NOT_SERVED: RuleInfo(
        "NotOnIndex",
        "A file the package index does not serve",
        "The index has no file for the release, gives no sha256 for one, or does not serve "
        "a file whose hash a lock file holds (a re-upload, or another index).",
        "Relock against the index the project installs from, or choose another version.",
    ),
}


def rule_info(rule: str) -> RuleInfo:
    """What ``rule`` means; a generic description for an id the registry lacks."""
    known = RULES.get(rule)
    if known is not None:
        return known
    name = "".join(part.capitalize() for part in rule.split("-")) or "Finding"
    return RuleInfo(
        name, f"bumpguard rule {rule}", f"bumpguard refuses: {rule}.", "See the message."
    )


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
        if self.version is None and self.dependency is None:
            return self.package  # a finding about a ledger file, not one dependency
        current = self.version or (self.dependency.specifier if self.dependency else "") or "*"
        if self.dependency is not None and self.dependency.source != "index":
            current = self.dependency.location or current
        if self.previous is not None and self.previous != current:
            return f"{self.package} {self.previous} -> {current}"
        return f"{self.package} {current}"


class Covered(NamedTuple):
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
    #: False when the repository has neither a policy file nor a ledger: the first run
    #: on a repository that has not run ``bumpguard init`` yet.
    adopted: bool = True
    #: How the policy is weaker than at the base revision (reported, never a verdict).
    weakened: list[str] = field(default_factory=list)
    #: What the readers skipped and why (``file:line: ...``): shown, never a verdict.
    notes: list[str] = field(default_factory=list)
    #: Dependency files read although git does not track them yet.
    untracked: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Whether anything was refused."""
        return bool(self.findings)
