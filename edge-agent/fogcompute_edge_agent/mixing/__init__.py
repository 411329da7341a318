"""Hosting this node's mixnode: the agent runs ``fog-mixnode`` for the node's MixNode.

Beside the agent's main loop (``cli`` starts ``MixnodeHost.run`` with the agent). Keys are
made and kept on the node (keys), the daemon is a child process (daemon), the operator's
signed directory becomes the daemon's routing file, and the MixNode status carries what the
node publishes (statuses, mixapi). Modules: settings, keys, statuses, mixapi, daemon, hosting.
"""

from fogcompute_edge_agent.mixing.daemon import MixnodeDaemon, daemon_argv
from fogcompute_edge_agent.mixing.hosting import MixnodeHost, host_from_environ, newest_directory
from fogcompute_edge_agent.mixing.keys import ensure_keys
from fogcompute_edge_agent.mixing.mixapi import FIELD_MANAGER, KubeMixApi, MixApi
from fogcompute_edge_agent.mixing.settings import MixingSettings
from fogcompute_edge_agent.mixing.statuses import build_status, counters_from_metrics

__all__ = [
    "FIELD_MANAGER",
    "KubeMixApi",
    "MixApi",
    "MixingSettings",
    "MixnodeDaemon",
    "MixnodeHost",
    "build_status",
    "counters_from_metrics",
    "daemon_argv",
    "ensure_keys",
    "host_from_environ",
    "newest_directory",
]
