"""The review ledger: recorded approvals under ``.bumpguard/approvals/<name>.json``.

One JSON file per package keeps diffs small and merge conflicts rare. Writes take a file
lock and replace the file atomically, so concurrent ``approve`` runs lose nothing and a
killed process never leaves a truncated file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard import git
from guard._files import (
    MAX_EVIDENCE_BYTES,
    MAX_LEDGER_BYTES,
    MAX_POLICY_BYTES,
    load_json,
    read_text,
    write_atomic,
)
from guard.errors import InputError, LedgerError, WriteError
from guard.model import MAX_NAME

LEDGER_DIR = ".bumpguard"
APPROVALS_DIR = f"{LEDGER_DIR}/approvals"
SCHEMA = 1
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# Reviews, evidence and fetched policies must reach git even where a .gitignore further
# up ignores *.json or a folder name: a review that only exists on one machine lets a
# commit through that a fresh clone refuses.
_GITIGNORE_HEAD = (
    "# bumpguard: reviews, evidence and fetched policies are committed, even where a\n"
    "# .gitignore further up ignores *.json or these folders' names...\n!*\n"
)
_GITIGNORE = (
    _GITIGNORE_HEAD + "# ...but lock files of concurrent writers and temporary files are not...\n"
    "*.lock\n*.tmp\n# ...except the lock of fetched policies\n!policy.lock\n"
)


def keep_in_git(root: Path) -> None:
    """Write ``.bumpguard/.gitignore`` so that everything but writers' lock files is
    committed; an existing one gets the lines it lacks (its own lines stay)."""
    path = root / LEDGER_DIR / ".gitignore"
    try:
        text = read_text(path, str(path), limit=MAX_POLICY_BYTES, root=root)
    except InputError:  # none yet, or not a readable file: ours replaces it
        text = None
    if text is None:
        new = _GITIGNORE
    else:
        lines = text.splitlines()
        new = text if "!*" in lines else _GITIGNORE_HEAD + text
        if "!policy.lock" not in lines:
            new += ("" if new.endswith("\n") else "\n") + "!policy.lock\n"
    if new != text:
        write_atomic(path, new)


EVIDENCE_DIR = f"{LEDGER_DIR}/evidence"


def why_not_committed(root: Path, relative: str) -> tuple[str, str]:
    """Why git's index lacks ``relative`` (ignored, or just not staged), and the fix."""
    rule = git.ignored_by(root, relative)
    if rule is not None:
        source, line, pattern = rule
        return (
            f"git ignores it ({source}:{line}: {pattern})",
            f"git add -f {relative}, and stop {source} ignoring .bumpguard/ "
            "(approve writes .bumpguard/.gitignore, which un-ignores it where a parent "
            "pattern such as *.json hides it)",
        )
    return "it is not staged", f"git add {relative}"


@dataclass(frozen=True)
class Evidence:
    """The PEP 740 provenance of one artifact, stored in the repository at ``path``."""

    filename: str
    sha256: str
    path: str
    # Imported approvals carry their evidence inline instead of as a repository file.
    data: bytes | None = field(default=None, compare=False, repr=False)

    def to_data(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"filename": self.filename, "sha256": self.sha256, "path": self.path}


@dataclass(frozen=True)
class ReviewSignature:
    """A reviewer's OpenSSH signature (namespace ``bumpguard-review``) over
    :func:`signed_record` of the approval it is in; ``key`` is the signing key's
    fingerprint as ``ssh-keygen -l`` prints it, for people: the check trusts the key in the
    signature, never this field."""

    key: str
    signature: str

    def to_data(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"key": self.key, "signature": self.signature}


