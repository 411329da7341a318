"""fog-compute's operator: kopf handlers (``handlers``) over plain-Python services.

Only ``fogcompute_operator.handlers`` imports kopf; every other subpackage is a service that the
handlers call and that tests drive without a cluster.
"""
