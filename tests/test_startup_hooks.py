"""Start-up hooks in any package: refused by ``bumpguard pip install`` under the default
policy, and found by ``scan-env``, with known-benign hooks recognised by content.

Every hostile wheel has a control: plain pip installs it from the same local index into a
fresh virtual environment, and the next ``python -c pass`` there runs the payload (it
writes a marker file). Then ``bumpguard pip install`` refuses it, installs nothing, and
the next interpreter start runs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.indexserver import LocalIndex
from tests.test_install import installed
from tests.wheels import make_wheel

# setuptools 65.5.0's distutils-precedence.pth, as Python 3.11's ensurepip installs it.
SETUPTOOLS_PTH = (
    b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') "
    b"== 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
)


def bare_venv(where: Path) -> Path:
    """A new environment without pip (fast); the outer pip installs into it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    return where / "bin" / "python"


def site_packages(python: Path) -> Path:
    """The environment's own site-packages (asked with site enabled: under ``-S`` a venv's
    interpreter reports the base installation's)."""
    out = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    site = Path(out.stdout.strip())
    assert site.is_relative_to(python.parent.parent), site  # never the machine's own
    return site


def start(python: Path) -> None:
    """An ordinary interpreter start in the environment: whatever hooks it has run."""
    subprocess.run([str(python), "-c", "pass"], check=True, capture_output=True)


def payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')"


def hostile_files(shape: str, marker: Path) -> dict[str, bytes]:
    """The files of each row of issue 11's table; every one runs ``payload`` at start-up."""
    code = payload(marker)
    module = {"evil_tool/__init__.py": b""}
    if shape == "a .pth under .data/purelib":
        return {**module, "evil_tool-1.0.data/purelib/evil.pth": f"import os; {code}\n".encode()}
    if shape == "an import line with a tab":
        return {**module, "evil.pth": f"import\tos; {code}\n".encode()}
    if shape == "CRLF line endings":
        return {**module, "evil.pth": f"evil_tool\r\nimport os; {code}\r\n".encode()}
    if shape == "sitecustomize.py at the root":
        return {**module, "sitecustomize.py": f"{code}\n".encode()}
    assert shape == "a folder a .pth adds, holding sitecustomize.py"
    return {
        **module,
        "evil.pth": b"evil_hooks\n",
        "evil_hooks/sitecustomize.py": f"{code}\n".encode(),
    }


pytestmark = pytest.mark.usefixtures("isolated_pip")

SHAPES = [
    "a .pth under .data/purelib",
    "an import line with a tab",
    "CRLF line endings",
    "sitecustomize.py at the root",
    "a folder a .pth adds, holding sitecustomize.py",
]


def serve(index: LocalIndex, name: str, version: str, files: dict[str, bytes]) -> None:
    module = name.replace("-", "_")
    index.add_file(
        name, version, f"{module}-{version}-py3-none-any.whl", make_wheel(name, version, files)
    )


def plain_pip(python: Path, index: LocalIndex, *args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            *args,
            "--index-url",
            index.url,
        ],
        check=True,
        capture_output=True,
    )


