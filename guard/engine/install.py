"""``bumpguard pip install``: check everything pip would install, then install exactly that.

pip has no plugin interface, so this wrapper is the interface. It asks pip's own resolver
(``pip install --dry-run --report``, in the target interpreter, with the user's arguments)
what it would install, applies the policy to every distribution, downloads each file and
inspects it without running it, and only then lets pip install those local, hash-checked
files with ``--no-deps``. Any refusal means nothing is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from guard.errors import GuardError, UsageError
from guard.ledger import Approval, Ledger, PackageLedger
from guard.policy.rules import Policy

# pip options that take a value, so their value is not mistaken for a requirement.
_VALUE_OPTIONS = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-t",
        "--target",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--root",
        "--prefix",
        "--src",
        "--upgrade-strategy",
        "-C",
        "--config-settings",
        "--global-option",
        "--no-binary",
        "--only-binary",
        "--progress-bar",
        "--root-user-action",
        "--report",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--keyring-provider",
        "--python",
        "--use-feature",
        "--use-deprecated",
        "--hash",
        "--path",
    }
)
# Options that decide where and how the checked files are installed: passed on to the
# final install. Everything about finding and resolving packages is not: that is done.
_INSTALL_FLAGS = frozenset(
    {
        "--user",
        "--force-reinstall",
        "-I",
        "--ignore-installed",
        "--no-warn-script-location",
        "--break-system-packages",
        "--no-compile",
        "--compile",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "--no-warn-conflicts",
        "--isolated",
        "--no-build-isolation",
        "--no-input",
        "--disable-pip-version-check",
    }
)
_INSTALL_VALUES = frozenset({"-t", "--target", "--root", "--prefix", "--root-user-action"})
_INDEX_VALUES = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--proxy",
        "--retries",
        "--timeout",
        "--keyring-provider",
    }
)
MAX_DOWNLOAD = 512 * 1024 * 1024


class InstallRefused(GuardError):
    """The policy refused at least one distribution: nothing was installed (exit 1)."""

    exit_code = 1


@dataclass
class Item:
    """One distribution pip would install, and what bumpguard made of it."""

    name: str
    version: str
    url: str
    sha256: str | None
    requested: bool
    protected: bool = False
    checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: start-up hooks installed anyway, each with why (known, approved or allowed)
    accepted: list[str] = field(default_factory=list)
    local: Path | None = None

    @property
    def filename(self) -> str:
        """The file name from the download URL."""
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])

    @property
    def verdict(self) -> str:
        """``refused``, ``warn`` or ``ok``."""
        return "refused" if self.refusals else ("warn" if self.warnings else "ok")


@dataclass
class Outcome:
    """What ``run`` did: the table, the exit code, pip's own output when it installed."""

    items: list[Item]
    code: int
    message: str


def split_options(args: Sequence[str]) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """``(install options, index options, values by option)`` from the user's pip args."""
    install: list[str] = []
    index: list[str] = []
    values: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        if arg.startswith("-") and name in _VALUE_OPTIONS:
            if eq:
                value = inline
            elif i + 1 < len(args):
                value = args[i + 1]
                i += 1
            else:
                raise UsageError(f"pip option {arg} needs a value")
            values.setdefault(name, []).append(value)
            if name in _INSTALL_VALUES:
                install += [name, value]
            if name in _INDEX_VALUES:
                index += [name, value]
        elif arg in _INSTALL_FLAGS:
            install.append(arg)
        i += 1
    return install, index, values


