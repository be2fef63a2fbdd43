"""The text of ``bumpguard approve`` and ``bumpguard init``."""

from __future__ import annotations

from collections.abc import Sequence

from guard import __version__
from guard.engine.review import POLICY_FILE, PRE_COMMIT_SNIPPET, Adoption, Approved
from guard.ledger import APPROVALS_DIR, LEDGER_DIR


def approved(recorded: Sequence[Approved]) -> str:
    """One line per recorded review."""
    return "\n".join(
        f"approved {a.spec} ({a.checked}) by {a.reviewer} -> {a.path}" for a in recorded
    )


def adoption(done: Adoption) -> str:
    """What init wrote, the baseline, what is left and how to fix it, and the hook."""
    lines = []
    if done.wrote_policy:
        lines.append(f"wrote {POLICY_FILE} (extends builtin:llm-gateways)")
        if done.library:
            lines.append(
                "this looks like a library (no lock file, only version ranges): the policy "
                "says `ranges: allow`, so declared ranges are checked against deny rules "
                "while pins, locks and `bumpguard pip install` guard what gets installed"
            )
    else:
        lines.append(f"{POLICY_FILE} exists; keeping it (--force replaces it)")
    lines.extend(f"baseline: {item}" for item in done.baseline)
    lines.extend(
        f"baseline, attestations verified online: {a.spec} ({a.checked}) -> {a.path}"
        for a in done.verified
    )
    if done.baseline or done.verified:
        lines.append(
            f"recorded {len(done.baseline) + len(done.verified)} baseline approval(s) "
            f"under {APPROVALS_DIR}/; commit them with {POLICY_FILE}: "
            f"git add {POLICY_FILE} {LEDGER_DIR}"
        )
    else:
        lines.append("nothing to baseline: no protected dependency without a review")
    for finding in done.remaining:
        lines.append(f"{finding.where}: {finding.package}: {finding.rule}: {finding.message}")
        if finding.approve in done.refused:
            lines.append(f"  refused online: {done.refused[finding.approve]}")
        elif finding in done.needs_online:
            lines.append(
                "  needs an online review: its attestations must be fetched and verified, "
                f"and init ran offline: {finding.fix}"
            )
        else:
            lines.append(f"  fix: {finding.fix}")
    lines.append("")
    lines.append("Add the hook to .pre-commit-config.yaml:")
    lines.append(PRE_COMMIT_SNIPPET.format(version=__version__).rstrip("\n"))
    return "\n".join(lines)
