"""Throughput of the FogJob controller on the real control plane: 1,000 FogJobs at once.

Where it sits: the throughput section of `bench_scheduler.py`. It starts a fresh control plane
with 200 kwok nodes (`apply_nodes`, sizes from the benchmark workload, all ordinary fog nodes:
no EdgeDevice objects exist here), applies the CRDs, runs the operator exactly as the image
does (`kopf run -m fogcompute_operator.handlers --standalone --all-namespaces`) as a child
process, creates the workload's jobs as FogJobs (built from the API model) with a thread pool,
and follows FogJobs and pods with watches. It reports how long until every pod exists and every
job is Running, pods created per second, and apply-to-Running per job (from creationTimestamp,
which has one-second resolution, and from the client's own submit time), with the CPU
seconds each process (operator, kube-apiserver, etcd, kwok, ...) spent meanwhile, since on a
small machine they all share the same cores.

In the same run, on the same plane and nodes: first the baseline (`job_baseline.py`: the same
pods as batch/v1 Jobs, placed by the stock kube-scheduler, before the operator starts), then
the operator, then `single_job_latency` (FogJobs one at a time on the idle cluster: apply-to-
Running p50/p99), then the 1,000. "All-Running" is every pod Running (as for the Jobs) and every
FogJob's status Running, whichever comes last; the `ratio_*` figures compare it, pods/s and
CPU per pod (operator vs kube-controller-manager + kube-scheduler) with the baseline.
FOG_BENCH_PROFILE=<file> skips baseline and single jobs and samples the operator with py-spy
(installed by hand for profiling, not a project dependency) into collapsed stacks.

When the controller is missing or broken (the operator exits, or no FogJob leaves Pending within
LEAVE_PENDING_S) it reports `controller not available: <why>` instead of failing the run.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from clusters import STATE_DIR, CpuMeter, Watcher, api_client, bench_plane
from fogcompute_api.fogjobs import ContainerSpec, FogJob, FogJobSpec, ResourceRequest
from fogcompute_api.meta import GROUP, VERSION
from fogcompute_api.meta import PLURAL_FOGJOBS as PLURAL
from fogcompute_api.objects import ObjectMeta
from fogcompute_operator.scheduling import JobRequest, NodeSnapshot
from fogcompute_testbed.controlplane import ControlPlane, NodeSpec
from fogcompute_testbed.processes import ManagedProcess, free_port, start_process, wait_for
from fogcompute_testbed.toolchain import repo_root
from job_baseline import delete_namespace, run_job_baseline
from kubernetes import client

NAMESPACE = "bench-throughput"
IMAGE = "registry.k8s.io/pause:3.9"
CREATE_THREADS = 16
LEAVE_PENDING_S = 60.0  # no FogJob out of Pending by then: the controller is not there
OVERALL_S = 300.0
STALL_S = 60.0  # nothing new (pod or phase change) for this long: stop waiting
TARGET_PODS_PER_S = 50.0
PENDING = (None, "Pending")
SINGLE_NAMESPACE = "bench-single"
SINGLE_JOBS = 30  # one after another on the idle cluster, before the 1,000
SINGLE_TIMEOUT_S = 30.0
SINGLE_GAP_S = 0.5
PROFILE_S = 100

__all__ = ["run_throughput"]


@dataclass
class _Seen:
    """What the watches observed; written by their threads under `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    phase: dict[str, str | None] = field(default_factory=dict)
    running_at: dict[str, float] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    rounds: set[int] = field(default_factory=set)
    optimiser_s: list[float] = field(default_factory=list)
    pods: dict[str, float] = field(default_factory=dict)
    pods_running: dict[str, float] = field(default_factory=dict)  # first seen phase Running
    changed_at: float = field(default_factory=time.time)

    def on_job(self, _kind: str, job: dict[str, Any], at: float) -> None:
        name = job["metadata"]["name"]
        status = job.get("status") or {}
        phase = status.get("phase")
        placement = status.get("placement") or {}
        with self.lock:
            self.created.setdefault(name, _epoch(job["metadata"]["creationTimestamp"]))
            if self.phase.get(name, "") != phase:
                self.changed_at = at
            self.phase[name] = phase
            if phase == "Running" and name not in self.running_at:
                self.running_at[name] = at
                self.changed_at = at
            if "schedulingRound" in placement:
                self.rounds.add(int(placement["schedulingRound"]))
            if "optimizerSeconds" in placement:
                self.optimiser_s.append(float(placement["optimizerSeconds"]))

    def on_pod(self, _kind: str, pod: dict[str, Any], at: float) -> None:
        with self.lock:
            name = pod["metadata"]["name"]
            if name not in self.pods:
                self.pods[name] = at
                self.changed_at = at
            phase = (pod.get("status") or {}).get("phase")
            if phase == "Running" and name not in self.pods_running:
                self.pods_running[name] = at
                self.changed_at = at


def run_throughput(*, jobs: Sequence[JobRequest], nodes: Sequence[NodeSnapshot]) -> dict[str, Any]:
    """Apply `jobs` as FogJobs over `nodes` and return the section's figures."""
    specs = [
        NodeSpec(name=f"fog-{i:04d}", cpu=f"{n.cpu_millis}m", memory=str(n.memory_bytes))
        for i, n in enumerate(nodes)
    ]
    manifests = [_fogjob(job, index=i) for i, job in enumerate(jobs)]
    expected_pods = sum(m["spec"]["replicas"] for m in manifests)
    figures: dict[str, Any] = {
        "throughput_jobs": len(jobs),
        "throughput_nodes": len(nodes),
        "throughput_pods_expected": expected_pods,
    }
    with bench_plane(specs) as plane:
        profile = os.environ.get("FOG_BENCH_PROFILE")
        if not profile:  # a profiling run measures the FogJobs only
            # The baseline first, before the operator exists: it then costs the Jobs nothing.
            figures.update(run_job_baseline(plane, jobs=jobs))
            _print_part(figures, "baseline_")
        crds = repo_root() / "crds"
        plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crds))
        plane.kubectl(
            "wait", "--for=condition=Established", "--timeout=60s", f"crd/{PLURAL}.{GROUP}"
        )
        plane.create_namespace(NAMESPACE)
        operator, problem = _start_operator(plane)
        if problem is not None:
            return {**figures, "throughput_controller": f"controller not available: {problem}"}
        if not profile:
            figures.update(single_job_latency(plane, jobs=jobs[:SINGLE_JOBS]))
            _print_part(figures, "single_")
        spy = _profile(operator, profile) if profile else None
        figures.update(_measure(plane, operator, manifests, expected_pods=expected_pods))
        if spy is not None:
            spy.wait(timeout=PROFILE_S + 60)
    figures.update(_ratios(figures, pods=expected_pods))
    return figures


def _profile(operator: ManagedProcess, path: str) -> subprocess.Popen[bytes]:
    """Profiling only (FOG_BENCH_PROFILE=<file>; py-spy is not a project dependency): sample
    the operator and its optimiser processes for PROFILE_S seconds into collapsed stacks; the
    operator's CPU figure then excludes py-spy, which runs outside its process tree."""
    spy = str(Path(sys.executable).parent / "py-spy")
    argv = [spy, "record", "--pid", str(operator.popen.pid), "--subprocesses", "--format", "raw"]
    argv += ["--rate", "50", "--duration", str(PROFILE_S), "--output", path]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _print_part(figures: dict[str, Any], prefix: str) -> None:
    """Print a part as soon as it is measured (the section prints everything again at the end)."""
    for key, value in figures.items():
        if key.startswith(prefix):
            print(f"  {key:<58} {value}", flush=True)


def _ratios(figures: dict[str, Any], *, pods: int) -> dict[str, Any]:
    """FogJob against the Job baseline measured on the same plane and nodes in this run."""
    ours_cpu = figures.get("throughput_cpu_s_operator")
    running = figures.get("throughput_all_running_s")
    ours_rate = pods / running if running else None
    ratios: dict[str, Any] = {
        "throughput_pods_per_s_to_all_running": _round(ours_rate),
        "throughput_cpu_ms_per_pod_operator": (
            round(1000 * ours_cpu / pods, 2) if ours_cpu is not None else None
        ),
    }
    base_rate, base_running = (
        figures.get("baseline_pods_per_s"),
        figures.get("baseline_all_running_s"),
    )
    base_cpu = figures.get("baseline_cpu_ms_per_pod_kcm_plus_scheduler")
    ratios["ratio_pods_per_s_fogjob_vs_job_baseline"] = _ratio(ours_rate, base_rate)
    ratios["ratio_all_running_s_fogjob_vs_job_baseline"] = _ratio(running, base_running)
    ratios["ratio_cpu_per_pod_operator_vs_kcm_plus_scheduler"] = _ratio(
        ratios["throughput_cpu_ms_per_pod_operator"], base_cpu
    )
    ratios["target_pods_per_s_ratio_at_least"] = 1.5
    ratios["target_all_running_ratio_at_most"] = 0.7
    ratios["target_cpu_per_pod_ratio_at_most"] = 1.0
    ratios["target_single_apply_to_running_p99_s_at_most"] = 1.0
    return ratios


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else round(value / base, 3)


def single_job_latency(plane: ControlPlane, *, jobs: Sequence[JobRequest]) -> dict[str, Any]:
    """Apply-to-Running of one FogJob at a time on an otherwise idle cluster: each job is
    created, awaited until the watch sees it Running, then the next one follows."""
    api = api_client(plane)
    custom = client.CustomObjectsApi(api)
    plane.create_namespace(SINGLE_NAMESPACE)
    seen = _Seen()
    list_jobs = functools.partial(
        custom.list_namespaced_custom_object, GROUP, VERSION, SINGLE_NAMESPACE, PLURAL
    )
    watcher = Watcher(list_jobs, seen.on_job).start()
    waits: list[float] = []
    try:
        for index, job in enumerate(jobs):
            body = _fogjob(job, index=index, namespace=SINGLE_NAMESPACE)
            name = body["metadata"]["name"]
            submitted = time.time()
            response: Any = custom.create_namespaced_custom_object(
                GROUP, VERSION, SINGLE_NAMESPACE, PLURAL, body, _preload_content=False
            )
            response.drain_conn()
            response.release_conn()
            deadline = time.monotonic() + SINGLE_TIMEOUT_S
            while time.monotonic() < deadline and watcher.error is None:
                with seen.lock:
                    at = seen.running_at.get(name)
                if at is not None:
                    waits.append(at - submitted)
                    break
                time.sleep(0.005)
            time.sleep(SINGLE_GAP_S)  # idle between jobs
    finally:
        watcher.stop()
        api.close()  # type: ignore[no-untyped-call]
    figures: dict[str, Any] = {"single_jobs": len(jobs), "single_jobs_running": len(waits)}
    if waits:
        figures["single_apply_to_running_p50_s"] = round(float(np.percentile(waits, 50)), 3)
        figures["single_apply_to_running_p99_s"] = round(float(np.percentile(waits, 99)), 3)
        figures["single_apply_to_running_max_s"] = round(max(waits), 3)
    figures["single_cleanup_s"] = delete_namespace(plane, SINGLE_NAMESPACE)
    return figures


def _fogjob(job: JobRequest, *, index: int, namespace: str = NAMESPACE) -> dict[str, Any]:
    spec = FogJobSpec(
        tier="gold",
        container=ContainerSpec(image=IMAGE),
        resources=ResourceRequest(cpu=f"{job.cpu_millis}m", memory=str(job.memory_bytes)),
        replicas=job.pod_count,
        estimated_seconds=round(job.estimated_seconds),
        allow_harvested=True,
    )
    model = FogJob(metadata=ObjectMeta(name=f"job-{index:05d}", namespace=namespace), spec=spec)
    return model.model_dump(mode="json", exclude_none=True)


def _start_operator(plane: ControlPlane) -> tuple[ManagedProcess, str | None]:
    health = free_port()
    env = {
        **os.environ,
        "KUBECONFIG": str(plane.admin_kubeconfig),
        "FOG_METRICS_HOST": "127.0.0.1",
        "FOG_METRICS_PORT": str(free_port()),
    }
    # An empty file of ours on the command line (kopf imports it, harmlessly) names the state
    # directory there, so that the next run's `kill_stale` stops an operator a killed run left.
    marker = STATE_DIR / "bench_operator_marker.py"
    marker.write_text(
        '"""Names the benchmark\'s state directory on the operator\'s command line."""\n'
    )
    argv = [sys.executable, "-m", "kopf", "run", str(marker), "-m", "fogcompute_operator.handlers"]
    argv += ["--standalone", "--all-namespaces", f"--liveness=http://127.0.0.1:{health}/healthz"]
    proc = start_process("operator", argv, state_dir=STATE_DIR, env=env)
    plane.processes.append(proc)  # stopped (first) with the control plane
    try:
        wait_for(
            functools.partial(_healthy, f"http://127.0.0.1:{health}/healthz", proc),
            what="the operator's liveness probe",
            timeout=60,
        )
    except Exception as exc:
        return proc, f"the operator did not start ({exc})".replace("\n", " | ")[:600]
    return proc, None


def _healthy(url: str, proc: ManagedProcess) -> bool | None:
    proc.check_alive()
    with urllib.request.urlopen(url, timeout=5) as resp:
        return True if resp.status == 200 else None


def _measure(
    plane: ControlPlane,
    operator: ManagedProcess,
    manifests: Sequence[dict[str, Any]],
    *,
    expected_pods: int,
) -> dict[str, Any]:
    api = api_client(plane)
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    seen = _Seen()
    list_jobs = functools.partial(
        custom.list_namespaced_custom_object, GROUP, VERSION, NAMESPACE, PLURAL
    )
    watchers = [
        Watcher(list_jobs, seen.on_job).start(),
        Watcher(functools.partial(core.list_namespaced_pod, NAMESPACE), seen.on_pod).start(),
    ]
    submitted: dict[str, float] = {}

    def create(body: dict[str, Any]) -> None:
        submitted[body["metadata"]["name"]] = time.time()
        response: Any = custom.create_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, PLURAL, body, _preload_content=False
        )
        response.drain_conn()  # read the body, or the pooled connection is left mid-response
        response.release_conn()

    roots = {proc.name: proc.popen.pid for proc in plane.processes}
    meter, own = CpuMeter(roots).start(), time.process_time()
    try:
        started = time.time()
        with ThreadPoolExecutor(CREATE_THREADS) as pool:
            list(pool.map(create, manifests))
        applied = time.time()
        stopped_by = _wait(seen, operator, watchers, jobs=len(manifests), pods=expected_pods)
        cpu = {**meter.stop(), "benchmark": round(time.process_time() - own, 1)}
    finally:
        for watcher in watchers:
            watcher.stop()
        api.close()  # type: ignore[no-untyped-call]
    figures: dict[str, Any] = {"throughput_apply_s": round(applied - started, 3)}
    figures.update({f"throughput_cpu_s_{name.replace('-', '_')}": v for name, v in cpu.items()})
    if stopped_by.startswith("controller not available"):
        figures["throughput_controller"] = stopped_by
        figures["throughput_operator_log"] = str(operator.log)
    else:
        figures["throughput_controller"] = "available"
        figures["throughput_stopped_by"] = stopped_by
    figures.update(
        _figures(seen, submitted, started=started, jobs=len(manifests), pods=expected_pods)
    )
    return figures


def _wait(
    seen: _Seen, operator: ManagedProcess, watchers: Sequence[Watcher], *, jobs: int, pods: int
) -> str:
    begun = time.monotonic()
    while True:
        elapsed = time.monotonic() - begun
        with seen.lock:
            running, pod_count = len(seen.running_at), len(seen.pods)
            pods_running = len(seen.pods_running)
            left_pending = any(phase not in PENDING for phase in seen.phase.values())
            quiet = time.time() - seen.changed_at
        if running >= jobs and pod_count >= pods and pods_running >= pods:
            return "all running"
        if not operator.alive():
            code = operator.popen.returncode
            return f"controller not available: the operator exited with code {code}"
        if not left_pending and elapsed > LEAVE_PENDING_S:
            return (
                f"controller not available: no FogJob left Pending within {LEAVE_PENDING_S:.0f} s"
            )
        if errors := [w.error for w in watchers if w.error]:
            return f"watch failed: {errors[0]}"
        if elapsed > OVERALL_S:
            return f"timeout after {OVERALL_S:.0f} s"
        if left_pending and quiet > STALL_S:
            return f"stalled: nothing new for {STALL_S:.0f} s"
        time.sleep(0.25)


def _figures(
    seen: _Seen, submitted: dict[str, float], *, started: float, jobs: int, pods: int
) -> dict[str, Any]:
    with seen.lock:
        pod_times = sorted(seen.pods.values())
        pods_running = sorted(seen.pods_running.values())
        running = dict(seen.running_at)
        phases = Counter(str(p) for p in seen.phase.values())
        created, rounds, optimiser = dict(seen.created), set(seen.rounds), list(seen.optimiser_s)
    all_pods = pod_times[pods - 1] - started if len(pod_times) >= pods else None
    all_jobs = max(running.values()) - started if len(running) >= jobs else None
    all_pods_running = pods_running[-1] - started if len(pods_running) >= pods else None
    # Compared with the Jobs' all-Running (every pod Running): every pod Running AND every
    # FogJob's status saying Running, whichever came last.
    all_running = max(all_jobs, all_pods_running) if all_jobs and all_pods_running else None
    figures: dict[str, Any] = {
        "throughput_pods_seen": len(pod_times),
        "throughput_jobs_running": len(running),
        "throughput_first_pod_s": _round(pod_times[0] - started if pod_times else None),
        "throughput_first_running_s": _round(min(running.values()) - started if running else None),
        "throughput_all_pods_exist_s": _round(all_pods),
        "throughput_all_pods_running_s": _round(all_pods_running),
        "throughput_all_jobs_running_s": _round(all_jobs),
        "throughput_all_running_s": _round(all_running),
        "throughput_scheduling_rounds": len(rounds),
        "throughput_optimiser_s_max": _round(max(optimiser, default=None)),
    }
    figures.update({f"throughput_phase_{k}": v for k, v in sorted(phases.items())})
    if all_pods:
        rate = pods / all_pods
        figures["throughput_pods_per_s"] = round(rate, 2)
        figures["throughput_pods_per_s_target"] = TARGET_PODS_PER_S
        figures["throughput_ratio_pods_per_s_vs_target"] = round(rate / TARGET_PODS_PER_S, 3)
    if len(pod_times) >= 2:
        span = pod_times[-1] - pod_times[0]
        figures["throughput_pods_per_s_first_to_last_pod"] = (
            round((len(pod_times) - 1) / span, 2) if span else None
        )
    for label, origin in (("", created), ("_from_submit", submitted)):
        waits = [at - origin[name] for name, at in running.items() if name in origin]
        if waits:
            figures[f"throughput_apply_to_running_p50_s{label}"] = round(
                float(np.percentile(waits, 50)), 3
            )
            figures[f"throughput_apply_to_running_p99_s{label}"] = round(
                float(np.percentile(waits, 99)), 3
            )
            figures[f"throughput_apply_to_running_max_s{label}"] = round(max(waits), 3)
    return figures


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
