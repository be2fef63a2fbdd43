"""What ``bumpguard check`` costs in a large uv workspace monorepo shaped like crewAI.

crewAI (crewAIInc/crewAI) is a uv workspace: a root ``pyproject.toml``, members under
``lib/``, one ``uv.lock`` of several hundred packages, and tens of thousands of other
tracked files (sources, tests with recorded cassettes, docs in four languages, images).
The hook reads git's whole index to find the dependency files, so on such a repository
it pays for the tree as well as for the lock. The script generates, in a temporary
folder, a git repository of that shape:

* 27,000 tracked files (``--files``, the review ledger included), present in the work
  tree and in the index, committed with one ``git fast-import`` and checked out;
* 12 ``pyproject.toml`` files (the workspace root and 11 members under ``lib/``) whose
  ``[project]`` dependencies include LLM SDKs (``openai>=1.99.0,<3``,
  ``litellm>=1.74.9``, ``anthropic>=0.64.0``, ...);
* the CLI's Jinja project template ``lib/cli/src/crewai_cli/templates/crew/pyproject.toml``,
  which is not TOML, excluded by ``.bumpguard.yaml`` (``extends: [builtin:llm-gateways]``
  and ``exclude: ["lib/cli/src/crewai_cli/templates/**"]``);
* a root ``uv.lock`` in uv's format with 480 registry packages (sdists and wheels with
  hashes, sizes and upload times, dependencies between them, one forked package), 13 of
  them protected by ``builtin:llm-gateways``, and the workspace members as editable or
  virtual sources.

A base commit holds an older lock whose protected versions (and the ``crewai`` member)
are approved offline; the staged change bumps 46 packages, 6 of them protected, and
approves 3 of those, so ``check`` must exit 1 with exactly 3 ``unreviewed`` findings
(openai, anthropic, langchain-core). The script fails loudly otherwise.

It then times, interleaved (one warm-up each, then the median of ``--repeat`` rounds, the
order rotated every round), fresh interpreters in the repository running:

* the baseline: ``python -c "import tomllib; tomllib.load(open('uv.lock', 'rb'))"``;
* ``python -m guard -C DIR check`` (exit 1 expected); the same with ``PRE_COMMIT=1``, as
  pre-commit runs it (inside a commit, check does not list untracked files); and the
  same with ``--format json``;
* references: ``python -c pass``, ``git ls-files -z --stage`` (the index read that
  discovery starts with) and ``git ls-files -z --others --exclude-standard`` (the
  untracked files a check outside a commit also reads).

Subprocesses get a temporary ``HOME`` and ``BUMPGUARD_CACHE_DIR`` (kept across the rounds,
as on a developer's machine: after the warm-up the lock's records are remembered, see
``guard.manifests.remembered``), bytecode cached in a temporary ``PYTHONPYCACHEPREFIX``, no
``CI`` and no git configuration. The same two checks also run with the caches off
(``BUMPGUARD_VERIFY_CACHE=0``, as under CI), which parse the lock every time. The bar is
``check`` at most 1.5x the baseline. ``--profile`` adds cProfile tables (top 15 by
cumulative and by own time) of one in-process run of
``guard.cli.main(["-C", DIR, "check"])`` in a fresh interpreter. Timings are never
asserted (exit 0 unless the setup or a check fails). Where the policy's ``exclude:``
does not work, ``check`` exits 2 on the template: the script says so and exits 2;
``--no-template`` leaves the template (and ``exclude:``) out.

Usage: ``python benchmarks/check_monorepo.py [--repeat 7] [--files 27000] [--profile]
[--no-template] [--keep]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from _bench import interleaved, print_ratios
from check_uvlock import Entry, LockWriter, synthetic_names
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from guard.findings import UNREVIEWED
from guard.manifests import file_format

BAR = 1.5
BASELINE = "tomllib.load(uv.lock) (baseline)"
CHECK = "bumpguard check"
HOOK = "bumpguard check, PRE_COMMIT=1 (hook)"
COLD = "bumpguard check, caches off (as under CI)"
COLD_HOOK = "bumpguard check, PRE_COMMIT=1, caches off"
FILES = 27_000
REGISTRY_PACKAGES = 480
SEED = 20251001
CREWAI_VERSION = "1.14.5a3"
TEMPLATE = "lib/cli/src/crewai_cli/templates/crew/pyproject.toml"
EXCLUDE = "lib/cli/src/crewai_cli/templates/**"


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a block of text (package names, requirements)."""
    return text.split()


def _table(text: str) -> dict[str, list[str]]:
    """``key: word word ...`` lines as a mapping."""
    rows = (line.partition(":") for line in text.strip().splitlines())
    return {key.strip(): _words(value) for key, _, value in rows}


# The 13 protected packages: (version at the base commit, version in the change, whether
# the change approves the new version). The three left unapproved are the expected findings.
PROTECTED: dict[str, tuple[str, str, bool]] = {
    "anthropic": ("0.64.0", "0.69.0", False),
    "cohere": ("5.17.0", "5.17.0", True),
    "google-genai": ("1.33.0", "1.41.0", True),
    "google-generativeai": ("0.8.5", "0.8.5", True),
    "groq": ("0.31.0", "0.31.0", True),
    "huggingface-hub": ("0.34.4", "0.35.3", True),
    "instructor": ("1.11.2", "1.11.2", True),
    "langchain-core": ("0.3.75", "0.3.79", False),
    "langchain-openai": ("0.3.32", "0.3.32", True),
    "litellm": ("1.74.9", "1.77.7", True),
    "mcp": ("1.13.1", "1.13.1", True),
    "mistralai": ("1.9.10", "1.9.10", True),
    "openai": ("1.99.9", "1.109.1", False),
}
UNPROTECTED_BUMPS = 40

