"""The policy file: schema validation with lines, extends and merge rules, discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard.errors import InputError, PolicyError
from guard.policy.loader import DEFAULT_POLICY, builtin_names, find_policy, load_policy
from guard.policy.rules import RANGE_MODES
from tests.conftest import Repo


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_builtin_policy_protects_gateways_and_denies_compromised_litellm() -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert "llm-gateways" in builtin_names()
    for name in (
        "litellm",
        "openai",
        "anthropic",
        "google-genai",
        "google-generativeai",
        "mistralai",
        "cohere",
        "groq",
        "together",
        "langchain",
        "langchain-openai",
        "llama-index",
        "llama-index-core",
        "dspy",
        "instructor",
    ):
        assert policy.protection(name) is not None, name
    assert policy.protection("requests") is None
    for version in ("1.82.7", "1.82.8"):
        rule = policy.denial("litellm", version)
        assert rule is not None
        assert set(rule.advisories) == {"PYSEC-2026-2", "MAL-2026-2144", "GHSA-5mg7-485q-xm76"}
    assert policy.denial("litellm", "1.82.6") is None
    assert policy.denial("litellm", "1.83.0") is None
    publisher = policy.protect["litellm"].publisher
    assert publisher is not None
    assert publisher.kind == "github"
    assert publisher.get("repository") == "BerriAI/litellm"
    assert publisher.get("workflow") == "publish_to_pypi.yml"
    assert publisher.get("environment") == "pypi-publish"
    assert publisher.versions is not None and "1.83.0" in publisher.versions
    assert "1.82.6" not in publisher.versions


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        """\
version: 1
protect:
  - name: openai
    publisher: {kind: sourceforge}
  - 42
deny:
  - package: litellm
    versions: "1.82.7"
  - reason: no package
review_threshold: patch
""",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(str(path))
    text = str(info.value)
    lines = text.splitlines()
    assert len(lines) == 5, text
    assert "p.yaml:4: publisher: kind 'sourceforge'" in text
    assert "p.yaml:5: protect: expected a name or a mapping, got int 42" in text
    assert (
        "p.yaml:8: deny.versions: '1.82.7' is not a PEP 440 specifier set "
        "(write ==1.2.3, not 1.2.3)" in text
    )
    assert "p.yaml:9: deny: each entry needs 'package'" in text
    assert "p.yaml:10: review_threshold: 'patch' is not one of none, major, minor, any" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nprotect: [\n", "p.yaml:3: invalid YAML"),
        ("version: 2\n", "p.yaml:1: version: 2 is not supported"),
        ("protect: [x]\n", "p.yaml:1: missing required key 'version'"),
        ("- just\n- a list\n", "p.yaml:1: a policy must be a mapping, got a list"),
        ("version: 1\nversion: 1\n", "p.yaml:2: duplicate key 'version'"),
        ("version: 1\nprotect: &a [x]\nunprotect: *a\n", "anchors and aliases"),
        ("version: 1\nprotect:\n  - 'bad name!'\n", "p.yaml:3: protect: 'bad name!' is not"),
        (
            "version: 1\nprotect:\n  - name: litellm\n    publisher:\n      kind: github\n",
            "p.yaml:4: publisher: a github publisher needs 'repository'",
        ),
        ("version: 1\nextends: [missing.yaml]\n", "missing.yaml: no such file"),
        ("version: 1\nextends: [builtin:nope]\n", "unknown built-in policy 'builtin:nope'"),
        (
            "version: 1\nextends: ['https://example.org/p.yaml']\n",
            "p.yaml:2: extends: 'https://example.org/p.yaml': only relative paths",
        ),
        ("version: 1\nallow_list: {requests: 1}\n", "allow_list: expected a list of strings"),
        ("version: 1\nranges: lock\n", "p.yaml:2: ranges: 'lock' is not one of pin, allow"),
        ("version: 1\nranges: [pin]\n", "p.yaml:2: ranges: ['pin'] is not one of pin, allow"),
        ("version: 1\nranges: true\n", "p.yaml:2: ranges: True is not one of pin, allow"),
        ("version: 1\nconstraints: {a: 1}\n", "p.yaml:2: constraints: expected a list of strings"),
        ("version: 1\nconstraints:\n  - ''\n", "p.yaml:3: constraints: expected a non-empty"),
        ("version: 1\nconstraints:\n  - 3\n", "p.yaml:3: constraints: expected a non-empty"),
        ("version: 1\nconstraints: ''\n", "p.yaml:2: constraints: '' is empty"),
        *(
            (
                # YAML single quotes keep backslashes as they are.
                f"version: 1\nconstraints:\n  - ok.txt\n  - '{bad}'\n",
                f"p.yaml:4: constraints: {bad!r} {why}; give a path relative to the repository "
                "root",
            )
            for bad, why in (
                ("/etc/constraints.txt", "is an absolute path"),
                ("C:/c.txt", "is an absolute path"),
                ("C:\\c.txt", "is an absolute path"),
                ("\\\\server\\share\\c.txt", "is an absolute path"),
                ("https://example.org/c.txt", "is a URL"),
                ("file:///c.txt", "is a URL"),
                ("../other/constraints.txt", "has a .. component"),
                ("a/../../b.txt", "has a .. component"),
                ("requirements/../c.txt", "has a .. component"),
                ("requirements\\c.txt", "has a backslash (write / between folders)"),
                ("./", "names no file"),
            )
        ),
        ("\xff\xfe", "p.yaml"),
    ],
)
def test_invalid_policies_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="latin-1" if text.startswith("\xff") else "utf-8")
    with pytest.raises(InputError) as info:
        load_policy(str(path))
    assert expected in str(info.value)


def test_unknown_keys_are_warned_about_not_fatal(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "version: 1\nprotekt: [openai]\ndeny:\n  - package: x\n    reasn: typo\n",
    )
    policy = load_policy(str(path))
    assert any("p.yaml:2: warning: unknown key 'protekt'" in w for w in policy.warnings)
    assert any(
        "p.yaml:5: warning: unknown key 'reasn' in a deny entry" in w for w in policy.warnings
    )
    assert policy.denial("x", "1.0") is not None  # a deny with no versions denies all


def test_extends_merge_rules(tmp_path: Path) -> None:
    write(
        tmp_path,
        "shared/base.yaml",
        """\
