"""What the check shows next to its verdict: ``old -> new`` when a file holds several
versions of one package, the summary counts, and the short report for a repository that
has not adopted bumpguard."""

from __future__ import annotations

import json
import re

import pytest

from guard.engine import history
from guard.findings import Finding, Report
from guard.model import Dependency
from guard.output import report as output
from tests.conftest import Repo
from tests.test_check import sha

ANSI = re.compile(r"\x1b\[[0-9;]*m")

FORKS = ("python_full_version < '3.11'", "python_full_version >= '3.11'")


def forked_lock(*packages: tuple[str, str, int | None]) -> str:
    """A uv.lock as uv writes it for a forked resolution: ``(name, version, fork)``, where
    a package that resolves differently per fork has one entry per fork, each with its
    ``resolution-markers`` (``fork`` None for a package shared by every fork)."""
    out = [
        "version = 1",
        "revision = 2",
        'requires-python = ">=3.10"',
        "resolution-markers = [",
        *(f'    "{marker}",' for marker in FORKS),
        "]",
        "",
    ]
    for name, version, fork in packages:
        under = name.replace("-", "_")
        out += ["[[package]]", f'name = "{name}"', f'version = "{version}"']
        if fork is not None:
            out += ["resolution-markers = [", f'    "{FORKS[fork]}",', "]"]
        out += [
            'source = { registry = "https://pypi.org/simple" }',
            f'sdist = {{ url = "https://files.pythonhosted.org/packages/{under}-{version}.tar.gz",'
            f' hash = "{sha(name + version + "sdist")}", size = 1000,'
            ' upload-time = "2026-03-30T10:00:00.000Z" }',
            "wheels = [",
            f'    {{ url = "https://files.pythonhosted.org/packages/{under}-{version}-py3-none-any'
            f'.whl", hash = "{sha(name + version + "wheel")}", size = 900,'
            ' upload-time = "2026-03-30T10:00:00.000Z" },',
            "]",
            "",
        ]
    return "\n".join(out)


