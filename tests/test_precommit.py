"""The pre-commit hook end to end: real pre-commit, real git, the hook built from this checkout.

The hook's environment is built once per session (from a snapshot of this checkout, so
uncommitted work is what gets tested) in a session-wide ``PRE_COMMIT_HOME``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, Repo, git
from tests.indexserver import LocalIndex, pep740_or_skip

pytestmark = pytest.mark.precommit

# The environment pytest was started with, before any fixture isolated HOME and git config:
# the hook's virtualenv is installed with the machine's pip configuration (it is how the
# package registry is reached), while git never sees the machine's configuration.
_MACHINE_ENV = dict(os.environ)
_IDENTITY = ["-c", "user.name=bumpguard tests", "-c", "user.email=tests@bumpguard.invalid"]
_HOOK_NAME = "bumpguard (reviewed dependency changes only)"
_NETWORK_VARS = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "FTP_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
}


def _session_env(**extra: str) -> dict[str, str]:
    """The machine's environment with git isolated (for session-scoped subprocesses)."""
    env = {
        k: v
        for k, v in _MACHINE_ENV.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"
    }
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", PRE_COMMIT_COLOR="never")
    env.update(extra)
    return env


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """This checkout, uncommitted and untracked (not ignored) files included, committed to
    a temporary repository; yields (path, commit sha)."""
    dest = tmp_path_factory.mktemp("snapshot") / "bumpguard"
    dest.mkdir()
    env = _session_env()
    listing = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        env=env,
    )
    copied = 0
    for name in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        source = ROOT / name
        if not name or not (source.is_file() or source.is_symlink()):
            continue  # deleted in the work tree, or a submodule
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
        copied += 1
    assert copied and (dest / ".pre-commit-hooks.yaml").is_file()
    for args in (
        ["init", "-q"],
        ["add", "-A", "-f"],
        [*_IDENTITY, "commit", "-q", "-m", "snapshot"],
    ):
        subprocess.run(["git", *args], cwd=dest, env=env, capture_output=True, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    yield dest, sha


def _config(snapshot: tuple[Path, str]) -> str:
    path, sha = snapshot
    # JSON strings are YAML strings: the path needs no further quoting.
    return (
        f"repos:\n  - repo: {json.dumps(str(path))}\n    rev: {sha}\n"
        "    hooks:\n      - id: bumpguard\n"
    )


@pytest.fixture(scope="session")
def pre_commit_home(
    tmp_path_factory: pytest.TempPathFactory, snapshot: tuple[Path, str]
) -> Iterator[Path]:
    """A session-wide ``PRE_COMMIT_HOME`` in which the hook's environment is already built."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    scratch = tmp_path_factory.mktemp("install-hooks")
    env = _session_env(
        PRE_COMMIT_HOME=str(home),
        VIRTUALENV_OVERRIDE_APP_DATA=str(tmp_path_factory.mktemp("venv-data")),
    )
    subprocess.run(["git", "init", "-q"], cwd=scratch, env=env, capture_output=True, check=True)
    (scratch / ".pre-commit-config.yaml").write_text(_config(snapshot))
    proc = _run([sys.executable, "-m", "pre_commit", "install-hooks"], scratch, env, timeout=900)
    assert proc.returncode == 0, f"building the hook environment failed:\n{_output(proc)}"
    yield home


@dataclass
class Hooked:
    """A test repository wired to the snapshot's hook."""

    repo: Repo
    home: Path

    @property
    def path(self) -> Path:
        return self.repo.path

    def env(self) -> dict[str, str]:
        """The (test-isolated) environment plus the session's pre-commit home."""
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT") and k != "SKIP"
        }
        env.update(PRE_COMMIT_HOME=str(self.home), PRE_COMMIT_COLOR="never")
        return env

    def offline_env(self) -> dict[str, str]:
        """What pre-commit.ci gives a hook: no proxies, no pip configuration, no index."""
        env = {
            k: v
            for k, v in self.env().items()
            if k.upper() not in _NETWORK_VARS and not k.startswith(("PIP_", "UV_"))
        }
        env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull)
        return env

    def pre_commit(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return _run([sys.executable, "-m", "pre_commit", *args], self.path, env or self.env())

    def commit(
        self, message: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``git commit`` (running the installed hook)."""
        return _run(["git", "commit", "-m", message], self.path, env or self.env())

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").stdout.strip()


def _hook_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(_HOOK_NAME)]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def hooked(repo: Repo, snapshot: tuple[Path, str], pre_commit_home: Path) -> Hooked:
    """``repo`` with a committed .pre-commit-config.yaml (no hook installed yet)."""
    repo.write(".pre-commit-config.yaml", _config(snapshot))
    repo.add(".pre-commit-config.yaml")
    done = git(repo.path, "commit", "-q", "-m", "pre-commit config", check=False)
    assert done.returncode == 0, _output(done)
    return Hooked(repo, pre_commit_home)


@pytest.fixture
def installed(hooked: Hooked) -> Hooked:
    """``hooked`` with ``pre-commit install`` done."""
    proc = hooked.pre_commit("install")
    assert proc.returncode == 0, _output(proc)
    assert (hooked.path / ".git" / "hooks" / "pre-commit").is_file()
    return hooked


def _digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("/".join(parts).encode()).hexdigest()


def _package(name: str, version: str, deps: tuple[str, ...] = ()) -> str:
    stem = name.replace("-", "_")
    files = "https://files.pythonhosted.org/packages"
    dependencies = ""
    if deps:
        dependencies = (
            "dependencies = [\n" + "".join(f'    {{ name = "{d}" }},\n' for d in deps) + "]\n"
        )
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        f"{dependencies}"
        f'sdist = {{ url = "{files}/{stem}-{version}.tar.gz", '
        f'hash = "{_digest(name, version, "sdist")}", size = 1234567 }}\n'
        "wheels = [\n"
        f'    {{ url = "{files}/{stem}-{version}-py3-none-any.whl", '
        f'hash = "{_digest(name, version, "wheel")}", size = 2345678 }},\n'
        "]\n"
    )


def uv_lock(litellm: str) -> str:
    """A small but realistic uv.lock of a project depending on litellm and httpx."""
    return (
        "version = 1\n"
        'requires-python = ">=3.10"\n\n'
        '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        'dependencies = [\n    { name = "httpx" },\n    { name = "litellm" },\n]\n\n'
        "[package.metadata]\nrequires-dist = [\n"
        '    { name = "httpx", specifier = ">=0.27" },\n'
        '    { name = "litellm", specifier = ">=1.82" },\n]\n\n'
        + _package("httpx", "0.28.1")
        + "\n"
        + _package("litellm", litellm, ("httpx",))
    )


def _baseline(h: Hooked, hook_installed: bool) -> None:
    """Commit uv.lock with litellm 1.82.5 and its approval (hashes taken from uv.lock)."""
    h.repo.write("uv.lock", uv_lock("1.82.5"))
    h.repo.add("uv.lock")  # approve reads hashes from tracked or staged files
    assert h.repo.run("approve", "litellm==1.82.5", "--reason", "baseline", "--offline") == 0
    ledger = json.loads((h.path / ".bumpguard/approvals/litellm.json").read_text())
    assert len(ledger["approvals"][0]["hashes"]) == 2
    h.repo.add()
    done = h.commit("lock litellm 1.82.5")
    assert done.returncode == 0, _output(done)
    if hook_installed:
        assert _hook_line(_output(done)).endswith("Passed"), _output(done)


def test_commit_flow_refuses_unreviewed_bump_until_approved(installed: Hooked) -> None:
    h = installed
    _baseline(h, hook_installed=True)
    before = h.head()

    h.repo.write("uv.lock", uv_lock("1.82.6"))
    h.repo.add("uv.lock")
    refused = h.commit("bump litellm")
    out = _output(refused)
    assert refused.returncode != 0, out
    assert _hook_line(out).endswith("Failed"), out
    assert "litellm" in out
    assert "1.82.5 -> 1.82.6" in out
    assert "bumpguard approve litellm==1.82.6" in out
    assert "Traceback" not in out
    assert h.head() == before

    assert h.repo.run("approve", "litellm==1.82.6", "--reason", "reviewed", "--offline") == 0
    h.repo.add()
    accepted = h.commit("bump litellm")
    assert accepted.returncode == 0, _output(accepted)
    assert _hook_line(_output(accepted)).endswith("Passed")
    assert h.head() != before
    stat = git(h.path, "show", "--stat", "HEAD").stdout
    assert ".bumpguard/approvals/litellm.json" in stat
    assert "uv.lock" in stat
    assert git(h.path, "status", "--porcelain").stdout == ""


def test_denied_version_stays_refused_even_after_approve(installed: Hooked) -> None:
    h = installed
    _baseline(h, hook_installed=True)
    before = h.head()
    ledger = h.path / ".bumpguard/approvals/litellm.json"
    recorded = ledger.read_bytes()

    h.repo.write("uv.lock", uv_lock("1.82.8"))
    h.repo.add("uv.lock")
    refused = h.commit("bump litellm to 1.82.8")
    out = _output(refused)
    assert refused.returncode != 0, out
    assert "1.82.5 -> 1.82.8" in out
    assert "denied" in out
    assert "bumpguard approve litellm==1.82.8" not in out  # no approval can help

    assert h.repo.run("approve", "litellm==1.82.8", "--reason", "trust me", "--offline") == 1
    assert ledger.read_bytes() == recorded
    assert sorted(p.name for p in ledger.parent.glob("*.json")) == ["litellm.json"]
    assert git(h.path, "status", "--porcelain").stdout == "M  uv.lock\n"

    h.repo.add()
    again = h.commit("bump litellm to 1.82.8")
    assert again.returncode != 0, _output(again)
    assert "denied" in _output(again)
    assert h.head() == before


def test_run_all_files_like_pre_commit_ci(hooked: Hooked) -> None:
    h = hooked  # no hook installed: plain git commits put an unreviewed version on the branch
    h.repo.write("uv.lock", uv_lock("1.82.6"))
    h.repo.add("uv.lock")
    assert h.repo.commit("unreviewed litellm").returncode == 0
    home_before = sorted(p.name for p in h.home.iterdir())

    for env in (h.env(), h.offline_env()):
        blocked = h.pre_commit("run", "--all-files", env=env)
        out = _output(blocked)
        assert blocked.returncode == 1, out
        assert _hook_line(out).endswith("Failed"), out
        assert "uv.lock:" in out and "litellm 1.82.6: unreviewed" in out
        assert "run bumpguard init to adopt it" in out  # no policy, no ledger yet

    assert h.repo.run("approve", "litellm==1.82.6", "--reason", "reviewed", "--offline") == 0
    h.repo.add()
    assert h.repo.commit("review litellm 1.82.6").returncode == 0

    for env in (h.offline_env(), h.env()):
        ok = h.pre_commit("run", "--all-files", env=env)
        assert ok.returncode == 0, _output(ok)
        assert _hook_line(_output(ok)).endswith("Passed")
    # Nothing was installed for these runs: the offline ones used the environment as built.
    assert sorted(p.name for p in h.home.iterdir()) == home_before


def test_hook_runs_on_every_commit_including_deletions(installed: Hooked) -> None:
    h = installed
    _baseline(h, hook_installed=True)

    h.repo.write("README.md", "# demo\n")
    h.repo.add("README.md")
    docs = h.commit("docs")
    out = _output(docs)
    assert docs.returncode == 0, out
    assert _hook_line(out).endswith("Passed"), out

    # Deleting a review matches no `files:` pattern (pre-commit lists no deleted files), so
    # only always_run catches it.
    before = h.head()
    git(h.path, "rm", "-q", ".bumpguard/approvals/litellm.json")
    revoke = h.commit("drop the review")
    out = _output(revoke)
    assert revoke.returncode != 0, out
    assert "litellm 1.82.5: unreviewed" in out
    assert h.head() == before
    git(h.path, "reset", "-q", "--hard", "HEAD")

    # Only the ledger changes: the hook runs (and passes).
    assert (
        h.repo.run("approve", "litellm==1.82.4", "--reason", "older release, reviewed", "--offline")
        == 0
    )
    h.repo.add()
    assert git(h.path, "diff", "--cached", "--name-only").stdout == (
        ".bumpguard/approvals/litellm.json\n"
    )
    ledger = h.commit("review litellm 1.82.4")
    out = _output(ledger)
    assert ledger.returncode == 0, out
    assert _hook_line(out).endswith("Passed"), out

    # Only the policy changes: the hook runs, and the new protection applies at once.
    h.repo.write(
        ".bumpguard.yaml", "version: 1\nextends:\n  - builtin:llm-gateways\nprotect:\n  - httpx\n"
    )
    h.repo.add(".bumpguard.yaml")
    before = h.head()
    policy = h.commit("protect httpx")
    out = _output(policy)
    assert policy.returncode != 0, out
    assert _hook_line(out).endswith("Failed"), out
    assert "httpx 0.28.1: unreviewed" in out
    assert "bumpguard approve httpx==0.28.1" in out
    assert h.head() == before


def test_malformed_lock_file_fails_with_file_and_line(installed: Hooked) -> None:
    h = installed
    text = uv_lock("1.82.6").replace('version = "1.82.6"', "version = 1.82.6")
    bad_line = text.splitlines().index("version = 1.82.6") + 1
    h.repo.write("uv.lock", text)
    h.repo.add("uv.lock")
    before = h.head()
    refused = h.commit("broken lock")
    out = _output(refused)
    assert refused.returncode != 0, out
    assert _hook_line(out).endswith("Failed"), out
    assert re.search(rf"uv\.lock:{bad_line}: invalid TOML", out), out
    assert "Traceback" not in out
    assert "internal error" not in out
    assert h.head() == before


def test_committed_evidence_is_reverified_offline_by_the_hook(
    installed: Hooked, local_index: LocalIndex
) -> None:
    """Approve online (real attestations from the local index), then the hook re-verifies the
    stored evidence with no network at every commit, and refuses it once tampered with."""
    h = installed
    folder = pep740_or_skip()
    filename = "pypi_attestations-0.0.19.tar.gz"
    data = (folder / filename).read_bytes()
    provenance = json.loads((folder / f"{filename}.provenance").read_text())
    local_index.add_file("pypi-attestations", "0.0.19", filename, data, provenance=provenance)
    digest = hashlib.sha256(data).hexdigest()
    h.repo.write(
        ".bumpguard.yaml",
        "version: 1\nprotect:\n  - name: pypi-attestations\n    attestations: required\n"
        "    publisher: {kind: github, repository: trailofbits/pypi-attestations, "
        "workflow: release.yml}\n",
    )
    h.repo.write(
        "uv.lock",
        'version = 1\nrequires-python = ">=3.10"\n\n[[package]]\nname = "pypi-attestations"\n'
        'version = "0.0.19"\nsource = { registry = "https://pypi.org/simple" }\n'
        f'sdist = {{ url = "https://files.example/{filename}", hash = "sha256:{digest}" }}\n',
    )
    h.repo.add()
    refused = h.commit("lock pypi-attestations")
    out = _output(refused)
    assert refused.returncode != 0 and "pypi-attestations (none) -> 0.0.19: unreviewed" in out
    assert (
        h.repo.run(
            "approve", "pypi-attestations==0.0.19", "--reason", "r", "--index-url", local_index.url
        )
        == 0
    )
    h.repo.add()
    local_index.stop()  # from here on there is no index at all
    accepted = h.commit("lock pypi-attestations", env=h.offline_env())
    assert accepted.returncode == 0, _output(accepted)
    assert _hook_line(_output(accepted)).endswith("Passed")

    evidence = h.path / f".bumpguard/evidence/pypi-attestations/{filename}.provenance.json"
    tampered = json.loads(evidence.read_text())
    statement = tampered["attestation_bundles"][0]["attestations"][0]["envelope"]["statement"]
    tampered["attestation_bundles"][0]["attestations"][0]["envelope"]["statement"] = (
        "A" if statement[0] != "A" else "B"
    ) + statement[1:]
    evidence.write_text(json.dumps(tampered))
    h.repo.add()
    before = h.head()
    bad = h.commit("edit evidence", env=h.offline_env())
    out = _output(bad)
    assert bad.returncode != 0, out
    assert "attestation-invalid" in out and "Traceback" not in out
    assert h.head() == before


def test_a_review_the_commit_does_not_hold_is_refused_by_the_hook(installed: Hooked) -> None:
    """browser-use ignores *.json: the review must still reach git, and a review left out
    of the commit (here: not staged) must not let the version through."""
    h = installed
    h.repo.write(".gitignore", "*.json\n!/server.json\n")
    h.repo.write("uv.lock", uv_lock("1.82.5"))
    h.repo.add(".gitignore", "uv.lock")
    before = h.head()
    assert h.repo.run("approve", "litellm==1.82.5", "--reason", "reviewed", "--offline") == 0
    refused = h.commit("lock litellm")  # the new review is not staged
    out = _output(refused)
    assert refused.returncode != 0 and _hook_line(out).endswith("Failed"), out
    assert "review-not-committed" in out and "it is not staged" in out
    assert "git add .bumpguard/approvals/litellm.json" in out
    assert h.head() == before

    h.repo.add(".bumpguard")  # .bumpguard/.gitignore un-ignores what *.json hides
    accepted = h.commit("lock litellm")
    assert accepted.returncode == 0, _output(accepted)
    assert ".bumpguard/approvals/litellm.json" in git(h.path, "show", "--stat", "HEAD").stdout
