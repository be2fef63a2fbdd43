"""The text and JSON of ``bumpguard diff`` (and the summary ``approve`` prints)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from guard.engine.diff import Change, Hook, Summary

SHOWN = 40  # added or removed files listed in the text before "and N more"


def text(summary: Summary) -> str:
    """The summary a reviewer reads in one screen: empty sections are left out."""
    old, new = summary.old, summary.new
    lines = [f"{summary.package} {old.version} -> {new.version}"]
    for label, side in (("old", old), ("new", new)):
        lines.append(f"  {label}: {side.filename} ({side.origin}) sha256:{side.sha256}")
    lines += [f"  note: {n}" for n in summary.notes]
    hooks = [("+", h) for h in summary.hooks_added]
    hooks += [("~", h) for h in summary.hooks_changed]
    hooks += [("-", h) for h in summary.hooks_removed]
    if hooks:
        lines.append("start-up hooks (run at every interpreter start-up):")
        lines += [_hook(mark, h) for mark, h in hooks]
    if summary.modules_added or summary.modules_removed:
        marks = [f"+{m}" for m in summary.modules_added] + [
            f"-{m}" for m in summary.modules_removed
        ]
        lines.append("top-level modules: " + " ".join(marks))
    added, removed, changed = summary.files_added, summary.files_removed, summary.files_changed
    lines.append(
        f"files: {len(added):,} added, {len(removed):,} removed, {len(changed):,} changed, "
        f"{summary.files_unchanged:,} unchanged"
    )
    lines += _listed("+", added) + _listed("-", removed)
    lines += _changes("Requires-Dist", summary.requires)
    lines += _changes("entry points", summary.entry_points)
    if summary.native_added:
        lines.append("native extensions added:")
        lines += _listed("+", summary.native_added)
    lines += _changes("sdist build-time code (runs when the sdist is built)", summary.build_changed)
    if summary.signals:
        counts = {
            s: sum(x.severity == s for x in summary.signals) for s in ("high", "medium", "low")
        }
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        lines.append(f"risk signals in added or changed Python source ({shown}):")
        lines += [
            f"  {s.severity:<6} {s.kind:<18} {s.path}:{s.line}  {s.detail}" for s in summary.signals
        ]
    else:
        lines.append("risk signals: none in added or changed Python source")
    if summary.flagged:
        lines.append("to approve, name each of these with --accept PATH:")
        lines += [f"  {p}" for p in summary.flagged]
    lines.append(f"summary digest: sha256:{summary.digest}")
    return "\n".join(lines)


def _hook(mark: str, hook: Hook) -> str:
    member = f" (from {hook.member})" if hook.member != hook.path else ""
    return (
        f"  {mark} {hook.path}{member}  {hook.size:,} bytes  sha256:{hook.sha256 or '?'}\n"
        f"      first code: {hook.first_line or '(none)'}"
    )


def _listed(mark: str, paths: Sequence[str]) -> list[str]:
    lines = [f"  {mark} {p}" for p in paths[:SHOWN]]
    if len(paths) > SHOWN:
        lines.append(f"  ... and {len(paths) - SHOWN:,} more (--format json lists all)")
    return lines


def _changes(title: str, changes: Sequence[Change]) -> list[str]:
    if not changes:
        return []
    lines = [f"{title}:"]
    for change in changes:
        if change.old is None:
            lines.append(f"  + {change.name}: {change.new}")
        elif change.new is None:
            lines.append(f"  - {change.name}: {change.old}")
        else:
            lines.append(f"  ~ {change.name}: {change.old} -> {change.new}")
    return lines


def as_json(summary: Summary) -> str:
    """The JSON document ``docs/diff.schema.json`` describes."""
    return json.dumps(summary.to_data(), indent=2)
