"""What the rules do for patients: ``explain`` (the rules that decided a recommendation, and why
not IVIG) and ``diff`` (which patients get another answer between two versions of the rules)."""
