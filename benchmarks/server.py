"""CDS Hooks order-sign under load: requests/s and p50/p99 latency with 1 and 2 server workers.

Starts the real server (`ivig-rules serve`, uvicorn) on a free loopback port for each worker
count, then drives it from loopback client processes, each holding one keep-alive connection
and sending order-sign calls back to back (closed loop) built from scenario patients as FHIR.
Every response is checked (HTTP 200 and one card). Bounded in time; traffic stays on 127.0.0.1.

    python benchmarks/server.py                 # 1 and 2 workers, 4 clients, 10 s each
    python benchmarks/server.py --seconds 3 --clients 2 --workers 2

Run it under `nice` on a shared machine only if you accept slower figures: the clients and the
server share the same cores, which is part of what is measured.
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
    from ivig_rules.scenarios.files.runner import load_scenarios
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
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    prepared = [_http_request(p) for p in payloads]
    latencies: list[float] = []
    errors = 0
    buffer = bytearray()
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
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
    sock.close()
    queue.put((latencies, errors))


def measure(workers: int, clients: int, seconds: float, payloads: list[bytes]) -> dict:
    from server_process import running_server

    with running_server(workers=workers) as (base, _):
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
        results = [queue.get(timeout=seconds + 60) for _ in procs]
        for p in procs:
            p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    count = len(latencies)
    return {
        "workers": workers,
        "clients": clients,
        "requests": count,
        "errors": errors,
        "requests_per_s": count / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per worker count (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="loopback client processes, one connection each (default 4)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="server worker counts (default 1 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be between 0 and 120")
    payloads = requests_bodies(32)
    size = statistics.median(len(p) for p in payloads)
    print(f"order-sign calls: {len(payloads)} scenario patients as FHIR, median body {size / 1024:.1f} KB; "
          f"{args.clients} clients, {args.seconds:g} s per run, {os.cpu_count()} cores shared by server and clients")
    print(f"{'workers':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    figures = []
    for workers in args.workers:
        row = measure(workers, args.clients, args.seconds, payloads)
        figures.append(row)
        print(f"{row['workers']:>7} {row['requests_per_s']:>9,.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
              f"{row['max_ms']:>8.1f} {row['errors']:>7}")
    print("target: >= 1,000 req/s with 2 workers at p99 < 50 ms")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} cores; "
          "other work on the machine lowers every figure")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
