"""Direct sources (VCS URLs): whether one names a fixed revision.

A VCS source that names a branch, a tag or nothing at all moves whenever upstream pushes,
so a review of it would cover code nobody has seen. Only a full commit id (git, hg) or a
revision number (svn, bzr) is fixed.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_HASH = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_REVNO = re.compile(r"^[0-9]+$")


def vcs_kind(location: str) -> str | None:
    """``git``, ``hg``, ``svn`` or ``bzr`` for a ``KIND+URL`` location, else ``None``."""
    match = _VCS.match(location)
    return match.group(1).lower() if match else None


_FRAGMENT_HASH = re.compile(r"(?:^|&)(sha256|sha384|sha512)=([0-9a-fA-F]+)(?:&|$)")


def url_hashes(location: str) -> frozenset[str]:
    """The ``algo:hex`` hashes a URL's fragment pins (``#sha256=...``), as pip reads them."""
    fragment = location.partition("#")[2]
    return frozenset(
        f"{algo.lower()}:{digest.lower()}" for algo, digest in _FRAGMENT_HASH.findall(fragment)
    )


def vcs_repository(location: str) -> str:
    """``KIND+URL`` without the revision, query or fragment: what to put ``@<commit>``
    after."""
    url = location.split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = url.partition("://")
    head, slash, tail = rest.rpartition("/")
    if sep and "@" in tail:
        tail = tail.split("@", 1)[0]
    return f"{scheme}{sep}{head}{slash}{tail}" if sep else url


def vcs_revision(location: str) -> str | None:
    """The fixed revision a VCS location names, or ``None`` when it names a branch, a tag
    or nothing.

    Understands pip's ``git+URL@REV#fragment``, uv.lock's ``git+URL?rev=REF#COMMIT`` and
    ``git+URL?tag=T#COMMIT`` (the fragment is the resolved commit), and the ``@REV`` that
    the lock readers append (poetry's ``resolved_reference``, Pipfile's ``ref``, pylock's
    ``commit-id``).
    """
    kind = vcs_kind(location)
    if kind is None:
        return None
    url, _, fragment = location[len(kind) + 1 :].partition("#")
    fixed = _HASH if kind in ("git", "hg") else _REVNO
    # uv.lock: the resolved commit is the whole fragment.
    if fixed.match(fragment):
        return fragment
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    for key in ("rev", "commit"):
        for value in parse_qs(parts.query).get(key, ()):
            if fixed.match(value):
                return value
    path = parts.path
    if "@" in path:
        revision = path.rsplit("@", 1)[1]
        if fixed.match(revision):
            return revision
    return None


def source_key(location: str) -> str:
    """One spelling for one source, to match approvals: a VCS location pinned to a commit
    is ``KIND+URL@COMMIT`` whatever way it was written (pip's ``git+URL@SHA``, uv.lock's
    ``git+URL?rev=SHA#SHA``), with the URL's scheme and host in lower case and without
    ``.git``, a trailing ``/`` or credentials. Other locations are returned as they are."""
    kind = vcs_kind(location)
    revision = vcs_revision(location) if kind is not None else None
    if kind is None or revision is None:
        return location
    url = vcs_repository(location)[len(kind) + 1 :]
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{kind}+{url}@{revision}"
    host = parts.netloc.rpartition("@")[2].lower()
    path = parts.path.rstrip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    return f"{kind}+{parts.scheme.lower()}://{host}{path}@{revision.lower()}"


def redact(url: str) -> str:
    """``url`` with the password or token of its user part hidden, for messages and logs:
    ``https://user:***@host/simple``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    user, at, host = authority.rpartition("@")
    if not at:
        return url
    name, colon, _secret = user.partition(":")
    hidden = f"{name}:***" if colon else "***"
    return f"{scheme}{sep}{hidden}@{host}{slash}{tail}"