# Real dependencies of the protected packages and a few others (the rest are drawn at
# random from the lock). langchain-core's langsmith is left out: it is protected too, and
# the lock holds exactly 13 protected packages.
KNOWN_DEPS = _table(
    """
anthropic: anyio distro docstring-parser httpx jiter pydantic sniffio typing-extensions
cohere: fastavro httpx httpx-sse pydantic pydantic-core requests tokenizers types-requests
google-genai: anyio google-auth httpx pydantic requests tenacity typing-extensions websockets
google-generativeai: google-ai-generativelanguage google-api-core google-api-python-client
    google-auth protobuf pydantic tqdm typing-extensions
groq: anyio distro httpx pydantic sniffio typing-extensions
huggingface-hub: filelock fsspec hf-xet packaging pyyaml requests tqdm typing-extensions
instructor: aiohttp diskcache docstring-parser jinja2 jiter openai pydantic pydantic-core
    requests rich tenacity typer
langchain-core: jsonpatch packaging pydantic pyyaml tenacity typing-extensions
langchain-openai: langchain-core openai tiktoken
litellm: aiohttp click httpx importlib-metadata jinja2 jsonschema openai pydantic python-dotenv
    tiktoken tokenizers
mcp: anyio httpx httpx-sse jsonschema pydantic pydantic-settings python-multipart sse-starlette
    starlette uvicorn
mistralai: eval-type-backport httpx invoke pydantic python-dateutil pyyaml typing-inspection
openai: anyio distro httpx jiter pydantic sniffio tqdm typing-extensions
httpx: anyio certifi httpcore idna
httpcore: certifi h11
pydantic: annotated-types pydantic-core typing-extensions typing-inspection
pydantic-core: typing-extensions
requests: certifi charset-normalizer idna urllib3
anyio: exceptiongroup idna sniffio typing-extensions
aiohttp: aiohappyeyeballs aiosignal attrs frozenlist multidict propcache yarl
rich: markdown-it-py pygments
markdown-it-py: mdurl
jinja2: markupsafe
tiktoken: regex requests
tokenizers: huggingface-hub
chromadb: bcrypt build grpcio httpx kubernetes mmh3 numpy onnxruntime opentelemetry-api
    opentelemetry-sdk orjson overrides posthog pybase64 pydantic pyyaml rich tenacity
    tokenizers tqdm typer typing-extensions uvicorn
""".replace("\n    ", " ")
)

# Real packages of crewAI's lock, at their versions of autumn 2025.
COMMON = dict(
    pin.split("==")
    for pin in _words("""
a2a-sdk==0.3.5 aiobotocore==2.24.2 aiocache==0.12.3 aiofiles==24.1.0 aiohappyeyeballs==2.6.1
aiohttp==3.12.15 aioitertools==0.12.0 aiosignal==1.4.0 aiosqlite==0.21.0 annotated-types==0.7.0
anyio==4.10.0 appdirs==1.4.4 asgiref==3.9.1 attrs==25.3.0 backoff==2.2.1 bcrypt==4.3.0
beautifulsoup4==4.13.5 boto3==1.40.18 botocore==1.40.18 build==1.3.0 cachetools==5.5.2
certifi==2025.8.3 cffi==2.0.0 cfgv==3.4.0 charset-normalizer==3.4.3 chromadb==1.1.0
click==8.1.8 colorama==0.4.6 coloredlogs==15.0.1 cryptography==46.0.1 dataclasses-json==0.6.7
deprecation==2.1.0 diskcache==5.6.3 distlib==0.4.0 distro==1.9.0 docker==7.1.0
docstring-parser==0.17.0 durationpy==0.10 et-xmlfile==2.0.0 eval-type-backport==0.2.2
exceptiongroup==1.3.0 execnet==2.1.1 fastapi==0.116.2 fastavro==1.12.0 filelock==3.19.1
flatbuffers==25.2.10 frozenlist==1.7.0 fsspec==2025.9.0 google-ai-generativelanguage==0.6.15
google-api-core==2.25.1 google-api-python-client==2.182.0 google-auth==2.40.3
google-auth-httplib2==0.2.0 googleapis-common-protos==1.70.0 grpcio==1.75.0
grpcio-status==1.71.2 h11==0.16.0 hf-xet==1.1.10 httpcore==1.0.9 httplib2==0.31.0
httptools==0.6.4 httpx==0.28.1 httpx-auth==0.23.1 httpx-sse==0.4.1 humanfriendly==10.0
identify==2.6.14 idna==3.10 importlib-metadata==8.7.0 importlib-resources==6.5.2
iniconfig==2.1.0 invoke==2.2.0 jinja2==3.1.6 jiter==0.11.0 jmespath==1.0.1
json-repair==0.25.3 json5==0.10.0 jsonpatch==1.33 jsonpointer==3.0.0 jsonref==1.1.0
jsonschema==4.25.1 jsonschema-specifications==2025.9.1 kubernetes==33.1.0 lancedb==0.25.0
markdown-it-py==4.0.0 markupsafe==3.0.2 marshmallow==3.26.1 mdurl==0.1.2 mem0ai==0.1.117
mmh3==5.2.0 mpmath==1.3.0 multidict==6.6.4 mypy==1.18.2 mypy-extensions==1.1.0
networkx==3.4.2 nodeenv==1.9.1 oauthlib==3.3.1 onnxruntime==1.22.1 opentelemetry-api==1.34.1
opentelemetry-exporter-otlp-proto-common==1.34.1 opentelemetry-exporter-otlp-proto-grpc==1.34.1
opentelemetry-exporter-otlp-proto-http==1.34.1 opentelemetry-proto==1.34.1
opentelemetry-sdk==1.34.1 opentelemetry-semantic-conventions==0.55b1 openpyxl==3.1.5
orjson==3.11.3 overrides==7.7.0 packaging==25.0 pandas==2.2.3 pdfminer-six==20250506
pdfplumber==0.11.7 pillow==11.3.0 platformdirs==4.4.0 pluggy==1.6.0 portalocker==2.7.0
posthog==5.4.0 pre-commit==4.3.0 propcache==0.3.2 protobuf==5.29.5 pyarrow==21.0.0
pyasn1==0.6.1 pyasn1-modules==0.4.2 pybase64==1.4.2 pycparser==2.23 pydantic==2.11.9
pydantic-core==2.33.2 pydantic-settings==2.10.1 pygithub==2.8.1 pygments==2.19.2
pyjwt==2.10.1 pylance==0.36.0 pymupdf==1.26.4 pynacl==1.6.0 pyparsing==3.2.4 pypdf==6.0.0
pypdfium2==4.30.0 pyproject-hooks==1.2.0 pytest==8.4.2 pytest-asyncio==1.2.0
pytest-recording==0.13.4 pytest-timeout==2.4.0 pytest-xdist==3.8.0
python-dateutil==2.9.0.post0 python-docx==1.2.0 python-dotenv==1.1.1 python-magic==0.4.27
python-multipart==0.0.20 pytube==15.0.0 pytz==2025.2 pyyaml==6.0.2 qdrant-client==1.15.1
referencing==0.36.2 regex==2025.9.18 requests==2.32.5 requests-oauthlib==2.0.0 rich==14.1.0
rpds-py==0.27.1 rsa==4.9.1 ruff==0.13.1 s3transfer==0.14.0 selenium==4.35.0
shellingham==1.5.4 six==1.17.0 sniffio==1.3.1 soupsieve==2.8 sse-starlette==3.0.2
starlette==0.48.0 sympy==1.14.0 tenacity==9.1.2 tiktoken==0.11.0 tokenizers==0.22.1
tomli==2.0.2 tomli-w==1.1.0 tomlkit==0.13.3 tqdm==4.67.1 typer==0.19.1
types-requests==2.32.4.20250913 typing-extensions==4.15.0 typing-inspect==0.9.0
typing-inspection==0.4.1 tzdata==2025.2 uritemplate==4.2.0 urllib3==2.5.0 uv==0.8.19
uvicorn==0.36.0 uvloop==0.21.0 vcrpy==7.0.0 virtualenv==20.34.0 watchfiles==1.1.0
websocket-client==1.8.0 websockets==15.0.1 wrapt==1.17.3 yarl==1.20.1
youtube-transcript-api==1.2.2 zipp==3.23.0
""")
)
# Those that ship binary wheels (several platform tags each).
BINARY = frozenset(
    _words("""
aiohttp bcrypt cffi charset-normalizer chromadb cryptography fastavro frozenlist grpcio hf-xet
httptools jiter lancedb markupsafe mmh3 multidict mypy onnxruntime orjson pandas pillow
propcache pyarrow pybase64 pydantic-core pylance pymupdf pynacl pypdfium2 pyyaml regex
rpds-py ruff tiktoken tokenizers uv uvloop watchfiles websockets wrapt yarl
""")
)
# numpy is locked twice, once per fork of the resolution (uv's resolution-markers).
FORKS = (("2.2.6", "python_full_version < '3.11'"), ("2.3.3", "python_full_version >= '3.11'"))
FORK_MARKERS = [
    "python_full_version >= '3.13'",
    "python_full_version == '3.12.*'",
    "python_full_version == '3.11.*'",
    "python_full_version < '3.11'",
]
# The root's dev group, pinned to the locked versions (never bumped by the change).
DEV = _words("""
mypy pre-commit pytest pytest-asyncio pytest-recording pytest-timeout pytest-xdist ruff
types-requests vcrpy
""")


