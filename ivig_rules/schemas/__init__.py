"""JSON Schemas of every file format, generated from the loaders' own key tables and the vocabulary.

Like tavern's, the schemas are data: ``docs/schemas/KIND.schema.json`` (and a copy shipped with
the package) is what an editor with the YAML language server validates and completes a ruleset,
scenario or patient file against. ``ivig-rules schema KIND`` prints one; docs/schemas.md says
what they check and what only the loader and ``ivig-rules lint`` can (:data:`LOADER_ONLY`).
"""

from importlib import import_module

from .registry import KINDS, Kind

# The rest is imported on first use, so that the CLI can list the kinds without loading the loaders.
_WHERE = {
    **dict.fromkeys(("DRAFT", "PUBLISHED", "kind_of", "kind_summary", "schema_comment", "to_schema", "to_json",
                     "write_schemas", "file_name", "shipped_schema"), "kinds"),
    "LOADER_ONLY": "limits",
    "LoaderOnly": "limits",
    "UndescribedKeys": "_shapes",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)


__all__ = ["KINDS", "Kind", *_WHERE]
