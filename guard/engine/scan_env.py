"""``bumpguard scan-env``: audit an installed environment for start-up hooks and denied versions.

Incident response for the litellm 1.82.7/1.82.8 kind of compromise: it reads the
site-packages directories of an environment and reports

* every ``.pth`` file with lines that ``site`` runs at start-up (or that look like code),
* litellm 1.82.8's ``litellm_init.pth``, by name and by its sha256 under any name,
* ``sitecustomize`` / ``usercustomize`` modules, which Python imports at start-up,
* installed distributions at a version the policy denies,

each with the distribution that installed it (from the ``RECORD`` files) and what to remove.

Nothing from the scanned environment is imported or run. With ``--python`` (or by default)
bumpguard asks that interpreter where its site-packages directories are, started with
``-I -S``: with ``-S`` the ``site`` module does not run at start-up, so no ``.pth`` file is
processed and no customize module is imported. The probe imports ``site`` itself, which
under ``-S`` only defines functions (``site.main()`` runs only when ``sys.flags.no_site`` is
false), and calls ``getsitepackages`` and ``getusersitepackages``, which compute paths and
never read a ``.pth``. A virtual environment's ``sys.prefix`` is set by ``site.venv()``,
which ``-S`` skips, so the probe repeats its ``pyvenv.cfg`` logic to find the environment's
own site-packages (without it, the base interpreter's would be scanned instead).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from guard._files import real
from guard.artifacts import startup
from guard.errors import EXIT_BLOCKED, EXIT_OK, GuardError, UsageError
from guard.policy.rules import Policy

MAX_PTH_BYTES = 1024 * 1024
MAX_METADATA_BYTES = 256 * 1024
MAX_RECORD_BYTES = 32 * 1024 * 1024
MAX_DIR_ENTRIES = 200_000
PROBE_TIMEOUT = 60.0

KNOWN_MALWARE = "known-malware"
STARTUP_HOOK = "startup-hook"
CUSTOMIZE_MODULE = "customize-module"
DENIED_VERSION = "denied-version"
UNREADABLE = "unreadable"

UNKNOWN_OWNER = "unknown owner"

_TITLES = {
    KNOWN_MALWARE: "KNOWN MALWARE",
    STARTUP_HOOK: "start-up hook",
    CUSTOMIZE_MODULE: "customize module",
    DENIED_VERSION: "denied version",
    UNREADABLE: "unreadable",
}

# Run by the scanned interpreter as ``python -I -S -c PROBE``: prints the site-packages
# directories ``site`` would process at a normal start-up, as JSON. It must not import
# anything outside the standard library or trigger ``site.main()``.
PROBE = r"""
import json, os, sys
try:
    import site, sysconfig
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    prefix = os.path.dirname(exe_dir)
    confs = [c for c in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(prefix, "pyvenv.cfg"))
             if os.path.isfile(c)]
    prefixes = list(site.PREFIXES)
    user = True
    if confs:  # what site.venv() would do
        system = "true"
        with open(confs[0], encoding="utf-8", errors="replace") as f:
            for line in f:
                key, sep, value = line.partition("=")
                if sep and key.strip().lower() == "include-system-site-packages":
                    system = value.strip().lower()
        sys.prefix = sys.exec_prefix = prefix
        if system == "true":
            prefixes.insert(0, prefix)
        else:
            prefixes = [prefix]
            user = False
    dirs = [["site", d] for d in site.getsitepackages(prefixes)]
    # sysconfig captured sys.prefix when it was imported: pass the prefixes explicitly
    paths = sysconfig.get_paths(vars={"base": sys.prefix, "platbase": sys.exec_prefix})
    dirs += [["purelib", paths["purelib"]], ["platlib", paths["platlib"]]]
    if user:
        u = site.getusersitepackages()
        if u:
            dirs.append(["user", u])
    print(json.dumps({"dirs": dirs, "executable": sys.executable,
                      "version": "%d.%d.%d" % sys.version_info[:3]}))
except Exception as exc:
    print(json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)}))
