"""OpenSSH signatures (``ssh-keygen -Y sign``, PROTOCOL.sshsig), verified in-process.

The pre-commit hook checks reviewers' signatures offline, without ``ssh-keygen`` (a
pre-commit.ci image may not have it). Parsing is strict and bounded, and every way a
signature can be wrong is a :class:`SignatureError`, which callers turn into a finding.
Verifying returns the key that signed; whether that key may sign is for
:mod:`guard.attest.signers` to say.

Public keys are held in their canonical wire form (integers without superfluous leading
zeros, uncompressed curve points), so two :class:`PublicKey` values are equal exactly when
they are the same key. ``cryptography`` is imported only when a signature is verified.
"""

from __future__ import annotations

import base64
import binascii
import struct
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from guard._files import read_bytes
from guard.errors import GuardError, InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hashes import HashAlgorithm

NAMESPACE = "bumpguard-review"
#: The largest armored signature accepted (a 16384-bit RSA signature is under 5 KiB).
MAX_ARMORED_BYTES = 64 * 1024
#: RSA moduli accepted, in bits (OpenSSH's own ceiling is 16384).
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 16384
SIGN_TIMEOUT = 60.0

BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
MAGIC = b"SSHSIG"
VERSION = 1
HASHES = ("sha256", "sha512")

ED25519 = "ssh-ed25519"
RSA = "ssh-rsa"
#: ECDSA key type -> (curve identifier in the blob, coordinate size, hash for signing).
ECDSA = {
    "ecdsa-sha2-nistp256": ("nistp256", 32, "sha256"),
    "ecdsa-sha2-nistp384": ("nistp384", 48, "sha384"),
    "ecdsa-sha2-nistp521": ("nistp521", 66, "sha512"),
}
SK_ED25519 = "sk-ssh-ed25519@openssh.com"
SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
#: Every key type a public key may have here; security keys parse but do not verify yet.
KEY_TYPES = (ED25519, *ECDSA, RSA, SK_ED25519, SK_ECDSA)
RSA_SIGNATURES = {"rsa-sha2-256": "sha256", "rsa-sha2-512": "sha512"}

_MAX_MPINT = RSA_MAX_BITS // 8 + 1


class SignatureError(GuardError):
    """A signature that cannot be parsed or does not verify."""


class PublicKey(NamedTuple):
    """An SSH public key: its type and its wire-format blob. (NamedTuples, not frozen
    dataclasses: the hook imports this module, and a frozen dataclass compiles its methods
    at import.)"""

    key_type: str
    blob: bytes

    @property
    def fingerprint(self) -> str:
        """The fingerprint as ``ssh-keygen -l`` prints it."""
        import hashlib  # loads OpenSSL: only when needed

        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii")
        return "SHA256:" + digest.rstrip("=")

    def to_openssh(self) -> str:
        """The key as one line of ``authorized_keys``, without a comment."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"


class Signature(NamedTuple):
    """A parsed SSHSIG signature; ``raw`` is the inner signature blob of ``sig_type``."""

    public_key: PublicKey
    namespace: str
    hash_algorithm: str
    sig_type: str
    raw: bytes


class _Reader:
    """SSH wire-format fields (RFC 4251) read from ``data``; errors name ``what``."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.at = 0
        self.what = what

    def take(self, size: int) -> bytes:
        if size > len(self.data) - self.at:
            raise SignatureError(f"{self.what} is truncated")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.u32())

    def text(self, field: str) -> str:
        raw = self.string()
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError(f"{self.what}: the {field} is not UTF-8 text") from None
        if not value.isprintable():
            raise SignatureError(f"{self.what}: the {field} holds control characters")
        return value

    def mpint(self, field: str) -> int:
        raw = self.string()
        if len(raw) > _MAX_MPINT:
            raise SignatureError(f"{self.what}: the {field} is too large")
        if raw and raw[0] & 0x80:
            raise SignatureError(f"{self.what}: the {field} is negative")
        if raw[:1] == b"\0" and (len(raw) == 1 or not raw[1] & 0x80):
            raise SignatureError(f"{self.what}: the {field} is not minimally encoded")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self.at != len(self.data):
            raise SignatureError(f"{self.what} has {len(self.data) - self.at} trailing bytes")


