"""The Circuit kind: verifiable mixnet paths, drawn and redrawn by the operator.

Above the mixnet state (directories, keys) and the runtime, independent of every other kind
package. Each Circuit gets one mixnode per layer drawn from the newest signed directory with
the operator's ECVRF (``fogcompute_mixnode.routing.draw_circuit``), so anyone can check the
path with ``fogctl circuit verify``; it is redrawn when a hop becomes unavailable and at
expiry. Modules: deciding (pure), reconciling (get, decide, write status once), starting.
"""

from fogcompute_operator.circuits.deciding import READY, Decision, decide, hop_problem
from fogcompute_operator.circuits.reconciling import CONTROLLER, CircuitReconciler
from fogcompute_operator.circuits.starting import Circuits, build_circuits, start_circuits

__all__ = [
    "CONTROLLER",
    "READY",
    "CircuitReconciler",
    "Circuits",
    "Decision",
    "build_circuits",
    "decide",
    "hop_problem",
    "start_circuits",
]
