"""The registry of the six kinds: names, scope, models and printer columns, in one table.

``crdgen`` builds one CustomResourceDefinition per entry; the operator and the tests look kinds up
here instead of repeating plurals and short names. Adding a kind means adding one entry.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from fogcompute_api import circuits, edgedevices, fogjobs, meta, mixnodes, proposals, stakes

__all__ = ["RESOURCES", "PrinterColumn", "ResourceKind", "resource_kind"]

_READY = '.status.conditions[?(@.type=="Ready")].status'


@dataclass(frozen=True)
class PrinterColumn:
    """One ``additionalPrinterColumns`` entry."""

    name: str
    json_path: str
    type: Literal["string", "integer", "number", "boolean", "date"] = "string"
    description: str = ""
    priority: int = 0

    def to_crd(self) -> dict[str, Any]:
        """The column as the CRD holds it."""
        column: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.description:
            column["description"] = self.description
        if self.priority:
            column["priority"] = self.priority
        return column


AGE = PrinterColumn("Age", ".metadata.creationTimestamp", "date")


@dataclass(frozen=True)
class ResourceKind:
    """Everything needed to generate and address one kind."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    scope: Literal["Namespaced", "Cluster"]
    model: type[BaseModel]
    spec_model: type[BaseModel]
    status_model: type[BaseModel]
    description: str
    printer_columns: tuple[PrinterColumn, ...]
    root_validations: tuple[dict[str, str], ...] = ()

    @property
    def singular(self) -> str:
        """Lowercase kind, as kubectl accepts it."""
        return self.kind.lower()

    @property
    def crd_name(self) -> str:
        """``<plural>.<group>``, the CustomResourceDefinition's name."""
        return f"{self.plural}.{meta.GROUP}"


RESOURCES: tuple[ResourceKind, ...] = (
    ResourceKind(
        kind=meta.KIND_EDGEDEVICE,
        plural=meta.PLURAL_EDGEDEVICES,
        short_names=("ed",),
        scope="Cluster",
        model=edgedevices.EdgeDevice,
        spec_model=edgedevices.EdgeDeviceSpec,
        status_model=edgedevices.EdgeDeviceStatus,
        description="One edge machine: capacity, power, thermal, idleness, nearby BLE "
        "peripherals, and whether it may be harvested now.",
        printer_columns=(
            PrinterColumn("Ready", _READY, description="True while the edge agent reports"),
            PrinterColumn("Harvestable", ".status.harvestable", "boolean"),
            PrinterColumn("Power", ".status.power.source"),
            PrinterColumn("Temp", ".status.thermal.temperatureCelsius", "number"),
            PrinterColumn("Idle", ".status.idle.userIdleSeconds", "integer", "User idle seconds"),
            PrinterColumn("Last Report", ".status.lastReportTime", "date", "The agent's heartbeat"),
            PrinterColumn("Reason", ".status.harvestReason", priority=1),
            AGE,
        ),
        root_validations=(
            {
                "rule": "self.metadata.name == self.spec.nodeName",
                "message": "metadata.name must equal spec.nodeName: an EdgeDevice is named after "
                "its Node; rename the object or fix spec.nodeName",
                "fieldPath": ".spec.nodeName",
            },
        ),
    ),
    ResourceKind(
        kind=meta.KIND_FOGJOB,
        plural=meta.PLURAL_FOGJOBS,
        short_names=("fj",),
        scope="Namespaced",
        model=fogjobs.FogJob,
        spec_model=fogjobs.FogJobSpec,
        status_model=fogjobs.FogJobStatus,
        description="A batch job placed by the NSGA-II scheduler and run as pods: primary plus "
        "replicas, SLA tier, retries, deadline.",
        printer_columns=(
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Tier", ".spec.tier"),
            PrinterColumn("Nodes", ".status.nodesText"),
            PrinterColumn("Ready", ".status.readyText", description="Ready/replicas"),
            PrinterColumn("Reason", ".status.pendingReason", priority=1),
            PrinterColumn(
                "Exit Code",
                ".status.lastExitCode",
                "integer",
                description="Exit code of the container that ended the newest attempt",
                priority=1,
            ),
            AGE,
        ),
    ),
    ResourceKind(
        kind=meta.KIND_MIXNODE,
        plural=meta.PLURAL_MIXNODES,
        short_names=("mn",),
        scope="Cluster",
        model=mixnodes.MixNode,
        spec_model=mixnodes.MixNodeSpec,
        status_model=mixnodes.MixNodeStatus,
        description="One Sphinx mixnode hosted by an edge agent: layer, epoch keys, "
        "reliability, stake behind it.",
        printer_columns=(
            PrinterColumn("Layer", ".status.layer", "integer"),
            PrinterColumn("Node", ".spec.nodeName"),
            PrinterColumn("Reliability", ".status.reliability", "number"),
            PrinterColumn("Stake", ".status.stake"),
            PrinterColumn("Ready", _READY),
            PrinterColumn("Address", ".status.address", priority=1),
            AGE,
        ),
    ),
    ResourceKind(
        kind=meta.KIND_CIRCUIT,
        plural=meta.PLURAL_CIRCUITS,
        short_names=("circ",),
        scope="Namespaced",
        model=circuits.Circuit,
        spec_model=circuits.CircuitSpec,
        status_model=circuits.CircuitStatus,
        description="A route of 3 to 5 mixnodes, one per layer, chosen by a verifiable random "
        "function so anyone can check it was not biased.",
        printer_columns=(
            PrinterColumn("Hops", ".spec.hops", "integer"),
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Epoch", ".status.epoch", "integer", priority=1),
            AGE,
        ),
        root_validations=circuits.ROOT_VALIDATIONS,
    ),
    ResourceKind(
        kind=meta.KIND_STAKE,
        plural=meta.PLURAL_STAKES,
        short_names=("stk",),
        scope="Namespaced",
        model=stakes.Stake,
        spec_model=stakes.StakeSpec,
        status_model=stakes.StakeStatus,
        description="Tokens bonded behind a MixNode or EdgeDevice; unbonding, slashing, "
        "rewards; the staker's governance votes.",
        printer_columns=(
            PrinterColumn("Target", ".spec.target.name"),
            PrinterColumn("Amount", ".spec.amount"),
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Kind", ".spec.target.kind", priority=1),
            PrinterColumn("Account", ".spec.account", priority=1),
            AGE,
        ),
    ),
    ResourceKind(
        kind=meta.KIND_PROPOSAL,
        plural=meta.PLURAL_PROPOSALS,
        short_names=("prop",),
        scope="Cluster",
        model=proposals.Proposal,
        spec_model=proposals.ProposalSpec,
        status_model=proposals.ProposalStatus,
        description="A governance proposal to change whitelisted platform parameters; "
        "stake-weighted tally; execution.",
        printer_columns=(
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Yes", ".status.tally.yes"),
            PrinterColumn("No", ".status.tally.no"),
            PrinterColumn("VotingEnd", ".status.votingEndTime", "date"),
            PrinterColumn("Title", ".spec.title", priority=1),
            AGE,
        ),
    ),
)


def resource_kind(kind: str) -> ResourceKind:
    """The registry entry for a kind name (``FogJob``) or plural (``fogjobs``)."""
    for entry in RESOURCES:
        if kind in {entry.kind, entry.plural}:
            return entry
    raise KeyError(f"unknown fog-compute kind {kind!r}")
