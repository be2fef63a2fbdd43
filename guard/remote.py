"""Remote policies and imported reviews: pinned URLs, fetched once, checked offline.

A policy may extend a URL, and import another team's review ledger, only with a *pin*:
the sha256 of the file, or a sigstore bundle and the identity (and OIDC issuer) that must
have signed it. ``bumpguard policy fetch`` downloads every pinned file with ``requests``,
verifies its pin, stores it content-addressed under ``.bumpguard/remote/<sha256>`` (the
sigstore bundle next to it, ``<sha256>.sigstore``) and records it in
``.bumpguard/policy.lock``::

    {"schema": 1, "entries": [{"kind": "policy", "url": "https://...", "name": null,
      "sha256": "...", "pin": {"sha256": "..."}, "fetched_at": "2026-04-02T09:12:00Z",
      "path": ".bumpguard/remote/<sha256>", "bundle": null}]}

Everything else (``check``, the hook, ``approve``, ``policy show``) never touches the
network: the policy loader takes each URL from the lock
(:func:`guard.policy.lock.load_locked`), finds the
entry by URL *and* pin, and checks that the stored file still has the digest the lock
records (and, for a sha256 pin, the pinned digest). A missing entry, a pin that changed
since the fetch, or a stored file that was edited is an error that says to run
``bumpguard policy fetch``.

Sigstore bundles are verified when fetched and again by ``policy fetch --locked`` (both
offline, with the production trust root bundled with sigstore-python), **not** when the
policy is loaded: that would import sigstore (about 300 ms) on every hook run, and the
lock's sha256 of the stored file already binds the exact bytes that were verified at fetch
time; the lock and the stored files are committed, so a change to either shows in review,
and CI can run ``bumpguard policy fetch --locked`` to re-verify the signatures.

Only ``https://`` URLs are fetched, plus ``http://`` to ``127.0.0.1``/``localhost`` (for
tests). Imports (``imports:``, kind ``reviews``) are read only from the repository's own
policy files, never from a remote policy: imports are not transitive, so a policy the
repository extends cannot make it trust a third party's reviews.

Importing this module is cheap (standard library only): ``requests`` and ``sigstore`` are
imported by the functions that fetch or verify.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guard._files import MAX_LEDGER_BYTES, load_json, read_bytes
from guard.errors import GuardError, InputError
from guard.policy.lock import (
    LOCK_FILE,
    LOCK_SCHEMA,
    MAX_BUNDLE_BYTES,
    MAX_REMOTE_BYTES,
    REMOTE_DIR,
    STORED_NAME,
    LockEntry,
    load_locked,
    read_lock,
)
from guard.policy.pins import Pin, RemoteRef, SigstorePin, host_of, url_problem

if TYPE_CHECKING:
    import requests

#: Seconds to wait for a connection or for the next bytes of an answer.
TIMEOUT = 20.0
_RETRIES = 2


class RemoteError(GuardError):
    """A pinned file could not be fetched, or does not match its pin: exit 2, fail closed."""


# --- fetching and verifying ---------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """A file that matched its pin, with the bundle that signed it (sigstore pins)."""

    url: str
    data: bytes
    sha256: str
    bundle: bytes | None


def fetch_pinned(
    url: str,
    pin: Pin,
    *,
    session: requests.Session | None = None,
    timeout: float | None = None,
    limit: int = MAX_REMOTE_BYTES,
) -> Fetched:
    """Download ``url`` (and, for a sigstore pin, its bundle) and verify the pin.

    Returns the verified bytes or raises :class:`RemoteError`: an unreachable host, an
    answer other than 200, a digest other than the pinned one, or a signature that does
    not verify for the pinned identity and issuer. Nothing is written.
    """

    problem = url_problem(url)
    if problem is not None:
        raise RemoteError(problem)
    own = session is None
    from guard import _http

    http = session or _http.session()
    try:
        data = _download(http, url, limit, timeout or TIMEOUT)
        bundle = None
        if pin.sigstore is not None:
            problem = url_problem(pin.sigstore.bundle)
            if problem is not None:
                raise RemoteError(f"{url}: sigstore bundle {problem}")
            bundle = _download(http, pin.sigstore.bundle, MAX_BUNDLE_BYTES, timeout or TIMEOUT)
    finally:
        if own:
            http.close()
    return verify_pin(url, data, pin, bundle)


def verify_pin(url: str, data: bytes, pin: Pin, bundle: bytes | None) -> Fetched:
    """Check ``data`` against ``pin`` (offline); raise :class:`RemoteError` if it does not
    match."""
    sha = hashlib.sha256(data).hexdigest()
    if pin.sha256 is not None and sha != pin.sha256:
        raise RemoteError(
            f"{url}: sha256 mismatch: the file is sha256 {sha}, the pin is {pin.sha256}"
        )
    if pin.sigstore is not None:
        if bundle is None:
            raise RemoteError(f"{url}: no sigstore bundle to verify")
        verify_bundle(url, data, bundle, pin.sigstore)
    return Fetched(url, data, sha, bundle)


def verify_bundle(url: str, data: bytes, bundle: bytes, pin: SigstorePin) -> None:
    """Verify a sigstore bundle over ``data`` with the bundled production trust root (no
    network), for exactly the pinned identity and OIDC issuer.

    A bundle with a message signature (``sigstore sign``, ``cosign sign-blob``) must sign
    the bytes; a bundle with a DSSE envelope (``actions/attest-build-provenance``, PEP 740)
    must carry an in-toto statement with a subject whose sha256 is the file's.
    """
    from guard.attest.provenance import quiet_sigstore

    where = f"{url}: sigstore bundle {pin.bundle}"
    try:
        raw = load_json(bundle)
    except ValueError:  # not JSON, not UTF-8, too deep, too long a number
        raise RemoteError(f"{where} is not a sigstore bundle (not JSON)") from None
    if not isinstance(raw, dict):
        raise RemoteError(f"{where} is not a sigstore bundle")
    with quiet_sigstore():
        import sigstore.errors
        from sigstore.models import Bundle
        from sigstore.verify import Verifier
        from sigstore.verify.policy import Identity

        try:
            parsed = Bundle.from_json(bundle)
        except (sigstore.errors.Error, ValueError) as exc:
            first = str(exc).splitlines()[0]
            raise RemoteError(f"{where} is not a sigstore bundle ({first})") from None
        policy = Identity(identity=pin.identity, issuer=pin.issuer)
        try:
            verifier = Verifier.production(offline=True)
            if "dsseEnvelope" in raw:
                kind, payload = verifier.verify_dsse(parsed, policy)
                _check_statement(where, kind, payload, hashlib.sha256(data).hexdigest())
            else:
                verifier.verify_artifact(input_=data, bundle=parsed, policy=policy)
        except OSError as exc:
            spot = f" ({exc.filename})" if exc.filename else ""
            raise RemoteError(
                f"{where}: cannot verify: sigstore could not read or write its trust root "
                f"cache{spot}: {exc.strerror}; set XDG_CACHE_HOME to a writable directory"
            ) from None
        except (sigstore.errors.Error, ValueError) as exc:
            why = _explain(exc, pin, verifier, parsed, data, raw)
            raise RemoteError(f"{where} does not verify: {why}") from None


def _check_statement(where: str, kind: str, payload: bytes, sha256: str) -> None:
    if kind != "application/vnd.in-toto+json":
        raise RemoteError(f"{where} does not verify: it signs a {kind!r}, not an in-toto statement")
    try:
        statement = load_json(payload)
        subjects = statement["subject"]
        digests = [s["digest"].get("sha256") for s in subjects]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise RemoteError(f"{where} does not verify: malformed in-toto statement") from None
    if sha256 not in digests:
        signed = ", ".join(str(d) for d in digests) or "nothing"
        raise RemoteError(
            f"{where} does not verify: it signs sha256 {signed}, the file is sha256 {sha256}"
        )


def _explain(
    error: Exception,
    pin: SigstorePin,
    verifier: Any,
    parsed: Any,
    data: bytes,
    raw: dict[str, Any],
) -> str:
    """Why the bundle failed, from facts: verified again without the identity policy, a
    sound signature means the signer is not the pinned one, and the certificate's subject
    and issuer say how; otherwise the signature itself is at fault."""
    import sigstore.errors
    from sigstore.verify.policy import UnsafeNoOp

    from guard.attest.provenance import certificate_identity

    first = str(error).splitlines()[0] if str(error) else "verification failed"
    try:
        if "dsseEnvelope" in raw:
            verifier.verify_dsse(parsed, UnsafeNoOp())
        else:
            verifier.verify_artifact(input_=data, bundle=parsed, policy=UnsafeNoOp())
    except (sigstore.errors.Error, ValueError) as unpinned:
        return f"it does not sign these bytes ({str(unpinned).splitlines()[0]})"
    from cryptography.hazmat.primitives.serialization import Encoding

    signer = certificate_identity(parsed.signing_certificate.public_bytes(Encoding.DER))
    if signer.subject != pin.identity:
        return f"signed by {signer.subject or '?'}, the policy expects {pin.identity}"
    if signer.issuer != pin.issuer:
        return f"wrong issuer ({signer.issuer or '?'}); the policy expects {pin.issuer}"
    return f"not the pinned signer ({first})"


def _download(session: requests.Session, url: str, limit: int, timeout: float) -> bytes:
    """GET ``url`` with retries on transient failures; only a 200 is an answer, and a
    redirect only to a URL that may be fetched."""
    from guard import _http

    host = host_of(url)
    try:
        reply = _http.get(
            session,
            url,
            limit=limit,
            timeout=timeout,
            retries=_RETRIES,
            headers={"Accept-Encoding": "identity"},
        )
    except _http.Unreachable as exc:
        raise RemoteError(f"{host} {exc.why} (fetching {url})") from None
    except _http.TlsFailed as exc:
        raise RemoteError(f"{host}: {exc.why} for {url}") from None
    except _http.TooLarge as exc:
        raise RemoteError(f"{url} {exc.why}") from None
    except _http.RequestFailed as exc:
        raise RemoteError(f"{host}: request for {url} failed ({exc.why})") from None
    problem = url_problem(reply.url) if reply.url != url else None
    if problem is not None:
        raise RemoteError(f"{url} redirected to {problem}")
    if reply.status != 200:
        raise RemoteError(f"{host} answered {reply.status} for {url}")
    return reply.body


# --- bumpguard policy fetch ---------------------------------------------------------------


def fetch(
    root: Path, spec: str, base: Path, *, locked: bool = False
) -> tuple[list[str], list[str]]:
    """``bumpguard policy fetch [--locked]``: (lines to print, warnings).

    Without ``locked``: fetch every pinned URL the policy extends (recursively: a remote
    policy may extend builtin:NAME and further pinned URLs, never a relative path) and
    every review ledger the repository's own policy files import; verify each pin; then,
    only when everything verified, store the files and write the lock. Any failure raises
    and writes nothing.

    With ``locked``: touch neither the network nor the disk; check that the lock has an
    entry for every pin the policy names and no other, that every stored file has the
    recorded digest, and re-verify the stored sigstore bundles offline.
    """
    from guard.policy import loader as policy_module

    warnings: list[str] = []
    policy_refs, import_refs = policy_module.pinned_refs(spec, base, warnings)
    if locked:
        return _check_locked(root, policy_refs, import_refs, warnings), warnings
    if not policy_refs and not import_refs and read_lock(root) is None:
        return ["nothing to fetch: the policy extends no URL and imports no reviews"], warnings

    fetched: dict[tuple[str, str, str, str], tuple[RemoteRef, Fetched]] = {}
    queue = list(policy_refs)
    from guard import _http

    with _http.session() as session:
        while queue:
            ref = queue.pop(0)
            if ref.key() in fetched:
                continue
            got = _fetch_ref(ref, session)
            fetched[ref.key()] = (ref, got)
            if ref.kind == "signers":
                _check_signers(ref, got.data)
            else:
                queue.extend(policy_module.remote_refs(got.data, ref.url, warnings))
        for ref in import_refs:
            if ref.key() not in fetched:
                got = _fetch_ref(ref, session)
                _check_export(ref, got.data)
                fetched[ref.key()] = (ref, got)
    lines = _store(root, list(fetched.values()))
    # Fail now, not at the next commit, if the fetched policy does not merge (for example
    # because this repository loosens a rule it enforces).
    try:
        policy_module.load_policy(spec, base, root=root)
    except GuardError as exc:
        raise GuardError(f"fetched and locked, but the policy does not load: {exc}") from None
    return lines, warnings


def _check_export(ref: RemoteRef, data: bytes) -> None:
    """Refuse, before anything is locked, an export that ``check`` could not read: over
    the ledger cap, not UTF-8, not JSON, nested too deeply, or not a review export."""
    from guard.ledger import parse_export

    where = f"{ref.where()}: {ref.describe()}"
    problem = None
    if len(data) > MAX_LEDGER_BYTES:
        problem = "larger than 16 MiB, the limit for a review ledger"
    else:
        try:
            parse_export(data.decode("utf-8"), "the export", ref.name or "", ref.url)
        except UnicodeDecodeError:
            problem = "not UTF-8 text"
        except InputError as exc:
            problem = f"{exc.detail} (line {exc.line})" if exc.line else exc.detail
    if problem is not None:
        raise RemoteError(
            f"{where}: not a review export bumpguard can read: {problem}; nothing was written"
        )


def _check_signers(ref: RemoteRef, data: bytes) -> None:
    """Refuse, before anything is locked, an allowed_signers file ``check`` could not read."""
    from guard.attest.signers import MAX_BYTES, parse_allowed_signers

    problem = None
    if len(data) > MAX_BYTES:
        problem = "larger than 1 MiB, the limit for an allowed_signers file"
    else:
        try:
            parse_allowed_signers(data.decode("utf-8"), "the file")
        except UnicodeDecodeError:
            problem = "not UTF-8 text"
        except InputError as exc:
            problem = f"{exc.detail} (line {exc.line})" if exc.line else exc.detail
    if problem is not None:
        raise RemoteError(
            f"{ref.where()}: {ref.describe()}: not an allowed_signers file bumpguard can "
            f"read: {problem}; nothing was written"
        )


def _fetch_ref(ref: RemoteRef, session: requests.Session) -> Fetched:
    try:
        return fetch_pinned(ref.url, ref.pin, session=session)
    except RemoteError as exc:
        raise RemoteError(f"{ref.where()}: {ref.describe()}: {exc}; nothing was written") from None


def _store(root: Path, fetched: Sequence[tuple[RemoteRef, Fetched]]) -> list[str]:
    old = read_lock(root)
    previous = {e.key(): e for e in old.entries} if old is not None else {}
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote_dir = root / REMOTE_DIR
    entries: list[LockEntry] = []
    writes: dict[str, bytes] = {}
    lines: list[str] = []
    for ref, got in fetched:
        path = f"{REMOTE_DIR}/{got.sha256}"
        writes[path] = got.data
        bundle_path = None
        if got.bundle is not None:
            bundle_path = f"{path}.sigstore"
            if writes.get(bundle_path, got.bundle) != got.bundle:
                tag = hashlib.sha256(got.bundle).hexdigest()[:12]
                bundle_path = f"{path}.{tag}.sigstore"
            writes[bundle_path] = got.bundle
        earlier = previous.get(ref.key())
        same = earlier is not None and earlier.sha256 == got.sha256
        entry = LockEntry(
            ref.kind,
            ref.url,
            ref.name,
            got.sha256,
            ref.pin,
            earlier.fetched_at if same and earlier is not None else now,
            path,
            bundle_path,
        )
        entries.append(entry)
        how = "signature verified" if ref.pin.sigstore is not None else "sha256 verified"
        state = "unchanged" if same else "fetched"
        lines.append(f"{state}: {entry.describe()}: {how}")
    entries.sort(key=lambda e: (e.kind, e.url, e.name or "", e.pin.key(), e.sha256))
    from guard._files import write_atomic

    def holds(target: Path, data: bytes) -> bool:
        try:
            return read_bytes(target, str(target), limit=len(data), root=root) == data
        except InputError:  # missing, a special file, a link out, or not this content
            return False

    for relative, data in writes.items():
        target = root / relative
        if not holds(target, data):
            write_atomic(target, data)
    text = json.dumps({"schema": LOCK_SCHEMA, "entries": [e.to_data() for e in entries]}, indent=2)
    lock_path = root / LOCK_FILE
    if not holds(lock_path, (text + "\n").encode("utf-8")):
        write_atomic(lock_path, text + "\n")
    from guard.ledger import keep_in_git

    keep_in_git(root)
    kept = {Path(p).name for p in writes}
    removed = 0
    if remote_dir.is_dir():
        for stale in remote_dir.iterdir():
            if stale.is_file() and STORED_NAME.match(stale.name) and stale.name not in kept:
                with contextlib.suppress(OSError):
                    stale.unlink()
                    removed += 1
    lines.append(
        f"wrote {LOCK_FILE}: {len(entries)} pinned source(s)"
        + (f"; removed {removed} stored file(s) no longer pinned" if removed else "")
    )
    return lines


def _check_locked(
    root: Path,
    policy_refs: Iterable[RemoteRef],
    import_refs: Iterable[RemoteRef],
    warnings: list[str],
) -> list[str]:
    from guard.policy import loader as policy_module

    lock = read_lock(root)
    policy_refs = list(policy_refs)
    import_refs = list(import_refs)
    if lock is None:
        if policy_refs or import_refs:
            raise GuardError(
                f"{LOCK_FILE} does not exist, but the policy pins "
                f"{len(policy_refs) + len(import_refs)} URL(s); run bumpguard policy fetch"
            )
        return ["ok: the policy pins no URL and there is no lock"]
    problems: list[str] = []
    reported: set[tuple[str, str]] = set()  # (kind, url) already named in a problem
    used: set[tuple[str, str, str, str]] = set()
    signatures = 0
    queue = [*policy_refs, *import_refs]
    while queue:
        ref = queue.pop(0)
        if ref.key() in used:
            continue
        used.add(ref.key())
        try:
            data, entry = load_locked(root, ref, lock)
            if entry.pin.sigstore is not None:
                assert entry.bundle is not None  # read_lock checked it
                bundle = _read_bundle(root, entry)
                try:
                    verify_bundle(entry.url, data, bundle, entry.pin.sigstore)
                except RemoteError as exc:
                    raise RemoteError(
                        f"{LOCK_FILE}: {entry.describe()}: the stored copy and bundle "
                        f"{entry.bundle} no longer verify: {exc}; run bumpguard policy fetch"
                    ) from None
                signatures += 1
            if ref.kind == "policy":
                queue.extend(policy_module.remote_refs(data, ref.url, warnings))
        except GuardError as exc:
            problems.append(str(exc))
            reported.add((ref.kind, ref.url))
    for entry in lock.entries:
        if entry.key() not in used and (entry.kind, entry.url) not in reported:
            problems.append(
                f"{LOCK_FILE}: {entry.describe()} is not pinned by the policy any more "
                f"(pinned by {entry.pin.describe()}); run bumpguard policy fetch"
            )
    if problems:
        raise GuardError(f"{LOCK_FILE} is stale:\n  " + "\n  ".join(problems))
    return [
        f"ok: {LOCK_FILE} matches the policy: {len(lock.entries)} pinned source(s), stored "
        f"copies intact, {signatures} signature(s) re-verified offline"
    ]


def _read_bundle(root: Path, entry: LockEntry) -> bytes:
    assert entry.bundle is not None
    try:
        return read_bytes(root / entry.bundle, entry.bundle, limit=MAX_BUNDLE_BYTES, root=root)
    except InputError as exc:
        raise RemoteError(
            f"{LOCK_FILE}: {entry.describe()}: the stored sigstore bundle {entry.bundle}: "
            f"{exc.detail}; run bumpguard policy fetch"
        ) from None
