"""The ``bumpguard`` command line: parses arguments, calls the core, maps errors to codes.

Exit codes: 0 allowed, 1 blocked by policy, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from guard import __version__
from guard.errors import (
    EXIT_BLOCKED,
    EXIT_ERROR,
    EXIT_INTERNAL,
    EXIT_OK,
    GuardError,
    UsageError,
)

COMMANDS = (
    "check",
    "approve",
    "diff",
    "verify",
    "pip",
    "scan-env",
    "reviews",
    "init",
    "policy",
)


def command_in(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names (the first word that is not an option, nor the value
    of ``-C``), or ``None``."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "-C":
            skip = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only`` (a known sub-command), just that sub-command is set
    up: building all of them costs every hook run a few milliseconds."""
    parser = argparse.ArgumentParser(
        prog="bumpguard",
        description="Refuse unreviewed dependency changes (LLM gateways and SDKs by default).",
        epilog="Exit codes: 0 allowed, 1 blocked by policy, 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"bumpguard {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    known = only in COMMANDS

    def wanted(name: str) -> bool:
        return not known or name == only

    def index_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--index-url",
            metavar="URL",
            help="package index (default: PIP_INDEX_URL, pip's configuration, else PyPI)",
        )

    def require_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--require-policy",
            metavar="FILE|URL#sha256=HEX",
            help="apply this policy too (a file, builtin:NAME or a pinned URL), enforced: the "
            "repository's own policy cannot loosen or drop it (default: "
            "$BUMPGUARD_REQUIRE_POLICY)",
        )

    def policy_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--policy",
            metavar="FILE",
            help="policy file or builtin:NAME (default: .bumpguard.yaml, "
            "[tool.bumpguard] policy, else builtin:llm-gateways)",
        )

    if wanted("check"):
        p = sub.add_parser("check", help="check dependency files against the policy and ledger")
        p.add_argument(
            "files",
            nargs="*",
            metavar="FILE",
            help="dependency files (default: every supported file in the repository)",
        )
        policy_option(p)
        p.add_argument(
            "--format",
            choices=("text", "json", "sarif"),
            default="text",
            help="text for people (default), json (schema 1) or sarif (SARIF 2.1.0, for "
            "code scanning)",
        )
        p.add_argument(
            "--color",
            choices=("auto", "always", "never"),
            default="auto",
            help="colour the text output: auto (default) colours a terminal unless NO_COLOR is "
            "set or TERM=dumb",
        )
        p.add_argument(
            "--base",
            metavar="REF",
            help="revision to show changes against (default: HEAD when there is one)",
        )
        p.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="skip files this glob matches, like the policy's exclude (repeatable)",
        )
        require_option(p)

    if wanted("approve"):
        p = sub.add_parser("approve", help="record a review of NAME==VERSION (or NAME @ URL)")
        p.add_argument("targets", nargs="+", metavar="NAME==VERSION")
        p.add_argument("--reason", required=True, help="why this version is acceptable")
        p.add_argument("--reviewer", help="who reviewed (default: git config user.name/email)")
        p.add_argument(
            "--hash",
            action="append",
            default=[],
            metavar="ALGO:HEX",
            help="also record this artifact hash (repeatable)",
        )
        p.add_argument(
            "--offline",
            action="store_true",
            help="record from the repository's files alone, with no network (refused for "
            "versions that need attestations)",
        )
        p.add_argument(
            "--accept",
            action="append",
            default=[],
            metavar="PATH",
            help="accept a start-up hook or a file with a high-severity risk signal that the "
            "diff against the approved version flags (repeatable)",
        )
        p.add_argument(
            "--sign",
            action="store_true",
            help="sign the approval with your SSH key (co-sign it if the version is already "
            "approved)",
        )
        p.add_argument(
            "--key",
            metavar="PATH",
            help="the SSH key to sign with (default: git config user.signingkey)",
        )
        index_option(p)
        policy_option(p)
        require_option(p)

    if wanted("diff"):
        p = sub.add_parser(
            "diff",
            help="show what changed between two releases of a package (nothing is run or built)",
            description="Compare release OLD of NAME with NEW: start-up hooks, modules, files, "
            "requirements, entry points, native and build-time code, and risk signals in the "
            "Python source NEW added or changed. OLD and NEW are versions on the index or local "
            "wheel or sdist files (what `pip download` fetched).",
        )
        p.add_argument("name", metavar="NAME")
        p.add_argument("old", metavar="OLD")
        p.add_argument("new", metavar="NEW")
        p.add_argument("--format", choices=("text", "json"), default="text")
        p.add_argument(
            "--full",
            action="store_true",
            help="add a unified diff of the text files (through $PAGER on a terminal)",
        )
        index_option(p)
        policy_option(p)

    if wanted("verify"):
        p = sub.add_parser(
            "verify",
            help="verify a release's attestations on the index, or a local file's provenance",
        )
        p.add_argument("target", metavar="NAME==VERSION|FILE")
        p.add_argument(
            "--provenance",
            metavar="FILE",
            help="with a distribution FILE: its PEP 740 provenance (or a single attestation)",
        )
        index_option(p)
        policy_option(p)

    if wanted("pip"):
        p = sub.add_parser(
            "pip",
            help="pip install, after checking everything pip would install",
            description="bumpguard pip install [--python PATH] [--policy FILE] "
            "[--require-policy FILE|URL#sha256=HEX] PIP-ARGS...: asks "
            "pip what it would install, checks and inspects every file, then installs exactly "
            "those files, or nothing.",
        )
        p.add_argument("pip_command", choices=["install"], metavar="install")
        p.add_argument("pip_args", nargs=argparse.REMAINDER, metavar="PIP-ARGS")

    if wanted("scan-env"):
        p = sub.add_parser(
            "scan-env", help="audit an installed environment for start-up hooks and denied versions"
        )
        where = p.add_mutually_exclusive_group()
        where.add_argument(
            "--python",
            metavar="PATH",
            help="interpreter whose environment to scan, asked with -I -S so nothing in it runs "
            "(default: $VIRTUAL_ENV's python, else the one running bumpguard)",
        )
        where.add_argument(
            "--path", metavar="SITE_PACKAGES", help="scan this site-packages directory"
        )
        p.add_argument("--format", choices=("text", "json"), default="text")
        policy_option(p)

    if wanted("reviews"):
        p = sub.add_parser("reviews", help="publish this repository's reviews for others to import")
        rsub = p.add_subparsers(dest="reviews_command", metavar="ACTION")
        e = rsub.add_parser(
            "export",
            help="print this repository's own approvals (with their evidence) as one JSON file",
        )
        e.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")

    if wanted("init"):
        p = sub.add_parser("init", help="adopt bumpguard: starter policy + baseline of reviews")
        p.add_argument("--force", action="store_true", help="replace an existing .bumpguard.yaml")
        p.add_argument("--reviewer", help="who records the baseline (default: git config)")
        p.add_argument(
            "--offline",
            action="store_true",
            help="use no network: versions whose attestations must be verified are left for "
            "an online approve",
        )
        index_option(p)
        policy_option(p)

    if wanted("policy"):
        p = sub.add_parser("policy", help="validate or show the policy, or print its JSON Schema")
        psub = p.add_subparsers(dest="policy_command", metavar="ACTION")
        v = psub.add_parser("validate", help="validate a policy file and everything it extends")
        v.add_argument("file", nargs="?", metavar="FILE")
        s = psub.add_parser("show", help="print the effective (merged) policy")
        s.add_argument("--format", choices=("yaml", "json"), default="yaml")
        policy_option(s)
        psub.add_parser(
            "schema",
            help="print the JSON Schema of policy files (for editor completion and validation)",
        )
        f = psub.add_parser(
            "fetch",
            help="fetch the pinned URLs the policy extends or imports, verify, store and lock them",
        )
        f.add_argument(
            "--locked",
            action="store_true",
            help="fetch and write nothing: check .bumpguard/policy.lock against the policy and the "
            "stored copies, re-verifying signatures offline (exit 2 if stale)",
        )
        policy_option(f)
    return parser