def _quoted(text: str) -> str:
    """``text`` quoted for a message: escapes shown, at most 60 characters."""
    return repr(text[:60]) + ("..." if len(text) > 60 else "")


def _sk(key_type: str) -> bool:
    return key_type in (SK_ED25519, SK_ECDSA)


def _check_key_blob(key_type: str, blob: bytes) -> None:
    """Check the structure of a public key blob of a known ``key_type``."""
    reader = _Reader(blob, "the public key")
    if reader.text("key type") != key_type:
        raise SignatureError(f"the public key blob is not of type {key_type}")
    if key_type in (ED25519, SK_ED25519):
        if len(reader.string()) != 32:
            raise SignatureError("the Ed25519 public key is not 32 bytes long")
    elif key_type in ECDSA or key_type == SK_ECDSA:
        curve, size, _ = ECDSA["ecdsa-sha2-nistp256" if key_type == SK_ECDSA else key_type]
        if reader.string() != curve.encode():
            raise SignatureError(f"the {key_type} public key is not on curve {curve}")
        point = reader.string()
        if len(point) != 1 + 2 * size or point[0] != 4:
            raise SignatureError(f"the {key_type} public key is not an uncompressed point")
    else:  # RSA
        reader.mpint("RSA exponent")
        reader.mpint("RSA modulus")
    if _sk(key_type):
        reader.text("security-key application")
    reader.end()


def _key_from_blob(blob: bytes) -> PublicKey:
    key_type = _Reader(blob, "the public key").text("key type")
    if key_type not in KEY_TYPES:
        raise SignatureError(f"unsupported key type {_quoted(key_type)}")
    _check_key_blob(key_type, blob)
    return PublicKey(key_type, blob)


