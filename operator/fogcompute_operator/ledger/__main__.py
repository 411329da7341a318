"""``python -m fogcompute_operator.ledger``: the ``fog-ledger`` command (``cli``)."""

import sys

from fogcompute_operator.ledger.cli import main

sys.exit(main())