@dataclass
class Member:
    """One workspace member: its folder, distribution name and ``[project]`` requirements."""

    folder: str
    name: str
    dependencies: list[str]
    extras: dict[str, list[str]] = field(default_factory=dict)

    @property
    def package(self) -> str:
        return self.name.replace("-", "_")


def _member(folder: str, name: str, dependencies: str, extras: str = "") -> Member:
    """A member from whitespace-separated requirements; ``@`` stands for ``==`` the
    workspace's own version (``crewai-core@`` is ``crewai-core==1.14.5a3``)."""
    pin = f"=={CREWAI_VERSION}"
    return Member(
        folder,
        name,
        _words(dependencies.replace("@", pin)),
        _table(extras.replace("@", pin)) if extras else {},
    )


MEMBERS = [
    _member(
        "lib/crewai",
        "crewai",
        """crewai-core@ crewai-cli@ pydantic>=2.11.9,<2.13 openai>=1.99.0,<3 instructor>=1.3.3
        pdfplumber~=0.11.4 regex>=2024.9.11 opentelemetry-api~=1.34.0 opentelemetry-sdk~=1.34.0
        opentelemetry-exporter-otlp-proto-http~=1.34.0 chromadb~=1.1.0 tokenizers>=0.21,<1
        openpyxl~=3.1.5 python-dotenv>=1.1.1,<2 pyjwt>=2.9.0,<3 click~=8.1.7 appdirs~=1.4.4
        jsonref~=1.1.0 json-repair~=0.25.2 tomli-w~=1.1.0 tomli~=2.0.2 json5~=0.10.0
        portalocker~=2.7.0 pydantic-settings~=2.10.1 httpx~=0.28.1 mcp~=1.13.0
        aiosqlite~=0.21.0 pyyaml~=6.0 aiofiles~=24.1.0 lancedb>=0.25.0,<0.26""",
        """
        tools: crewai-tools@
        embeddings: tiktoken>=0.8.0,<0.13
        pandas: pandas~=2.2.3
        mem0: mem0ai~=0.1.94
        qdrant: qdrant-client~=1.15.1
        aws: boto3~=1.40.18 aiobotocore~=2.24.0
        litellm: litellm>=1.74.9
        google-genai: google-genai>=1.33.0
        anthropic: anthropic>=0.64.0
        a2a: a2a-sdk~=0.3.5 httpx-auth~=0.23.1 httpx-sse~=0.4.0
        file-processing: crewai-files
        """,
    ),
    _member(
        "lib/crewai-tools",
        "crewai-tools",
        """crewai@ lancedb>=0.25.0,<0.26 pytube~=15.0.0 requests~=2.32.5 docker~=7.1.0
        tiktoken>=0.8.0,<0.13 beautifulsoup4~=4.13.4 python-docx~=1.2.0
        youtube-transcript-api~=1.2.2 pymupdf~=1.26.4""",
        """
        selenium: selenium~=4.35.0
        cohere: cohere>=5.17.0
        mistralai: mistralai>=1.9.10
        groq: groq>=0.31.0
        google-generativeai: google-generativeai>=0.8.5
        langchain: langchain-core>=0.3.75,<0.4 langchain-openai>=0.3.32,<0.4
        huggingface: huggingface-hub>=0.34.4,<1
        github: pygithub~=2.8.1
        """,
    ),
    _member(
        "lib/devtools",
        "crewai-devtools",
        "click~=8.1.7 tomlkit~=0.13.2 rich>=13.9 openai>=1.99.0,<3 pygithub~=2.8",
    ),
    _member(
        "lib/crewai-files",
        "crewai-files",
        "pillow~=11.3.0 pypdf~=6.0.0 python-magic>=0.4.27 aiofiles~=24.1.0",
        "pdf: pypdfium2~=4.30.0 pdfplumber~=0.11.4",
    ),
    _member(
        "lib/cli",
        "crewai-cli",
        """crewai-core@ click~=8.1.7 rich>=13.9 tomli~=2.0.2 tomli-w~=1.1.0 uv>=0.8.4
        packaging>=24 httpx~=0.28.1 pyyaml~=6.0 python-dotenv>=1.1.1,<2""",
    ),
    _member(
        "lib/crewai-core",
        "crewai-core",
        """pydantic>=2.11.9,<2.13 typing-extensions>=4.12 opentelemetry-api~=1.34.0
        portalocker~=2.7.0""",
    ),
    _member(
        "lib/crewai-a2a",
        "crewai-a2a",
        "crewai-core@ a2a-sdk~=0.3.5 httpx-auth~=0.23.1 httpx-sse~=0.4.0",
    ),
    _member(
        "lib/crewai-rag",
        "crewai-rag",
        """crewai-core@ chromadb~=1.1.0 qdrant-client~=1.15.1 numpy>=1.26 tokenizers>=0.21,<1
        huggingface-hub>=0.34.4,<1""",
    ),
    _member(
        "lib/crewai-memory",
        "crewai-memory",
        "crewai-core@ aiosqlite~=0.21.0 lancedb>=0.25.0,<0.26 pyarrow>=17",
        "mem0: mem0ai~=0.1.94",
    ),
    _member(
        "lib/crewai-telemetry",
        "crewai-telemetry",
        """crewai-core@ opentelemetry-api~=1.34.0 opentelemetry-sdk~=1.34.0
        opentelemetry-exporter-otlp-proto-http~=1.34.0""",
    ),
    _member(
        "lib/crewai-flows",
        "crewai-flows",
        "crewai-core@ pydantic>=2.11.9,<2.13 networkx>=3.4 instructor>=1.3.3",
        "litellm: litellm>=1.74.9",
    ),
]
ROOT_NAME = "crewai-workspace"
OVERRIDES = ["openai>=1.99.0,<3", "urllib3>=2.5.0", "cryptography>=46.0.1"]

