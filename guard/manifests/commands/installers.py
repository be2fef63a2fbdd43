"""Install commands: which commands install packages (``pip install``, ``uv pip install``,
``uv add``, ``uv tool install``/``uvx``, ``uv run``, ``pipx install``/``run``, also
behind wrappers such as ``sudo``, ``env`` and ``sh -c``), the option tables of pip, uv
and pipx, and what the arguments name: :class:`~guard.model.Dependency` records,
followed ``-r``/``-c`` files and package indexes."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import InputError
from guard.manifests import requirements
from guard.manifests.base import ReadContext
from guard.manifests.commands.shell import (
    ERROR,
    SENTINEL,
    Budget,
    Heredoc,
    Lexer,
    Op,
    Source,
    Unclosed,
    Word,
    simple_commands,
)
from guard.manifests.formats import file_format
from guard.model import ARCHIVE_SUFFIXES, Dependency

# ---------------------------------------------------------------------------------------
# Limits

#: The longest install argument read (a requirement, file name or URL).
MAX_ARGUMENT = 64 * 1024
#: ``sh -c "sh -c '...'"`` and wrappers nest at most this deep.
MAX_DEPTH = 8
#: Syntax errors after which the rest of one script is no longer read.
MAX_SYNTAX_ERRORS = 8


# ---------------------------------------------------------------------------------------
# Command-line options

_ROLES = (
    "requirements",  # a requirements (or pyproject.toml, pylock.toml) file to follow
    "editable",  # a requirement installed in editable mode
    "requirement",  # a requirement given as an option's value
    "requirement-list",  # uv's comma-separated requirements (--with a,b)
    "index",  # an index that replaces the default one
    "extra-index",  # an index used besides the default one
    "find-links",
    "trusted-host",
    "pip-args",  # pipx: pip's own options in one string
    "script",  # a PEP 723 script whose inline metadata lists the requirements
)


class _Cli(NamedTuple):
    """The options of one command line: which take a value, which do not (for unique
    prefixes), the short ones that take a value, and the role of those read."""

    values: frozenset[str]
    flags: frozenset[str]
    short_values: str
    abbreviations: bool  # optparse and argparse accept unique prefixes; clap does not
    roles: dict[str, tuple[str, str]]  # option -> (role, canonical name)

    def long(self, name: str) -> tuple[str, bool] | None:
        """The option ``name`` stands for and whether it takes a value."""
        if name in self.values:
            return name, True
        if name in self.flags:
            return name, False
        if self.abbreviations:
            found = [o for o in (*self.values, *self.flags) if o.startswith(name)]
            if len(found) == 1:
                return found[0], found[0] in self.values
        return None


def _cli(
    values: str,
    flags: str = "",
    short_values: str = "",
    *,
    abbreviations: bool = False,
    roles: dict[str, str] | None = None,
) -> _Cli:
    """Build a :class:`_Cli`; ``roles`` maps ``"-r --requirement ..."`` (aliases, the
    long one last is the canonical name) to a role."""
    table: dict[str, tuple[str, str]] = {}
    for names, role in (roles or {}).items():
        assert role in _ROLES, role
        aliases = names.split()
        canonical = next((a for a in reversed(aliases) if a.startswith("--")), aliases[-1])
        for alias in aliases:
            table[alias] = (role, canonical)
    return _Cli(
        frozenset(values.split()), frozenset(flags.split()), short_values, abbreviations, table
    )


# pip 26.3 (pip/_internal/cli/cmdoptions.py, commands/install.py): the general options
# parsed before the command, and ``pip install``'s, plus options older pips took a value
# for (--install-option, --global-option).
_PIP_GENERAL_VALUES = (
    "--cache-dir --cert --client-cert --default-timeout --exists-action --keyring-provider "
    "--local-log --log --log-file --proxy --python --resume-retries --retries --timeout "
    "--trusted-host --use-deprecated --use-feature"
)
_PIP_GENERAL_FLAGS = (
    "--debug --disable-pip-version-check --help --isolated --no-cache-dir --no-color "
    "--no-input --no-proxy-env --no-python-version-warning --quiet --require-venv "
    "--require-virtualenv --verbose --version"
)
_PIP_INDEX_ROLES = {
    "-i --pypi-url --index-url": "index",
    "--extra-index-url": "extra-index",
    "-f --find-links": "find-links",
    "--trusted-host": "trusted-host",
}
_PIP_GLOBAL = _cli(
    _PIP_GENERAL_VALUES,
    _PIP_GENERAL_FLAGS,
    "",
    abbreviations=True,
    roles={"--trusted-host": "trusted-host"},
)
_PIP_INSTALL = _cli(
    _PIP_GENERAL_VALUES
    + " --abi --all-releases --build-constraint --config-settings --constraint --editable"
    " --extra-index-url --find-links --group --implementation --index-url --no-binary"
    " --only-binary --only-final --platform --prefix --progress-bar --pypi-url"
    " --python-version --refresh-package --report --requirement --requirements-from-script"
    " --root --root-user-action --source --source-dir --source-directory --src --target"
    " --upgrade-strategy --uploaded-prior-to --install-option --global-option",
    _PIP_GENERAL_FLAGS + " --break-system-packages --check-build-dependencies --compile --dry-run"
    " --force-reinstall --ignore-installed --ignore-requires-python --no-build-isolation"
    " --no-clean --no-compile --no-dependencies --no-deps --no-index --no-require-hashes"
    " --no-user --no-warn-conflicts --no-warn-script-location --only-dependencies"
    " --only-deps --pre --prefer-binary --require-hashes --upgrade --use-pep517 --user"
    " --no-use-pep517",
    "Ccefirt",
    abbreviations=True,
    roles={
        "-r --requirement": "requirements",
        "-c --constraint": "requirements",
        "--build-constraint": "requirements",
        "-e --editable": "editable",
        "--requirements-from-script": "script",
        **_PIP_INDEX_ROLES,
    },
)

# uv 0.13 (crates/uv-cli): the options that take a value, per command, as uv itself
# parses them (clap: no abbreviations; every option not listed is a flag).
_UV_GLOBAL_VALUES = (
    "--allow-insecure-host --cache-dir --color --config-file --directory --preview-feature "
    "--preview-features --project --python-fetch --python-preference --trusted-host"
)
_UV_SHARED_VALUES = (
    _UV_GLOBAL_VALUES + " --config-setting --config-settings --config-settings-package"
    " --default-index --exclude-newer --exclude-newer-package --extra-index-url --find-links"
    " --fork-strategy --index --index-strategy --index-url --keyring-provider --link-mode"
    " --no-build-isolation-package --no-sources-package --prerelease --prerelease-package"
    " --python --refresh-package --reinstall-package --resolution --upgrade-group"
    " --upgrade-package"
)
_UV_INDEX_ROLES = {
    "-i --index-url": "index",
    "--default-index": "index",
    "--extra-index-url": "extra-index",
    "--index": "extra-index",
    "-f --find-links": "find-links",
    "--trusted-host --allow-insecure-host": "trusted-host",
}
_UV_GLOBAL = _cli(_UV_GLOBAL_VALUES, roles={"--trusted-host --allow-insecure-host": "trusted-host"})
_UV_PIP = _cli(
    _UV_GLOBAL_VALUES + " --cert",
    roles={"--trusted-host --allow-insecure-host": "trusted-host"},
)
_UV_PIP_INSTALL = _cli(
    _UV_SHARED_VALUES + " --build-constraint --build-constraints --cert --constraint"
    " --constraints --editable --exclude --excludes --extra --group --no-binary"
    " --no-editable-package --only-binary --output-format --override --overrides --prefix"
    " --python-platform --python-version --requirement --requirements --target"
    " --torch-backend",
    short_values="bcefiprtCP",
    roles={
        "-r --requirement --requirements": "requirements",
        "-c --constraint --constraints": "requirements",
        "--override --overrides": "requirements",
        "-b --build-constraint --build-constraints": "requirements",
        "-e --editable": "editable",
        **_UV_INDEX_ROLES,
    },
)
_UV_ADD = _cli(
    _UV_SHARED_VALUES + " --bounds --branch --constraint --constraints --extra --group"
    " --marker --no-binary-package --no-build-package --no-editable-package"
    " --no-install-package --only-install-package --optional --package --requirement"
    " --requirements --rev --script --tag",
    short_values="cfimprCP",
    roles={
        "-r --requirement --requirements": "requirements",
        "-c --constraint --constraints": "requirements",
        **_UV_INDEX_ROLES,
    },
)
_UV_TOOL_VALUES = (
    _UV_SHARED_VALUES + " --build-constraint --build-constraints --constraint --constraints"
    " --from --no-binary-package --no-build-package --override --overrides"
    " --python-platform --torch-backend --with --with-editable --with-requirements"
)
_UV_TOOL_ROLES = {
    "-c --constraint --constraints": "requirements",
    "--override --overrides": "requirements",
    "-b --build-constraint --build-constraints": "requirements",
    "--with-requirements": "requirements",
    "-w --with": "requirement-list",
    "--with-editable": "requirement-list",
    **_UV_INDEX_ROLES,
}
_UV_TOOL_INSTALL = _cli(
    _UV_TOOL_VALUES + " --exclude --excludes --with-executables-from",
    short_values="bcfipwCP",
    roles={**_UV_TOOL_ROLES, "--with-executables-from": "requirement-list"},
)
_UV_TOOL_RUN = _cli(
    _UV_TOOL_VALUES + " --env-file --generate-shell-completion",
    short_values="bcfipwCP",
    roles=_UV_TOOL_ROLES,
)
_UV_RUN = _cli(
    _UV_SHARED_VALUES + " --env-file --extra --group --max-recursion-depth"
    " --no-binary-package --no-build-package --no-editable-package --no-extra --no-group"
    " --only-group --package --python-platform --with --with-editable --with-requirements",
    short_values="fipwCP",
    roles={
        "--with-requirements": "requirements",
        "-w --with": "requirement-list",
        "--with-editable": "requirement-list",
        **_UV_INDEX_ROLES,
    },
)

# pipx 1.x (src/pipx/main.py): argparse, which accepts unique prefixes.
_PIPX_MAIN = _cli("", "--help --version", abbreviations=True)
_PIPX_SHARED_VALUES = "--python --fetch-python --index-url --pip-args --cooldown --backend"
_PIPX_SHARED_FLAGS = (
    "--help --quiet --verbose --skip-maintenance --global --fetch-missing-python"
    " --system-site-packages --editable"
)
_PIPX_ROLES = {"-i --index-url": "index", "--pip-args": "pip-args"}
_PIPX_INSTALL = _cli(
    _PIPX_SHARED_VALUES + " --include-resources-from --upgrade-strategy --suffix --preinstall"
    " --app --lock --output",
    _PIPX_SHARED_FLAGS + " --include-deps --force --upgrade",
    "i",
    abbreviations=True,
    roles={**_PIPX_ROLES, "--preinstall": "requirement"},
)
_PIPX_RUN = _cli(
    _PIPX_SHARED_VALUES + " --python-args --with --spec",
    _PIPX_SHARED_FLAGS + " --no-cache --refresh --no-path-check --path --pypackages",
    "i",
    abbreviations=True,
    roles={**_PIPX_ROLES, "--with": "requirement", "--spec": "requirement"},
)

# The environment variables that set an installer's index options.
INDEX_VARIABLES = {
    "PIP_INDEX_URL": "index",
    "PIP_EXTRA_INDEX_URL": "extra-index",
    "PIP_FIND_LINKS": "find-links",
    "PIP_TRUSTED_HOST": "trusted-host",
    "UV_INDEX_URL": "index",
    "UV_DEFAULT_INDEX": "index",
    "UV_EXTRA_INDEX_URL": "extra-index",
    "UV_INDEX": "extra-index",
    "UV_FIND_LINKS": "find-links",
    "UV_INSECURE_HOST": "trusted-host",
}
_EXTRA_SOURCES = frozenset({"extra-index", "find-links"})


class _Parsed(NamedTuple):
    """A command line split by its options: ``(name, value)`` of each option given
    (``value`` is ``None`` for a flag), the positional words, and what follows the first
    positional word when parsing stopped there."""

    options: list[tuple[str, Word | None]]
    positional: list[Word]
    rest: list[Word]

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)


def _parse(words: Sequence[Word], cli: _Cli, *, stop: bool = False) -> _Parsed:
    """Split ``words`` by ``cli``'s options (``--opt value``, ``--opt=value``, clusters
    such as ``-qUr file``, ``--`` ending the options). With ``stop``, parsing ends at the
    first positional word (a sub-command, or the command a runner runs)."""
    options: list[tuple[str, Word | None]] = []
    positional: list[Word] = []
    i, count, only_positional = 0, len(words), False
    while i < count:
        word = words[i]
        i += 1
        head = word.prefix
        if only_positional or not head.startswith("-") or word.text == "-":
            positional.append(word)
            if stop:
                return _Parsed(options, positional, list(words[i:]))
            continue
        if word.text == "--" and word.literal:
            only_positional = True
            continue
        if head.startswith("--"):
            name, eq, _ = head.partition("=")
            if not eq and not word.literal:
                continue  # --$OPTION: no telling which
            known = cli.long(name)
            if known is None:
                continue  # an option this table does not know: taken as a flag
            canonical, takes_value = known
            value: Word | None = None
            if takes_value:
                if eq:
                    value = word.after(len(name) + 1)
                elif i < count:
                    value = words[i]
                    i += 1
            options.append((canonical, value))
            continue
        for at in range(1, len(head)):
            letter = head[at]
            if letter not in cli.short_values:
                options.append((f"-{letter}", None))
                continue
            value = None
            if at + 1 < len(word.text):
                value = word.after(
                    at + 2 if word.text[at + 1] == "=" and not cli.abbreviations else at + 1
                )
            elif i < count:
                value = words[i]
                i += 1
            options.append((f"-{letter}", value))
            break
    return _Parsed(options, positional, [])


def _skip_options(
    words: Sequence[Word], short_values: str = "", long_values: Iterable[str] = ()
) -> list[Word]:
    """The words after the options of a wrapper such as ``sudo -u user``."""
    values = frozenset(long_values)
    i = 0
    while i < len(words):
        word = words[i]
        text = word.prefix
        if not text.startswith("-") or text == "-":
            break
        i += 1
        if word.text == "--":
            break
        if text.startswith("--"):
            if "=" not in text and text in values:
                i += 1
            continue
        for at in range(1, len(text)):
            if text[at] in short_values:
                if at + 1 == len(word.text):
                    i += 1
                break
    return list(words[i:])


# ---------------------------------------------------------------------------------------
# Commands


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PIP_NAME = re.compile(r"pip(?:\d+(?:\.\d+)*)?(?:\.exe)?")
_PYTHON_NAME = re.compile(r"(?:python|pypy)(?:\d+(?:\.\d+)*t?)?(?:\.exe)?|py")
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox"})
_RESERVED = frozenset(
    {"!", "{", "}", "then", "do", "else", "elif", "if", "while", "until", "fi", "done", "esac"}
)
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\+?=")
# The long options of sudo and GNU xargs that take a value.
_SUDO_VALUES = _words(
    "--close-from --chdir --group --host --prompt --chroot --role --type --command-timeout "
    "--other-user --user"
)
_XARGS_VALUES = _words(
    "--arg-file --delimiter --eof --replace --max-lines --max-args --max-procs --max-chars "
    "--process-slot-var"
)
_INSTALLER_HINT = re.compile(r"pip|uv", re.IGNORECASE)
_RUNNERS = frozenset({"poetry", "pipenv", "pdm", "hatch", "rye"})
_CONDAS = frozenset({"conda", "mamba", "micromamba"})
_INTERPRETER = re.compile(
    r"(?:python|pypy|cpython|graalpy|pythonw)(?:\d+(?:\.\d+)*t?)?(?:@.*)?", re.IGNORECASE
)
_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*[\[=<>!~@;(]")
_NAMED_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_VCS = re.compile(r"^(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_NEXT_CHARACTER = re.compile(r"\s*(\S)")
_EXTRAS_SUFFIX = re.compile(r"\[[^\[\]]*\]$")
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_UV_INDEX_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)=(?=\S)")


def _program(word: Word) -> str | None:
    """The name of the program a command word runs (``/opt/venv/bin/pip`` -> ``pip``,
    ``"$VENV/bin/python"`` -> ``python``), or ``None`` when a variable names it."""
    tail = word.tail
    if "/" in tail:
        return tail.rsplit("/", 1)[1] or None
    return word.text if word.literal else None


def _shown(word: Word, source: Source) -> str:
    """A word as written, for messages (its value when it is part of a word: the
    ``$URL`` of ``--index-url=$URL``)."""
    raw = source.shown[word.start : word.end]
    return raw if raw and not raw.startswith("-") else word.text


def _leading_name(prefix: str) -> str | None:
    """The package name at the start of a requirement whose rest is not literal
    (``litellm==$V`` -> ``litellm``); ``None`` if the name itself is not certain."""
    match = _LEADING_NAME.match(prefix)
    return match.group(1) if match else None


def _split_commas(text: str) -> list[str]:
    """uv's comma-separated requirements: commas inside brackets, or before a version
    operator (``requests>=2.1,<3``), do not split (uv-cli's ``comma.rs``)."""
    items: list[str] = []
    depth, start = 0, 0
    for at, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            following = _NEXT_CHARACTER.match(text, at + 1)
            if following is not None and following.group(1) in "!=<>~":
                continue
            items.append(text[start:at].strip())
            start = at + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


def _is_archive(text: str) -> bool:
    return re.split(r"[?#]", text, maxsplit=1)[0].lower().endswith(ARCHIVE_SUFFIXES)


def literal_folder(value: str | None) -> str | None:
    """A folder relative to the repository root as written in a workflow or a ``cd``;
    ``None`` when it is an expression, a variable or outside (``..``)."""
    if not value or any(c in value for c in "$`*?\ue000") or value.startswith(("/", "~")):
        return None
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts) or None


