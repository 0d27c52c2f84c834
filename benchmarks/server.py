"""CDS Hooks order-sign under load: requests/s, p50/p99 latency and server CPU per request.

Starts the real server (`ivig-rules serve`, uvicorn) on a free loopback port for each worker
count, then drives it from loopback client processes, each holding one keep-alive connection
and sending order-sign calls back to back (closed loop) built from scenario patients as FHIR.
Every response is checked (HTTP 200 and one card). Bounded in time; traffic stays on 127.0.0.1.

Beside requests/s (which falls with whatever else runs on the machine) it reports the CPU time
the server's processes spent per request (utime + stime of the server and its workers, read
from /proc before and after the measured seconds): a figure the machine's load barely moves.

    python benchmarks/server.py                 # 1 and 2 workers, 4 clients, 10 s each
    python benchmarks/server.py --seconds 3 --clients 2 --workers 2
    python benchmarks/server.py --workers 2 --code /tmp/before --code . --rounds 3   # A/B, interleaved

`--code DIR` (repeatable) runs the server from another source tree of ivig-rules (for example
`git archive COMMIT | tar -x -C /tmp/before`) with this interpreter; with several trees and
`--rounds`, the runs alternate (A, B, A, B, ...) so that load falls on all alike.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def requests_bodies(count: int) -> list[bytes]:
    """Order-sign calls for scenario patients whose pathway doses IVIG (the realistic, heaviest case)."""
    from ivig_rules.evaluation.evaluator import Evaluator
    from ivig_rules.fhir.evaluate import mapping_for
    from ivig_rules.fhir.write import bundle_from_facts
    from ivig_rules.model import TREATMENT_PREFIX
    from ivig_rules.scenarios.runner import load_scenarios
    from ivig_rules.server.requests import hook_request

    with Evaluator(ROOT / "rulesets", engine="reference") as ev:
        mapping = mapping_for(ev)
        scenarios = load_scenarios([ROOT / "scenarios"], ev.vocabulary, rulesets=ROOT / "rulesets")[1]
        bodies = []
        for scenario in scenarios:
            rec = ev.evaluate(scenario.patient)
            if rec.dose is None or rec.ivig not in ("recommended", "consider"):
                continue
            facts = {k: v for k, v in scenario.patient.facts.items() if not k.startswith(TREATMENT_PREFIX)}
            facts["treatments"] = {k[len(TREATMENT_PREFIX):]: v for k, v in scenario.patient.facts.items()
                                   if k.startswith(TREATMENT_PREFIX)}
            request = hook_request(bundle_from_facts(facts, mapping, ev.vocabulary), dose_g=rec.dose.per_day_g)
            bodies.append(json.dumps(request).encode())
            if len(bodies) >= count:
                break
    return bodies


def _http_request(body: bytes) -> bytes:
    return (b"POST /cds-services/ivig-order-sign HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = bytearray(rest)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        body += chunk
    buffer[:] = body[length:]
    return status, bytes(body[:length])


def _client(port: int, payloads: list[bytes], seconds: float, start_at: float, queue) -> None:
    """One keep-alive connection, calls back to back; puts (latencies, errors, CPU seconds)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    prepared = [_http_request(p) for p in payloads]
    latencies: list[float] = []
    errors = 0
    buffer = bytearray()
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    cpu = time.process_time()
    index = 0
    clock = time.perf_counter
    while True:
        began = clock()
        if began >= end:
            break
        sock.sendall(prepared[index % len(prepared)])
        status, body = _read_response(sock, buffer)
        latencies.append(clock() - began)
        if status != 200 or b'"cards":[{' not in body:
            errors += 1
        index += 1
    cpu = time.process_time() - cpu
    sock.close()
    queue.put((latencies, errors, cpu))


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICKS
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)


