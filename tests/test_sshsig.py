"""SSH signatures verified in-process, with real keys, and OpenSSH's ``ssh-keygen -Y verify``
as the control: both must accept and refuse the same signatures."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from guard.attest import sshsig
from guard.attest.signers import (
    MAX_ENTRIES,
    load_allowed_signers,
    parse_allowed_signers,
    who,
)
from guard.attest.sshsig import (
    NAMESPACE,
    PublicKey,
    SignatureError,
    parse_public_key,
    parse_signature,
    sign,
    verify,
)
from guard.errors import EXIT_ERROR, GuardError, InputError
from tests.conftest import ROOT

SSH_KEYGEN = shutil.which("ssh-keygen")
if SSH_KEYGEN is None:
    pytest.skip(
        "ssh-keygen (the OpenSSH client) is not on PATH: these tests make real keys with it "
        "and use it as the control verifier",
        allow_module_level=True,
    )

MESSAGE = b"approve requests==2.32.3\nsha256:0123456789abcdef\n"
KINDS = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa521": ["-t", "ecdsa", "-b", "521"],
    "rsa2048": ["-t", "rsa", "-b", "2048"],
}
SIG_TYPES = {
    "ed25519": "ssh-ed25519",
    "ecdsa256": "ecdsa-sha2-nistp256",
    "ecdsa384": "ecdsa-sha2-nistp384",
    "ecdsa521": "ecdsa-sha2-nistp521",
    "rsa2048": "rsa-sha2-512",
}
#: What ssh-keygen may read besides its arguments: no agent, no askpass, UTC.
UNSET = ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "DISPLAY", "WAYLAND_DISPLAY", "SSH_ASKPASS")


def quiet_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env["TZ"] = "UTC"
    return env


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "UTC")


def keygen(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(SSH_KEYGEN), *args],
        input=stdin,
        capture_output=True,
        env=quiet_env(),
        timeout=60,
        start_new_session=True,
        check=False,
    )


@dataclass(frozen=True)
class Key:
    name: str
    path: Path
    public: PublicKey
    fingerprint: str  # as `ssh-keygen -l` prints it
    principal: str


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for name, args in KINDS.items():
        path = folder / name
        principal = f"{name}@example.com"
        made = keygen("-q", *args, "-N", "", "-C", principal, "-f", str(path))
        assert made.returncode == 0, made.stderr
        listed = keygen("-l", "-f", f"{path}.pub")
        assert listed.returncode == 0, listed.stderr
        fingerprint = listed.stdout.decode().split()[1]
        public = parse_public_key(Path(f"{path}.pub").read_text())
        out[name] = Key(name, path, public, fingerprint, principal)
    return out


@pytest.fixture(scope="module")
def signatures(keys: dict[str, Key]) -> dict[str, str]:
    """MESSAGE signed by each key through sshsig.sign (so through ssh-keygen -Y sign)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in UNSET:
            patch.delenv(name, raising=False)
        return {name: sign(MESSAGE, key.path) for name, key in keys.items()}


def allowed_line(key: Key, options: str = "") -> str:
    return f"{key.principal} {options + ' ' if options else ''}{key.public.to_openssh()}\n"


def openssh_accepts(
    tmp_path: Path,
    allowed: str,
    principal: str,
    signature: str | bytes,
    message: bytes,
    namespace: str = NAMESPACE,
) -> bool:
    """The control: `ssh-keygen -Y verify` on the same signature, message and signers."""
    signers_file = tmp_path / "allowed_signers.control"
    signers_file.write_text(allowed)
    sig_file = tmp_path / "control.sig"
    sig_file.write_bytes(signature.encode() if isinstance(signature, str) else signature)
    args = ["-Y", "verify", "-f", str(signers_file), "-I", principal, "-n", namespace]
    return keygen(*args, "-s", str(sig_file), stdin=message).returncode == 0


# -- building signatures by hand ------------------------------------------------------------