def _b64(text: str, what: str) -> bytes:
    """Decode canonical base64 only (no stray characters, padding or trailing bits), so
    one value has one encoding."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        data = None
    if data is None or base64.b64encode(data).decode("ascii") != text:
        raise SignatureError(f"{what} is not valid base64")
    return data


def parse_public_key(text: str) -> PublicKey:
    """Parse one public key line, ``TYPE BASE64 [comment]``."""
    fields = text.split(None, 2)
    if len(fields) < 2:
        raise SignatureError("a public key needs a key type and a base64 key")
    key_type, encoded = fields[0], fields[1]
    if key_type not in KEY_TYPES:
        raise SignatureError(f"unsupported key type {_quoted(key_type)}")
    blob = _b64(encoded, "the public key")
    _check_key_blob(key_type, blob)
    return PublicKey(key_type, blob)


def _dearmor(armored: str | bytes) -> bytes:
    if len(armored) > MAX_ARMORED_BYTES:
        raise SignatureError(f"the signature is larger than {MAX_ARMORED_BYTES // 1024} KiB")
    if isinstance(armored, bytes):
        try:
            armored = armored.decode("ascii")
        except UnicodeDecodeError:
            raise SignatureError("not an SSH signature (not ASCII text)") from None
    lines = [line.strip() for line in armored.strip().splitlines()]
    if not lines or lines[0] != BEGIN:
        raise SignatureError("not an SSH signature (no BEGIN SSH SIGNATURE armor)")
    if len(lines) < 2 or lines[-1] != END:
        raise SignatureError("the SSH signature is cut short (no END SSH SIGNATURE line)")
    body = "".join(lines[1:-1])
    data = _b64(body, "the SSH signature")
    if not data:
        raise SignatureError("the SSH signature is empty")
    return data


def _signature_blob(key: PublicKey, reader: _Reader) -> tuple[str, bytes]:
    """The signature type and inner blob, checked against the key."""
    sig_type = reader.text("signature type")
    raw = reader.string()
    reader.end()
    if key.key_type == RSA:
        if sig_type == "ssh-rsa":
            raise SignatureError("SHA-1 RSA signatures are not accepted (ssh-rsa)")
        if sig_type not in RSA_SIGNATURES:
            raise SignatureError(f"signature type {_quoted(sig_type)} does not fit an ssh-rsa key")
    elif sig_type != key.key_type:
        raise SignatureError(
            f"signature type {_quoted(sig_type)} does not fit a {key.key_type} key"
        )
    if key.key_type == ED25519 and len(raw) != 64:
        raise SignatureError("the Ed25519 signature is not 64 bytes long")
    return sig_type, raw


def parse_signature(armored: str | bytes) -> Signature:
    """Parse an armored SSHSIG signature, strictly; nothing is verified yet."""
    reader = _Reader(_dearmor(armored), "the SSH signature")
    if reader.take(len(MAGIC)) != MAGIC:
        raise SignatureError("not an SSH signature (the SSHSIG magic is missing)")
    version = reader.u32()
    if version != VERSION:
        raise SignatureError(f"SSH signature version {version} is not supported (only 1)")
    key = _key_from_blob(reader.string())
    if _sk(key.key_type):
        raise SignatureError("security-key (sk-) signatures are not supported yet")
    namespace = reader.text("namespace")
    reader.string()  # reserved: PROTOCOL.sshsig says to ignore it, and it is not signed
    hash_algorithm = reader.text("hash algorithm")
    inner = reader.string()
    reader.end()
    if not namespace:
        raise SignatureError("the SSH signature has an empty namespace")
    if hash_algorithm not in HASHES:
        raise SignatureError(
            f"unsupported hash algorithm {_quoted(hash_algorithm)} (sha256, sha512)"
        )
    sig_type, raw = _signature_blob(key, _Reader(inner, "the signature blob"))
    return Signature(key, namespace, hash_algorithm, sig_type, raw)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _signed_data(namespace: str, hash_algorithm: str, message: bytes) -> bytes:
    """What the key signs for ``message`` in ``namespace`` (PROTOCOL.sshsig)."""
    import hashlib

    digest = hashlib.new(hash_algorithm, message).digest()
    return b"".join(
        [
            MAGIC,
            _string(namespace.encode("utf-8")),
            _string(b""),
            _string(hash_algorithm.encode("ascii")),
            _string(digest),
        ]
    )


def _hash(name: str) -> HashAlgorithm:
    from cryptography.hazmat.primitives import hashes

    return {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[name]


def _check(sig: Signature, data: bytes) -> None:
    """Verify ``sig.raw`` over ``data``; raises ``InvalidSignature`` or ``ValueError``."""
    key = _Reader(sig.public_key.blob, "the public key")
    key.string()
    if sig.public_key.key_type == ED25519:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        Ed25519PublicKey.from_public_bytes(key.string()).verify(sig.raw, data)
    elif sig.public_key.key_type in ECDSA:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        _, _, hash_name = ECDSA[sig.public_key.key_type]
        curves: dict[str, ec.EllipticCurve] = {
            "nistp256": ec.SECP256R1(),
            "nistp384": ec.SECP384R1(),
            "nistp521": ec.SECP521R1(),
        }
        curve = curves[key.text("curve")]  # _check_key_blob matched it to the key type
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(curve, key.string())
        inner = _Reader(sig.raw, "the ECDSA signature")
        r, s = inner.mpint("ECDSA r"), inner.mpint("ECDSA s")
        inner.end()
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_hash(hash_name)))
    else:  # RSA; _signature_blob allowed only the SHA-2 types
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        e, n = key.mpint("RSA exponent"), key.mpint("RSA modulus")
        if not RSA_MIN_BITS <= n.bit_length() <= RSA_MAX_BITS:
            raise SignatureError(
                f"RSA keys of {n.bit_length()} bits are not accepted"
                f" ({RSA_MIN_BITS} to {RSA_MAX_BITS} bits)"
            )
        size = (n.bit_length() + 7) // 8
        if len(sig.raw) > size:
            raise SignatureError("the RSA signature is longer than the key's modulus")
        rsa_key = rsa.RSAPublicNumbers(e, n).public_key()
        raw = sig.raw.rjust(size, b"\0")  # OpenSSH accepts a signature with zeros cut off
        rsa_key.verify(raw, data, padding.PKCS1v15(), _hash(RSA_SIGNATURES[sig.sig_type]))


def verify(armored: str | bytes, message: bytes, namespace: str = NAMESPACE) -> PublicKey:
    """Check that ``armored`` signs ``message`` in ``namespace``; return the key that signed.

    The caller decides whether that key may sign (:func:`guard.attest.signers.who`)."""
    sig = parse_signature(armored)
    if sig.namespace != namespace:
        raise SignatureError(
            f"signature is for namespace {_quoted(sig.namespace)}, not {_quoted(namespace)}"
        )
    from cryptography.exceptions import InvalidSignature

    try:
        _check(sig, _signed_data(namespace, sig.hash_algorithm, message))
    except InvalidSignature:
        raise SignatureError("the signature does not match the signed data") from None
    except ValueError as exc:  # a key cryptography refuses: not on the curve, bad exponent
        raise SignatureError(
            f"the {sig.public_key.key_type} public key is invalid: {exc}"
        ) from None
    return sig.public_key


_HOW_TO_FIX = "set git config user.signingkey to your SSH key, or pass --key PATH"


def sign(
    message: bytes, key_path: Path, namespace: str = NAMESPACE, *, interactive: bool = False
) -> str:
    """Sign ``message`` with ``ssh-keygen -Y sign`` and return the armored signature.

    ``key_path`` is a private key, or a public key whose private half is in ssh-agent. Unless
    ``interactive``, ssh-keygen runs without a terminal and with ``SSH_ASKPASS_REQUIRE=never``,
    so a key that needs a passphrase fails at once instead of waiting for one; with it, the
    passphrase is asked on the terminal. Either way ssh-keygen gets :data:`SIGN_TIMEOUT`.
    """
    import os
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise GuardError("cannot sign: ssh-keygen is not installed (install the OpenSSH client)")
    if not key_path.is_file():
        raise GuardError(f"cannot sign: there is no SSH key at {key_path}; {_HOW_TO_FIX}")
    env = dict(os.environ)
    if not interactive:
        env["SSH_ASKPASS_REQUIRE"] = "never"
    with tempfile.TemporaryDirectory(prefix="bumpguard-sign-") as tmp:  # mode 0700
        path = Path(tmp) / "message"
        path.write_bytes(message)
        command = [exe, "-Y", "sign", "-n", namespace, "-f", str(key_path), str(path)]
        try:
            proc = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=env,
                timeout=SIGN_TIMEOUT,
                start_new_session=not interactive,  # no controlling terminal to prompt on
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GuardError(
                f"cannot sign: ssh-keygen did not finish within {SIGN_TIMEOUT:.0f} s;"
                f" if {key_path} needs a passphrase, add it to ssh-agent (ssh-add)"
            ) from None
        except OSError as exc:
            raise GuardError(f"cannot sign: cannot run ssh-keygen: {exc}") from None
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = "".join(c for c in (said[-1] if said else "") if c.isprintable())[:300]
            raise GuardError(
                f"cannot sign with {key_path}: ssh-keygen says {detail!r}. If the key has a"
                f" passphrase, add it to ssh-agent (ssh-add) first; otherwise {_HOW_TO_FIX}"
            )
        try:
            armored = read_bytes(
                path.with_name("message.sig"),
                "the signature ssh-keygen wrote",
                limit=MAX_ARMORED_BYTES,
            )
        except InputError as exc:
            raise GuardError(f"cannot sign: {exc}") from None
    try:
        verify(armored, message, namespace)
    except SignatureError as exc:
        raise GuardError(
            f"cannot sign: the signature ssh-keygen made does not verify here: {exc}"
        ) from None
    return armored.decode("ascii")