# The CLI's project template: Jinja, so not TOML (as in crewAI).
TEMPLATE_TEXT = f"""\
[project]
name = "{{{{folder_name}}}}"
version = "0.1.0"
description = "{{{{name}}}} using crewAI"
authors = [{{ name = "Your Name", email = "you@example.com" }}]
requires-python = ">=3.10,<3.14"
dependencies = [
    "crewai[tools]=={CREWAI_VERSION}",
{{% if provider == "anthropic" %}}
    "anthropic>=0.64.0",
{{% endif %}}
]

[project.scripts]
{{{{folder_name}}}} = "{{{{folder_name}}}}.main:run"
run_crew = "{{{{folder_name}}}}.main:run"
train = "{{{{folder_name}}}}.main:train"
replay = "{{{{folder_name}}}}.main:replay"
test = "{{{{folder_name}}}}.main:test"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.crewai]
type = "crew"
"""


def _req_name(text: str) -> str:
    return canonicalize_name(Requirement(text).name)


def _toml_list(items: Sequence[str], indent: str = "    ") -> str:
    return "[\n" + "".join(f'{indent}"{item}",\n' for item in items) + "]"


def member_pyproject(member: Member) -> str:
    """A member's ``pyproject.toml``: static version, hatchling, workspace sources."""
    out = [
        "[project]",
        f'name = "{member.name}"',
        f'version = "{CREWAI_VERSION}"',
        f'description = "{member.name}: part of the crewAI framework"',
        'readme = "README.md"',
        'authors = [{ name = "Joao Moura", email = "joao@crewai.com" }]',
        'requires-python = ">=3.10, <3.14"',
        f"dependencies = {_toml_list(member.dependencies)}",
        "",
        "[project.urls]",
        'Homepage = "https://crewai.com"',
        'Repository = "https://github.com/crewAIInc/crewAI"',
    ]
    if member.extras:
        out += ["", "[project.optional-dependencies]"]
        out += [f"{extra} = {_toml_list(reqs)}" for extra, reqs in member.extras.items()]
    local = sorted(
        {
            _req_name(r)
            for r in [*member.dependencies, *(r for v in member.extras.values() for r in v)]
        }
        & {m.name for m in MEMBERS}
    )
    if local:
        out += ["", "[tool.uv.sources]", *(f"{n} = {{ workspace = true }}" for n in local)]
    out += [
        "",
        "[build-system]",
        'requires = ["hatchling"]',
        'build-backend = "hatchling.build"',
        "",
        "[tool.hatch.build.targets.wheel]",
        f'packages = ["src/{member.package}"]',
        "",
    ]
    return "\n".join(out)


def root_pyproject() -> str:
    """The workspace root: a virtual project with dev pins, overrides and members."""
    dev = [f"{name}=={COMMON[name]}" for name in DEV]
    members = [m.folder for m in MEMBERS]
    return "\n".join(
        [
            "[project]",
            f'name = "{ROOT_NAME}"',
            'version = "0.1.0"',
            'description = "Cutting-edge framework for orchestrating role-playing agents."',
            'requires-python = ">=3.10,<3.14"',
            "",
            "[dependency-groups]",
            f"dev = {_toml_list(dev)}",
            "",
            "[tool.ruff]",
            'src = ["lib/*"]',
            'extend-exclude = ["lib/cli/src/crewai_cli/templates"]',
            "",
            "[tool.uv]",
            'exclude-newer = "3 days"',
            f"override-dependencies = {_toml_list(OVERRIDES)}",
            "",
            "[tool.uv.workspace]",
            f"members = {_toml_list(members)}",
            "",
            "[tool.uv.sources]",
            *(f"{m.name} = {{ workspace = true }}" for m in sorted(MEMBERS, key=lambda m: m.name)),
            "",
        ]
    )


_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def bump(version: str) -> str:
    """The next release after ``version``: its last number plus one."""
    return _LAST_NUMBER.sub(lambda m: str(int(m.group(1)) + 1), version, count=1)


@dataclass
class Plan:
    """The registry packages of both locks: names, versions, dependencies."""

    versions: dict[str, str]  # name -> version at the base commit (numpy: not here)
    changed: dict[str, str]  # name -> version in the working change
    deps: dict[str, list[str]]
    extras: dict[str, dict[str, list[str]]]