def _machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot (all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICKS


def measure(workers: int, clients: int, seconds: float, payloads: list[bytes], code: Path | None = None) -> dict:
    from server_process import running_server

    with running_server(workers=workers, code=code) as (base, server):
        port = int(base.rsplit(":", 1)[1])
        # warm every worker (each compiles its rules on start; make sure all have answered)
        warm_until = time.time() + 1.5
        while time.time() < warm_until:
            queue = multiprocessing.Queue()
            _client(port, payloads[:4], 0.2, 0, queue)
            queue.get()
        queue = multiprocessing.Queue()
        start_at = time.time() + 0.5
        procs = [multiprocessing.Process(target=_client, args=(port, payloads[i::clients] or payloads, seconds, start_at, queue))
                 for i in range(clients)]
        for p in procs:
            p.start()
        while time.time() < start_at:
            time.sleep(0.001)
        server_cpu, busy = _tree_cpu(server.pid), _machine_busy()
        load_before = os.getloadavg()[0]
        time.sleep(seconds)
        server_cpu = _tree_cpu(server.pid) - server_cpu  # the measured seconds only (clients stop then)
        busy = _machine_busy() - busy
        load_after = os.getloadavg()[0]
        results = [queue.get(timeout=seconds + 60) for _ in procs]
        for p in procs:
            p.join()
    latencies = sorted(x for lat, _, _ in results for x in lat)
    errors = sum(e for _, e, _ in results)
    client_cpu = sum(c for _, _, c in results)
    count = len(latencies)
    return {
        "code": str(code) if code is not None else "this tree",
        "workers": workers,
        "clients": clients,
        "requests": count,
        "errors": errors,
        "requests_per_s": count / seconds,
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_request": server_cpu / count * 1000 if count else None,
        "client_cpu_ms_per_request": client_cpu / count * 1000 if count else None,
        "load_1min": [round(load_before, 1), round(load_after, 1)],
        # cores kept busy by everything else on the machine meanwhile (this script's own main
        # process is counted here too, but it sleeps)
        "other_cores": round(max(0.0, busy - server_cpu - client_cpu) / seconds, 2),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per worker count (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="loopback client processes, one connection each (default 4)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="server worker counts (default 1 2)")
    parser.add_argument("--code", type=Path, action="append",
                        help="run the server from this source tree of ivig-rules (repeatable, for A/B); default this one")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every (code, workers) run, interleaved (default 1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be between 0 and 120")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")
    trees = [c.resolve() for c in args.code] if args.code else [None]
    for tree in trees:
        if tree is not None and not (tree / "ivig_rules" / "__init__.py").is_file():
            parser.error(f"--code {tree}: no ivig_rules package there")
    payloads = requests_bodies(32)
    size = statistics.median(len(p) for p in payloads)
    print(f"order-sign calls: {len(payloads)} scenario patients as FHIR, median body {size / 1024:.1f} KB; "
          f"{args.clients} clients, {args.seconds:g} s per run, {os.cpu_count()} cores shared by server and clients")
    print(f"{'code':<22} {'workers':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} "
          f"{'srv CPU ms/req':>14} {'cli CPU ms/req':>14} {'others':>6} {'load':>9}")
    figures = []
    for _ in range(args.rounds):
        for tree in trees:
            for workers in args.workers:
                row = measure(workers, args.clients, args.seconds, payloads, tree)
                figures.append(row)
                name = "this tree" if tree is None else str(tree)[-22:]
                print(f"{name:<22} {row['workers']:>7} {row['requests_per_s']:>9,.0f} {row['p50_ms']:>8.2f} "
                      f"{row['p99_ms']:>8.2f} {row['max_ms']:>8.1f} {row['errors']:>7} "
                      f"{row['server_cpu_ms_per_request']:>14.3f} {row['client_cpu_ms_per_request']:>14.3f} "
                      f"{row['other_cores']:>6.2f} "
                      f"{row['load_1min'][0]:>4.1f}-{row['load_1min'][1]:<4.1f}", flush=True)
    print("target: >= 1,000 req/s with 2 workers at p99 < 50 ms. srv/cli CPU: CPU time of the server's processes "
          "and of the clients per request; others: cores kept busy by other work on the machine meanwhile")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} cores; "
          "other work on the machine lowers every figure")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
