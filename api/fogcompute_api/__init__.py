"""fog-compute's resource models: the one source of truth for the CRDs in ``crds/``."""
