"""``python -m deltasnap``: the same as the ``deltasnap`` command."""

import sys

from .cli import main

sys.exit(main())
