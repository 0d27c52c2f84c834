"""``ivig-rules serve``: the REST API, CDS Hooks services and workbench (the ``server`` extra)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, fail, handles_errors


@handles_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Worker processes (each loads the rules)."),
    cors_origin: Optional[List[str]] = typer.Option(
        None, "--cors-origin", metavar="ORIGIN", help="Allow browser calls from this origin (repeatable; the CDS Hooks sandbox needs it). Off by default."
    ),
    base_url: Optional[str] = typer.Option(None, "--base-url", metavar="URL", help="Public URL of this server, for the links in CDS cards (default: the request's)."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request to standard error (off by default: it costs time on every call)."),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Serve REST (POST /evaluate, /explain; GET /pathways), CDS Hooks (GET /cds-services,
    order-sign and order-select for IVIG orders) and the patient workbench (/workbench).
    OpenAPI docs at /docs. Needs the server extra: pip install 'ivig-rules[server]'.
    Exit 2 when the rulesets or fhir.yaml are invalid (nothing is served then).

    Examples:
    ivig-rules serve
    ivig-rules serve --port 8000 --workers 2
    ivig-rules serve --cors-origin https://sandbox.cds-hooks.org
    """
    try:
        import uvicorn  # noqa: F401
        import fastapi  # noqa: F401
    except ImportError:
        raise fail("the server needs FastAPI and uvicorn: pip install 'ivig-rules[server]'") from None
    from ..loading.catalogue import find_rulesets, load_catalogue
    from ..server.app import SETTINGS_ENV, ServerSettings, create_app
    from ..server.running import uvicorn_options

    folder = str(find_rulesets(rulesets).resolve())
    settings = ServerSettings(rulesets=folder, engine=engine.value, weight_policy=weight_policy.value,
                              cors_origins=tuple(cors_origin or ()), base_url=base_url.rstrip("/") if base_url else None)
    load_catalogue(folder)  # a broken ruleset stops the start here, with its file:line message
    create_app(settings)  # and so does a broken fhir.yaml
    os.environ[SETTINGS_ENV] = settings.to_env()
    typer.echo(f"ivig-rules: serving {folder} on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}); "
               f"workbench http://{host}:{port}/workbench, API docs /docs, CDS Hooks /cds-services", err=True)
    options, advice = uvicorn_options(access_log=access_log)
    for line in advice:
        typer.echo(f"ivig-rules: {line}", err=True)
    import uvicorn

    uvicorn.run("ivig_rules.server.app:create_app", factory=True, host=host, port=port, workers=workers, **options)
