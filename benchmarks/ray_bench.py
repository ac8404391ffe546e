"""`make bench-ray`: the Ray engine on a local two-node Ray cluster (loopback) against the local pool.

    .venv/bin/python -m benchmarks.ray_bench [--docs 3000] [--cpus-per-node 1]

Starts two Ray nodes on this machine, on loopback addresses only (see HEAD_IP): a head (`ray start --head
--block`) and a second node that joins it with its own resources, each in a process group of its
own. Then, on the bench batch (benchmarks/corpus.py): `gongkai classify` with the local pool of
as many workers as the cluster has CPUs, and with `--engine ray --address …` (the driver sending
the bytes, then `--shared-fs`); and Ray's own cost per task, with empty tasks carrying a
document-sized payload through the same bounded submission loop. Both nodes are stopped at the end
(their process groups, so no other Ray on the machine is touched). Writes
benchmarks/results/ray-<UTC time>.json and ray-latest.md; see docs/scaling.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.corpus import DATA, build_batch
from benchmarks.model import choose_model
from benchmarks.report import RESULTS
from benchmarks.system import run_classify

RAY = Path(sys.executable).with_name("ray")
# Loopback only. Ray replaces the names of this host ("127.0.0.1", "localhost") by the machine's
# routable address, but keeps other loopback addresses as given: the head is 127.0.0.2, the second
# node 127.0.0.3, and every address Ray advertises, dials or is given stays on lo. (Ray still
# listens on every interface; its token authentication, the token in ~/.ray, guards the ports,
# and the run is bounded.)
HEAD_IP, SECOND_IP = "127.0.0.2", "127.0.0.3"
RAY_ENV = {"RAY_AUTH_MODE": "token", "RAY_USAGE_STATS_ENABLED": "0"}
NODE_MEMORY = 300 * 2**20          # object store per node: bounded, the machine is shared
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """Two Ray nodes on loopback addresses, each `ray start --block` in its own process group (same session)."""

    def __init__(self, cpus_per_node: int, log_dir: Path) -> None:
        self.cpus, self.log_dir, self.procs = cpus_per_node, log_dir, []
        self.temp = tempfile.mkdtemp(prefix="gkray-", dir="/tmp")   # short: Ray's socket paths live here
        self.address = f"{HEAD_IP}:{free_port()}"

    def __enter__(self) -> "LocalCluster":
        port = self.address.rsplit(":", 1)[1]
        self._start("head", ["--head", "--port", port, "--include-dashboard=false", "--node-ip-address", HEAD_IP])
        self._start("second", ["--address", self.address, "--resources", '{"second_node": 1}',
                               "--node-ip-address", SECOND_IP])
        return self

    def _start(self, name: str, args: list[str]) -> None:
        ports = ["--node-manager-port", "--object-manager-port", "--metrics-export-port",
                 "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port", "--runtime-env-agent-port"]
        cmd = [str(RAY), "start", *args, "--num-cpus", str(self.cpus),
               "--object-store-memory", str(NODE_MEMORY), "--temp-dir", self.temp, "--disable-usage-stats",
               "--block", *[x for flag in ports for x in (flag, str(free_port()))]]
        log = open(self.log_dir / f"ray-{name}.log", "w")
        # a process group of its own (to stop it whole) but this session: with the kernel's autogroup
        # scheduling a new session would get its own share of the shared cores, flattering Ray
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=os.setpgrp,
                                           env={**os.environ, **RAY_ENV}))

    def wait_for(self, ray, nodes: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if sum(n["Alive"] for n in ray.nodes()) >= nodes:
                return
            if any(p.poll() is not None for p in self.procs):
                raise RuntimeError(f"a Ray node exited; see {self.log_dir}/ray-*.log")
            time.sleep(1)
        raise RuntimeError(f"the cluster did not reach {nodes} nodes in {START_TIMEOUT_S} s")

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):          # the second node first, then the head
            _stop_group(proc)
        shutil.rmtree(self.temp, ignore_errors=True)


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the node's process group (the ones this run started), SIGKILL what is left after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(proc.pid):
            return


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _echo(data: bytes) -> int:
    return len(data)


def task_overhead(ray, payloads: list[bytes], in_flight: int) -> dict:
    """Ray's cost per task with nothing to do: a document-sized payload there, an int back, through
    the same bounded loop as the engine (submit up to `in_flight`, wait for one, submit the next)."""
    echo = ray.remote(_echo)
    ray.get([echo.remote(b"") for _ in range(8)])          # workers started before timing
    t0, pending = time.perf_counter(), []
    for data in payloads:
        if len(pending) >= in_flight:
            done, pending = ray.wait(pending, num_returns=1)
            ray.get(done)
        pending.append(echo.remote(data))
    ray.get(pending)
    seconds = time.perf_counter() - t0
    cpus = ray.cluster_resources().get("CPU", 1)
    return {"tasks": len(payloads), "seconds": round(seconds, 2), "ms_per_task": round(1000 * seconds / len(payloads), 3),
            "cpu_ms_per_task": round(1000 * seconds * cpus / len(payloads), 3)}


def measure(batch, model, tmp: Path, address: str, cpus: int, rounds: int, log) -> list[dict]:
    """Each engine once per round, in turn, so a neighbour who takes the cores for a while spoils
    one run of each rather than all runs of one; per engine, the run of median speed."""
    n, runs = len(batch.files), {}
    engines = [("local pool", ("--workers", str(cpus))),
               ("ray, bytes sent", ("--engine", "ray", "--address", address)),
               ("ray, --shared-fs", ("--engine", "ray", "--address", address, "--shared-fs"))]
    for k in range(rounds):
        for name, extra in engines:
            log(f"gongkai classify, {n} documents, {name}, round {k + 1} of {rounds} …")
            run = run_classify(batch.folder, tmp / "ray-bench.sqlite", cpus, model.path, n, extra)
            runs.setdefault(name, []).append(run.to_dict())
            log(f"  {run.docs_per_s:,.1f} docs/s ({run.processed} stored in {run.seconds:.1f} s)")
    out = []
    for name, done in runs.items():
        middle = sorted(done, key=lambda r: r["docs_per_s"])[(len(done) - 1) // 2]
        out.append({"engine": name, **middle, "all_docs_per_s": [r["docs_per_s"] for r in done]})
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ray_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000, help="documents in the bench batch (default 3000)")
    parser.add_argument("--cpus-per-node", type=int, default=1, help="CPUs each of the two nodes offers (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each engine, in turn (default 3)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.update(RAY_ENV)           # before Ray is imported; the gongkai commands inherit them
    import ray
    log = lambda msg: print(f"· {msg}", flush=True)  # noqa: E731
    batch, model = build_batch(args.docs, log=log), choose_model(log)
    load_before, started = os.getloadavg(), time.perf_counter()
    payloads = [p.read_bytes() for p in batch.paths()]
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        tmp = Path(tmp)
        logs = DATA / "ray-logs"          # kept after the run: the nodes' own output
        logs.mkdir(parents=True, exist_ok=True)
        with LocalCluster(args.cpus_per_node, logs) as cluster:
            log(f"starting a two-node Ray cluster at {cluster.address} …")
            time.sleep(2)
            ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            try:
                cluster.wait_for(ray, 2)
                cpus = int(ray.cluster_resources().get("CPU", 2))
                log(f"Ray's own cost per task ({len(payloads)} empty tasks with the documents' bytes) …")
                overhead = task_overhead(ray, payloads, in_flight=4 * cpus)
                nodes = [{"address": n["NodeManagerAddress"], "resources": n["Resources"]} for n in ray.nodes()
                         if n["Alive"]]
            finally:
                ray.shutdown()
            runs = measure(batch, model, tmp, cluster.address, cpus, args.rounds, log)
        log("both Ray nodes stopped")
    pool, ray_bytes = runs[0], runs[1]
    per_doc_ms = 1000 * (ray_bytes["seconds"] - pool["seconds"]) * cpus / len(batch.files)
    record = {"title": f"gongkai on Ray · {len(batch.files):,} documents · two nodes on loopback ({HEAD_IP}, {SECOND_IP})",
              "stamp": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"), "cluster_cpus": cpus, "nodes": nodes,
              "runs": runs, "empty_tasks": overhead, "ray_extra_cpu_ms_per_doc": round(per_doc_ms, 2),
              "batch": {k: v for k, v in batch.manifest.items() if k != "files"}, "model": model.description,
              "load_average": {"before": [round(x, 2) for x in load_before],
                               "after": [round(x, 2) for x in os.getloadavg()]},
              "cores": os.cpu_count(), "run_s": round(time.perf_counter() - started, 1)}
    print(json.dumps({k: v for k, v in record.items() if k != "batch"}, ensure_ascii=False, indent=2))
    save(record)
    return 0


def save(record: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    (RESULTS / f"ray-{record['stamp']}.json").write_text(text, encoding="utf-8")
    lines = [f"**{record['title']}**", "",
             "| engine | docs/s (median run) | seconds | stored | peak RSS of the command | every run, docs/s |",
             "|---|---|---|---|---|---|"]
    for r in record["runs"]:
        lines.append(f"| {r['engine']} | {r['docs_per_s']:,.1f} | {r['seconds']:.1f} | {r['processed']:,} | "
                     f"{r['peak_rss_mb']:,.0f} MB | {', '.join(f'{x:,.1f}' for x in r['all_docs_per_s'])} |")
    e = record["empty_tasks"]
    lines += ["", f"Ray's own cost per task (empty tasks carrying each document's bytes): {e['ms_per_task']} ms "
                  f"wall per task on {record['cluster_cpus']} CPUs, {e['cpu_ms_per_task']} CPU-ms per task; "
                  f"the Ray run (bytes sent) took {record['ray_extra_cpu_ms_per_doc']} CPU-ms per document more "
                  "than the local pool.",
              "", f"load average before {record['load_average']['before']}, after {record['load_average']['after']} "
                  f"on {record['cores']} cores (a shared machine)"]
    (RESULTS / "ray-latest.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
