"""Fuzzing: mutated dependency, policy, ledger, lock, evidence and stored remote files
never make ``check`` crash.

Two kinds of mutation, both seeded with real files (the readers' own test files, real
ones from ``../shared/fixtures/realworld``, real PEP 740 evidence from
``../shared/fixtures/pep740``) and run through the real ``check`` via ``main``:

* **bytes**: edits an attacker or a bad merge would make (cut, duplicate, insert NUL
  bytes, invalid UTF-8, quotes, brackets, deep nesting, huge numbers, impossible dates);
* **structure**: the file is parsed (TOML, JSON or YAML), a value anywhere in the tree is
  replaced by one of the wrong type or an absurd size, deleted, duplicated or renamed,
  and the tree is written back in the same format, so the input gets past the parser
  and reaches the code that reads the fields.

Stored remote policies and review exports are mutated together with the digest the
policy pins and the lock records, as an attacker who controls the pull request would.
The exit must be 0, 1 or 2: never 3 (a bug), never an exception, and within the
per-example deadline.

CI runs a bounded number of examples per format, derandomized so a failure is
reproducible. For a longer local run, either a number of examples or a time per
format (random, not derandomized), and a report of how many inputs each format got::

    BUMPGUARD_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -p no:randomly
    BUMPGUARD_FUZZ_SECONDS=80 BUMPGUARD_FUZZ_REPORT=fuzz.jsonl python -m pytest tests/test_fuzz.py

Every input that once crashed is kept in ``tests/fuzz_corpus/`` and runs on every test
run (``test_the_corpus``).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from guard.cli import main  # noqa: E402
from tests.conftest import ROOT, SHARED, Repo, git  # noqa: E402
from tests.indexserver import LocalIndex  # noqa: E402
from tests.test_manifests import (  # noqa: E402
    PIPFILE_LOCK,
    POETRY_LOCK,
    PYLOCK,
    PYPROJECT,
    REQUIREMENTS,
    UV_LOCK,
)
from tests.test_provenance_flow import GITHUB, OLD, approve, lock, policy, serve  # noqa: E402

EXAMPLES = int(os.environ.get("BUMPGUARD_FUZZ_EXAMPLES", "150"))
SECONDS = float(os.environ.get("BUMPGUARD_FUZZ_SECONDS", "0"))
REPORT = os.environ.get("BUMPGUARD_FUZZ_REPORT")
CORPUS = ROOT / "tests" / "fuzz_corpus"

POLICY = """version: 1
extends: builtin:llm-gateways
protect:
  - name: openai
    publisher: {kind: github, repository: openai/openai-python, workflow: publish.yml}
    min_release_age: 7d
  - "internal-*"
deny:
  - package: litellm
    versions: ["==1.82.7", "==1.82.8"]
    reason: stolen token
review_threshold: minor
install:
  startup_hooks: deny
  allow_sdist: [internal-*]
reviews:
  signed: optional
  min_reviewers: 2
  scope: all
