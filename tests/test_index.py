"""The package-index client against a real HTTP index on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from guard import index as index_module
from guard.errors import GuardError
from guard.index import (
    HashMismatch,
    IndexClient,
    IndexFile,
    IndexUnavailable,
    default_index_url,
)
from tests import indexserver
from tests.indexserver import SHARED, LocalIndex, pep740_or_skip, wrap_attestation

WHEEL = b"wheel bytes\n"
SDIST = b"sdist bytes\n"
WHEN = datetime(2026, 3, 24, 10, 52, 1, 123456, tzinfo=timezone.utc)
PROVENANCE = {"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub"}}]}


@pytest.fixture
def client(local_index: LocalIndex) -> Iterator[IndexClient]:
    """A client of the local index with a short timeout."""
    with IndexClient(local_index.url, timeout=5.0) as c:
        yield c


def _populate(index: LocalIndex) -> None:
    index.add_file(
        "Demo_Pkg",
        "1.0",
        "demo_pkg-1.0-py3-none-any.whl",
        WHEEL,
        upload_time=WHEN,
        requires_python=">=3.9",
        provenance=PROVENANCE,
    )
    index.add_file("demo-pkg", "1.0", "demo_pkg-1.0.tar.gz", SDIST, yanked="broken build")
    index.add_file("demo-pkg", "0.9", "demo_pkg-0.9.tar.gz", b"old", yanked="")
    index.add_file("demo-pkg", "0.8", "demo_pkg-0.8.tar.gz", b"older", provenance_in_json=False)


def _by_name(files: list[IndexFile]) -> dict[str, IndexFile]:
    return {f.filename: f for f in files}


# -- project pages ------------------------------------------------------------------------


def test_json_page(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    files = _by_name(client.project_files("Demo.Pkg"))
    assert local_index.requests_seen == ["/simple/demo-pkg/"]
    assert "application/vnd.pypi.simple.v1+json" in local_index.accept_seen[0]

    wheel = files["demo_pkg-1.0-py3-none-any.whl"]
    assert wheel == IndexFile(
        filename="demo_pkg-1.0-py3-none-any.whl",
        url=f"{local_index.root}/files/demo_pkg-1.0-py3-none-any.whl",
        sha256=hashlib.sha256(WHEEL).hexdigest(),
        upload_time=WHEN,
        yanked=None,
        provenance_url=f"{local_index.root}/provenance/demo_pkg-1.0-py3-none-any.whl",
        provenance_known=True,
        requires_python=">=3.9",
        core_metadata=False,
        version="1.0",
    )
    assert wheel.upload_time is not None and wheel.upload_time.tzinfo is not None
    sdist = files["demo_pkg-1.0.tar.gz"]
    assert sdist.yanked == "broken build"
    assert sdist.upload_time is None
    assert (sdist.provenance_url, sdist.provenance_known) == (None, True)
    assert files["demo_pkg-0.9.tar.gz"].yanked == ""
    older = files["demo_pkg-0.8.tar.gz"]
    assert (older.provenance_url, older.provenance_known, older.yanked) == (None, False, None)


def test_absolute_urls_are_kept(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    local_index.absolute_urls = True
    files = _by_name(client.project_files("demo-pkg"))
    assert files["demo_pkg-1.0.tar.gz"].url == f"{local_index.root}/files/demo_pkg-1.0.tar.gz"


def test_html_page_gives_the_same_files(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    from_json = client.project_files("demo-pkg")
    local_index.html_only = True
    assert client.project_files("demo-pkg") == from_json  # one page per client and run
    from_html = IndexClient(local_index.url, timeout=5).project_files("demo-pkg")
    assert len(from_html) == len(from_json) == 4
    for html_file, json_file in zip(from_html, from_json, strict=True):
        # PEP 503 HTML has no upload time, and says nothing when there is no provenance
        expected = replace(json_file, upload_time=None)
        if json_file.provenance_url is None:
            expected = replace(expected, provenance_known=False)
        assert html_file == expected


def test_html_attributes(local_index: LocalIndex, client: IndexClient) -> None:
    page = (
        "<html><head><base href='/mirror/'></head><body>\n"
        '<a href="files/x-1.0.tar.gz#sha256=' + "AB" * 32 + '" data-yanked '
        'data-requires-python="&gt;=3.8" data-core-metadata="sha256=00">x-1.0.tar.gz</a>\n'
        '<a href="https://files.example.org/x-2.0-py3-none-any.whl#md5=00" '
        'data-dist-info-metadata="true" data-provenance="/prov/x-2.0">x-2.0</a>\n'
        "<a>no href</a><a href='x-2.0.zip'>x-2.0.zip</a>\n"
        "</body></html>"
    )
    local_index.set_page("x", page.encode(), "application/vnd.pypi.simple.v1+html")
    first, second, third = client.project_files("x")
    assert first.url == f"{local_index.root}/mirror/files/x-1.0.tar.gz"
    assert first.sha256 == "ab" * 32
    assert (first.yanked, first.requires_python, first.core_metadata) == ("", ">=3.8", True)
    assert (first.provenance_known, first.version) == (False, "1.0")
    assert second.filename == "x-2.0-py3-none-any.whl"
    assert second.sha256 is None
    assert second.core_metadata is True
    assert second.provenance_url == f"{local_index.root}/prov/x-2.0"
    assert second.provenance_known is True
    assert third.filename == "x-2.0.zip"


def test_release_files(local_index: LocalIndex, client: IndexClient) -> None:
    for version, filename in [
        ("1.0", "pkg-1.0-py3-none-any.whl"),
        ("1.0.0", "pkg-1.0.0.tar.gz"),
        ("1.0.1", "pkg-1.0.1.tar.gz"),
        ("1.0rc1", "pkg-1.0rc1-py3-none-any.whl"),
        ("1.0", "other-1.0.tar.gz"),  # another project's file on this page
        ("1.0", "pkg-latest.zip"),  # no version in the name
    ]:
        local_index.add_file("pkg", version, filename, filename.encode())

    def names(files: list[IndexFile]) -> list[str]:
        return sorted(f.filename for f in files)

    assert names(client.release_files("pkg", "1.0")) == [
        "pkg-1.0-py3-none-any.whl",
        "pkg-1.0.0.tar.gz",
    ]
    assert names(client.release_files("PKG", "1.0.0")) == names(client.release_files("pkg", "1"))
    assert names(client.release_files("pkg", "1.0.0-rc.1")) == ["pkg-1.0rc1-py3-none-any.whl"]
    assert client.release_files("pkg", "2.0") == []
    files = _by_name(client.project_files("pkg"))
    assert files["pkg-latest.zip"].version is None
    assert files["pkg-1.0rc1-py3-none-any.whl"].version == "1.0rc1"
    with pytest.raises(GuardError, match="not a valid version"):
        client.release_files("pkg", "one")


def test_litellm_snapshot(local_index: LocalIndex, client: IndexClient) -> None:
    snapshot = SHARED / "litellm-history" / "litellm-1.80-1.83.simple.json"
    if not snapshot.is_file():
        pytest.skip(f"{snapshot} is absent")
    local_index.add_snapshot(snapshot)
    files = client.project_files("litellm")
    assert len(files) == len(json.loads(snapshot.read_text())["files"])
    assert all(f.sha256 and f.upload_time and f.version for f in files)
    assert not client.release_files("litellm", "1.82.7")
    six = _by_name(client.release_files("litellm", "1.82.6"))
    assert sorted(six) == ["litellm-1.82.6-py3-none-any.whl", "litellm-1.82.6.tar.gz"]


def test_no_such_project(local_index: LocalIndex, client: IndexClient) -> None:
    with pytest.raises(GuardError) as caught:
        client.project_files("nope")
    assert str(caught.value) == f"no project nope on {local_index.host}"
    assert caught.value.exit_code == 2


def test_invalid_project_name(local_index: LocalIndex, client: IndexClient) -> None:
    with pytest.raises(GuardError, match="not a valid project name"):
        client.project_files("../etc")
    assert local_index.requests_seen == []


@pytest.mark.parametrize(
    ("content_type", "body", "detail"),
    [
        ("application/vnd.pypi.simple.v1+json", b'{"files": [', "Expecting"),
        ("application/vnd.pypi.simple.v1+json", b"[1, 2]", "not a JSON object"),
        ("application/vnd.pypi.simple.v1+json", b'{"files": {}}', "'files'"),
        ("application/vnd.pypi.simple.v1+json", b'{"files": [{"filename": "a-1.tar.gz"}]}', "url"),
        (
            "application/vnd.pypi.simple.v1+json",
            b'{"files": [{"filename": "a-1.tar.gz", "url": "a", "hashes": {"sha256": "xyz"}}]}',
            "invalid sha256",
        ),
        (
            "application/vnd.pypi.simple.v1+json",
            b'{"files": [{"filename": "a-1.tar.gz", "url": "a", "upload-time": "yesterday"}]}',
            "upload-time",
        ),
        (
            "application/vnd.pypi.simple.v1+json",
            b'{"files": [{"filename": "../a-1.tar.gz", "url": "a"}]}',
            "invalid file name",
        ),
        (
            "application/vnd.pypi.simple.v1+json",
            b'{"meta": {"api-version": "2.0"}, "files": []}',
            "unsupported",
        ),
        ("application/vnd.pypi.simple.v1+json", b"[" * 100_000, "nested"),
        ("text/html", b'<a href="a-1.tar.gz#sha256=zz">a-1.tar.gz</a>', "invalid sha256"),
        ("text/html; charset=utf-8", b"<a href='a-1.tar.gz'>\xff\xfe</a>", "utf-8"),
        ("text/html; charset=nonsense", b"<a href='a-1.tar.gz'>a</a>", "nonsense"),
        ("application/octet-stream", b"\x00", "unexpected content type"),
    ],
)
def test_malformed_pages_are_errors(
    local_index: LocalIndex,
    client: IndexClient,
    content_type: str,
    body: bytes,
    detail: str,
) -> None:
    local_index.set_page("a", body, content_type)
    with pytest.raises(GuardError) as caught:
        client.project_files("a")
    message = str(caught.value)
    assert type(caught.value) is GuardError
    assert f"package index {local_index.host} sent a malformed project page for a" in message
    assert f"({local_index.url}a/)" in message
    assert detail in message


def test_other_statuses_on_pages(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.set_page("a", b"who are you", "text/plain", status=401)
    with pytest.raises(GuardError, match=f"{local_index.host} answered 401"):
        client.project_files("a")


def test_credentials_never_in_messages(local_index: LocalIndex) -> None:
    url = f"http://alice:s3cret@{local_index.host}/simple/"
    with IndexClient(url, retries=0) as client, pytest.raises(GuardError) as caught:
        client.project_files("nope")
    assert "s3cret" not in str(caught.value)
    local_index.set_page("a", b"{", "application/json")
    with IndexClient(url, retries=0) as client, pytest.raises(GuardError) as caught:
        client.project_files("a")
    assert "s3cret" not in str(caught.value)
    assert local_index.host in str(caught.value)


def test_index_url_must_be_http() -> None:
    with pytest.raises(GuardError, match="not an http"):
        IndexClient("file:///srv/simple/")


# -- transport failures -------------------------------------------------------------------


def test_retry_after_one_503(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    local_index.fail_next(1)
    assert len(client.project_files("demo-pkg")) == 4
    assert local_index.requests_seen == ["/simple/demo-pkg/"] * 2


def test_retry_after_429(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    local_index.fail_next(2, status=429)
    assert len(client.project_files("demo-pkg")) == 4
    assert len(local_index.requests_seen) == 3


def test_persistent_503(local_index: LocalIndex) -> None:
    local_index.set_down(True)
    with IndexClient(local_index.url, retries=2) as client, pytest.raises(IndexUnavailable) as e:
        client.project_files("demo-pkg")
    assert str(e.value) == f"package index {local_index.host} answered 503"
    assert e.value.exit_code == 2
    assert len(local_index.requests_seen) == 3


def test_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    indexserver.bypass_proxies(monkeypatch)
    with LocalIndex() as stopped:
        url, host = stopped.url, stopped.host
    with IndexClient(url, retries=1) as client, pytest.raises(IndexUnavailable) as caught:
        client.project_files("demo-pkg")
    assert str(caught.value) == f"package index {host} refused the connection"


def test_timeout(local_index: LocalIndex) -> None:
    _populate(local_index)
    local_index.delay = 1.5
    client = IndexClient(local_index.url, timeout=0.5, retries=0)
    with client, pytest.raises(IndexUnavailable) as caught:
        client.project_files("demo-pkg")
    assert str(caught.value) == (
        f"package index {local_index.host} did not answer (timeout after 0.5s)"
    )


def test_5xx_then_down_on_provenance(local_index: LocalIndex) -> None:
    _populate(local_index)
    with IndexClient(local_index.url, retries=1) as client:
        wheel = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0-py3-none-any.whl"]
        local_index.set_down(True)
        with pytest.raises(IndexUnavailable, match="answered 503"):
            client.provenance("demo-pkg", "1.0", wheel)


# -- provenance ---------------------------------------------------------------------------


def test_provenance_from_the_advertised_url(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    wheel = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0-py3-none-any.whl"]
    assert client.provenance("demo-pkg", "1.0", wheel) == PROVENANCE
    assert local_index.requests_seen[-1] == "/provenance/demo_pkg-1.0-py3-none-any.whl"
    assert local_index.accept_seen[-1] == "application/vnd.pypi.integrity.v1+json"


def test_provenance_null_means_none_without_asking(
    local_index: LocalIndex,
    client: IndexClient,
) -> None:
    _populate(local_index)
    sdist = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0.tar.gz"]
    assert client.provenance("demo-pkg", "1.0", sdist) is None
    assert local_index.requests_seen == ["/simple/demo-pkg/"]


def test_provenance_from_the_integrity_api(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.add_file(
        "demo-pkg", "2.0", "demo_pkg-2.0.tar.gz", b"2", provenance=PROVENANCE,
        provenance_in_json=False,
    )  # fmt: skip
    sdist = client.release_files("demo-pkg", "2.0")[0]
    assert not sdist.provenance_known
    assert client.provenance("Demo_Pkg", "2.0", sdist) == PROVENANCE
    assert local_index.requests_seen[-1] == "/integrity/demo-pkg/2.0/demo_pkg-2.0.tar.gz/provenance"
    assert local_index.accept_seen[-1] == "application/vnd.pypi.integrity.v1+json"


def test_integrity_api_404_is_none(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    older = _by_name(client.project_files("demo-pkg"))["demo_pkg-0.8.tar.gz"]
    assert client.provenance("demo-pkg", "0.8", older) is None
    assert local_index.requests_seen[-1] == "/integrity/demo-pkg/0.8/demo_pkg-0.8.tar.gz/provenance"


def test_html_without_provenance_asks_the_integrity_api(
    local_index: LocalIndex,
    client: IndexClient,
) -> None:
    _populate(local_index)
    local_index.html_only = True
    sdist = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0.tar.gz"]
    assert client.provenance("demo-pkg", "1.0", sdist) is None
    assert local_index.requests_seen[-1].startswith("/integrity/demo-pkg/1.0/")


@pytest.mark.parametrize("status", [403, 406])
def test_integrity_403_406_fail_closed(
    local_index: LocalIndex,
    client: IndexClient,
    status: int,
) -> None:
    _populate(local_index)
    local_index.integrity_status = status
    files = _by_name(client.project_files("demo-pkg"))
    for name in ("demo_pkg-0.8.tar.gz", "demo_pkg-1.0-py3-none-any.whl"):
        with pytest.raises(GuardError) as caught:
            client.provenance("demo-pkg", files[name].version or "", files[name])
        assert type(caught.value) is GuardError
        assert f"package index {local_index.host} answered {status}" in str(caught.value)
        assert caught.value.exit_code == 2


def test_advertised_provenance_missing_is_an_error(
    local_index: LocalIndex,
    client: IndexClient,
) -> None:
    _populate(local_index)
    wheel = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0-py3-none-any.whl"]
    served = local_index.find(wheel.filename)
    assert served is not None
    served.provenance = None
    with pytest.raises(GuardError, match="answered 404 for the advertised provenance"):
        client.provenance("demo-pkg", "1.0", wheel)


@pytest.mark.parametrize("body", [["not", "an", "object"], "text"])
def test_provenance_must_be_a_json_object(
    local_index: LocalIndex,
    client: IndexClient,
    body: object,
) -> None:
    served = local_index.add_file("p", "1", "p-1.tar.gz", b"1", provenance={})
    served.provenance = body  # type: ignore[assignment]
    (sdist,) = client.release_files("p", "1")
    with pytest.raises(GuardError, match="not a JSON object"):
        client.provenance("p", "1", sdist)


# -- downloads ----------------------------------------------------------------------------


def test_download(local_index: LocalIndex, client: IndexClient) -> None:
    _populate(local_index)
    local_index.fail_next(1)
    wheel = _by_name(client.project_files("demo-pkg"))["demo_pkg-1.0-py3-none-any.whl"]
    assert client.download(wheel) == WHEEL
    assert local_index.requests_seen[-1] == "/files/demo_pkg-1.0-py3-none-any.whl"


def test_download_hash_mismatch(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.add_file("p", "1", "p-1.tar.gz", b"tampered", sha256="0" * 64)
    (sdist,) = client.release_files("p", "1")
    with pytest.raises(HashMismatch) as caught:
        client.download(sdist)
    assert caught.value.exit_code == 1
    assert "0" * 64 in str(caught.value)
    assert hashlib.sha256(b"tampered").hexdigest() in str(caught.value)


def test_download_without_sha256_is_refused(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.add_file("p", "1", "p-1.tar.gz", b"data", sha256=None)
    (sdist,) = client.release_files("p", "1")
    assert sdist.sha256 is None
    with pytest.raises(GuardError, match="no sha256"):
        client.download(sdist)
    assert "/files/p-1.tar.gz" not in local_index.requests_seen


def test_download_too_large_is_refused(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.add_file("p", "1", "p-1.tar.gz", b"x" * 1000)
    (sdist,) = client.release_files("p", "1")
    with pytest.raises(GuardError, match="larger than 999 bytes"):
        client.download(sdist, max_bytes=999)
    assert client.download(sdist, max_bytes=1000) == b"x" * 1000


def test_download_missing_file(local_index: LocalIndex, client: IndexClient) -> None:
    local_index.add_file("p", "1", "p-1.tar.gz", None, sha256="0" * 64)
    (sdist,) = client.release_files("p", "1")
    with pytest.raises(GuardError, match=r"answered 404 for p-1\.tar\.gz"):
        client.download(sdist)


# -- real PEP 740 evidence ----------------------------------------------------------------


@pytest.mark.parametrize("in_json", [True, False])
def test_real_pep740_provenance_and_download(
    local_index: LocalIndex,
    client: IndexClient,
    in_json: bool,
) -> None:
    folder = pep740_or_skip()
    filename = "pypi_attestations-0.0.19.tar.gz"
    data = (folder / filename).read_bytes()
    provenance = json.loads((folder / f"{filename}.provenance").read_text())
    local_index.add_file(
        "pypi-attestations",
        "0.0.19",
        filename,
        data,
        provenance=provenance,
        provenance_in_json=in_json,
    )
    (sdist,) = client.release_files("pypi-attestations", "0.0.19")
    assert client.provenance("pypi-attestations", "0.0.19", sdist) == provenance
    assert client.download(sdist) == data


def test_wrapped_attestation_is_served(local_index: LocalIndex, client: IndexClient) -> None:
    folder = pep740_or_skip()
    filename = "gitlab_oidc_project-0.0.3.tar.gz"
    attestation = json.loads((folder / f"{filename}.publish.attestation").read_text())
    publisher = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project"}
    wrapped = wrap_attestation(attestation, publisher)
    assert wrapped["attestation_bundles"][0]["attestations"] == [attestation]
    local_index.add_file(
        "gitlab-oidc-project", "0.0.3", filename, (folder / filename).read_bytes(),
        provenance=wrapped, provenance_in_json=False,
    )  # fmt: skip
    (sdist,) = client.release_files("gitlab-oidc-project", "0.0.3")
    assert client.provenance("gitlab-oidc-project", "0.0.3", sdist) == wrapped


# -- default index URL --------------------------------------------------------------------


@pytest.fixture
def pip_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No PIP_* variables, and every pip configuration location under ``tmp_path``."""
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    for var in ("XDG_CONFIG_HOME", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "xdg").mkdir()
    (tmp_path / "etc").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setattr(index_module, "PIP_SYSTEM_CONFIG_DIRS", (str(tmp_path / "etc"),))
    return tmp_path


