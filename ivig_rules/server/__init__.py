"""``ivig-rules serve``: REST, CDS Hooks 2.0 and a patient workbench over the same evaluator.

Needs the ``server`` extra (``pip install 'ivig-rules[server]'``): FastAPI and uvicorn. See
docs/server.md. Nothing leaves the process but the response: the CDS service never calls the
EHR's FHIR server; what the prefetch lacks is reported, not fetched.
"""

from __future__ import annotations

__all__ = ["create_app", "ServerSettings"]


def __getattr__(name: str):
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
