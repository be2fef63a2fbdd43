"""``bumpguard pip install`` end to end: a real venv, real pip, a real index on 127.0.0.1.

pip is isolated from this machine's configuration (config files, PIP_* variables): every
run sees only the local index the test serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from guard.engine import install
from tests.conftest import Repo
from tests.indexserver import LocalIndex, pep740_or_skip
from tests.wheels import make_wheel

OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)
pytestmark = pytest.mark.usefixtures("isolated_pip")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with pip, shared by the module (each test installs new names)."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def installed(python: Path, name: str) -> bool:
    proc = subprocess.run(
        [str(python), "-m", "pip", "show", "-q", name],
        capture_output=True,
        check=False,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    return proc.returncode == 0


def run(repo: Repo, python: Path, index: LocalIndex, *args: str) -> int:
    return repo.run("pip", "install", "--python", str(python), "--index-url", index.url, *args)


def serve_wheel(
    index: LocalIndex,
    name: str,
    version: str,
    *,
    files: dict[str, bytes] | None = None,
    requires: tuple[str, ...] = (),
    uploaded: datetime = OLD,
) -> str:
    module = name.replace("-", "_")
    wheel = make_wheel(
        name, version, files or {f"{module}/__init__.py": b"VALUE = 1\n"}, requires=requires
    )
    filename = f"{module}-{version}-py3-none-any.whl"
    index.add_file(name, version, filename, wheel, upload_time=uploaded)
    return filename


def test_denied_version_is_refused_before_anything_runs(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_wheel(local_index, "litellm", "1.82.8")
    assert run(repo, venv, local_index, "litellm==1.82.8") == 1
    out, err = capsys.readouterr()
    assert "litellm (protected)  1.82.8" in out
    assert "refused: litellm 1.82.8: denied by builtin:llm-gateways" in out
    assert "nothing was installed" in err
    assert not installed(venv, "litellm")


def test_pth_hook_refused_and_never_run(
    repo: Repo,
    venv: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "MARKER"
    hook = f"import os; open({str(marker)!r}, 'w').write('ran')\n".encode()
    serve_wheel(
        local_index,
        "sneaky-sdk",
        "1.0.0",
        files={"sneaky_sdk/__init__.py": b"", "sneaky_sdk_init.pth": hook},
    )
    repo.write(
        ".bumpguard.yaml", "version: 1\nextends: [builtin:llm-gateways]\nprotect: [sneaky-sdk]\n"
    )
    assert run(repo, venv, local_index, "sneaky-sdk") == 1
    out = capsys.readouterr().out
    assert "sneaky_sdk_init.pth" in out and "refused" in out
    assert not installed(venv, "sneaky-sdk")
    subprocess.run([str(venv), "-c", "pass"], check=True)  # a start-up, as any later one
    assert not marker.exists()


def test_path_only_pth_is_fine(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_wheel(
        local_index,
        "plain-paths",
        "2.0",
        files={"plain_paths/__init__.py": b"X = 2\n", "plain_paths.pth": b"plain_paths\n"},
    )
    assert run(repo, venv, local_index, "plain-paths==2.0") == 0
    assert "installed 1 checked file(s)" in capsys.readouterr().out
    assert installed(venv, "plain-paths")


def test_protected_package_pulled_in_transitively(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_wheel(local_index, "litellm", "1.83.5")  # a token upload: no attestations
    serve_wheel(local_index, "agent-app", "0.1", requires=("litellm==1.83.5",))
    assert run(repo, venv, local_index, "agent-app") == 1
    out = capsys.readouterr().out
    assert "agent-app" in out and "litellm (protected)" in out
    assert "no attestation for litellm-1.83.5-py3-none-any.whl" in out
    assert not installed(venv, "agent-app") and not installed(venv, "litellm")


def test_unreviewed_protected_version_inside_a_repository_with_a_ledger(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_wheel(local_index, "groq", "0.9.0")
    assert repo.run("approve", "requests==2.0.0", "--reason", "r", "--offline") == 0  # a ledger
    assert run(repo, venv, local_index, "groq==0.9.0") == 1
    assert "no recorded review of groq 0.9.0" in capsys.readouterr().out
    assert repo.run("approve", "groq==0.9.0", "--reason", "r", "--index-url", local_index.url) == 0
    assert run(repo, venv, local_index, "groq==0.9.0") == 0
    assert installed(venv, "groq")


def test_too_young_release(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_wheel(
        local_index, "cohere", "5.0.0", uploaded=datetime.now(timezone.utc) - timedelta(hours=2)
    )
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nextends: [builtin:llm-gateways]\nprotected_defaults: {min_release_age: 3d}\n",
    )
    assert run(repo, venv, local_index, "cohere==5.0.0") == 1
    assert "eligible from" in capsys.readouterr().out
    assert not installed(venv, "cohere")


def test_attested_circleci_wheel_installs_end_to_end(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pep740_or_skip()
    filename = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"
    local_index.add_file(
        "circleci-sign-publish-example",
        "0.0.1.dev137",
        filename,
        (folder / filename).read_bytes(),
        upload_time=OLD,
        provenance=json.loads((folder / f"{filename}.provenance").read_text()),
    )
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nprotect:\n  - name: circleci-sign-publish-example\n"
        "    attestations: required\n    publisher: {kind: circleci, project_id: "
        "fdd9283f-e619-46af-8f9c-851f7d3e8b2b, pipeline_definition_id: "
        "8e4f8ab2-8d7c-4827-9f15-de076d6d647f}\n",
    )
    assert run(repo, venv, local_index, "circleci-sign-publish-example") == 0
    out = capsys.readouterr().out
    assert (
        "attested: circleci-sign-publish-example 0.0.1.dev137: built by CircleCI project "
        "fdd9283f-e619-46af-8f9c-851f7d3e8b2b pipeline definition "
        "8e4f8ab2-8d7c-4827-9f15-de076d6d647f"
    ) in out
    assert installed(venv, "circleci-sign-publish-example")
    proc = subprocess.run(
        [str(venv), "-c", "import circleci_sign_publish_example as m; print(m.__name__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_index_going_down_mid_way_fails_closed(
    repo: Repo,
    venv: Path,
    local_index: LocalIndex,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serve_wheel(local_index, "mistralai", "1.1.0")
    resolve = install.resolve

    def resolve_then_go_down(*args: object, **kwargs: object) -> list[install.Item]:
        items = resolve(*args, **kwargs)  # type: ignore[arg-type]
        local_index.set_down(True)  # pip resolved; the checks find the index gone
        return items

    monkeypatch.setattr(install, "resolve", resolve_then_go_down)
    assert run(repo, venv, local_index, "mistralai==1.1.0") == 2
    assert local_index.host in capsys.readouterr().err
    assert not installed(venv, "mistralai")


def test_usage_errors(repo: Repo, venv: Path, local_index: LocalIndex) -> None:
    assert repo.run("pip", "install", "--python", str(venv)) == 2
    assert repo.run("pip", "install", "--python", "/no/such/python", "x") == 2
    assert run(repo, venv, local_index, "no-such-package-here") == 2


def test_new_startup_hook_against_the_approved_version(
    repo: Repo,
    venv: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "BOOTED"
    serve_wheel(local_index, "acme-sdk", "1.0")
    serve_wheel(
        local_index,
        "acme-sdk",
        "1.1",
        files={
            "acme_sdk/__init__.py": b"",
            "acme_sdk_boot.pth": f"import os; open({str(marker)!r}, 'w')\n".encode(),
        },
    )
    repo.write(
        ".bumpguard.yaml", "version: 1\nprotect: [acme-sdk]\ninstall: {require_approval: false}\n"
    )
    assert (
        repo.run("approve", "acme-sdk==1.0", "--reason", "r", "--index-url", local_index.url) == 0
    )
    approval = json.loads((repo.path / ".bumpguard/approvals/acme-sdk.json").read_text())
    assert approval["approvals"][0]["inspection"]["startup_hooks"] == []
    capsys.readouterr()
    assert run(repo, venv, local_index, "acme-sdk==1.1") == 1
    out = capsys.readouterr().out
    assert "acme_sdk_boot.pth" in out and "not in the approved 1.0" in out
    # Reviewed and approved, with the hook listed in the approval, it installs. The diff
    # against the approved 1.0 adds a hook, so the reviewer has to name it.
    approve = ("approve", "acme-sdk==1.1", "--reason", "the hook is intended")
    assert repo.run(*approve, "--index-url", local_index.url) == 1
    assert "--accept acme_sdk_boot.pth" in capsys.readouterr().err
    assert repo.run(*approve, "--accept", "acme_sdk_boot.pth", "--index-url", local_index.url) == 0
    assert "start-up hooks or foreign names, reviewed by you" in capsys.readouterr().out
    assert run(repo, venv, local_index, "acme-sdk==1.1") == 0
    assert ": accepted, reviewed in its approval" in capsys.readouterr().out
    assert installed(venv, "acme-sdk")


def test_protected_package_with_only_an_sdist_is_refused(
    repo: Repo, venv: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.wheels import make_sdist

    sdist = make_sdist("together", "1.3.0", {})
    local_index.add_file("together", "1.3.0", "together-1.3.0.tar.gz", sdist, upload_time=OLD)
    assert run(repo, venv, local_index, "together==1.3.0") == 1
    err = capsys.readouterr().err
    assert "together: protected, and no wheel satisfies the request" in err
    assert "install.allow_sdist" in err
    assert not installed(venv, "together")


def test_requirements_constraints_and_target_keep_working(
    repo: Repo,
    venv: Path,
    local_index: LocalIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serve_wheel(local_index, "tiny-lib", "1.0")
    serve_wheel(local_index, "tiny-lib", "2.0")
    repo.write("reqs.txt", "tiny-lib\n")
    repo.write("constraints.txt", "tiny-lib<2\n")
    target = tmp_path / "target"
    assert (
        run(
            repo,
            venv,
            local_index,
            "-r",
            str(repo.path / "reqs.txt"),
            "-c",
            str(repo.path / "constraints.txt"),
            "--target",
            str(target),
        )
        == 0
    )
    assert "tiny-lib  1.0" in capsys.readouterr().out
    assert (target / "tiny_lib" / "__init__.py").is_file()
    assert any(p.name.startswith("tiny_lib-1.0") for p in target.iterdir())
    assert not installed(venv, "tiny-lib")  # --target, not the environment