"""


@dataclass(frozen=True)
class Distribution:
    """An installed distribution: its ``.dist-info`` (or ``.egg-info``) and what it says."""

    name: str
    version: str
    path: Path

    @property
    def label(self) -> str:
        """``litellm 1.82.8``."""
        return f"{self.name} {self.version}"


@dataclass(frozen=True)
class EnvFinding:
    """One thing in the environment that runs at start-up, is denied, or could not be read."""

    kind: str
    path: Path
    owner: str  # "name version" (several joined with ", ") or "unknown owner"
    detail: str
    owners: tuple[Distribution, ...] = ()
    advisories: tuple[str, ...] = ()
    executes: bool = False  # site runs it at every start-up (a .pth import line or a module)
    is_dir: bool = False  # a package directory (removed with ``rm -r``)


@dataclass(frozen=True)
class Accepted:
    """A start-up hook that is known-benign or that the policy accepts, and why."""

    path: Path
    owner: str
    reason: str


@dataclass
class ScanResult:
    """What ``scan`` found in some site-packages directories."""

    dirs: list[Path]
    distributions: list[Distribution]
    findings: list[EnvFinding]
    python: str | None = None
    notes: list[str] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """The same facts as :meth:`render`, as JSON-ready data."""
        return {
            "schema": 1,
            "result": "found" if self.findings else "ok",
            "python": self.python,
            "dirs": [str(d) for d in self.dirs],
            "distributions": len(self.distributions),
            "findings": [
                {
                    "kind": f.kind,
                    "path": str(f.path),
                    "owner": f.owner,
                    "detail": f.detail,
                    "executes": f.executes,
                    "advisories": list(f.advisories),
                }
                for f in self.findings
            ],
            "accepted": [
                {"path": str(a.path), "owner": a.owner, "reason": a.reason} for a in self.accepted
            ],
            "notes": list(self.notes),
        }

    @property
    def exit_code(self) -> int:
        """1 when anything was found, else 0."""
        return EXIT_BLOCKED if self.findings else EXIT_OK

    def render(self) -> str:
        """The human report: findings, what to remove (in a safe order), what to rotate."""
        where = f"{len(self.dirs)} site-packages dir(s), {len(self.distributions)} distributions"
        lines: list[str] = []
        accepted = [f"  accepted: {a.path} ({a.owner}): {a.reason}" for a in self.accepted]
        if not self.findings:
            hooks = f", {len(self.accepted)} accepted start-up hook(s)" if self.accepted else ""
            lines.append(f"ok: no start-up hooks or denied versions found in {where}{hooks}")
            lines.extend(f"  scanned {d}" for d in self.dirs)
            lines.extend(accepted)
            lines.extend(f"  note: {n}" for n in self.notes)
            return "\n".join(_printable(line) for line in lines)
        lines.append(f"bumpguard scan-env: {len(self.findings)} finding(s) in {where}")
        lines.extend(f"  scanned {d}" for d in self.dirs)
        lines.extend(accepted)
        lines.extend(f"  note: {n}" for n in self.notes)
        for finding in self.findings:
            lines.append("")
            lines.append(f"{_TITLES.get(finding.kind, finding.kind)}: {finding.path}")
            lines.append(f"  owner: {finding.owner}")
            lines.append(f"  {finding.detail}")
            if finding.advisories:
                lines.append(f"  advisories: {', '.join(finding.advisories)}")
        lines.append("")
        lines.extend(self._removal())
        rotate = self._rotation()
        if rotate:
            lines.append("")
            lines.extend(rotate)
        return "\n".join(_printable(line) for line in lines)

    def _pip(self, name: str) -> str:
        if self.python:
            return f"{shlex.quote(self.python)} -m pip uninstall {shlex.quote(name)}"
        return f"pip uninstall {shlex.quote(name)}"

    def _removal(self) -> list[str]:
        first: list[str] = []  # files to delete before any Python of this environment runs
        uninstall: list[str] = []
        review: list[str] = []
        by_hand: list[str] = []

        def add(bucket: list[str], item: str) -> None:
            if item not in first and item not in uninstall and item not in bucket:
                bucket.append(item)

        for f in self.findings:
            rm = f"rm {'-r ' if f.is_dir else ''}{shlex.quote(str(f.path))}"
            if f.kind == KNOWN_MALWARE:
                add(first, rm)
                for dist in f.owners:
                    add(uninstall, self._pip(dist.name))
            elif f.kind == DENIED_VERSION:
                add(uninstall, self._pip(f.owners[0].name))
            elif f.kind == UNREADABLE:
                add(by_hand, f"inspect {shlex.quote(str(f.path))} by hand ({f.detail})")
            elif not f.owners:
                add(first if f.executes else review, rm)
            else:
                for dist in f.owners:
                    add(review, self._pip(dist.name))
        # Owned hooks of a distribution that is being uninstalled anyway need no review.
        review = [r for r in review if r not in uninstall]
        out = ["What to remove:"]
        step = 0
        if first:
            out.append(
                "  first delete these files: every Python start-up in this environment, pip's"
                " included, runs them"
            )
            for item in first:
                step += 1
                out.append(f"  {step}. {item}")
        if uninstall:
            out.append("  then uninstall:")
            for item in uninstall:
                step += 1
                out.append(f"  {step}. {item}")
        if review:
            out.append("  review; if you did not install these on purpose, remove them:")
            for item in review:
                step += 1
                out.append(f"  {step}. {item}")
        if by_hand:
            out.append("  could not be checked:")
            for item in by_hand:
                step += 1
                out.append(f"  {step}. {item}")
        return out

    def _rotation(self) -> list[str]:
        malware = [f for f in self.findings if f.kind == KNOWN_MALWARE]
        denied = [f for f in self.findings if f.kind == DENIED_VERSION]
        unknown = [
            f
            for f in self.findings
            if f.kind in (STARTUP_HOOK, CUSTOMIZE_MODULE) and f.executes and not f.owners
        ]
        if not (malware or denied or unknown):
            return []
        out = ["Credentials:"]
        if malware or denied:
            how = []
            if malware:
                how.append("at every interpreter start-up (a .pth hook)")
            if denied:
                how.append("on import of the denied release")
            out.append(
                "  If this environment was used, its code may have run with your privileges "
                + " and ".join(how)
                + ". bumpguard cannot tell whether it ran or what it read; treat it as a"
                " compromise of this machine's user and rotate:"
            )
        else:
            out.append(
                "  A start-up hook of unknown owner runs with your privileges at every "
                "interpreter start-up. If you do not recognise it, treat it as a compromise"
                " of this machine's user and rotate:"
            )
        out.extend(
            f"    - {item}"
            for item in (
                "SSH keys",
                "cloud credentials (AWS, GCP, Azure)",
                "API keys of LLM providers",
                "tokens in environment variables and .env files",
                "PyPI and GitHub tokens",
                "Kubernetes configs",
            )
        )
        if unknown and (malware or denied):
            out.append(
                "  The start-up hooks of unknown owner above run at every interpreter"
                " start-up too: inspect them before trusting this environment again."
            )
        return out


def _printable(text: str) -> str:
    """``text`` with control and other non-printable characters escaped: file names and
    ``.pth`` lines come from the scanned environment and must not drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def scan(paths: Sequence[Path], policy: Policy) -> ScanResult:
    """Scan site-packages directories (read only; nothing is imported or executed)."""
    dirs = _unique(paths)
    result = ScanResult(dirs=dirs, distributions=[], findings=[])
    for site_dir in dirs:
        _scan_dir(site_dir, policy, result)
    return result


