"""The ``ivig-rules`` command line: a thin shell over the library (see :mod:`ivig_rules`)."""

from .app import app, main

__all__ = ["app", "main"]
