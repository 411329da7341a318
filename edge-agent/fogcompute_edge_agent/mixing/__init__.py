"""Hosting this node's mixnode: the agent runs ``fog-mixnode`` for the node's MixNode.

Beside the agent's main loop: ``cli`` starts ``watching.MixnodeWatch``, which only lists the
MixNodes (light: settings, mixapi) until one is placed on this node, and only then imports the
hosting parts (Sphinx, keys, native extension) and runs ``MixnodeHost``, so an agent whose node
hosts no mixnode never loads them. Keys are made and kept on the node (keys), the daemon is a
child process (daemon), the operator's signed directory becomes the daemon's routing file, and
the MixNode status carries what the node publishes (statuses, mixapi). Modules: settings,
watching, keys, statuses, mixapi, daemon, measuring, hosting. The names below are imported on
first use (PEP 562), for the same reason.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fogcompute_edge_agent.mixing.daemon import MixnodeDaemon, daemon_argv
    from fogcompute_edge_agent.mixing.hosting import MixnodeHost, newest_directory
    from fogcompute_edge_agent.mixing.keys import ensure_keys
    from fogcompute_edge_agent.mixing.mixapi import FIELD_MANAGER, KubeMixApi, MixApi
    from fogcompute_edge_agent.mixing.settings import MixingSettings
    from fogcompute_edge_agent.mixing.statuses import build_status, counters_from_metrics
    from fogcompute_edge_agent.mixing.watching import MixnodeWatch, watch_from_environ

_WHERE = {
    "FIELD_MANAGER": "mixapi",
    "KubeMixApi": "mixapi",
    "MixApi": "mixapi",
    "MixingSettings": "settings",
    "MixnodeDaemon": "daemon",
    "MixnodeHost": "hosting",
    "MixnodeWatch": "watching",
    "build_status": "statuses",
    "counters_from_metrics": "statuses",
    "daemon_argv": "daemon",
    "ensure_keys": "keys",
    "newest_directory": "hosting",
    "watch_from_environ": "watching",
}

__all__ = [
    "FIELD_MANAGER",
    "KubeMixApi",
    "MixApi",
    "MixingSettings",
    "MixnodeDaemon",
    "MixnodeHost",
    "MixnodeWatch",
    "build_status",
    "counters_from_metrics",
    "daemon_argv",
    "ensure_keys",
    "newest_directory",
    "watch_from_environ",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