def target_python(explicit: str | None) -> str:
    """``--python``, else the active virtual environment's interpreter, else this one."""
    if explicit:
        found = shutil.which(explicit) or explicit
        if not Path(found).is_file():
            raise UsageError(f"--python {explicit}: no such interpreter")
        return found
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        candidate = Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def _pip(python: str, args: Sequence[str], quiet: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [python, "-m", "pip", *args]
    return subprocess.run(
        cmd,
        capture_output=quiet,
        text=True,
        check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


def resolve(python: str, args: Sequence[str], policy: Policy, workdir: Path) -> list[Item]:
    """Every distribution pip would install for ``args``, from pip's own dry-run report.

    Every package is first resolved binary-only, so no build backend runs; if that cannot
    succeed, only the policy's protected names stay binary-only.
    """
    exact = sorted(
        p
        for p in policy.protect
        if "*" not in p and "?" not in p and not policy.install.sdist_allowed(p)
    )
    report = workdir / "report.json"
    attempts = [["--only-binary=:all:"], [f"--only-binary={','.join(exact)}"] if exact else []]
    failure = ""
    for extra in attempts:
        report.unlink(missing_ok=True)
        proc = _pip(
            python, ["install", "--dry-run", "--quiet", "--report", str(report), *extra, *args]
        )
        if proc.returncode == 0 and report.is_file():
            return _items(report, policy)
        failure = (proc.stderr or proc.stdout).strip()
    missing = _NO_MATCH.findall(failure)
    wheel_less = [canonicalize_name(n) for n in missing if canonicalize_name(n) in exact]
    if wheel_less:
        raise InstallRefused(
            f"{', '.join(sorted(set(wheel_less)))}: protected, and no wheel satisfies the "
            "request; building an sdist would run its code before any check, so it is "
            "refused (list it in install.allow_sdist to allow it); nothing was installed"
        )
    raise GuardError(f"pip could not resolve the request:\n{failure}")


# pip: "ERROR: No matching distribution found for groq==0.8.0"
_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)")


def _items(report: Path, policy: Policy) -> list[Item]:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        entries = data["install"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GuardError(f"pip's installation report is unreadable: {exc}") from None
    items = []
    for entry in entries:
        try:
            meta = entry["metadata"]
            info = entry["download_info"]
            archive = info.get("archive_info") or {}
            sha = (archive.get("hashes") or {}).get("sha256")
            if sha is None and str(archive.get("hash", "")).startswith("sha256="):
                sha = archive["hash"].split("=", 1)[1]
            name = canonicalize_name(meta["name"])
            item = Item(
                name, str(meta["version"]), str(info["url"]), sha, bool(entry.get("requested"))
            )
            if "vcs_info" in info or "dir_info" in info:
                item.sha256 = None
        except (KeyError, TypeError, AttributeError) as exc:
            raise GuardError(f"pip's installation report is malformed: {exc}") from None
        item.protected = policy.protection(name) is not None
        items.append(item)
    return items


def decide(
    items: list[Item],
    policy: Policy,
    ledger: Ledger | None,
    index_urls: Sequence[str],
    workdir: Path,
) -> None:
    """Apply the policy to every item, download and inspect its file (filling ``local``).

    Items are checked concurrently (the work is index round trips), each worker thread
    with its own index clients; the first error (an index gone down) propagates, so the
    run fails closed.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from guard.index import IndexClient

    local = threading.local()

    def one(item: Item) -> None:
        clients = getattr(local, "clients", None)
        if clients is None:
            clients = local.clients = [IndexClient(url) for url in index_urls]
        _decide_one(item, policy, ledger, clients, workdir)

    if ledger is not None:
        for item in items:  # read the ledger files before the threads do
            ledger.get(item.name)
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(items)))) as pool:
        list(pool.map(one, items))


def _decide_one(
    item: Item, policy: Policy, ledger: Ledger | None, clients: Sequence[Any], workdir: Path
) -> None:
    from guard.artifacts.inspect_artifact import inspect
    from guard.engine.release import check_release

    rule = policy.denial(item.name, item.version)
    if rule is not None:
        advisories = f" [{', '.join(rule.advisories)}]" if rule.advisories else ""
        item.refusals.append(f"denied by {rule.origin}{advisories}")
        return
    if not policy.allowed(item.name):
        item.refusals.append("not on the allow-list")
        return
    if item.sha256 is None:
        item.refusals.append(
            "not a file bumpguard can hash (VCS or directory): install "
            "it with pip after reviewing it"
        )
        return
    item.checked.append("deny")
    is_sdist = not item.filename.endswith(".whl")
    if item.protected and is_sdist and not policy.install.sdist_allowed(item.name):
        item.refusals.append(
            "protected, and only an sdist was found (building it would "
            "run its code); allow it with install.allow_sdist"
        )
        return
    client = _serving(clients, item)
    if client is not None:
        pkg = ledger.get(item.name) if ledger is not None else PackageLedger(item.name)
        release = check_release(
            client, policy, pkg, item.name, item.version, [f"sha256:{item.sha256}"]
        )
        item.refusals.extend(p.message for p in release.problems)
        item.checked.append("index")
        if item.protected:
            identity = release.identity
            item.checked.append("attested" if identity else "no attestations")
            if identity is not None:
                item.notes.append(identity.describe())
    elif item.protected:
        item.refusals.append(
            f"{item.filename} is not on {', '.join(c.host for c in clients)}"
            ": its yank status, age and attestations cannot be checked"
        )
    if item.protected and ledger is not None and policy.install.require_approval:
        approval = ledger.get(item.name).for_version(item.version)
        if approval is None:
            item.refusals.append(
                f"no recorded review of {item.name} {item.version} in this "
                "repository (bumpguard approve)"
            )
        elif approval.hashes and f"sha256:{item.sha256}" not in approval.hashes:
            item.refusals.append("its sha256 is not among the approved artifact hashes")
        else:
            item.checked.append("approved")
    if item.refusals:
        return
    data = _fetch(item, clients)
    item.local = workdir / "files" / item.filename
    item.local.parent.mkdir(parents=True, exist_ok=True)
    item.local.write_bytes(data)
    report = inspect(data, item.filename)
    item.checked.append("inspected")
    approval = ledger.get(item.name).for_version(item.version) if ledger is not None else None
    approved = dict(approval.inspection or {}) if approval is not None else {}
    reviewed = set(approved.get("startup_hooks", [])) | set(approved.get("top_level", []))
    digests = dict(report.hook_sha256)
    for finding in report.findings:
        text = f"{finding.path}: {finding.detail}" if finding.path else finding.detail
        if finding.kind in _ALWAYS_REFUSED:
            item.refusals.append(text)
        elif finding.kind == KNOWN_HOOK:
            item.accepted.append(text)
        elif finding.kind == "customize" or (
            finding.kind == "pth-exec" and finding.severity == "deny"
        ):
            why = _hook_accepted(item, policy, finding.target, digests, reviewed, approval)
            if why is not None:
                item.accepted.append(f"{text}: accepted, {why}")
            elif item.protected or policy.install.startup_hooks == "deny":
                item.refusals.append(text)
            else:
                item.warnings.append(f"{text} (install.startup_hooks: warn)")
        elif finding.kind in _NAME_KINDS and item.protected:
            if finding.target and finding.target in reviewed:
                item.warnings.append(f"{text} (reviewed in its approval)")
            else:
                item.refusals.append(text)
        else:
            item.warnings.append(text)
    if ledger is not None and not approved:
        _compare_with_previous(item, ledger, report)


_ALWAYS_REFUSED = frozenset({"hostile-archive", "known-malware"})
KNOWN_HOOK = "known-startup-hook"
# Names that take over another package's module or command: refused in protected packages.
_NAME_KINDS = frozenset({"foreign-top-level", "shadowing-script"})


def _hook_accepted(
    item: Item,
    policy: Policy,
    target: str,
    digests: dict[str, str],
    reviewed: set[str],
    approval: Approval | None,
) -> str | None:
    """Why a start-up hook may be installed, or ``None``: an
    ``install.allow_startup_hooks`` entry for its exact content, or an approval of this
    version that recorded the hook or this file's sha256 (the hook was in the bytes the
    reviewer approved)."""
    digest = digests.get(target, "")
    allowed = policy.install.allowed_hook(item.name, target, digest) if digest else None
    if allowed is not None:
        return f"install.allow_startup_hooks ({allowed.origin})"
    if target and target in reviewed:
        return "reviewed in its approval"
    if approval is not None and item.sha256 and f"sha256:{item.sha256}" in approval.hashes:
        return "its approval recorded this file's sha256"
    return None


def _compare_with_previous(item: Item, ledger: Ledger, report: Any) -> None:
    from guard.artifacts.inspect_artifact import compare

    previous = None
    for approval in reversed(ledger.get(item.name).approvals):
        if approval.inspection is not None and approval.version != item.version:
            previous = approval
            break
    if previous is None or previous.inspection is None:
        return
    for finding in compare(previous.inspection, report):
        text = f"{finding.detail} (not in the approved {previous.version})"
        (item.refusals if finding.severity == "deny" else item.warnings).append(text)


def _serving(clients: Sequence[Any], item: Item) -> Any:
    """The first index client that lists ``item``'s exact file (by sha256)."""
    for client in clients:
        try:
            files = client.release_files(item.name, item.version)
        except GuardError:
            if item.protected:
                raise
            continue
        if any(f.sha256 == item.sha256 for f in files):
            return client
    return None


def _fetch(item: Item, clients: Sequence[Any]) -> bytes:
    """The bytes of ``item``'s file, checked against the sha256 pip resolved."""
    from guard.index import HashMismatch, IndexClient, IndexFile

    assert item.sha256 is not None
    parts = urlsplit(item.url)
    if parts.scheme == "file":
        try:
            data = Path(unquote(parts.path)).read_bytes()
        except OSError as exc:
            raise GuardError(f"cannot read {item.url}: {exc.strerror}") from None
        if hashlib.sha256(data).hexdigest() != item.sha256:
            raise HashMismatch(f"{item.filename}: the local file changed since pip resolved it")
        return data
    client = clients[0] if clients else IndexClient(f"{parts.scheme}://{parts.netloc}/")
    file = IndexFile(
        filename=item.filename,
        url=item.url,
        sha256=item.sha256,
        upload_time=None,
        yanked=None,
        provenance_url=None,
        provenance_known=False,
        requires_python=None,
        core_metadata=False,
        version=item.version,
    )
    downloaded: bytes = client.download(file, max_bytes=MAX_DOWNLOAD)
    return downloaded


def table(items: Sequence[Item]) -> str:
    """One line per distribution: package, version, what was checked, verdict (+ reasons)."""
    rows = [("package", "version", "checked", "verdict")]
    for item in items:
        mark = " (protected)" if item.protected else ""
        rows.append((item.name + mark, item.version, ", ".join(item.checked) or "-", item.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    for item in items:
        for note in item.notes:
            lines.append(f"attested: {item.name} {item.version}: {note}")
        for reason in item.refusals:
            lines.append(f"refused: {item.name} {item.version}: {reason}")
        for reason in item.warnings:
            lines.append(f"warning: {item.name} {item.version}: {reason}")
        for reason in item.accepted:
            lines.append(f"accepted hook: {item.name} {item.version}: {reason}")
    return "\n".join(lines)


def run(
    args: Sequence[str],
    policy: Policy,
    python: str | None,
    root: Path | None,
    emit: Callable[[str], None] = print,
) -> Outcome:
    """Resolve, decide, inspect, then install exactly the checked files (or nothing).

    The verdict table goes to ``emit`` before pip installs anything.
    """
    from guard.index import default_index_url

    if not any(not a.startswith("-") for a in args) and not any(
        a in ("-r", "--requirement", "-e", "--editable") or a.startswith(("-r", "--requirement="))
        for a in args
    ):
        raise UsageError("bumpguard pip install: name what to install, as with pip install")
    interpreter = target_python(python)
    install_opts, index_opts, values = split_options(args)
    indexes = [default_index_url(values.get("--index-url", values.get("-i", [None]))[-1])]
    indexes += values.get("--extra-index-url", [])
    ledger = None
    if root is not None and (root / ".bumpguard" / "approvals").is_dir():
        from guard.engine.check import load_imports

        ledger = Ledger(root, load_imports(root, policy))
    with tempfile.TemporaryDirectory(prefix="bumpguard-install-") as tmp:
        workdir = Path(tmp)
        items = resolve(interpreter, args, policy, workdir)
        if not items:
            return Outcome(items, 0, "nothing to install: pip would install nothing")
        decide(items, policy, ledger, indexes, workdir)
        emit(table(items))
        if any(item.refusals for item in items):
            return Outcome(items, 1, "bumpguard: refused: nothing was installed")
        files = [str(item.local) for item in items if item.local is not None]
        has_sdist = any(not f.endswith(".whl") for f in files)
        proc = _pip(
            interpreter,
            [
                "install",
                "--no-deps",
                *([] if has_sdist else ["--no-index"]),
                *(index_opts if has_sdist else []),
                *install_opts,
                *files,
            ],
            quiet=False,
        )
        if proc.returncode != 0:
            return Outcome(
                items,
                2,
                f"bumpguard: pip failed while installing the checked "
                f"files (exit {proc.returncode}); the environment is as pip left it",
            )
        return Outcome(items, 0, f"bumpguard: installed {len(files)} checked file(s)")
