"""The only kopf-aware package: ``kopf run -m fogcompute_operator.handlers`` loads it.

Importing the package registers every handler on kopf's default registry, in this order:
``operating`` (the operator's own lifecycle: settings, logs, metrics, the one runtime), one
thin module per watched kind (its startup puts the kind's controller on the runtime; its event
handlers feed watch events into the runtime's informers), and ``readying`` last (ready once
every controller runs). To add a kind, create ``handlers/<plural>.py`` and import it below,
before ``readying``. Nothing outside this package imports kopf.
"""

# Imported for their registration side effect; the order is the order of the startups.
from fogcompute_operator.handlers import operating  # isort: skip
from fogcompute_operator.handlers import edgedevices, fogjobs, mixnet, nodes  # isort: skip
from fogcompute_operator.handlers import economics  # isort: skip
from fogcompute_operator.handlers import admission  # isort: skip
from fogcompute_operator.handlers import readying  # isort: skip
from fogcompute_operator.handlers.configuring import (
    ANNOTATION_PREFIX,
    FINALIZER,
    OperatorEnv,
    PeeringChoice,
    apply_settings,
)

__all__ = [
    "ANNOTATION_PREFIX",
    "FINALIZER",
    "OperatorEnv",
    "PeeringChoice",
    "admission",
    "apply_settings",
    "economics",
    "edgedevices",
    "fogjobs",
    "mixnet",
    "nodes",
    "operating",
    "readying",
]
