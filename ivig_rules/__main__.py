"""Allow ``python -m ivig_rules``."""

from .cli import main

main()
