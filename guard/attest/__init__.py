"""Provenance: PEP 740 verification through sigstore, and the rules every gate applies to
what a release's attestations prove."""
