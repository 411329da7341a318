"""The local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) on loopback.

One piece of code serves ``make up`` and the integration-test fixtures. When ``KUBECONFIG`` is set,
nothing is started and that cluster is used.
"""
