"""Entry point for ``python -m fogcompute_testbed``."""

import sys

from fogcompute_testbed.cli import main

sys.exit(main())
