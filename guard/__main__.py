"""``python -m guard`` runs the bumpguard command line."""

import sys

from guard.cli import main

sys.exit(main())