def check(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = repo.run("check", *args)
    return code, capsys.readouterr().out


def findings_of(repo: Repo, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    code, out = check(repo, capsys, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["base"] == "HEAD"
    return [(f["rule"], f["version"], f["previous"]) for f in data["findings"]]


# ---------------------------------------------------------------------------------------
# old -> new with several versions of one package in one file


def test_a_bumped_fork_is_paired_with_the_version_it_replaced(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # camel-ai's uv.lock: litellm 1.80.5 in one fork, 1.80.11 in the other; the entry
    # listed first is not the one that was bumped.
    repo.write(
        "uv.lock",
        forked_lock(("httpx", "0.28.1", None), ("litellm", "1.80.5", 0), ("litellm", "1.80.11", 1)),
    )
    repo.add()
    assert repo.commit().returncode == 0
    repo.write(
        "uv.lock",
        forked_lock(("httpx", "0.28.1", None), ("litellm", "1.80.5", 0), ("litellm", "1.82.8", 1)),
    )
    repo.add()
    assert findings_of(repo, capsys) == [
        ("unreviewed", "1.80.5", "1.80.5"),  # unchanged: its own previous
        ("denied", "1.82.8", "1.80.11"),
    ]
    _, out = check(repo, capsys)
    assert "litellm 1.80.11 -> 1.82.8: denied" in out
    assert "1.80.5 -> 1.82.8" not in out


def test_a_reviewed_fork_beside_a_bumped_one(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", forked_lock(("openai", "1.58.1", 0), ("openai", "1.60.0", 1)))
    repo.add()
    for version in ("1.58.1", "1.60.0"):
        assert repo.run("approve", f"openai=={version}", "--reason", "baseline", "--offline") == 0
    repo.add()
    assert repo.commit().returncode == 0
    assert repo.run("check") == 0

    repo.write("uv.lock", forked_lock(("openai", "1.58.1", 0), ("openai", "1.61.0", 1)))
    repo.add()
    assert findings_of(repo, capsys) == [("unreviewed", "1.61.0", "1.60.0")]
    # Both forks bumped: each is paired with its own fork's version.
    repo.write("uv.lock", forked_lock(("openai", "1.59.0", 0), ("openai", "1.61.0", 1)))
    assert findings_of(repo, capsys) == [
        ("unreviewed", "1.59.0", "1.58.1"),
        ("unreviewed", "1.61.0", "1.60.0"),
    ]


def dep(version: str | None = None, **kw: object) -> Dependency:
    values: dict[str, object] = {"name": "openai", "file": "uv.lock", "line": 1}
    values.update(kw)
    return Dependency(version=version, **values)  # type: ignore[arg-type]


def unreviewed(record: Dependency) -> Finding:
    return Finding(
        "unreviewed",
        record.name,
        record.version,
        record.file,
        record.line,
        "no review",
        "approve it",
        dependency=record,
    )


def test_annotate_uses_every_current_record_when_given(repo: Repo) -> None:
    # At the base: 1.0.0 and 2.0.0. Now: 2.0.0 (reviewed, so no finding) and 2.5.0.
    repo.write("uv.lock", forked_lock(("openai", "1.0.0", 0), ("openai", "2.0.0", 1)))
    repo.add()
    assert repo.commit().returncode == 0
    kept, bumped = dep("2.0.0", line=5), dep("2.5.0", line=9)

    found = unreviewed(bumped)
    assert history.annotate(repo.path, [found], None, [kept, bumped]) == "HEAD"
    assert found.previous == "1.0.0"  # 2.0.0 is still there: 1.0.0 is what went
    assert found.subject == "openai 1.0.0 -> 2.5.0"

    # Without the current records only the findings count as present; the nearest lower
    # version that disappeared is then the best guess.
    found = unreviewed(bumped)
    history.annotate(repo.path, [found], None)
    assert found.previous == "2.0.0"

    # A third version beside the two that stay is new.
    added = dep("3.0.0", line=13)
    found = unreviewed(added)
    history.annotate(repo.path, [found], None, [dep("1.0.0"), kept, added])
    assert found.previous == history.NEW


def test_annotate_pairs_sources_with_sources(repo: Repo) -> None:
    old_url = "git+https://github.com/openai/openai-python@" + "a" * 40
    new_url = "git+https://github.com/openai/openai-python@" + "b" * 40
    repo.write("requirements.txt", f"openai==1.60.0\nopenai @ {old_url}\n")
    repo.add()
    assert repo.commit().returncode == 0
    moved = dep(None, file="requirements.txt", line=2, source="vcs", location=new_url)
    pinned = dep("1.61.0", file="requirements.txt", line=1, specifier="==1.61.0")
    found = [unreviewed(pinned), unreviewed(moved)]
    history.annotate(repo.path, found, None, [pinned, moved])
    assert [f.previous for f in found] == ["1.60.0", old_url]


def test_annotate_new_package_and_new_file(repo: Repo) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    assert repo.commit().returncode == 0
    new_here = dep("1.60.0", file="requirements.txt", line=2)
    new_file = dep("1.60.0", file="requirements-dev.txt", line=1)
    found = [unreviewed(new_here), unreviewed(new_file)]
    history.annotate(repo.path, found, None, [new_here, new_file])
    assert [f.previous for f in found] == [history.NEW, history.NEW]


# ---------------------------------------------------------------------------------------
# The summary line


def finding(file: str, line: int, package: str = "openai", version: str = "1.0.0") -> Finding:
    return Finding(
        "unreviewed",
        package,
        version,
        file,
        line,
        f"{package} is protected (builtin:llm-gateways) and {version} has no recorded review",
        f'bumpguard approve {package}=={version} --reason "..."',
        f"{package}=={version}",
    )


FILES = ["pyproject.toml", "requirements-dev.txt", "requirements.txt", "sub/uv.lock", "uv.lock"]


def test_summary_counts_the_files_with_findings_and_the_files_read() -> None:
    findings = [finding("uv.lock", 3), finding("uv.lock", 9, "anthropic"), finding("uv.lock", 20)]
    report = Report(FILES, [], findings, ["builtin:llm-gateways"])
    assert output.text(report).splitlines()[-1] == (
        "bumpguard: blocked: 3 finding(s) in 1 of 5 dependency file(s) "
        "(policy: builtin:llm-gateways)"
    )
    report.findings.append(finding("requirements.txt", 1))
    # A ledger file that the commit does not hold is a finding, not a dependency file.
    report.findings.append(finding(".bumpguard/approvals/openai.json", 0))
    assert (
        output.text(report)
        .splitlines()[-1]
        .startswith("bumpguard: blocked: 5 finding(s) in 2 of 5 dependency file(s)")
    )
    ok = Report(FILES, [Dependency("requests", "uv.lock", 1, "2.32.3")], [], ["x.yaml"])
    assert output.text(ok) == "bumpguard: ok: 1 dependencies in 5 file(s) (policy: x.yaml)"


def test_summary_counts_end_to_end(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("requirements.txt", "litellm==1.82.8\nopenai==1.0.0\n")
    repo.write("requirements-dev.txt", "pytest==8.3.0\n")
    repo.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n')
    repo.add()
    code, out = check(repo, capsys)
    assert code == 1
    assert out.splitlines()[-1] == (
        "bumpguard: blocked: 2 finding(s) in 1 of 3 dependency file(s) "
        "(policy: builtin:llm-gateways)"
    )


# ---------------------------------------------------------------------------------------
# A repository that has not adopted bumpguard


def many(count: int) -> list[Finding]:
    return [finding("requirements.txt", i + 1, f"langchain-p{i:02}") for i in range(count)]


def test_unadopted_repository_gets_one_line_per_finding_and_the_way_to_adopt() -> None:
    report = Report(["requirements.txt", "uv.lock"], [], many(40), ["builtin:llm-gateways"])
    report.adopted = False
    lines = output.text(report).splitlines()
    assert lines[:2] == [
        "requirements.txt:1: langchain-p00 1.0.0: unreviewed",
        "requirements.txt:2: langchain-p01 1.0.0: unreviewed",
    ]
    assert lines[29] == "requirements.txt:30: langchain-p29 1.0.0: unreviewed"
    assert lines[30:] == [
        "... and 10 more (--format json lists them all)",
        "",
        "This repository has not adopted bumpguard yet: run bumpguard init to adopt it.",
        "It records today's reviewable versions as a baseline and lists what it cannot "
        "baseline (such as denied or unpinned versions).",
        "",
        "bumpguard: blocked: 40 finding(s) in 1 of 2 dependency file(s) "
        "(policy: builtin:llm-gateways)",
    ]
    text = "\n".join(lines)
    assert "fix:" not in text and "After reviewing" not in text and "\x1b[" not in text

    coloured = output.text(report, color=True)
    assert "\x1b[1;31munreviewed\x1b[0m" in coloured
    assert "run \x1b[36mbumpguard init\x1b[0m to adopt it" in coloured
    assert ANSI.sub("", coloured) == text

    # Up to the limit, every finding is listed and nothing is left over.
    report.findings = many(30)
    lines = output.text(report).splitlines()
    assert len([line for line in lines if ": unreviewed" in line]) == 30
    assert not any(line.startswith("... and") for line in lines)

    # An adopted repository keeps the full report; a clean unadopted one the ok line.
    report.adopted = True
    text = output.text(report)
    assert text.count("    fix: ") == 30 and "After reviewing" in text and "init" not in text
    clean = Report(["requirements.txt"], [], [], ["builtin:llm-gateways"])
    clean.adopted = False
    assert output.text(clean) == (
        "bumpguard: ok: 0 dependencies in 1 file(s) (policy: builtin:llm-gateways)"
    )


def test_unadopted_repository_end_to_end(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    pins = "".join(f"langchain-p{i:02}==0.1.{i}\n" for i in range(40))
    repo.write("requirements.txt", pins)
    repo.add()
    assert not (repo.path / ".bumpguard.yaml").exists()
    assert not (repo.path / ".bumpguard").exists()
    code, out = check(repo, capsys)
    assert code == 1
    lines = out.splitlines()
    listed = [line for line in lines if line.endswith(": unreviewed")]
    assert len(listed) == 30
    assert listed[0] == "requirements.txt:1: langchain-p00 0.1.0: unreviewed"
    assert "... and 10 more (--format json lists them all)" in lines
    assert "This repository has not adopted bumpguard yet: run bumpguard init to adopt it." in lines
    assert "fix:" not in out and "After reviewing" not in out
    assert lines[-1] == (
        "bumpguard: blocked: 40 finding(s) in 1 of 1 dependency file(s) "
        "(policy: builtin:llm-gateways)"
    )
    assert len(lines) <= 36
    # JSON lists everything, as before.
    code, out = check(repo, capsys, "--format", "json")
    assert len(json.loads(out)["findings"]) == 40

    # After init the repository has adopted bumpguard: full detail again.
    repo.write("requirements.txt", pins + "openai==1.60.0\n")
    repo.add()
    assert repo.run("init") == 0
    repo.add()
    assert repo.commit("Adopt bumpguard").returncode == 0
    repo.write("requirements.txt", pins + "openai==1.61.0\n")
    repo.add()
    code, out = check(repo, capsys)
    assert code == 1
    assert "requirements.txt:41: openai 1.60.0 -> 1.61.0: unreviewed" in out
    assert '    fix: bumpguard approve openai==1.61.0 --reason "..."' in out
    assert "bumpguard init" not in out
