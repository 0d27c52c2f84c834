"""Loading: files to the model. The YAML reader that keeps line numbers, the cursor that checks
a document key by key, and the loaders of the vocabulary, the rulesets, the catalogue and
patients. Every problem becomes an :class:`~ivig_rules.errors.InputError` naming file, line and key."""