@dataclass(frozen=True)
class Approval:
    """One recorded review of a package version (or of a non-index source).

    ``identity`` is the publisher identity the verified attestations carry (flat strings,
    see :class:`guard.attest.provenance.Identity`), ``evidence`` the provenance of each attested
    artifact, ``upload_time`` the release's upload time from the index (ISO 8601).
    """

    version: str | None
    reviewer: str
    approved_at: str
    reason: str
    hashes: tuple[str, ...] = ()
    source: str | None = None
    kind: str = "review"
    method: str = "offline"
    upload_time: str | None = None
    identity: tuple[tuple[str, str], ...] | None = None
    evidence: tuple[Evidence, ...] = ()
    inspection: dict[str, Any] | None = field(default=None, compare=False)
    # The approved version ``bumpguard diff`` compared this one with, the digest of that
    # summary, and the start-up hooks and flagged files the reviewer named with --accept.
    reviewed_from: str | None = None
    diff_digest: str | None = None
    accepted: tuple[str, ...] = ()
    # Reviewers' signatures over signed_record(); co-signers add theirs to the same record.
    signatures: tuple[ReviewSignature, ...] = field(default=(), compare=False)
    # The import (its label) this approval came from; None for the repository's own.
    origin: str | None = field(default=None, compare=False)

    def identity_data(self) -> dict[str, str] | None:
        """``identity`` as a mapping."""
        return dict(self.identity) if self.identity is not None else None

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form, with sorted hashes; provenance keys only when recorded."""
        data: dict[str, Any] = {
            "version": self.version,
            "reviewer": self.reviewer,
            "approved_at": self.approved_at,
            "reason": self.reason,
            "hashes": sorted(self.hashes),
            "source": self.source,
            "kind": self.kind,
            "method": self.method,
        }
        if self.upload_time is not None:
            data["upload_time"] = self.upload_time
        if self.identity is not None:
            data["identity"] = dict(self.identity)
        if self.evidence:
            data["evidence"] = [e.to_data() for e in self.evidence]
        if self.inspection is not None:
            data["inspection"] = self.inspection
        if self.reviewed_from is not None:
            data["reviewed_from"] = self.reviewed_from
            data["diff_digest"] = self.diff_digest
            data["accepted"] = list(self.accepted)
        if self.signatures:
            data["signatures"] = [sig.to_data() for sig in self.signatures]
        return data


@dataclass
class PackageLedger:
    """All approvals recorded for one package."""

    name: str
    approvals: list[Approval] = field(default_factory=list)

    def for_version(self, version: str) -> Approval | None:
        """The approval of exactly ``version`` from the index, if any."""
        for approval in self.approvals:
            if approval.source is None and approval.version == version:
                return approval
        return None

    def for_source(self, location: str) -> Approval | None:
        """The approval of exactly this URL, VCS reference or path, if any. A VCS source
        pinned to a commit matches however it is spelled (:func:`guard.sources.source_key`):
        one source is one review."""
        for approval in self.approvals:
            if approval.source == location:
                return approval
        from guard.sources import source_key

        key = source_key(location)
        if key == location and not key.startswith(("git+", "hg+", "svn+", "bzr+")):
            return None
        for approval in self.approvals:
            if approval.source is not None and source_key(approval.source) == key:
                return approval
        return None

    def covering(self, version: str, threshold: str) -> Approval | None:
        """An approval whose version is within ``threshold`` of ``version``.

        ``any`` needs the exact version, ``minor`` the same major.minor, ``major`` the same
        major; ``none`` needs no approval at all.
        """
        exact = self.for_version(version)
        if exact is not None or threshold == "any":
            return exact
        width = {"major": 1, "minor": 2}.get(threshold)
        if width is None:
            return None
        key = _release_prefix(version, width)
        if key is None:
            return None
        for approval in self.approvals:
            indexed = approval.source is None and approval.version is not None
            if indexed and _release_prefix(str(approval.version), width) == key:
                return approval
        return None


def _release_prefix(version: str, width: int) -> tuple[int, ...] | None:
    try:
        release = Version(version).release
    except InvalidVersion:
        return None
    return (release + (0,) * width)[:width]


@dataclass
class ImportedReviews:
    """The approvals another team published (``bumpguard reviews export``), imported by
    this repository's policy and pinned in its lock."""

    label: str
    url: str
    packages: dict[str, list[Approval]]


