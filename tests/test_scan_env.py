"""``scan-env`` against real virtual environments with hand-written installed distributions."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from guard.artifacts import startup
from guard.engine import scan_env
from guard.errors import GuardError
from guard.policy.loader import load_policy
from guard.policy.rules import Policy

ADVISORIES = ("PYSEC-2026-2", "MAL-2026-2144", "GHSA-5mg7-485q-xm76")


class Venv:
    """A real virtual environment (no pip) whose site-packages the tests plant files in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        # lib64 is a symlink to lib on some platforms
        found = {p.resolve() for p in root.glob("lib*/python3*/site-packages") if p.is_dir()}
        found |= {p.resolve() for p in root.glob("Lib/site-packages") if p.is_dir()}
        assert len(found) == 1, found
        self.site = found.pop()

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    def install(self, name: str, version: str, files: dict[str, str | bytes]) -> Path:
        """A hand-written installed distribution: its files plus a dist-info listing them."""
        for file, data in files.items():
            self.write(file, data)
        info = f"{name.replace('-', '_')}-{version}.dist-info"
        self.write(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        record = [f"{file},," for file in files]
        record += [f"{info}/METADATA,,", f"{info}/RECORD,,"]
        self.write(f"{info}/RECORD", "\n".join(record) + "\n")
        return self.site / info


@pytest.fixture(scope="module")
def _venv_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scan-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return root


@pytest.fixture
def venv(_venv_root: Path) -> Iterator[Venv]:
    """The module's venv, with whatever a test planted in site-packages removed after it."""
    env = Venv(_venv_root)
    before = {p.name for p in env.site.iterdir()}
    yield env
    for path in env.site.iterdir():
        if path.name not in before:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:llm-gateways")


def scan_python(venv: Venv, policy: Policy) -> tuple[str, int]:
    return scan_env.run(str(venv.python), None, policy)


def test_clean_venv(venv: Venv, policy: Policy) -> None:
    text, code = scan_python(venv, policy)
    assert code == 0, text
    assert "no start-up hooks or denied versions found in 1 site-packages dir(s)" in text
    assert str(venv.site) in text


def test_probe_finds_the_venv_not_the_base_interpreter(venv: Venv) -> None:
    # Under -S site.venv() does not run, so sys.prefix is the base one: the probe must
    # repeat the pyvenv.cfg logic or it would scan the wrong directory.
    assert [p.resolve() for p in scan_env.site_dirs(str(venv.python))] == [venv.site.resolve()]


def test_litellm_init_pth_is_reported_and_not_executed(
    venv: Venv, policy: Policy, tmp_path: Path
) -> None:
    marker = tmp_path / "MARKER"
    hook = f"import os; open({str(marker)!r}, 'w').close()\n"
    venv.install("litellm", "1.82.8", {"litellm/__init__.py": "", "litellm_init.pth": hook})

    text, code = scan_python(venv, policy)

    assert code == 1
    assert not marker.exists(), "scanning ran the .pth it was looking for"
    assert "KNOWN MALWARE" in text
    assert "owner: litellm 1.82.8" in text
    assert "litellm 1.82.8 was installed" in text
    assert "every interpreter start-up" in text
    assert "-m pip uninstall litellm" in text
    # The hook is deleted before pip (a Python start-up) runs.
    assert text.index(f"rm {venv.site / 'litellm_init.pth'}") < text.index("pip uninstall")
    assert "denied version" in text and all(a in text for a in ADVISORIES)
    for secret in ("SSH keys", "AWS", "API keys of LLM providers", ".env", "PyPI", "Kubernetes"):
        assert secret in text
    # The control: a normal start-up of the same interpreter does run it.
    subprocess.run([str(venv.python), "-c", "pass"], check=True)
    assert marker.exists()


def test_path_only_pth_is_not_a_finding(venv: Venv, policy: Policy) -> None:
    venv.install("plainpaths", "1.0", {"plainpaths.pth": "/opt/somewhere\n../src\n# comment\n"})
    text, code = scan_env.run(None, str(venv.site), policy)
    assert code == 0, text
    assert "1 distributions" in text


def test_import_pth_of_unknown_owner(venv: Venv, policy: Policy) -> None:
    venv.write("zzz_hook.pth", "/opt/lib\nimport sys; sys.stdout.write('hi')\n")
    text, code = scan_env.run(None, str(venv.site), policy)
    assert code == 1
    assert "start-up hook: " + str(venv.site / "zzz_hook.pth") in text
    assert "owner: unknown owner" in text
    assert "line 2 runs at start-up" in text
    assert f"rm {venv.site / 'zzz_hook.pth'}" in text
    assert "unknown owner runs with your privileges" in text


def test_owned_hook_names_its_distribution(venv: Venv, policy: Policy) -> None:
    venv.install("Some_Tool", "2.0", {"some-tool.pth": "import some_tool\n"})
    result = scan_env.scan([venv.site], policy)
    [finding] = result.findings
    assert (finding.kind, finding.owner) == (scan_env.STARTUP_HOOK, "Some_Tool 2.0")
    assert "pip uninstall Some_Tool" in result.render()


def test_sitecustomize(venv: Venv, policy: Policy) -> None:
    venv.write("sitecustomize.py", "print('hello')\n")
    venv.install("custom", "0.1", {"usercustomize/__init__.py": ""})
    result = scan_env.scan([venv.site], policy)
    kinds = {(f.path.name, f.kind, f.owner) for f in result.findings}
    assert kinds == {
        ("sitecustomize.py", scan_env.CUSTOMIZE_MODULE, "unknown owner"),
        ("usercustomize", scan_env.CUSTOMIZE_MODULE, "custom 0.1"),
    }
    text = result.render()
    assert f"rm {venv.site / 'sitecustomize.py'}" in text
    assert "pip uninstall custom" in text


def test_denied_version_without_pth(venv: Venv, policy: Policy) -> None:
    venv.install("litellm", "1.82.7", {"litellm/__init__.py": "", "litellm/proxy/x.py": ""})
    text, code = scan_python(venv, policy)
    assert code == 1
    assert "denied version" in text and "KNOWN MALWARE" not in text
    assert all(a in text for a in ADVISORIES)
    assert "pip uninstall litellm" in text
    assert "on import of the denied release" in text
    assert "rotate" in text


def test_known_digest_under_another_name(
    venv: Venv, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"# looks harmless\n/opt/lib\n"
    venv.write("innocent.pth", data)
    monkeypatch.setattr(startup, "LITELLM_PTH_SHA256", hashlib.sha256(data).hexdigest())
    result = scan_env.scan([venv.site], policy)
    [finding] = result.findings
    assert finding.kind == scan_env.KNOWN_MALWARE
    assert "matched by sha256" in finding.detail
    assert result.exit_code == 1


def test_default_uses_virtual_env(
    venv: Venv, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(venv.root))
    assert [p.resolve() for p in scan_env.site_dirs(None)] == [venv.site.resolve()]
    venv.write("sitecustomize.py", "")
    text, code = scan_env.run(None, None, policy)
    assert code == 1
    assert str(venv.python) in text


def test_default_without_virtual_env_asks_this_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    import sysconfig

    dirs = [p.resolve() for p in scan_env.site_dirs(None)]
    assert Path(sysconfig.get_paths()["purelib"]).resolve() in dirs


def test_missing_path_is_an_error(tmp_path: Path, policy: Policy) -> None:
    with pytest.raises(GuardError, match="no such directory") as info:
        scan_env.run(None, str(tmp_path / "nope"), policy)
    assert info.value.exit_code == 2


def test_path_at_a_venv_root_is_refused(venv: Venv, policy: Policy) -> None:
    with pytest.raises(GuardError, match="is a virtual environment"):
        scan_env.run(None, str(venv.root), policy)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and shell scripts")
def test_bad_interpreters_are_errors(tmp_path: Path, policy: Policy) -> None:
    not_exec = tmp_path / "python"
    not_exec.write_text("#!/bin/sh\n")
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    failing.chmod(0o755)
    chatty = tmp_path / "chatty"
    chatty.write_text("#!/bin/sh\necho not json\n")
    chatty.chmod(0o755)
    cases = [
        (str(not_exec), "not executable"),
        (str(tmp_path / "missing"), "no such file"),
        (str(tmp_path), "is a directory"),
        ("no-such-python-bumpguard", "not found on PATH"),
        (str(failing), r"not a working Python interpreter \(exit 3: boom\)"),
        (str(chatty), "gave no site-packages answer"),
    ]
    for python, message in cases:
        with pytest.raises(GuardError, match=message) as info:
            scan_env.run(python, None, policy)
        assert info.value.exit_code == 2


def test_python_and_path_together_is_a_usage_error(venv: Venv, policy: Policy) -> None:
    with pytest.raises(GuardError, match="not both"):
        scan_env.run(str(venv.python), str(venv.site), policy)


def test_hostile_files_do_not_crash(venv: Venv, policy: Policy) -> None:
    venv.write("huge.pth", ("/opt/lib\n" * (2 * 1024 * 1024 // 9 + 1)).encode())
    venv.write("garbage.pth", bytes(range(256)) * 64 + b"\nimport os\n\xff\xfe")
    venv.write("empty.pth", b"")
    venv.write("esc\x1b[2J.pth", "import os # \x1b]0;pwned\x07\n")
    (venv.site / "dir.pth").mkdir()
    if os.name != "nt":
        (venv.site / "loop.pth").symlink_to(venv.site / "loop.pth")
    info = venv.site / "broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(b"\xff\xfeName: \x00\x01broken\nVersion: not a version!!\n")
    (info / "RECORD").write_bytes(b'"unterminated,\x00\xff\n../../../../etc/passwd,,\n/abs,,\n')
    (venv.site / "noinfo-2.0.dist-info").mkdir()

    result = scan_env.scan([venv.site], policy)
    text = result.render()

    found = {f.path.name: f for f in result.findings}
    assert found["esc\x1b[2J.pth"].kind == scan_env.STARTUP_HOOK
    assert found["huge.pth"].kind == scan_env.STARTUP_HOOK
    assert "read only the first 1024 KiB" in found["huge.pth"].detail
    assert found["garbage.pth"].kind == scan_env.STARTUP_HOOK
    assert "runs at start-up: import os" in found["garbage.pth"].detail
    # Terminal escapes in names and lines are shown escaped, never sent to the terminal.
    assert "\x1b" not in text and "\x07" not in text
    assert "esc\\x1b[2J.pth" in text and "import os # \\x1b]0;pwned\\x07" in text
    assert "empty.pth" not in found and "dir.pth" not in found
    if os.name != "nt":
        assert found["loop.pth"].kind == scan_env.UNREADABLE
        assert "inspect" in text
    labels = sorted(d.label for d in result.distributions)
    assert len(labels) == 2 and labels[1] == "noinfo 2.0", labels
    assert result.exit_code == 1


def test_egg_info_owner(venv: Venv, policy: Policy) -> None:
    venv.write("legacy.pth", "import legacy\n")
    venv.write("legacy-3.0-py3.11.egg-info/PKG-INFO", "Name: legacy\nVersion: 3.0\n")
    venv.write("legacy-3.0-py3.11.egg-info/installed-files.txt", "../legacy.pth\nPKG-INFO\n")
    [finding] = scan_env.scan([venv.site], policy).findings
    assert finding.owner == "legacy 3.0"


def test_cli_scan_env(venv: Venv, capsys: pytest.CaptureFixture[str]) -> None:
    from guard.cli import main

    assert main(["scan-env", "--python", str(venv.python)]) == 0
    venv.install("litellm", "1.82.8", {"litellm_init.pth": "import os\n"})
    assert main(["scan-env", "--path", str(venv.site)]) == 1
    assert "KNOWN MALWARE" in capsys.readouterr().out
    assert main(["scan-env", "--python", str(venv.python), "--path", str(venv.site)]) == 2
