"""Inspect one downloaded wheel or sdist without running or extracting it.

Only the archive's directory and a few small members are read (``RECORD``,
``entry_points.txt``, ``top_level.txt``, ``.pth`` files and customize modules), each
through a bounded read, so a hostile archive costs at most the limits in :class:`Limits`.
Every input, however corrupt, yields a :class:`Report`: an archive that cannot be read is a
``hostile-archive`` finding with severity ``deny``, never an exception.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import lzma
import os
import posixpath
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal, NamedTuple, Protocol

from guard.artifacts import startup
from guard.errors import EXIT_BLOCKED, GuardError, InputError

Severity = Literal["deny", "warn"]

KIND_PTH_EXEC = "pth-exec"
KIND_CUSTOMIZE = "customize"
KIND_FOREIGN = "foreign-top-level"
KIND_SHADOWING = "shadowing-script"
KIND_DATA_SCRIPT = "data-script"
KIND_MALWARE = "known-malware"
KIND_HOSTILE = "hostile-archive"
KIND_RECORD = "record-mismatch"
KIND_NEW_HOOK = "new-startup-hook"
KIND_CHANGED_HOOK = "changed-startup-hook"
KIND_NEW_TOP = "new-top-level"
KIND_KNOWN_HOOK = "known-startup-hook"  # a hook a real project publishes, recognised by content

SCHEMA = 1

_KIB = 1024
_MIB = 1024 * _KIB
_GIB = 1024 * _MIB
_CHUNK = 64 * _KIB


@dataclass(frozen=True)
class Limits:
    """How much of an artifact the inspection accepts and reads; defaults suit real wheels."""

    max_member_size: int = 512 * _MIB  # uncompressed size of one member
    max_total_size: int = 2 * _GIB  # uncompressed size of all members
    max_ratio: int = 200  # compression ratio, checked on members above ratio_min_size
    # Real wheels have small members that compress far better than that: auditwheel pads
    # shared libraries to a page boundary with zeros (pillow 13.0.0's 2 MB libXau, 223:1).
    ratio_min_size: int = 32 * _MIB
    max_members: int = 100_000
    max_pth_size: int = 1 * _MIB  # a larger .pth (or customize module) is not read
    max_metadata_size: int = 32 * _MIB  # RECORD, entry_points.txt, top_level.txt each
    max_read_total: int = 128 * _MIB  # everything the inspection decompresses
    # One read from a tar stream (tarfile reads a pax or GNU long-name header whole);
    # never below 64 KiB, the size the inspection itself reads in.
    max_tar_header: int = 1 * _MIB
    max_findings_per_kind: int = 100  # beyond this, one summary finding per kind


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ArtifactFinding:
    """One thing the inspection noticed; ``path`` is the archive member it is about.

    ``target`` is where it lands when installed, as :attr:`Report.top_level` and
    :attr:`Report.startup_hooks` name it (``""`` when that does not apply).
    """

    kind: str
    path: str
    detail: str
    severity: Severity = "warn"
    target: str = ""

    def to_data(self) -> dict[str, str]:
        """A JSON-ready dictionary."""
        data = {
            "kind": self.kind,
            "path": self.path,
            "detail": self.detail,
            "severity": self.severity,
        }
        if self.target:
            data["target"] = self.target
        return data


@dataclass(frozen=True)
class Report:
    """What one artifact would install at the top of site-packages and what runs at start-up.

    ``startup_hooks`` are install paths relative to site-packages (``x.pth``,
    ``sitecustomize``); ``<prefix>/`` marks files installed into the environment's prefix.
    ``hook_sha256`` pairs each hook with the sha256 of its content (``""`` if not read), and
    ``hook_members`` with the archive member it comes from (not part of :meth:`to_data`).
    """

    filename: str
    sha256: str
    findings: tuple[ArtifactFinding, ...] = ()
    top_level: tuple[str, ...] = ()
    startup_hooks: tuple[str, ...] = ()
    hook_sha256: tuple[tuple[str, str], ...] = ()
    hook_members: tuple[tuple[str, str], ...] = ()

    @property
    def denied(self) -> bool:
        """Whether any finding has severity ``deny``."""
        return any(f.severity == "deny" for f in self.findings)

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dictionary (what :func:`compare` reads back)."""
        return {
            "schema": SCHEMA,
            "filename": self.filename,
            "sha256": self.sha256,
            "findings": [f.to_data() for f in self.findings],
            "top_level": list(self.top_level),
            "startup_hooks": list(self.startup_hooks),
            "startup_hook_sha256": dict(self.hook_sha256),
        }


# --------------------------------------------------------------------------- helpers

_UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_NORMALISE = re.compile(r"[-_.]+")
_MODULE_SUFFIXES = (".py", ".pyc", ".pyw", ".pyd", ".so")
_SHADOWED = re.compile(
    r"(?P<family>python|pythonw|pip|git|ssh|sudo|sh|bash|curl|wget|uv|uvx|pre-commit|bumpguard)"
    r"(?P<version>3(\.\d+)?t?)?",
    re.IGNORECASE,
)
_VERSIONED_FAMILIES = frozenset({"python", "pythonw", "pip"})
_SCRIPT_SUFFIXES = (".exe", ".bat", ".cmd", ".com", ".ps1")
_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_PREFIX = "<prefix>/"
_UNEXPECTED = "could not be inspected (unexpected"

# Everything the standard library raises for corrupt zip, tar or compressed input.
_CORRUPT: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    UnicodeError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
    IndexError,
    KeyError,
)


