"""``python -m fogcompute_edge_agent``: the image's entrypoint; see ``cli``."""

import sys

from fogcompute_edge_agent.cli import main

sys.exit(main())
