"""Rendering a check report: text for people (optionally coloured, with GitHub Actions
annotations), JSON for tools (``schema`` 1, described by :data:`REPORT_SCHEMA`) and SARIF
2.1.0 for code-scanning services."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import IO, Any

from guard import __version__
from guard._files import real
from guard.findings import Finding, Report, rule_info

JSON_SCHEMA_VERSION = 1

INFORMATION_URI = "https://github.com/bumpguard/bumpguard"

# ---------------------------------------------------------------------------------------
# Colour

_RED = "\x1b[1;31m"
_GREEN = "\x1b[32m"
_CYAN = "\x1b[36m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def use_color(mode: str, stream: IO[str], environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour text written to ``stream``: ``always`` and ``never`` decide;
    ``auto`` colours only a terminal, and not when ``NO_COLOR`` is set to anything
    non-empty (https://no-color.org) or ``TERM`` is ``dumb``."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # a closed or unusual stream
        return False


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


# ---------------------------------------------------------------------------------------
# Text


#: How many findings the text report lists for a repository that has not adopted
#: bumpguard (``--format json`` lists them all).
UNADOPTED_LIMIT = 30


def text(report: Report, *, color: bool = False) -> str:
    """Findings first (``file:line: package old -> new: rule``), then the fixes, then one
    summary line. A repository that has not adopted bumpguard gets one line per finding
    (at most :data:`UNADOPTED_LIMIT`) and the way to adopt it instead of the fixes.
    Without ``color`` the text has no escape sequences at all."""
    if report.blocked and not report.adopted:
        lines = _unadopted(report, color)
    else:
        lines = _detailed(report, color)
    for c in report.covered:
        where = f"{c.file}:{c.line}" if c.line else c.file
        lines.append(
            f"{where}: {c.package} {c.version}: covered by import {c.source!r} "
            f"(reviewed by {c.reviewer})"
        )
    lines.extend(_paint(f"note: {note}", _DIM, color) for note in report.notes)
    if report.untracked:
        lines.append(
            f"note: read {len(report.untracked)} file(s) git does not track yet: "
            + ", ".join(report.untracked[:5])
            + (" ..." if len(report.untracked) > 5 else "")
            + " (a commit holds only what is staged)"
        )
    if report.weakened:
        shown = report.base or "the base revision"
        lines.append(_paint(f"warning: the policy is weaker than at {shown}:", _RED, color))
        lines.extend(f"    {item}" for item in report.weakened)
    policy = " + ".join(report.policy_sources)
    files = len(report.files)
    if report.blocked:
        read = set(report.files)
        with_findings = len({f.file for f in report.findings if f.file in read})
        lines.append("")
        lines.append(
            f"bumpguard: {_paint('blocked', _RED, color)}: {len(report.findings)} finding(s) "
            f"in {with_findings} of {files} dependency file(s) (policy: {policy})"
        )
    else:
        lines.append(
            f"bumpguard: {_paint('ok', _GREEN, color)}: {len(report.dependencies)} "
            f"dependencies in {files} file(s) (policy: {policy})"
        )
    return "\n".join(lines)


def _finding_line(f: Finding, color: bool) -> str:
    return f"{f.where}: {f.subject}: {_paint(f.rule, _RED, color)}"


def _detailed(report: Report, color: bool) -> list[str]:
    """Each finding with its message and fix, then every approve command."""
    lines: list[str] = []
    for f in report.findings:
        lines.append(_finding_line(f, color))
        lines.append(f"    {f.message}")
        lines.append(f"    {_paint('fix:', _DIM, color)} {_paint(f.fix, _CYAN, color)}")
    commands = sorted({f.fix for f in report.findings if f.approve})
    if commands:
        lines.append("")
        lines.append("After reviewing, record the review(s) with:")
        lines.extend(f"    {_paint(c, _CYAN, color)}" for c in commands)
    return lines


def _unadopted(report: Report, color: bool) -> list[str]:
    """One line per finding, at most :data:`UNADOPTED_LIMIT`, then how to adopt."""
    lines = [_finding_line(f, color) for f in report.findings[:UNADOPTED_LIMIT]]
    more = len(report.findings) - UNADOPTED_LIMIT
    if more > 0:
        lines.append(_paint(f"... and {more} more (--format json lists them all)", _DIM, color))
    init = _paint("bumpguard init", _CYAN, color)
    lines.append("")
    lines.append(f"This repository has not adopted bumpguard yet: run {init} to adopt it.")
    lines.append(
        "It records today's reviewable versions as a baseline and lists what it cannot "
        "baseline (such as denied or unpinned versions)."
    )
    return lines


# ---------------------------------------------------------------------------------------
# GitHub Actions workflow commands


def _escape_data(value: str) -> str:
    """Workflow-command data: ``%``, CR and LF are percent-encoded (as actions/toolkit does)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """Workflow-command property values: as data, plus ``:`` and ``,``, which delimit."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report: Report) -> list[str]:
    """One ``::error`` workflow command per finding, so GitHub Actions annotates the file
    and line in the run summary and the pull request."""
    out = []
    for f in report.findings:
        props = [f"file={_escape_property(f.file)}"]
        if f.line > 0:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property('bumpguard ' + f.rule)}")
        message = f"{f.subject}: {f.message}\nfix: {f.fix}"
        out.append(f"::error {','.join(props)}::{_escape_data(message)}")
    return out


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this runs as a GitHub Actions step (the runner sets ``GITHUB_ACTIONS=true``)."""
    env = os.environ if environ is None else environ
    return env.get("GITHUB_ACTIONS") == "true"


