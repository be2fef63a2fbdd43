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

from guard import git
from guard.errors import UsageError
from guard.ledger import Approval, ReviewSignature, signed_record

NO_KEY = (
    "--sign needs an SSH key: set one as git does for signed commits (git config "
    "user.signingkey ~/.ssh/id_ed25519.pub, with gpg.format ssh), or pass --key PATH; "
    "nothing recorded"
)


def problems(name: str, approval: Approval) -> list[str]:
    """What is wrong with each signature of ``approval`` of package ``name`` (empty when
    every signature verifies, or there is none)."""
    if not approval.signatures:
        return []
    from guard.attest import sshsig

    record = signed_record(name, approval)
    found = []
    for signature in approval.signatures:
        try:
            key = sshsig.verify(signature.signature, record)
        except sshsig.SignatureError as exc:
            found.append(f"the signature by {signature.key}: {exc}")
            continue
        if key.fingerprint != signature.key:
            found.append(f"the signature listed as {signature.key} was made by {key.fingerprint}")
    return found


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