"""

LEDGER = """{
  "schema": 1,
  "package": "openai",
  "approvals": [
    {
      "version": "1.93.0",
      "reviewer": "Rita <rita@example.org>",
      "approved_at": "2026-01-01T00:00:00Z",
      "reason": "reviewed",
      "hashes": ["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
      "source": null,
      "kind": "review",
      "method": "online",
      "upload_time": "2025-06-01T12:00:00Z",
      "identity": {"kind": "github", "repository": "openai/openai-python"},
      "reviewed_from": "1.92.0",
      "diff_digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      "accepted": ["openai/_boot.pth"],
      "signatures": [
        {"key": "SHA256:x",
         "signature": "-----BEGIN SSH SIGNATURE-----\\nU1NIU0lH\\n-----END SSH SIGNATURE-----"}
      ]
    }
  ]
}
"""

# What an attacker or a bad merge puts into a file.
TOKENS = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r",
    b"\n\n",
    b'"',
    b"'",
    b"\\",
    b"\\u0000",
    b"[" * 2000,
    b"{" * 2000,
    b"- " * 500,
    b"9" * 5000,
    b"-1",
    b"1e309",
    b"9999-12-31T23:59:59Z",
    b"0001-01-01T00:00:00Z",
    b"1979-02-30",
    b"===",
    b"@ git+https://example.org/x.git@main",
    b" ; python_version < '",
    b"-r ",
    b"-c /dev/zero",
    b"file:///dev/zero",
    b"&a [*a, *a]",
    b"!!python/object:os.system",
    b"\t",
    "\u2028".encode(),
]

EDIT = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, 2**20), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 2**20), st.sampled_from(TOKENS)),
    st.tuples(st.just("bytes"), st.integers(0, 2**20), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("dup"), st.integers(0, 2**20), st.integers(1, 400)),
)


def mutate(seed: bytes, edits: list[tuple[str, int, object]]) -> bytes:
    data = bytearray(seed)
    for kind, where, arg in edits:
        at = where % (len(data) + 1)
        if kind == "cut":
            assert isinstance(arg, int)
            del data[at : at + arg]
        elif kind == "dup":
            assert isinstance(arg, int)
            data[at:at] = data[at : at + arg]
        else:
            assert isinstance(arg, bytes)
            data[at:at] = arg
    return bytes(data)


def check(repo: Path, files: dict[str, bytes]) -> tuple[int, str]:
    for name, data in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["-C", str(repo), "check", "--format", "json"])
    return code, err.getvalue()


def fresh(tmp_path: Path, name: str) -> Path:
    repo = tmp_path / name
    if not repo.exists():
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def assert_handled(code: int, err: str, data: bytes) -> None:
    assert code in (0, 1, 2), f"exit {code}: {err}\ninput: {data[:300]!r}"
    assert "internal error" not in err and "Traceback" not in err, err


def _realworld(name: str) -> bytes | None:
    path = SHARED / "realworld" / name
    return path.read_bytes() if path.is_file() else None


SEEDS: dict[str, tuple[str, bytes]] = {
    "requirements": ("requirements.txt", REQUIREMENTS.encode()),
    "pyproject": ("pyproject.toml", PYPROJECT.encode()),
    "uv.lock": ("uv.lock", UV_LOCK.encode()),
    "poetry.lock": ("poetry.lock", POETRY_LOCK.encode()),
    "pylock": ("pylock.toml", PYLOCK.encode()),
    "Pipfile.lock": ("Pipfile.lock", PIPFILE_LOCK.encode()),
    "policy": (".bumpguard.yaml", POLICY.encode()),
    "ledger": (".bumpguard/approvals/openai.json", LEDGER.encode()),
}
for _name, _file in (
    ("aider requirements", "aider.requirements.txt"),
    ("pydantic-ai pyproject", "pydantic-ai.pyproject.toml"),
):
    _data = _realworld(_file)
    if _data is not None:
        SEEDS[_name] = ("requirements.txt" if "requirements" in _file else "pyproject.toml", _data)

# A policy that extends a pinned URL: check reads .bumpguard/policy.lock and the stored copy.
REMOTE = b"version: 1\nprotect:\n  - anthropic\n"
REMOTE_SHA = hashlib.sha256(REMOTE).hexdigest()
REMOTE_URL = "https://policies.example.org/base.yaml"
POLICY_LOCK = json.dumps(
    {
        "schema": 1,
        "entries": [
            {
                "kind": "policy",
                "url": REMOTE_URL,
                "name": None,
                "sha256": REMOTE_SHA,
                "pin": {"sha256": REMOTE_SHA},
                "fetched_at": "2026-01-01T00:00:00Z",
                "path": f".bumpguard/remote/{REMOTE_SHA}",
                "bundle": None,
            }
        ],
    },
    indent=2,
)
SEEDS["policy.lock"] = (".bumpguard/policy.lock", POLICY_LOCK.encode())

# Files a seed refers to (the readers' requirements example includes two).
COMPANIONS = {
    "requirements.txt": {
        "requirements/base.txt": b"requests==2.32.3\n",
        "constraints.txt": b"urllib3==2.2.1\n",
    },
    ".bumpguard/policy.lock": {
        ".bumpguard.yaml": (
            f"version: 1\nextends:\n  - {{url: {REMOTE_URL}, sha256: '{REMOTE_SHA}'}}\n"
        ).encode(),
        f".bumpguard/remote/{REMOTE_SHA}": REMOTE,
    },
}


def companions(target: str) -> dict[str, bytes]:
    """The files to write beside ``target``: what it refers to, and a protected pin for
    the formats that are not a requirements file (so the ledger and policy matter)."""
    extra = dict(COMPANIONS.get(target, {}))
    if target != "requirements.txt":
        extra["requirements.txt"] = b"openai==1.93.0\n"
    return extra


FUZZ = settings(
    max_examples=EXAMPLES if not SECONDS else 200,
    deadline=timedelta(seconds=10),
    derandomize=bool(os.environ.get("CI")) and not SECONDS,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    database=None,
)


def drive(label: str, run: Callable[[], None], counter: list[int]) -> None:
    """Run a hypothesis test once (CI), or again and again for ``BUMPGUARD_FUZZ_SECONDS``;
    with ``BUMPGUARD_FUZZ_REPORT``, append how many inputs it ran to that file."""
    started = time.monotonic()
    run()
    while SECONDS and time.monotonic() - started < SECONDS:
        run()
    if REPORT:
        line = {"format": label, "inputs": counter[0], "seconds": time.monotonic() - started}
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


Files = Callable[[bytes], dict[str, bytes]]


def plain(target: str) -> Files:
    """The seed's file, with what it refers to beside it."""
    base = companions(target)
    return lambda data: {**base, target: data}


def pinned_remote(kind: str) -> Files:
    """A stored remote policy (``extends``) or review export (``imports``), with the pin in
    the policy and the lock entry made to match the mutated bytes."""

    def files(data: bytes) -> dict[str, bytes]:
        digest = hashlib.sha256(data).hexdigest()
        url = f"https://policies.example.org/{kind}.data"
        if kind == "policy":
            policy = f"version: 1\nextends:\n  - {{url: {url}, sha256: '{digest}'}}\n"
        else:
            policy = (
                "version: 1\nextends: builtin:llm-gateways\nimports:\n"
                f"  - {{name: team, url: {url}, sha256: '{digest}'}}\n"
            )
        entry = {
            "kind": kind,
            "url": url,
            "name": None if kind == "policy" else "team",
            "sha256": digest,
            "pin": {"sha256": digest},
            "fetched_at": "2026-01-01T00:00:00Z",
            "path": f".bumpguard/remote/{digest}",
            "bundle": None,
        }
        return {
            "requirements.txt": b"openai==1.93.0\n",
            ".bumpguard.yaml": policy.encode(),
            ".bumpguard/policy.lock": json.dumps({"schema": 1, "entries": [entry]}).encode(),
            f".bumpguard/remote/{digest}": data,
        }

    return files


EXPORT = json.dumps(
    {
        "schema": 1,
        "kind": "bumpguard-reviews",
        "packages": {"openai": json.loads(LEDGER)["approvals"]},
        "evidence": {},
    },
    indent=2,
).encode()

# Seeds of the stored copies only a pull request's author can make consistent.
PINNED = {
    "remote policy": (
        "policy",
        REMOTE + b"deny:\n  - package: litellm\n    reason: stolen token\n",
    ),
    "review export": ("reviews", EXPORT),
}


def _check_files(repo: Path, files: dict[str, bytes]) -> None:
    stale = repo / ".bumpguard" / "remote"
    if stale.is_dir():
        for old in stale.iterdir():
            if old.name not in {Path(n).name for n in files}:
                old.unlink()
    code, err = check(repo, files)
    assert_handled(code, err, b"\n".join(files.values())[:2000])


@pytest.mark.parametrize("seed", sorted(SEEDS) + sorted(PINNED))
def test_mutated_files_never_crash_check(seed: str, tmp_path: Path) -> None:
    if seed in PINNED:
        kind, data = PINNED[seed]
        files = pinned_remote(kind)
    else:
        target, data = SEEDS[seed]
        files = plain(target)
    repo = fresh(tmp_path, "repo")
    assert check(repo, files(data))[0] in (0, 1)  # control: the seed is valid
    counter = [0]

    @FUZZ
    @given(st.lists(EDIT, min_size=1, max_size=5))
    def run(edits: list[tuple[str, int, object]]) -> None:
        counter[0] += 1
        _check_files(repo, files(mutate(data, edits)))

    drive(f"bytes: {seed}", run, counter)


# --- structure-aware mutation ------------------------------------------------------------


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


# Values of the wrong type or an absurd size, put anywhere in a parsed file.
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 2**63, -(2**64), 10**4000]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "9" * 5000,
            "a" * 300,
            "1." * 200 + "0",
            "2001-02-30",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "99999999999999999999d",
            "../../../../etc/passwd",
            "/dev/zero",
            ".bumpguard/evidence/../../x",
            "sha256:" + "g" * 64,
            "sha256:",
            "==1.0; python_version < '",
            "git+https://example.org/x.git@main",
            "file:///dev/zero",
            "\x00",
            "\ud800",
            "\u2028",
            "-r /dev/zero",
            "builtin:" + "x" * 300,
        ]
    ),
    st.integers(min_value=60, max_value=200).map(_nested),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)

