"""The application: REST, CDS Hooks and the workbench over one evaluator per process.

FastAPI serves every route; the CDS service calls, the hot path, are answered in front of it by
:class:`.direct.DirectHooks` with the same checks and answers. Every handler is ``async`` and
evaluates in the event loop: an evaluation takes tens of microseconds, and one evaluator
(durable-rules sessions included) is then never used by two threads at once. The worst request
is bounded too: a body of at most two megabytes, and at most twenty problems described per
patient (the rest counted), so 120,000 unknown keys are refused in a fraction of a second. Each uvicorn
worker process builds its own app, so workers share nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import IvigRulesError
from ..evaluation.evaluator import Evaluator
from ..fhir.evaluate import mapping_for
from .answers import error_answer, error_body, json_bytes
from .body import MAX_BODY_BYTES, RequestError, read_json
from .cds import SERVICES, discovery, handle_hook
from .direct import DirectHooks
from .pathways import PathwayViews

__all__ = ["create_app", "ServerSettings", "SETTINGS_ENV"]

SETTINGS_ENV = "IVIG_RULES_SERVER_SETTINGS"
"""How `ivig-rules serve` hands its options to the app factory in each worker process."""

_PATIENT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "object",
        "description": "A patient: a mapping of facts as in a patient file (docs/vocabulary.md), or a FHIR R4 "
                       "Bundle holding one patient's resources (docs/fhir.md).",
        "example": {"diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55, "height_cm": 165,
                    "iga": "normal"},
    }}},
}
_HOOK_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "A CDS Hooks 2.0 request: hook, hookInstance, context (patientId, "
                                     "draftOrders) and prefetch."}}}}


@dataclass(frozen=True)
class ServerSettings:
    rulesets: str | None = None
    engine: str = "durable"
    weight_policy: str = "adjusted"
    cors_origins: tuple[str, ...] = ()
    base_url: str | None = None  # where cards link to; default: the request's own URL
    max_body_bytes: int = MAX_BODY_BYTES

    def to_env(self) -> str:
        import json

        return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()})

    @classmethod
    def from_env(cls) -> "ServerSettings":
        import json

        raw = os.environ.get(SETTINGS_ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        data["cors_origins"] = tuple(data.get("cors_origins") or ())
        return cls(**data)


@dataclass
class _State:
    settings: ServerSettings
    evaluator: Evaluator
    mapping: Any
    views: PathwayViews
    pages: dict = field(default_factory=dict)


def create_app(settings: ServerSettings | None = None) -> DirectHooks:
    """Build the ASGI app (loads and checks the rulesets now, so a broken ruleset stops the
    start): the FastAPI app (``.api``) behind the direct CDS Hooks path, and CORS in front of
    both when origins are given."""
    if settings is None:  # a worker process started by `ivig-rules serve`: ours to tune
        settings = ServerSettings.from_env()
        from ..engines import tune_process

        tune_process(settings.engine)  # see docs/performance.md: durable-rules sessions and glibc
    evaluator = Evaluator(settings.rulesets, engine=settings.engine, weight_policy=settings.weight_policy)
    state = _State(settings, evaluator, mapping_for(evaluator), PathwayViews(evaluator.catalogue))
    for diagnosis in evaluator.catalogue.pathways:
        evaluator.compiled(diagnosis)  # compile every pathway before the first request
    app = FastAPI(
        title="ivig-rules",
        version=_version(),
        description="Source-cited IVIG rules for neurology: evaluate patients (facts or FHIR R4), browse "
                    "pathways, and check IVIG orders with CDS Hooks. Decision support; not medical advice.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.ivig = state
    _install_errors(app)
    _routes(app, state)
    served = DirectHooks(app, state)
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        return CORSMiddleware(served, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                              allow_headers=["*"])
    return served


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ivig-rules")
    except Exception:  # noqa: BLE001 - a source checkout without metadata
        return "0"


def _json(data: Any, status: int = 200) -> Response:
    return Response(json_bytes(data), status_code=status, media_type="application/json")


def _error(status: int, kind: str, message: str) -> Response:
    return _json(error_body(status, kind, message), status)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(IvigRulesError)  # RequestError, InputError, IncompleteRecordError, ...: see answers
    async def ours(_: Request, exc: IvigRulesError) -> Response:
        status, body = error_answer(exc)
        return _json(body, status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: f"no such page: {request.url.path[:200]}; see /docs for the API",
                    405: f"{request.method} is not allowed on {request.url.path[:200]}; see /docs"}
        return _error(exc.status_code, "http", messages.get(exc.status_code, str(exc.detail)[:300]))

    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, "invalid request", f"{where}: {first.get('msg', 'invalid')}"[:300])

    @app.exception_handler(Exception)
    async def bug(_: Request, exc: Exception) -> Response:  # never a stack trace to the client
        status, body = error_answer(exc)
        return _json(body, status)


def _base_url(request: Request, state: _State) -> str:
    return (state.settings.base_url or str(request.base_url)).rstrip("/")


def _patient(data: Any, state: _State):
    from ..fhir.input import patient_from_data

    if not isinstance(data, dict):
        raise RequestError("the body must be a JSON object: patient facts, or a FHIR Bundle")
    return patient_from_data(data, state.evaluator, "request")


def _routes(app: FastAPI, state: _State) -> None:
    evaluator = state.evaluator

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/workbench")

    @app.get("/health", summary="Liveness and what answers")
    async def health() -> Response:
        return _json({"status": "ok", "rulesets": evaluator.catalogue.root, "engine": evaluator.engine.name,
                      "pathways": len(evaluator.catalogue.pathways)})

    @app.post("/evaluate", summary="Evaluate one patient (facts or a FHIR Bundle)", openapi_extra={"requestBody": _PATIENT_BODY})
    async def evaluate(request: Request) -> Response:
        data = await read_json(request, state.settings.max_body_bytes)
        patient, _, reading = _patient(data, state)
        out = evaluator.evaluate(patient).to_dict()
        out["rulesets"] = evaluator.catalogue.root
        if reading is not None:
            out["input"] = reading.to_dict()
        return _json(out)

    @app.post("/explain", summary="Explain one patient's recommendation", openapi_extra={"requestBody": _PATIENT_BODY})
    async def explain(request: Request) -> Response:
        from ..analysis.explain import explain as explain_patient

        data = await read_json(request, state.settings.max_body_bytes)
        patient, given, reading = _patient(data, state)
        out = explain_patient(evaluator, patient, given=given).to_dict()
        if reading is not None:
            out["input"] = reading.to_dict()
        return _json(out)

    @app.get("/pathways", summary="Every pathway, with links to its page and diagrams")
    async def pathways() -> Response:
        return _json({"pathways": state.views.listing()})

    @app.get("/pathways/{pathway_id}", summary="One pathway: steps, rules, graph, Mermaid and DOT")
    async def pathway(pathway_id: str) -> Response:
        return _json(state.views.detail(pathway_id))

    @app.get("/pathways/{pathway_id}/diagram.{fmt}", summary="A pathway diagram: svg, mmd (Mermaid) or dot")
    async def diagram(pathway_id: str, fmt: str) -> Response:
        content, media = state.views.diagram(pathway_id, fmt)
        return Response(content, media_type=media)

    @app.get("/pathways/{pathway_id}/route", summary="A patient's route on the pathway's teaching diagram")
    async def route(pathway_id: str, rule: list[str] = Query(
            default=[], description="A rule that fired (qualified id, from rules_fired of /evaluate); repeat for each")) -> Response:
        return _json(state.views.route(pathway_id, rule))

    @app.get("/pathways/{pathway_id}/page", summary="A pathway's page (HTML), where CDS cards link", response_class=HTMLResponse)
    async def page(pathway_id: str) -> Response:
        from .pages import pathway_page

        if pathway_id not in state.pages:
            state.pages[pathway_id] = pathway_page(state.views, pathway_id)
        return HTMLResponse(state.pages[pathway_id])

    @app.get("/workbench", summary="The patient workbench (HTML)", response_class=HTMLResponse)
    async def workbench() -> Response:
        from .pages import workbench_page

        if "_workbench" not in state.pages:
            state.pages["_workbench"] = workbench_page(evaluator.catalogue)
        return HTMLResponse(state.pages["_workbench"])

    @app.get("/cds-services", summary="CDS Hooks discovery")
    async def cds_discovery() -> Response:
        return _json(discovery(state.mapping))

    @app.post("/cds-services/{service_id}", summary="Call a CDS Hooks service", openapi_extra={"requestBody": _HOOK_BODY})
    async def cds_call(service_id: str, request: Request) -> Response:
        # The services themselves are answered in front of FastAPI (direct.py), with the same checks
        # and answers; this route documents them and answers a call of a service that does not exist.
        if service_id not in SERVICES:
            from ..errors import did_you_mean

            raise RequestError(f"no CDS service {service_id[:80]!r}; services: {', '.join(SERVICES)}.", status=404,
                               suggestion=did_you_mean(service_id, SERVICES))
        data = await read_json(request, state.settings.max_body_bytes)
        return _json(handle_hook(service_id, data, evaluator, state.mapping, _base_url(request, state)))

    @app.post("/cds-services/{service_id}/feedback", summary="CDS Hooks feedback (acknowledged, not stored)")
    async def cds_feedback(service_id: str, request: Request) -> Response:
        await read_json(request, state.settings.max_body_bytes)
        return _json({})

