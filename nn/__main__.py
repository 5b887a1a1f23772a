"""``python -m nn``: the main job (``python -m nn --help``)."""

import sys

from .app.cli import main

if __name__ == "__main__":
    sys.exit(main())