def make_plan(seed: int = SEED) -> Plan:
    """480 registry packages: the 13 protected ones, crewAI's real ones, synthetic fill."""
    from guard.policy.loader import load_policy

    builtin = load_policy("builtin:llm-gateways", Path.cwd())
    rng = random.Random(seed)
    versions = {name: base for name, (base, _, _) in PROTECTED.items()}
    versions.update(COMMON)
    fill = REGISTRY_PACKAGES - len(versions) - len(FORKS)
    taken = {*versions, "numpy", *(m.name for m in MEMBERS), ROOT_NAME}
    for name in synthetic_names(rng, fill, taken):
        versions[name] = f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    protected = sorted(n for n in [*versions, "numpy"] if builtin.protection(n) is not None)
    if protected != sorted(PROTECTED):
        raise AssertionError(f"protected packages in the lock: {protected}")
    names = sorted([*versions, "numpy"])
    deps: dict[str, list[str]] = {}
    extras: dict[str, dict[str, list[str]]] = {}
    for name in sorted(versions):
        own = random.Random(f"{seed}:{name}")
        if name in KNOWN_DEPS:
            deps[name] = KNOWN_DEPS[name]
        elif own.random() < 0.6:
            deps[name] = [n for n in own.sample(names, 8) if n != name][: own.randint(1, 6)]
        if own.random() < 0.1:
            extras[name] = {
                extra: own.sample(names, own.randint(1, 3))
                for extra in own.sample(["cli", "async", "speedups", "all", "yaml"], 2)
            }
    missing = {d for ds in deps.values() for d in ds} - set(names)
    if missing:
        raise AssertionError(f"dependencies missing from the lock: {sorted(missing)}")
    pinned = {*DEV}
    candidates = sorted(n for n in versions if n not in PROTECTED and n not in pinned)
    changed = {n: bump(versions[n]) for n in rng.sample(candidates, UNPROTECTED_BUMPS)}
    changed.update({n: new for n, (base, new, _) in PROTECTED.items() if new != base})
    return Plan(versions, changed, deps, extras)


_PYTHONS = _words("""
cp310-cp310 cp311-cp311 cp312-cp312 cp313-cp313 cp313-cp313t cp314-cp314 cp314-cp314t
pp310-pypy310_pp73 pp311-pypy311_pp73
""")
_PLATFORMS = _words("""
macosx_10_13_x86_64 macosx_11_0_arm64 manylinux_2_17_aarch64.manylinux2014_aarch64
manylinux_2_17_armv7l.manylinux2014_armv7l manylinux_2_17_ppc64le.manylinux2014_ppc64le
manylinux_2_17_s390x.manylinux2014_s390x manylinux_2_17_x86_64.manylinux2014_x86_64
manylinux_2_5_i686.manylinux1_i686 musllinux_1_2_aarch64 musllinux_1_2_armv7l
musllinux_1_2_x86_64 win32 win_amd64 win_arm64
""")


class WheelsLockWriter(LockWriter):
    """check_uvlock's writer, but a binary package ships what current ones do: one wheel
    per Python (CPython 3.10 to 3.14, free-threaded and PyPy too) and platform, 24 to 90
    of them, so the lock holds as many artifacts per package as a real one (pydantic-ai's
    uv.lock: 11 wheels per package on average, a fifth of the packages with more than 3)."""

    def package(self, entry: Entry, forks: dict[str, list[Entry]]) -> str:
        text = super().package(replace(entry, binary=False), forks)
        if not entry.binary:
            return text
        head, _, rest = text.partition("wheels = [\n")
        _, _, tail = rest.partition("\n]")
        rng = self.rng
        released = rng.randrange(1_546_300_800, 1_751_328_000)
        pythons = _PYTHONS[rng.randrange(0, 4) :]
        platforms = sorted(rng.sample(_PLATFORMS, rng.randint(4, 10)))
        dist = entry.name.replace("-", "_")
        wheels = [
            "    "
            + self._artifact(
                f"{dist}-{entry.version}-{python}-{platform}.whl",
                rng.randrange(200_000, 30_000_000),
                released,
            )
            + ","
            for python in pythons
            for platform in platforms
        ]
        return head + "wheels = [\n" + "\n".join(wheels) + "\n]" + tail


def lock_text(plan: Plan, changed: bool) -> str:
    """The root uv.lock (the base commit's, or the working change's with ``changed``).
    Each package's artifacts are seeded by its name and version, so a package the change
    does not touch is written byte for byte the same in both."""
    versions = {**plan.versions, **(plan.changed if changed else {})}
    forks: dict[str, list[Entry]] = {"numpy": []}
    entries: list[Entry] = []
    for version, marker in FORKS:
        entry = Entry("numpy", version, fork_marker=marker, binary=True)
        forks["numpy"].append(entry)
        entries.append(entry)
    for name, version in versions.items():
        binary = name in BINARY or (
            name not in COMMON and name not in PROTECTED and _synthetic_binary(name)
        )
        entries.append(
            Entry(name, version, plan.deps.get(name, []), plan.extras.get(name, {}), None, binary)
        )
    blocks = [lock_header()]
    local = [(m.name, _member_block(m, forks)) for m in MEMBERS]
    local.append((ROOT_NAME, _root_block(forks)))
    registry = [
        (e.name, WheelsLockWriter(random.Random(f"{e.name}=={e.version}")).package(e, forks))
        for e in entries
    ]
    blocks += [block for _, block in sorted([*local, *registry], key=lambda b: b[0])]
    return "\n\n".join(blocks) + "\n"


def _synthetic_binary(name: str) -> bool:
    """A deterministic one-in-five choice (binary wheels for synthetic packages)."""
    return random.Random(f"binary:{name}").random() < 0.2


def lock_header() -> str:
    members = sorted([*(m.name for m in MEMBERS), ROOT_NAME])
    overrides = []
    for text in OVERRIDES:
        req = Requirement(text)
        overrides.append(f'    {{ name = "{req.name}", specifier = "{req.specifier}" }},')
    return "\n".join(
        [
            "version = 1",
            "revision = 3",
            'requires-python = ">=3.10, <3.14"',
            "resolution-markers = [",
            *[f'    "{m}",' for m in FORK_MARKERS],
            "]",
            "",
            "[options]",
            'exclude-newer = "2025-09-28T00:00:00Z"',
            "",
            "[manifest]",
            "members = [",
            *[f'    "{m}",' for m in members],
            "]",
            "overrides = [",
            *overrides,
            "]",
        ]
    )


