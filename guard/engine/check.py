"""The stateless check: dependency files + policy + ledger -> findings.

The verdict depends only on the files as they are, so a commit, a pre-push run and
``pre-commit run --all-files`` on pre-commit.ci give the same answer. A base revision is
used only to show what changed next to each finding.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from guard import git, manifests
from guard._files import real
from guard.engine.coverage import Coverage, RangeCoverage, covers_everywhere, describe
from guard.errors import InputError, PolicyError
from guard.findings import (
    DENIED,
    DENIED_RANGE,
    HASH_MISMATCH,
    HASHES_UNREVIEWED,
    INDEX_NOT_ALLOWED,
    INSECURE_INDEX,
    NOT_ALLOWED,
    NOT_COMMITTED,
    SIGNATURE_INVALID,
    SOURCE,
    THRESHOLD,
    UNPINNED,
    UNPINNED_SOURCE,
    UNREVIEWED,
    Covered,
    Finding,
    Report,
)
from guard.ledger import LEDGER_DIR, Approval, ImportedReviews, Ledger, why_not_committed
from guard.manifests.local import LocalProjects
from guard.model import ARCHIVE_SUFFIXES, Dependency
from guard.policy.loader import DEFAULT_POLICY
from guard.policy.rules import Policy, ReviewSettings
from guard.sources import source_key, url_hashes, vcs_repository, vcs_revision

if TYPE_CHECKING:
    from guard.attest.signers import AllowedSigner
    from guard.attest.sshsig import PublicKey
    from guard.manifests.base import IndexSource


def approve_command(spec: str) -> str:
    """The exact command that records a review of ``spec``."""
    return f'bumpguard approve {shlex.quote(spec)} --reason "..."'


def evaluate(
    deps: Sequence[Dependency],
    policy: Policy,
    ledger: Ledger,
    root: Path,
    coverage: Coverage | None = None,
    local: LocalProjects | None = None,
    signers: Sequence[AllowedSigner] | None = None,
) -> list[Finding]:
    """Apply the policy and the ledger to every dependency record; ``coverage`` says which
    pins govern which ranges (by default, those among ``deps``); ``signers`` are the
    entries of the policy's ``reviews.allowed_signers``."""
    if coverage is None:
        coverage = Coverage(deps, {})
    local = local or LocalProjects(root)
    reviews = _Reviews(policy.reviews, signers, {})
    findings: list[Finding] = []
    for dep in deps:
        findings.extend(_check_one(dep, policy, ledger, root, coverage, local, reviews))
    return findings


class _Reviews(NamedTuple):
    """What the signatures on approvals must show in this run."""

    settings: ReviewSettings
    signers: Sequence[AllowedSigner] | None
    # Each approval's signatures, verified once per run: several dependency files (a
    # requirements file and a lock, or a threshold approval covering many versions) can
    # rest on the same approval. Keyed by identity; the value keeps the approval alive.
    verified: dict[int, tuple[Approval, tuple[list[PublicKey], list[str]]]]


