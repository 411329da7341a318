"""Kubernetes quantities (``250m``, ``64Mi``) as integers, and the GPU resource name. Pure.

Shared by the FogJob pod builder and the scheduler's snapshots, so both read a quantity the
same way (rounded up, as the kubelet accounts requests).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Final

from kubernetes.utils import parse_quantity

GPU_RESOURCE: Final = "nvidia.com/gpu"


def _decimal(quantity: str | int | float) -> Decimal:
    value: Decimal = parse_quantity(quantity)  # type: ignore[no-untyped-call]
    return value


def millis(quantity: str | int | float) -> int:
    """A cpu quantity (``250m``, ``2``) in millicores, rounded up."""
    return math.ceil(_decimal(quantity) * 1000)


def units(quantity: str | int | float) -> int:
    """A quantity (``64Mi``, ``1``) as a whole number, rounded up."""
    return math.ceil(_decimal(quantity))
