"""The ASGI app uvicorn runs: CDS Hooks service calls answered directly, the rest by FastAPI.

An EHR calls a CDS service on every order it signs, so that one call is the service's hot path.
Through FastAPI's middleware, routing and dependency solving it cost about 150 us more CPU per
call (in one process, benchmarks/server_direct.py: about 600 against 750 to 930 us; see
docs/performance.md); here ``POST /cds-services/<service>`` goes
straight to :func:`.cds.handle_hook` with the same checks as the FastAPI route (body size,
Content-Type, JSON, depth) and the same answers and errors (:mod:`.answers`). Every other
request, and a call of a service that does not exist, goes to the FastAPI app unchanged, which
also keeps documenting the services in OpenAPI.
"""

from __future__ import annotations

from typing import Any

from .answers import error_answer, json_bytes
from .body import ClientGone, receive_json
from .cds import SERVICES, handle_hook

__all__ = ["DirectHooks"]

_JSON = b"application/json"


class DirectHooks:
    """ASGI: ``api`` for everything but the CDS service calls, which ``state`` answers."""

    def __init__(self, api: Any, state: Any) -> None:
        self.api = api
        self.state = state
        self._paths = {f"/cds-services/{service}": service for service in SERVICES}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            service = self._paths.get(scope["path"])
            if service is not None:
                await self._hook(service, scope, receive, send)
                return
        await self.api(scope, receive, send)

    async def _hook(self, service: str, scope: dict, receive: Any, send: Any) -> None:
        state = self.state
        try:
            data = await receive_json(receive, scope["headers"], state.settings.max_body_bytes)
            answer = handle_hook(service, data, state.evaluator, state.mapping, self._base_url(scope))
            status, body = 200, json_bytes(answer)
        except ClientGone:
            return
        except Exception as exc:  # noqa: BLE001 - every error becomes an answer, never a trace
            status, answer = error_answer(exc)
            body = json_bytes(answer)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", _JSON)]})
        await send({"type": "http.response.body", "body": body})

    def _base_url(self, scope: dict) -> str:
        """Where cards link: ``--base-url``, else this request's own scheme, host and root path."""
        if self.state.settings.base_url:
            return self.state.settings.base_url.rstrip("/")
        from starlette.requests import Request

        return str(Request(scope).base_url).rstrip("/")
