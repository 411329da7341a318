"""fog-compute's operator: thin kopf handlers over one controller runtime and a package per kind.

Layers, top down (import-linter checks them): ``handlers`` (the only kopf-aware package: one
thin module per watched kind, plus the operator's own lifecycle) -> the kind packages
(``fogjobs``, ``edgedevices``, ...: pure decisions and one short reconcile each, independent
of each other) -> ``scheduling`` (the FogJob placement library and the scheduler fed by the
informers) -> ``controlling`` (the runtime: informers, work queues, workers, status writes,
Events) -> ``kube`` (the API seam, keyed by resource kind) | ``observing`` (logs, metrics,
probes). Everything below ``handlers`` is driven by tests without kopf or a cluster.
"""
