"""Reviewers' signatures on approvals: made by ``approve --sign``, checked by ``check``.

A signature covers :func:`guard.ledger.signed_record` of the approval it sits in, in the
``bumpguard-review`` namespace, so editing any field it covers, or moving the signature
to another package or version, breaks it. Verification is in-process and offline
(:mod:`guard.attest.sshsig`); this module imports it only for approvals that carry
signatures.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from guard import git
from guard.errors import UsageError
from guard.ledger import Approval, ReviewSignature, signed_record

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from guard.attest.signers import AllowedSigner
    from guard.attest.sshsig import PublicKey
    from guard.policy.rules import ReviewSettings

NO_KEY = (
    "--sign needs an SSH key: set one as git does for signed commits (git config "
    "user.signingkey ~/.ssh/id_ed25519.pub, with gpg.format ssh), or pass --key PATH; "
    "nothing recorded"
)


def verified(name: str, approval: Approval) -> tuple[list[PublicKey], list[str]]:
    """The keys whose signatures on ``approval`` of package ``name`` verify, and what is
    wrong with each of the others."""
    if not approval.signatures:
        return [], []
    from guard.attest import sshsig

    record = signed_record(name, approval)
    keys: list[PublicKey] = []
    found: list[str] = []
    for signature in approval.signatures:
        try:
            key = sshsig.verify(signature.signature, record)
        except sshsig.SignatureError as exc:
            found.append(f"the signature by {signature.key}: {exc}")
            continue
        if key.fingerprint != signature.key:
            found.append(f"the signature listed as {signature.key} was made by {key.fingerprint}")
        else:
            keys.append(key)
    return keys, found


def judge(
    keys: Sequence[PublicKey],
    reviews: ReviewSettings,
    signers: Sequence[AllowedSigner] | None,
    now: datetime | None = None,
) -> tuple[str, str] | None:
    """What ``reviews`` (with ``signed: required``) finds missing, given the keys whose
    signatures verified: ``(rule, message)``, or None when enough allowed reviewers signed.
    An allowed signer's ``valid-after``/``valid-before`` are compared with ``now`` (default:
    the current time)."""
    from datetime import datetime, timezone

    from guard import findings
    from guard.attest import sshsig
    from guard.attest.signers import who

    if not keys:
        return findings.REVIEW_UNSIGNED, "it is not signed by a reviewer"
    allowed: dict[object, str] = {}  # one entry per reviewer: a line of allowed_signers
    refused: list[str] = []
    for key in keys:
        if signers is None:
            allowed.setdefault(key.fingerprint, key.fingerprint)
            continue
        entry, why = who(signers, key, sshsig.NAMESPACE, now or datetime.now(timezone.utc))
        if entry is None:
            refused.append(f"{key.fingerprint} ({why})")
        else:
            allowed.setdefault(entry.principals, ", ".join(entry.principals))
    if not allowed:
        return (
            findings.REVIEWER_NOT_ALLOWED,
            "it is signed only by keys allowed_signers does not allow: " + "; ".join(refused),
        )
    if len(allowed) < reviews.min_reviewers:
        signed = ", ".join(allowed.values())
        return (
            findings.TOO_FEW_REVIEWERS,
            f"it is signed by {len(allowed)} allowed reviewer(s) ({signed}); the policy needs "
            f"{reviews.min_reviewers} distinct ones",
        )
    return None


def sign(
    root: Path, name: str, approval: Approval, key: str | None, *, interactive: bool = False
) -> ReviewSignature:
    """Sign ``approval`` with ``key`` (a key file; by default git's ``user.signingkey``, a
    path or ``key::<public key>`` whose private half is in ssh-agent). ``interactive``
    lets ssh-keygen ask for a passphrase on the terminal."""
    from guard.attest import sshsig

    configured = key or git.config(root, "user.signingkey")
    if not configured:
        raise UsageError(NO_KEY)
    record = signed_record(name, approval)
    if configured.startswith("key::"):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bumpguard-sign-") as folder:
            public = Path(folder) / "signingkey.pub"
            public.write_text(configured.removeprefix("key::").strip() + "\n")
            armored = sshsig.sign(record, public, interactive=interactive)
    else:
        armored = sshsig.sign(record, Path(os.path.expanduser(configured)), interactive=interactive)
    signer = sshsig.verify(armored, record)
    return ReviewSignature(signer.fingerprint, armored)