def _requires_dist(reqs: Sequence[str], extra: str | None = None) -> list[str]:
    folders = {m.name: m.folder for m in MEMBERS}
    out = []
    for text in reqs:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        fields = [f'name = "{name}"']
        if name in folders:
            fields.append(f'editable = "{folders[name]}"')
        if extra is not None:
            fields.append(f"marker = \"extra == '{extra}'\"")
        if str(req.specifier) and name not in folders:
            fields.append(f'specifier = "{req.specifier}"')
        out.append(f"    {{ {', '.join(fields)} }},")
    return out


def _member_block(member: Member, forks: dict[str, list[Entry]]) -> str:
    writer = LockWriter(random.Random(member.name))
    out = [
        "[[package]]",
        f'name = "{member.name}"',
        f'version = "{CREWAI_VERSION}"',
        f'source = {{ editable = "{member.folder}" }}',
        "dependencies = [",
        *writer.dep_list([_req_name(r) for r in member.dependencies], forks, markers=False),
        "]",
    ]
    if member.extras:
        out += ["", "[package.optional-dependencies]"]
        for extra, reqs in sorted(member.extras.items()):
            names = [_req_name(r) for r in reqs]
            out += [f"{extra} = [", *writer.dep_list(names, forks, markers=False), "]"]
    requires = _requires_dist(member.dependencies)
    for extra, reqs in sorted(member.extras.items()):
        requires += _requires_dist(reqs, extra)
    out += ["", "[package.metadata]", "requires-dist = [", *sorted(requires), "]"]
    if member.extras:
        quoted = ", ".join(f'"{extra}"' for extra in member.extras)
        out.append(f"provides-extras = [{quoted}]")
    return "\n".join(out)


def _root_block(forks: dict[str, list[Entry]]) -> str:
    writer = LockWriter(random.Random(ROOT_NAME))
    return "\n".join(
        [
            "[[package]]",
            f'name = "{ROOT_NAME}"',
            'version = "0.1.0"',
            'source = { virtual = "." }',
            "",
            "[package.dev-dependencies]",
            "dev = [",
            *writer.dep_list(sorted(DEV), forks, markers=False),
            "]",
            "",
            "[package.metadata]",
            "",
            "[package.metadata.requires-dev]",
            "dev = [",
            *sorted(f'    {{ name = "{n}", specifier = "=={COMMON[n]}" }},' for n in sorted(DEV)),
            "]",
        ]
    )


# The tree: (share of the files, generator of one path and its contents).
_WORDS = _words("""
agent crew task flow router planner memory knowledge tool search scrape browser embedding
vector store cache event listener trace span output parser prompt guardrail converter schema
config loader reader writer client handler callback hook state manager registry provider
adapter executor runner step plan reasoning delegate telemetry security fingerprint serializer
token usage summary chunk document source storage sqlite lance qdrant chroma mem0 rag pipeline
stream message chat completion
""")
_AREAS = _words("""
agents agent crews flow llms memory knowledge rag tools events utilities telemetry tasks
lite_agent security experimental types translations project mcp a2a
""")
_LANGS = ["en", "pt-BR", "ko", "ar"]
_SECTIONS = _words("""
concepts guides tools observability learn enterprise api-reference mcp installation quickstart
integrations examples changelog
""")
_PROVIDERS = ["openai", "anthropic", "gemini", "bedrock", "azure", "ollama", "groq", "mistral"]


def _word(rng: random.Random, count: int = 2) -> str:
    return "_".join(rng.sample(_WORDS, count))


def tree_files(count: int, seed: int = SEED) -> dict[str, bytes]:
    """``count`` paths of crewAI's shape (sources, tests, cassettes, docs, images,
    examples) with small distinct contents; none is a dependency file."""
    rng = random.Random(seed)
    members = list(MEMBERS)
    files: dict[str, bytes] = {}

    def src() -> tuple[str, bytes]:
        m = rng.choice(members)
        parts = [m.folder, "src", m.package, rng.choice(_AREAS)]
        if rng.random() < 0.6:
            parts.append(_word(rng, 1))
        name = f"{_word(rng)}.py" if rng.random() < 0.92 else "__init__.py"
        path = "/".join([*parts, name])
        return path, f'"""{path}"""\n\n\ndef run() -> None:\n    return None\n'.encode()

    def test() -> tuple[str, bytes]:
        m = rng.choice(members)
        path = f"{m.folder}/tests/{rng.choice(_AREAS)}/test_{_word(rng)}.py"
        return path, f'"""{path}"""\n\n\ndef test_it() -> None:\n    assert True\n'.encode()

    def cassette() -> tuple[str, bytes]:
        m = rng.choice(members[:3])
        provider = rng.choice(_PROVIDERS)
        path = f"{m.folder}/tests/cassettes/{rng.choice(_AREAS)}/test_{_word(rng, 3)}.yaml"
        body = (
            f"interactions:\n- request:\n    body: '{path}'\n    method: POST\n"
            f"    uri: https://api.{provider}.example/v1/chat/completions\n"
            "  response:\n    status:\n      code: 200\n      message: OK\nversion: 1\n"
        )
        return path, body.encode()

    def doc() -> tuple[str, bytes]:
        ext = "mdx" if rng.random() < 0.9 else "md"
        slug = _word(rng).replace("_", "-")
        path = f"docs/{rng.choice(_LANGS)}/{rng.choice(_SECTIONS)}/{slug}.{ext}"
        title = path.rsplit("/", 1)[1].split(".")[0].replace("-", " ").title()
        return path, f"---\ntitle: {title}\n---\n\n{path}\n".encode()

    def asset() -> tuple[str, bytes]:
        where = rng.choice(["docs/images", "docs/images/enterprise", "assets", "docs/logo"])
        ext = rng.choice(["png", "png", "png", "svg", "gif", "jpg"])
        path = f"{where}/{_word(rng).replace('_', '-')}.{ext}"
        return path, b"\x89PNG\r\n\x1a\n" + path.encode()

    def example() -> tuple[str, bytes]:
        project = f"examples/{_word(rng)}"
        name = rng.choice(
            [
                "src/main.py",
                "src/crew.py",
                f"src/tools/{_word(rng, 1)}.py",
                "src/config/agents.yaml",
                "src/config/tasks.yaml",
                "README.md",
                "knowledge/user_preference.txt",
                f"data/{_word(rng, 1)}.json",
            ]
        )
        path = f"{project}/{name}"
        return path, f"# {path}\n".encode()

    kinds = [(0.30, src), (0.12, test), (0.20, cassette), (0.25, doc), (0.06, asset)]
    kinds.append((0.07, example))
    quotas = [int(count * share) for share, _ in kinds]
    quotas[-1] = count - sum(quotas[:-1])
    for quota, (_, make) in zip(quotas, kinds, strict=True):
        target = len(files) + quota
        while len(files) < target:
            path, data = make()
            if path in files:
                stem, dot, ext = path.rpartition(".")
                path = f"{stem}_{len(files)}{dot}{ext}"
            files[path] = data
    odd = [p for p in files if file_format(p) is not None]
    if odd:
        raise AssertionError(f"generated files that look like dependency files: {odd[:5]}")
    return files


