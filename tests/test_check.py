"""The check, approve and init commands on real files in real git repositories."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from tests.conftest import Repo, git


def sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def uv_lock(*packages: tuple[str, str], salt: str = "") -> str:
    """A uv.lock in the format uv writes, one sdist and one wheel per package."""
    out = ["version = 1", "revision = 2", 'requires-python = ">=3.10"', ""]
    for name, version in packages:
        under = name.replace("-", "_")
        out += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
            f'sdist = {{ url = "https://files.pythonhosted.org/packages/{under}-{version}.tar.gz",'
            f' hash = "{sha(name + version + "sdist" + salt)}", size = 1000,'
            ' upload-time = "2026-03-30T10:00:00.000Z" }',
            "wheels = [",
            f'    {{ url = "https://files.pythonhosted.org/packages/{under}-{version}-py3-none-any'
            f'.whl", hash = "{sha(name + version + "wheel" + salt)}", size = 900,'
            ' upload-time = "2026-03-30T10:00:00.000Z" },',
            "]",
            "",
        ]
    return "\n".join(out)


def check_json(
    repo: Repo, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = repo.run("check", "--format", "json", *args)
    return code, json.loads(capsys.readouterr().out)


def rules(data: dict[str, object]) -> list[tuple[str, str]]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return [(f["rule"], f["package"]) for f in findings]


def test_an_empty_repository_passes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert repo.run("check") == 0
    assert "bumpguard: ok: 0 dependencies in 0 file(s)" in capsys.readouterr().out


def test_denied_version_is_refused_and_cannot_be_approved(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "requests==2.32.3\nlitellm==1.82.8\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1
    assert rules(data) == [("denied", "litellm")]
    finding = data["findings"][0]  # type: ignore[index]
    assert finding["file"] == "requirements.txt" and finding["line"] == 2
    assert "GHSA-5mg7-485q-xm76" in finding["message"]
    assert repo.run("approve", "litellm==1.82.8", "--reason", "trust me", "--offline") == 1
    assert "no approval can override a deny" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard").exists()


def test_protected_bump_needs_an_approval_for_that_version_and_hashes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("httpx", "0.28.1"), ("anthropic", "0.40.0")))
    repo.add()  # approve reads the files git's index holds
    assert repo.run("approve", "anthropic==0.40.0", "--reason", "baseline", "--offline") == 0
    assert "2 hash(es) from uv.lock" in capsys.readouterr().out
    repo.add()
    assert repo.commit().returncode == 0
    assert repo.run("check") == 0

    repo.write("uv.lock", uv_lock(("httpx", "0.28.1"), ("anthropic", "0.42.0")))
    repo.add()
    capsys.readouterr()
    assert repo.run("check") == 1
    out = capsys.readouterr().out
    assert "uv.lock:14: anthropic 0.40.0 -> 0.42.0: unreviewed" in out
    assert "bumpguard approve anthropic==0.42.0 --reason" in out

    assert (
        repo.run(
            "approve", "anthropic==0.42.0", "--reason", "release notes and diff read", "--offline"
        )
        == 0
    )
    assert repo.run("check") == 0
    ledger = json.loads((repo.path / ".bumpguard/approvals/anthropic.json").read_text())
    versions = [a["version"] for a in ledger["approvals"]]
    assert versions == ["0.40.0", "0.42.0"]
    latest = ledger["approvals"][1]
    assert latest["reviewer"] == "Rita Reviewer <rita@example.org>"
    assert latest["reason"] == "release notes and diff read"
    assert sorted(latest["hashes"]) == sorted(
        [sha("anthropic0.42.0sdist"), sha("anthropic0.42.0wheel")]
    )

    # A re-upload: same version, other bytes.
    repo.write("uv.lock", uv_lock(("httpx", "0.28.1"), ("anthropic", "0.42.0"), salt="evil"))
    code, data = check_json(repo, capsys)
    assert code == 1
    assert ("hash-mismatch", "anthropic") in rules(data)
    assert ("hash-mismatch", "httpx") not in rules(data)  # httpx is not protected


def test_approval_recorded_before_the_lock_must_be_renewed_for_its_hashes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert repo.run("approve", "openai==1.60.0", "--reason", "ahead of the bump", "--offline") == 0
    assert "no hashes recorded" in capsys.readouterr().out
    repo.write("uv.lock", uv_lock(("openai", "1.60.0")))
    with monkeypatch.context() as hook:
        hook.setenv("PRE_COMMIT", "1")
        assert repo.run("check") == 0  # inside a commit: not staged, not part of it
    # Outside one, a file not added yet is read too (and the approval, not staged either,
    # does not count yet).
    code, data = check_json(repo, capsys)
    assert code == 1 and ("unreviewed", "openai") in rules(data)
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("hashes-unreviewed", "openai")]
    assert repo.run("approve", "openai==1.60.0", "--reason", "hashes checked", "--offline") == 0
    assert repo.run("check") == 0


def test_protected_range_must_be_pinned_or_locked(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "app"\nversion = "1"\n'
        'dependencies = [\n  "anthropic>=0.40",\n  "requests",\n]\n',
    )
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unpinned", "anthropic")]
    assert data["findings"][0]["line"] == 5  # type: ignore[index]

    repo.write("uv.lock", uv_lock(("anthropic", "0.42.0"), ("requests", "2.32.3")))
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unreviewed", "anthropic")]
    # Naming only pyproject.toml still finds the pin in the repository's uv.lock.
    code, data = check_json(repo, capsys, str(repo.path / "pyproject.toml"))
    assert code == 0 and data["files"] == ["pyproject.toml"]
    assert repo.run("approve", "anthropic==0.42.0", "--reason", "ok", "--offline") == 0
    repo.add()
    assert repo.run("check") == 0


def test_range_that_admits_a_denied_version(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        ".bumpguard.yaml",
        "version: 1\ndeny:\n  - package: pyyaml\n"
        "    versions: ['==6.0.0']\n    reason: bad build\n",
    )
    repo.write("requirements.in", "pyyaml>=5\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied-range", "pyyaml")]
    assert "pyyaml>=5,!=6.0.0" in data["findings"][0]["fix"]  # type: ignore[index]
    repo.write("requirements.in", "pyyaml>=5,!=6.0.0\n")
    assert repo.run("check") == 0


def test_allow_list_mode(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".bumpguard.yaml", "version: 1\nallow_list: [requests, 'django-*']\n")
    repo.write("requirements.txt", "requests\ndjango-environ==0.11\nflask==3.0.0\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("not-allowed", "flask")]


@pytest.mark.parametrize(
    ("threshold", "approved", "current", "code"),
    [
        ("minor", "2.31.0", "2.31.5", 0),
        ("minor", "2.31.0", "2.32.0", 1),
        ("major", "2.31.0", "2.99.0", 0),
        ("major", "2.31.0", "3.0.0", 1),
        ("any", "2.31.0", "2.31.1", 1),
        ("any", "2.31.0", "2.31.0", 0),
        ("none", "2.31.0", "9.0.0", 0),
    ],
)
def test_review_threshold(
    repo: Repo, threshold: str, approved: str, current: str, code: int
) -> None:
    repo.write(".bumpguard.yaml", f"version: 1\nreview_threshold: {threshold}\n")
    repo.write("requirements.txt", f"requests=={approved}\n")
    repo.add()
    assert repo.run("approve", f"requests=={approved}", "--reason", "r", "--offline") == 0
    repo.write("requirements.txt", f"requests=={current}\n")
    repo.add()
    assert repo.run("check") == code


def test_source_change_from_index_to_vcs_needs_a_review(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", "version: 1\nextends: [builtin:llm-gateways]\n")
    repo.write("requirements.txt", "requests==2.32.3\n-e .\n./libs/local\n")
    repo.add()
    assert repo.commit().returncode == 0
    assert repo.run("check") == 0  # paths inside the repository are its own code
    url = "git+https://github.com/psf/requests@0e322af87745eff34caffe4df68456ebc20d9068"
    repo.write("requirements.txt", f"requests @ {url}\n-e .\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("check") == 1
    out = capsys.readouterr().out
    assert f"requirements.txt:1: requests 2.32.3 -> {url}: unreviewed-source" in out
    assert f"bumpguard approve 'requests @ {url}'" in out
    assert repo.run("approve", f"requests @ {url}", "--reason", "pinned commit", "--offline") == 0
    repo.add()
    assert repo.run("check") == 0
    repo.write("requirements.txt", "requests @ git+https://github.com/psf/requests@main\n")
    capsys.readouterr()
    assert repo.run("check") == 1
    assert "unpinned-source" in capsys.readouterr().out


def test_base_revision_and_new_dependencies(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    assert repo.commit().returncode == 0
    first = git(repo.path, "rev-parse", "HEAD").stdout.strip()
    repo.write("requirements.txt", "requests==2.32.3\ngroq==0.11.0\n")
    repo.add()
    assert repo.commit().returncode == 0
    repo.write("requirements.txt", "requests==2.32.3\ngroq==0.12.0\n")
    code, data = check_json(repo, capsys)
    assert code == 1 and data["base"] == "HEAD"
    assert data["findings"][0]["previous"] == "0.11.0"  # type: ignore[index]
    code, data = check_json(repo, capsys, "--base", first)
    assert data["findings"][0]["previous"] == "(none)"  # type: ignore[index]
    capsys.readouterr()
    assert repo.run("check", "--base", "no-such-ref") == 2
    assert "--base no-such-ref: no such revision" in capsys.readouterr().err


def test_the_answer_does_not_depend_on_the_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("litellm", "1.83.0")))
    repo.add()
    code_staged, staged = check_json(repo, capsys)
    assert git(repo.path, "commit", "-qm", "x", "--no-verify").returncode == 0
    code_committed, committed = check_json(repo, capsys)
    assert code_staged == code_committed == 1
    assert rules(staged) == rules(committed) == [("unreviewed", "litellm")]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("uv.lock", "version = 1\n[[package]]\nname = 'x'\nversion = \n", "uv.lock:4:"),
        ("pyproject.toml", "[project\nname='x'\n", "pyproject.toml:1:"),
        ("requirements.txt", "requests==2.0\nnot a requirement!!\n", "requirements.txt:2:"),
        ("Pipfile.lock", '{\n  "default": {\n    "x": \n  }\n}\n', "Pipfile.lock:4:"),
        ("requirements.txt", "-r ../../outside.txt\n", "requirements.txt:1:"),
    ],
)
def test_malformed_files_exit_2_naming_file_and_line(
    repo: Repo, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    repo.write(name, text)
    repo.add()
    assert repo.run("check") == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_malformed_ledger_and_odd_bytes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("requirements.txt", "openai==1.60.0\n")
    repo.write(
        ".bumpguard/approvals/openai.json",
        '{"schema": 1,\n "package": "openai",\n "approvals": [\n  {"version": "1.60.0"}\n ]\n}\n',
    )
    repo.add()
    assert repo.run("check") == 2
    assert (
        ".bumpguard/approvals/openai.json:4: approval needs a string 'reviewer'"
        in capsys.readouterr().err
    )
    (repo.path / "requirements.txt").write_bytes(b"openai==1.60.0\n\xff\xfe\n")
    assert repo.run("check") == 2
    assert "requirements.txt:2: not valid UTF-8 text" in capsys.readouterr().err


def test_approve_usage_errors(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert repo.run("approve", "litellm>=1.83", "--reason", "r", "--offline") == 2
    assert "approve one exact version" in capsys.readouterr().err
    assert repo.run("approve", "litellm==1.83.0", "--offline") == 2  # --reason is required
    assert repo.run("approve", "litellm==1.83.0", "--reason", "  ", "--offline") == 2
    git(repo.path, "config", "--unset", "user.name")
    git(repo.path, "config", "--unset", "user.email")
    capsys.readouterr()
    assert repo.run("approve", "litellm==1.83.0", "--reason", "r", "--offline") == 2
    assert "who is approving?" in capsys.readouterr().err
    sam = ("--reason", "r", "--reviewer", "Sam", "--offline")
    assert repo.run("approve", "anthropic==0.42.0", *sam) == 0
    assert repo.run("approve", "anthropic==0.42.1", *sam, "--hash", "nothex") == 2
    capsys.readouterr()
    # litellm from 1.83.0 needs verified attestations: an offline approval cannot give them.
    assert repo.run("approve", "litellm==1.83.0", *sam) == 1
    assert "run approve without --offline" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard/approvals/litellm.json").exists()


def test_init_adopts_the_guard_with_a_baseline(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("litellm", "1.82.6"), ("openai", "1.60.0"), ("rich", "13.0")))
    repo.write("requirements-dev.txt", "mistralai>=1\n")
    repo.add()
    assert repo.run("init") == 1  # the unpinned mistralai cannot be baselined
    out = capsys.readouterr().out
    assert "wrote .bumpguard.yaml" in out
    assert "baseline: litellm 1.82.6" in out and "baseline: openai 1.60.0" in out
    assert "requirements-dev.txt:1: mistralai: unpinned" in out
    assert "- id: bumpguard" in out
    assert "extends:\n  - builtin:llm-gateways" in (repo.path / ".bumpguard.yaml").read_text()
    repo.write("requirements-dev.txt", "mistralai==1.2.0\n")
    assert repo.run("check") == 1
    assert repo.run("init") == 0
    assert "keeping it" in capsys.readouterr().out
    repo.add()
    assert repo.run("check") == 0
    data = json.loads((repo.path / ".bumpguard/approvals/litellm.json").read_text())
    assert data["approvals"][0]["kind"] == "baseline"
    assert len(data["approvals"][0]["hashes"]) == 2


def test_cli_entry_points() -> None:
    for cmd in ([sys.executable, "-m", "guard", "--version"], ["bumpguard", "--version"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert proc.returncode == 0 and proc.stdout.startswith("bumpguard 0."), proc
    proc = subprocess.run(
        [sys.executable, "-m", "guard"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2


def test_direct_references_to_archives_carry_their_version(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "vendor").mkdir()
    (repo.path / "vendor/litellm-1.82.8-py3-none-any.whl").write_bytes(b"PK")
    repo.write("vendor/tool/pyproject.toml", '[project]\nname = "tool"\nversion = "1"\n')
    repo.write(
        "requirements.txt",
        "./vendor/litellm-1.82.8-py3-none-any.whl\n"
        "six @ https://example.org/files/six-1.16.0-py2.py3-none-any.whl\n"
        "file:vendor/attrs-23.1.0.tar.gz\n"
        "./vendor/tool\n",
    )
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1
    found = [(f["rule"], f["package"], f["version"]) for f in data["findings"]]  # type: ignore[union-attr]
    assert found == [
        ("denied", "litellm", "1.82.8"),  # a committed wheel is no way around a deny
        ("unpinned-source", "six", "1.16.0"),  # no hash pins what the URL serves
        ("unreviewed-source", "attrs", "23.1.0"),  # an archive in the repository is no diff
    ]


def test_init_offline_leaves_versions_that_need_attestations_to_an_online_approval(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("litellm", "1.83.0"), ("openai", "1.60.0")))
    repo.add()
    assert repo.run("init", "--offline") == 1
    out = capsys.readouterr().out
    assert "baseline: openai 1.60.0" in out
    assert "baseline: litellm" not in out
    assert "litellm: unreviewed" in out and "bumpguard approve litellm==1.83.0" in out
    assert not (repo.path / ".bumpguard/approvals/litellm.json").exists()
