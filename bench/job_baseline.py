"""The batch/v1 Job baseline of the throughput section: the same pods as Jobs, kube-scheduler.

Where it sits: called by `fogjob_throughput.run_throughput` on its control plane before the
operator starts, on the same 200 kwok nodes the FogJobs get afterwards. Every FogJob of the
workload becomes one batch/v1 Job (parallelism = completions = replicas, the same requests and
image, required pod anti-affinity on the hostname among the Job's own pods, as the
kube-scheduler baseline gives its bare pods, so both put a job's pods on distinct nodes).
kube-controller-manager's Job controller creates the pods, the stock kube-scheduler (the test
bed runs it with default settings, as a user would) binds them and kwok runs them. The test
bed's kwok stages hold no pod-complete stage, so Job-owned pods stay Running; a pod counts the
first time it is seen Running anyway, so a completion would not hide it.

It reports pods/s and time to all-Running (from the first create), and the CPU seconds each
control-plane process spent meanwhile, from /proc (`clusters.CpuMeter`), per pod for
kube-controller-manager + kube-scheduler, the work the FogJob operator does instead. Then it
deletes the namespace and waits until the nodes are empty again, so the FogJobs find them
as the Jobs did. It measures nothing about FogJobs.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from clusters import CpuMeter, Watcher, api_client
from fogcompute_operator.scheduling import JobRequest
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.processes import wait_for
from kubernetes import client

NAMESPACE = "bench-jobs"
IMAGE = "registry.k8s.io/pause:3.9"
JOB_LABEL = "bench.fogcompute.io/job"
CREATE_THREADS = 16
OVERALL_S = 300.0
STALL_S = 60.0
CLEANUP_S = 300.0
BASELINE_CPU = ("kube-controller-manager", "kube-scheduler")

__all__ = ["BASELINE_CPU", "delete_namespace", "run_job_baseline"]


@dataclass
class _Seen:
    lock: threading.Lock = field(default_factory=threading.Lock)
    pods: dict[str, float] = field(default_factory=dict)  # first seen at all
    running: dict[str, float] = field(default_factory=dict)  # first seen Running
    changed_at: float = field(default_factory=time.time)

    def on_pod(self, kind: str, pod: dict[str, Any], at: float) -> None:
        if kind == "DELETED":
            return
        name = pod["metadata"]["name"]
        with self.lock:
            if name not in self.pods:
                self.pods[name], self.changed_at = at, at
            if (pod.get("status") or {}).get("phase") == "Running" and name not in self.running:
                self.running[name], self.changed_at = at, at


def job_manifest(job: JobRequest, *, index: int) -> dict[str, Any]:
    name = f"job-{index:05d}"
    requests = {"cpu": f"{job.cpu_millis}m", "memory": str(job.memory_bytes)}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "parallelism": job.pod_count,
            "completions": job.pod_count,
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": {JOB_LABEL: name}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "work", "image": IMAGE, "resources": {"requests": requests}}
                    ],
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "labelSelector": {"matchLabels": {JOB_LABEL: name}},
                                    "topologyKey": "kubernetes.io/hostname",
                                }
                            ]
                        }
                    },
                    "terminationGracePeriodSeconds": 0,
                    "automountServiceAccountToken": False,
                },
            },
        },
    }


def run_job_baseline(plane: ControlPlane, *, jobs: Sequence[JobRequest]) -> dict[str, Any]:
    """Run `jobs` as batch/v1 Jobs on `plane`'s nodes; figures prefixed `baseline_`."""
    plane.create_namespace(NAMESPACE)  # waits for its default ServiceAccount
    manifests = [job_manifest(job, index=i) for i, job in enumerate(jobs)]
    expected = sum(job.pod_count for job in jobs)
    api = api_client(plane)
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    seen = _Seen()
    watcher = Watcher(functools.partial(core.list_namespaced_pod, NAMESPACE), seen.on_pod).start()

    def create(body: dict[str, Any]) -> None:
        call: Any = batch.create_namespaced_job  # typed for models; a dict body works too
        response = call(NAMESPACE, body, _preload_content=False)
        response.drain_conn()
        response.release_conn()

    meter = CpuMeter({proc.name: proc.popen.pid for proc in plane.processes}).start()
    try:
        started = time.time()
        with ThreadPoolExecutor(CREATE_THREADS) as pool:
            list(pool.map(create, manifests))
        applied = time.time()
        stopped_by = _wait(seen, watcher, pods=expected)
        cpu = meter.stop()
    finally:
        watcher.stop()
        api.close()  # type: ignore[no-untyped-call]
    figures = _figures(seen, started=started, applied=applied, pods=expected, cpu=cpu)
    figures["baseline_stopped_by"] = stopped_by
    figures["baseline_cleanup_s"] = delete_namespace(plane, NAMESPACE)
    return figures


def _wait(seen: _Seen, watcher: Watcher, *, pods: int) -> str:
    begun = time.monotonic()
    while True:
        with seen.lock:
            running, quiet = len(seen.running), time.time() - seen.changed_at
        if running >= pods:
            return "all running"
        if watcher.error:
            return f"watch failed: {watcher.error}"
        if time.monotonic() - begun > OVERALL_S:
            return f"timeout after {OVERALL_S:.0f} s"
        if quiet > STALL_S:
            return f"stalled: nothing new for {STALL_S:.0f} s"
        time.sleep(0.25)


def _figures(
    seen: _Seen, *, started: float, applied: float, pods: int, cpu: dict[str, float]
) -> dict[str, Any]:
    with seen.lock:
        created, running = sorted(seen.pods.values()), sorted(seen.running.values())
    all_running = running[-1] - started if len(running) >= pods else None
    figures: dict[str, Any] = {
        "baseline_kind": "batch/v1 Job + kube-controller-manager + kube-scheduler (stock)",
        "baseline_jobs_created_s": round(applied - started, 3),
        "baseline_pods_seen": len(created),
        "baseline_pods_running": len(running),
        "baseline_first_running_s": round(running[0] - started, 3) if running else None,
        "baseline_all_pods_exist_s": round(created[-1] - started, 3) if created else None,
        "baseline_all_running_s": None if all_running is None else round(all_running, 3),
        "baseline_pods_per_s": None if not all_running else round(pods / all_running, 2),
    }
    figures.update({f"baseline_cpu_s_{k.replace('-', '_')}": v for k, v in cpu.items()})
    spent = sum(cpu.get(name, 0.0) for name in BASELINE_CPU)
    figures["baseline_cpu_s_kcm_plus_scheduler"] = round(spent, 1)
    figures["baseline_cpu_ms_per_pod_kcm_plus_scheduler"] = (
        round(1000 * spent / len(running), 2) if running else None
    )
    return figures


def delete_namespace(plane: ControlPlane, namespace: str) -> float:
    """Delete `namespace` and wait until none of its pods is left on the nodes; seconds taken."""
    begun = time.monotonic()
    plane.kubectl("delete", "namespace", namespace, "--wait=false")
    api = api_client(plane)
    core = client.CoreV1Api(api)

    def empty() -> bool | None:
        response: Any = core.list_namespaced_pod(namespace, limit=1, _preload_content=False)
        return True if b'"items":[]' in response.data else None

    try:
        wait_for(empty, what=f"the pods of namespace {namespace} gone", timeout=CLEANUP_S)
    finally:
        api.close()  # type: ignore[no-untyped-call]
    return round(time.monotonic() - begun, 1)
