"""Pins on remote policy files and review exports: the sha256 or the sigstore signer a
fetched file must match, and the references a policy file makes to remote files.
Plain data, no network (:mod:`guard.remote` fetches)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be fetched, or ``None`` when it may."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"{url!r} is not a URL"
    allowed = "only https:// URLs are fetched (and http:// to 127.0.0.1 or localhost, for tests)"
    if not host:
        return f"{url!r} is not a URL with a host; {allowed}"
    if "@" in parts.netloc:
        return f"{url!r} carries credentials; they would be committed with the policy"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and host in _LOCAL_HOSTS:
        return None
    return f"{url!r}: {allowed}"


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, for messages."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


@dataclass(frozen=True)
class SigstorePin:
    """A sigstore bundle (its URL) and who must have signed the file with it."""

    bundle: str
    identity: str
    issuer: str


@dataclass(frozen=True)
class Pin:
    """What a fetched file must match: its sha256, a sigstore signature, or both."""

    sha256: str | None = None
    sigstore: SigstorePin | None = None

    def to_data(self) -> dict[str, Any]:
        """The pin as written in the policy (digests in lower case)."""
        data: dict[str, Any] = {}
        if self.sha256 is not None:
            data["sha256"] = self.sha256
        if self.sigstore is not None:
            data["sigstore"] = {
                "bundle": self.sigstore.bundle,
                "identity": self.sigstore.identity,
                "issuer": self.sigstore.issuer,
            }
        return data

    @classmethod
    def from_data(cls, data: Any) -> Pin | None:
        """A pin read back from the lock; ``None`` when malformed."""
        if not isinstance(data, dict) or not data or set(data) - {"sha256", "sigstore"}:
            return None
        sha = data.get("sha256")
        if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha)):
            return None
        sig = data.get("sigstore")
        sigstore = None
        if sig is not None:
            if not isinstance(sig, dict) or set(sig) != {"bundle", "identity", "issuer"}:
                return None
            if not all(isinstance(v, str) and v for v in sig.values()):
                return None
            sigstore = SigstorePin(sig["bundle"], sig["identity"], sig["issuer"])
        return cls(sha, sigstore)

    def key(self) -> str:
        """A canonical text form, for comparing pins and sorting."""
        return json.dumps(self.to_data(), sort_keys=True)

    def describe(self) -> str:
        """``sha256 3b1f2c4d5e6f…`` / ``sigstore identity X (issuer Y)``."""
        parts = []
        if self.sha256 is not None:
            parts.append(f"sha256 {short(self.sha256)}")
        if self.sigstore is not None:
            parts.append(
                f"sigstore identity {self.sigstore.identity} (issuer {self.sigstore.issuer})"
            )
        return " and ".join(parts)


def short(sha256: str) -> str:
    """The first 12 hex digits and an ellipsis, for messages."""
    return f"{sha256[:12]}…"


@dataclass(frozen=True)
class RemoteRef:
    """A pinned URL as a policy file names it: an ``extends`` entry (kind ``policy``), an
    ``imports`` entry (kind ``reviews``, with its ``name``) or ``reviews.allowed_signers``
    (kind ``signers``)."""

    kind: str
    url: str
    pin: Pin
    source: str  # the policy file that names it, as displayed
    line: int | None
    name: str | None = None

    def key(self) -> tuple[str, str, str, str]:
        """What identifies the lock entry this reference needs."""
        return (self.kind, self.url, self.name or "", self.pin.key())

    def describe(self) -> str:
        """``extends https://...``, ``imports 'team' (https://...)`` or
        ``reviews.allowed_signers https://...``."""
        if self.kind == "reviews":
            return f"imports {self.name!r} ({self.url})"
        if self.kind == "signers":
            return f"reviews.allowed_signers {self.url}"
        return f"extends {self.url}"

    def where(self) -> str:
        """``file:line`` of the reference."""
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True)
class LockedImport:
    """An imported review ledger, as stored by ``policy fetch``: its label, where it came
    from, the stored copy (an absolute path) and the copy's sha256."""

    name: str
    url: str
    path: Path
    sha256: str
