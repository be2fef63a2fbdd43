"""A small client for a Python package index: PEP 691/503 project pages, PEP 740 provenance.

Only commands that go online import this module. The index is trusted for transport only:
file hashes are checked on download, and provenance is returned as the index sent it, for
verification elsewhere against the identity the policy expects (its ``publisher`` field is
never interpreted here).
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit, urlunsplit

from packaging.utils import (
    InvalidName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from guard import _http
from guard._files import load_json
from guard.errors import EXIT_BLOCKED, GuardError

PYPI_SIMPLE = "https://pypi.org/simple/"
MiB = 1024 * 1024
DEFAULT_MAX_DOWNLOAD = 512 * MiB

_SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
_INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json"
_PAGE_LIMIT = 256 * MiB  # the largest project pages on PyPI are tens of MiB
_PROVENANCE_LIMIT = 16 * MiB
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)

#: Folders pip reads ``pip.conf`` from after those of ``XDG_CONFIG_DIRS`` (tests replace it).
PIP_SYSTEM_CONFIG_DIRS: tuple[str, ...] = ("/etc",)


class IndexUnavailable(GuardError):
    """The package index did not answer usefully (timeouts, refused connections, 5xx)."""


class HashMismatch(GuardError):
    """A downloaded file's sha256 differs from the one the index listed: exit 1."""

    exit_code = EXIT_BLOCKED


@dataclass(frozen=True, slots=True)
class IndexFile:
    """One distribution file as a project page lists it.

    ``yanked`` is ``None`` when the file is not yanked, else the reason (``""`` when none
    was given). ``provenance_known`` says whether the index stated explicitly if there is
    PEP 740 provenance (``provenance_url`` is then the URL, or ``None`` for "none").
    ``version`` is parsed from the file name and normalised; ``None`` when unparseable.
    """

    filename: str
    url: str
    sha256: str | None = None
    upload_time: datetime | None = None
    yanked: str | None = None
    provenance_url: str | None = None
    provenance_known: bool = False
    requires_python: str | None = None
    core_metadata: bool = False
    version: str | None = None


def _host(url: str) -> str:
    """``host[:port]`` of a URL, without any credentials."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


def _redact(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _file_version(filename: str) -> tuple[str | None, str | None]:
    """(canonical name, normalised version) from a wheel or sdist file name."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (ValueError, InvalidVersion):
        return None, None
    return name, str(version)


def _parse_time(value: str) -> datetime:
    match = _TIMESTAMP.match(value.strip())
    if not match:
        raise ValueError(f"upload-time {value!r} is not an ISO 8601 timestamp")
    year, month, day, hour, minute, second, fraction, _zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(offset if sign == "+" else -offset)
    try:
        stamp = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return stamp.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        raise ValueError(f"upload-time {value!r} is outside the calendar") from None


def _check_filename(filename: str) -> str:
    if not filename or filename in {".", ".."} or any(c in filename for c in "/\\\0"):
        raise ValueError(f"invalid file name {filename!r}")
    return filename


