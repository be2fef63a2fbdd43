"""One function per sub-command: turn parsed arguments into core calls and printed output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from guard.errors import EXIT_BLOCKED, EXIT_ERROR, EXIT_OK, UsageError
from guard.git import find_root
from guard.policy.loader import find_policy, load_policy
from guard.policy.rules import Policy


def _root() -> Path:
    return find_root(Path.cwd())


def _policy(root: Path, explicit: str | None) -> Policy:
    policy = load_policy(find_policy(root, explicit), Path.cwd())
    for warning in policy.warnings:
        print(warning, file=sys.stderr)
    return policy


def cmd_check(args: argparse.Namespace) -> int:
    """``bumpguard check``."""
    from guard.engine import check
    from guard.output import report as output

    root = _root()
    files = [Path(f) for f in args.files]
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    policy = _policy(root, args.policy)
    report = check.run(root, files, policy, args.base)
    if args.format == "json":
        print(output.as_json(report))
    elif args.format == "sarif":
        print(output.as_sarif(report, root))
    else:
        print(output.text(report, color=output.use_color(args.color, sys.stdout)))
        if output.in_github_actions():
            for line in output.github_annotations(report):
                print(line)
    return EXIT_BLOCKED if report.blocked else EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    """``bumpguard approve``."""
    from guard.engine import review

    root = _root()
    policy = _policy(root, args.policy)
    for line in review.approve(
        root,
        args.targets,
        args.reason,
        args.reviewer,
        policy,
        args.hash,
        offline=args.offline,
        index_url=args.index_url,
    ):
        print(line)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """``bumpguard init``."""
    from guard.engine import review

    root = _root()
    lines, code = review.init(
        root, review.PolicyLoader(root, args.policy), args.reviewer, args.force
    )
    print("\n".join(lines))
    return code


def cmd_policy(args: argparse.Namespace) -> int:
    """``bumpguard policy validate|show|schema|fetch``."""
    if args.policy_command == "schema":
        from guard.policy.schema import POLICY_SCHEMA

        print(json.dumps(POLICY_SCHEMA, indent=2))
        return EXIT_OK
    root = _root()
    if args.policy_command == "validate":
        spec = args.file or find_policy(root, None)
        policy = _policy(root, spec)
        print(
            f"ok: {' + '.join(policy.sources)}: {len(policy.protect)} protected, "
            f"{len(policy.deny)} deny rule(s), review_threshold {policy.review_threshold}"
        )
        return EXIT_OK
    if args.policy_command == "show":
        data = _policy(root, args.policy).to_data()
        if args.format == "json":
            print(json.dumps(data, indent=2))
        else:
            import yaml

            print(yaml.safe_dump(data, sort_keys=False, width=100), end="")
        return EXIT_OK
    if args.policy_command == "fetch":
        from guard import remote

        lines, warnings = remote.fetch(
            root, find_policy(root, args.policy), Path.cwd(), locked=args.locked
        )
        for warning in warnings:
            print(warning, file=sys.stderr)
        print("\n".join(lines))
        return EXIT_OK
    print("usage: bumpguard policy {validate,show,schema,fetch}", file=sys.stderr)
    return EXIT_ERROR


def cmd_verify(args: argparse.Namespace) -> int:
    """``bumpguard verify NAME==VERSION`` or ``bumpguard verify FILE --provenance FILE``."""
    from guard.engine import verify

    root = _root()
    policy = _policy(root, args.policy)
    if args.provenance is not None:
        lines, ok = verify.verify_file(Path(args.target), Path(args.provenance), policy)
    else:
        lines, ok = verify.verify_release(root, args.target, policy, args.index_url)
    print("\n".join(lines))
    return EXIT_OK if ok else EXIT_BLOCKED


def _take_option(args: list[str], name: str) -> str | None:
    """Remove ``name VALUE`` / ``name=VALUE`` from ``args``; return the value."""
    for i, arg in enumerate(args):
        if arg == name:
            if i + 1 >= len(args):
                raise UsageError(f"{name} needs a value")
            value = args[i + 1]
            del args[i : i + 2]
            return value
        if arg.startswith(name + "="):
            del args[i]
            return arg.split("=", 1)[1]
    return None


def cmd_pip(args: argparse.Namespace) -> int:
    """``bumpguard pip install ...``."""
    from guard.engine import install

    pip_args = list(args.pip_args)
    if pip_args[:1] == ["--"]:
        pip_args = pip_args[1:]
    python = _take_option(pip_args, "--python")
    explicit = _take_option(pip_args, "--policy")
    root = _root()
    policy = _policy(root, explicit)
    outcome = install.run(pip_args, policy, python, root if (root / ".git").exists() else None)
    print(outcome.message, file=sys.stderr if outcome.code else sys.stdout)
    return outcome.code


def cmd_scan_env(args: argparse.Namespace) -> int:
    """``bumpguard scan-env``."""
    from guard.engine import scan_env

    policy = _policy(_root(), args.policy)
    text, code = scan_env.run(args.python, args.path, policy)
    print(text)
    return code


def cmd_reviews(args: argparse.Namespace) -> int:
    """``bumpguard reviews export``."""
    from guard import ledger

    if args.reviews_command != "export":
        print("usage: bumpguard reviews export [--output FILE]", file=sys.stderr)
        return EXIT_ERROR
    data = ledger.export(_root())
    if args.output:
        from guard._files import write_atomic

        write_atomic(Path(args.output), data)
    else:
        print(data, end="")
    return EXIT_OK
