"""What does re-verifying committed PEP 740 evidence cost ``bumpguard check``?

Builds, in throw-away git repositories, a uv.lock of real attested distributions (the
fixtures in ``../shared/fixtures/pep740``) protected by a ``.bumpguard.yaml`` that pins
each package's trusted publisher and requires attestations, and approves every version
ONLINE (``bumpguard approve NAME==VER --index-url URL``) against ``tests.indexserver``'s
``LocalIndex`` serving the real files and provenance, so the committed evidence is real.

The fixtures hold five attested releases, so the repositories protect five packages, not
ten. Ten evidence files (ten full verifications per cold check) come from giving each
approval a second, equally real piece of evidence for the same artifact: a lone
attestation (for pypi-attestations its separately signed SLSA provenance attestation). The
benchmark appends that entry to the approval written by ``approve`` and checks that
``bumpguard check`` verifies all ten (exit 0, ten cache entries after a cold run).

Times, interleaved (one warm-up each, then the median of ``--repeat`` rounds, the order
rotated every round), ``python -m guard -C DIR check`` (must exit 0) for:

* baseline: the same lock and protected packages, approved ``--offline`` in a sibling
  repository with ``attestations: if-present`` and no evidence (nothing is verified);
* 5 / 10 evidence files, cold cache: ``BUMPGUARD_CACHE_DIR`` a fresh empty directory per run;
* 5 / 10 evidence files, warm cache: ``BUMPGUARD_CACHE_DIR`` filled by one earlier run;

plus ``python -c pass`` and ``python -c 'import pypi_attestations, sigstore.verify'``
(with and without ``os._exit(0)``, to split the import from the interpreter's exit).
Then, once each: ``-X importtime`` of a warm and a cold check (is ``pypi_attestations`` or
``sigstore`` imported? which imports cost most?) and an in-process probe timing the import
of the libraries, each verification without the cache, and cache misses and hits.

Usage: ``python benchmarks/check_evidence.py [--repeat 7] [--keep] [--bytecode cache|inherit]``.
Prints tables; never asserts on timings (exit 0 unless the setup or a check fails).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _bench import interleaved

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "pep740"
UPLOADED = datetime(2025, 1, 1, tzinfo=timezone.utc)
HEAVY = ("pypi_attestations", "sigstore")  # what a warm check should never import


@dataclass(frozen=True)
class Release:
    """One real attested release of the fixtures and how its evidence is built."""

    project: str
    version: str
    filename: str
    publisher: str  # the policy pin, a YAML flow mapping
    served: str  # fixture suffix the index serves (wrapped when it is a lone attestation)
    second: str  # fixture suffix of the second evidence entry, stored as a lone attestation
    second_note: str


RELEASES = (
    Release(
        "pypi-attestations",
        "0.0.19",
        "pypi_attestations-0.0.19.tar.gz",
        "{kind: github, repository: trailofbits/pypi-attestations, workflow: release.yml}",
        ".provenance",
        ".slsa.attestation",
        "SLSA provenance attestation (a second signature)",
    ),
    Release(
        "pypi-attestation-models",
        "0.0.4a2",
        "pypi_attestation_models-0.0.4a2.tar.gz",
        "{kind: github, repository: trailofbits/pypi-attestation-models, workflow: release.yml}",
        ".attestation",
        ".attestation",
        "the same attestation, lone",
    ),
    Release(
        "gitlab-oidc-project",
        "0.0.3",
        "gitlab_oidc_project-0.0.3.tar.gz",
        "{kind: gitlab, repository: facutuesca/gitlab-oidc-project, workflow: .gitlab-ci.yml}",
        ".publish.attestation",
        ".publish.attestation",
        "the same attestation, lone",
    ),
    Release(
        "gcb-attestation-test",
        "0.0.0",
        "gcb_attestation_test-0.0.0.tar.gz",
        "{kind: google, email: 919436158236-compute@developer.gserviceaccount.com}",
        ".provenance",
        ".provenance",  # no lone file: the provenance object's one attestation, extracted
        "its one attestation, extracted and lone",
    ),
    Release(
        "circleci-sign-publish-example",
        "0.0.1.dev137",
        "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl",
        "{kind: circleci, project_id: fdd9283f-e619-46af-8f9c-851f7d3e8b2b, "
        "pipeline_definition_id: 8e4f8ab2-8d7c-4827-9f15-de076d6d647f}",
        ".provenance",
        ".publish.attestation",
        "the same attestation, lone",
    ),
)

GIT = [
    "git",
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]

# Environment and working directory of every subprocess (set by main). The working
# directory is outside the checkout, so ``-m guard`` imports guard as installed (or from
# PYTHONPATH), not from a ``guard/`` folder that happens to be in the current directory.
ENV: dict[str, str] = {}
CWD: Path | None = None


def isolated_env(home: Path, pycache: Path | None) -> dict[str, str]:
    """This environment without proxies, git settings or bumpguard settings of the machine;
    HOME and the XDG folders (sigstore's TUF cache, platformdirs) inside the benchmark."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith(("GIT_", "BUMPGUARD_", "XDG_"))
    }
    env.update(
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        BUMPGUARD_CACHE_DIR=str(home / "unused-bumpguard-cache"),
    )
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run(
    cmd: Sequence[str], cwd: Path | None = None, what: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; abort the benchmark with its output if it fails."""
    proc = subprocess.run(
        list(cmd), cwd=cwd or CWD, capture_output=True, text=True, check=False, env=env or ENV
    )
    if proc.returncode != 0:
        sys.stderr.write(
            f"check_evidence: {what or cmd[0]} failed (exit {proc.returncode}): "
            f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        )
        raise SystemExit(1)
    return proc


def guard_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "guard", "-C", str(root), *args]


def sha256_of(filename: str) -> str:
    return hashlib.sha256((FIXTURES / filename).read_bytes()).hexdigest()


def load_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def lone_attestation(release: Release) -> bytes:
    """The second evidence entry: a single attestation (accepted by verify_provenance)."""
    path = FIXTURES / f"{release.filename}{release.second}"
    if release.second != ".provenance":
        return path.read_bytes()
    bundles = load_json(path)["attestation_bundles"]
    (attestation,) = [a for bundle in bundles for a in bundle["attestations"]]
    return (json.dumps(attestation, indent=2, sort_keys=True) + "\n").encode()


def served_provenance(release: Release) -> dict[str, Any]:
    """What the local index serves for the file: the Integrity API object of the
    fixtures, or its single attestation wrapped (the publisher claim is never read)."""
    from tests.indexserver import wrap_attestation

    path = FIXTURES / f"{release.filename}{release.served}"
    if release.served == ".provenance":
        return load_json(path)
    return wrap_attestation(load_json(path), {"kind": "claimed-by-index"})


def write_lock(root: Path) -> None:
    """uv.lock with each release's one artifact, its real sha256 and an old upload time."""
    stamp = UPLOADED.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    out = ["version = 1", "revision = 2", 'requires-python = ">=3.10"', ""]
    for r in sorted(RELEASES, key=lambda r: r.project):
        url = f"https://files.pythonhosted.org/packages/{r.filename}"
        artifact = (
            f'{{ url = "{url}", hash = "sha256:{sha256_of(r.filename)}", upload-time = "{stamp}" }}'
        )
        out += [
            "[[package]]",
            f'name = "{r.project}"',
            f'version = "{r.version}"',
            'source = { registry = "https://pypi.org/simple" }',
            f"wheels = [{artifact}]" if r.filename.endswith(".whl") else f"sdist = {artifact}",
            "",
        ]
    (root / "uv.lock").write_text("\n".join(out), encoding="utf-8")


def write_policy(root: Path, mode: str) -> None:
    lines = ["version: 1", "protect:"]
    for r in RELEASES:
        lines += [
            f"  - name: {r.project}",
            f"    attestations: {mode}",
            f"    publisher: {r.publisher}",
        ]
    (root / ".bumpguard.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def new_repo(root: Path, mode: str) -> None:
    root.mkdir(parents=True)
    run([*GIT, "init", "-q", str(root)], what="git init")
    write_lock(root)
    write_policy(root, mode)
    run([*GIT, "add", "-A"], cwd=root, what="git add")
    run([*GIT, "commit", "-q", "-m", "lock and policy"], cwd=root, what="git commit")


def commit_all(root: Path, message: str) -> None:
    run([*GIT, "add", "-A"], cwd=root, what="git add")
    run([*GIT, "commit", "-q", "-m", message], cwd=root, what="git commit")


def approve(root: Path, release: Release, *extra: str) -> None:
    spec = f"{release.project}=={release.version}"
    run(
        guard_cmd(root, "approve", spec, "--reason", "bench", "--reviewer", "bench", *extra),
        what=f"approve {spec}",
    )


def add_second_evidence(root: Path) -> list[str]:
    """Append a second real evidence entry to each approval; returns the paths added."""
    from guard.ledger import EVIDENCE_DIR, Evidence, Ledger, PackageLedger, dump

    ledger = Ledger(root)
    added = []
    for r in RELEASES:
        suffix = ".extracted.attestation" if r.second == ".provenance" else r.second
        rel = f"{EVIDENCE_DIR}/{r.project}/{r.filename}{suffix}.json"
        (root / rel).write_bytes(lone_attestation(r))
        package = ledger.get(r.project)
        (approval,) = package.approvals
        entry = Evidence(r.filename, sha256_of(r.filename), rel)
        updated = dataclasses.replace(approval, evidence=(*approval.evidence, entry))
        path = ledger.path_for(r.project)
        path.write_text(dump(PackageLedger(r.project, [updated])), encoding="utf-8")
        added.append(rel)
    return added


@dataclass
class Setup:
    baseline: Path
    five: Path
    ten: Path
    warm5: Path
    warm10: Path
    evidence: dict[str, list[str]]  # project -> evidence paths (ten repository)


def build(tmp: Path) -> Setup:
    """The three repositories, approved, committed, and the warm caches filled."""
    from tests.indexserver import LocalIndex

    with LocalIndex() as index:
        for r in RELEASES:
            data = (FIXTURES / r.filename).read_bytes()
            index.add_file(
                r.project,
                r.version,
                r.filename,
                data,
                upload_time=UPLOADED,
                provenance=served_provenance(r),
            )
        five = tmp / "evidence-5"
        new_repo(five, "required")
        for r in RELEASES:
            approve(five, r, "--index-url", index.url)
        commit_all(five, "approvals (online)")
        asked = [p for p in index.requests_seen if p.startswith(("/integrity/", "/provenance/"))]
        if len(asked) < len(RELEASES):
            sys.stderr.write(f"check_evidence: the index served only {asked}\n")
            raise SystemExit(1)
    # The index is stopped: from here on nothing can reach it.
    ten = tmp / "evidence-10"
    shutil.copytree(five, ten, symlinks=True)
    add_second_evidence(ten)
    commit_all(ten, "second evidence entry per approval")

    baseline = tmp / "baseline"
    new_repo(baseline, "if-present")
    for r in RELEASES:
        approve(baseline, r, "--offline")
    commit_all(baseline, "approvals (offline)")

    setup = Setup(baseline, five, ten, tmp / "warm-5", tmp / "warm-10", {})
    for root, cache, want in ((five, setup.warm5, 5), (ten, setup.warm10, 10)):
        env = {**ENV, "BUMPGUARD_CACHE_DIR": str(cache)}
        run(guard_cmd(root, "check"), what=f"first check of {root.name}", env=env)
        count = cached(cache)
        if count != want:
            sys.stderr.write(f"check_evidence: {root.name}: {count} cache entries, not {want}\n")
            raise SystemExit(1)
    for r in RELEASES:
        (approval,) = load_json(ten / f".bumpguard/approvals/{r.project}.json")["approvals"]
        setup.evidence[r.project] = [e["path"] for e in approval["evidence"]]
    return setup


def cached(cache: Path) -> int:
    """How many verifications a cache directory remembers."""
    folder = cache / "verify"
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0


def time_check(root: Path, cache: Path, what: str) -> float:
    """Wall time of one ``check`` subprocess with ``cache``; aborts unless it exits 0."""
    cmd = guard_cmd(root, "check")
    start = time.perf_counter()
    proc = subprocess.run(
        cmd,
        cwd=CWD,
        capture_output=True,
        text=True,
        check=False,
        env={**ENV, "BUMPGUARD_CACHE_DIR": str(cache)},
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(
            f"check_evidence: {what} exited {proc.returncode} (expected 0): {' '.join(cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
        raise SystemExit(1)
    return elapsed


def time_cold(root: Path, scratch: Path, want: int, what: str) -> float:
    """One check with a fresh, empty cache (created and removed outside the timing); the
    cache must then hold ``want`` entries, proving that many verifications ran."""
    cache = Path(tempfile.mkdtemp(prefix="cold-", dir=scratch))
    try:
        elapsed = time_check(root, cache, what)
        count = cached(cache)
        if count != want:
            sys.stderr.write(f"check_evidence: {what}: {count} verifications, not {want}\n")
            raise SystemExit(1)
        return elapsed
    finally:
        shutil.rmtree(cache, ignore_errors=True)


LIBS = "import pypi_attestations, sigstore.verify"
REFERENCES = {
    "python -c pass": "pass",
    f"python -c '{LIBS}'": LIBS,
    f"python -c '{LIBS}; os._exit(0)'": f"{LIBS}, os; os._exit(0)",
}


def time_python(code: str) -> float:
    """Wall time of ``python -c code`` (interpreter start-up, imports, exit)."""
    start = time.perf_counter()
    run([sys.executable, "-c", code], what=f"python -c {code!r}")
    return time.perf_counter() - start


_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s*(\S+)", re.MULTILINE)


def import_profile(root: Path, cache: Path) -> dict[str, float]:
    """Summed ``-X importtime`` self time (seconds) per top-level package of one check."""
    cmd = [sys.executable, "-X", "importtime", *guard_cmd(root, "check")[1:]]
    proc = run(cmd, what="check -X importtime", env={**ENV, "BUMPGUARD_CACHE_DIR": str(cache)})
    totals: dict[str, float] = defaultdict(float)
    for match in _IMPORTTIME.finditer(proc.stderr):
        totals[match.group(3).split(".")[0]] += int(match.group(1)) / 1e6
    return dict(totals)


def probe(root: Path) -> dict[str, Any]:
    """In this (fresh) interpreter: the cost of importing the libraries, of each
    verification without the cache, and of building sigstore's production verifier."""
    out: dict[str, Any] = {}
    start = time.perf_counter()
    from guard.attest import provenance
    from guard.ledger import Ledger
    from guard.policy.loader import find_policy, load_policy

    out["import guard.attest.provenance"] = time.perf_counter() - start
    start = time.perf_counter()
    import pypi_attestations  # noqa: F401
    import sigstore.verify  # noqa: F401

    out["import pypi_attestations + sigstore.verify"] = time.perf_counter() - start
    policy = load_policy(find_policy(root, None), root)
    ledger = Ledger(root)
    verifications = []
    for r in RELEASES:
        (approval,) = ledger.get(r.project).approvals
        settings = policy.settings(r.project, r.version)
        assert settings is not None
        for entry in approval.evidence:
            data = (root / entry.path).read_bytes()
            start = time.perf_counter()
            provenance.verify_provenance(
                data, entry.filename, entry.sha256, settings.publisher, use_cache=False
            )
            verifications.append([entry.path, time.perf_counter() - start])
    out["verifications"] = verifications
    misses: list[float] = []
    hits: list[float] = []
    for r in RELEASES:
        (approval,) = ledger.get(r.project).approvals
        settings = policy.settings(r.project, r.version)
        assert settings is not None
        for entry in approval.evidence:
            data = (root / entry.path).read_bytes()
            for samples in (misses, hits):  # the first call verifies and writes the entry
                start = time.perf_counter()
                provenance.verify_provenance(data, entry.filename, entry.sha256, settings.publisher)
                samples.append(time.perf_counter() - start)
    out["cache misses"], out["cache hits"] = misses, hits
    from sigstore.verify import Verifier

    start = time.perf_counter()
    Verifier.production(offline=True)
    out["Verifier.production(offline=True), once more"] = time.perf_counter() - start
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement (7)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated repositories and print the path"
    )
    parser.add_argument(
        "--bytecode",
        choices=("cache", "inherit"),
        default="cache",
        help="cache (default): let the timed interpreters cache bytecode in a temporary "
        "PYTHONPYCACHEPREFIX, as an installed hook environment has .pyc files, even when "
        "PYTHONDONTWRITEBYTECODE is set; inherit: run them with this environment as it is",
    )
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is not None:
        print(json.dumps(probe(args.probe)))
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not (FIXTURES / RELEASES[0].filename).is_file():
        sys.stderr.write(f"check_evidence: {FIXTURES} is absent; nothing to measure\n")
        return 1
    sys.path.insert(0, str(ROOT))  # tests.indexserver, from the checkout
    try:
        import tests.indexserver  # noqa: F401
    finally:
        sys.path.remove(str(ROOT))  # guard itself: as the subprocesses find it (PYTHONPATH)
    import guard

    tmp = Path(tempfile.mkdtemp(prefix="bumpguard-bench-evidence-")).resolve()
    pycache = tmp.with_name(f"{tmp.name}-pycache")
    try:
        global ENV, CWD
        CWD = tmp
        ENV = isolated_env(tmp / "home", pycache if args.bytecode == "cache" else None)
        if args.bytecode == "cache":
            bytecode = "bytecode cached (temporary PYTHONPYCACHEPREFIX)"
        elif ENV.get("PYTHONDONTWRITEBYTECODE") and not ENV.get("PYTHONPYCACHEPREFIX"):
            bytecode = "PYTHONDONTWRITEBYTECODE inherited: uncached modules compile every run"
        else:
            bytecode = "environment inherited"
        setup = build(tmp)
        scratch = tmp / "cold"
        scratch.mkdir()
        empty = tmp / "empty-cache"
        samples = interleaved(
            {
                **{name: functools.partial(time_python, code) for name, code in REFERENCES.items()},
                "check, no evidence (baseline)": lambda: time_check(
                    setup.baseline, empty, "baseline"
                ),
                "check, 5 evidence, cold cache": lambda: time_cold(
                    setup.five, scratch, 5, "cold 5"
                ),
                "check, 10 evidence, cold cache": lambda: time_cold(
                    setup.ten, scratch, 10, "cold 10"
                ),
                "check, 5 evidence, warm cache": lambda: time_check(
                    setup.five, setup.warm5, "warm 5"
                ),
                "check, 10 evidence, warm cache": lambda: time_check(
                    setup.ten, setup.warm10, "warm 10"
                ),
            },
            args.repeat,
        )
        if cached(setup.warm10) != 10 or cached(empty):
            sys.stderr.write("check_evidence: a cache changed during the warm runs\n")
            raise SystemExit(1)
        warm_imports = import_profile(setup.ten, setup.warm10)
        cold_dir = Path(tempfile.mkdtemp(prefix="cold-", dir=scratch))
        cold_imports = import_profile(setup.ten, cold_dir)
        base_imports = import_profile(setup.baseline, empty)
        probed = json.loads(
            run(
                [sys.executable, str(Path(__file__).resolve()), "--probe", str(setup.ten)],
                what="probe",
                env={**ENV, "BUMPGUARD_CACHE_DIR": str(tmp / "probe-cache")},
            ).stdout
        )

        med = {k: statistics.median(v) * 1000 for k, v in samples.items()}
        low = {k: min(v) * 1000 for k, v in samples.items()}
        mad = {k: statistics.median(abs(x * 1000 - med[k]) for x in v) for k, v in samples.items()}
        report(args.repeat, bytecode, guard.__version__, setup, med, low, mad)
        report_imports(base_imports, warm_imports, cold_imports)
        report_probe(probed)
        if args.keep:
            print(f"\nkept repositories under {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pycache, ignore_errors=True)
    return 0


def report(
    repeat: int,
    bytecode: str,
    version: str,
    setup: Setup,
    med: dict[str, float],
    low: dict[str, float],
    mad: dict[str, float],
) -> None:
    print(
        f"bumpguard {version} check with committed PEP 740 evidence; python "
        f"{sys.version.split()[0]}; median of {repeat} interleaved runs after 1 warm-up each"
    )
    print(f"subprocesses: {bytecode}; HOME, XDG dirs, git config isolated; index stopped")
    print()
    print(
        f"repository: uv.lock with {len(RELEASES)} protected packages (the five attested "
        "releases of the fixtures), each pinned to its trusted publisher, attestations: "
        "required, approved online against a local index serving the real files"
    )
    for r in RELEASES:
        print(f"  {r.project} {r.version}  ({r.filename})")
        print(f"    publisher {r.publisher}")
        first, second = setup.evidence[r.project]
        print(f"    evidence 1 (written by approve, served as {r.served}): {first}")
        print(f"    evidence 2 (added; {r.second_note}): {second}")
    print(
        "verifications per check: evidence-5 repository = 5 (evidence 1 only, as approve "
        "wrote it); evidence-10 repository = 10 (two per package; no ten distinct attested "
        "packages exist in the fixtures). Cold: every one is a full sigstore verification "
        "(each run's cache is checked to hold 5 / 10 entries after it). Warm: 5 / 10 "
        "cache hits."
    )
    print(
        "baseline repository: same uv.lock and protected packages, attestations: "
        "if-present, approved --offline, no evidence (no verification)"
    )
    print()
    width = max(len(name) for name in med) + 2
    print(f"{'measurement':<{width}}{'median ms':>11}{'min ms':>10}{'MAD ms':>10}")
    print("-" * (width + 31))
    for name in med:
        print(f"{name:<{width}}{med[name]:>11.1f}{low[name]:>10.1f}{mad[name]:>10.1f}")
    print("-" * (width + 31))
    base = med["check, no evidence (baseline)"]
    start = med["python -c pass"]
    for n in (10, 5):
        for kind in ("cold", "warm"):
            name = f"check, {n} evidence, {kind} cache"
            extra = med[name] - base
            print(
                f"{kind} {n:>2} / baseline: {med[name] / base:5.2f}x   "
                f"(+{extra:6.1f} ms; minus python -c pass: "
                f"{(med[name] - start) / max(base - start, 1e-9):5.2f}x)"
            )
    marginal = (med["check, 10 evidence, cold cache"] - med["check, 5 evidence, cold cache"]) / 5
    warm_each = (med["check, 10 evidence, warm cache"] - med["check, 5 evidence, warm cache"]) / 5
    print(
        f"(cold 10 - cold 5) / 5 = {marginal:+.1f} ms per further verification, "
        f"(warm 10 - warm 5) / 5 = {warm_each:+.1f} ms per further cache hit; compare with "
        "the MAD (median absolute deviation) column: the in-process probe below measures "
        "the per-evidence cost without that noise"
    )
    names = list(REFERENCES)
    libs = med[names[1]] - start
    teardown = med[names[1]] - med[names[2]]
    print(
        f"cold 10 - baseline = {med['check, 10 evidence, cold cache'] - base:.1f} ms; "
        f"importing the libraries in a bare interpreter and exiting costs {libs:.1f} ms "
        f"(python -c '{LIBS}' minus python -c pass), of which {teardown:.1f} ms is the "
        "interpreter's exit (the same without os._exit)"
    )


def report_imports(base: dict[str, float], warm: dict[str, float], cold: dict[str, float]) -> None:
    print()
    print("imports (-X importtime, one run each, evidence-10 repository):")
    for label, found in (("warm cache", warm), ("cold cache", cold)):
        heavy = ", ".join(f"{m} {'IMPORTED' if m in found else 'not imported'}" for m in HEAVY)
        print(f"  {label}: {heavy}; all imports {sum(found.values()) * 1000:.1f} ms")
    print(f"  baseline: all imports {sum(base.values()) * 1000:.1f} ms")
    extra = {k: v - base.get(k, 0.0) for k, v in cold.items()}
    top = sorted(extra.items(), key=lambda kv: kv[1], reverse=True)[:8]
    shown = ", ".join(f"{k} {v * 1000:.1f}" for k, v in top if v > 0.0005)
    print(f"  cold minus baseline, by top-level package (ms): {shown}")
    warm_extra = sorted(
        ((k, v - base.get(k, 0.0)) for k, v in warm.items()), key=lambda kv: kv[1], reverse=True
    )[:5]
    shown = ", ".join(f"{k} {v * 1000:.1f}" for k, v in warm_extra if v > 0.0005)
    print(f"  warm minus baseline, by top-level package (ms): {shown or 'nothing notable'}")


def report_probe(probed: dict[str, Any]) -> None:
    print()
    print("in-process probe (one fresh interpreter, evidence-10 repository, cache off):")
    for key in ("import guard.attest.provenance", "import pypi_attestations + sigstore.verify"):
        print(f"  {key}: {probed[key] * 1000:.1f} ms")
    times = [t for _, t in probed["verifications"]]
    print(
        f"  verify_provenance x{len(times)}: first {times[0] * 1000:.1f} ms, then median "
        f"{statistics.median(times[1:]) * 1000:.1f} ms (min {min(times[1:]) * 1000:.1f}, "
        f"max {max(times[1:]) * 1000:.1f}); total {sum(times) * 1000:.1f} ms"
    )
    for key in ("cache misses", "cache hits"):
        values = probed[key]
        print(
            f"  verify_provenance with the cache, {key} x{len(values)}: median "
            f"{statistics.median(values) * 1000:.2f} ms, total {sum(values) * 1000:.1f} ms"
        )
    verifier = probed["Verifier.production(offline=True), once more"]
    print(
        f"  Verifier.production(offline=True), built once more: {verifier * 1000:.1f} ms "
        "(pypi_attestations builds one per attestation)"
    )


if __name__ == "__main__":
    sys.exit(main())
