"""CPU per order-sign call answered in front of FastAPI (server/direct.py) and through the
FastAPI app, in one process, same 32 bodies as benchmarks/server.py, answers compared.

    python benchmarks/server_direct.py

No sockets and no uvicorn: the difference is FastAPI's middleware, routing and dependency
solving on the hot path (docs/performance.md#cds-hooks-order-sign).
"""
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from server import requests_bodies  # noqa: E402

from ivig_rules.server.app import ServerSettings, create_app  # noqa: E402

bodies = requests_bodies(32)
app = create_app(ServerSettings(rulesets=str(ROOT / "rulesets"), base_url="http://x"))

async def call(asgi, body):
    scope = {"type": "http", "method": "POST", "path": "/cds-services/ivig-order-sign", "raw_path": b"/cds-services/ivig-order-sign",
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"host", b"x")],
             "query_string": b"", "scheme": "http", "server": ("x", 80), "client": ("c", 1), "root_path": "", "http_version": "1.1", "app": asgi}
    sent = []
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(m):
        sent.append(m)
    await asgi(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    return sent[1]["body"]

async def main():
    for asgi in (app, app.api):  # warm both
        for b in bodies: await call(asgi, b)
    res = {}
    for rnd in range(3):
        for name, asgi in (("direct", app), ("fastapi", app.api)):
            t = time.process_time()
            n = 0
            for _ in range(10):
                for b in bodies:
                    await call(asgi, b); n += 1
            res.setdefault(name, []).append((time.process_time() - t) / n * 1e6)
    for k, v in res.items(): print(k, [round(x) for x in v], "us CPU per call")
    same = [await call(app, b) == await call(app.api, b) for b in bodies]
    print("same answers:", all(same))
asyncio.run(main())
