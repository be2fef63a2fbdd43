"""Demonstration: a temporary repository where bumpguard refuses a litellm bump.

Run it after installing bumpguard (``pip install . && python demo/litellm_bump.py``). It
needs git and no network: a plain git pre-commit hook runs ``bumpguard check`` so every
``git commit`` below is a real commit attempt.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# Real sha256 digests of litellm's files on PyPI (1.82.6: 2026-03-22, 1.83.0: 2026-03-31).
RELEASES = {
    "1.82.6": (
        "2aa1c2da21fe940c33613aa447119674a3ad4d2ad5eb064e4d5ce5ee42420136",
        "164a3ef3e19f309e3cabc199bef3d2045212712fefdfa25fc7f75884a5b5b205",
        "2026-03-22T06:35:56.795Z",
    ),
    "1.83.0": (
        "860bebc76c4bb27b4cf90b4a77acd66dba25aced37e3db98750de8a1766bfb7a",
        "88c536d339248f3987571493015784671ba3f193a328e1ea6780dbebaa2094a8",
        "2026-03-31T05:08:21.987Z",
    ),
    # The compromised release was removed from PyPI; these digests are stand-ins. The
    # deny rule refuses the version whatever its bytes are.
    "1.82.8": ("0" * 64, "1" * 64, "2026-03-24T10:52:00.000Z"),
}
# Stand-in digests for a hypothetical 1.82.9 patch release (before litellm moved to
# Trusted Publishing), to show the review step without a network.
RELEASES["1.82.9"] = ("2" * 64, "3" * 64, "2026-03-26T09:00:00.000Z")


def uv_lock(version: str) -> str:
    sdist, wheel, uploaded = RELEASES[version]
    base = "https://files.pythonhosted.org/packages"
    return f"""version = 1
revision = 2
requires-python = ">=3.10"

[[package]]
name = "demo-app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "litellm" }},
]

[[package]]
name = "litellm"
version = "{version}"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "{base}/litellm-{version}.tar.gz", hash = "sha256:{sdist}", upload-time = "{uploaded}" }}
wheels = [
    {{ url = "{base}/litellm-{version}-py3-none-any.whl", hash = "sha256:{wheel}", upload-time = "{uploaded}" }},
]
"""  # noqa: E501


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m" if sys.stdout.isatty() else f"\n== {title}")


def run(repo: Path, *cmd: str, env: dict[str, str]) -> int:
    shown = " ".join(shlex.quote(c) for c in cmd)
    print(f"$ {shown}")
    proc = subprocess.run(
        cmd,
        cwd=repo,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    if proc.stdout.strip():
        print(proc.stdout.rstrip())
    print(f"(exit {proc.returncode})")
    return proc.returncode


def main() -> int:
    bumpguard = [sys.executable, "-m", "guard"]
    with tempfile.TemporaryDirectory(prefix="bumpguard-demo-") as tmp:
        repo = Path(tmp)
        env = dict(
            os.environ,
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME="Dana Developer",
            GIT_AUTHOR_EMAIL="dana@example.org",
            GIT_COMMITTER_NAME="Dana Developer",
            GIT_COMMITTER_EMAIL="dana@example.org",
        )
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
        for key, value in (("user.name", "Dana Developer"), ("user.email", "dana@example.org")):
            subprocess.run(["git", "config", key, value], cwd=repo, env=env, check=True)
        hook = repo / ".git" / "hooks" / "pre-commit"
        hook.write_text(f"#!/bin/sh\nexec {shlex.join(bumpguard)} check\n")
        hook.chmod(0o755)
        (repo / "pyproject.toml").write_text(
            '[project]\nname = "demo-app"\nversion = "0.1.0"\ndependencies = ["litellm"]\n'
        )

        step("A project that uses litellm 1.82.6 adopts bumpguard")
        (repo / "uv.lock").write_text(uv_lock("1.82.6"))
        run(repo, "git", "add", "-A", env=env)
        run(repo, *bumpguard, "init", env=env)
        run(repo, "git", "add", "-A", env=env)
        run(repo, "git", "commit", "-qm", "Adopt bumpguard", env=env)

        step("2026-03-24: `uv lock --upgrade` pulls the compromised 1.82.8")
        (repo / "uv.lock").write_text(uv_lock("1.82.8"))
        run(repo, "git", "commit", "-qam", "Bump litellm", env=env)
        run(
            repo,
            *bumpguard,
            "approve",
            "litellm==1.82.8",
            "--reason",
            "looks fine",
            "--offline",
            env=env,
        )

        step("1.83.0 is a Trusted Publishing release: its approval needs verified attestations")
        (repo / "uv.lock").write_text(uv_lock("1.83.0"))
        run(repo, "git", "commit", "-qam", "Bump litellm to 1.83.0", env=env)
        reason = "changelog and diff reviewed"
        run(
            repo, *bumpguard, "approve", "litellm==1.83.0", "--reason", reason, "--offline", env=env
        )
        print(
            "(online, `bumpguard approve litellm==1.83.0` fetches the release's PEP 740\n"
            " provenance from the index, verifies it was built by BerriAI/litellm's\n"
            " publish_to_pypi.yml, and stores it so the hook re-verifies it offline)"
        )

        step("Any other bump waits for a recorded review too")
        (repo / "uv.lock").write_text(uv_lock("1.82.9"))
        blocked = run(repo, "git", "commit", "-qam", "Bump litellm to 1.82.9", env=env)
        run(
            repo, *bumpguard, "approve", "litellm==1.82.9", "--reason", reason, "--offline", env=env
        )
        run(repo, "git", "add", "-A", env=env)
        accepted = run(repo, "git", "commit", "-qm", "Bump litellm to 1.82.9", env=env)
        run(repo, "git", "log", "--oneline", env=env)
        ok = blocked != 0 and accepted == 0
        print(
            "\ndemo "
            + (
                "finished: the bump was refused until it was reviewed"
                if ok
                else "FAILED: unexpected exit codes"
            )
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
