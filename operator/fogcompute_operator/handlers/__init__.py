"""The only kopf-aware package: ``kopf run -m fogcompute_operator.handlers`` loads it.

Importing the package registers every handler on kopf's default registry. ``operating`` holds
the operator's own lifecycle (startup settings, probe, cleanup). Each resource kind gets one
module of thin handlers (parse, call a plain-Python service, write status once), decorated with
``reconciled("<kind plural>")`` so its reconciles show in the controller metrics; to add a kind,
create ``handlers/<plural>.py`` and import it below. Nothing outside this package imports kopf.
"""

# Per-kind handler modules are imported for their registration side effect; add new kinds here
# (circuits, edgedevices, mixnodes, ...).
from fogcompute_operator.handlers import fogjobs, operating
from fogcompute_operator.handlers.configuring import (
    ANNOTATION_PREFIX,
    FINALIZER,
    OperatorEnv,
    PeeringChoice,
    apply_settings,
)
from fogcompute_operator.handlers.reconciling import classify_kopf_outcome, reconciled

__all__ = [
    "ANNOTATION_PREFIX",
    "FINALIZER",
    "OperatorEnv",
    "PeeringChoice",
    "apply_settings",
    "classify_kopf_outcome",
    "fogjobs",
    "operating",
    "reconciled",
]