def site_dirs(python: str | None) -> list[Path]:
    """The existing site-packages directories of ``python`` (default: the active virtual
    environment's interpreter if ``VIRTUAL_ENV`` is set, else this interpreter), asked from
    it with ``-I -S`` so that no ``.pth`` file or customize module runs."""
    return _probe(_interpreter(python))[0]


def run(python: str | None, path: str | None, policy: Policy, fmt: str = "text") -> tuple[str, int]:
    """``bumpguard scan-env [--python PATH | --path SITE_PACKAGES]``: report and exit code."""
    if python is not None and path is not None:
        raise UsageError("scan-env: give --python or --path, not both")
    notes: list[str] = []
    interpreter: str | None = None
    if path is not None:
        target = Path(path)
        if not target.exists():
            raise GuardError(f"scan-env: {path}: no such directory")
        if not target.is_dir():
            raise GuardError(f"scan-env: {path}: not a directory")
        if (target / "pyvenv.cfg").is_file():
            raise GuardError(
                f"scan-env: {path} is a virtual environment, not a site-packages directory: "
                f"use --python {Path(path) / ('Scripts' if os.name == 'nt' else 'bin') / 'python'}"
            )
        paths = [target]
    else:
        interpreter = _interpreter(python)
        paths, version = _probe(interpreter)
        if not paths:
            raise GuardError(f"scan-env: {interpreter} reports no existing site-packages directory")
        notes.append(f"interpreter {interpreter} (Python {version}), asked with -I -S")
    result = scan(paths, policy)
    result.python = interpreter
    result.notes[:0] = notes
    if fmt == "json":
        return json.dumps(result.to_data(), indent=2), result.exit_code
    return result.render(), result.exit_code


# --- the interpreter probe -------------------------------------------------------------


