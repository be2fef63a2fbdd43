"""Fuzzing: mutated dependency, policy and ledger files never make ``check`` crash.

Each test seeds hypothesis with a real file of one format (the readers' own test files,
and real ones from ``../shared/fixtures/realworld``), applies a few edits an attacker or
a bad merge would make (cut, duplicate, insert NUL bytes, invalid UTF-8, quotes,
brackets, deep nesting, huge numbers, impossible dates, stray newlines) and runs the
real ``check`` through ``main``. The exit must be 0, 1 or 2: never 3 (a bug), never an
exception, and within the per-example deadline.

CI runs a bounded number of examples per format, derandomized so a failure is
reproducible. For a longer local run::

    BUMPGUARD_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -p no:randomly

Every input that once crashed is kept in ``tests/fuzz_corpus/`` and runs on every test
run (``test_the_corpus``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from guard.cli import main  # noqa: E402
from tests.conftest import ROOT, SHARED  # noqa: E402
from tests.test_manifests import (  # noqa: E402
    PIPFILE_LOCK,
    POETRY_LOCK,
    PYLOCK,
    PYPROJECT,
    REQUIREMENTS,
    UV_LOCK,
)

EXAMPLES = int(os.environ.get("BUMPGUARD_FUZZ_EXAMPLES", "150"))
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
      "identity": {"kind": "github", "repository": "openai/openai-python"}
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
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=10),
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_files_never_crash_check(seed: str, tmp_path: Path) -> None:
    target, data = SEEDS[seed]
    repo = fresh(tmp_path, "repo")
    base = companions(target)
    assert check(repo, {**base, target: data})[0] in (0, 1)  # control: the seed is valid

    @FUZZ
    @given(st.lists(EDIT, min_size=1, max_size=5))
    def run(edits: list[tuple[str, int, object]]) -> None:
        mutated = mutate(data, edits)
        code, err = check(repo, {**base, target: mutated})
        assert_handled(code, err, mutated)

    run()


def _corpus() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("case", _corpus(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_the_corpus(case: Path, tmp_path: Path) -> None:
    """Each file under tests/fuzz_corpus/FORMAT/ once crashed ``check``."""
    target = SEEDS[case.parent.name][0]
    repo = fresh(tmp_path, "repo")
    base = companions(target)
    data = case.read_bytes()
    code, err = check(repo, {**base, target: data})
    assert_handled(code, err, data)