def _check_one(
    dep: Dependency,
    policy: Policy,
    ledger: Ledger,
    root: Path,
    coverage: Coverage,
    local: LocalProjects,
    reviews: _Reviews,
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
    is_range = version is None and dep.source == "index"
    covered = None
    if is_range:
        # An install command takes what the index serves when it runs: no pin governs it,
        # so the pins are not even looked at.
        covered = coverage.of(dep) if dep.installed_by is None else RangeCoverage((), (), ())
    if covered is not None:
        safe = [p for p in covered.admitted if policy.denial(name, p.version) is None]
        for rule in policy.deny:
            if rule.package != name:
                continue
            admitted = rule.admitted_by(dep.specifier)
            if admitted and not covers_everywhere(safe):
                exclusions = ",".join(f"!={v}" for v in admitted)
                add(
                    DENIED_RANGE,
                    f"{name}{dep.specifier or ' (any version)'} admits denied "
                    f"{', '.join(admitted)} ({rule.origin}), and no pin that governs "
                    f"{dep.file} fixes a safe version inside it{_pins_note(covered)}",
                    f"exclude them ({name}{dep.specifier}{',' if dep.specifier else ''}"
                    f"{exclusions}) or pin a safe version",
                )
                return out

    protection = policy.protection(name)
    location = dep.location or ""
    inside = dep.source != "index" and _inside(dep, root)
    if inside:
        submodule = local.submodule(_local_dirs(dep, root))
        if submodule is not None:
            # A submodule's files are not in the repository's diffs: like a VCS source,
            # a review covers one commit of it.
            location, inside = f"{location}@{submodule}", False
        else:
            return _local_project(dep, policy, ledger, root, local, add, out)
    if dep.source != "index" and not inside:
        if dep.source == "vcs" and vcs_revision(location) is None:
            add(
                UNPINNED_SOURCE,
                f"{name} comes from {location}, which names a branch, a tag or nothing: it "
                "changes whenever upstream pushes, so no review can cover it",
                f"pin a full commit ({name} @ {vcs_repository(location)}@<commit>), "
                "then approve that source",
            )
            return out
        remote = not location.lower().startswith("file:")  # a local file is in the commit
        if dep.source == "url" and remote and not (dep.hashes or url_hashes(location)):
            add(
                UNPINNED_SOURCE,
                f"{name} comes from {location}, which no hash pins: the server can send "
                "other bytes at any time, so no review can cover it",
                "pin the artifact's hash (URL#sha256=<hex>, or --hash=sha256:<hex>), then "
                "approve that source",
            )
            return out
        pkg = ledger.get(name)
        approval = pkg.for_source(location)
        if approval is None:
            spec = f"{name} @ {source_key(location)}"
            add(
                SOURCE,
                f"{name} comes from a {dep.source} source ({location}), not the package "
                "index, and that source has no recorded review",
                approve_command(spec),
                spec,
            )
        else:
            spec = f"{name} @ {location}"
            _review_findings(name, approval, spec, add, reviews, protection is not None)
            if protection is not None:
                pinned = replace(dep, hashes=dep.hashes | url_hashes(location))
                _hash_findings(pinned, approval.hashes, f"{name} @ {location}", add)
        return out

    if protection is not None:
        if version is None:
            assert covered is not None
            command = dep.installed_by
            if command is not None:
                add(
                    UNPINNED,
                    f"{name} is protected ({protection.origin}) but `{command} "
                    f"{name}{dep.specifier}` installs whatever version the index serves "
                    "when it runs",
                    f"pin it in the command ({command} {name}==VERSION, or install from a "
                    "requirements file with --hash pins), then approve that version",
                )
            elif not covers_everywhere(covered.admitted) and policy.ranges == "pin":
                spec = dep.specifier or "any version"
                if covered.excluded:
                    why = (
                        f"{spec} admits none of the versions that the files governing "
                        f"{dep.file} pin ({describe(covered.excluded)})"
                    )
                else:
                    why = f"{spec} is not pinned or locked by any file that governs {dep.file}"
                add(
                    UNPINNED,
                    f"{name} is protected ({protection.origin}) but {why}{_pins_note(covered)}",
                    "pin it (==VERSION) or lock it (uv lock, poetry lock, pip-compile) in this "
                    "project, then approve the pinned version; a library that declares ranges "
                    "on purpose sets `ranges: allow` in the policy",
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
        _review_findings(name, approval, spec, add, reviews, True)
        _hash_findings(dep, approval.hashes, spec, add)
        extra = [] if dep.hashes or "+" in version else coverage.extra_sources(dep.file)
        if extra:
            add(
                UNPINNED,
                f"{name}=={version} also matches local versions such as {version}+anything, "
                f"and {extra[0]} can serve one: the review covers {version} from the index",
                f"pin the reviewed files with --hash (the approval records "
                f"{len(approval.hashes)} hash(es)), or drop the extra source",
            )
        settings = policy.settings(name, version)
        if settings is not None and (
            approval.evidence
            or settings.attestations_required
            or settings.min_release_age
            or dep.attestation_identities
            or any(a.identity is not None for a in pkg.approvals)
        ):
            from guard.attest import evidence

            problems = evidence.evaluate(dep, approval, pkg, settings, root, ledger.committed)
            for problem in problems:
                add(problem.rule, problem.message, problem.fix, spec)
        return out

    threshold = policy.review_threshold
    if threshold != "none" and version is not None and dep.source == "index":
        pkg = ledger.get(name)
        covering = pkg.covering(version, threshold)
        if covering is not None:
            spec = f"{name}=={covering.version}"
            _review_findings(name, covering, spec, add, reviews, False)
        else:
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


def _local_project(
    dep: Dependency,
    policy: Policy,
    ledger: Ledger,
    root: Path,
    local: LocalProjects,
    add: _Add,
    out: list[Finding],
) -> list[Finding]:
    """A folder of the repository installed as a project: the repository's own code, but
    deny rules and protection apply to the name and version it declares (a vendored
    litellm 1.82.8 is litellm 1.82.8). The repository's root project is exempt from
    protection: it is what the repository is."""
    for directory in _local_dirs(dep, root):
        declared_name, declared_version = local.declared(directory)
        version = dep.version or declared_version
        names = dict.fromkeys(n for n in (dep.name, declared_name) if n)
        for name in names:
            rule = policy.denial(name, version)
            if rule is not None:
                add(
                    DENIED,
                    f"{dep.location} is {name} {version or '(any version)'}, which "
                    f"{rule.origin} denies ({rule.describe()})",
                    "remove it; no approval can override a deny",
                )
                return out
        if real(directory) == real(root):
            continue
        for name in names:
            protection = policy.protection(name)
            if protection is None:
                continue
            if version is None:
                add(
                    UNPINNED,
                    f"{dep.location} installs {name}, which is protected "
                    f"({protection.origin}), and declares no static version to review",
                    f"give it a static version in its pyproject.toml, then "
                    f"{approve_command(f'{name}==<version>')}",
                )
            elif ledger.get(name).for_version(version) is None:
                spec = f"{name}=={version}"
                add(
                    UNREVIEWED,
                    f"{dep.location} is {name} {version}, which is protected "
                    f"({protection.origin}) and has no recorded review",
                    approve_command(spec),
                    spec,
                )
            return out
    return out


def _local_dirs(dep: Dependency, root: Path) -> list[Path]:
    """The existing folders a path dependency can name, resolved as :func:`_inside` does
    (for a requirements file: from the repository root, as pip, and from its folder, as
    uv); each is checked."""
    location = _local_path(dep.location or "")
    if location is None:
        return []
    if Path(location).is_absolute():
        candidates = [Path(location)]
    else:
        candidates = [(root / dep.file).parent / location]
        if manifests.file_format(dep.file) in (None, "requirements"):
            candidates.append(root / location)
    out: list[Path] = []
    for candidate in candidates:
        # os.path.isdir: a name too long for the file system is simply not a folder.
        if os.path.isdir(candidate) and all(real(candidate) != real(o) for o in out):
            out.append(candidate)
    return out


def _pins_note(covered: RangeCoverage) -> str:
    """Why pins elsewhere in the repository do not count."""
    if not covered.elsewhere:
        return ""
    return (
        f"; {describe(covered.elsewhere)} governs another project (if it applies here too, "
        "list it under `constraints:` in the policy)"
    )


def _review_findings(
    name: str, approval: Approval, spec: str, add: _Add, reviews: _Reviews, protected: bool
) -> None:
    """Findings for the reviewers' signatures on ``approval``: each one that does not
    verify, and, where the policy requires signatures, what is missing. The verifier is
    imported only for an approval that carries signatures or needs them."""
    needed = reviews.settings.covers(protected)
    if not approval.signatures and not needed:
        return
    from guard.attest import review_signatures

    cached = reviews.verified.get(id(approval))
    if cached is None:
        cached = (approval, review_signatures.verified(name, approval))
        reviews.verified[id(approval)] = cached
    keys, broken = cached[1]
    fix = approve_command(spec) + " --sign"  # a command: the summary lists it as one
    for problem in broken:
        add(
            SIGNATURE_INVALID,
            f"{spec}: a signature on its review does not verify: {problem} (restore the "
            "review from git history, or review again and sign the new record)",
            fix,
            spec,
        )
    if not needed or (broken and not keys):
        return
    missing = review_signatures.judge(keys, reviews.settings, reviews.signers)
    if missing is not None:
        rule, why = missing
        add(rule, f"{spec}: the policy requires signed reviews, and {why}", fix, spec)


def _hash_findings(dep: Dependency, approved: tuple[str, ...], spec: str, add: _Add) -> None:
    if not dep.hashes:
        if dep.locked and approved:
            # A lock entry stripped of its hashes pins no bytes: any artifact of that
            # version, from any index, would install.
            add(
                HASH_MISMATCH,
                f"{dep.file} holds no artifact hashes for {spec}, but its approval records "
                f"{len(approved)}: without them the lock does not pin the reviewed files",
                f"restore the hashes (lock again), or review what the lock now allows and "
                f"{approve_command(spec)}",
                spec,
            )
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
    sdist file committed to the repository is not: nobody reviews its bytes in a diff).
    A relative path in a requirements file is resolved against the repository root (pip
    resolves against its working directory: the root, for a hook) and against the file's
    folder (uv); it is inside only if both are."""
    if dep.source != "path" or dep.location is None:
        return False
    location = _local_path(dep.location)
    if location is None or location.lower().endswith(ARCHIVE_SUFFIXES):
        return False
    bases = [(root / dep.file).parent]
    if manifests.file_format(dep.file) in (None, "requirements"):
        bases.append(root)
    targets = [Path(location)] if Path(location).is_absolute() else [b / location for b in bases]
    for target in targets:
        try:
            real(target).relative_to(real(root))
        except (OSError, RuntimeError, ValueError):
            return False
    return True


def _local_path(location: str) -> str | None:
    """The path a path source names, without its ``#fragment``: a ``file:`` URL as pip's
    ``url_to_path`` reads it (``file:/abs``, ``file:///abs``, ``file://localhost/abs``,
    ``file:rel``); ``None`` for a file: URL on another host or one that does not parse."""
    if not location.lower().startswith("file:"):
        return location.split("#", 1)[0]
    from urllib.parse import urlsplit
    from urllib.request import url2pathname  # imports http.client: only when needed

    try:
        parts = urlsplit(location)
    except ValueError:
        return None
    if parts.netloc.lower() not in ("", "localhost"):
        return None
    return url2pathname(parts.path)


@dataclass
class Repository:
    """The dependency files of one repository as one run reads them: the discovery that
    ``check``, ``approve``, ``verify`` and ``init`` share."""

    root: Path
    #: Git's index, or ``None`` outside a git work tree.
    index: git.GitIndex | None
    dependencies: list[Dependency]
    files: list[str]
    coverage: Coverage
    #: The indexes, find-links locations and trusted hosts the files name.
    indexes: list[IndexSource] = field(default_factory=list)
    #: What the readers skipped (``file:line: why``).
    notes: list[str] = field(default_factory=list)
    #: Dependency files read although git does not track them yet (outside a commit).
    untracked: list[str] = field(default_factory=list)

    @property
    def gitlinks(self) -> dict[str, str] | None:
        """Submodules in the index: path -> commit (``None`` outside git)."""
        if self.index is None:
            return None
        return git.gitlinks(self.index)

    @property
    def committed(self) -> frozenset[str] | None:
        """The ``.bumpguard/`` paths a commit holds (``None`` outside git: all count)."""
        if self.index is None:
            return None
        return frozenset(self.index.under(LEDGER_DIR + "/"))


def read_repository(
    root: Path,
    policy: Policy,
    files: Sequence[Path] | None = None,
    exclude: Sequence[str] = (),
) -> tuple[Repository, list[Dependency]]:
    """Read every dependency file git's index holds (every file below ``root`` outside
    git), the ones git does not track yet but does not ignore (unless this runs inside a
    commit: then only what the commit holds counts), and the constraints files the policy
    names, skipping what the policy's ``exclude`` globs (and ``exclude``) match. Returns
    the repository and the records of ``files`` and what they include (all records when
    ``files`` is empty)."""
    from guard.policy.paths import compile_globs

    index = git.index_listing(root)
    ctx = manifests.ReadContext(root)
    named = manifests.read_all(files, ctx) if files else []
    reached = set(ctx.seen)
    excluded = compile_globs([*(glob for glob, _ in policy.exclude), *exclude])
    names = None if index is None else index.names()
    # Listing what git does not track walks the whole work tree: git does it on another
    # core while this one reads the tracked files.
    listing = git.Untracked(root) if names is not None and not git.in_commit_hook() else None
    paths = manifests.discover(root, names, excluded)
    discovered = len(paths)
    for relative, origin in policy.constraints:
        path = root / relative
        if index is not None and relative not in index:
            raise PolicyError(
                origin,
                None,
                f"constraints: {relative} is not in git's index: commit it, or a fresh "
                "clone reads other pins than this one",
            )
        if not os.path.isfile(path):
            raise PolicyError(origin, None, f"constraints: {relative}: no such file")
        paths.append(path)
    deps = list(named)
    unreadable: list[InputError] = []

    def read(paths: Sequence[Path], discovered: int) -> None:
        for number, path in enumerate(paths):
            try:
                deps.extend(manifests.read_file(path, ctx))
            except InputError as exc:
                if number >= discovered or isinstance(exc, PolicyError):
                    raise
                unreadable.append(exc)  # every one is reported, not only the first

    untracked: list[str] = []
    try:
        read(paths, discovered)
        if listing is not None:
            found = manifests.discover(root, listing.names(), excluded)
            untracked = [ctx.display(path) for path in found]
            read(found, len(found))
    finally:
        if listing is not None:
            listing.close()
    if unreadable:
        raise _unreadable(unreadable)
    repository = Repository(
        root,
        index,
        deps,
        sorted(ctx.display(p) for p in (reached if files else ctx.seen)),
        Coverage(deps, ctx.includes, [relative for relative, _ in policy.constraints], ctx.sources),
        ctx.indexes,
        ctx.notes,
        untracked,
    )
    return repository, (named if files else deps)


def _allowed_signers(
    root: Path, policy: Policy, index: git.GitIndex | None
) -> list[AllowedSigner] | None:
    """The entries of the policy's ``reviews.allowed_signers`` (None when it names none).
    Like a constraints file, it must be in git's index: a fresh clone reads that one. A
    pinned URL is read from the copy ``policy fetch`` stored, offline."""
    relative = policy.reviews.allowed_signers
    if relative is None:
        return None
    from guard.attest.signers import load_allowed_signers, parse_allowed_signers

    if not isinstance(relative, str):
        data = policy.fetched_signers.get(relative.key())
        display = f"reviews.allowed_signers {relative.url}"
        required = policy.required_signers
        if data is None and required is not None and required.key() == relative.key():
            raise PolicyError(
                relative.source, relative.line, f"{display}: not fetched for this run"
            )
        if data is None:
            from guard.policy.lock import load_locked, read_lock

            data, entry = load_locked(root, relative, read_lock(root))
            display = f"{entry.path} ({display})"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(display, None, "is not UTF-8 text") from None
        return parse_allowed_signers(text, display)
    origin = policy.reviews.origin or "the policy"
    if index is not None and relative not in index:
        raise PolicyError(
            origin,
            None,
            f"reviews.allowed_signers: {relative} is not in git's index: commit it, or a "
            "fresh clone checks reviews against other signers than this one",
        )
    return load_allowed_signers(root / relative, relative)


def run(
    root: Path,
    files: Sequence[Path] | None,
    policy: Policy,
    base: str | None = None,
    *,
    committed_only: bool = True,
    exclude: Sequence[str] = (),
) -> Report:
    """Read the dependency files (all supported ones when ``files`` is empty) and check.
    Only the ledger files git's index holds count, unless ``committed_only`` is off
    (``init``, which records reviews rather than gating a commit)."""
    repository, deps = read_repository(root, policy, files, exclude)
    committed = repository.committed if committed_only else None
    ledger = Ledger(root, load_imports(root, policy), committed)
    local = LocalProjects(root, repository.gitlinks)
    signers = _allowed_signers(root, policy, repository.index)
    findings = evaluate(deps, policy, ledger, root, repository.coverage, local, signers)
    findings.extend(_not_committed(root, ledger, findings))
    findings.extend(index_findings(repository.indexes, policy, root))
    report = Report(repository.files, deps, findings, policy.sources)
    report.notes = repository.notes
    report.untracked = repository.untracked
    report.adopted = policy.sources != [DEFAULT_POLICY] or (root / LEDGER_DIR).is_dir()
    if ledger.imports:
        report.covered = _covered(deps, policy, ledger, findings)
    from guard.engine import drift

    report.weakened = drift.weakened(root, policy, base, repository.index)
    if findings:
        from guard.engine import history

        report.base = history.annotate(root, findings, base, deps)
    elif report.weakened:
        report.base = base or "HEAD"
    return report


def _unreadable(errors: Sequence[InputError]) -> InputError:
    """One error for every dependency file found that does not read, with how to exclude
    the ones that are not dependency files (templates, fixtures of other tools)."""
    first = errors[0]
    paths = list(dict.fromkeys(error.path for error in errors))
    several = len(paths) > 1
    listed = ", ".join(json.dumps(path) for path in paths)
    hint = (
        f"if {'these are not dependency files' if several else 'it is not a dependency file'}"
        " (a template, another tool's test fixture), exclude "
        f"{'them' if several else 'it'}: add exclude: [{listed}] "
        "(or a glob) to the policy, or run check " + " ".join(f"--exclude {path}" for path in paths)
    )
    rest = [str(error) for error in errors[1:]]
    return type(first)(first.path, first.line, "\n".join([first.detail, *rest, hint]))


def index_findings(sources: Sequence[IndexSource], policy: Policy, root: Path) -> list[Finding]:
    """A finding for each index a file names that the policy does not allow, each plain
    ``http://`` one and each ``--trusted-host``. A find-links folder (a path or ``file:``
    URL, on this machine or in an image) is not an index and needs no entry."""
    from guard.policy.paths import normal_url, url_allowed
    from guard.sources import redact

    allowed = [url for url, _ in policy.indexes]
    own = policy.files[-1] if policy.files else None
    where = _shown(own, root) if own is not None else ".bumpguard.yaml"
    out: list[Finding] = []
    seen: set[tuple[str, int, str, str]] = set()
    for source in sources:
        if source in seen:
            continue
        seen.add(source)
        url, option = source.url.strip(), source.option
        shown = redact(url)

        def add(rule: str, message: str, fix: str, at: IndexSource = source) -> None:
            out.append(Finding(rule, redact(at.url.strip()), None, at.file, at.line, message, fix))

        if option.endswith("--trusted-host"):
            add(
                INSECURE_INDEX,
                f"{option} {shown} turns off TLS certificate checks for that host: anyone on "
                "the network path can serve other packages",
                f"drop {option}, and serve the index over https with a valid certificate",
            )
            continue
        if "://" not in url or url.lower().startswith("file:"):
            continue  # a folder on this machine (or in the image), not an index
        if url.lower().startswith("http://"):
            add(
                INSECURE_INDEX,
                f"{option} {shown} is plain http: anyone on the network path can change what "
                "gets installed",
                "use its https:// URL (with a valid certificate)",
            )
            continue
        if not url_allowed(url, allowed):
            listed = ", ".join(redact(a) for a in allowed)
            add(
                INDEX_NOT_ALLOWED,
                f"{option} {shown} is not an index the policy allows ({listed}): an installer "
                "takes packages from every index it is given, so it could serve any package, "
                "under any name",
                f"remove it, or if you trust it add it to the policy: in {where}, "
                f'indexes: ["{redact(normal_url(url))}"]',
            )
    return out


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _not_committed(root: Path, ledger: Ledger, findings: Sequence[Finding]) -> list[Finding]:
    """A finding for each ledger file that would have been read but that the commit does
    not hold (git ignores it, or it is not staged), for packages that have findings. Their
    findings then say to add the file rather than to approve again."""
    refused = {f.package for f in findings}
    out = []
    for name, relative in sorted(ledger.hidden.items()):
        if name not in refused:
            continue
        why, fix = why_not_committed(root, relative)
        for finding in findings:
            if finding.package == name and finding.approve is not None:
                finding.fix = f"if {relative} records this review: {fix}"
                finding.approve = None
        out.append(
            Finding(
                NOT_COMMITTED,
                name,
                None,
                relative,
                0,
                f"{relative} holds reviews of {name}, but {why}: the commit does not contain "
                f"it, so a fresh clone refuses {name} too",
                fix,
            )
        )
    return out


LOCK_FILE = ".bumpguard/policy.lock"


def load_imports(root: Path, policy: Policy) -> list[ImportedReviews]:
    """The review ledgers the policy imports, from the copies ``policy fetch`` pinned in
    the lock (never the network). A stored copy whose digest changed is an error."""
    if not policy.imports:
        return []
    import hashlib

    from guard._files import MAX_LEDGER_BYTES, read_text
    from guard.errors import LedgerError
    from guard.ledger import parse_export
    from guard.policy.lock import locked_reviews

    out = []
    for entry in locked_reviews(root, policy):
        display = f"{entry.path.relative_to(root).as_posix()} ({entry.name}, {entry.url})"
        text = read_text(entry.path, display, limit=MAX_LEDGER_BYTES, root=root)
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
