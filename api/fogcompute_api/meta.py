"""Constants every layer shares: API group and version, resource names, label and annotation keys.

Bottom of the dependency graph: the models, the CRD generator, the operator and the agents read
these names from here so that no two places spell a group, a plural or a finalizer differently.
This module imports nothing of ours and must stay free of logic.
"""

from typing import Final

GROUP: Final = "fogcompute.io"
VERSION: Final = "v1alpha1"
API_VERSION: Final = "fogcompute.io/v1alpha1"
"""``GROUP/VERSION``, spelled out so that type checkers see the literal."""
CATEGORY: Final = "fog"

PREFIX: Final = f"{GROUP}/"
"""Prefix of every label, annotation and finalizer the platform owns."""

FINALIZER: Final = f"{PREFIX}finalizer"

LABEL_EDGE: Final = f"{PREFIX}edge"
"""Node label (value ``"true"``) that marks a machine as an edge device; the agent runs there."""
LABEL_FOGJOB: Final = f"{PREFIX}fogjob"
"""Pod label naming the FogJob that owns the pod."""
LABEL_REPLICA: Final = f"{PREFIX}replica"
"""Pod label holding the replica index (``"0"`` is the primary)."""
LABEL_ATTEMPT: Final = f"{PREFIX}attempt"
"""Pod label holding the attempt number the pod belongs to."""
LABEL_HARVEST: Final = f"{PREFIX}harvest"
"""Pod label (``"true"``) on pods placed on a harvested device; evicted when it stops being one."""
ANNOTATION_LAST_APPLIED_PARAMETERS: Final = f"{PREFIX}applied-parameters"
"""Annotation the operator writes on an executed Proposal with the parameters it applied."""

KIND_EDGEDEVICE: Final = "EdgeDevice"
KIND_FOGJOB: Final = "FogJob"
KIND_MIXNODE: Final = "MixNode"
KIND_CIRCUIT: Final = "Circuit"
KIND_STAKE: Final = "Stake"
KIND_PROPOSAL: Final = "Proposal"

PLURAL_EDGEDEVICES: Final = "edgedevices"
PLURAL_FOGJOBS: Final = "fogjobs"
PLURAL_MIXNODES: Final = "mixnodes"
PLURAL_CIRCUITS: Final = "circuits"
PLURAL_STAKES: Final = "stakes"
PLURAL_PROPOSALS: Final = "proposals"

TOKEN_PATTERN: Final = r"^(0|[1-9][0-9]{0,29})$"  # noqa: S105 - tokens of a ledger, not a secret
"""A token amount: a base-unit integer of at most 30 digits, written as a string, no leading zero.

Without leading zeros two amounts compare numerically by (length, then lexicographic order),
which is how the CEL rules compare them: CEL's int is 64-bit and 30 digits do not fit.
"""
TOKEN_MAX_LENGTH: Final = 30