def _conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_is_pypi(pip_env: Path) -> None:
    assert default_index_url() == "https://pypi.org/simple/"


def test_explicit_beats_env_beats_files(pip_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _conf(pip_env / "etc" / "pip.conf", "[install]\nindex-url = https://files.example/simple\n")
    assert default_index_url() == "https://files.example/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example/simple")
    assert default_index_url() == "https://env.example/simple/"
    assert (
        default_index_url("https://cli.example/pypi/simple/") == "https://cli.example/pypi/simple/"
    )


def test_config_file_order(pip_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = pip_env / "home"
    _conf(pip_env / "xdg" / "pip" / "pip.conf", "[global]\nindex-url = https://xdg/\n")
    assert default_index_url() == "https://xdg/"
    _conf(pip_env / "etc" / "pip.conf", "[global]\nindex-url = https://etc/\n")
    assert default_index_url() == "https://etc/"
    _conf(home / ".pip" / "pip.conf", "[global]\nindex_url = https://legacy-user/\n")
    assert default_index_url() == "https://legacy-user/"
    _conf(home / ".config" / "pip" / "pip.conf", "[global]\nINDEX-URL = https://user/\n")
    assert default_index_url() == "https://user/"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(pip_env / "config-home"))
    assert default_index_url() == "https://legacy-user/"
    _conf(pip_env / "config-home" / "pip" / "pip.conf", "[global]\nindex-url = https://xdg-home/")
    assert default_index_url() == "https://xdg-home/"
    _conf(pip_env / "venv" / "pip.conf", "[global]\nindex-url = https://venv/\n")
    monkeypatch.setenv("VIRTUAL_ENV", str(pip_env / "venv"))
    assert default_index_url() == "https://venv/"


