"""What a change does to the policy itself: a policy weaker than at the base revision is
reported next to the findings (it never changes the verdict, which stays stateless).

Loading the base policy costs a ``git archive``, so it happens only when one of the
policy's files differs from the base.
"""

from __future__ import annotations

from pathlib import Path

from guard import git
from guard._files import real
from guard.errors import GuardError
from guard.policy.rules import (
    ATTESTATION_MODES,
    RANGE_MODES,
    THRESHOLDS,
    Policy,
    ProtectRule,
    format_duration,
)

# Files that can change which policy applies, besides the policy's own files.
_WATCHED = (".bumpguard.yaml", ".bumpguard.yml", "pyproject.toml", ".bumpguard/policy.lock")
_POLICY_FILES = (".yaml", ".yml", "pyproject.toml")


def weakened(
    root: Path,
    policy: Policy,
    base: str | None,
    index: git.GitIndex | None = None,
) -> list[str]:
    """How ``policy`` is weaker than the policy the repository had at ``base`` (default
    HEAD); empty outside git, without a base, or when nothing weakened. ``index`` is git's
    index as :func:`guard.git.index_listing` read it, when the caller has it."""
    if not (root / ".git").exists():
        return []
    ref = base or "HEAD"
    files = set(_WATCHED)
    for path in policy.files:
        try:
            files.add(real(path).relative_to(real(root)).as_posix())
        except ValueError:
            continue
    changed = _changed(root, ref, sorted(files), index)
    if not changed:
        return []
    try:
        before = _load_at(root, ref)
    except GuardError:
        return []  # the base policy was broken: nothing to compare with
    if before is None:
        return []
    return compare(before, policy, ref)


def _changed(root: Path, ref: str, files: list[str], index: git.GitIndex | None) -> bool:
    """Whether any of ``files`` differs between ``ref`` and the commit being made (git's
    index, when known; else the working tree). False when ``ref`` is no commit."""
    then = git.tree_ids(root, ref, files)
    if then is None:
        return False  # no such revision (a repository without commits yet)
    if index is not None:
        now = {f: entry[1] for f in files if (entry := index.entry(f)) is not None}
        return now != then
    present = [f for f in files if (root / f).is_file()]
    if set(present) != set(then):
        return True
    if not present:
        return False
    hashed = git.hash_objects(root, present)
    return any(then[name] != digest for name, digest in zip(present, hashed, strict=False))


def _load_at(root: Path, ref: str) -> Policy | None:
    """The policy the repository had at ``ref``, loaded from a copy of its policy files."""
    from guard.policy.loader import find_policy, load_policy

    names = [
        n
        for n in git.tree_names(root, ref)
        if n.endswith(_POLICY_FILES) or n.startswith(".bumpguard/")
    ]
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bumpguard-policy-") as tmp:
        copy = Path(tmp)
        if not git.export(root, ref, names, copy):
            return None
        return load_policy(find_policy(copy, None), copy, root=copy)


def compare(before: Policy, after: Policy, ref: str) -> list[str]:
    """Each way ``after`` is weaker than ``before``, as one sentence."""
    out: list[str] = []
    denies = {(r.package, r.versions) for r in after.deny}
    for rule in before.deny:
        if (rule.package, rule.versions) not in denies:
            out.append(f"the deny rule {rule.describe()} of {ref} is gone")
    for pattern, old in before.protect.items():
        new = after.protect.get(pattern)
        if new is None:
            still = "" if after.protection(pattern) is None else " (a glob still covers it)"
            if not still:
                out.append(f"{pattern} is no longer protected")
            continue
        out.extend(f"{pattern}: {change}" for change in _settings(before, old, after, new))
    if _rank(THRESHOLDS, after.review_threshold) < _rank(THRESHOLDS, before.review_threshold):
        out.append(f"review_threshold is {after.review_threshold}, was {before.review_threshold}")
    if _rank(RANGE_MODES, after.ranges) > _rank(RANGE_MODES, before.ranges):
        out.append(f"ranges is {after.ranges}, was {before.ranges}")
    if before.allow_list is not None:
        if after.allow_list is None:
            out.append("the allow-list is gone")
        else:
            added = {p for p, _ in after.allow_list} - {p for p, _ in before.allow_list}
            if added:
                out.append(f"the allow-list now also admits {', '.join(sorted(added))}")
    if before.install.require_approval and not after.install.require_approval:
        out.append("install.require_approval is off")
    if before.install.startup_hooks == "deny" and after.install.startup_hooks != "deny":
        out.append(f"install.startup_hooks is {after.install.startup_hooks}, was deny")
    accepted = {h[:3] for h in after.install.allow_startup_hooks} - {
        h[:3] for h in before.install.allow_startup_hooks
    }
    for package, path, digest in sorted(accepted):
        out.append(f"install.allow_startup_hooks now accepts {package} {path} ({digest[:12]}...)")
    was, now = before.reviews, after.reviews
    if was.signed == "required" and now.signed != "required":
        out.append("reviews.signed is optional, was required")
    if now.min_reviewers < was.min_reviewers:
        out.append(f"reviews.min_reviewers is {now.min_reviewers}, was {was.min_reviewers}")
    if was.scope == "all" and now.scope != "all":
        out.append("reviews.scope is protected, was all")
    if was.allowed_signers is not None and now.signers_key() != was.signers_key():
        out.append(f"reviews.allowed_signers is {now.signers_text()}, was {was.signers_text()}")
    for glob in sorted({g for g, _ in after.exclude} - {g for g, _ in before.exclude}):
        out.append(f"exclude now skips {glob}")
    for url in sorted({u for u, _ in after.indexes} - {u for u, _ in before.indexes}):
        out.append(f"indexes now allows {url}")
    extra_sdist = set(after.install.allow_sdist) - set(before.install.allow_sdist)
    if extra_sdist:
        out.append(f"install.allow_sdist now admits {', '.join(sorted(extra_sdist))}")
    return out


def _settings(before: Policy, old: ProtectRule, after: Policy, new: ProtectRule) -> list[str]:
    out = []
    was = old.attestations or before.defaults.attestations
    now = new.attestations or after.defaults.attestations
    if _rank(ATTESTATION_MODES, now) > _rank(ATTESTATION_MODES, was):
        out.append(f"attestations {now}, was {was}")
    was_age = old.min_release_age if old.min_release_age is not None else None
    was_age = was_age if was_age is not None else before.defaults.min_release_age
    now_age = new.min_release_age if new.min_release_age is not None else None
    now_age = now_age if now_age is not None else after.defaults.min_release_age
    if now_age < was_age:
        shorter = f"{format_duration(was_age)} to {format_duration(now_age)}"
        out.append(f"min_release_age shortened from {shorter}")
    was_tag = old.require_tag if old.require_tag is not None else before.defaults.require_tag
    now_tag = new.require_tag if new.require_tag is not None else after.defaults.require_tag
    if was_tag and not now_tag:
        out.append("require_tag is off")
    if old.publisher is not None and new.publisher != old.publisher:
        out.append("the pinned publisher changed" if new.publisher else "no publisher pinned")
    return out


def _rank(order: tuple[str, ...], value: str) -> int:
    return order.index(value) if value in order else len(order)