# ---------------------------------------------------------------------------------------
# JSON (schema 1)


def as_data(report: Report) -> dict[str, Any]:
    """The documented JSON form (``schema`` 1, described by :data:`REPORT_SCHEMA`)."""
    return {
        "schema": JSON_SCHEMA_VERSION,
        "result": "blocked" if report.blocked else "ok",
        "policy": report.policy_sources,
        "base": report.base,
        "files": report.files,
        "dependencies": len(report.dependencies),
        "findings": [
            {
                "rule": f.rule,
                "package": f.package,
                "version": f.version,
                "previous": f.previous,
                "file": f.file,
                "line": f.line,
                "message": f.message,
                "fix": f.fix,
                "approve": f.approve,
            }
            for f in report.findings
        ],
        "covered": [
            {
                "package": c.package,
                "version": c.version,
                "import": c.source,
                "reviewer": c.reviewer,
                "file": c.file,
                "line": c.line,
            }
            for c in report.covered
        ],
        "weakened": list(report.weakened),
        "notes": list(report.notes),
        "untracked": list(report.untracked),
    }


def as_json(report: Report) -> str:
    """``as_data`` serialised."""
    import json

    return json.dumps(as_data(report), indent=2)


_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:bumpguard:check-report:1",
    "title": "bumpguard check --format json (schema 1)",
    "description": (
        "The result of one `bumpguard check`. The exit code carries the same verdict: 0 for "
        '"ok", 1 for "blocked".'
    ),
    "type": "object",
    "required": ["schema", "result", "policy", "base", "files", "dependencies", "findings"],
    "additionalProperties": False,
    "properties": {
        "schema": {
            "description": "The version of this format; it changes only incompatibly.",
            "const": JSON_SCHEMA_VERSION,
        },
        "result": {
            "description": '"blocked" when there is at least one finding, else "ok".',
            "enum": ["ok", "blocked"],
        },
        "policy": {
            "description": (
                "The policy files applied, in merge order (extended files first); built-in "
                "policies as builtin:NAME."
            ),
            "type": "array",
            "items": {"type": "string"},
        },
        "base": {
            "description": (
                "The revision `previous` was read from (--base, default HEAD), or null when "
                "there are no findings or no commit to compare with."
            ),
            **_NULLABLE_STRING,
        },
        "files": {
            "description": (
                "Every dependency file read, including -r/-c includes, repository-relative "
                "with / separators (absolute for a file outside the repository)."
            ),
            "type": "array",
            "items": {"type": "string"},
        },
        "dependencies": {
            "description": "How many dependency records were checked.",
            "type": "integer",
            "minimum": 0,
        },
        "findings": {
            "description": "Every reason the check refuses, in file order.",
            "type": "array",
            "items": {"$ref": "#/$defs/finding"},
        },
        "covered": {
            "description": (
                "Dependencies whose review came from an imported review ledger (policy "
                "`imports`), with the import's name and who reviewed; added in schema 1 "
                "without breaking readers that ignore unknown keys."
            ),
            "type": "array",
            "items": {
                "type": "object",
                "required": ["package", "version", "import", "reviewer", "file", "line"],
                "additionalProperties": False,
                "properties": {
                    "package": {"type": "string"},
                    "version": {"type": "string"},
                    "import": {"type": "string"},
                    "reviewer": {"type": "string"},
                    "file": {"type": "string"},
                    "line": {"type": "integer", "minimum": 0},
                },
            },
        },
        "weakened": {
            "description": (
                "How the policy is weaker than at the base revision (a removed deny or "
                "protection, a lower setting), one sentence each. Reported only: the result "
                "never depends on the base. Added in schema 1."
            ),
            "type": "array",
            "items": {"type": "string"},
        },
        "notes": {
            "description": (
                "What a reader skipped and why, as `file:line: note` (a setup.py argument "
                "that is not a literal, an install command with a shell variable). Reported "
                "only. Added in schema 1."
            ),
            "type": "array",
            "items": {"type": "string"},
        },
        "untracked": {
            "description": (
                "Dependency files read although git does not track them yet (outside a "
                "commit hook). Added in schema 1."
            ),
            "type": "array",
            "items": {"type": "string"},
        },
    },
    "if": {"properties": {"result": {"const": "ok"}}},
    "then": {"properties": {"findings": {"maxItems": 0}}},
    "else": {"properties": {"findings": {"minItems": 1}}},
    "$defs": {
        "finding": {
            "type": "object",
            "required": [
                "rule",
                "package",
                "version",
                "previous",
                "file",
                "line",
                "message",
                "fix",
                "approve",
            ],
            "additionalProperties": False,
            "properties": {
                "rule": {
                    "description": (
                        "The rule id, stable across versions: denied, denied-range, "
                        "not-allowed, unreviewed, unpinned, hash-mismatch, hashes-unreviewed, "
                        "review-threshold, cooldown, attestation-missing, attestation-invalid, "
                        "publisher-changed, not-a-tag, unreviewed-source."
                    ),
                    "type": "string",
                    "pattern": "^[a-z]+(-[a-z]+)*$",
                },
                "package": {
                    "description": "The canonical (PEP 503) package name.",
                    "type": "string",
                    "minLength": 1,
                },
                "version": {
                    "description": "The exact version, or null for a range, URL or VCS source.",
                    **_NULLABLE_STRING,
                },
                "previous": {
                    "description": (
                        'The version (or source) at the base revision, "(none)" when the '
                        "dependency is new there, null without a base."
                    ),
                    **_NULLABLE_STRING,
                },
                "file": {
                    "description": "The dependency file, as in `files`.",
                    "type": "string",
                    "minLength": 1,
                },
                "line": {
                    "description": "The 1-based line in `file`, or 0 when it is not known.",
                    "type": "integer",
                    "minimum": 0,
                },
                "message": {"description": "What is wrong, for people.", "type": "string"},
                "fix": {
                    "description": "What to do about it: a command where one exists.",
                    "type": "string",
                },
                "approve": {
                    "description": (
                        "The NAME==VERSION (or NAME @ URL) a review would approve, when a "
                        "review can clear the finding; else null."
                    ),
                    **_NULLABLE_STRING,
                },
            },
        }
    },
}


