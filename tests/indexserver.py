"""A real HTTP package index on 127.0.0.1 for tests (PEP 691 JSON, PEP 503 HTML, PEP 740).

Use the ``local_index`` fixture (``from tests.indexserver import local_index``) or
``with LocalIndex() as index: ...``. Routes:

* ``/simple/<project>/``: JSON or HTML by ``Accept`` (HTML only when ``html_only``);
* ``/files/<filename>``: the file's bytes;
* ``/integrity/<project>/<version>/<filename>/provenance``: the PEP 740 provenance object,
  404 when the file has none, or ``integrity_status`` when set (e.g. 403, 406);
* ``/provenance/<filename>``: the same object, at the URL the JSON page advertises.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
PEP740 = SHARED / "pep740"


def pep740_or_skip() -> Path:
    """The folder of real PEP 740 fixtures, or skip the test when it is absent."""
    if not (PEP740 / "pypi_attestations-0.0.19.tar.gz").is_file():
        pytest.skip(
            f"{PEP740} is absent; the files are in test/assets of the "
            "pypi-attestations==0.0.30 sdist on PyPI"
        )
    return PEP740


def wrap_attestation(attestation: dict[str, Any], publisher: dict[str, Any]) -> dict[str, Any]:
    """A provenance object (as the Integrity API serves it) holding one attestation."""
    return {
        "version": 1,
        "attestation_bundles": [{"publisher": publisher, "attestations": [attestation]}],
    }


@dataclass
class Served:
    """One file the local index lists."""

    project: str
    version: str
    filename: str
    data: bytes | None
    sha256: str | None
    upload_time: datetime | None = None
    yanked: str | None = None
    provenance: dict[str, Any] | None = None
    provenance_in_json: bool = True
    requires_python: str | None = None


class LocalIndex:
    """A threaded HTTP server acting as a package index; start/stop or use as a context."""

    def __init__(self) -> None:
        self.files: dict[str, list[Served]] = {}
        self.pages: dict[str, tuple[int, str, bytes]] = {}  # raw overrides of project pages
        self.requests_seen: list[str] = []
        self.accept_seen: list[str] = []
        self.html_only = False
        self.absolute_urls = False  # file URLs on pages: relative (default) or absolute
        self.delay = 0.0  # seconds to sleep before answering anything
        self.integrity_status: int | None = None  # e.g. 403 or 406 for every provenance
        self._failures: list[int] = []
        self._down = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> LocalIndex:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (its port then refuses connections)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = None

    def __enter__(self) -> LocalIndex:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}"

    @property
    def url(self) -> str:
        """The simple index URL, ``http://127.0.0.1:PORT/simple/``."""
        return f"{self.root}/simple/"

    # -- content ------------------------------------------------------------------------

    def add_file(
        self,
        project: str,
        version: str,
        filename: str,
        data: bytes | None,
        *,
        upload_time: datetime | None = None,
        yanked: str | None = None,
        provenance: dict[str, Any] | None = None,
        provenance_in_json: bool = True,
        requires_python: str | None = None,
        sha256: str | None = "",
    ) -> Served:
        """List a file. ``sha256`` defaults to the data's; ``None`` lists no hash.

        With ``provenance_in_json`` the page says whether there is provenance (a URL under
        ``/provenance/`` or null); without it, clients must ask the Integrity API.
        """
        if sha256 == "":
            sha256 = hashlib.sha256(data or b"").hexdigest()
        served = Served(
            canonicalize_name(project),
            version,
            filename,
            data,
            sha256,
            upload_time,
            yanked,
            provenance,
            provenance_in_json,
            requires_python,
        )
        self.files.setdefault(served.project, []).append(served)
        return served

    def add_snapshot(self, path: Path) -> None:
        """List every file of a saved PEP 691 page (such as the litellm history) without
        bytes: names, sha256, upload times, yanked and requires-python as saved."""
        page = json.loads(path.read_text(encoding="utf-8"))
        for entry in page["files"]:
            filename = entry["filename"]
            version = _version_of(filename)
            upload = entry.get("upload-time")
            yanked = entry.get("yanked", False)
            self.add_file(
                page["name"],
                version,
                filename,
                None,
                sha256=entry.get("hashes", {}).get("sha256"),
                upload_time=datetime.fromisoformat(upload.replace("Z", "+00:00"))
                if upload
                else None,
                yanked=(yanked or "") if isinstance(yanked, str) else ("" if yanked else None),
                requires_python=entry.get("requires-python"),
                provenance_in_json=False,
            )

    def set_page(self, project: str, body: bytes, content_type: str, status: int = 200) -> None:
        """Serve ``body`` verbatim as the project page (for malformed-page tests)."""
        self.pages[canonicalize_name(project)] = (status, content_type, body)

    def fail_next(self, n: int, status: int = 503) -> None:
        """Answer the next ``n`` requests (any route) with ``status``."""
        with self._lock:
            self._failures.extend([status] * n)

    def set_down(self, down: bool = True) -> None:
        """Answer 503 to everything until ``set_down(False)`` (``stop()`` refuses instead)."""
        self._down = down

    # -- rendering ----------------------------------------------------------------------

    def _file_url(self, served: Served) -> str:
        relative = f"../../files/{quote(served.filename)}"
        return f"{self.root}/files/{quote(served.filename)}" if self.absolute_urls else relative

    def _provenance_url(self, served: Served) -> str:
        return f"{self.root}/provenance/{quote(served.filename)}"

    def json_page(self, project: str) -> bytes:
        """The PEP 691 JSON page of a project."""
        files = []
        for served in self.files.get(project, []):
            entry: dict[str, Any] = {
                "filename": served.filename,
                "url": self._file_url(served),
                "hashes": {"sha256": served.sha256} if served.sha256 else {},
                "yanked": served.yanked if served.yanked else served.yanked is not None,
            }
            if served.data is not None:
                entry["size"] = len(served.data)
            if served.upload_time is not None:
                stamp = served.upload_time.astimezone(timezone.utc)
                entry["upload-time"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if served.requires_python is not None:
                entry["requires-python"] = served.requires_python
            if served.provenance_in_json:
                entry["provenance"] = (
                    self._provenance_url(served) if served.provenance is not None else None
                )
            files.append(entry)
        versions = sorted({s.version for s in self.files.get(project, [])})
        page: dict[str, Any] = {"meta": {"api-version": "1.1"}, "name": project}
        page["versions"] = versions
        page["files"] = files
        return json.dumps(page, indent=1).encode()

    def html_page(self, project: str) -> bytes:
        """The PEP 503 HTML page of a project."""
        lines = [
            "<!DOCTYPE html>",
            "<html><head>",
            '<meta name="pypi:repository-version" content="1.1">',
            f"<title>Links for {html.escape(project)}</title></head><body>",
            f"<h1>Links for {html.escape(project)}</h1>",
        ]
        for served in self.files.get(project, []):
            href = self._file_url(served)
            if served.sha256:
                href += f"#sha256={served.sha256}"
            attrs = [f'href="{html.escape(href)}"']
            if served.requires_python is not None:
                attrs.append(f'data-requires-python="{html.escape(served.requires_python)}"')
            if served.yanked is not None:
                attrs.append(
                    f'data-yanked="{html.escape(served.yanked)}"'
                    if served.yanked
                    else "data-yanked"
                )
            if served.provenance is not None and served.provenance_in_json:
                attrs.append(f'data-provenance="{html.escape(self._provenance_url(served))}"')
            lines.append(f"<a {' '.join(attrs)}>{html.escape(served.filename)}</a><br/>")
        lines.append("</body></html>")
        return "\n".join(lines).encode()

    def find(self, filename: str) -> Served | None:
        """The listed file called ``filename``."""
        for listed in self.files.values():
            for served in listed:
                if served.filename == filename:
                    return served
        return None

    def _next_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for handlers sleeping in ``delay``

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that gave up (timeouts) close their sockets early; that is expected


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def _version_of(filename: str) -> str:
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    if filename.endswith(".whl"):
        return str(parse_wheel_filename(filename)[1])
    return str(parse_sdist_filename(filename)[1])


def _handler_for(index: LocalIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:  # uv asks before a range request
            self.do_GET()

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            index.requests_seen.append(path)
            index.accept_seen.append(self.headers.get("Accept", ""))
            if index.delay:
                time.sleep(index.delay)
            failure = index._next_failure()
            if failure is not None:
                self._send(failure, "text/plain", b"failing on purpose\n")
                return
            if index._down:
                self._send(503, "text/plain", b"down\n")
                return
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if len(parts) == 2 and parts[0] == "simple":
                self._simple(canonicalize_name(parts[1]), path)
            elif len(parts) == 2 and parts[0] == "files":
                served = index.find(parts[1])
                if served is None or served.data is None:
                    self._send(404, "text/plain", b"not found\n")
                else:
                    self._send(200, "application/octet-stream", served.data)
            elif len(parts) == 5 and parts[0] == "integrity" and parts[4] == "provenance":
                self._provenance(parts[3], project=parts[1], version=parts[2])
            elif len(parts) == 2 and parts[0] == "provenance":
                self._provenance(parts[1])
            else:
                self._send(404, "text/plain", b"not found\n")

        def _simple(self, project: str, path: str) -> None:
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if project in index.pages:
                self._send(*index.pages[project])
                return
            if project not in index.files:
                self._send(404, "text/plain", b"not found\n")
                return
            accept = self.headers.get("Accept", "")
            if "application/vnd.pypi.simple.v1+json" in accept and not index.html_only:
                self._send(200, "application/vnd.pypi.simple.v1+json", index.json_page(project))
            else:
                self._send(200, "text/html; charset=utf-8", index.html_page(project))

        def _provenance(
            self, filename: str, *, project: str | None = None, version: str | None = None
        ) -> None:
            if index.integrity_status is not None:
                self._send(index.integrity_status, "text/plain", b"refused on purpose\n")
                return
            served = index.find(filename)
            if (
                served is None
                or served.provenance is None
                or (project is not None and canonicalize_name(project) != served.project)
                or (version is not None and not _same_version(version, served.version))
            ):
                self._send(404, "text/plain", b"no provenance\n")
                return
            body = json.dumps(served.provenance).encode()
            self._send(200, "application/vnd.pypi.integrity.v1+json", body)

    return Handler


def bypass_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 away from any HTTP(S)_PROXY of the machine."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


@pytest.fixture
def local_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalIndex]:
    """A started :class:`LocalIndex` (proxies bypassed for it), stopped after the test."""
    bypass_proxies(monkeypatch)
    with LocalIndex() as index:
        yield index
