"""``python -m guard`` runs the bumpguard command line."""

from guard.cli import run

run()