def run() -> NoReturn:
    """The ``bumpguard`` executable: :func:`main`, then exit without tearing down the
    interpreter. Everything bumpguard writes is complete when ``main`` returns (files
    are written atomically and synced), so once stdout and stderr are flushed there is
    nothing left to clean up; skipping the teardown saves a hook run about 20 ms (mypy
    exits the same way)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader left (a broken pipe): nothing more to say
        pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run bumpguard with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(command_in(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_ERROR
    try:
        return _dispatch(parser, args)
    except GuardError as exc:
        print(f"bumpguard: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # ``bumpguard check | head``: the reader left; not an error
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # a bug: never let it look like "allowed"
        if os.environ.get("BUMPGUARD_DEBUG"):
            raise
        print(
            f"bumpguard: internal error: {type(exc).__name__}: {exc} "
            "(set BUMPGUARD_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the sub-command ``args.command`` (each module imports only what it needs)."""
    if args.directory:
        try:
            os.chdir(args.directory)
        except OSError as exc:
            raise UsageError(f"-C {args.directory}: {exc.strerror}") from None
    command = args.command
    if command == "check":
        from guard.commands import check

        return check.run(
            args.files,
            args.policy,
            args.format,
            args.color,
            args.base,
            args.require_policy,
            args.exclude,
        )
    if command == "approve":
        from guard.commands import approve

        return approve.run(
            args.targets,
            args.reason,
            args.reviewer,
            args.hash,
            args.policy,
            args.offline,
            args.index_url,
            args.accept,
            args.sign,
            args.key,
            args.require_policy,
        )
    if command == "diff":
        from guard.commands import diff

        return diff.run(
            args.name, args.old, args.new, args.index_url, args.format, args.full, args.policy
        )
    if command == "verify":
        from guard.commands import verify

        return verify.run(args.target, args.provenance, args.policy, args.index_url)
    if command == "pip":
        from guard.commands import pip

        return pip.run(args.pip_args)
    if command == "scan-env":
        from guard.commands import scan_env

        return scan_env.run(args.python, args.path, args.policy, args.format)
    if command == "init":
        from guard.commands import init

        return init.run(args.policy, args.reviewer, args.force, args.offline, args.index_url)
    if command == "reviews" and args.reviews_command == "export":
        from guard.commands import reviews

        return reviews.export(args.output)
    if command == "policy" and args.policy_command is not None:
        from guard.commands import policy

        if args.policy_command == "validate":
            return policy.validate(args.file)
        if args.policy_command == "show":
            return policy.show(args.policy, args.format)
        if args.policy_command == "schema":
            return policy.schema()
        return policy.fetch(args.policy, args.locked)
    if command == "reviews":
        print("usage: bumpguard reviews export [--output FILE]", file=sys.stderr)
    elif command == "policy":
        print("usage: bumpguard policy {validate,show,schema,fetch}", file=sys.stderr)
    else:
        parser.print_help(sys.stderr)
    return EXIT_ERROR


__all__ = ["EXIT_BLOCKED", "EXIT_ERROR", "EXIT_INTERNAL", "EXIT_OK", "main", "run"]