def show(text: str, limit: int = 300) -> str:
    """``text`` safe to print: no control, bidi or lone-surrogate characters, bounded length."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    safe = _UNSAFE_TEXT.sub(lambda m: f"\\x{ord(m.group()):02x}", safe)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def _normalise(name: str) -> str:
    """PEP 503-style normalisation with ``_`` (module and file names use ``_``)."""
    return _NORMALISE.sub("_", name).lower()


def _basename(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def _name_problem(name: str) -> str | None:
    """Why ``name`` is unsafe as an archive member name, or None."""
    if not name:
        return "empty member name"
    if "\\" in name:
        return "backslash in member name"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive letter in member name"
    if ".." in name.split("/"):
        return "path traversal ('..')"
    if _UNSAFE_TEXT.search(name):
        return "control character in member name"
    return None


def _error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return show(text, 160)


class _Collector:
    """Findings in discovery order, at most ``limit`` per kind plus one summary."""

    def __init__(self, limits: Limits) -> None:
        self.limit = limits.max_findings_per_kind
        self.findings: list[ArtifactFinding] = []
        self.counts: dict[str, int] = {}
        self.dropped_deny: set[str] = set()

    def add(
        self, kind: str, path: str, detail: str, severity: Severity = "warn", target: str = ""
    ) -> None:
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count > self.limit:
            if severity == "deny":
                self.dropped_deny.add(kind)
            return
        self.findings.append(ArtifactFinding(kind, show(path, 500), show(detail), severity, target))

    def hostile(self, path: str, detail: str) -> None:
        self.add(KIND_HOSTILE, path, detail, "deny")

    def result(self) -> tuple[ArtifactFinding, ...]:
        found = list(dict.fromkeys(self.findings))
        for kind, count in self.counts.items():
            if count > self.limit:
                severity: Severity = "deny" if kind in self.dropped_deny else "warn"
                detail = f"{count - self.limit} more {kind} findings not listed"
                found.append(ArtifactFinding(kind, "", detail, severity))
        found.sort(key=lambda f: (f.severity != "deny", f.kind, f.path))
        return tuple(found)


class _Budget:
    """Bytes the inspection may still decompress from one artifact."""

    def __init__(self, total: int) -> None:
        self.left = total


# Each start-up hook's install path -> (sha256 of its content or "", the archive member).
_Hooks = dict[str, tuple[str, str]]


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_bounded(handle: _Reader, cap: int, budget: _Budget) -> tuple[bytes, bool]:
    """Up to ``cap`` bytes from ``handle`` and whether there was more (or the budget ran out)."""
    limit = max(0, min(cap, budget.left))
    chunks: list[bytes] = []
    got = 0
    while got <= limit:
        chunk = handle.read(min(_CHUNK, limit + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    budget.left -= min(got, limit)
    return b"".join(chunks)[:limit], got > limit


# --------------------------------------------------------------------------- zip


def _central_directory_count(data: bytes, stop: int) -> int | None:
    """How many entries the zip central directory holds (counting stops past ``stop``)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    size_cd = struct.unpack_from("<L", data, end + 12)[0]
    location = end
    if end >= 76 and data[end - 20 : end - 16] == b"PK\x06\x07":
        location = end - 76
        if data[location : location + 4] != b"PK\x06\x06":
            return None
        size_cd = struct.unpack_from("<Q", data, location + 40)[0]
    pos = location - size_cd
    if pos < 0:
        return None
    count = 0
    while pos + 46 <= location and count <= stop:
        if data[pos : pos + 4] != b"PK\x01\x02":
            return None
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, pos + 28)
        pos += 46 + name_len + extra_len + comment_len
        count += 1
    return count