class Ledger:
    """Read and write the approvals of one repository, plus the reviews it imports.

    Imported approvals come after the repository's own, so a local review always wins;
    they are never written back (``record`` only touches local files).
    """

    def __init__(
        self,
        root: Path,
        imports: Sequence[ImportedReviews] = (),
        committed: frozenset[str] | None = None,
    ) -> None:
        self.root = root
        self.dir = root / APPROVALS_DIR
        self.imports = list(imports)
        #: With ``committed`` (the ``.bumpguard/`` paths in git's index), a ledger file
        #: outside it counts as absent, as in a fresh clone, and is listed in ``hidden``.
        self.committed = committed
        self.hidden: dict[str, str] = {}
        self._cache: dict[str, PackageLedger] = {}

    def path_for(self, name: str) -> Path:
        """The ledger file of canonical ``name``."""
        if len(name) > MAX_NAME:
            raise LedgerError(
                APPROVALS_DIR,
                None,
                f"a package name of {len(name)} characters is longer than {MAX_NAME}, "
                "too long for a ledger file name",
            )
        if not _NAME.match(name):
            raise LedgerError(APPROVALS_DIR, None, f"{name!r} is not a canonical package name")
        return self.dir / f"{name}.json"

    def get(self, name: str) -> PackageLedger:
        """The approvals recorded for canonical ``name`` (empty if none)."""
        cached = self._cache.get(name)
        if cached is None:
            display = f"{APPROVALS_DIR}/{name}.json"
            if self.committed is not None and display not in self.committed:
                if self.path_for(name).is_file():
                    self.hidden[name] = display
                cached = PackageLedger(name)
            else:
                cached = self._read(name)
            for imported in self.imports:
                cached.approvals.extend(imported.packages.get(name, ()))
            self._cache[name] = cached
        return cached

    def _read(self, name: str) -> PackageLedger:
        path = self.path_for(name)
        if not os.path.lexists(path):  # anything else by that name is read, and refused
            return PackageLedger(name)
        display = f"{APPROVALS_DIR}/{name}.json"
        text = read_text(path, display, limit=MAX_LEDGER_BYTES, root=self.root)
        return parse(text, display, name)

    def record(self, name: str, approvals: list[Approval]) -> Path:
        """Add ``approvals`` for ``name`` under a lock; an approval for the same version (or
        source) replaces the earlier one. Returns the file written."""

        def merge(current: list[Approval]) -> list[Approval]:
            keys = {(a.version, a.source) for a in approvals}
            kept = [a for a in current if (a.version, a.source) not in keys]
            return sorted([*kept, *approvals], key=_sort_key)

        return self._rewrite(name, merge)

    def cosign(self, name: str, signed: Approval, signature: ReviewSignature) -> Path:
        """Add ``signature`` to the recorded approval ``signed`` (the same record, byte for
        byte, or :class:`WriteError`: it changed since it was read). A signature by the
        same key replaces its earlier one. Returns the file written."""
        record = signed_record(name, signed)

        def add(current: list[Approval]) -> list[Approval]:
            approvals = list(current)
            for number, approval in enumerate(approvals):
                same = (approval.version, approval.source) == (signed.version, signed.source)
                if same and signed_record(name, approval) == record:
                    kept = [s for s in approval.signatures if s.key != signature.key]
                    approvals[number] = replace(approval, signatures=(*kept, signature))
                    return approvals
            raise WriteError(
                f"{self.path_for(name)}: the approval of {signed.version or signed.source} "
                "changed while it was being signed; nothing written, run approve --sign again"
            )

        return self._rewrite(name, add)

    def _rewrite(self, name: str, change: Callable[[list[Approval]], list[Approval]]) -> Path:
        """Rewrite the ledger file of ``name`` with ``change`` applied to its approvals,
        under the file's lock, atomically. Returns the file written."""
        from filelock import FileLock

        path = self.path_for(name)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            keep_in_git(self.root)
            with FileLock(str(path) + ".lock", timeout=60):
                approvals = change(list(self._read(name).approvals))
                write_atomic(path, dump(PackageLedger(name, approvals)))
        except OSError as exc:  # the folder cannot be made, or the lock file not created
            where = exc.filename or self.dir
            raise WriteError(f"{where}: cannot write: {exc.strerror or exc}") from None
        self._cache.pop(name, None)
        return path


