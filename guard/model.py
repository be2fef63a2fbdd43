"""The normalised record every dependency file is read into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["index", "url", "vcs", "path"]

# File names of distributions (wheels and sdists, including legacy sdist formats).
ARCHIVE_SUFFIXES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar",
    ".zip",
)

#: Real package names and versions are short (the longest on PyPI are under 100
#: characters). Longer ones are refused before they reach ``packaging`` (whose version
#: parser turns digits into ints) or the file system (a ledger file is named after its
#: package).
MAX_NAME = 200
MAX_VERSION = 100


@dataclass(frozen=True, slots=True)
class Dependency:
    """One dependency as one file declares or locks it.

    ``version`` is set only when the file fixes an exact version (``==1.2.3``, ``===1.2.3``
    or a lock entry); ``specifier`` keeps what the file says otherwise. ``hashes`` are
    ``"<algorithm>:<hex>"`` strings. ``location`` is the URL, VCS URL or path for non-index
    sources. ``locked`` marks entries read from a lock file (uv.lock, poetry.lock, pylock,
    Pipfile.lock). ``attestation_identities`` are the publisher identities a pylock.toml
    expects (PEP 751), each as sorted ``(key, value)`` pairs. ``uploaded`` is the latest
    ``upload-time`` a lock file records for the package's artifacts (ISO 8601), for the
    cooldown rule. ``installed_by`` marks a dependency an install command names.
    """

    name: str
    file: str
    line: int
    version: str | None = None
    specifier: str = ""
    hashes: frozenset[str] = field(default_factory=frozenset)
    source: SourceKind = "index"
    location: str | None = None
    locked: bool = False
    marker: str | None = None
    extras: tuple[str, ...] = ()
    attestation_identities: tuple[tuple[tuple[str, str], ...], ...] = ()
    uploaded: str | None = None
    #: The install command that installs it (``pip install``, ``uv add`` ...), for a
    #: dependency read from a Dockerfile, a CI workflow or a shell script; ``None`` for one
    #: a dependency file declares. Such a command installs whatever the index serves now:
    #: no pin elsewhere governs it.
    installed_by: str | None = None

    @property
    def where(self) -> str:
        """``file:line`` for messages."""
        return f"{self.file}:{self.line}" if self.line else self.file
