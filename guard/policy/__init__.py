"""The policy: its rules, how a policy file is validated, merged and enforced, and its JSON
schema. Offline only; fetching remote policies lives in :mod:`guard.remote`."""
