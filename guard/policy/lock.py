"""``.bumpguard/policy.lock`` and the copies ``policy fetch`` stored under
``.bumpguard/remote/``: read offline by the policy loader and by ``check``.

The loader takes each remote URL from the lock (:func:`load_locked`), finds the entry by
URL *and* pin, and checks that the stored file still has the digest the lock records.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guard._files import MAX_LEDGER_BYTES, load_json, read_bytes
from guard.errors import InputError, PolicyError
from guard.policy.pins import LockedImport, Pin, RemoteRef, short, url_problem

if TYPE_CHECKING:
    from guard.policy.rules import Policy

LOCK_FILE = ".bumpguard/policy.lock"
REMOTE_DIR = ".bumpguard/remote"
LOCK_SCHEMA = 1
#: The largest remote file ``policy fetch`` accepts and the hook reads back (policies are
#: at most 1 MiB; review exports carry their evidence inline), and the largest bundle.
MAX_REMOTE_BYTES = 32 * 1024 * 1024
MAX_BUNDLE_BYTES = 1024 * 1024
KINDS = ("policy", "reviews", "signers")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
STORED_NAME = re.compile(r"^[0-9a-f]{64}(\.[0-9a-f]{12})?\.sigstore$|^[0-9a-f]{64}$")


@dataclass(frozen=True)
class LockEntry:
    """One fetched, verified file in ``.bumpguard/policy.lock``."""

    kind: str
    url: str
    name: str | None
    sha256: str
    pin: Pin
    fetched_at: str
    path: str
    bundle: str | None

    def key(self) -> tuple[str, str, str, str]:
        """The same key as :meth:`RemoteRef.key`."""
        return (self.kind, self.url, self.name or "", self.pin.key())

    def describe(self) -> str:
        """How messages name the entry."""
        label = f" {self.name!r}" if self.name else ""
        return f"{self.kind}{label} {self.url} (sha256 {short(self.sha256)})"

    def to_data(self) -> dict[str, Any]:
        """The entry as the lock stores it."""
        return {
            "kind": self.kind,
            "name": self.name,
            "url": self.url,
            "sha256": self.sha256,
            "pin": self.pin.to_data(),
            "fetched_at": self.fetched_at,
            "path": self.path,
            "bundle": self.bundle,
        }


@dataclass(frozen=True)
class Lock:
    """The parsed ``.bumpguard/policy.lock``."""

    entries: tuple[LockEntry, ...]

    def find(self, ref: RemoteRef) -> LockEntry | None:
        """The entry for exactly this URL and pin (and import name)."""
        key = ref.key()
        return next((e for e in self.entries if e.key() == key), None)

    def same_url(self, ref: RemoteRef) -> LockEntry | None:
        """An entry for the same URL under another pin (the pin changed since the fetch)."""
        return next(
            (e for e in self.entries if e.kind == ref.kind and e.url == ref.url),
            None,
        )


def read_lock(root: Path) -> Lock | None:
    """The repository's lock, ``None`` when there is none; a malformed lock is an error."""
    path = root / LOCK_FILE
    if not os.path.lexists(path):
        return None
    try:
        raw = read_bytes(path, LOCK_FILE, limit=MAX_LEDGER_BYTES, root=root)
    except InputError as exc:
        raise PolicyError(LOCK_FILE, None, exc.detail) from None
    try:
        data = load_json(raw)
    except ValueError as exc:  # not JSON or UTF-8, too deep, too long a number
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise PolicyError(
            LOCK_FILE, line, f"not valid JSON ({why}); run bumpguard policy fetch to rewrite it"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != LOCK_SCHEMA:
        raise PolicyError(
            LOCK_FILE, 1, f"not a schema {LOCK_SCHEMA} policy lock; run bumpguard policy fetch"
        )
    items = data.get("entries")
    if not isinstance(items, list):
        raise PolicyError(LOCK_FILE, 1, "'entries' must be a list")
    return Lock(tuple(_lock_entry(item, number) for number, item in enumerate(items, 1)))


def _lock_entry(item: Any, number: int) -> LockEntry:
    def bad(why: str) -> PolicyError:
        return PolicyError(
            LOCK_FILE, None, f"entry {number}: {why}; run bumpguard policy fetch to rewrite it"
        )

    if not isinstance(item, dict):
        raise bad("not an object")
    kind, url, name, sha = item.get("kind"), item.get("url"), item.get("name"), item.get("sha256")
    if kind not in KINDS:
        raise bad(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(url, str) or url_problem(url) is not None:
        raise bad(f"url {url!r} is not an allowed URL")
    if kind == "reviews" and (not isinstance(name, str) or not name):
        raise bad("an entry of kind reviews needs a name")
    if kind == "policy" and name is not None:
        raise bad("an entry of kind policy has no name")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise bad("sha256 is not 64 lower-case hex digits")
    pin = Pin.from_data(item.get("pin"))
    if pin is None:
        raise bad("malformed pin")
    fetched_at = item.get("fetched_at")
    if not isinstance(fetched_at, str):
        raise bad("fetched_at must be a string")
    path = item.get("path")
    if path != f"{REMOTE_DIR}/{sha}":
        raise bad(f"path must be {REMOTE_DIR}/{sha}")
    bundle = item.get("bundle")
    if pin.sigstore is None and bundle is not None:
        raise bad("a bundle without a sigstore pin")
    if pin.sigstore is not None:
        ok = isinstance(bundle, str) and bundle.startswith(REMOTE_DIR + "/")
        name_part = bundle[len(REMOTE_DIR) + 1 :] if isinstance(bundle, str) else ""
        if not ok or not name_part.startswith(sha) or not STORED_NAME.match(name_part):
            raise bad(f"bundle must be {REMOTE_DIR}/{sha}.sigstore")
    return LockEntry(
        kind, url, name if isinstance(name, str) else None, sha, pin, fetched_at, path, bundle
    )


def load_locked(root: Path, ref: RemoteRef, lock: Lock | None) -> tuple[bytes, LockEntry]:
    """The stored bytes for ``ref``, checked against the lock without any network.

    Errors are :class:`PolicyError` at the file and line that name the URL, and say which
    lock entry is at fault. Sigstore pins are not re-verified here (see the module
    docstring): the lock's sha256 binds the bytes that were verified when fetched.
    """
    what = ref.describe()

    def fail(why: str) -> PolicyError:
        return PolicyError(ref.source, ref.line, f"{what}: {why}; run bumpguard policy fetch")

    if lock is None:
        raise fail(f"not fetched yet ({LOCK_FILE} does not exist)")
    entry = lock.find(ref)
    if entry is None:
        other = lock.same_url(ref)
        if other is not None and other.name == ref.name:
            raise fail(
                f"the pin changed: the {LOCK_FILE} entry for it is pinned by "
                f"{other.pin.describe()} (stored copy sha256 {short(other.sha256)}), this file "
                f"pins {ref.pin.describe()}"
            )
        raise fail(f"no entry in {LOCK_FILE} for it (pinned by {ref.pin.describe()})")
    if ref.pin.sha256 is not None and entry.sha256 != ref.pin.sha256:
        raise fail(
            f"the entry in {LOCK_FILE} records sha256 {short(entry.sha256)}, "
            f"not the pinned {short(ref.pin.sha256)}"
        )
    data = _read_stored(root, entry, fail)
    return data, entry


def _read_stored(root: Path, entry: LockEntry, fail: Any) -> bytes:
    path = root / entry.path
    if not os.path.lexists(path):
        raise fail(f"the stored copy {entry.path} is missing")
    try:
        data = read_bytes(path, entry.path, limit=MAX_REMOTE_BYTES, root=root)
    except InputError as exc:
        raise fail(f"cannot read the stored copy {entry.path}: {exc.detail}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256:
        raise fail(
            f"the stored copy {entry.path} was changed after it was fetched: its sha256 is "
            f"{short(actual)}, the {LOCK_FILE} entry {entry.describe()} records "
            f"{short(entry.sha256)}"
        )
    return data


def locked_reviews(root: Path, policy: Policy | None = None) -> list[LockedImport]:
    """The imported review ledgers ``policy fetch`` stored, from the lock (no network).

    With ``policy``: exactly the imports that policy declares, which the loader already
    matched against the lock by URL, name and pin (prefer this: an import the policy no
    longer declares is not returned even before the next fetch). Without: every entry of
    kind ``reviews`` in the lock, each stored copy checked against the lock's sha256 (an
    edited copy is a :class:`PolicyError`). Imports are not transitive: they come only
    from the repository's own policy files, never from a remote policy it extends.
    """
    if policy is not None:
        return list(policy.imports)
    lock = read_lock(root)
    if lock is None:
        return []
    out = []
    for entry in lock.entries:
        if entry.kind != "reviews" or entry.name is None:
            continue

        def fail(why: str, entry: LockEntry = entry) -> PolicyError:
            return PolicyError(
                LOCK_FILE, None, f"{entry.describe()}: {why}; run bumpguard policy fetch"
            )

        _read_stored(root, entry, fail)
        out.append(LockedImport(entry.name, entry.url, root / entry.path, entry.sha256))
    return out
