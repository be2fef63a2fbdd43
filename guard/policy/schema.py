"""The JSON Schema (draft 2020-12) of a bumpguard policy file, for editors and CI.

``bumpguard policy schema`` prints it; with ``# yaml-language-server: $schema=...`` at the
top of ``.bumpguard.yaml`` an editor completes keys and flags mistakes as you type.

The schema is stricter than the loader in one way: an unknown key is an error here (so a
misspelt key is underlined) but only a warning in ``bumpguard policy validate``. Everything
else it accepts or rejects as the loader does, except what only the loader can check:
whether a file named in ``extends`` exists, and full PEP 440 parsing of specifiers.
"""

from __future__ import annotations

from typing import Any

from guard.policy.rules import ATTESTATION_MODES, RANGE_MODES, SCHEMA_VERSION, THRESHOLDS

POLICY_SCHEMA_ID = "urn:bumpguard:policy:1"

# A canonical package name or a glob over canonical names (as the loader's _PATTERN).
_NAME_PATTERN = r"^[A-Za-z0-9*?]([A-Za-z0-9._*?-]*[A-Za-z0-9*?])?$"
# One PEP 440 specifier set: comma-separated clauses such as ">=1.83.0,!=1.84.1" or "==1.*".
_CLAUSE = r"(~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9][A-Za-z0-9._+!*-]*"
_SPECIFIER_PATTERN = rf"^\s*{_CLAUSE}(\s*,\s*{_CLAUSE})*\s*$"
# A cooldown: 90s, 30m, 12h, 7d, 2w or 0.
_DURATION_PATTERN = r"^\s*(0|\d+\s*[smhdw])\s*$"


def _one_or_many(item: dict[str, Any], description: str) -> dict[str, Any]:
    """A value that is one item or a list of them (the loader accepts both)."""
    return {
        "description": description,
        "anyOf": [item, {"type": "array", "items": item}],
    }


def _publisher(
    kind: str, description: str, fields: dict[str, str], required: list[str]
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "kind": {"const": kind, "description": description},
        **{
            key: {"$ref": "#/$defs/identityField", "description": text}
            for key, text in fields.items()
        },
        "versions": {
            "description": (
                "The releases this identity (and attestations: required) applies to, such as "
                "'>=1.83.0'; other versions are treated as if-present with no pin. One "
                "specifier set."
            ),
            "anyOf": [
                {"$ref": "#/$defs/specifierSet"},
                {
                    "type": "array",
                    "items": {"$ref": "#/$defs/specifierSet"},
                    "minItems": 1,
                    "maxItems": 1,
                },
            ],
        },
    }
    return {
        "type": "object",
        "required": ["kind", *required],
        "additionalProperties": False,
        "properties": properties,
    }


_ENVIRONMENT = (
    "The deployment environment. Documentation only: the signing certificate does not carry "
    "it, so it is never checked."
)

_SETTINGS: dict[str, Any] = {
    "attestations": {
        "description": (
            "required: no approval without a verified PEP 740 attestation for every artifact "
            "the lock files hold. if-present (default): attestations are verified when the "
            "index has them, and a version without them is refused once an earlier approved "
            "version had them (no-downgrade)."
        ),
        "enum": list(ATTESTATION_MODES),
        "default": "if-present",
    },
    "min_release_age": {
        "description": (
            "Cooldown: a version uploaded less than this long ago is refused, with the date it "
            "becomes eligible. 90s, 30m, 12h, 7d, 2w or 0."
        ),
        "$ref": "#/$defs/duration",
        "default": "0",
    },
    "require_tag": {
        "description": "The signing certificate's source ref must be a tag (refs/tags/...).",
        "type": "boolean",
        "default": False,
    },
}