def string(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return struct.pack(">I", len(raw)) + raw


def mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return string(raw)


def blob(
    key_blob: bytes,
    signature: bytes,
    *,
    namespace: str = NAMESPACE,
    hash_algorithm: str = "sha512",
    magic: bytes = b"SSHSIG",
    version: int = 1,
    reserved: bytes = b"",
) -> bytes:
    return (
        magic
        + struct.pack(">I", version)
        + string(key_blob)
        + string(namespace)
        + string(reserved)
        + string(hash_algorithm)
        + string(signature)
    )


def armor(data: bytes) -> str:
    body = base64.b64encode(data).decode()
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "\n".join([sshsig.BEGIN, *lines, sshsig.END]) + "\n"


def unarmor(armored: str) -> bytes:
    return base64.b64decode("".join(armored.strip().splitlines()[1:-1]))


def signed_data(namespace: str, hash_algorithm: str, message: bytes) -> bytes:
    """What an SSHSIG signature signs, built here from PROTOCOL.sshsig (not by the code under
    test)."""
    digest = hashlib.new(hash_algorithm, message).digest()
    return b"SSHSIG" + string(namespace) + string(b"") + string(hash_algorithm) + string(digest)


def inner(sig_type: str, raw: bytes) -> bytes:
    return string(sig_type) + string(raw)


def rebuilt(armored: str) -> bytes:
    """The blob of a parsed signature, rebuilt field by field (a check of the builders)."""
    sig = parse_signature(armored)
    return blob(
        sig.public_key.blob,
        inner(sig.sig_type, sig.raw),
        namespace=sig.namespace,
        hash_algorithm=sig.hash_algorithm,
    )


# -- signing and verifying with every key type ----------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_signature_from_ssh_keygen_verifies_in_process(
    kind: str, keys: dict[str, Key], signatures: dict[str, str]
) -> None:
    key = keys[kind]
    signer = verify(signatures[kind], MESSAGE)
    assert signer == key.public
    assert signer.fingerprint == key.fingerprint
    assert signer.to_openssh() == " ".join(Path(f"{key.path}.pub").read_text().split()[:2])
    sig = parse_signature(signatures[kind])
    assert (sig.sig_type, sig.hash_algorithm, sig.namespace) == (
        SIG_TYPES[kind],
        "sha512",
        NAMESPACE,
    )
    assert unarmor(signatures[kind]) == rebuilt(signatures[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_openssh_and_the_verifier_agree_on_a_good_and_a_tampered_message(
    kind: str, keys: dict[str, Key], signatures: dict[str, str], tmp_path: Path
) -> None:
    key, armored = keys[kind], signatures[kind]
    allowed = allowed_line(key)
    assert openssh_accepts(tmp_path, allowed, key.principal, armored, MESSAGE)
    tampered = MESSAGE.replace(b"2.32.3", b"2.32.4")
    assert not openssh_accepts(tmp_path, allowed, key.principal, armored, tampered)
    with pytest.raises(SignatureError, match="does not match the signed data"):
        verify(armored, tampered)
    with pytest.raises(SignatureError, match="does not match"):
        verify(armored, MESSAGE + b"\n")


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa384", "rsa2048"])
def test_sha256_message_hash_from_ssh_keygen(
    kind: str, keys: dict[str, Key], tmp_path: Path
) -> None:
    msg = tmp_path / "msg"
    msg.write_bytes(MESSAGE)
    made = keygen(
        "-Y", "sign", "-n", NAMESPACE, "-O", "hashalg=sha256", "-f", str(keys[kind].path), str(msg)
    )
    assert made.returncode == 0, made.stderr
    armored = Path(f"{msg}.sig").read_text()
    assert parse_signature(armored).hash_algorithm == "sha256"
    assert verify(armored, MESSAGE) == keys[kind].public
    with pytest.raises(SignatureError, match="does not match"):
        verify(armored, MESSAGE[:-1])


def test_a_signature_in_another_namespace_is_refused(keys: dict[str, Key], tmp_path: Path) -> None:
    key = keys["ed25519"]
    armored = sign(MESSAGE, key.path, "git")
    with pytest.raises(SignatureError, match="namespace 'git', not 'bumpguard-review'"):
        verify(armored, MESSAGE)
    assert verify(armored, MESSAGE, "git") == key.public  # control: it is a good signature
    allowed = allowed_line(key)
    assert not openssh_accepts(tmp_path, allowed, key.principal, armored, MESSAGE)
    assert openssh_accepts(tmp_path, allowed, key.principal, armored, MESSAGE, "git")


def test_a_key_that_is_not_an_allowed_signer_is_named(
    keys: dict[str, Key], signatures: dict[str, str], tmp_path: Path
) -> None:
    a, b = keys["ed25519"], keys["ecdsa256"]
    allowed = allowed_line(b).replace(b.principal, a.principal)
    signer = verify(signatures["ed25519"], MESSAGE)  # the signature itself is fine
    entry, reason = who(
        parse_allowed_signers(allowed, "allowed_signers"),
        signer,
        NAMESPACE,
        datetime.now(timezone.utc),
    )
    assert entry is None
    assert reason == f"key {a.fingerprint} is not in allowed_signers"
    assert not openssh_accepts(tmp_path, allowed, a.principal, signatures["ed25519"], MESSAGE)


def test_verifying_needs_no_ssh_keygen(
    keys: dict[str, Key],
    signatures: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("ssh-keygen") is None

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify started a process")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    for kind, armored in signatures.items():
        assert verify(armored, MESSAGE) == keys[kind].public


def test_importing_the_modules_does_not_import_cryptography() -> None:
    probe = (
        "import sys, guard.attest.sshsig, guard.attest.signers\n"
        "assert 'cryptography' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)


# -- RSA signature algorithms ---------------------------------------------------------------


def crafted_rsa(key: Key, sig_type: str) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = serialization.load_ssh_private_key(key.path.read_bytes(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    digest = {"ssh-rsa": hashes.SHA1(), "rsa-sha2-256": hashes.SHA256()}[sig_type]
    data = signed_data(NAMESPACE, "sha512", MESSAGE)
    raw = private.sign(data, padding.PKCS1v15(), digest)
    return armor(blob(key.public.blob, inner(sig_type, raw)))


def test_a_sha1_rsa_signature_is_refused_like_openssh_does(
    keys: dict[str, Key], tmp_path: Path
) -> None:
    key = keys["rsa2048"]
    allowed = allowed_line(key)
    sha256 = crafted_rsa(key, "rsa-sha2-256")  # control: the crafting is right
    assert openssh_accepts(tmp_path, allowed, key.principal, sha256, MESSAGE)
    assert verify(sha256, MESSAGE) == key.public
    sha1 = crafted_rsa(key, "ssh-rsa")
    assert not openssh_accepts(tmp_path, allowed, key.principal, sha1, MESSAGE)
    with pytest.raises(SignatureError, match="SHA-1 RSA signatures are not accepted"):
        verify(sha1, MESSAGE)


def test_an_rsa_key_below_2048_bits_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = rsa.generate_private_key(65537, 1024)
    numbers = private.public_key().public_numbers()
    key_blob = string("ssh-rsa") + mpint(numbers.e) + mpint(numbers.n)
    data = signed_data(NAMESPACE, "sha512", MESSAGE)
    raw = private.sign(data, padding.PKCS1v15(), hashes.SHA512())
    with pytest.raises(SignatureError, match="RSA keys of 1024 bits are not accepted"):
        verify(armor(blob(key_blob, inner("rsa-sha2-512", raw))), MESSAGE)


# -- malformed signatures -------------------------------------------------------------------


def ed25519_parts(signatures: dict[str, str]) -> tuple[bytes, bytes]:
    sig = parse_signature(signatures["ed25519"])
    return sig.public_key.blob, inner(sig.sig_type, sig.raw)


def sk_key() -> bytes:
    return string("sk-ssh-ed25519@openssh.com") + string(b"\1" * 32) + string("ssh:")


MALFORMED: dict[str, tuple[Callable[[bytes, bytes, str], str | bytes], str]] = {
    "no armor": (lambda k, s, a: "hello", "no BEGIN SSH SIGNATURE armor"),
    "empty": (lambda k, s, a: "", "no BEGIN SSH SIGNATURE armor"),
    "a public key": (lambda k, s, a: "ssh-ed25519 AAAA", "no BEGIN SSH SIGNATURE armor"),
    "no END line": (lambda k, s, a: a.strip().rpartition("\n")[0], "no END SSH SIGNATURE"),
    "body cut": (lambda k, s, a: armor(unarmor(a)[:60]), "truncated"),
    "base64 garbled": (lambda k, s, a: a.replace("U1NI", "U1N!"), "not valid base64"),
    "base64 unpadded": (
        lambda k, s, a: armor(unarmor(a) + b"x").replace("=", ""),
        "not valid base64",
    ),
    "empty body": (lambda k, s, a: f"{sshsig.BEGIN}\n{sshsig.END}\n", "empty"),
    "not ASCII": (lambda k, s, a: a.encode() + "é".encode(), "not ASCII"),
    "over 64 KiB": (lambda k, s, a: a + " " * 65536, "larger than 64 KiB"),
    "trailing bytes": (lambda k, s, a: armor(blob(k, s) + b"\0"), "1 trailing bytes"),
    "trailing inside": (lambda k, s, a: armor(blob(k, s + b"\0\0")), "trailing"),
    "wrong magic": (lambda k, s, a: armor(blob(k, s, magic=b"SSHSIH")), "magic"),
    "version 2": (lambda k, s, a: armor(blob(k, s, version=2)), "version 2 is not"),
    "version 0": (lambda k, s, a: armor(blob(k, s, version=0)), "version 0 is not"),
    "hash sha1": (lambda k, s, a: armor(blob(k, s, hash_algorithm="sha1")), "hash algorithm"),
    "empty namespace": (lambda k, s, a: armor(blob(k, s, namespace="")), "empty namespace"),
    "control char": (
        lambda k, s, a: armor(blob(k, s, namespace="x\x1b[2J")),
        "control characters",
    ),
    "sig type": (
        lambda k, s, a: armor(blob(k, inner("ssh-rsa", b"\0" * 64))),
        "'ssh-rsa' does not fit a ssh-ed25519 key",
    ),
    "short ed25519": (lambda k, s, a: armor(blob(k, inner("ssh-ed25519", b"x"))), "64 bytes"),
    "DSA key": (
        lambda k, s, a: armor(blob(string("ssh-dss") + mpint(7) * 4, s)),
        "unsupported key type 'ssh-dss'",
    ),
    "certificate": (
        lambda k, s, a: armor(blob(string("ssh-ed25519-cert-v01@openssh.com") + k[15:], s)),
        "unsupported key type",
    ),
    "key length": (lambda k, s, a: armor(blob(k[:-1], s)), "truncated"),
    "key trailing": (lambda k, s, a: armor(blob(k + b"\0", s)), "trailing"),
    "curve swap": (
        lambda k, s, a: armor(
            blob(string("ecdsa-sha2-nistp384") + string("nistp256") + string(b"\4" * 65), s)
        ),
        "not on curve nistp384",
    ),
    "compressed point": (
        lambda k, s, a: armor(
            blob(string("ecdsa-sha2-nistp256") + string("nistp256") + string(b"\2" * 33), s)
        ),
        "not an uncompressed point",
    ),
    "negative mpint": (
        lambda k, s, a: armor(blob(string("ssh-rsa") + string(b"\x81") + mpint(7), s)),
        "negative",
    ),
    "padded mpint": (
        lambda k, s, a: armor(blob(string("ssh-rsa") + string(b"\0\1\0\1") + mpint(7), s)),
        "not minimally encoded",
    ),
    "security key": (
        lambda k, s, a: armor(blob(sk_key(), s)),
        r"security-key \(sk-\) signatures are not supported yet",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_signature_is_a_signature_error(case: str, signatures: dict[str, str]) -> None:
    key_blob, sig = ed25519_parts(signatures)
    make, message = MALFORMED[case]
    with pytest.raises(SignatureError, match=message) as caught:
        verify(make(key_blob, sig, signatures["ed25519"]), MESSAGE)
    assert caught.value.exit_code == EXIT_ERROR


def test_a_point_off_the_curve_is_a_signature_error(signatures: dict[str, str]) -> None:
    key = parse_signature(signatures["ecdsa256"])
    off = bytearray(key.public_key.blob)
    off[-1] ^= 1
    armored = armor(blob(bytes(off), inner(key.sig_type, key.raw)))
    with pytest.raises(SignatureError, match="public key is invalid"):
        verify(armored, MESSAGE)


def test_ed25519_signed_with_sha256_hash_by_hand_verifies_in_both(
    keys: dict[str, Key], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = keys["ed25519"]
    private = serialization.load_ssh_private_key(key.path.read_bytes(), None)
    assert isinstance(private, Ed25519PrivateKey)
    raw = private.sign(signed_data(NAMESPACE, "sha256", MESSAGE))
    armored = armor(blob(key.public.blob, inner("ssh-ed25519", raw), hash_algorithm="sha256"))
    assert openssh_accepts(tmp_path, allowed_line(key), key.principal, armored, MESSAGE)
    assert verify(armored, MESSAGE) == key.public
    ignored = armor(
        unarmor(armored).replace(string(b"") + string("sha256"), string(b"x") + string("sha256"))
    )
    assert verify(ignored, MESSAGE) == key.public  # the reserved field is not signed
    assert openssh_accepts(tmp_path, allowed_line(key), key.principal, ignored, MESSAGE)


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out) + 1)
        op = rng.randrange(5)
        if op == 0 and out:
            out[at % len(out)] ^= 1 << rng.randrange(8)
        elif op == 1:
            out[at:at] = bytes([rng.randrange(256)])
        elif op == 2:
            del out[at : at + rng.randint(1, 8)]
        elif op == 3:
            out = out[:at]
        else:  # a length field set to something large or small
            out[at : at + 4] = struct.pack(">I", rng.choice([0, 1, 0xFFFFFFFF, 65, 2**31]))
    return bytes(out)


def test_fuzzed_signatures_only_ever_raise_signature_error(signatures: dict[str, str]) -> None:
    rng = random.Random(20240611)
    originals = list(signatures.values())
    refused = 0
    for _ in range(3000):
        armored = rng.choice(originals)
        if rng.random() < 0.8:
            candidate: str | bytes = armor(mutate_bytes(rng, unarmor(armored)))
        else:
            candidate = mutate_bytes(rng, armored.encode())
        try:
            verify(candidate, MESSAGE)
        except SignatureError:
            refused += 1
    assert refused > 2900


# -- allowed_signers ------------------------------------------------------------------------


def test_an_allowed_signers_file_with_options_quotes_and_comments(keys: dict[str, Key]) -> None:
    ed, ec = keys["ed25519"].public.to_openssh(), keys["ecdsa256"].public.to_openssh()
    text = (
        "# reviewers of this repository\n"
        "\n"
        f'alice@example.com,bob@example.com NAMESPACES="bumpguard-review" {ed} alice laptop\n'
        f'   "carol example" valid-after="20240101",Valid-Before="202501311230Z" {ec}\r\n'
        "\t# indented comment\n"
        f'*@example.com,!mallory@example.com namespaces="bump*,git" {ed}\n'
    )
    first, second, third = parse_allowed_signers(text, "allowed_signers")
    assert (first.line, second.line, third.line) == (3, 4, 6)
    assert first.principals == ("alice@example.com", "bob@example.com")
    assert first.namespaces == ("bumpguard-review",)
    assert first.key == keys["ed25519"].public
    assert (first.valid_after, first.valid_before) == (None, None)
    assert second.principals == ("carol example",)
    assert second.namespaces is None
    assert second.valid_after == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert second.valid_before == datetime(2025, 1, 31, 12, 30, tzinfo=timezone.utc)
    assert third.namespaces == ("bump*", "git")
    assert third.permits("dave@example.com")
    assert not third.permits("mallory@example.com")
    assert not third.permits("dave@example.org")


NOW = datetime.now(timezone.utc)
PAST, FUTURE = NOW - timedelta(days=400), NOW + timedelta(days=400)


def stamp(when: datetime, utc: bool = True) -> str:
    return when.strftime("%Y%m%d%H%M%S") + ("Z" if utc else "")


#: options -> what who() says at NOW ("" when it allows the key); OpenSSH must agree.
WHO_CASES = {
    "": "",
    'namespaces="bumpguard-review"': "",
    'namespaces="git,file"': "allowed only for namespaces git,file",
    'namespaces="bump*"': "",
    'namespaces="bumpguard-revie?"': "",
    'namespaces="*,!bumpguard-review"': "allowed only for namespaces *,!bumpguard-review",
    f'valid-after="{stamp(PAST)}"': "",
    f'valid-after="{stamp(FUTURE)[:8]}"': f"valid only after {FUTURE:%Y-%m-%d}",
    f'valid-before="{stamp(PAST)[:8]}Z"': f"expired on {PAST:%Y-%m-%d}",
    f'valid-before="{stamp(FUTURE, utc=False)}"': "",
    f'valid-after="{stamp(PAST)}",valid-before="{stamp(PAST + timedelta(days=1))}"': "expired on",
    f'namespaces="git",valid-before="{stamp(PAST)}"': "allowed only for namespaces git",
}


@pytest.mark.parametrize("options", WHO_CASES)
def test_who_agrees_with_openssh_on_namespaces_and_validity(
    options: str, keys: dict[str, Key], signatures: dict[str, str], tmp_path: Path
) -> None:
    key = keys["ecdsa256"]
    allowed = allowed_line(key, options)
    entries = parse_allowed_signers(allowed, "allowed_signers")
    signer = verify(signatures["ecdsa256"], MESSAGE)
    entry, reason = who(entries, signer, NAMESPACE, datetime.now(timezone.utc))
    expected = WHO_CASES[options]
    assert (entry is None) == bool(expected)
    assert reason.startswith(expected)
    if entry is not None:
        assert entry is entries[0]
        assert reason == ""
    control = openssh_accepts(tmp_path, allowed, key.principal, signatures["ecdsa256"], MESSAGE)
    assert control == (entry is not None)


def test_who_takes_the_first_entry_that_allows_and_explains_every_refusal(
    keys: dict[str, Key],
) -> None:
    key = keys["ed25519"]
    text = (
        allowed_line(key, 'namespaces="git"')
        + allowed_line(key, 'valid-before="20200101Z"')
        + allowed_line(key, 'valid-after="20300101"')
    )
    entries = parse_allowed_signers(text, "allowed_signers")
    entry, reason = who(entries, key.public, NAMESPACE, datetime(2025, 6, 1))  # naive: UTC
    assert entry is None
    assert reason == (
        "line 1: allowed only for namespaces git; line 2: expired on 2020-01-01;"
        " line 3: valid only after 2030-01-01"
    )
    entry, reason = who(entries, key.public, "git", datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert entry is entries[0]
    late = datetime(2031, 1, 1, 12, tzinfo=timezone(timedelta(hours=5)))
    assert who(entries, key.public, NAMESPACE, late)[0] is entries[2]
    edge = datetime(2020, 1, 1, 0, 0, 0, 999_999, tzinfo=timezone.utc)  # OpenSSH counts seconds
    assert who(entries[1:2], key.public, NAMESPACE, edge)[0] is entries[1]


PRINCIPALS = "*@example.com,!mallory@example.com,ops-??"


@pytest.mark.parametrize(
    ("principal", "permitted"),
    [
        ("alice@example.com", True),
        ("mallory@example.com", False),
        ("alice@example.org", False),
        ("ops-12", True),
        ("ops-123", False),
        ("@example.com", True),
    ],
)
def test_principal_patterns_match_as_openssh_matches_them(
    principal: str,
    permitted: bool,
    keys: dict[str, Key],
    signatures: dict[str, str],
    tmp_path: Path,
) -> None:
    key = keys["ed25519"]
    allowed = f"{PRINCIPALS} {key.public.to_openssh()}\n"
    (entry,) = parse_allowed_signers(allowed, "allowed_signers")
    assert entry.permits(principal) is permitted
    control = openssh_accepts(tmp_path, allowed, principal, signatures["ed25519"], MESSAGE)
    assert control is permitted


def test_glob_matching_is_not_exponential() -> None:
    key = "ssh-ed25519 " + base64.b64encode(string("ssh-ed25519") + string(b"k" * 32)).decode()
    (entry,) = parse_allowed_signers(f"{'a*' * 2000}b {key}\n", "allowed_signers")
    started = time.perf_counter()
    assert not entry.permits("a" * 5000)
    assert time.perf_counter() - started < 5


def ed25519_line(principals: str = "alice@example.com", options: str = "") -> str:
    key = base64.b64encode(string("ssh-ed25519") + string(b"k" * 32)).decode()
    return f"{principals} {options} ssh-ed25519 {key}".replace("  ", " ")


ED_B64 = ed25519_line().split()[-1]
MALFORMED_LINES = {
    "alice@example.com": "the key is missing",
    "alice@example.com ssh-ed25519": "the base64 key after ssh-ed25519 is missing",
    "alice@example.com ssh-ed25519 AAAA!!!!": "not valid base64",
    "alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE": "not valid base64",
    "alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA": "truncated",
    "alice@example.com ssh-dss AAAAB3NzaC1kc3M=": "unsupported key type 'ssh-dss'",
    f"alice@example.com ssh-rsa {ED_B64}": "not of type ssh-rsa",
    f"alice@example.com ssh-ed25519 {ED_B64}é": "not valid base64",
    f'alice@example.com "ssh-ed25519 {ED_B64}"': "unsupported key type",
    ed25519_line(options="namespaces=git"): 'needs a value in quotes: namespaces="..."',
    ed25519_line(options='namespaces="git'): "quote is not closed",
    ed25519_line(options='namespace="git"'): "unknown option 'namespace'",
    ed25519_line(options="no-touch-required"): "unknown option 'no-touch-required'",
    ed25519_line(options='namespaces="a",namespaces="b"'): "namespaces is given twice",
    ed25519_line(options='namespaces="git",'): "separated by commas",
    ed25519_line(options='namespaces="git"x'): "separated by commas",
    ed25519_line(options='namespaces=""'): "empty pattern in the namespaces",
    ed25519_line(options='namespaces="a,,b"'): "empty pattern in the namespaces",
    ed25519_line(options='valid-after="2024"'): "is not a time",
    ed25519_line(options='valid-after="20241301Z"'): "is not a time",
    ed25519_line(options='valid-after="\uff12\uff10\uff12\uff140101"'): "is not a time",
    ed25519_line(options='valid-before="20240230"'): "is not a time",
    ed25519_line(options='valid-after="20250101Z",valid-before="20240101Z"'): "not later than",
    ed25519_line(options="cert-authority"): "cert-authority lines are not supported",
    ed25519_line(options='CERT-AUTHORITY,namespaces="git"'): "cert-authority lines are not",
    ed25519_line('"alice@example.com'): "quote is not closed",
    ed25519_line('alice,"bob"'): "quote the whole principals field",
    ed25519_line("alice,,bob"): "empty pattern in the principals",
    ed25519_line("alice,!"): "empty pattern in the principals",
    ed25519_line("alice\x1b[31m"): r"U\+001B",
    ed25519_line('"alice\u202e"'): r"U\+202E",
}


@pytest.mark.parametrize("line", MALFORMED_LINES)
def test_a_malformed_line_is_an_input_error_naming_the_line(line: str) -> None:
    text = "# reviewers\n" + ed25519_line() + "\n\n" + line + "\n" + ed25519_line("bob") + "\n"
    with pytest.raises(InputError, match=MALFORMED_LINES[line]) as caught:
        parse_allowed_signers(text, "allowed_signers")
    assert (caught.value.path, caught.value.line) == ("allowed_signers", 4)
    assert str(caught.value).startswith("allowed_signers:4: ")


def test_cert_authority_names_the_fix() -> None:
    with pytest.raises(InputError) as caught:
        parse_allowed_signers(ed25519_line("*@example.com", "cert-authority"), "signers")
    assert caught.value.detail == (
        "cert-authority lines are not supported: list each reviewer's own key"
    )


FUZZ_PIECES = [
    " ",
    "\t",
    "\r",
    "\n",
    '"',
    ",",
    "=",
    "!",
    "*",
    "?",
    "#",
    "\\",
    '\\"',
    "Z",
    "0",
    "9",
    "namespaces=",
    'namespaces="',
    "valid-after=",
    'valid-before="2024',
    "cert-authority",
    "ssh-ed25519 ",
    "ssh-rsa ",
    "ecdsa-sha2-nistp256 ",
    "sk-ssh-ed25519@openssh.com ",
    "AAAA",
    "=",
    "é",
    "\x00",
    "\x1b",
    "\ufeff",
    "\u2028",
    "\udc80",
]


def mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(chars) + 1)
        op = rng.randrange(6)
        if op == 0 and chars:
            del chars[at : at + rng.randint(1, 12)]
        elif op == 1:
            chars[at:at] = list(rng.choice(FUZZ_PIECES))
        elif op == 2 and chars:
            start = rng.randrange(len(chars))
            chars[at:at] = chars[start : start + rng.randint(1, 40)]
        elif op == 3:
            chars[at:at] = [chr(rng.randrange(0x110000))]
        elif op == 4 and chars:
            chars[at % len(chars)] = rng.choice(FUZZ_PIECES)
        else:
            chars = chars[:at]
    return "".join(chars)


def test_fuzzed_allowed_signers_only_ever_raise_input_error(keys: dict[str, Key]) -> None:
    valid = (
        "# reviewers\n\n"
        + allowed_line(keys["ed25519"], 'namespaces="bumpguard-review,git"')
        + allowed_line(keys["ecdsa384"], 'valid-after="20240101",valid-before="20301231235959Z"')
        + allowed_line(keys["rsa2048"]).replace(keys["rsa2048"].principal, '"r s@x"')
    )
    assert len(parse_allowed_signers(valid, "fuzz")) == 3  # control
    rng = random.Random(7)
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(4000):
        if rng.random() < 0.05:
            text = bytes(rng.randrange(256) for _ in range(rng.randrange(300))).decode(
                "utf-8", "surrogateescape"
            )
        else:
            text = mutate_text(rng, valid)
        try:
            entries = parse_allowed_signers(text, "fuzz")
        except InputError as exc:
            assert exc.path == "fuzz"
            outcomes["refused"] += 1
        else:
            outcomes["parsed"] += 1
            for entry in entries:
                who(entries, entry.key, NAMESPACE, NOW)
                entry.permits("alice@example.com")
    assert outcomes["parsed"] > 50 and outcomes["refused"] > 3000, outcomes


def test_the_size_and_entry_caps(tmp_path: Path) -> None:
    line = ed25519_line("a") + "\n"
    at_cap = line * MAX_ENTRIES
    assert len(parse_allowed_signers(at_cap, "signers")) == MAX_ENTRIES
    with pytest.raises(InputError, match="more than 10000 entries") as caught:
        parse_allowed_signers(at_cap + line, "signers")
    assert caught.value.line == MAX_ENTRIES + 1
    with pytest.raises(InputError, match="larger than 1 MiB") as caught:
        parse_allowed_signers("#" * (1024 * 1024 + 1), "signers")
    assert caught.value.line is None
    big = tmp_path / "big"
    big.write_text("#" * (1024 * 1024 + 1))
    with pytest.raises(InputError, match="larger than 1 MiB"):
        load_allowed_signers(big, ".bumpguard/allowed_signers")


def test_loading_a_file(keys: dict[str, Key], tmp_path: Path) -> None:
    path = tmp_path / "allowed_signers"
    path.write_bytes(b"\xef\xbb\xbf" + allowed_line(keys["ed25519"]).encode())
    (entry,) = load_allowed_signers(path, ".bumpguard/allowed_signers")
    assert entry.key == keys["ed25519"].public
    path.write_bytes(b"# ok\n" + allowed_line(keys["ed25519"]).encode() + b"# caf\xe9\n")
    with pytest.raises(InputError, match="not valid UTF-8") as caught:
        load_allowed_signers(path, ".bumpguard/allowed_signers")
    assert caught.value.line == 3
    with pytest.raises(InputError, match="no such file"):
        load_allowed_signers(tmp_path / "missing", "missing")
    with pytest.raises(InputError, match="directory"):
        load_allowed_signers(tmp_path, "folder")


# -- public keys ----------------------------------------------------------------------------


def test_public_key_parsing(keys: dict[str, Key]) -> None:
    for key in keys.values():
        text = Path(f"{key.path}.pub").read_text()
        assert parse_public_key(text) == key.public
        assert parse_public_key(key.public.to_openssh()) == key.public
    ed = keys["ed25519"].public.to_openssh().split()[1]
    for bad, message in [
        ("", "needs a key type and a base64 key"),
        ("ssh-ed25519", "needs a key type"),
        (f"ssh-rsa {ed}", "not of type ssh-rsa"),
        (f"ssh-dss {ed}", "unsupported key type 'ssh-dss'"),
        ("ssh-ed25519 AAAA=", "not valid base64"),
        ("ssh-ed25519 AAAAé", "not valid base64"),
        ("ssh-ed25519 AAB=", "not valid base64"),  # trailing bits set: not canonical
        ("ssh-ed25519 AAAA", "truncated"),
        ("ssh-ed25519 " + base64.b64encode(string("ssh-ed25519") + string(b"k")).decode(), "32"),
    ]:
        with pytest.raises(SignatureError, match=message):
            parse_public_key(bad)


# -- signing --------------------------------------------------------------------------------


def test_sign_without_a_key_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(GuardError, match=r"git config user\.signingkey") as caught:
        sign(MESSAGE, tmp_path / "id_missing")
    assert type(caught.value) is GuardError
    assert caught.value.exit_code == EXIT_ERROR


@pytest.fixture(scope="module")
def locked_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("locked") / "id_locked"
    made = keygen("-q", "-t", "ed25519", "-N", "secret", "-f", str(path))
    assert made.returncode == 0, made.stderr
    return path


def test_sign_with_a_passphrase_and_no_agent_fails_at_once(locked_key: Path) -> None:
    started = time.monotonic()
    with pytest.raises(GuardError, match="passphrase, add it to ssh-agent") as caught:
        sign(MESSAGE, locked_key)
    assert time.monotonic() - started < 20
    assert "ssh-keygen says" in str(caught.value)  # what it said is passed on


def test_sign_with_a_public_key_and_no_agent_fails(keys: dict[str, Key], tmp_path: Path) -> None:
    public = tmp_path / "only.pub"
    public.write_text(keys["ed25519"].public.to_openssh() + "\n")
    with pytest.raises(GuardError, match="ssh-agent") as caught:
        sign(MESSAGE, public)
    assert "ssh-keygen says" in str(caught.value)


def test_sign_without_ssh_keygen_says_so(
    keys: dict[str, Key], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GuardError, match="ssh-keygen is not installed"):
        sign(MESSAGE, keys["ed25519"].path)


def test_sign_leaves_no_temporary_files(
    keys: dict[str, Key], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    armored = sign(b"", keys["ed25519"].path)
    assert verify(armored, b"") == keys["ed25519"].public
    assert list(tmp_path.iterdir()) == []


def test_an_rsa_signature_with_its_leading_zero_cut_verifies_in_both(
    keys: dict[str, Key], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = keys["rsa2048"]
    private = serialization.load_ssh_private_key(key.path.read_bytes(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    for count in range(5000):  # about one signature in 256 starts with a zero byte
        message = MESSAGE + str(count).encode()
        data = signed_data(NAMESPACE, "sha512", message)
        raw = private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if raw[0] == 0:
            break
    else:
        pytest.fail("no signature started with a zero byte")
    armored = armor(blob(key.public.blob, inner("rsa-sha2-256", raw[1:])))
    assert openssh_accepts(tmp_path, allowed_line(key), key.principal, armored, message)
    assert verify(armored, message) == key.public