version: 1
extends: [builtin:llm-gateways]
protect: [internal-sdk, "acme-*"]
deny:
  - package: requests
    versions: ["<2.20"]
    reason: CVE-2018-18074
allow_list: [requests, litellm]
review_threshold: minor
""",
    )
    local = write(
        tmp_path,
        "repo/.bumpguard.yaml",
        """\
version: 1
extends: [../shared/base.yaml]
protect:
  - name: acme-tools
    publisher: {kind: google, email: ci@acme.iam.gserviceaccount.com}
unprotect: [openai, "langchain-*"]
deny:
  - package: urllib3
    versions: "<1.26.5"
allow_list: [urllib3]
review_threshold: major
""",
    )
    policy = load_policy(str(local))
    assert [Path(s).name for s in policy.sources] == [
        "builtin:llm-gateways",
        "base.yaml",
        ".bumpguard.yaml",
    ]
    assert policy.protection("internal-sdk") is not None
    assert policy.protection("openai") is None  # unprotected by the repo
    assert policy.protection("langchain-openai") is None  # glob unprotected
    assert policy.protection("litellm") is not None  # kept from the built-in
    rule = policy.protection("acme-tools")
    assert rule is not None and rule.publisher is not None
    assert rule.publisher.kind == "google"
    assert policy.protection("acme-other") is not None  # glob from the base
    assert policy.denial("requests", "2.19.0") is not None  # denies accumulate
    assert policy.denial("urllib3", "1.26.4") is not None
    assert policy.denial("litellm", "1.82.8") is not None
    assert policy.allowed("requests") and policy.allowed("urllib3")
    assert not policy.allowed("flask")
    assert policy.review_threshold == "major"  # last one wins


def test_exact_protect_beats_an_unprotect_glob(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "version: 1\nextends: [builtin:llm-gateways]\n"
        "unprotect: ['langchain-*']\nprotect: [langchain-core]\n",
    )
    policy = load_policy(str(path))
    assert policy.protection("langchain-core") is not None
    assert policy.protection("langchain-openai") is None


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nextends: [b.yaml]\n")
    write(tmp_path, "b.yaml", "version: 1\nextends: [a.yaml]\n")
    with pytest.raises(PolicyError, match="extends cycle"):
        load_policy(str(tmp_path / "a.yaml"))


def test_policy_discovery_order(repo: Repo) -> None:
    root = repo.path
    assert find_policy(root, None) == DEFAULT_POLICY
    repo.write("pyproject.toml", "[project]\nname='x'\n[tool.bumpguard]\npolicy = 'sec/p.yaml'\n")
    assert find_policy(root, None) == str(root / "sec/p.yaml")
    repo.write(".bumpguard.yaml", "version: 1\n")
    assert find_policy(root, None) == str(root / ".bumpguard.yaml")
    assert find_policy(root, "other.yaml") == "other.yaml"
    repo.write("pyproject.toml", "[tool.bumpguard]\npolicy = 3\n")
    (root / ".bumpguard.yaml").unlink()
    with pytest.raises(PolicyError, match=r"pyproject.toml:1: \[tool.bumpguard\] policy"):
        find_policy(root, None)


def test_policy_commands(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert repo.run("policy", "validate") == 0
    assert "ok: builtin:llm-gateways" in capsys.readouterr().out
    repo.write(
        ".bumpguard.yaml", "version: 1\nextends: [builtin:llm-gateways]\nprotect: [my-sdk]\n"
    )
    assert repo.run("policy", "show", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in data["protect"]]
    assert "my-sdk" in names and "litellm" in names
    assert data["sources"][0] == "builtin:llm-gateways"
    assert repo.run("policy", "show") == 0
    assert "name: my-sdk" in capsys.readouterr().out
    repo.write("bad.yaml", "version: 1\nreview_threshold: always\n")
    assert repo.run("policy", "validate", str(repo.path / "bad.yaml")) == 2
    assert "bad.yaml:2: review_threshold" in capsys.readouterr().err


def test_provenance_settings_defaults_scope_and_refinement(tmp_path: Path) -> None:
    builtin = load_policy(DEFAULT_POLICY)
    new = builtin.settings("litellm", "1.83.0")
    old = builtin.settings("litellm", "1.82.6")
    assert new is not None and old is not None
    assert new.attestations_required and new.publisher is not None
    assert not old.attestations_required and old.publisher is None  # outside the scope
    assert builtin.settings("requests", "2.0") is None
    sdk = builtin.settings("openai", "1.60.0")
    assert sdk is not None and sdk.attestations == "if-present" and sdk.publisher is None

    path = write(
        tmp_path,
        "p.yaml",
        """\