def _interpreter(python: str | None) -> str:
    if python is None:
        venv = os.environ.get("VIRTUAL_ENV")
        if venv:
            exe = "python.exe" if os.name == "nt" else "python"
            candidate = Path(venv) / ("Scripts" if os.name == "nt" else "bin") / exe
            if not candidate.exists():
                raise GuardError(
                    f"scan-env: VIRTUAL_ENV={venv} has no {candidate}: "
                    "deactivate it or give --python or --path"
                )
            python = str(candidate)
        else:
            return sys.executable
    if os.sep not in python and (os.altsep is None or os.altsep not in python):
        found = shutil.which(python)
        if found is None:
            raise GuardError(f"scan-env: --python {python}: not found on PATH")
        python = found
    target = Path(python)
    if not target.exists():
        raise GuardError(f"scan-env: --python {python}: no such file")
    if target.is_dir():
        raise GuardError(f"scan-env: --python {python}: is a directory, not an interpreter")
    if not os.access(target, os.X_OK):
        raise GuardError(f"scan-env: --python {python}: not executable")
    return python


def _probe(python: str) -> tuple[list[Path], str]:
    try:
        proc = subprocess.run(
            [python, "-I", "-S", "-c", PROBE],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GuardError(f"scan-env: {python} did not answer within {PROBE_TIMEOUT:.0f}s") from None
    except OSError as exc:
        raise GuardError(f"scan-env: cannot run {python}: {exc.strerror or exc}") from None
    stdout = proc.stdout.decode("utf-8", errors="replace").strip()
    stderr = proc.stderr.decode("utf-8", errors="replace").strip()
    if proc.returncode != 0:
        tail = stderr.splitlines()[-1][:300] if stderr else "no output"
        raise GuardError(
            f"scan-env: {python} is not a working Python interpreter "
            f"(exit {proc.returncode}: {tail})"
        )
    try:
        data = json.loads(stdout.splitlines()[-1]) if stdout else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise GuardError(f"scan-env: {python} gave no site-packages answer: {stdout[:200]!r}")
    if "error" in data:
        raise GuardError(f"scan-env: {python} could not list its site-packages: {data['error']}")
    raw = data.get("dirs")
    if not isinstance(raw, list):
        raise GuardError(f"scan-env: {python} gave no site-packages answer: {stdout[:200]!r}")
    dirs = [
        Path(item[1])
        for item in raw
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], str) and item[1]
    ]
    existing = [d for d in dirs if _is_dir(d)]
    version = data.get("version")
    return _unique(existing), version if isinstance(version, str) else "?"


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _unique(paths: Sequence[Path]) -> list[Path]:
    seen: set[str] = set()
    out: list[Path] = []
    for path in paths:
        try:
            key = os.path.normcase(str(real(path)))
        except (OSError, RuntimeError):
            key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


# --- reading one site-packages directory -----------------------------------------------


