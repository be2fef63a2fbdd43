"""Real wheels and sdists built in memory for tests, and byte patches that break them."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import tarfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping

# A member the archive helpers add verbatim: a zip entry, or a tar header and its content.
ZipExtra = tuple[zipfile.ZipInfo, bytes]
TarExtra = tuple[tarfile.TarInfo, bytes]


def escape(name: str) -> str:
    """A distribution name as wheel and sdist file names spell it."""
    return name.replace("-", "_").replace(".", "_")


def wheel_filename(name: str, version: str, tag: str = "py3-none-any") -> str:
    """``name-version-tag.whl``."""
    return f"{escape(name)}-{version}-{tag}.whl"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def make_wheel(
    name: str,
    version: str,
    files: Mapping[str, bytes],
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    *,
    top_level: Iterable[str] | None = None,
    requires: Iterable[str] = (),
    record: bool = True,
    extra: Iterable[ZipExtra] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A wheel holding ``files`` and a ``.dist-info`` (METADATA, WHEEL, RECORD, ...).

    ``entry_points`` maps a group to ``{script: "module:function"}``; ``top_level`` writes
    ``top_level.txt``; ``requires`` become ``Requires-Dist`` lines; ``extra`` members are
    added after RECORD, verbatim (so RECORD does not list them), duplicate names included.
    """
    info_dir = f"{escape(name)}-{version}.dist-info"
    members = dict(files)
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members.setdefault(f"{info_dir}/METADATA", metadata.encode())
    members.setdefault(
        f"{info_dir}/WHEEL",
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    )
    if top_level is not None:
        members.setdefault(
            f"{info_dir}/top_level.txt", "".join(f"{t}\n" for t in top_level).encode()
        )
    if entry_points:
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items()) + "\n"
            for group, scripts in entry_points.items()
        )
        members.setdefault(f"{info_dir}/entry_points.txt", text.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path, data in members.items():
            archive.writestr(path, data)
        if record:
            lines = [f"{p},{_record_hash(d)},{len(d)}" for p, d in members.items()]
            lines.append(f"{info_dir}/RECORD,,")
            archive.writestr(f"{info_dir}/RECORD", "\n".join(lines) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about duplicate names
            for info, data in extra:
                archive.writestr(info, data)
    return buffer.getvalue()


def zip_member(name: str, mode: int = 0o100644) -> zipfile.ZipInfo:
    """A zip entry with a Unix mode (``stat.S_IFLNK | 0o777`` for a symbolic link)."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


# Offsets of fields in a zip's central directory entry and local file header.
_CENTRAL = {"flags": (8, "<H"), "method": (10, "<H"), "compressed": (20, "<L"), "size": (24, "<L")}
_LOCAL = {"flags": (6, "<H"), "method": (8, "<H"), "compressed": (18, "<L"), "size": (22, "<L")}


def patch_member(
    data: bytes, name: str, field: str, value: int, *, local: bool = True, central: bool = True
) -> bytes:
    """``data`` with one header field of member ``name`` set to ``value``.

    ``field`` is ``flags``, ``method``, ``compressed``, ``size`` or (central only)
    ``offset``, the position of the member's local header.
    """
    out = bytearray(data)
    encoded = name.encode()
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len] == encoded:
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    else:
        raise KeyError(name)
    header = struct.unpack_from("<L", data, pos + 42)[0]
    if field == "offset":
        struct.pack_into("<L", out, pos + 42, value)
        return bytes(out)
    if central:
        offset, fmt = _CENTRAL[field]
        struct.pack_into(fmt, out, pos + offset, value)
    if local:
        offset, fmt = _LOCAL[field]
        struct.pack_into(fmt, out, header + offset, value)
    return bytes(out)


def member_offset(data: bytes, name: str) -> int:
    """Where member ``name``'s local header starts."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.getinfo(name).header_offset


def tar_member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    """A tar header of any type (``tarfile.SYMTYPE``, ``tarfile.CHRTYPE``...)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mtime = 1_700_000_000
    return info


def make_sdist(
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    extra: Iterable[TarExtra] = (),
    compression: str = "gz",
) -> bytes:
    """An sdist: ``files`` under ``name-version/``, then ``extra`` members verbatim.

    ``compression`` is ``gz``, ``bz2``, ``xz`` or ``""`` (a plain tar).
    """
    root = f"{escape(name)}-{version}"
    members = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        **files,
    }
    buffer = io.BytesIO()
    mode = f"w:{compression}" if compression else "w"
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
        for path, data in members.items():
            info = tar_member(f"{root}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info, data in extra:
            if info.isreg():
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def make_zip(files: Mapping[str, bytes]) -> bytes:
    """A plain zip archive (a ``.zip`` sdist) holding ``files``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()