version: 1
extends: [builtin:llm-gateways]
protected_defaults:
  min_release_age: 7d
  require_tag: true
protect:
  - name: litellm          # refines the built-in entry: the publisher stays
    min_release_age: 2w
  - name: openai
    attestations: required
    require_tag: false
""",
    )
    policy = load_policy(str(path))
    litellm = policy.settings("litellm", "1.83.0")
    assert litellm is not None and litellm.publisher is not None
    assert litellm.publisher.get("repository") == "BerriAI/litellm"
    assert litellm.min_release_age.days == 14 and litellm.require_tag
    openai = policy.settings("openai", "1.60.0")
    assert openai is not None and openai.attestations_required and not openai.require_tag
    assert openai.min_release_age.days == 7
    shown = policy.to_data()
    assert shown["protected_defaults"] == {
        "attestations": "if-present",
        "min_release_age": "1w",
        "require_tag": True,
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("attestations: always", "p.yaml:4: protect: attestations 'always' is not one of"),
        ("min_release_age: soon", "p.yaml:4: protect: min_release_age 'soon' is not a duration"),
        ("require_tag: yes please", "p.yaml:4: protect: require_tag must be true or false"),
    ],
)
def test_invalid_provenance_settings(tmp_path: Path, entry: str, expected: str) -> None:
    path = write(tmp_path, "p.yaml", f"version: 1\nprotect:\n  - name: x\n    {entry}\n")
    with pytest.raises(PolicyError, match=expected):
        load_policy(str(path))


def test_ranges_and_constraints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files are shown relative to the working directory
    default = load_policy(DEFAULT_POLICY)
    assert default.ranges == "pin" and default.constraints == []
    write(
        tmp_path,
        "base.yaml",
        "version: 1\nranges: allow\nconstraints:\n  - ./requirements//common.txt\n",
    )
    top = write(
        tmp_path,
        "top.yaml",
        "version: 1\nextends: [base.yaml]\nranges: pin\n"
        "constraints: [requirements/common.txt, constraints.txt]\n",
    )
    policy = load_policy(str(top), tmp_path)
    assert policy.ranges == "pin"  # the last file that sets it
    # Normalised, accumulated in order, the first file that names one keeps it.
    assert policy.constraints == [
        ("requirements/common.txt", "base.yaml:4"),
        ("constraints.txt", "top.yaml:4"),
    ]
    base = load_policy(str(tmp_path / "base.yaml"), tmp_path)
    assert base.ranges == "allow"
    data = policy.to_data()
    assert data["ranges"] == "pin"
    assert data["constraints"][1] == {"path": "constraints.txt", "from": "top.yaml:4"}
    # A file that does not set ranges keeps the one in effect; one path may be a string.
    leaf = write(
        tmp_path,
        "leaf.yaml",
        "version: 1\nextends: [base.yaml]\nconstraints: ' ci/pins.txt '\n",
    )
    policy = load_policy(str(leaf), tmp_path)
    assert policy.ranges == "allow"
    assert policy.constraints == [
        ("requirements/common.txt", "base.yaml:4"),
        ("ci/pins.txt", "leaf.yaml:3"),
    ]
    assert "constraints" not in default.to_data() and default.to_data()["ranges"] == "pin"


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ("c.txt", "c.txt"),
        ("./c.txt", "c.txt"),
        ("./a//b.txt", "a/b.txt"),
        ("a/./b/c.txt", "a/b/c.txt"),
        ("requirements/", "requirements"),
        ("'  requirements/common-constraints.txt  '", "requirements/common-constraints.txt"),
        ("'...'", "..."),  # a name, not a component that climbs out
    ],
)
def test_constraints_paths_are_normalised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, path: str
) -> None:
    monkeypatch.chdir(tmp_path)
    policy_file = write(tmp_path, "p.yaml", f"version: 1\nconstraints:\n  - {written}\n")
    assert load_policy(str(policy_file), tmp_path).constraints == [(path, "p.yaml:3")]


def test_constraints_named_twice_keep_the_first_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "sec/base.yaml", "version: 1\nconstraints: [c.txt, ./c.txt]\n")
    write(tmp_path, "sec/other.yaml", "version: 1\nconstraints: [d.txt, c.txt]\n")
    top = write(
        tmp_path,
        "top.yaml",
        "version: 1\nextends: [sec/base.yaml, sec/other.yaml]\nconstraints:\n  - d.txt\n"
        "  - e.txt\n",
    )
    assert load_policy(str(top), tmp_path).constraints == [
        ("c.txt", "sec/base.yaml:2"),
        ("d.txt", "sec/other.yaml:2"),
        ("e.txt", "top.yaml:5"),
    ]


def test_every_constraints_problem_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(
        tmp_path,
        "p.yaml",
        "version: 1\nranges: strict\nconstraints:\n  - /abs.txt\n  - ok.txt\n  - ../up.txt\n",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(str(path))
    lines = str(info.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["p.yaml:2", "p.yaml:4", "p.yaml:6"]


def test_an_enforced_pin_mode_cannot_be_loosened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base.yaml", "version: 1\nenforce: true\nranges: pin\n")
    write(tmp_path, "ok.yaml", "version: 1\nextends: [base.yaml]\nranges: pin\n")
    assert load_policy(str(tmp_path / "ok.yaml"), tmp_path).ranges == "pin"
    loose = write(tmp_path, "loose.yaml", "version: 1\nextends: [base.yaml]\nranges: allow\n")
    with pytest.raises(PolicyError) as info:
        load_policy(str(loose), tmp_path)
    assert "loose.yaml:3: ranges: allow is looser than pin, which is enforced by base.yaml:2" in (
        str(info.value)
    )
    # A library's own enforcing policy may allow ranges; a later file may tighten it.
    write(tmp_path, "lib.yaml", "version: 1\nenforce: true\nranges: allow\n")
    tight = write(tmp_path, "tight.yaml", "version: 1\nextends: [lib.yaml]\nranges: pin\n")
    assert load_policy(str(tight), tmp_path).ranges == "pin"
    again = write(tmp_path, "again.yaml", "version: 1\nextends: [lib.yaml]\nranges: allow\n")
    assert load_policy(str(again), tmp_path).ranges == "allow"


def test_an_enforcing_file_that_leaves_the_default_pin_is_a_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "sec.yaml", "version: 1\nextends: [builtin:llm-gateways]\nenforce: true\n")
    policy = load_policy(str(tmp_path / "sec.yaml"), tmp_path)
    assert [(item.by, item.ranges) for item in policy.enforced] == [("sec.yaml:3", "pin")]
    assert policy.to_data()["enforced"][0]["ranges"] == "pin"
    # A later sibling in the same extends list is refused as well as a file that extends it.
    write(tmp_path, "lib.yaml", "version: 1\nranges: allow\n")
    for text, where in (
        ("version: 1\nextends: [sec.yaml]\nranges: allow\n", "repo.yaml:3"),
        ("version: 1\nextends: [sec.yaml, lib.yaml]\n", "lib.yaml:2"),
    ):
        repo_file = write(tmp_path, "repo.yaml", text)
        with pytest.raises(PolicyError) as info:
            load_policy(str(repo_file), tmp_path)
        assert str(info.value) == (
            f"{where}: ranges: allow is looser than pin, which is enforced by sec.yaml:3; "
            "a repository cannot loosen it"
        )
    # Set before the enforcing file, allow is what that file leaves in effect and enforces.
    early = write(tmp_path, "early.yaml", "version: 1\nextends: [lib.yaml, sec.yaml]\n")
    policy = load_policy(str(early), tmp_path)
    assert policy.ranges == "allow" and policy.enforced[0].ranges == "allow"


def test_policy_show_lists_ranges_and_constraints(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("sec/base.yaml", "version: 1\nenforce: true\nconstraints: [./ci//pins.txt]\n")
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nextends: [builtin:llm-gateways, sec/base.yaml]\n"
        "constraints:\n  - requirements/common-constraints.txt\n  - ci/pins.txt\n",
    )
    assert repo.run("policy", "show", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ranges"] == "pin"
    assert data["constraints"] == [
        {"path": "ci/pins.txt", "from": "sec/base.yaml:3"},
        {"path": "requirements/common-constraints.txt", "from": ".bumpguard.yaml:4"},
    ]
    assert [(item["by"], item["ranges"]) for item in data["enforced"]] == [
        ("sec/base.yaml:2", "pin")
    ]
    assert repo.run("policy", "show") == 0
    out = capsys.readouterr().out
    assert "\nranges: pin\n" in out and "- path: requirements/common-constraints.txt\n" in out
    repo.write(".bumpguard.yaml", "version: 1\nextends: [sec/base.yaml]\nranges: allow\n")
    assert repo.run("policy", "validate") == 2
    assert ".bumpguard.yaml:3: ranges: allow is looser than pin" in capsys.readouterr().err
    repo.write(".bumpguard.yaml", "version: 1\nranges: allow\nconstraints: C:\\pins.txt\n")
    assert repo.run("policy", "validate") == 2
    assert ".bumpguard.yaml:3: constraints: 'C:\\\\pins.txt' is an absolute path" in (
        capsys.readouterr().err
    )


def test_schema_describes_ranges_and_constraints() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from guard.policy.schema import POLICY_SCHEMA

    props = POLICY_SCHEMA["properties"]
    assert props["ranges"]["enum"] == list(RANGE_MODES) == ["pin", "allow"]
    assert props["ranges"]["default"] == "pin" and props["ranges"]["description"]
    assert props["constraints"]["default"] == [] and props["constraints"]["description"]
    validator = jsonschema.Draft202012Validator(POLICY_SCHEMA)
    for good in (
        {"ranges": "allow", "constraints": ["requirements/common-constraints.txt", "./a//b"]},
        {"ranges": "pin", "constraints": "constraints.txt"},
        {"constraints": ["..."]},
    ):
        assert validator.is_valid({"version": 1, **good}), good
    for bad in (
        {"ranges": "lock"},
        {"constraints": [""]},
        {"constraints": [3]},
        *(
            {"constraints": [path]}
            for path in (
                "/abs.txt",
                "C:/c.txt",
                "C:\\c.txt",
                "\\\\server\\share",
                "https://example.org/c.txt",
                "../c.txt",
                "a/../c.txt",
                "a/..",
                "a\\b.txt",
            )
        ),
    ):
        assert not validator.is_valid({"version": 1, **bad}), bad
