"""Rendering a check report as text for people or JSON for tools."""

from __future__ import annotations

import json
from typing import Any

from guard.check import Report

JSON_SCHEMA_VERSION = 1


def text(report: Report) -> str:
    """Findings first (``file:line: package old -> new: rule``), then the fixes, then one
    summary line."""
    lines: list[str] = []
    for f in report.findings:
        lines.append(f"{f.where}: {f.subject}: {f.rule}")
        lines.append(f"    {f.message}")
        lines.append(f"    fix: {f.fix}")
    commands = sorted({f.fix for f in report.findings if f.approve})
    if commands:
        lines.append("")
        lines.append("After reviewing, record the review(s) with:")
        lines.extend(f"    {c}" for c in commands)
    policy = " + ".join(report.policy_sources)
    files = len(report.files)
    if report.blocked:
        lines.append("")
        lines.append(
            f"bumpguard: blocked: {len(report.findings)} finding(s) in {files} "
            f"dependency file(s) (policy: {policy})"
        )
    else:
        lines.append(
            f"bumpguard: ok: {len(report.dependencies)} dependencies in {files} "
            f"file(s) (policy: {policy})"
        )
    return "\n".join(lines)


def as_data(report: Report) -> dict[str, Any]:
    """The documented JSON form (``schema`` 1)."""
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
    }


def as_json(report: Report) -> str:
    """``as_data`` serialised."""
    return json.dumps(as_data(report), indent=2)