def _sort_key(approval: Approval) -> tuple[int, Any, str, str]:
    if approval.version is not None:
        try:
            return (0, Version(approval.version), approval.source or "", approval.approved_at)
        except InvalidVersion:
            pass
    return (1, Version("0"), approval.source or approval.version or "", approval.approved_at)


def dump(ledger: PackageLedger) -> str:
    """The file content for one package's approvals: stable, sorted, one key per line."""
    data = {
        "schema": SCHEMA,
        "package": ledger.name,
        "approvals": [a.to_data() for a in ledger.approvals],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_APPROVAL_FIELDS = {
    "version",
    "reviewer",
    "approved_at",
    "reason",
    "hashes",
    "source",
    "kind",
    "method",
    "upload_time",
    "identity",
    "evidence",
    "inspection",
    "reviewed_from",
    "diff_digest",
    "accepted",
    "signatures",
}


def _json(text: str, display: str) -> Any:
    """JSON from a ledger, an export or evidence; malformed or too deeply nested data is a
    ``LedgerError`` naming the file (and the line, when JSON knows it)."""
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise LedgerError(display, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise LedgerError(display, None, f"invalid JSON: {exc}") from None


def parse(text: str, display: str, name: str) -> PackageLedger:
    """Parse one ledger file; any problem is a ``LedgerError`` naming file and line."""
    data = _json(text, display)
    if not isinstance(data, dict):
        raise LedgerError(display, 1, "expected a JSON object")
    if data.get("schema") != SCHEMA:
        raise LedgerError(
            display,
            _line(text, '"schema"'),
            f"unsupported ledger schema {data.get('schema')!r} (expected {SCHEMA})",
        )
    if data.get("package") != name or canonicalize_name(str(data.get("package"))) != name:
        raise LedgerError(
            display,
            _line(text, '"package"'),
            f"file is for {data.get('package')!r}, expected {name!r}",
        )
    items = data.get("approvals")
    if not isinstance(items, list):
        raise LedgerError(display, _line(text, '"approvals"'), "'approvals' must be a list")
    approvals = []
    for number, item in enumerate(items):
        try:
            approvals.append(_approval(item, display, 0))
        except LedgerError as exc:
            # Lines are found only for a message: finding them costs a second pass.
            starts = _element_lines(text)
            line = starts[number] if number < len(starts) else 1
            raise LedgerError(display, line, exc.detail) from None
    return PackageLedger(name, approvals)


def _approval(item: Any, display: str, line: int) -> Approval:
    if not isinstance(item, dict):
        raise LedgerError(display, line, "each approval must be an object")
    if not _APPROVAL_FIELDS.issuperset(item):
        unknown = ", ".join(sorted(set(item) - _APPROVAL_FIELDS))
        raise LedgerError(display, line, f"unknown approval field(s): {unknown}")
    for key in ("reviewer", "approved_at", "reason"):
        if not isinstance(item.get(key), str):
            raise LedgerError(display, line, f"approval needs a string {key!r}")
    version, source = item.get("version"), item.get("source")
    if version is None and source is None:
        raise LedgerError(display, line, "approval needs a 'version' or a 'source'")
    for key, value in (("version", version), ("source", source)):
        if value is not None and not isinstance(value, str):
            raise LedgerError(display, line, f"{key!r} must be a string or null")
    hashes = item.get("hashes", [])
    if not isinstance(hashes, list) or not all(isinstance(h, str) and ":" in h for h in hashes):
        raise LedgerError(display, line, "'hashes' must be a list of 'algorithm:hex' strings")
    upload_time = item.get("upload_time")
    if upload_time is not None and not isinstance(upload_time, str):
        raise LedgerError(display, line, "'upload_time' must be a string or absent")
    identity = item.get("identity")
    if identity is not None and not (
        isinstance(identity, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in identity.items())
    ):
        raise LedgerError(display, line, "'identity' must be an object of strings")
    inspection = item.get("inspection")
    if inspection is not None and not _valid_inspection(inspection):
        raise LedgerError(
            display, line, "'inspection' must map top_level and startup_hooks to lists of strings"
        )
    reviewed_from, diff_digest = item.get("reviewed_from"), item.get("diff_digest")
    for key, value in (("reviewed_from", reviewed_from), ("diff_digest", diff_digest)):
        if value is not None and not isinstance(value, str):
            raise LedgerError(display, line, f"{key!r} must be a string or absent")
    if (reviewed_from is None) != (diff_digest is None):
        raise LedgerError(display, line, "'reviewed_from' and 'diff_digest' go together")
    accepted = item.get("accepted", [])
    if not isinstance(accepted, list) or not all(isinstance(a, str) for a in accepted):
        raise LedgerError(display, line, "'accepted' must be a list of strings")
    signatures = _signatures(item.get("signatures", []), display, line)
    return Approval(
        signatures=signatures,
        reviewed_from=reviewed_from,
        diff_digest=diff_digest,
        accepted=tuple(accepted),
        inspection=inspection,
        upload_time=upload_time,
        identity=tuple(sorted(identity.items())) if identity is not None else None,
        evidence=_evidence(item["evidence"], display, line) if "evidence" in item else (),
        version=version,
        reviewer=item["reviewer"],
        approved_at=item["approved_at"],
        reason=item["reason"],
        hashes=tuple(h.lower() for h in hashes),
        source=source,
        kind=str(item.get("kind", "review")),
        method=str(item.get("method", "offline")),
    )


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _valid_inspection(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(key, []), list) and all(isinstance(v, str) for v in value.get(key, []))
        for key in ("top_level", "startup_hooks")
    )


def _element_lines(text: str) -> list[int]:
    """The line where each element of the top-level "approvals" array starts."""
    decoder = json.JSONDecoder()
    key = text.find('"approvals"')
    index = text.find("[", key) + 1 if key >= 0 else 0
    lines: list[int] = []
    if index <= 0:
        return lines
    line, counted = 1, 0  # newlines are counted once, from where the last count stopped
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return lines
        line += text.count("\n", counted, index)
        counted = index
        lines.append(line)
        try:
            _, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return lines


MAX_SIGNATURE = 64 * 1024  # an armored SSH signature (a 16384-bit RSA one is under 5 KiB)
MAX_SIGNATURES = 100


def _signatures(items: Any, display: str, line: int) -> tuple[ReviewSignature, ...]:
    if not isinstance(items, list) or len(items) > MAX_SIGNATURES:
        raise LedgerError(display, line, f"'signatures' must be a list of at most {MAX_SIGNATURES}")
    out = []
    for entry in items:
        if not isinstance(entry, dict) or set(entry) != {"key", "signature"}:
            raise LedgerError(display, line, "each signature needs exactly key and signature")
        key, signature = entry["key"], entry["signature"]
        if not isinstance(key, str) or not isinstance(signature, str):
            raise LedgerError(display, line, "a signature's key and signature are strings")
        if len(signature) > MAX_SIGNATURE or len(key) > 200:
            raise LedgerError(display, line, "a signature larger than any SSH signature")
        out.append(ReviewSignature(key, signature))
    return tuple(out)


def signed_record(package: str, approval: Approval) -> bytes:
    """The bytes a reviewer signs for an approval: one canonical JSON line of what the
    review is about (package, version or source, hashes, reason, reviewer, time, the
    verified identity, each evidence entry, and the diff it was reviewed from), under a
    fixed header. The signatures themselves, and where it came from, are not part of it."""
    record = {
        "package": package,
        "version": approval.version,
        "source": approval.source,
        "hashes": sorted(approval.hashes),
        "reason": approval.reason,
        "reviewer": approval.reviewer,
        "approved_at": approval.approved_at,
        "kind": approval.kind,
        "method": approval.method,
        "upload_time": approval.upload_time,
        "identity": approval.identity_data(),
        "evidence": sorted((e.to_data() for e in approval.evidence), key=lambda e: e["path"]),
        "reviewed_from": approval.reviewed_from,
        "diff_digest": approval.diff_digest,
        "accepted": sorted(approval.accepted),
    }
    body = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"bumpguard review record 1\n{body}\n".encode()


def _evidence(items: Any, display: str, line: int) -> tuple[Evidence, ...]:
    if not isinstance(items, list):
        raise LedgerError(display, line, "'evidence' must be a list")
    out = []
    for entry in items:
        if not isinstance(entry, dict) or set(entry) != {"filename", "sha256", "path"}:
            raise LedgerError(display, line, "each evidence entry needs filename, sha256, path")
        filename, sha256, path = entry["filename"], entry["sha256"], entry["path"]
        if not all(isinstance(v, str) for v in (filename, sha256, path)):
            raise LedgerError(display, line, "evidence filename, sha256 and path are strings")
        if not _SHA256.match(sha256):
            raise LedgerError(display, line, f"evidence sha256 {sha256!r} is not 64 hex digits")
        parts = path.split("/")
        if not path.startswith(EVIDENCE_DIR + "/") or ".." in parts or "\\" in path:
            raise LedgerError(display, line, f"evidence path {path!r} is not under {EVIDENCE_DIR}/")
        out.append(Evidence(filename, sha256, path))
    return tuple(out)


def _line(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


EXPORT_KIND = "bumpguard-reviews"


def export(root: Path) -> str:
    """This repository's own approvals (never imported ones: imports are not transitive),
    with their evidence inline, as one JSON document another repository can import."""
    directory = root / APPROVALS_DIR
    packages: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        name = path.stem
        display = f"{APPROVALS_DIR}/{path.name}"
        ledger = parse(read_text(path, display, limit=MAX_LEDGER_BYTES, root=root), display, name)
        packages[name] = [a.to_data() for a in ledger.approvals]
        for approval in ledger.approvals:
            for entry in approval.evidence:
                source = root / entry.path
                text = read_text(source, entry.path, limit=MAX_EVIDENCE_BYTES, root=root)
                evidence[entry.path] = _json(text, entry.path)
    data = {"schema": SCHEMA, "kind": EXPORT_KIND, "packages": packages, "evidence": evidence}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def parse_export(text: str, display: str, label: str, url: str) -> ImportedReviews:
    """Read an exported review ledger; every approval is validated as a local one is."""
    data = _json(text, display)
    if not isinstance(data, dict) or data.get("kind") != EXPORT_KIND:
        raise LedgerError(display, 1, f"not a bumpguard review export (kind {EXPORT_KIND!r})")
    if data.get("schema") != SCHEMA:
        raise LedgerError(display, 1, f"unsupported review export schema {data.get('schema')!r}")
    packages = data.get("packages")
    evidence = data.get("evidence", {})
    if not isinstance(packages, dict) or not isinstance(evidence, dict):
        raise LedgerError(display, 1, "'packages' and 'evidence' must be objects")
    out: dict[str, list[Approval]] = {}
    for name, items in packages.items():
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(items, list):
            raise LedgerError(display, 1, f"bad package entry {name!r}")
        approvals = []
        for item in items:
            approval = _approval(item, display, 1)
            entries = []
            for entry in approval.evidence:
                blob = evidence.get(entry.path)
                if not isinstance(blob, dict):
                    raise LedgerError(
                        display, 1, f"evidence {entry.path} is missing from the export"
                    )
                raw = json.dumps(blob, sort_keys=True).encode()
                entries.append(Evidence(entry.filename, entry.sha256, entry.path, raw))
            approvals.append(replace(approval, evidence=tuple(entries), origin=label))
        out[name] = approvals
    return ImportedReviews(label, url, out)