# ---------------------------------------------------------------------------------------
# SARIF 2.1.0

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "bumpguard/v1"


def _descriptor(rule: str) -> dict[str, Any]:
    info = rule_info(rule)
    markdown = (
        f"**{rule}**: {info.full}\n\n**How to fix**: {info.fix}\n\n"
        f"See [What check refuses]({INFORMATION_URI}#what-check-refuses)."
    )
    return {
        "id": rule,
        "name": info.name,
        "shortDescription": {"text": info.short},
        "fullDescription": {"text": info.full},
        "help": {
            "text": f"{info.full}\n\nHow to fix: {info.fix.replace('`', '')}",
            "markdown": markdown,
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "supply-chain"],
            "precision": "very-high",
            "problem.severity": "error",
        },
    }


def _artifact_location(file: str) -> dict[str, Any]:
    path = PurePath(file)
    if path.is_absolute():  # a file outside the repository, named on the command line
        return {"uri": Path(file).as_uri()}
    from urllib.parse import quote

    return {"uri": quote(path.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def fingerprint(finding: Finding) -> str:
    """A stable identity of a finding: the sha256 of its rule, package, version and file
    (not its line, so moving a line keeps the alert)."""
    key = "\0".join((finding.rule, finding.package, finding.version or "", finding.file))
    import hashlib

    # A file name that is not UTF-8 (git allows any bytes) is hashed as those bytes.
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def as_sarif_data(report: Report, root: Path | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log with one run, within the subset GitHub code scanning
    reads. ``root`` (the repository) becomes ``%SRCROOT%``, which file URIs are relative to."""
    rule_ids = sorted({f.rule for f in report.findings})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    occurrences: dict[str, int] = {}
    results = []
    for f in report.findings:
        digest = fingerprint(f)
        occurrences[digest] = occurrences.get(digest, 0) + 1
        physical: dict[str, Any] = {"artifactLocation": _artifact_location(f.file)}
        if f.line > 0:
            physical["region"] = {"startLine": f.line}
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": "error",
                "message": {"text": f"{f.subject}: {f.message}\nFix: {f.fix}"},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {
                    FINGERPRINT_KEY: digest,
                    # The only key GitHub code scanning reads; without it upload-sarif would
                    # hash the line's text instead. ":N" numbers identical findings.
                    "primaryLocationLineHash": f"{digest[:16]}:{occurrences[digest]}",
                },
                "properties": {
                    "package": f.package,
                    "version": f.version,
                    "previous": f.previous,
                },
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "bumpguard",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in rule_ids],
            }
        },
    }
    if root is not None:
        run["originalUriBaseIds"] = {
            SRCROOT: {
                "uri": real(root).as_uri().rstrip("/") + "/",
                "description": {"text": "The root of the repository."},
            }
        }
    run["results"] = results
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def as_sarif(report: Report, root: Path | None = None) -> str:
    """``as_sarif_data`` serialised."""
    import json

    return json.dumps(as_sarif_data(report, root), indent=2)