def _scan_dir(site_dir: Path, policy: Policy, result: ScanResult) -> None:
    try:
        with os.scandir(site_dir) as it:
            entries = []
            for entry in it:
                entries.append(entry)
                if len(entries) >= MAX_DIR_ENTRIES:
                    result.notes.append(f"{site_dir}: read only {MAX_DIR_ENTRIES} entries")
                    break
    except OSError as exc:
        result.findings.append(
            EnvFinding(UNREADABLE, site_dir, UNKNOWN_OWNER, f"cannot list: {_reason(exc)}")
        )
        return
    entries.sort(key=lambda e: e.name)
    dists: list[Distribution] = []
    owners: dict[str, list[Distribution]] = {}
    for entry in entries:
        if entry.name.endswith((".dist-info", ".egg-info")):
            dist = _distribution(site_dir, entry, owners)
            if dist is not None:
                dists.append(dist)
    result.distributions.extend(dists)
    files: dict[Path, set[str]] = {}
    for key, owned in owners.items():
        for dist in owned:
            files.setdefault(dist.path, set()).add(key)

    def owned_by(*keys: str, prefix: str | None = None) -> tuple[Distribution, ...]:
        found: list[Distribution] = []
        for key in keys:
            found.extend(owners.get(key, ()))
        if prefix is not None:
            for key, dists_ in owners.items():
                if key.startswith(prefix):
                    found.extend(dists_)
        return tuple(dict.fromkeys(found))

    for entry in entries:
        name = entry.name
        path = Path(entry.path)
        if startup.is_pth(name):
            pth_owners = owned_by(name)
            finding, added = _check_pth(path, pth_owners, files, policy, result)
            if finding is not None:
                result.findings.append(finding)
            for folder in added:
                _customize_in(site_dir / folder, path, owned_by, site_dir, result)
        else:
            is_dir = _entry_is_dir(entry)
            module = startup.customize_module(name, is_dir)
            if module is not None:
                dists_ = owned_by(name, prefix=name + "/") if is_dir else owned_by(name)
                result.findings.append(_customize(path, module, is_dir, dists_, ""))
    for dist in dists:
        try:
            rule = policy.denial(canonicalize_name(dist.name), dist.version)
        except Exception:  # a hostile version string must not stop the scan
            rule = None
        if rule is not None:
            reason = rule.reason or "denied by the policy"
            result.findings.append(
                EnvFinding(
                    DENIED_VERSION,
                    dist.path,
                    dist.label,
                    f"{dist.label} is denied by {rule.origin} ({rule.describe()}): {reason}",
                    (dist,),
                    rule.advisories,
                    executes=True,
                )
            )


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _owner(dists: Sequence[Distribution]) -> str:
    return ", ".join(d.label for d in dists) if dists else UNKNOWN_OWNER


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _read_bounded(path: Path, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of ``path`` and whether there was more."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    return data[:limit], len(data) > limit


def _customize(
    path: Path, module: str, is_dir: bool, owners: tuple[Distribution, ...], how: str
) -> EnvFinding:
    when = (
        "at every start-up"
        if module == "sitecustomize"
        else "at every start-up when the user site is enabled"
    )
    return EnvFinding(
        CUSTOMIZE_MODULE,
        path,
        _owner(owners),
        f"{module} {'package' if is_dir else 'module'}: Python imports it {when}{how}",
        owners,
        executes=True,
        is_dir=is_dir,
    )


def _customize_in(
    folder: Path,
    pth: Path,
    owned_by: Callable[..., tuple[Distribution, ...]],
    site_dir: Path,
    result: ScanResult,
) -> None:
    """Customize modules in a folder that a ``.pth`` file adds to ``sys.path``."""
    try:
        if real(folder) == real(site_dir) or not folder.is_dir():
            return
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)[:MAX_DIR_ENTRIES]
    except (OSError, ValueError):  # unreadable, or a NUL in the line (site skips it too)
        return
    for entry in entries:
        is_dir = _entry_is_dir(entry)
        module = startup.customize_module(entry.name, is_dir)
        if module is None:
            continue
        path = Path(entry.path)
        try:
            key = path.relative_to(site_dir).as_posix()
            dists = owned_by(key, prefix=key + "/") if is_dir else owned_by(key)
        except ValueError:
            dists = ()
        how = f": {pth.name} adds {folder} to sys.path"
        result.findings.append(_customize(path, module, is_dir, dists, how))


def _check_pth(
    path: Path,
    owners: tuple[Distribution, ...],
    files: dict[Path, set[str]],
    policy: Policy,
    result: ScanResult,
) -> tuple[EnvFinding | None, list[str]]:
    """The finding for one ``.pth`` file (``None`` when it runs nothing, or runs only a
    known-benign or accepted hook, which goes to ``result.accepted``), and the folders its
    path lines add to ``sys.path``."""
    try:
        data, truncated = _read_bounded(path, MAX_PTH_BYTES)
    except IsADirectoryError:
        return None, []  # site cannot open a directory either
    except OSError as exc:
        return EnvFinding(
            UNREADABLE,
            path,
            _owner(owners),
            f"cannot read this .pth file ({_reason(exc)}); site may run it for another user",
            owners,
        ), []
    digest = "" if truncated else hashlib.sha256(data).hexdigest()
    by_name = path.name == startup.LITELLM_PTH_NAME
    by_digest = digest == startup.LITELLM_PTH_SHA256
    if by_name or by_digest:
        how = " and ".join(m for m, hit in (("by name", by_name), ("by sha256", by_digest)) if hit)
        return EnvFinding(
            KNOWN_MALWARE,
            path,
            _owner(owners),
            f"litellm 1.82.8's start-up hook (matched {how}): litellm 1.82.8 was installed in "
            "this environment, and Python runs this file at every interpreter start-up",
            owners,
            executes=True,
        ), []
    text = startup.decode(data)
    added = startup.added_paths(text)
    lines = startup.executable_lines(text)
    if truncated:
        # Never a path list of this size: site would still run any import line past the cap.
        lines.sort(key=lambda line: not line.executed)
        found = f"; {startup.describe(lines)}" if lines else ""
        return EnvFinding(
            STARTUP_HOOK,
            path,
            _owner(owners),
            f"{_size(path)} .pth file, read only the first {MAX_PTH_BYTES // 1024} KiB{found}: "
            "site runs every import line in it at start-up",
            owners,
            executes=True,
        ), added
    executed = [line for line in lines if line.executed]
    for line in lines:
        if not line.executed:
            result.notes.append(
                f"{path}: line {line.number} looks like code, but site treats it as a folder"
            )
    if not executed:
        return None, added
    why = _accepted(path, data, digest, owners, files, policy)
    if why is not None:
        result.accepted.append(Accepted(path, _owner(owners), why))
        return None, added
    return EnvFinding(
        STARTUP_HOOK,
        path,
        _owner(owners),
        startup.describe(executed),
        owners,
        executes=True,
    ), added


