"""JSON Schemas of every file format, generated from the loaders' own key tables and the vocabulary.

Like tavern's, the schemas are data: ``docs/schemas/KIND.schema.json`` (and a copy shipped with
the package) is what an editor with the YAML language server validates and completes a ruleset,
scenario or patient file against. ``ivig-rules schema KIND`` prints one; docs/schemas.md says
what they check and what only the loader and ``ivig-rules lint`` can (:data:`LOADER_ONLY`).
"""

from ._shapes import UndescribedKeys
from .kinds import (
    DRAFT,
    KINDS,
    PUBLISHED,
    Kind,
    file_name,
    kind_of,
    kind_summary,
    schema_comment,
    shipped_schema,
    to_json,
    to_schema,
    write_schemas,
)
from .limits import LOADER_ONLY, LoaderOnly

__all__ = [
    "KINDS",
    "Kind",
    "DRAFT",
    "PUBLISHED",
    "kind_of",
    "kind_summary",
    "schema_comment",
    "to_schema",
    "to_json",
    "write_schemas",
    "file_name",
    "shipped_schema",
    "LOADER_ONLY",
    "LoaderOnly",
    "UndescribedKeys",
]