POLICY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": POLICY_SCHEMA_ID,
    "title": "bumpguard policy",
    "description": (
        "A bumpguard policy file (.bumpguard.yaml), version 1. `bumpguard policy validate` "
        "checks a file and everything it extends."
    ),
    "type": "object",
    "required": ["version"],
    "additionalProperties": False,
    "properties": {
        "version": {
            "description": "The policy schema version; this bumpguard reads version 1.",
            "type": "integer",
            "const": SCHEMA_VERSION,
        },
        "extends": _one_or_many(
            {
                "anyOf": [
                    {
                        "type": "string",
                        "pattern": r"\S",
                        "not": {"pattern": r"^[a-z][a-z0-9+.-]*://"},
                        "examples": ["builtin:llm-gateways"],
                    },
                    {"$ref": "#/$defs/pinnedUrl"},
                ]
            },
            "Policies applied first, in order, before this file refines them: builtin:NAME, "
            "a path relative to this file, or a pinned URL ({url, sha256} or {url, sigstore}) "
            "that `bumpguard policy fetch` stores and locks; check reads it from the lock.",
        ),
        "enforce": {
            "description": (
                "true: the whole policy in effect after this file (its rules and everything it "
                "extends) is a floor: files that extend it may tighten it, never loosen it."
            ),
            "type": "boolean",
        },
        "imports": {
            "description": (
                "Review ledgers other teams publish (bumpguard reviews export), fetched, pinned "
                "and locked by `bumpguard policy fetch`. Read only from this repository's own "
                "policy files: imports are not transitive."
            ),
            "type": "array",
            "items": {"$ref": "#/$defs/importEntry"},
        },
        "protect": {
            "description": (
                "Packages every version of which needs a recorded review. A name (compared "
                "canonically: My_SDK == my-sdk), a glob over canonical names, or a mapping "
                "with the expected publisher and provenance settings. A later entry for the "
                "same name overrides the settings it gives and keeps the others."
            ),
            "type": "array",
            "items": {
                "anyOf": [{"$ref": "#/$defs/packagePattern"}, {"$ref": "#/$defs/protectEntry"}]
            },
        },
        "protected_defaults": {
            "description": "What protect entries get unless they say otherwise.",
            "type": "object",
            "additionalProperties": False,
            "properties": _SETTINGS,
        },
        "unprotect": _one_or_many(
            {"$ref": "#/$defs/packagePattern"},
            "Drop protection an extended policy gave (an exact-name protect entry still wins "
            "over an unprotect glob).",
        ),
        "deny": {
            "description": (
                "Versions refused everywhere; no approval overrides a deny, and a later file "
                "cannot remove or narrow one."
            ),
            "type": "array",
            "items": {"$ref": "#/$defs/denyRule"},
        },
        "allow_list": _one_or_many(
            {"$ref": "#/$defs/packagePattern"},
            "If present (in any file), only these packages may appear. Entries accumulate "
            "across extended files.",
        ),
        "review_threshold": {
            "description": (
                "For unprotected packages: an approval of version V covers versions that "
                "differ from V below the threshold (minor: 2.3.0 covers 2.3.x; major: 2.x); any "
                "needs an approval of every exact version; none (default) needs none."
            ),
            "enum": list(THRESHOLDS),
            "default": "none",
        },
        "ranges": {
            "description": (
                "How protected packages may be declared with version ranges. pin (default, "
                "for applications): a range must be covered by a pin or lock entry it "
                "admits, in a file that governs it. allow (for libraries without a lock "
                "file): ranges are allowed and still checked against deny rules and the "
                "allow-list; pins, locks and `bumpguard pip install` guard installs."
            ),
            "enum": list(RANGE_MODES),
            "default": "pin",
        },
        "constraints": {
            **_one_or_many(
                {
                    "type": "string",
                    "pattern": r"\S",
                    # Not a URL, an absolute path, a backslash or a .. component.
                    "not": {
                        "pattern": r"^[A-Za-z][A-Za-z0-9+.-]*://|^[A-Za-z]:|^/|\\|(^|/)\.\.(/|$)"
                    },
                    "examples": ["requirements/common-constraints.txt"],
                },
                "Paths, relative to the repository root (not to this file) and written with /, "
                "of constraints, requirements or lock files whose pins govern version ranges "
                "everywhere in the repository (for a file your tooling passes on the command "
                "line, such as pip-compile --constraint). Entries accumulate across extended "
                "files.",
            ),
            "default": [],
        },
        "exclude": {
            **_one_or_many(
                {
                    "type": "string",
                    "pattern": r"\S",
                    "not": {"pattern": r"^[A-Za-z]:|^/|\\|(^|/)\.\.(/|$)"},
                    "examples": ["lib/cli/src/crewai_cli/templates/**", "templates"],
                },
                "Globs of repository paths that no reader looks at: templates and other "
                "files that only look like dependency files. * and ? match within a folder "
                "name, ** any number of folders; a glob without / matches a name at any "
                "depth; a folder excludes everything below it. A policy applied after an "
                "enforced one cannot add any.",
            ),
            "default": [],
        },
        "indexes": {
            **_one_or_many(
                {
                    "type": "string",
                    "pattern": r"^(https?|file)://[^/\s]\S*$",
                    "examples": ["https://pypi.example.org/simple", "https://corp.example/*"],
                },
                "Package indexes and find-links URLs that dependency files and install "
                "commands may name, besides https://pypi.org/simple (always allowed). "
                "Compared without credentials or a trailing /; an entry ending in /* allows "
                "everything below it. Entries accumulate across extended files.",
            ),
            "default": [],
        },
        "reviews": {
            "description": (
                "What the reviewers' SSH signatures on an approval must show "
                "(approve --sign; verified by check, offline)."
            ),
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "signed": {
                    "description": (
                        "required: an approval in scope needs min_reviewers valid signatures "
                        "by distinct allowed signers; optional (default): signatures are "
                        "only checked for integrity."
                    ),
                    "enum": ["required", "optional"],
                    "default": "optional",
                },
                "allowed_signers": {
                    "description": (
                        "git's allowed_signers file (principals and SSH keys): a path relative "
                        "to the repository root, or a pinned URL ({url, sha256} or {url, "
                        "sigstore}) that bumpguard policy fetch stores and locks; without it "
                        "any valid key counts."
                    ),
                    "oneOf": [
                        {"type": "string", "minLength": 1},
                        {"$ref": "#/$defs/pinnedUrl"},
                    ],
                },
                "min_reviewers": {
                    "description": "Distinct allowed signers each approval needs (default 1).",
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10,
                    "default": 1,
                },
                "scope": {
                    "description": (
                        "protected (default): approvals of protected packages need signatures; "
                        "all: every approval does."
                    ),
                    "enum": ["protected", "all"],
                    "default": "protected",
                },
            },
        },
        "install": {
            "description": "Settings for `bumpguard pip install`.",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "require_approval": {
                    "description": (
                        "In a repository with a ledger, protected versions need a recorded "
                        "approval to be installed (default true)."
                    ),
                    "type": "boolean",
                    "default": True,
                },
                "startup_hooks": {
                    "description": (
                        "What a start-up hook (.pth code, sitecustomize) in any package does: "
                        "deny (default) or warn. A protected package's hook is refused either "
                        "way. Known-benign hooks (recognised by content), hooks in files an "
                        "approval recorded, and allow_startup_hooks entries are installed."
                    ),
                    "enum": ["deny", "warn"],
                    "default": "deny",
                },
                "allow_startup_hooks": {
                    "description": (
                        "Start-up hooks accepted by content: the package that installs the "
                        "hook, its path relative to site-packages and its sha256."
                    ),
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["package", "path", "sha256"],
                        "properties": {
                            "package": {"type": "string", "pattern": _NAME_PATTERN},
                            "path": {"type": "string", "minLength": 1},
                            "sha256": {"$ref": "#/$defs/sha256"},
                        },
                    },
                },
                "allow_sdist": _one_or_many(
                    {"$ref": "#/$defs/packagePattern"},
                    "Protected packages that may be installed from an sdist (which runs a "
                    "build backend).",
                ),
            },
        },
    },
    "$defs": {
        "packagePattern": {
            "description": "A package name or a glob (* and ?) over canonical names.",
            "type": "string",
            "pattern": _NAME_PATTERN,
        },
        "specifierSet": {
            "description": "A PEP 440 specifier set, such as '==1.82.8' or '>=1.83.0,<2'.",
            "type": "string",
            "pattern": _SPECIFIER_PATTERN,
        },
        "duration": {
            "anyOf": [
                {"type": "string", "pattern": _DURATION_PATTERN},
                {"type": "integer", "const": 0},
            ]
        },
        "sha256": {
            "description": "The file's sha256, 64 hex digits (quote it in YAML).",
            "type": "string",
            "pattern": r"^(sha256:)?[0-9a-fA-F]{64}$",
        },
        "fetchUrl": {
            "description": "An https:// URL (http:// only to 127.0.0.1 or localhost, for tests).",
            "type": "string",
            "pattern": r"^(https://[^/@\s]+|http://(127\.0\.0\.1|localhost)(:\d+)?)(/\S*)?$",
        },
        "sigstorePin": {
            "description": (
                "A sigstore bundle and who must have signed the file with it; verified offline "
                "with sigstore's production trust root."
            ),
            "type": "object",
            "required": ["bundle", "identity", "issuer"],
            "additionalProperties": False,
            "properties": {
                "bundle": {"$ref": "#/$defs/fetchUrl"},
                "identity": {
                    "description": "The certificate identity, such as a workflow URI.",
                    "type": "string",
                    "pattern": r"\S",
                },
                "issuer": {
                    "description": "The OIDC issuer, such as "
                    "https://token.actions.githubusercontent.com.",
                    "type": "string",
                    "pattern": r"\S",
                },
            },
        },
        "pinnedUrl": {
            "description": "A URL with a pin: sha256, sigstore, or both.",
            "type": "object",
            "required": ["url"],
            "additionalProperties": False,
            "anyOf": [{"required": ["sha256"]}, {"required": ["sigstore"]}],
            "properties": {
                "url": {"$ref": "#/$defs/fetchUrl"},
                "sha256": {"$ref": "#/$defs/sha256"},
                "sigstore": {"$ref": "#/$defs/sigstorePin"},
            },
        },
        "importEntry": {
            "description": "An imported review ledger: a label, a URL and a pin.",
            "type": "object",
            "required": ["name", "url"],
            "additionalProperties": False,
            "anyOf": [{"required": ["sha256"]}, {"required": ["sigstore"]}],
            "properties": {
                "name": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*$"},
                "url": {"$ref": "#/$defs/fetchUrl"},
                "sha256": {"$ref": "#/$defs/sha256"},
                "sigstore": {"$ref": "#/$defs/sigstorePin"},
            },
        },
        "identityField": {"type": "string", "pattern": r"\S"},
        "protectEntry": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {
                    "description": "The package name or glob this entry protects.",
                    "$ref": "#/$defs/packagePattern",
                },
                "publisher": {
                    "description": (
                        "The trusted-publisher identity the package's releases must be signed "
                        "by. bumpguard pins only what the signing certificate proves; the "
                        "publisher an index claims is never read."
                    ),
                    "oneOf": [
                        _publisher(
                            "github",
                            "GitHub Actions trusted publishing.",
                            {
                                "repository": "owner/name of the repository that publishes.",
                                "workflow": "The workflow file name, such as publish.yml.",
                                "environment": _ENVIRONMENT,
                            },
                            ["repository", "workflow"],
                        ),
                        _publisher(
                            "gitlab",
                            "GitLab CI/CD trusted publishing.",
                            {
                                "repository": "namespace/project of the repository that publishes.",
                                "workflow": "The CI file path, such as .gitlab-ci.yml.",
                                "environment": _ENVIRONMENT,
                            },
                            ["repository", "workflow"],
                        ),
                        _publisher(
                            "google",
                            "Google Cloud trusted publishing.",
                            {"email": "The service account's email address."},
                            ["email"],
                        ),
                        _publisher(
                            "circleci",
                            "CircleCI trusted publishing.",
                            {
                                "project_id": "The CircleCI project id.",
                                "pipeline_definition_id": "The pipeline definition id.",
                                "vcs_origin": "The VCS origin, such as github.com/owner/name.",
                                "vcs_ref": "The VCS ref, such as refs/heads/main.",
                            },
                            ["project_id", "pipeline_definition_id"],
                        ),
                    ],
                },
                **_SETTINGS,
                "enforced": {
                    "description": "true: files that extend this one cannot loosen this entry.",
                    "type": "boolean",
                },
            },
        },
        "denyRule": {
            "type": "object",
            "required": ["package"],
            "additionalProperties": False,
            "properties": {
                "package": {
                    "description": "The package name or glob denied.",
                    "$ref": "#/$defs/packagePattern",
                },
                "versions": {
                    "description": (
                        "Any of these specifier sets is denied; omit the key to deny every version."
                    ),
                    "anyOf": [
                        {"$ref": "#/$defs/specifierSet"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/$defs/specifierSet"},
                            "minItems": 1,
                        },
                    ],
                },
                "reason": {"description": "Why, shown with every refusal.", "type": "string"},
                "advisories": _one_or_many(
                    {"type": "string", "pattern": r"\S"},
                    "Advisory ids, such as PYSEC-2026-2 or GHSA-5mg7-485q-xm76.",
                ),
                "enforced": {
                    "description": "A marker: a deny can never be removed or narrowed anyway.",
                    "type": "boolean",
                },
            },
        },
    },
}