# ---------------------------------------------------------------------------------------
# The reader


@dataclass
class CommandReader:
    """The reading of one command file: the dependencies found so far, the tokenising
    budget, and the folders later commands' paths are relative to."""

    path: Path
    ctx: ReadContext
    display: str = ""
    deps: list[Dependency] = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)
    #: What each requirement text read as (its dependencies, or why it was not read): a
    #: script repeating one command reads it once.
    parsed: dict[tuple[str, bool], list[Dependency] | str] = field(default_factory=dict)
    #: A workflow step's ``working-directory``, and the folder the script ``cd``-ed to
    #: last (both relative to the repository root, when literal).
    workdir: str | None = None
    cwd: str | None = None

    def __post_init__(self) -> None:
        self.display = self.ctx.display(self.path)

    def note(self, line: int, text: str) -> None:
        self.ctx.note(self.display, line, text)

    # -- scripts -----------------------------------------------------------------------

    def script(self, source: Source, depth: int) -> None:
        """Read every install command of one script."""
        if depth == 0:
            self.cwd = None
        lexer = Lexer(source, self.budget)
        tokens: list[Word | Op] = []
        start, errors = 0, 0
        while True:
            try:
                lexer.tokens(start, tokens)
                break
            except Unclosed as exc:
                tokens.append(Op(ERROR))
                line = source.line_at(exc.offset)
                errors += 1
                if errors > MAX_SYNTAX_ERRORS:
                    self.note(line, f"shell syntax: {exc.what} is never closed; not read")
                    break
                self.note(
                    line,
                    f"shell syntax: {exc.what} is never closed; the command is not read",
                )
                resume = source.text.find("\n", exc.offset)
                if resume < 0:
                    break
                start = resume + 1
                tokens.append(Op("\n"))
        for command in simple_commands(tokens):
            self.command(command.words, command.heredocs, source, depth)

    def command(
        self,
        words: list[Word],
        heredocs: list[Heredoc],
        source: Source,
        depth: int,
        xargs: bool = False,
    ) -> None:
        """Read one simple command, looking behind wrappers (``sudo``, ``env`` ...)."""
        for _ in range(MAX_DEPTH * 2):
            words = self._strip_prefixes(words, source)
            if not words:
                return
            first, args = words[0], words[1:]
            program = _program(first)
            if program is None:
                installer = _INSTALLER_HINT.search(first.text)
                if installer and args and args[0].literal and args[0].text in ("install", "add"):
                    self.note(
                        source.line_at(first.start),
                        f"{source.shown[first.start : first.end]} {args[0].text}: a command "
                        "named by a variable; not read",
                    )
                return
            if program in ("sudo", "doas"):
                words = _skip_options(args, "CDghpRrtTUu", _SUDO_VALUES)
            elif program == "env":
                words = _skip_options(args, "CSu", ["--chdir", "--split-string", "--unset"])
            elif program in ("nohup", "time", "builtin"):
                words = _skip_options(args)
            elif program == "nice":
                words = _skip_options(args, "n", ["--adjustment"])
            elif program == "exec":
                words = _skip_options(args, "a")
            elif program == "command":
                if any(w.text.startswith(("-v", "-V")) for w in args[:2]):
                    return  # a lookup, not a run
                words = _skip_options(args)
            elif program == "timeout":
                words = _skip_options(args, "ks", ["--kill-after", "--signal"])[1:]
            elif program == "stdbuf":
                words = _skip_options(args, "ioe", ["--input", "--output", "--error"])
            elif program in ("gosu", "su-exec"):
                words = args[1:]
            elif program == "xargs":
                words = _skip_options(args, "adEILnPs", _XARGS_VALUES)
                xargs = True
            elif program in _RUNNERS and args and args[0].text == "run":
                words = _skip_options(args[1:])
            elif program in _CONDAS and args and args[0].text == "run":
                words = _skip_options(args[1:], "np", ["--name", "--prefix", "--cwd"])
            elif program in ("cd", "pushd"):
                self._cd(args)
                return
            else:
                break
        else:
            return
        if depth > MAX_DEPTH:
            self.note(source.line_at(first.start), "commands nested too deeply; not read")
            return
        if program in _SHELLS:
            self._shell_command(program, args, heredocs, source, depth)
        elif program == "eval":
            if any(w.prefix.lstrip("'\"").startswith(("pip", "uv", "python")) for w in args):
                self.note(
                    source.line_at(first.start), "eval: a command built at run time; not read"
                )
        elif _PIP_NAME.fullmatch(program):
            self._pip(args, source, xargs)
        elif _PYTHON_NAME.fullmatch(program):
            self._python(args, source, depth, xargs)
        elif program in ("uv", "uv.exe"):
            self._uv(args, source, depth, xargs)
        elif program in ("uvx", "uvx.exe"):
            self._uv_tool(args, _UV_TOOL_RUN, "uvx", source, xargs, run=True)
        elif program == "pipx":
            self._pipx(args, source, xargs)

    def _cd(self, args: list[Word]) -> None:
        """Follow ``cd DIR``: later ``-r`` files and paths are also looked for there."""
        target = args[-1] if args else None
        if target is None or not target.literal or target.text.startswith(("-", "/", "~")):
            self.cwd = None
            return
        self.cwd = literal_folder(f"{self.cwd}/{target.text}" if self.cwd else target.text)

    def _strip_prefixes(self, words: list[Word], source: Source) -> list[Word]:
        """Drop reserved words (``if``, ``then``, ``!`` ...) and assignments
        (``VAR=value``; those of an index variable are recorded), and ``export``."""
        i = 0
        while i < len(words):
            word = words[i]
            if word.literal and word.text in _RESERVED:
                i += 1
                continue
            assignment = _ASSIGNMENT.match(word.prefix)
            if assignment is None:
                if word.literal and word.text in ("export", "readonly", "local", "declare"):
                    for item in words[i + 1 :]:
                        self.assignment(item, source)
                    return []
                break
            self.assignment(word, source)
            i += 1
        return words[i:]

    def assignment(self, word: Word, source: Source) -> None:
        match = _ASSIGNMENT.match(word.prefix)
        if match is None or match.group(1) not in INDEX_VARIABLES:
            return
        value = word.after(match.end())
        line = source.line_at(word.start)
        if not value.literal:
            self.note(line, f"{match.group(1)}: set from a shell variable or expression; not read")
            return
        self.index_variable(match.group(1), value.text, line)

    def index_variable(self, name: str, value: str, line: int) -> None:
        """An index option set through the environment (``PIP_EXTRA_INDEX_URL=...``);
        list options hold several values separated by blanks."""
        role = INDEX_VARIABLES[name]
        values = value.split() if role != "index" else [value.strip()]
        for item in values:
            if "$" in item or SENTINEL in item:
                self.note(line, f"{name}: set from a variable or expression; not read")
            elif item:
                self._record_index(role, name, item, line)

    def _shell_command(
        self,
        program: str,
        args: list[Word],
        heredocs: list[Heredoc],
        source: Source,
        depth: int,
    ) -> None:
        """``sh -c 'script'``, ``bash -euxo pipefail -c "..."``, ``bash <<EOF``."""
        if program == "busybox":
            if not args or args[0].text not in ("sh", "ash"):
                return
            args = args[1:]
        i, command_mode = 0, False
        while i < len(args):
            word = args[i]
            text = word.text
            if not word.literal or text in ("-", "--") or text[:1] not in "-+" or len(text) < 2:
                if text in ("-", "--"):
                    i += 1
                break
            i += 1
            if text.startswith("--"):
                if text in ("--rcfile", "--init-file"):
                    i += 1
                continue
            if text[0] == "-" and "c" in text[1:]:
                command_mode = True
            if "o" in text[1:] or "O" in text[1:]:
                i += 1  # -o pipefail
        operands = args[i:]
        if command_mode:
            if not operands:
                return
            script = operands[0]
            if not script.literal:
                if any(k in script.prefix for k in ("pip", "uv", "python")):
                    self.note(
                        source.line_at(script.start),
                        f"{program} -c: a script built from variables or expressions; not read",
                    )
                return
            nested = Source.by_lines(script.text, source.line_at(script.start))
            self.script(nested, depth + 1)
        elif not operands:
            for heredoc in heredocs:
                self.script(source.slice(heredoc.body_start, heredoc.body_end), depth + 1)

    # -- installers --------------------------------------------------------------------

    def _pip(self, args: list[Word], source: Source, xargs: bool) -> None:
        general = _parse(args, _PIP_GLOBAL, stop=True)
        if not general.positional or general.positional[0].text != "install":
            return
        self._install(general.options, general.rest, _PIP_INSTALL, "pip install", source, xargs)

    def _python(self, args: list[Word], source: Source, depth: int, xargs: bool) -> None:
        """``python [options] -m pip|uv|pipx ...``."""
        i = 0
        while i < len(args):
            word = args[i]
            text = word.text
            i += 1
            if not word.literal or not text.startswith("-") or text == "-":
                return  # a script, stdin, or something unknown
            if text.startswith("--"):
                if text == "--check-hash-based-pycs":
                    i += 1
                continue
            for at in range(1, len(text)):
                letter = text[at]
                if letter == "c":
                    return
                if letter in "WXm":
                    value = text[at + 1 :]
                    if not value:
                        if i >= len(args):
                            return
                        value = args[i].text if args[i].literal else ""
                        i += 1
                    if letter == "m":
                        rest = args[i:]
                        if value == "pip":
                            self._pip(rest, source, xargs)
                        elif value == "uv":
                            self._uv(rest, source, depth, xargs)
                        elif value == "pipx":
                            self._pipx(rest, source, xargs)
                        return
                    break

    def _uv(self, args: list[Word], source: Source, depth: int, xargs: bool) -> None:
        top = _parse(args, _UV_GLOBAL, stop=True)
        if not top.positional:
            return
        command = top.positional[0].text
        if command == "pip":
            pip = _parse(top.rest, _UV_PIP, stop=True)
            if pip.positional and pip.positional[0].text == "install":
                options = top.options + pip.options
                self._install(options, pip.rest, _UV_PIP_INSTALL, "uv pip install", source, xargs)
        elif command == "add":
            self._install(top.options, top.rest, _UV_ADD, "uv add", source, xargs)
        elif command == "tool":
            tool = _parse(top.rest, _UV_GLOBAL, stop=True)
            if not tool.positional:
                return
            if tool.positional[0].text == "install":
                self._uv_tool(tool.rest, _UV_TOOL_INSTALL, "uv tool install", source, xargs)
            elif tool.positional[0].text == "run":
                self._uv_tool(tool.rest, _UV_TOOL_RUN, "uvx", source, xargs, run=True)
        elif command == "run":
            run = _parse(top.rest, _UV_RUN, stop=True)
            self._options(run.options, _UV_RUN, "uv run", source)
            if run.positional:
                words = run.positional + run.rest
                if run.has("--module", "-m"):
                    words = [words[0].with_text("python"), words[0].with_text("-m"), *words]
                self.command(words, [], source, depth + 1, xargs)

    def _uv_tool(
        self,
        args: list[Word],
        cli: _Cli,
        installed_by: str,
        source: Source,
        xargs: bool,
        *,
        run: bool = False,
    ) -> None:
        """``uv tool install``, ``uv tool run`` and ``uvx``: the package is ``--from`` or
        the command word, as ``name``, ``name@version``, ``name@latest`` or a
        requirement; a Python interpreter (``uvx python@3.12``) is no package."""
        parsed = _parse(args, cli, stop=run)
        self._options(parsed.options, cli, installed_by, source)
        sources = [value for name, value in parsed.options if name == "--from" and value]
        if sources:
            target = sources[-1]
        elif parsed.positional:
            target = parsed.positional[0]
        else:
            return
        if target.literal:
            if _INTERPRETER.fullmatch(target.text):
                return
            name, at, version = target.text.partition("@")
            if at and version and not _SCHEME.match(target.text) and "/" not in name:
                if version == "latest":
                    target = target.with_text(name)
                else:
                    try:
                        Version(version)
                        target = target.with_text(f"{name}=={version}")
                    except InvalidVersion:
                        pass
        self.requirement(target, installed_by, source)
        if xargs:
            self._xargs_note(target, installed_by, source)

    def _pipx(self, args: list[Word], source: Source, xargs: bool) -> None:
        top = _parse(args, _PIPX_MAIN, stop=True)
        if not top.positional:
            return
        command = top.positional[0].text
        if command == "install":
            self._install([], top.rest, _PIPX_INSTALL, "pipx install", source, xargs)
        elif command == "run":
            run = _parse(top.rest, _PIPX_RUN, stop=True)
            self._options(run.options, _PIPX_RUN, "pipx run", source)
            if run.positional and not run.has("--spec"):
                self.requirement(run.positional[0], "pipx run", source)

    def _install(
        self,
        before: list[tuple[str, Word | None]],
        args: list[Word],
        cli: _Cli,
        installed_by: str,
        source: Source,
        xargs: bool,
    ) -> None:
        parsed = _parse(args, cli)
        self._options(before + parsed.options, cli, installed_by, source)
        for word in parsed.positional:
            self.requirement(word, installed_by, source)
        if xargs:
            self._xargs_note(args[0] if args else None, installed_by, source)

    def _xargs_note(self, word: Word | None, installed_by: str, source: Source) -> None:
        line = source.line_at(word.start) if word is not None else source.line_at(0)
        self.note(
            line, f"xargs {installed_by}: the packages xargs reads from its input are not read"
        )

    def _options(
        self,
        options: list[tuple[str, Word | None]],
        cli: _Cli,
        installed_by: str,
        source: Source,
    ) -> None:
        for name, value in options:
            if value is None or name not in cli.roles:
                continue
            role, canonical = cli.roles[name]
            if role == "requirements":
                self.include(value, f"{installed_by} {canonical}", source)
            elif role == "editable":
                self.requirement(value, installed_by, source, editable=True)
            elif role == "requirement":
                self.requirement(value, installed_by, source)
            elif role == "requirement-list":
                if not value.literal or len(value.text) > MAX_ARGUMENT:
                    self.requirement(value, installed_by, source)
                    continue
                for item in _split_commas(value.text):
                    editable = canonical == "--with-editable"
                    self.requirement(value.with_text(item), installed_by, source, editable=editable)
            elif role == "pip-args":
                self._pip_args(value, installed_by, source)
            elif role == "script":
                self.note(
                    source.line_at(value.start),
                    f"{installed_by} {canonical} {value.text}: the requirements in a script's "
                    "inline metadata are not read",
                )
            else:
                line = source.line_at(value.start)
                if not value.literal:
                    self.note(
                        line,
                        f"{installed_by} {canonical} {_shown(value, source)}: a shell variable or "
                        "expression; not read",
                    )
                    continue
                url = value.text
                if canonical == "--index":  # uv: [name=]url
                    named = _UV_INDEX_NAME.match(url)
                    if named is not None and ":" not in named.group(1):
                        url = url[named.end() :]
                self._record_index(role, f"{installed_by} {canonical}", url, line)

    def _pip_args(self, value: Word, installed_by: str, source: Source) -> None:
        """pipx ``--pip-args '...'``: pip options in one string."""
        if not value.literal:
            return
        try:
            items = shlex.split(value.text)
        except ValueError:
            return
        words = [value.with_text(item) for item in items]
        parsed = _parse(words, _PIP_INSTALL)
        self._options(parsed.options, _PIP_INSTALL, f"{installed_by} --pip-args", source)

    def _record_index(self, role: str, option: str, url: str, line: int) -> None:
        self.ctx.add_index(self.display, line, option, url)
        if role in _EXTRA_SOURCES:
            name = option.rsplit(" ", 1)[-1]
            self.ctx.sources.setdefault(self.display, []).append(
                f"{self.display}:{line}: {name} {url}"
            )

    # -- what a command names ----------------------------------------------------------

    def requirement(
        self, word: Word, installed_by: str, source: Source, *, editable: bool = False
    ) -> None:
        """One package a command installs: a requirement, URL, archive or local path."""
        line = source.line_at(word.start)
        shown = _shown(word, source)
        if len(word.text) > MAX_ARGUMENT:
            raise InputError(
                self.display, line, f"an install argument longer than {MAX_ARGUMENT:,} characters"
            )
        if not word.literal:
            name = _leading_name(word.prefix)
            if name is None:
                self.note(
                    line,
                    f"{installed_by} {shown}: a shell variable, expression, command "
                    "substitution or file pattern; not read",
                )
                return
            self.note(
                line,
                f"{installed_by} {shown}: the version is a shell variable or expression; "
                f"read as {canonicalize_name(name)} with no version",
            )
            self.deps.append(
                Dependency(
                    name=canonicalize_name(name),
                    file=self.display,
                    line=line,
                    installed_by=installed_by,
                )
            )
            return
        spec = word.text.strip()
        if not spec:
            return
        named = _NAMED_URL.match(spec)
        if named is None:
            specs = self._readable(spec, installed_by, line)
        elif "://" in spec or spec[named.end() :].lstrip().lower().startswith("file:"):
            specs = [spec]
        else:  # `name @ ./path`: the path resolves where the command runs, as above
            head = spec[: named.end()]
            specs = [
                f"{head} {path}"
                for path in self._readable(spec[named.end() :].strip(), installed_by, line)
            ]
        for each in specs:
            found = self.parsed.get((each, editable))
            if found is None:
                text = f"-e {shlex.quote(each)}" if editable else each
                try:
                    found = requirements.read_lines([(line, text)], self.path, self.ctx)
                except InputError as exc:
                    found = exc.detail
                self.parsed[each, editable] = found
            if isinstance(found, str):
                self.note(line, f"{installed_by} {shown}: {found}; not read")
                continue
            self.deps.extend(replace(dep, line=line, installed_by=installed_by) for dep in found)

    def _readable(self, spec: str, installed_by: str, line: int) -> list[str]:
        """What a requirement that is not ``name @ url`` reads as: itself for a name, a
        remote URL or an archive (whose file name states name and version); for a folder
        of this repository, its path from the command file's folder (where the check
        resolves it), once for each folder the command may mean. A ``file:`` URL or a path
        elsewhere (inside an image, on a runner) is noted instead (an empty list)."""
        head, semicolon, marker = spec.partition(";")
        head = head.strip()
        lowered = head.lower()
        if _is_archive(head):
            return [spec]
        if lowered.startswith("file:"):
            self.note(line, f"{installed_by} {spec}: a file: URL; not read")
            return []
        if _VCS.match(head) or "://" in head:
            return [spec]
        if not head.startswith((".", "/", "~")) and "/" not in head and "\\" not in head:
            return [spec]
        folder = _EXTRAS_SUFFIX.sub("", head)
        extras = head[len(folder) :]
        if folder.endswith(".py"):
            self.note(line, f"{installed_by} {spec}: a script's inline requirements are not read")
            return []
        found = self._folders(folder)
        if not found:
            self.note(
                line,
                f"{installed_by} {spec}: a local path that is not a folder of this repository "
                "(a path inside the image or on the runner?); not read",
            )
            return []
        out = []
        for target in found:
            relative = os.path.relpath(target, self.path.parent).replace(os.sep, "/")
            relative = relative if relative.startswith(".") else f"./{relative}"
            out.append(relative + extras + (semicolon + marker if semicolon else ""))
        return out

    def _folders(self, value: str) -> list[Path]:
        """The folders of this repository a path a command names may be. With a literal
        ``cd`` or ``working-directory``, the path is relative to it; otherwise a pipeline
        (a workflow, GitLab CI) runs from the repository root, and a script or Dockerfile
        from the root or its own folder, so both count when both are projects (the
        stricter reading); a folder that is no project counts only when nothing else
        does."""
        if value.startswith("~"):
            return []
        path = Path(value)
        if path.is_absolute():
            bases = [path]
        elif self.cwd or self.workdir:
            folder = self.cwd or self.workdir
            bases = [self.ctx.root / (folder or "") / value]
        elif file_format(self.display) in ("workflow", "gitlab-ci"):
            bases = [self.ctx.root / value]
        else:
            bases = [self.path.parent / value, self.ctx.root / value]
        folders: list[Path] = []
        for candidate in bases:
            try:
                if (
                    candidate.is_dir()
                    and self.ctx.inside(candidate)
                    and all(candidate.resolve() != other.resolve() for other in folders)
                ):
                    folders.append(candidate)
            except (OSError, ValueError, RuntimeError):
                continue
        projects = [f for f in folders if any((f / n).is_file() for n in _PROJECT_FILES)]
        return projects or folders[:1]

    def _candidates(self, value: str) -> list[Path]:
        """Where a file a command names (``-r FILE``) may be: relative to the folder the
        script ``cd`` to and to a step's ``working-directory`` (both from the repository
        root), then to the command file's folder and to the repository root. Only one
        that exists in the repository is ever used."""
        if value.startswith("~"):
            return []
        path = Path(value)
        if path.is_absolute():
            return [path]
        folders = [self.cwd, self.workdir]
        found = [self.ctx.root / folder / value for folder in folders if folder]
        found += [self.path.parent / value, self.ctx.root / value]
        return list(dict.fromkeys(found))

    def include(self, word: Word, option: str, source: Source) -> None:
        """Follow ``-r``/``-c FILE``: read by its own reader when it is in the repository,
        noted otherwise."""
        line = source.line_at(word.start)
        value = word.text
        if not word.literal:
            shown = _shown(word, source)
            self.note(line, f"{option} {shown}: a shell variable or expression; not read")
            return
        if value == "-" or (_SCHEME.match(value) and not re.match(r"^[A-Za-z]:[\\/]", value)):
            self.note(line, f"{option} {value}: not a file in the repository; not read")
            return
        target, outside = None, value.startswith(("/", "~"))
        for candidate in self._candidates(value):
            try:
                if not candidate.is_file():
                    continue
                if self.ctx.inside(candidate):
                    target = candidate
                    break
                outside = True
            except (OSError, ValueError):
                continue
        if target is None:
            where = "outside the repository" if outside else "no such file in the repository"
            self.note(line, f"{option} {value}: {where}; not read")
            return
        shown = self.ctx.display(target)
        self.ctx.includes.setdefault(self.display, set()).add(shown)
        fmt = file_format(shown)
        if fmt in ("pyproject", "pylock", "setup.py", "setup.cfg"):
            self.deps.extend(self.ctx.read_other(target, fmt))
        else:
            self.deps.extend(requirements.read_included(target, self.ctx))