def test_install_section_beats_global_in_any_file(pip_env: Path) -> None:
    _conf(pip_env / "etc" / "pip.conf", "[install]\nindex-url = https://etc-install/\n")
    _conf(
        pip_env / "home" / ".config" / "pip" / "pip.conf",
        "[global]\nindex-url = https://user-global/\n[freeze]\nindex-url = https://other/\n",
    )
    assert default_index_url() == "https://etc-install/"


def test_pip_config_file(pip_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _conf(pip_env / "etc" / "pip.conf", "[global]\nindex-url = https://etc/\n")
    _conf(pip_env / "home" / ".config" / "pip" / "pip.conf", "[install]\nindex-url = https://u/\n")
    env_file = _conf(pip_env / "env.conf", "[global]\nindex-url = https://env-file/\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(env_file))
    # the user's files are skipped when PIP_CONFIG_FILE exists; the file beats the others
    assert default_index_url() == "https://env-file/"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_env / "missing.conf"))
    assert default_index_url() == "https://u/"
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert default_index_url() == "https://pypi.org/simple/"


def test_malformed_config_files_are_ignored(pip_env: Path) -> None:
    _conf(pip_env / "etc" / "pip.conf", "[global]\nindex-url = https://etc/\n")
    user = _conf(pip_env / "home" / ".config" / "pip" / "pip.conf", "index-url = https://x/\n")
    assert default_index_url() == "https://etc/"
    user.write_text("[global\nindex-url = https://x/\n")
    assert default_index_url() == "https://etc/"
    user.write_bytes(b"[global]\nindex-url = https://\xff/\n")
    assert default_index_url() == "https://etc/"
    user.unlink()
    user.mkdir()  # a folder where a file is expected
    assert default_index_url() == "https://etc/"
