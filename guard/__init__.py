"""bumpguard: refuse unreviewed dependency changes at commit, review and install time."""

__version__ = "0.1.0"
