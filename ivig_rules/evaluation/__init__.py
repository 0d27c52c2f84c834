"""Evaluation: a validated patient through an engine to a recommendation (verdict, next step,
dose, alerts, citations). :class:`~ivig_rules.evaluation.evaluator.Evaluator` is the loop;
``recommend`` resolves the fired rules; ``dosing`` does the arithmetic; ``text`` words it."""