class NotReady(Exception):
    """bumpguard exited 2 during the setup: the policy or the repository was refused."""


GIT = [
    "git",
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]


def run(
    cmd: Sequence[str], env: dict[str, str], cwd: Path, expect: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; stop the benchmark with its output unless it exits ``expect``."""
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode == expect:
        return proc
    if proc.returncode == 2 and cmd[:3] == [sys.executable, "-m", "guard"]:
        raise NotReady(f"{' '.join(cmd[3:])}\n{proc.stdout}{proc.stderr}".rstrip())
    sys.exit(
        f"check_monorepo: {' '.join(cmd)} exited {proc.returncode}, expected {expect}\n"
        f"{proc.stdout}{proc.stderr}"
    )


def commit_files(root: Path, files: dict[str, bytes], env: dict[str, str]) -> None:
    """Commit ``files`` as the first commit of the new repository ``root`` with one
    ``git fast-import`` stream, then check the commit out into the work tree and the index
    (creating the files dominates; git's checkout does it faster than Python, and no
    ``git add`` has to hash them again)."""
    stream = [
        b"commit refs/heads/main\n",
        b"committer bench <bench@example.invalid> 1759276800 +0000\n",
        b"data 4\nbase\n",
    ]
    for path, data in sorted(files.items()):
        stream += [b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)), data, b"\n"]
    stream.append(b"done\n")
    run([*GIT, "init", "-q"], env, root)
    proc = subprocess.run(
        [*GIT, "fast-import", "--quiet", "--done"],
        cwd=root,
        env=env,
        input=b"".join(stream),
        capture_output=True,
    )
    if proc.returncode != 0:
        sys.exit(f"check_monorepo: git fast-import failed\n{proc.stderr.decode()}")
    run([*GIT, "reset", "-q", "--hard", "main"], env, root)


def policy_text(template: bool) -> str:
    lines = ["version: 1", "extends: [builtin:llm-gateways]"]
    if template:
        lines += ["exclude:", f'  - "{EXCLUDE}"']
    return "\n".join(lines) + "\n"


@dataclass
class Repo:
    root: Path
    tracked: int
    lock_bytes: int
    expected: set[tuple[str, str]]


def setup(directory: Path, env: dict[str, str], files: int, template: bool) -> Repo:
    """Build the repository: base commit, approvals, then the staged working change."""
    root = directory / "crewAI"
    root.mkdir()
    guard = [sys.executable, "-m", "guard", "-C", str(root)]
    plan = make_plan()
    approved_names = [*PROTECTED, "crewai"]
    fixed: dict[str, str] = {
        "pyproject.toml": root_pyproject(),
        "uv.lock": lock_text(plan, changed=False),
        ".bumpguard.yaml": policy_text(template),
        "README.md": "# crewAI\n",
        "LICENSE": "MIT License\n",
        ".gitignore": ".venv/\n__pycache__/\n",
    }
    for member in MEMBERS:
        fixed[f"{member.folder}/pyproject.toml"] = member_pyproject(member)
        fixed[f"{member.folder}/README.md"] = f"# {member.name}\n"
    if template:
        fixed[TEMPLATE] = TEMPLATE_TEXT
    # The ledger adds one file per approved package and its .gitignore.
    filler = files - len(fixed) - len(approved_names) - 1
    if filler < 0:
        sys.exit(f"check_monorepo: --files must be at least {files - filler}")
    contents = tree_files(filler)
    contents.update({path: text.encode() for path, text in fixed.items()})
    commit_files(root, contents, env)
    # Nothing is approved yet: the base must be refused (exit 1), not fail (exit 2).
    run([*guard, "check"], env, root, expect=1)
    base = [f"{n}=={v}" for n, (v, _, _) in sorted(PROTECTED.items())]
    base.append(f"crewai=={CREWAI_VERSION}")
    review = ["--reason", "bench", "--reviewer", "bench", "--offline"]
    run([*guard, "approve", *base, *review], env, root)
    run([*GIT, "add", "-A"], env, root)
    run([*GIT, "commit", "-q", "-m", "reviews"], env, root)
    run([*guard, "check"], env, root, expect=0)

    (root / "uv.lock").write_text(lock_text(plan, changed=True), encoding="utf-8")
    bumped = [(n, new) for n, (old, new, _) in sorted(PROTECTED.items()) if new != old]
    approve = [f"{n}=={v}" for n, v in bumped if PROTECTED[n][2]]
    run([*guard, "approve", *approve, *review], env, root)
    run([*GIT, "add", "-A"], env, root)  # staged, as a pre-commit hook sees it
    tracked = run([*GIT, "ls-files", "-z"], env, root).stdout.count("\0")
    expected = {(n, v) for n, v in bumped if not PROTECTED[n][2]}
    return Repo(root, tracked, (root / "uv.lock").stat().st_size, expected)


def verify(repo: Repo, env: dict[str, str]) -> dict[str, object]:
    """``check --format json`` must exit 1 with exactly the expected findings."""
    cmd = [sys.executable, "-m", "guard", "-C", str(repo.root), "check", "--format", "json"]
    data: dict[str, object] = json.loads(run(cmd, env, repo.root, expect=1).stdout)
    findings = data["findings"]
    assert isinstance(findings, list)
    got = {(f["package"], f["version"]) for f in findings if f["rule"] == UNREVIEWED}
    if got != repo.expected or len(findings) != len(repo.expected):
        shown = "\n".join(f"  {f['rule']} {f['package']} {f['version']}" for f in findings)
        sys.exit(
            f"check_monorepo: expected {len(repo.expected)} unreviewed findings "
            f"{sorted(repo.expected)}, check reported:\n{shown}"
        )
    return data


def timed(cmd: Sequence[str], env: dict[str, str], cwd: Path, expect: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != expect:
        sys.exit(
            f"check_monorepo: {' '.join(cmd)} exited {proc.returncode}, expected {expect}\n"
            f"{proc.stderr.decode(errors='replace')}"
        )
    return elapsed


PROFILE = """
import contextlib, cProfile, io, pstats, sys, time
from guard import cli
profile = cProfile.Profile()
began = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    profile.enable()
    code = cli.main(["-C", sys.argv[1], "check"])
    profile.disable()
print(f"exit {code}, {time.perf_counter() - began:.2f} s under the profiler")
for key in ("cumulative", "tottime"):
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(key).print_stats(15)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print(f"== {key}")
    print("\\n".join(line for line in lines[start:] if line.strip()))
"""


def print_profile(repo: Repo, env: dict[str, str]) -> None:
    """One ``guard.cli.main(["-C", DIR, "check"])`` under cProfile, in a fresh interpreter:
    the top 15 functions by cumulative and by own time, paths shortened."""
    import guard

    out = run([sys.executable, "-c", PROFILE, str(repo.root)], env, repo.root).stdout
    for prefix in (Path(guard.__file__).parent.parent, Path(os.__file__).parent, sys.prefix):
        out = out.replace(f"{prefix}/", "")
    head, *tables = out.split("== ")
    print(f"\ncProfile of one in-process guard.cli.main(['-C', DIR, 'check']): {head.strip()}")
    for table in tables:
        key, _, body = table.partition("\n")
        order = "cumulative time" if key == "cumulative" else "own time (tottime)"
        print(f"\ntop 15 by {order}:\n{body.rstrip()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds (7)")
    parser.add_argument("--files", type=int, default=FILES, help=f"tracked files ({FILES:,})")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one check")
    parser.add_argument(
        "--no-template",
        action="store_true",
        help="leave out the Jinja pyproject.toml template and the policy's exclude:",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary repository")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    directory = Path(tempfile.mkdtemp(prefix="bumpguard-monorepo-")).resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUMPGUARD_", "GIT_"))}
    env.pop("CI", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed bumpguard has its bytecode
    env.update(
        HOME=str(directory),
        BUMPGUARD_CACHE_DIR=str(directory / "cache"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        PYTHONPYCACHEPREFIX=str(directory / "pycache"),
    )
    template = not args.no_template
    try:
        started = time.perf_counter()
        try:
            repo = setup(directory, env, args.files, template)
        except NotReady as exc:
            print(
                "check_monorepo: bumpguard exited 2 (refused the policy or a file) during "
                f"the setup:\n  {str(exc).replace(chr(10), chr(10) + '  ')}\n"
                f"With the template, check passes only once the policy's exclude: "
                f'["{EXCLUDE}"] works. Measure without it: --no-template.',
                file=sys.stderr,
            )
            return 2
        built = time.perf_counter() - started
        report = verify(repo, env)
        root = repo.root
        py = sys.executable
        check = [py, "-m", "guard", "-C", str(root), "check"]
        tomllib_cmd = [py, "-c", "import tomllib; tomllib.load(open('uv.lock', 'rb'))"]
        hook_env = {**env, "PRE_COMMIT": "1"}
        cold_env = {**env, "BUMPGUARD_VERIFY_CACHE": "0"}
        cold_hook_env = {**hook_env, "BUMPGUARD_VERIFY_CACHE": "0"}
        git_others = ["git", "ls-files", "-z", "--others", "--exclude-standard"]
        jobs = {
            BASELINE: lambda: timed(tomllib_cmd, env, root, 0),
            CHECK: lambda: timed(check, env, root, 1),
            HOOK: lambda: timed(check, hook_env, root, 1),
            COLD: lambda: timed(check, cold_env, root, 1),
            COLD_HOOK: lambda: timed(check, cold_hook_env, root, 1),
            "bumpguard check --format json": lambda: timed(
                [*check, "--format", "json"], env, root, 1
            ),
            "python -c pass": lambda: timed([py, "-c", "pass"], env, root, 0),
            "git ls-files -z --stage": lambda: timed(
                ["git", "ls-files", "-z", "--stage"], env, root, 0
            ),
            "git ls-files -z --others --exclude-standard": lambda: timed(git_others, env, root, 0),
        }
        samples = interleaved(jobs, args.repeat)

        files = report["files"]
        assert isinstance(files, list)
        mode = f"template excluded ({EXCLUDE})" if template else "no template (--no-template)"
        print(
            f"crewAI-shaped uv workspace: {repo.tracked:,} tracked files, {len(files)} "
            f"dependency files read, {report['dependencies']} dependency records; {mode}"
        )
        print(
            f"uv.lock: {REGISTRY_PACKAGES} registry packages ({len(PROTECTED)} protected) + "
            f"{len(MEMBERS) + 1} workspace projects, {repo.lock_bytes / 2**20:.2f} MiB; "
            f"built in {built:.1f} s"
        )
        print(
            "check exits 1 with: "
            + ", ".join(f"{n} {v} unreviewed" for n, v in sorted(repo.expected))
        )
        print(
            f"python {sys.version.split()[0]}; median of {args.repeat} interleaved runs "
            "after 1 warm-up each"
        )
        print_ratios(samples, BASELINE)
        base = statistics.median(samples[BASELINE])
        print()
        for label, subject in (
            ("check", CHECK),
            ("check in the hook", HOOK),
            ("check, caches off", COLD),
            ("check in the hook, caches off", COLD_HOOK),
        ):
            ratio = statistics.median(samples[subject]) / base
            verdict = "within the bar" if ratio <= BAR else "ABOVE the bar"
            print(f"{label} / tomllib.load: {ratio:.2f}x (bar {BAR:g}x): {verdict}")
        if args.profile:
            print_profile(repo, env)
    finally:
        if args.keep:
            print(f"\nkept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
