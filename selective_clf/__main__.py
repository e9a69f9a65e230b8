"""``python -m selective_clf demo``: see what a reject option buys."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