def _check_zip(
    infos: list[zipfile.ZipInfo], data: bytes, out: _Collector, limits: Limits
) -> set[str]:
    """Archive-level checks of every member; returns the names of members that are unsafe."""
    bad: set[str] = set()
    seen: set[str] = set()
    total = 0
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        name = info.orig_filename
        problems: list[str] = []
        problem = _name_problem(name)
        if problem:
            problems.append(problem)
        if name in seen:
            problems.append("duplicate member name")
        seen.add(name)
        mode = (info.external_attr >> 16) & 0o170000
        if stat.S_ISLNK(mode):
            problems.append("symbolic link")
        elif mode not in (0, stat.S_IFREG, stat.S_IFDIR):
            problems.append(f"special file (mode {mode:o})")
        if info.flag_bits & 0x1:
            problems.append("encrypted member")
        if info.compress_type not in _ZIP_METHODS:
            problems.append(f"unsupported compression method {info.compress_type}")
        if info.file_size > limits.max_member_size:
            problems.append(
                f"{info.file_size:,} bytes uncompressed (limit {limits.max_member_size:,})"
            )
        if info.file_size > limits.ratio_min_size and (
            info.file_size > limits.max_ratio * info.compress_size
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            problems.append(f"compression ratio {ratio:,}:1 (zip bomb)")
        total += info.file_size
        problems.extend(_check_local_header(info, data, spans))
        for problem in problems:
            out.hostile(name, problem)
        if problems:
            bad.add(name)
    if total > limits.max_total_size:
        out.hostile("", f"{total:,} bytes uncompressed in all (limit {limits.max_total_size:,})")
    spans.sort()
    for (_, end, first), (start, _, second) in pairwise(spans):
        if start < end:
            out.hostile(second, f"overlaps the data of {show(first, 120)} (zip bomb)")
            bad.add(second)
    return bad


def _check_local_header(
    info: zipfile.ZipInfo, data: bytes, spans: list[tuple[int, int, str]]
) -> list[str]:
    """Disagreements between a member's local header and the central directory."""
    offset = info.header_offset
    if offset < 0 or offset + 30 > len(data):
        return ["local header outside the file (truncated?)"]
    (signature, flags, method, csize, usize, name_len, extra_len) = struct.unpack_from(
        "<4s2xH H8x 2L 2H", data, offset
    )
    if signature != b"PK\x03\x04":
        return ["no local header where the central directory points"]
    problems: list[str] = []
    raw_name = data[offset + 30 : offset + 30 + name_len]
    local_name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
    if local_name != info.orig_filename:
        problems.append(f"local header names {show(local_name, 120)!r}")
    if method != info.compress_type:
        problems.append(f"local header says compression method {method}")
    sized = not flags & 0x08 and 0xFFFFFFFF not in (csize, usize)
    if sized and (csize, usize) != (info.compress_size, info.file_size):
        problems.append(
            f"local header says {usize:,} bytes ({csize:,} compressed), the central directory "
            f"{info.file_size:,} ({info.compress_size:,} compressed)"
        )
    start = offset + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        problems.append("data runs past the end of the file (truncated?)")
    spans.append((offset, end, info.orig_filename))
    return problems


@dataclass
class _Zip:
    """An open zip archive, its members that passed the checks, and the read budget."""

    archive: zipfile.ZipFile
    infos: dict[str, zipfile.ZipInfo]
    limits: Limits
    budget: _Budget
    out: _Collector

    def read(self, name: str, cap: int) -> tuple[bytes, bool] | None:
        """A bounded read of a member, or None (with a finding) if it cannot be read."""
        info = self.infos[name]
        try:
            with self.archive.open(info) as handle:
                return _read_bounded(handle, cap, self.budget)
        except _CORRUPT as exc:
            self.out.hostile(name, f"cannot read it: {_error(exc)}")
            return None


def _open_zip(data: bytes, out: _Collector, limits: Limits) -> _Zip | None:
    """The archive after the archive-level checks, or None (with a finding) if unreadable."""
    count = _central_directory_count(data, limits.max_members)
    if count is not None and count > limits.max_members:
        out.hostile("", f"more than {limits.max_members:,} members")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _CORRUPT as exc:
        out.hostile("", f"not a valid zip: {_error(exc)}")
        return None
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        out.hostile("", f"more than {limits.max_members:,} members")
        return None
    bad = _check_zip(infos, data, out, limits)
    safe = {i.orig_filename: i for i in infos if i.orig_filename not in bad}
    return _Zip(archive, safe, limits, _Budget(limits.max_read_total), out)


# --------------------------------------------------------------------------- wheels


@dataclass
class _Wheel:
    """The wheel's distribution and layout as the install analysis needs them."""

    dist: str  # normalised distribution name ("" if unknown)
    dist_info: str  # its .dist-info directory ("" if missing)
    data_dirs: set[str]  # every top-level *.data directory
    own_dirs: set[str]  # its own .dist-info and .data directories
    declared: set[str] = field(default_factory=set)  # top_level.txt


def _parse_wheel_filename(filename: str) -> str | None:
    """The distribution name in a wheel file name, or None if it is not one."""
    base = _basename(filename)
    if not base.lower().endswith(".whl"):
        return None
    parts = base[:-4].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return None
    return parts[0]


def _meta_dir_owner(top: str) -> str:
    """The normalised name in ``pkg-1.0.dist-info`` or ``pkg-1.0.data``."""
    stem = top.rsplit(".", 1)[0]
    return _normalise(stem.rpartition("-")[0] or stem)


def _place(name: str, data_dirs: set[str]) -> tuple[str, str]:
    """Where an installer puts a member (``site``, ``prefix``, ``scripts``, ``other``) and as what.

    Any ``*.data`` directory counts, not only the distribution's own; files under
    ``.data/data/`` that name a ``site-packages`` directory land in site-packages.
    """
    top, _, rest = name.partition("/")
    if top not in data_dirs:
        return "site", name
    scheme, _, rel = rest.partition("/")
    if scheme in ("purelib", "platlib"):
        return "site", rel
    if scheme == "scripts":
        return "scripts", rel
    if scheme == "data":
        parts = rel.split("/")
        for i, part in enumerate(parts[:-1]):
            if part.lower() in ("site-packages", "dist-packages"):
                return "site", "/".join(parts[i + 1 :])
        return "prefix", rel
    return "other", name


def _module_name(top: str, is_dir: bool) -> str:
    """The name a top-level entry is imported as (``six`` for ``six.py``), else the entry."""
    if not is_dir and top.lower().endswith(_MODULE_SUFFIXES):
        return top.split(".", 1)[0]
    return top


def _is_customize(top: str, is_dir: bool) -> bool:
    """Whether a top-level entry is an importable ``sitecustomize``/``usercustomize``."""
    return startup.customize_module(top, is_dir) is not None


def _owns(wheel: _Wheel, top: str) -> bool:
    """Whether a top-level entry is the distribution's own.

    Own: listed in top_level.txt, or its normalised module name (leading ``_`` dropped)
    equals, or starts with ``<prefix>_`` for, the distribution name or a top_level.txt name.
    """
    if top.endswith((".dist-info", ".data")):
        return top in wheel.own_dirs
    if top in wheel.declared:
        return True
    base = _normalise(top.split(".", 1)[0]).lstrip("_")
    prefixes = {wheel.dist} | {_normalise(d).lstrip("_") for d in wheel.declared}
    return any(p and (base == p or base.startswith(p + "_")) for p in prefixes)


def entry_points(text: str) -> list[tuple[str, str, str]]:
    """``(group, name, value)`` of every entry point in an ``entry_points.txt``."""
    found: list[tuple[str, str, str]] = []
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
        elif group and "=" in line:
            name, _, value = line.partition("=")
            found.append((group, name.strip(), value.strip()))
    return found


def _shadowed(script: str, dist: str) -> str | None:
    """The command a script name shadows (``pip3.12`` for ``pip3.12.exe``), or None.

    A distribution's own command (pip's ``pip``, uv's ``uvx``) shadows nothing.
    """
    name = script.rsplit("/", 1)[-1]
    lower = name.lower()
    for suffix in _SCRIPT_SUFFIXES:
        if lower.endswith(suffix):
            name = name[: -len(suffix)]
            break
    match = _SHADOWED.fullmatch(name)
    if match is None:
        return None
    family = match.group("family").lower()
    if match.group("version") and family not in _VERSIONED_FAMILIES:
        return None
    if _normalise("uv" if family == "uvx" else family) == dist:
        return None
    return name


def _record_paths(text: str) -> list[str]:
    """The paths a ``RECORD`` file lists (its first column)."""
    try:
        return [row[0] for row in csv.reader(text.splitlines()) if row and row[0]]
    except csv.Error:
        return []


def inspect_wheel(data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Inspect a wheel: archive safety, start-up hooks, top-level names and scripts."""
    out = _Collector(limits)
    hooks: _Hooks = {}
    tops: set[str] = set()
    try:
        zipped = _open_zip(data, out, limits)
        if zipped is not None:
            _inspect_wheel(zipped, filename, hooks, tops)
    except _CORRUPT as exc:
        out.hostile("", f"not a valid zip: {_error(exc)}")
    except Exception as exc:  # fail closed: the caller wants a verdict, not a crash
        out.hostile("", f"{_UNEXPECTED} {type(exc).__name__}: {_error(exc)})")
    return _report(data, filename, out, hooks, tops)


def _report(
    data: bytes, filename: str, out: _Collector, hooks: _Hooks, tops: Iterable[str]
) -> Report:
    return Report(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        findings=out.result(),
        top_level=tuple(sorted(set(tops))),
        startup_hooks=tuple(sorted(hooks)),
        hook_sha256=tuple(sorted((k, v[0]) for k, v in hooks.items())),
        hook_members=tuple(sorted((k, v[1]) for k, v in hooks.items())),
    )


def _layout(z: _Zip, filename: str) -> _Wheel:
    """The distribution name and its metadata directories (findings if they are missing)."""
    name = _parse_wheel_filename(filename)
    if name is None:
        z.out.hostile("", f"not a valid wheel file name: {show(_basename(filename), 120)}")
    top_dirs = {n.split("/", 1)[0] for n in z.infos if "/" in n}
    dist_infos = sorted(d for d in top_dirs if d.endswith(".dist-info"))
    dist = _normalise(name) if name else ""
    own = [d for d in dist_infos if _meta_dir_owner(d) == dist]
    if not dist and dist_infos:
        dist = _meta_dir_owner(dist_infos[0])
        own = dist_infos[:1]
    if not own:
        z.out.hostile("", f"no .dist-info directory for {dist or 'the distribution'}")
    data_dirs = {d for d in top_dirs if d.endswith(".data")}
    own_dirs = {d for d in top_dirs if d.endswith((".dist-info", ".data"))}
    own_dirs = {d for d in own_dirs if _meta_dir_owner(d) == dist}
    return _Wheel(dist, own[0] if own else "", data_dirs, own_dirs)


def _metadata(z: _Zip, wheel: _Wheel, file: str) -> str | None:
    """A small file of the wheel's own .dist-info directory, if it has one."""
    name = f"{wheel.dist_info}/{file}"
    if not wheel.dist_info or name not in z.infos:
        return None
    read = z.read(name, z.limits.max_metadata_size)
    if read is None:
        return None
    raw, truncated = read
    if truncated:
        z.out.hostile(name, f"larger than {z.limits.max_metadata_size:,} bytes: not inspected")
    return raw.decode("utf-8", errors="replace")


def _inspect_wheel(z: _Zip, filename: str, hooks: _Hooks, tops: set[str]) -> None:
    wheel = _layout(z, filename)
    declared = _metadata(z, wheel, "top_level.txt") or ""
    wheel.declared = {s.strip().split("/", 1)[0] for s in declared.splitlines() if s.strip()}
    members = [n for n in z.infos if not n.endswith("/")]

    site: dict[str, list[tuple[str, str]]] = {}  # top of site-packages -> (member, path)
    prefix: dict[str, list[tuple[str, str]]] = {}  # top of the environment's prefix
    scripts: list[tuple[str, str]] = []  # (member, path in the scripts folder)
    for member in members:
        if _basename(member).lower() == startup.LITELLM_PTH_NAME:
            detail = "litellm 1.82.8's start-up hook (matched by name)"
            z.out.add(KIND_MALWARE, member, detail, "deny")
        where, rel = _place(member, wheel.data_dirs)
        if not rel:
            continue
        if where == "scripts":
            scripts.append((member, rel))
            z.out.add(KIND_DATA_SCRIPT, member, f"installs the script {show(rel, 120)}")
            shadow = _shadowed(rel, wheel.dist)
            if shadow:
                z.out.add(KIND_SHADOWING, member, f"installs a script named {shadow}")
        elif where in ("site", "prefix"):
            entries = site if where == "site" else prefix
            entries.setdefault(rel.split("/", 1)[0], []).append((member, rel))

    installed = {rel for placed in site.values() for _, rel in placed}
    for top, placed in sorted(prefix.items()):
        is_dir = any("/" in rel for _, rel in placed)
        if _is_startup(top, is_dir):
            _startup(z, top, placed, is_dir, _PREFIX, hooks, (wheel.dist, installed))
    for top, placed in sorted(site.items()):
        is_dir = any("/" in rel for _, rel in placed)
        module = _module_name(top, is_dir)
        if _is_startup(top, is_dir):
            tops.add(module)
            _startup(z, top, placed, is_dir, "", hooks, (wheel.dist, installed))
        elif top not in wheel.own_dirs:
            tops.add(module)
            if not _owns(wheel, top):
                owner = wheel.dist or "the distribution"
                detail = f"installs {module!r} at the top of site-packages: not {owner}'s name"
                z.out.add(KIND_FOREIGN, placed[0][0], detail, target=module)
    _customize_on_added_paths(z, site, prefix, scripts, hooks)
    for data_dir in sorted(wheel.data_dirs - wheel.own_dirs):
        detail = f"a .data directory of another distribution ({show(data_dir, 120)})"
        z.out.add(KIND_FOREIGN, data_dir + "/", detail, target=data_dir)

    entry_text = _metadata(z, wheel, "entry_points.txt")
    for group, script, _ in entry_points(entry_text or ""):
        if group not in ("console_scripts", "gui_scripts"):
            continue
        shadow = _shadowed(script, wheel.dist)
        if shadow:
            path = f"{wheel.dist_info}/entry_points.txt"
            z.out.add(KIND_SHADOWING, path, f"{group} installs a command named {shadow}")
    record = _metadata(z, wheel, "RECORD")
    if record is not None:
        _check_record(record, members, wheel, z.out)
    elif wheel.dist_info:
        z.out.add(KIND_RECORD, f"{wheel.dist_info}/RECORD", "the wheel has no RECORD")


def _is_startup(top: str, is_dir: bool) -> bool:
    """Whether site reads or imports this top-level entry at start-up."""
    return (not is_dir and startup.is_pth(top)) or _is_customize(top, is_dir)


# Where an installed file lands, as a path in a virtual environment: site-packages on
# POSIX (the Python version folded into one name) and the prefix, for .pth path lines.
_SITE = "<prefix>/lib/python3/site-packages"
_PY_DIR = re.compile(r"^<prefix>/lib/python3\.\d+/", re.IGNORECASE)


def _customize_on_added_paths(
    z: _Zip,
    site: Mapping[str, list[tuple[str, str]]],
    prefix: Mapping[str, list[tuple[str, str]]],
    scripts: list[tuple[str, str]],
    hooks: _Hooks,
) -> None:
    """A customize module in a directory that one of the wheel's ``.pth`` files adds to
    ``sys.path`` (``src`` beside ``src/sitecustomize.py``; ``../../../bin`` beside a
    script named ``sitecustomize.py``): Python imports it at every start-up."""
    pth_files = [
        top
        for top, placed in site.items()
        if startup.is_pth(top) and not any("/" in rel for _, rel in placed)
    ]
    if not pth_files:
        return
    # folder -> (member, name of the entry in that folder, whether that entry is a folder)
    where: dict[str, list[tuple[str, str, bool]]] = {}

    def land(member: str, path: str) -> None:
        folder, _, rest = path.rpartition("/")
        while True:
            entry, _, below = rest.partition("/")
            where.setdefault(folder, []).append((member, entry, bool(below)))
            if "/" not in folder:
                break
            folder, _, last = folder.rpartition("/")
            rest = f"{last}/{rest}"

    for placed in site.values():
        for member, rel in placed:
            land(member, f"{_SITE}/{rel}")
    for placed in prefix.values():
        for member, rel in placed:
            land(member, f"<prefix>/{rel}")
    for member, rel in scripts:
        land(member, f"<prefix>/bin/{rel}")
        land(member, f"<prefix>/Scripts/{rel}")
    for top in sorted(pth_files):
        for pth_member, _ in site[top]:
            read = z.read(pth_member, z.limits.max_pth_size)
            if read is None:
                continue
            for line in startup.added_paths(startup.decode(read[0])):
                line = line.replace("\\", "/")
                if line.startswith("/") or re.match(r"^[A-Za-z]:", line):
                    continue  # an absolute folder: not one the wheel installs
                folder = _PY_DIR.sub("<prefix>/lib/python3/", posixpath.normpath(f"{_SITE}/{line}"))
                if folder == _SITE:
                    continue  # site-packages itself: its customize modules are found anyway
                for member, entry, is_dir in where.get(folder, []):
                    module = startup.customize_module(entry, is_dir)
                    if module is None:
                        continue
                    target = f"{folder.removeprefix(_SITE + '/')}/{module}"
                    content = None if is_dir else z.read(member, z.limits.max_pth_size)
                    hooks[target] = (
                        hashlib.sha256(content[0]).hexdigest()
                        if content is not None and not content[1]
                        else "",
                        member,
                    )
                    detail = (
                        f"{show(target, 120)} is imported at every interpreter start-up: "
                        f"{top} adds {show(line, 80)} to sys.path"
                    )
                    z.out.add(KIND_CUSTOMIZE, member, detail, target=target)


def _startup(
    z: _Zip,
    top: str,
    placed: list[tuple[str, str]],
    is_dir: bool,
    where: str,
    hooks: _Hooks,
    owner: tuple[str, set[str]],
) -> None:
    """Findings for a ``.pth`` file or customize module at a place site reads at start-up."""
    note = " (installed into the environment's prefix, which site scans on Windows)"
    note = note if where else ""
    if not is_dir and top.endswith(".pth"):
        target = where + top
        for name, _ in placed:  # several members can land on the same file
            read = z.read(name, z.limits.max_pth_size)
            if read is None:
                z.out.add(KIND_PTH_EXEC, name, "cannot be read: treated as code", "deny", target)
                hooks[target] = ("", name)
            else:
                _check_pth(z.out, hooks, name, target, read[0], read[1], note, owner)
        return
    target = where + _module_name(top, is_dir)
    digest = hashlib.sha256()
    complete = True
    for name, rel in sorted(placed, key=lambda p: p[1]):
        read = z.read(name, z.limits.max_pth_size)
        if read is None or read[1]:
            complete = False
            break
        digest.update(f"{len(rel)}:{rel}:{len(read[0])}:".encode("utf-8", "replace"))
        digest.update(read[0])
    hooks[target] = (digest.hexdigest() if complete else "", placed[0][0])
    detail = f"{target.removeprefix(where)} is imported at every interpreter start-up{note}"
    z.out.add(KIND_CUSTOMIZE, placed[0][0], detail, target=target)


def _check_pth(
    out: _Collector,
    hooks: _Hooks | None,
    member: str,
    target: str,
    raw: bytes,
    truncated: bool,
    note: str = "",
    owner: tuple[str, set[str]] | None = None,
) -> None:
    """Findings for one ``.pth`` file's content; ``hooks`` None means it is only informational.
    ``owner`` is the wheel's distribution and what it installs, for known hooks."""
    digest = "" if truncated else hashlib.sha256(raw).hexdigest()
    if digest == startup.LITELLM_PTH_SHA256:
        detail = "litellm 1.82.8's start-up hook (matched by sha256)"
        out.add(KIND_MALWARE, member, detail, "deny", target)
    lines = startup.executable_lines(startup.decode(raw))
    severity: Severity = "deny"
    if truncated:
        detail = "too large to read in full: treated as code"
    elif lines:
        detail = startup.describe(lines)
        severity = "deny" if any(line.executed for line in lines) else "warn"
    else:
        return
    if hooks is None:
        out.add(KIND_PTH_EXEC, member, f"in the sdist (matters once built): {detail}")
        return
    hooks[target] = (digest, member)
    known = None
    if owner is not None and not truncated and not note:
        name = re.sub(r"[-_.]+", "-", owner[0]).lower() or None  # known_hooks.json's spelling
        known = startup.recognise(target, raw, name, owner[1])
    if known is not None:
        out.add(KIND_KNOWN_HOOK, member, f"{detail}: accepted, {known}", "warn", target)
        return
    out.add(KIND_PTH_EXEC, member, detail + note, severity, target)


def _check_record(text: str, members: list[str], wheel: _Wheel, out: _Collector) -> None:
    """RECORD against the archive: unlisted members, and listed paths pip uninstall deletes."""
    record = f"{wheel.dist_info}/RECORD"
    listed = list(dict.fromkeys(_record_paths(text)))
    listed_set = set(listed)
    exempt = {record, f"{record}.jws", f"{record}.p7s"}
    unlisted = [m for m in members if m not in listed_set and m not in exempt]
    if unlisted:
        out.add(KIND_RECORD, unlisted[0], "not listed in RECORD: " + _few(unlisted))
    present = set(members)
    absent = [p for p in listed if p not in present]
    for path in absent:
        problem = _name_problem(path)
        if problem:
            detail = f"lists {show(path, 120)!r} ({problem}): pip uninstall would delete it"
            out.hostile(record, detail)
            continue
        where, rel = _place(path, wheel.data_dirs)
        top = rel.split("/", 1)[0]
        if where == "site" and top and not _owns(wheel, top) and not top.endswith(".pth"):
            detail = f"lists {show(path, 120)!r}, which the wheel does not contain"
            out.add(KIND_FOREIGN, record, detail + ": pip uninstall would delete it", target=top)
    if absent:
        out.add(KIND_RECORD, record, "lists files the wheel does not contain: " + _few(absent))


def _few(names: list[str]) -> str:
    shown = ", ".join(show(n, 80) for n in names[:5])
    return shown + (f" (+{len(names) - 5} more)" if len(names) > 5 else "")


# --------------------------------------------------------------------------- sdists

_TAR_SUFFIXES = {
    ".tar.gz": "gz",
    ".tgz": "gz",
    ".tar.bz2": "bz2",
    ".tbz": "bz2",
    ".tar.xz": "xz",
    ".txz": "xz",
    ".tar": "",
}


class _TooLarge(Exception):
    """A tar stream asks for more than the limits allow."""


class _Stream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def tell(self) -> int: ...


class _BoundedStream:
    """A decompressed tar stream that refuses big single reads and reading past a limit.

    tarfile reads a pax or GNU long-name header whole, whatever size it declares; this
    is what keeps a crafted header from decompressing gigabytes into memory.
    """

    def __init__(self, inner: _Stream, max_read: int, max_position: int) -> None:
        self.inner = inner
        self.max_read = max_read
        self.max_position = max_position
        self.last = b""  # what the last read returned: the block tarfile stopped at

    def _check(self, position: int) -> None:
        if position > self.max_position:
            raise _TooLarge(f"more than {self.max_position:,} bytes once decompressed")

    def read(self, size: int = -1, /) -> bytes:
        if size < 0 or size > max(self.max_read, _CHUNK):
            raise _TooLarge(f"a tar header or read of {size:,} bytes")
        self._check(self.inner.tell() + size)
        self.last = self.inner.read(size)
        return self.last

    def seek(self, offset: int, whence: int = 0, /) -> int:
        target = offset + (self.inner.tell() if whence == io.SEEK_CUR else 0)
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target < 0:
            raise io.UnsupportedOperation("seek")
        self._check(target)
        return self.inner.seek(target)

    def tell(self) -> int:
        return self.inner.tell()

    def write(self, data: bytes, /) -> int:
        raise io.UnsupportedOperation("write")

    def close(self) -> None:
        """The caller owns the inner stream."""


def inspect_sdist(data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Inspect an sdist (tar or zip): archive safety only; its ``.pth`` files are informational."""
    out = _Collector(limits)
    lower = _basename(filename).lower()
    compression = next((c for s, c in _TAR_SUFFIXES.items() if lower.endswith(s)), None)
    what = "zip" if lower.endswith(".zip") else "tar archive"
    try:
        if lower.endswith(".zip"):
            zipped = _open_zip(data, out, limits)
            if zipped is not None:
                _inspect_zip_sdist(zipped)
        elif compression is not None:
            _inspect_tar(data, compression, limits, out)
        else:
            out.hostile("", f"unsupported artifact type: {show(_basename(filename), 120)}")
    except _TooLarge as exc:
        out.hostile("", str(exc))
    except _CORRUPT as exc:
        out.hostile("", f"not a valid {what}: {_error(exc)}")
    except Exception as exc:  # fail closed: the caller wants a verdict, not a crash
        out.hostile("", f"{_UNEXPECTED} {type(exc).__name__}: {_error(exc)})")
    return _report(data, filename, out, {}, ())


def _inspect_zip_sdist(z: _Zip) -> None:
    for name in z.infos:
        if name.endswith("/"):
            continue
        if _basename(name).lower() == startup.LITELLM_PTH_NAME:
            detail = "litellm 1.82.8's start-up hook (matched by name)"
            z.out.add(KIND_MALWARE, name, detail, "deny")
        if name.lower().endswith(".pth"):
            read = z.read(name, z.limits.max_pth_size)
            if read is not None:
                _check_pth(z.out, None, name, "", read[0], read[1])


def _decompressor(data: bytes, compression: str) -> _Stream:
    raw = io.BytesIO(data)
    if compression == "gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def _tar_stream(data: bytes, compression: str, limits: Limits) -> _BoundedStream:
    """The decompressed tar stream, bounded: the members' content plus the headers and
    padding of ``max_members`` members."""
    overhead = limits.max_members * 2048 + limits.max_tar_header
    return _BoundedStream(
        _decompressor(data, compression), limits.max_tar_header, limits.max_total_size + overhead
    )


def _forget(archive: tarfile.TarFile) -> None:
    """Keep memory flat: tarfile remembers every member, and nothing here looks back."""
    remembered = getattr(archive, "members", None)
    if isinstance(remembered, list):
        remembered.clear()


def _inspect_tar(data: bytes, compression: str, limits: Limits, out: _Collector) -> None:
    stream = _tar_stream(data, compression, limits)
    budget = _Budget(limits.max_read_total)
    with tarfile.open(fileobj=stream, mode="r:") as archive:
        complete = _walk_tar(archive, limits, budget, out)
    if not complete:
        return
    # tarfile ends quietly at a header it cannot parse or at a cut: other tar readers may
    # see members past that point, so anything but a zero block there is refused.
    if len(stream.last) < tarfile.BLOCKSIZE:
        out.hostile("", "no end-of-archive marker (truncated?)")
    elif stream.last.strip(b"\0"):
        out.hostile("", "a header tarfile cannot read: the members after it are hidden")
    while chunk := stream.read(min(_CHUNK, limits.max_tar_header)):  # a cut gzip trailer...
        if chunk.strip(b"\0"):
            out.hostile("", "data after the end of the archive")
            return


def _walk_tar(archive: tarfile.TarFile, limits: Limits, budget: _Budget, out: _Collector) -> bool:
    """Check every member's header; False if it stopped at a size or count over a limit."""
    count = total = 0
    last_offset = -1
    seen: set[str] = set()
    links: set[str] = set()
    names: list[str] = []
    try:
        while True:
            info = archive.next()
            if info is None:
                return True
            _forget(archive)
            count += 1
            if count > limits.max_members:
                out.hostile("", f"more than {limits.max_members:,} members")
                return False
            name = info.name
            if info.offset <= last_offset:
                out.hostile(name, "tar headers run backwards")
                return False
            last_offset = info.offset
            if info.size < 0 or info.size > limits.max_member_size:
                size = f"{info.size:,} bytes (limit {limits.max_member_size:,})"
                out.hostile(name, size + ": not read further")
                return False
            total += info.size
            if total > limits.max_total_size:
                out.hostile("", f"more than {limits.max_total_size:,} bytes uncompressed in all")
                return False
            for problem in _tar_member_problems(info, seen):
                out.hostile(name, problem)
            if info.issym():
                links.add(name.rstrip("/"))
            names.append(name)
            if _basename(name).lower() == startup.LITELLM_PTH_NAME:
                detail = "litellm 1.82.8's start-up hook (matched by name)"
                out.add(KIND_MALWARE, name, detail, "deny")
            if name.lower().endswith(".pth") and info.isreg():
                handle = archive.extractfile(info)
                if handle is not None:
                    raw, truncated = _read_bounded(handle, limits.max_pth_size, budget)
                    _check_pth(out, None, name, "", raw, truncated)
    finally:
        for name in names:
            parts = name.split("/")
            through = next(
                ("/".join(parts[:i]) for i in range(1, len(parts)) if "/".join(parts[:i]) in links),
                None,
            )
            if through is not None:
                out.hostile(name, f"written through the symbolic link {show(through, 120)}")


def _tar_member_problems(info: tarfile.TarInfo, seen: set[str]) -> list[str]:
    """What is unsafe about one tar member's header."""
    name = info.name
    problems: list[str] = []
    problem = _name_problem(name)
    if problem:
        problems.append(problem)
    if info.issym() or info.islnk():
        problem = _link_problem(name, info.linkname, hard=info.islnk())
        if problem:
            problems.append(problem)
    elif info.ischr() or info.isblk() or info.isfifo():
        problems.append("device file or FIFO")
    elif not (info.isreg() or info.isdir()):
        problems.append(f"unknown member type {show(info.type.decode('latin-1'), 10)!r}")
    if not info.isdir():
        if name in seen:
            problems.append("duplicate member name")
        seen.add(name)
    return problems


def _link_problem(name: str, target: str, hard: bool) -> str | None:
    """Why a link member is unsafe (its target leaves the archive), or None."""
    kind = "hard link" if hard else "symbolic link"
    shown = show(target, 120)
    if not target:
        return f"{kind} with no target"
    if "\\" in target or target.startswith("/") or _DRIVE.match(target):
        return f"{kind} to the absolute path {shown}"
    base = "" if hard else posixpath.dirname(name)
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        return f"{kind} to {shown}, outside the archive"
    return None


# --------------------------------------------------------------------------- entry points


def inspect(data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Inspect a downloaded artifact, choosing wheel or sdist by its file name."""
    lower = _basename(filename).lower()
    if lower.endswith(".whl"):
        return inspect_wheel(data, filename, limits=limits)
    if lower.endswith(".zip") or any(lower.endswith(s) for s in _TAR_SUFFIXES):
        return inspect_sdist(data, filename, limits=limits)
    out = _Collector(limits)
    out.hostile("", f"unsupported artifact type: {show(_basename(filename), 120)}")
    return _report(data, filename, out, {}, ())


class HostileArchive(GuardError):
    """An artifact the inspection refuses as an archive (exit 1): its members are not read."""

    exit_code = EXIT_BLOCKED


class Member(NamedTuple):
    """One file of an artifact and its content; a symbolic link has ``link`` (its target,
    which the inspection found inside the archive) and no content."""

    name: str
    data: bytes
    link: str | None = None


def read_artifact(
    data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Report, Iterator[Member]]:
    """The inspection of an artifact and, if it is not hostile, its files with their content.

    For reading in memory (``bumpguard diff``): nothing is written to disk. The archive is
    inspected first, and any ``hostile-archive`` finding raises :class:`HostileArchive`
    naming it. The files are then read through the same archive checks and bounded reads as
    the inspection, with ``limits.max_total_size`` as the budget for all of them; whatever
    the inspection did not see (a member that cannot be decompressed, a size the archive
    lies about) also raises :class:`HostileArchive`.
    """
    report = inspect(data, filename, limits=limits)
    hostile = [f for f in report.findings if f.kind == KIND_HOSTILE]
    if hostile:
        shown = "; ".join(f"{f.path or 'archive'}: {f.detail}" for f in hostile[:3])
        more = f" (+{len(hostile) - 3} more)" if len(hostile) > 3 else ""
        raise HostileArchive(
            f"{show(_basename(filename), 120)} is a hostile archive, nothing read from it: "
            f"{shown}{more}"
        )
    return report, _members(data, filename, limits)


def _members(data: bytes, filename: str, limits: Limits) -> Iterator[Member]:
    name = show(_basename(filename), 120)
    lower = _basename(filename).lower()
    try:
        if lower.endswith((".whl", ".zip")):
            yield from _zip_members(data, name, limits)
        else:
            compression = next(c for s, c in _TAR_SUFFIXES.items() if lower.endswith(s))
            yield from _tar_members(data, compression, name, limits)
    except _TooLarge as exc:
        raise HostileArchive(f"{name}: cannot be read: {exc}") from None
    except _CORRUPT as exc:
        raise HostileArchive(f"{name}: cannot be read: {_error(exc)}") from None


def _zip_members(data: bytes, name: str, limits: Limits) -> Iterator[Member]:
    out = _Collector(limits)
    zipped = _open_zip(data, out, limits)
    if zipped is None or out.findings:
        raise HostileArchive(f"{name}: the archive changed between two reads")
    zipped.budget = _Budget(limits.max_total_size)
    for member, info in zipped.infos.items():
        if member.endswith("/"):
            continue
        read = zipped.read(member, limits.max_member_size)
        if read is None or read[1] or len(read[0]) != info.file_size:
            problem = out.findings[0].detail if out.findings else "not the size it claims"
            raise HostileArchive(f"{name}: {show(member, 200)}: {problem}")
        yield Member(member, read[0])


def _tar_members(data: bytes, compression: str, name: str, limits: Limits) -> Iterator[Member]:
    stream = _tar_stream(data, compression, limits)
    budget = _Budget(limits.max_total_size)
    seen: set[str] = set()
    with tarfile.open(fileobj=stream, mode="r:") as archive:
        while (info := archive.next()) is not None:
            _forget(archive)
            problems = _tar_member_problems(info, seen)
            if problems or info.size > limits.max_member_size:
                problem = problems[0] if problems else "larger than the limit"
                raise HostileArchive(f"{name}: {show(info.name, 200)}: {problem}")
            if info.isdir():
                continue
            if info.issym() or info.islnk():
                yield Member(info.name, b"", info.linkname)
                continue
            handle = archive.extractfile(info)
            raw, more = _read_bounded(handle, info.size, budget) if handle else (b"", True)
            if more or len(raw) != info.size:
                raise HostileArchive(f"{name}: {show(info.name, 200)}: cut short or too large")
            yield Member(info.name, raw)


def inspect_file(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Inspect an artifact on disk (a file larger than the total-size limit is not read)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= limits.max_total_size:
                return inspect(handle.read(), os.path.basename(path), limits=limits)
            digest = hashlib.sha256()
            while chunk := handle.read(_MIB):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(os.fspath(path), None, f"cannot read it: {exc.strerror or exc}") from exc
    too_big = ArtifactFinding(KIND_HOSTILE, "", f"{size:,} bytes: larger than any artifact", "deny")
    return Report(os.path.basename(path), digest.hexdigest(), (too_big,))


def _strings(value: object) -> set[str]:
    if not isinstance(value, (list, tuple)):
        return set()
    return {v for v in value if isinstance(v, str)}


def compare(previous: Mapping[str, Any], current: Report) -> list[ArtifactFinding]:
    """New (or changed) start-up hooks and new top-level names since an approved report.

    ``previous`` is a :meth:`Report.to_data` of an earlier approved version; missing or
    malformed keys count as empty, so everything in ``current`` is then new.
    """
    hooks_before = _strings(previous.get("startup_hooks"))
    tops_before = _strings(previous.get("top_level"))
    recorded = previous.get("startup_hook_sha256")
    digests_before: dict[str, str] = {}
    if isinstance(recorded, Mapping):
        digests_before = {k: v for k, v in recorded.items() if isinstance(v, str)}
    digests = dict(current.hook_sha256)
    found: list[ArtifactFinding] = []
    for hook in current.startup_hooks:
        if hook not in hooks_before:
            detail = f"new start-up hook {hook}"
            found.append(ArtifactFinding(KIND_NEW_HOOK, hook, detail, "deny", hook))
        elif digests_before.get(hook) and digests.get(hook) != digests_before[hook]:
            detail = f"start-up hook {hook} changed"
            found.append(ArtifactFinding(KIND_CHANGED_HOOK, hook, detail, "deny", hook))
    for name in current.top_level:
        if name not in tops_before and name not in current.startup_hooks:
            detail = f"new top-level name {name} in site-packages"
            found.append(ArtifactFinding(KIND_NEW_TOP, name, detail, "warn", name))
    return found