def _check_sha256(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise ValueError(f"invalid sha256 {value!r}")
    return value.lower()


def _api_major(version: object) -> None:
    if version is None:
        return
    if not isinstance(version, str):
        raise ValueError(f"invalid api-version {version!r}")
    if version.split(".", 1)[0].strip() != "1":
        raise ValueError(f"unsupported repository API version {version}")


def _json_files(page_url: str, body: bytes) -> list[IndexFile]:
    """Files of a PEP 691 JSON project page; ``ValueError`` when malformed."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ValueError("the page is not a JSON object")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("'meta' is not an object")
    _api_major(meta.get("api-version"))
    entries = data.get("files")
    if not isinstance(entries, list):
        raise ValueError("'files' is missing or not a list")
    files = []
    for number, entry in enumerate(entries):
        try:
            files.append(_json_file(page_url, entry))
        except ValueError as exc:
            raise ValueError(f"files[{number}]: {exc}") from None
    return files


def _json_file(page_url: str, entry: object) -> IndexFile:
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    filename, url = entry.get("filename"), entry.get("url")
    if not isinstance(filename, str):
        raise ValueError("'filename' is missing or not a string")
    if not isinstance(url, str) or not url:
        raise ValueError(f"{filename}: 'url' is missing or not a string")
    hashes = entry.get("hashes", {})
    if not isinstance(hashes, dict):
        raise ValueError(f"{filename}: 'hashes' is not an object")
    upload = entry.get("upload-time")
    if upload is not None and not isinstance(upload, str):
        raise ValueError(f"{filename}: 'upload-time' is not a string")
    yanked_value = entry.get("yanked", False)
    if isinstance(yanked_value, bool):
        yanked = "" if yanked_value else None
    elif isinstance(yanked_value, str):
        yanked = yanked_value
    else:
        raise ValueError(f"{filename}: 'yanked' is neither a boolean nor a string")
    requires_python = entry.get("requires-python")
    if requires_python is not None and not isinstance(requires_python, str):
        raise ValueError(f"{filename}: 'requires-python' is not a string")
    metadata = entry.get("core-metadata", entry.get("dist-info-metadata", False))
    known = "provenance" in entry
    provenance = entry.get("provenance")
    if provenance is not None and (not isinstance(provenance, str) or not provenance):
        raise ValueError(f"{filename}: 'provenance' is neither a URL nor null")
    try:
        return IndexFile(
            filename=_check_filename(filename),
            url=urljoin(page_url, url),
            sha256=_check_sha256(hashes.get("sha256")),
            upload_time=_parse_time(upload) if upload is not None else None,
            yanked=yanked,
            provenance_url=urljoin(page_url, provenance) if provenance else None,
            provenance_known=known,
            requires_python=requires_python,
            core_metadata=metadata is True or isinstance(metadata, dict),
            version=_file_version(filename)[1],
        )
    except ValueError as exc:
        raise ValueError(f"{filename}: {exc}") from None


class _LinkParser(HTMLParser):
    """Collects the anchors (with attributes and text) and ``<base href>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.base: str | None = None
        self.links: list[tuple[dict[str, str | None], str]] = []
        self.api_version: str | None = None
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self._finish()
            self._open, self._text = values, []
        elif tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "meta" and values.get("name") == "pypi:repository-version":
            self.api_version = values.get("content")

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._finish()

    def close(self) -> None:
        super().close()
        self._finish()

    def _finish(self) -> None:
        if self._open is not None:
            self.links.append((self._open, "".join(self._text).strip()))
            self._open = None


def _html_files(page_url: str, text: str) -> list[IndexFile]:
    """Files of a PEP 503 HTML project page; ``ValueError`` when malformed."""
    parser = _LinkParser()
    parser.feed(text)
    parser.close()
    _api_major(parser.api_version)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    files = []
    for attrs, anchor_text in parser.links:
        href = attrs.get("href")
        if not href:
            continue
        absolute, fragment = urldefrag(urljoin(base, href))
        filename = unquote(urlsplit(absolute).path.rpartition("/")[2]) or anchor_text
        try:
            algorithm, _, digest = fragment.partition("=")
            sha256 = _check_sha256(digest) if algorithm == "sha256" else None
            metadata_keys = {"data-core-metadata", "data-dist-info-metadata"} & attrs.keys()
            metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
            known = "data-provenance" in attrs
            provenance = attrs.get("data-provenance")
            files.append(
                IndexFile(
                    filename=_check_filename(filename),
                    url=absolute,
                    sha256=sha256,
                    yanked=(attrs["data-yanked"] or "") if "data-yanked" in attrs else None,
                    provenance_url=urljoin(base, provenance) if provenance else None,
                    provenance_known=known,
                    requires_python=attrs.get("data-requires-python"),
                    core_metadata=bool(metadata_keys)
                    and (metadata or "true").strip().lower() != "false",
                    version=_file_version(filename)[1],
                )
            )
        except ValueError as exc:
            raise ValueError(f"{filename}: {exc}") from None
    return files


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


class IndexClient:
    """Reads project pages, PEP 740 provenance and files from one package index."""

    def __init__(self, index_url: str, *, timeout: float = 20.0, retries: int = 2) -> None:
        parts = urlsplit(index_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise GuardError(f"package index URL {_redact(index_url)} is not an http(s) URL")
        self.index_url = index_url if index_url.endswith("/") else index_url + "/"
        self.host = _host(self.index_url)
        self._pages: dict[str, list[IndexFile]] = {}
        self.timeout = timeout
        self.retries = max(0, retries)
        self._session = _http.session()

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP ---------------------------------------------------------------------------

    def _get(self, url: str, accept: str, limit: int, *, identity: bool = False) -> _http.Reply:
        """GET with retries on transient failures; reads the body only for a 200."""
        host = _host(url)
        headers = {"Accept": accept}
        if identity:  # never let a Content-Encoding change the bytes whose hash we check
            headers["Accept-Encoding"] = "identity"
        try:
            return _http.get(
                self._session,
                url,
                limit=limit,
                timeout=self.timeout,
                retries=self.retries,
                headers=headers,
            )
        except _http.Unreachable as exc:
            raise IndexUnavailable(f"package index {host} {exc.why}") from None
        except _http.TlsFailed as exc:
            raise IndexUnavailable(f"package index {host}: {exc.why}") from None
        except _http.TooLarge as exc:
            raise GuardError(f"package index {host}: {_redact(url)} {exc.why}") from None
        except _http.RequestFailed as exc:
            raise GuardError(
                f"package index {host}: request for {_redact(url)} failed ({exc.why})"
            ) from None

    # -- API ----------------------------------------------------------------------------

    def project_files(self, name: str) -> list[IndexFile]:
        """Every file the project page of ``name`` lists (PEP 691 JSON or PEP 503 HTML).

        A page is fetched once per client: one command sees one consistent page per
        project, and does not ask the index twice for it.
        """
        project = _canonical(name)
        cached = self._pages.get(project)
        if cached is None:
            cached = self._pages[project] = self._fetch_page(project)
        return list(cached)

    def _fetch_page(self, project: str) -> list[IndexFile]:
        url = urljoin(self.index_url, project + "/")
        reply = self._get(url, _SIMPLE_ACCEPT, _PAGE_LIMIT)
        if reply.status == 404:
            raise GuardError(f"no project {project} on {self.host}")
        if reply.status != 200:
            raise GuardError(
                f"package index {self.host} answered {reply.status} for {_redact(url)}"
            )
        kind = reply.content_type.split(";", 1)[0].strip().lower()
        try:
            if kind in {"application/vnd.pypi.simple.v1+json", "application/json"}:
                return _json_files(reply.url, reply.body)
            if kind in {"application/vnd.pypi.simple.v1+html", "text/html", ""}:
                return _html_files(reply.url, reply.body.decode(_charset(reply.content_type)))
            detail = f"unexpected content type {kind!r}"
        except (ValueError, LookupError) as exc:  # JSON, Unicode and codec errors
            detail = str(exc)
        raise GuardError(
            f"package index {self.host} sent a malformed project page for {project} "
            f"({_redact(reply.url)}): {detail}"
        )

    def release_files(self, name: str, version: str) -> list[IndexFile]:
        """The files of one release (versions compared as PEP 440 versions)."""
        try:
            wanted = Version(version)
        except InvalidVersion:
            raise GuardError(f"{name}: {version!r} is not a valid version") from None
        project = _canonical(name)
        found = []
        for file in self.project_files(name):
            file_name, file_version = _file_version(file.filename)
            if (
                file_version is not None
                and file_name == project
                and Version(file_version) == wanted
            ):
                found.append(file)
        return found

    def provenance(self, name: str, version: str, file: IndexFile) -> dict[str, Any] | None:
        """The PEP 740 provenance object of ``file``, or ``None`` when it has none.

        Uses the URL the project page gave, else the Integrity API of the index host. A 403
        or 406 is an error, never "no provenance"."""
        advertised = file.provenance_url is not None
        if file.provenance_url is not None:
            url = file.provenance_url
        elif file.provenance_known:
            return None
        else:
            parts = urlsplit(self.index_url)
            path = "/".join(quote(p, safe="") for p in (_canonical(name), version, file.filename))
            url = urlunsplit((parts.scheme, parts.netloc, f"/integrity/{path}/provenance", "", ""))
        host = _host(url)
        reply = self._get(url, _INTEGRITY_ACCEPT, _PROVENANCE_LIMIT)
        if reply.status == 404 and not advertised:
            return None
        if reply.status in {403, 406}:
            reason = "forbidden" if reply.status == 403 else "not acceptable"
            raise GuardError(
                f"package index {host} answered {reply.status} ({reason}) for the provenance "
                f"of {file.filename}; cannot tell whether it has attestations"
            )
        if reply.status != 200:
            what = "advertised provenance of" if advertised else "provenance of"
            raise GuardError(
                f"package index {host} answered {reply.status} for the {what} {file.filename} "
                f"({_redact(url)})"
            )
        try:
            data = load_json(reply.body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise GuardError(
                f"package index {host} sent provenance for {file.filename} that is not a JSON "
                f"object ({_redact(url)})"
            )
        return data

    def download(self, file: IndexFile, max_bytes: int = DEFAULT_MAX_DOWNLOAD) -> bytes:
        """The bytes of ``file``, checked against the sha256 the index listed."""
        if file.sha256 is None:
            raise GuardError(
                f"{file.filename}: the index lists no sha256 for it; cannot verify a download"
            )
        if urlsplit(file.url).scheme not in {"http", "https"}:
            raise GuardError(f"{file.filename}: refusing to download from {_redact(file.url)}")
        reply = self._get(file.url, "*/*", max_bytes, identity=True)
        if reply.status != 200:
            raise GuardError(
                f"package index {_host(file.url)} answered {reply.status} for {file.filename} "
                f"({_redact(file.url)})"
            )
        digest = hashlib.sha256(reply.body).hexdigest()
        if digest != file.sha256:
            raise HashMismatch(
                f"{file.filename} from {_host(file.url)} does not match the index's sha256: "
                f"expected {file.sha256}, got {digest}"
            )
        return reply.body


def _canonical(name: str) -> str:
    try:
        return canonicalize_name(name, validate=True)
    except InvalidName:
        raise GuardError(f"{name!r} is not a valid project name") from None


# -- pip configuration ------------------------------------------------------------------


class _PipConfig(configparser.RawConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr.lower().replace("_", "-").removeprefix("--")


def _pip_config_files() -> list[Path]:
    """pip's configuration files, lowest precedence first (as pip loads them on Unix)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS", "")
    if not xdg_dirs.strip():
        xdg_dirs = "/etc/xdg"
    files = [Path(d).expanduser() / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d]
    files += [Path(d) / "pip.conf" for d in PIP_SYSTEM_CONFIG_DIRS]
    if not (env_file and os.path.exists(env_file)):
        config_home = os.environ.get("XDG_CONFIG_HOME", "").strip() or "~/.config"
        files += [
            Path("~/.pip/pip.conf").expanduser(),
            Path(config_home).expanduser() / "pip" / "pip.conf",
        ]
    virtual_env = os.environ.get("VIRTUAL_ENV")
    if virtual_env:
        files.append(Path(virtual_env) / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def _pip_config_index_url() -> str | None:
    values: dict[str, str] = {}
    for path in _pip_config_files():
        parser = _PipConfig()
        try:
            with path.open(encoding="utf-8") as handle:
                parser.read_file(handle)
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue  # missing or unreadable; pip itself reports malformed files
        for section in ("global", "install"):
            value = parser.get(section, "index-url", fallback="").strip()
            if value:
                values[section] = value
    return values.get("install") or values.get("global")


def default_index_url(explicit: str | None = None) -> str:
    """The index pip would use: ``explicit``, ``PIP_INDEX_URL``, pip's configuration
    files, else PyPI. Always ends in ``/``."""
    url = (
        (explicit or "").strip()
        or os.environ.get("PIP_INDEX_URL", "").strip()
        or _pip_config_index_url()
        or PYPI_SIMPLE
    )
    return url if url.endswith("/") else url + "/"
