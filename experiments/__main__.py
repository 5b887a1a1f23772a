"""``python -m experiments``: the main job (``python -m experiments --help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