def guarded(repo: Repo, python: Path, index: LocalIndex, *args: str) -> int:
    return repo.run("pip", "install", "--python", str(python), "--index-url", index.url, *args)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_hook_in_any_package_is_refused_by_default(
    shape: str,
    repo: Repo,
    venv_python: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "payload-ran"
    serve(local_index, "evil-tool", "1.0", hostile_files(shape, marker))
    control = bare_venv(tmp_path / "control")
    plain_pip(control, local_index, "evil-tool==1.0")
    start(control)
    assert marker.read_text() == "ran"  # control: plain pip installs it and the payload runs
    marker.unlink()

    assert guarded(repo, venv_python, local_index, "evil-tool==1.0") == 1  # no .bumpguard.yaml
    out, err = capsys.readouterr()
    assert "refused: evil-tool 1.0" in out and "nothing was installed" in err
    assert not installed(venv_python, "evil-tool")
    start(venv_python)
    assert not marker.exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_scan_env_finds_each_hook_planted_into_site_packages(
    shape: str, venv_python: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from guard.cli import main

    env = bare_venv(tmp_path / "env")
    site = site_packages(env)
    assert main(["scan-env", "--python", str(env)]) == 0  # control: a clean environment
    planted = []
    for name, data in hostile_files(shape, tmp_path / "marker").items():
        if name.startswith("evil_tool"):
            if ".data/purelib/" not in name:
                continue
            name = name.split(".data/purelib/", 1)[1]  # where an installer puts it
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        planted.append(target)
    capsys.readouterr()
    assert main(["scan-env", "--python", str(env)]) == 1
    out = capsys.readouterr().out
    hook = [p for p in planted if p.name in ("evil.pth", "sitecustomize.py")]
    assert hook and any(str(p) in out for p in hook), out


def test_scan_env_is_clean_on_a_fresh_venv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from guard.cli import main

    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)  # pip and setuptools
    pth = site_packages(env / "bin" / "python") / "distutils-precedence.pth"
    assert main(["scan-env", "--python", str(env / "bin" / "python"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    if pth.exists():  # Python 3.11 still bundles setuptools: its hook is accepted, and said so
        assert [a["path"] for a in data["accepted"]] == [str(pth)]
        assert (
            "setuptools's distutils-precedence.pth, a known hook" in data["accepted"][0]["reason"]
        )
    assert data["findings"] == []


def test_the_known_name_with_other_bytes_is_refused_and_flagged(
    repo: Repo,
    venv_python: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from guard.cli import main

    marker = tmp_path / "payload-ran"
    fake = f"import os; {payload(marker)}\n".encode()
    serve(
        local_index,
        "helper-lib",
        "1.0",
        {"helper_lib/__init__.py": b"", "distutils-precedence.pth": fake},
    )
    assert guarded(repo, venv_python, local_index, "helper-lib==1.0") == 1
    assert "refused: helper-lib 1.0: distutils-precedence.pth" in capsys.readouterr().out
    # The real bytes, shipped by a package that is not setuptools: refused too.
    serve(
        local_index,
        "helper-two",
        "1.0",
        {"helper_two/__init__.py": b"", "distutils-precedence.pth": SETUPTOOLS_PTH},
    )
    assert guarded(repo, venv_python, local_index, "helper-two==1.0") == 1
    capsys.readouterr()
    # scan-env: the same name with other bytes, in an environment where setuptools owns it.
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    pth = site_packages(env / "bin" / "python") / "distutils-precedence.pth"
    if not pth.exists():
        pytest.skip("this Python's venv has no setuptools")
    pth.write_bytes(fake)
    assert main(["scan-env", "--python", str(env / "bin" / "python")]) == 1
    assert f"start-up hook: {pth}" in capsys.readouterr().out


def test_known_hook_in_its_owner_is_installed_and_listed(
    repo: Repo, venv_python: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(
        local_index,
        "setuptools",
        "65.5.0",
        {"_distutils_hack/__init__.py": b"", "distutils-precedence.pth": SETUPTOOLS_PTH},
    )
    args = ("--no-deps", "--force-reinstall", "setuptools==65.5.0")  # the venv has 65.5.0
    assert guarded(repo, venv_python, local_index, *args) == 0
    out = capsys.readouterr().out
    assert "accepted hook: setuptools 65.5.0: distutils-precedence.pth" in out
    assert "setuptools's distutils-precedence.pth, a known hook" in out


def test_warn_is_an_explicit_opt_out_an_enforced_policy_can_forbid(
    repo: Repo,
    venv_python: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "payload-ran"
    serve(
        local_index,
        "opt-out",
        "1.0",
        {"opt_out/__init__.py": b"", "opt.pth": f"import os; {payload(marker)}\n".encode()},
    )
    repo.write(".bumpguard.yaml", "version: 1\ninstall:\n  startup_hooks: warn\n")
    assert guarded(repo, venv_python, local_index, "opt-out==1.0") == 0
    assert "(install.startup_hooks: warn)" in capsys.readouterr().out
    subprocess.run([str(venv_python), "-m", "pip", "uninstall", "-y", "-q", "opt-out"], check=True)
    shared = tmp_path / "shared.yaml"
    shared.write_text("version: 1\nenforce: true\ninstall:\n  startup_hooks: deny\n")
    repo.write(
        ".bumpguard.yaml", f"version: 1\nextends: {shared}\ninstall:\n  startup_hooks: warn\n"
    )
    assert guarded(repo, venv_python, local_index, "opt-out==1.0") == 2
    assert "startup_hooks: deny is enforced by" in capsys.readouterr().err


def test_allow_startup_hooks_accepts_exact_content_only(
    repo: Repo,
    venv_python: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hook = b"import os; os.environ.setdefault('TOOL_MODE', 'fast')\n"
    serve(local_index, "tuned-tool", "1.0", {"tuned_tool/__init__.py": b"", "tuned.pth": hook})
    digest = hashlib.sha256(hook).hexdigest()
    wrong = "0" * 64
    for sha, code in ((wrong, 1), (digest, 0)):
        repo.write(
            ".bumpguard.yaml",
            "version: 1\ninstall:\n  allow_startup_hooks:\n"
            f"    - {{package: tuned-tool, path: tuned.pth, sha256: '{sha}'}}\n",
        )
        assert guarded(repo, venv_python, local_index, "tuned-tool==1.0") == code
    out = capsys.readouterr().out
    assert "accepted hook: tuned-tool 1.0: tuned.pth" in out
    assert "install.allow_startup_hooks (" in out


def _registry_pip(python: Path, *args: str) -> None:
    """pip from the package registry (PyPI), isolated from this machine's configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True, env=env)


def test_scan_env_is_clean_on_stock_environments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fresh venv, the same after ``pip install -U setuptools`` and an editable install
    of a setuptools project (its finder hook), and an environment virtualenv made."""
    from guard.cli import main

    def clean(python: Path) -> list[str]:
        capsys.readouterr()
        code = main(["scan-env", "--python", str(python), "--format", "json"])
        data = json.loads(capsys.readouterr().out)
        assert (code, data["findings"]) == (0, [])
        return [a["reason"] for a in data["accepted"]]

    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    clean(python)
    _registry_pip(python, "-U", "setuptools")
    assert any("distutils-precedence.pth, a known hook" in r for r in clean(python))
    project = tmp_path / "proj"
    (project / "code").mkdir(parents=True)
    (project / "code" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "acme-widgets"\nversion = "1.0"\n'
        '[tool.setuptools]\npackages = ["acme"]\npackage-dir = {acme = "code"}\n'
    )
    _registry_pip(python, "--no-build-isolation", "-e", str(project))
    site = site_packages(python)
    finders = [p for p in site.glob("__editable__.*.pth") if p.read_bytes().startswith(b"import ")]
    assert finders, "setuptools wrote no finder hook: the control did not exercise it"
    assert any("editable install (setuptools finder" in r for r in clean(python))
    second = tmp_path / "venv2"
    subprocess.run([sys.executable, "-m", "virtualenv", "-q", str(second)], check=True)
    clean(second / "bin" / "python")


# pytest-cov 4.0.0-6.3.0's pytest-cov.pth, as its wheels ship it.
PYTEST_COV_PTH = (
    b"import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n  from pytest_cov."
    b"embed import init\\n  init()\\n except Exception as exc:\\n  sys.stderr.write(\\n   "
    b'"pytest-cov: '
    b'Failed to setup subprocess coverage. "\\n   "Environ: {0!r} "\\n   "Exception: {1!r}\\\\n".'
    b"format(\\n    dict((k, v) for k, v in os.environ.items() if k.startswith(\\'COV_CORE\\')),"
    b"\\n    exc\\n   )\\n  )\\n')\n"
)


def test_a_known_hook_of_a_dashed_name_is_recognised_in_its_wheel() -> None:
    """The wheel file says pytest_cov; known_hooks.json says pytest-cov: one name."""
    from guard.artifacts.inspect_artifact import inspect

    assert hashlib.sha256(PYTEST_COV_PTH).hexdigest().startswith("f47446a60fdf")
    files = {"pytest_cov/__init__.py": b"", "pytest-cov.pth": PYTEST_COV_PTH}
    wheel = make_wheel("pytest-cov", "6.3.0", files)
    kinds = {f.kind for f in inspect(wheel, "pytest_cov-6.3.0-py3-none-any.whl").findings}
    assert "known-startup-hook" in kinds and "pth-exec" not in kinds
    other = make_wheel("pytest-cov-fork", "1.0", files)
    kinds = {f.kind for f in inspect(other, "pytest_cov_fork-1.0-py3-none-any.whl").findings}
    assert "pth-exec" in kinds  # the same bytes in another distribution


def test_an_approval_that_recorded_the_file_accepts_its_hook(
    repo: Repo, venv_python: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = b"import os; os.environ.setdefault('REVIEWED_MODE', '1')\n"
    wheel = make_wheel("reviewed-tool", "1.0", {"reviewed_tool/__init__.py": b"", "r.pth": hook})
    local_index.add_file("reviewed-tool", "1.0", "reviewed_tool-1.0-py3-none-any.whl", wheel)
    assert guarded(repo, venv_python, local_index, "reviewed-tool==1.0") == 1  # control: refused
    digest = hashlib.sha256(wheel).hexdigest()
    repo.write("requirements.txt", f"reviewed-tool==1.0 --hash=sha256:{digest}\n")
    repo.add()
    assert repo.run("approve", "reviewed-tool==1.0", "--reason", "read r.pth", "--offline") == 0
    capsys.readouterr()
    assert guarded(repo, venv_python, local_index, "reviewed-tool==1.0") == 0
    out = capsys.readouterr().out
    assert "r.pth: line 1 runs at start-up" in out
    assert "accepted, its approval recorded this file's sha256" in out
    assert installed(venv_python, "reviewed-tool")


# coverage 7.13.1-7.17.5's a1_coverage.pth, as its non-Windows wheels ship it.
COVERAGE_PTH = (
    b'import sys; exec(\'import os\\n\\nif os.getenv("COVERAGE_PROCESS_START") or '
    b'os.getenv("COVERAGE_PROCESS_CONFIG"):\\n try:\\n  import coverage\\n except:\\n  '
    b'pass\\n else:\\n  coverage.process_startup(slug="pth")\')\n'
)


def test_approve_shows_the_reviewer_a_known_hook_and_install_accepts_it(
    repo: Repo, venv_python: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hashlib.sha256(COVERAGE_PTH).hexdigest().startswith("ef2ed06d1986")
    serve(
        local_index,
        "coverage",
        "7.17.5",
        {"coverage/__init__.py": b"", "a1_coverage.pth": COVERAGE_PTH},
    )
    repo.write(".bumpguard.yaml", "version: 1\nprotect: [coverage]\n")
    repo.add()
    assert (
        repo.run("approve", "coverage==7.17.5", "--reason", "r", "--index-url", local_index.url)
        == 0
    )
    out = capsys.readouterr().out
    assert "a1_coverage.pth" in out and "coverage's a1_coverage.pth, a known hook" in out
    repo.add()
    assert guarded(repo, venv_python, local_index, "coverage==7.17.5") == 0
    assert "accepted hook: coverage 7.17.5: a1_coverage.pth" in capsys.readouterr().out
