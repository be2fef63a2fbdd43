"""The policy's ``exclude`` globs and ``indexes`` URLs: how they are written and matched.

``exclude`` globs are matched against repository-relative POSIX paths:

* ``*`` and ``?`` match within one path segment, ``[...]`` is a character class, and
  ``**`` matches any number of whole segments (``docs/**``, ``**/templates/*.toml``);
* a glob without ``/`` matches a file or folder name at any depth, as in ``.gitignore``
  (``templates`` excludes every folder of that name);
* a glob that matches a folder excludes everything below it.

Index URLs are compared without credentials, with the scheme and host in lower case and
no trailing ``/``: ``https://user:token@PyPI.org/simple/`` is ``https://pypi.org/simple``.
An ``indexes`` entry ending in ``/*`` allows every URL below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

#: The one index allowed when no policy names others.
PYPI = "https://pypi.org/simple"


def glob_problem(text: str) -> str | None:
    """Why ``text`` is not an exclude glob, or ``None``."""
    if not text.strip():
        return "is empty"
    if text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
        return "is an absolute path (write it relative to the repository root)"
    if "\\" in text:
        return "has a backslash (write / between folders)"
    if ".." in text.split("/"):
        return "has a .. component"
    return None


def _segment(glob: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find(
                "]", index + 2 if glob[index + 1 : index + 2] in ("!", "^") else index + 1
            )
            if end < 0:
                out.append(re.escape(char))
            else:
                body = glob[index + 1 : end]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _glob_regex(glob: str) -> str:
    glob = glob.strip()
    while glob.startswith("./"):
        glob = glob[2:]
    glob = glob.rstrip("/")
    anywhere = "/" not in glob
    parts: list[str] = []
    segments = glob.split("/")
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    body = "".join(parts)
    return ("(?:.*/)?" if anywhere else "") + body + "(?:/.*)?"


def compile_globs(globs: Iterable[str]) -> Callable[[str], bool] | None:
    """One matcher for every glob (``None`` when there are none): whether a path is
    excluded."""
    regexes = [_glob_regex(glob) for glob in globs]
    if not regexes:
        return None
    pattern = re.compile("^(?:" + "|".join(regexes) + ")$", re.DOTALL)
    return lambda path: pattern.match(path) is not None


def normal_url(url: str) -> str:
    """``url`` without credentials, scheme and host in lower case, no trailing ``/``."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text.rstrip("/")
    if not parts.scheme or not parts.netloc:
        return text.rstrip("/")
    host = parts.netloc.rpartition("@")[2].lower()
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{host}{path}{query}"


def url_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether ``url`` is one of the ``allowed`` index URLs, or lies below an entry that
    ends in ``/*`` (``https://host/*`` allows the host's every path, never
    ``https://host.evil``)."""
    wanted = normal_url(url)
    for entry in allowed:
        if entry.endswith("/*"):
            folder = normal_url(entry[:-2])
            if wanted == folder or wanted.startswith(folder + "/"):
                return True
        elif wanted == normal_url(entry):
            return True
    return False