def _accepted(
    path: Path,
    data: bytes,
    digest: str,
    owners: tuple[Distribution, ...],
    files: dict[Path, set[str]],
    policy: Policy,
) -> str | None:
    """Why a hook that runs is benign: known by content for the one distribution whose
    RECORD lists it (or for none, for a virtual environment's own), or accepted by the
    policy's ``install.allow_startup_hooks``."""
    if len(owners) > 1:
        return None  # two distributions claim it: neither is known to be the author
    owner = owners[0] if owners else None
    name = canonicalize_name(owner.name) if owner is not None else None
    known = startup.recognise(path.name, data, name, files.get(owner.path, set()) if owner else ())
    if known is not None:
        return known
    if name is not None:
        allowed = policy.install.allowed_hook(name, path.name, digest)
        if allowed is not None:
            return f"install.allow_startup_hooks ({allowed.origin})"
    return None


def _size(path: Path) -> str:
    try:
        return f"{path.stat().st_size:,}-byte"
    except OSError:
        return "oversized"


def _distribution(
    site_dir: Path, entry: os.DirEntry[str], owners: dict[str, list[Distribution]]
) -> Distribution | None:
    meta_dir = Path(entry.path)
    is_dir = _entry_is_dir(entry)
    if entry.name.endswith(".dist-info"):
        if not is_dir:
            return None
        headers = _headers(meta_dir / "METADATA")
    else:
        headers = _headers(meta_dir / "PKG-INFO" if is_dir else meta_dir)
    stem = entry.name.rsplit(".", 1)[0]
    fallback_name, _, fallback_version = stem.partition("-")
    fallback_version = fallback_version.split("-", 1)[0]
    name = headers.get("name") or fallback_name
    version = headers.get("version") or fallback_version or "(unknown version)"
    dist = Distribution(name, version, meta_dir)
    if is_dir:
        if entry.name.endswith(".dist-info"):
            files = _record_paths(meta_dir / "RECORD")
            base = ""
        else:
            files = _lines(meta_dir / "installed-files.txt")
            base = entry.name
        for raw in files:
            key = _normalise(raw, base, site_dir)
            if key:
                owners.setdefault(key, []).append(dist)
    return dist


def _headers(path: Path) -> dict[str, str]:
    """``Name`` and ``Version`` from a core-metadata file (bounded, lenient)."""
    try:
        data, _ = _read_bounded(path, MAX_METADATA_BYTES)
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in ("name", "version") and key not in out:
            out[key] = value.strip()[:200]
    return out


def _lines(path: Path) -> list[str]:
    try:
        data, _ = _read_bounded(path, MAX_RECORD_BYTES)
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _record_paths(path: Path) -> list[str]:
    """The file column of a ``RECORD`` (CSV; a quoted path may contain commas)."""
    import csv

    try:
        return [row[0] for row in csv.reader(_lines(path)) if row]
    except csv.Error:
        return [line.split(",", 1)[0] for line in _lines(path)]


def _normalise(raw: str, base: str, site_dir: Path) -> str:
    """A RECORD path as a key relative to the site-packages directory ("" if outside)."""
    text = raw.strip().replace("\\", "/")
    if not text:
        return ""
    if posixpath.isabs(text) or (len(text) > 1 and text[1] == ":"):
        try:
            text = Path(text).relative_to(site_dir).as_posix()
        except ValueError:
            return ""
    elif base:
        text = posixpath.join(base, text)
    text = posixpath.normpath(text)
    if text.startswith("../") or text in ("..", "."):
        return ""
    return text