OP = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 2**16), HOSTILE),
    st.tuples(st.just("delete"), st.integers(0, 2**16), st.none()),
    st.tuples(st.just("dup"), st.integers(0, 2**16), st.none()),
    st.tuples(st.just("rename"), st.integers(0, 2**16), st.text(max_size=12)),
)


def _nodes(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path (keys and indexes) to a value in the tree, the root's children first."""
    out: list[tuple[object, ...]] = []
    children: list[tuple[object, object]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        out.append((*path, key))
        out.extend(_nodes(child, (*path, key)))
    return out


def transform(tree: object, ops: list[tuple[str, int, object]]) -> object:
    tree = copy.deepcopy(tree)
    for op, where, arg in ops:
        paths = _nodes(tree)
        if not paths:
            return arg if op == "replace" else tree
        path = paths[where % len(paths)]
        parent: Any = tree
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if op == "replace":
            parent[key] = copy.deepcopy(arg)
        elif op == "delete":
            del parent[key]
        elif op == "dup":
            if isinstance(parent, list):
                parent.insert(int(key), copy.deepcopy(parent[int(key)]))  # type: ignore[call-overload]
            else:
                parent[f"{key}-copy"] = copy.deepcopy(parent[key])
        elif isinstance(parent, dict) and isinstance(arg, str):  # rename
            parent[arg] = parent.pop(key)
    return tree


def _toml_key(key: object) -> str:
    return json.dumps(str(key))


def _toml_value(value: object) -> str:
    if value is None:
        return '""'  # TOML has no null: the nearest wrong value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def dump_toml(tree: object) -> str:
    """TOML the way locks are written: scalars first, then ``[table]`` and
    ``[[array.of.tables]]`` sections at the top level, everything deeper inline."""
    if not isinstance(tree, dict):
        return f"x = {_toml_value(tree)}\n"
    lines, sections = [], []
    for key, value in tree.items():
        if isinstance(value, dict):
            sections.append(f"\n[{_toml_key(key)}]")
            sections.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                sections.append(f"\n[[{_toml_key(key)}]]")
                sections.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines + sections) + "\n"


def _dump(kind: str, tree: object) -> bytes:
    if kind == "toml":
        return dump_toml(tree).encode("utf-8", "surrogatepass")
    if kind == "json":
        return json.dumps(tree, indent=1).encode("utf-8", "surrogatepass")
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode(
        "utf-8", "surrogatepass"
    )


def _load(kind: str, data: bytes) -> object:
    if kind == "toml":
        return tomllib.loads(data.decode())
    if kind == "json":
        return json.loads(data)
    return yaml.safe_load(data)


def _kind(target: str) -> str:
    if target.endswith((".toml", ".lock")) and not target.endswith(("Pipfile.lock", "policy.lock")):
        return "toml"
    return "yaml" if target.endswith(".yaml") else "json"


STRUCTURED: dict[str, tuple[str, bytes, Files]] = {}
for _seed, (_target, _data) in SEEDS.items():
    if _seed != "requirements" and "requirements" not in _seed:
        STRUCTURED[_seed] = (_kind(_target), _data, plain(_target))
STRUCTURED["remote policy"] = ("yaml", PINNED["remote policy"][1], pinned_remote("policy"))
STRUCTURED["review export"] = ("json", EXPORT, pinned_remote("reviews"))


@pytest.mark.parametrize("seed", sorted(STRUCTURED))
def test_structured_mutations_never_crash_check(seed: str, tmp_path: Path) -> None:
    kind, data, files = STRUCTURED[seed]
    tree = _load(kind, data)
    repo = fresh(tmp_path, "repo")
    assert check(repo, files(_dump(kind, tree)))[0] in (0, 1)  # control: written back, valid
    counter = [0]

    @FUZZ
    @given(st.lists(OP, min_size=1, max_size=4))
    def run(ops: list[tuple[str, int, object]]) -> None:
        try:
            mutated = _dump(kind, transform(tree, ops))
        except (ValueError, OverflowError, yaml.YAMLError, RecursionError):
            assume(False)  # not representable in this format (a number beyond the limit)
            raise
        counter[0] += 1
        _check_files(repo, files(mutated))

    drive(f"structure: {seed}", run, counter)


def test_mutated_evidence_never_crashes_check(
    tmp_path: Path, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real PEP 740 evidence, recorded by a real ``approve``, mutated both ways; ``check``
    re-verifies it with sigstore each time."""
    repo = Repo(fresh(tmp_path, "repo"))
    git(repo.path, "config", "user.name", "Rita Reviewer")
    git(repo.path, "config", "user.email", "rita@example.org")
    digest = serve(local_index, GITHUB)
    policy(repo)
    lock(repo, (GITHUB, digest, OLD))
    assert approve(repo, local_index, f"{GITHUB[0]}=={GITHUB[1]}") == 0
    repo.add()
    (evidence,) = (repo.path / ".bumpguard" / "evidence").rglob("*.json")
    name = evidence.relative_to(repo.path).as_posix()
    seed = evidence.read_bytes()
    assert check(repo.path, {name: seed})[0] == 0  # control: the evidence verifies
    tree = json.loads(seed)
    counter = [0]

    @FUZZ
    @given(
        st.one_of(
            st.tuples(st.just("bytes"), st.lists(EDIT, min_size=1, max_size=4)),
            st.tuples(st.just("structure"), st.lists(OP, min_size=1, max_size=3)),
        )
    )
    def run(how: tuple[str, list[tuple[str, int, object]]]) -> None:
        kind, edits = how
        if kind == "bytes":
            mutated = mutate(seed, edits)
        else:
            try:
                mutated = _dump("json", transform(tree, edits))
            except (ValueError, RecursionError):
                assume(False)  # not representable as JSON (a number beyond the limit)
                raise
        counter[0] += 1
        _check_files(repo.path, {name: mutated})

    drive("structure and bytes: evidence", run, counter)
    capsys.readouterr()


def _corpus() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("case", _corpus(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_the_corpus(case: Path, tmp_path: Path) -> None:
    """Each file under tests/fuzz_corpus/FORMAT/ once crashed ``check``; FORMAT is a seed
    name (the file replaces that seed's file) or a pinned remote kind."""
    repo = fresh(tmp_path, "repo")
    data = case.read_bytes()
    fmt = case.parent.name
    files = pinned_remote(PINNED[fmt][0]) if fmt in PINNED else plain(SEEDS[fmt][0])
    _check_files(repo, files(data))
