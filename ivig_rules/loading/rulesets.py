"""Reads pathway and screening rulesets (YAML) into the model, checking them as they are built.

Every reference is resolved here (facts, values, steps, doses, alerts, sources), so a ruleset
that loads is one the engines can run; nothing is discovered broken at evaluation time.
The format is documented in docs/ruleset-format.md.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from . import marked_yaml
from .cursor import Keys, Node, Problems, root
from ..errors import did_you_mean
from ..model import (
    DECIMALS,
    DOSE_BASES,
    OPERATORS,
    PHASES,
    SCREENING_VERDICTS,
    STEP_START,
    VERDICTS,
    AllOf,
    Amount,
    AnyOf,
    Compare,
    Condition,
    DoseRegimen,
    FactSpec,
    Not,
    Outcome,
    Pathway,
    Review,
    Rule,
    Screening,
    Step,
    Vocabulary,
    frozen_map,
)
from .teaching import load_screening_teaching, load_teaching
from ..model.teaching import ScreeningTeaching
from .vocabulary import parse_citations

__all__ = ["load_pathway", "load_screening", "parse_condition"]

PATHWAY_STATUSES = ("draft", "active", "retired")
COMBINATORS = ("all", "any", "not")
ORDERED_OPERATORS = ("<", "<=", ">", ">=")
_IVIG_VERDICTS = ("recommended",)
_NOT_IVIG_VERDICTS = ("not_yet", "not_indicated", "contraindicated", "no_guidance")
PATHWAY_VERDICTS = tuple(v for v in VERDICTS if v != "specialist_review")
_UNITS = {"g/kg": "g/kg", "days": "days", "interval": "weeks"}

# -- the keys of each mapping of a pathway or screening file (the JSON Schemas are built from them)
PATHWAY_FILE = Keys(("pathway", "steps", "rules"), ("doses", "aliases", "teaching"), "a pathway file")
SCREENING_FILE = Keys(("screening", "rules"), ("teaching",), "a screening file")
PATHWAY_HEADER = Keys(
    ("id", "title", "version", "diagnosis", "status", "last_reviewed", "sources"), ("review_due", "summary", "notes")
)
SCREENING_HEADER = Keys(("id", "title", "version", "applies_to"), ("notes",))
STEP = Keys(
    ("therapy", "line", "label", "cite"), ("dose", "with", "notes", "final", "review", "monitoring", "administration")
)
REVIEW = Keys(("text", "cite"), (), "a response review: text and cite")
DOSE = Keys(
    ("therapy", "phase", "g_per_kg", "per", "days", "cite"),
    ("interval_weeks", "max_g_per_day", "weight_basis", "then", "notes"),
)
AMOUNT_RANGE = Keys(("default",), ("min", "max"))
PATHWAY_RULE = Keys(("id", "then", "cite"), ("when", "evidence", "notes", "description", "from"), "a rule")
SCREENING_RULE = Keys(("id", "then", "cite"), ("when", "evidence", "notes", "description"), "a rule")
PATHWAY_OUTCOME = Keys((), ("ivig", "next_step", "dose", "alerts"))
SCREENING_OUTCOME = Keys((), ("ivig", "alerts", "conflict", "monitoring", "administration"))
WEIGHT_BASES = ("policy", "actual")
SCREENED_VERDICTS = ("recommended", "consider")


# -- conditions ---------------------------------------------------------------------------------


def parse_condition(node: Node, facts: dict[str, FactSpec], untestable: frozenset[str] = frozenset()) -> Condition:
    """Parse a ``when:`` condition: mappings of facts (all must hold), all/any/not, lists (all)."""
    value = node.value
    if isinstance(value, list):
        return AllOf(tuple(parse_condition(item, facts, untestable) for item in node.seq()), node.line)
    if not isinstance(value, dict) or not value:
        raise node.error(
            "a condition is a mapping such as {treatments.corticosteroids: failed} "
            "or {all: [...]}, {any: [...]}, {not: ...}"
        )
    parts: list[Condition] = []
    for key, child in node.items():
        if key == "all":
            parts.append(AllOf(tuple(parse_condition(i, facts, untestable) for i in child.seq(nonempty=True)), child.line))
        elif key == "any":
            parts.append(AnyOf(tuple(parse_condition(i, facts, untestable) for i in child.seq(nonempty=True)), child.line))
        elif key == "not":
            parts.append(Not(parse_condition(child, facts, untestable), child.line))
        else:
            parts.extend(_fact_tests(key, child, facts, untestable))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts), node.line)


def _fact_tests(name: str, node: Node, facts: dict[str, FactSpec], untestable: frozenset[str]) -> list[Compare]:
    if name == "diagnosis":
        raise node.error("rules may not test 'diagnosis': the pathway's diagnosis is implied")
    spec = facts.get(name)
    if spec is None and name in untestable:
        raise node.error(
            f"rules may not test {name!r}: a patient may leave it out and it has no default, "
            "so the rule would silently never fire (durable-rules skips missing fields)"
        )
    if spec is None:
        raise node.error(
            f"unknown fact {name!r}; rules may test: {', '.join(sorted(facts))}, and all/any/not.",
            suggestion=did_you_mean(name, list(facts) + list(COMBINATORS)),
        )
    if isinstance(node.value, dict):
        tests = []
        for op, operand in node.items():
            if op not in OPERATORS:
                raise operand.error(
                    f"unknown operator {op!r}; operators are: {', '.join(OPERATORS)}",
                    suggestion=did_you_mean(op, OPERATORS),
                )
            tests.append(_compare(spec, op, operand))
        if not tests:
            raise node.error(f"no test given for {name!r}")
        return tests
    return [_compare(spec, "==", node)]


def _operand(spec: FactSpec, node: Node):
    if spec.type == "enum":
        return node.choice(spec.values, what=f"value for {spec.name}")
    if spec.type == "boolean":
        return node.flag(unknown=spec.allows_unknown)
    if spec.type == "number":
        value = node.number(minimum=spec.minimum, maximum=spec.maximum, unit=spec.unit or "")
        if round(value, DECIMALS) != value:
            raise node.error(
                f"the threshold {value!r} has more than {DECIMALS} decimal places: patient values are kept to "
                f"{DECIMALS}, and durable-rules cannot read the exponent form (1e-05) finer numbers are sent in"
            )
        return value
    raise node.error(f"the fact {spec.name!r} is free text and cannot be tested by rules")


def _compare(spec: FactSpec, op: str, node: Node) -> Compare:
    if op in ORDERED_OPERATORS and spec.type != "number":
        raise node.error(f"'{op}' compares numbers, but {spec.name!r} is {spec.type}; use ==, !=, in or not_in")
    if op in ("in", "not_in"):
        if spec.type == "number":
            raise node.error(f"'{op}' lists values of a choice; compare the number {spec.name!r} with <, <=, > or >=")
        values = tuple(_operand(spec, item) for item in node.seq(what="values", nonempty=True))
        return Compare(spec.name, op, values, node.line)
    return Compare(spec.name, op, _operand(spec, node), node.line)


# -- pieces of a pathway ------------------------------------------------------------------------


def _amount(node: Node, limits: tuple[float, float], *, what: str, integer: bool = False) -> Amount:
    """A dose amount within the vocabulary's plausible range for it (``dose_limits``)."""
    kw = dict(minimum=limits[0], maximum=limits[1], integer=integer, unit=_UNITS.get(what, ""))
    if isinstance(node.value, dict):
        node.mapping(AMOUNT_RANGE)
        amount = Amount(
            node.child("default").number(**kw),
            node.child("min").number(**kw) if node.get("min") is not None else None,
            node.child("max").number(**kw) if node.get("max") is not None else None,
        )
        low = amount.minimum if amount.minimum is not None else amount.default
        high = amount.maximum if amount.maximum is not None else amount.default
        if not low <= amount.default <= high:
            raise node.error(f"the default {what} {amount.default:g} lies outside its range {low:g}-{high:g}")
        return amount
    return Amount(node.number(**kw))


def _dose(dose_id: str, node: Node, vocab: Vocabulary) -> DoseRegimen:
    node.mapping(DOSE)
    phase = node.child("phase").choice(PHASES, what="phase")
    limits = vocab.dose_limits
    interval = (
        _amount(node.child("interval_weeks"), limits["interval_weeks"], what="interval")
        if node.get("interval_weeks")
        else None
    )
    if phase == "maintenance" and interval is None:
        raise node.error("a maintenance dose needs 'interval_weeks'")
    return DoseRegimen(
        id=dose_id,
        therapy=node.child("therapy").choice(vocab.therapies, what="therapy"),
        phase=phase,
        g_per_kg=_amount(node.child("g_per_kg"), limits["g_per_kg"], what="g/kg"),
        per=node.child("per").choice(DOSE_BASES, what="dose basis"),
        days=_amount(node.child("days"), limits["days"], what="days", integer=True),
        interval_weeks=interval,
        max_g_per_day=node.child("max_g_per_day").number(
            minimum=limits["max_g_per_day"][0], maximum=limits["max_g_per_day"][1], unit="g"
        )
        if node.get("max_g_per_day")
        else None,
        weight_basis=node.child("weight_basis").choice(WEIGHT_BASES, what="weight basis")
        if node.get("weight_basis")
        else "policy",
        then=_prose(node.get("then")),
        citations=parse_citations(node.child("cite"), dict(vocab.sources)),
        notes=_prose(node.get("notes")),
        line=node.line,
    )


def _step(step_id: str, node: Node, vocab: Vocabulary, doses: dict[str, DoseRegimen]) -> Step:
    node.mapping(STEP)
    therapy = node.child("therapy").choice(vocab.therapies, what="therapy")
    dose_id = _ref(node.get("dose"), doses, "dose")
    if dose_id and doses[dose_id] is not None and doses[dose_id].therapy != therapy:
        raise node.child("dose").error(
            f"the dose {dose_id!r} is for {doses[dose_id].therapy}, but this step gives {therapy}"
        )
    with_therapies = ()
    if node.get("with"):
        with_therapies = tuple(i.choice(vocab.therapies, what="therapy") for i in node.child("with").seq(allow_single=True))
    return Step(
        id=step_id,
        therapy=therapy,
        line_of_therapy=node.child("line").number(minimum=1, maximum=9, integer=True),
        label=node.child("label").text(max_length=120),
        dose=dose_id,
        with_therapies=with_therapies,
        citations=parse_citations(node.child("cite"), dict(vocab.sources)),
        notes=_prose(node.get("notes")),
        final=node.child("final").boolean() if node.get("final") is not None else False,
        review=_review(node.get("review"), vocab) if node.get("review") is not None else None,
        monitoring=_ids(node.get("monitoring"), vocab.monitoring, "monitoring id"),
        administration=_ids(node.get("administration"), vocab.administration, "administration id"),
        line=node.line,
    )


def _review(node: Node, vocab: Vocabulary) -> Review:
    node.mapping(REVIEW)
    return Review(_prose(node.child("text")), parse_citations(node.child("cite"), dict(vocab.sources)))


def _ids(node: Node | None, table, what: str) -> tuple[str, ...]:
    """A list of ids of a vocabulary table (alerts, monitoring, administration)."""
    if node is None:
        return ()
    return tuple(dict.fromkeys(item.choice(table, what=what) for item in node.seq(allow_single=True)))


def _ref(node: Node | None, table: dict, what: str) -> str | None:
    if node is None:
        return None
    value = node.value
    if not isinstance(value, str) or value not in table:
        raise node.error(
            f"no {what} {value!r} is defined in this file; defined: {', '.join(table) or 'none'}.",
            suggestion=did_you_mean(value, table),
        )
    return value


def _prose(node: Node | None) -> str:
    return " ".join(node.text(max_length=4000).split()) if node is not None else ""


def _rule(
    node: Node,
    *,
    owner: str,
    vocab: Vocabulary,
    facts: dict[str, FactSpec],
    steps: dict[str, Step] | None,
    doses: dict[str, DoseRegimen],
) -> Rule:
    screening = steps is None
    node.mapping(SCREENING_RULE if screening else PATHWAY_RULE)
    problems = Problems()  # id, condition, outcome, positions and citations are checked apart
    rule_id = when = outcome = citations = evidence = None
    from_steps: tuple[str, ...] = (STEP_START,)
    with problems.part():
        rule_id = node.child("id").ident(what="a rule id")
    with problems.part():
        untestable = frozenset(vocab.facts) - set(facts)
        when = parse_condition(node.child("when"), facts, untestable) if node.get("when") is not None else AllOf(())
    with problems.part():
        outcome = _outcome(node.child("then"), vocab, steps, doses)
    if not screening and node.get("from"):
        with problems.part():
            from_steps = _from_steps(node.child("from"), steps)
    with problems.part():
        citations = parse_citations(node.child("cite"), dict(vocab.sources))
    with problems.part():
        if node.get("evidence"):
            evidence = node.child("evidence").choice(vocab.evidence_levels, what="evidence level")
    problems.raise_any()
    return Rule(
        id=rule_id,
        qualified_id=f"{owner}.{rule_id}",
        when=when,
        then=outcome,
        from_steps=from_steps,
        citations=citations,
        evidence=evidence,
        notes=_prose(node.get("notes")),
        description=_prose(node.get("description")),
        file=node.file,
        line=node.line,
    )


def _outcome(then_node: Node, vocab: Vocabulary, steps: dict | None, doses: dict) -> Outcome:
    screening = steps is None
    then_node.mapping(SCREENING_OUTCOME if screening else PATHWAY_OUTCOME)
    if not then_node.value:
        raise then_node.error("a rule's 'then' needs at least one of: ivig, next_step, dose, alerts")
    verdicts = SCREENING_VERDICTS if screening else PATHWAY_VERDICTS
    ivig = then_node.child("ivig").choice(VERDICTS, what="IVIG verdict") if then_node.get("ivig") else None
    if ivig is not None and ivig not in verdicts:
        raise then_node.child("ivig").error(
            f"a screening rule can only make IVIG {' or '.join(repr(v) for v in SCREENING_VERDICTS)}" if screening
            else "'specialist_review' is given only by the safety screening, when sources disagree (see 'conflict')"
        )
    alerts = _ids(then_node.get("alerts"), vocab.alerts, "alert id")
    conflict = None
    if screening:
        conflict = then_node.child("conflict").choice(vocab.conflicts, what="conflict id") if then_node.get("conflict") else None
        if (conflict is None) != (ivig != "specialist_review"):
            raise then_node.error(
                "a screening rule names a 'conflict' exactly when it makes IVIG 'specialist_review': "
                "the output must say which sources disagree"
            )
    next_step = None if screening else _ref(then_node.get("next_step"), steps, "step")
    dose = None if screening else _ref(then_node.get("dose"), doses, "dose")
    broken = (next_step and steps[next_step] is None) or (dose and doses[dose] is None)
    if not screening and not broken:  # a broken step or dose is reported where it is defined
        _check_outcome(then_node, ivig, next_step, dose, steps, doses)
    return Outcome(
        ivig=ivig, next_step=next_step, dose=dose, alerts=alerts, conflict=conflict,
        monitoring=_ids(then_node.get("monitoring"), vocab.monitoring, "monitoring id") if screening else (),
        administration=_ids(then_node.get("administration"), vocab.administration, "administration id") if screening else (),
    )


def _from_steps(node: Node, steps: dict) -> tuple[str, ...]:
    positions: list[str] = []
    for item in node.seq(allow_single=True, nonempty=True):
        position = item.value if item.value == STEP_START else _ref(item, steps, "step")
        if position in positions:
            raise item.error(f"{position!r} is listed twice in 'from'")
        positions.append(position)
    return tuple(positions)


def _check_outcome(then: Node, ivig, next_step, dose, steps, doses) -> None:
    if ivig is None and (next_step or dose):
        raise then.error("a rule that names a next step or dose must also give the IVIG verdict ('ivig')")
    therapy = steps[next_step].therapy if next_step else None
    if ivig in _IVIG_VERDICTS and therapy != "ivig":
        raise then.error(f"IVIG is '{ivig}', so the next step must be an IVIG step (found {next_step or 'none'})")
    if ivig in _NOT_IVIG_VERDICTS and therapy == "ivig":
        raise then.error(f"IVIG is '{ivig}', so the next step cannot be the IVIG step {next_step!r}")
    if dose and next_step and doses[dose].therapy not in (therapy, *steps[next_step].with_therapies):
        raise then.child("dose").error(
            f"the dose {dose!r} is for {doses[dose].therapy}, which the step {next_step!r} does not give"
        )
    if dose and not next_step:
        raise then.child("dose").error("a dose needs a 'next_step' to belong to")


def _unique_rules(rules: list[Rule], nodes: list[Node]) -> None:
    seen: dict[str, int | None] = {}
    for rule, node in zip(rules, nodes):
        if rule.id in seen:
            raise node.child("id").error(f"the rule id {rule.id!r} is used twice (first on line {seen[rule.id]})")
        seen[rule.id] = node.line


# -- files --------------------------------------------------------------------------------------


def _header(node: Node, vocab: Vocabulary, *, pathway: bool) -> dict:
    node.mapping(PATHWAY_HEADER if pathway else SCREENING_HEADER)
    version = node.child("version")
    if isinstance(version.value, (int, float)) and not isinstance(version.value, bool):
        raise version.error('write the version as text, in quotes (for example "1.0.0")')
    out = {"id": node.child("id").ident(what="a pathway id"), "title": node.child("title").text(max_length=200),
           "version": version.text(max_length=40)}
    if not pathway:
        return out
    last = node.child("last_reviewed").date()
    due = node.child("review_due").date() if node.get("review_due") else _add_year(last)
    if due < last:
        raise node.child("review_due").error("the review is due before the last review")
    sources = []
    for item in node.child("sources").seq(nonempty=True, allow_single=True):
        sources.append(item.choice(vocab.sources, what="source"))
    out.update(
        diagnosis=node.child("diagnosis").choice(vocab.facts["diagnosis"].values, what="diagnosis"),
        status=node.child("status").choice(PATHWAY_STATUSES, what="status"),
        last_reviewed=last,
        review_due=due,
        sources=tuple(sources),
        summary=_prose(node.get("summary")),
        notes=_prose(node.get("notes")),
    )
    return out


def _add_year(day: _dt.date) -> _dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + _dt.timedelta(days=365)


def load_pathway(path: str | Path, vocab: Vocabulary, *, document: Any = None) -> Pathway:
    """Load and check one pathway file; every problem of the file is reported at once
    (``document``: the file's content, when already read).

    A dose or step that is broken is still known by its id (as None), so that the rules that
    refer to it are checked too without a second, misleading "no such step".
    """
    file = str(path)
    doc = root(marked_yaml.read_file(path) if document is None else document, file)
    doc.mapping(PATHWAY_FILE)
    problems = Problems()
    header: dict = {}
    with problems.part():
        header = _header(doc.child("pathway"), vocab, pathway=True)
    doses: dict = {}
    if doc.get("doses"):
        with problems.part():
            for dose_id, node in doc.child("doses").mapping().items():
                doses[dose_id] = None
                with problems.part():
                    Node(dose_id, file, node.path, node.line).ident(what="a dose id")
                    doses[dose_id] = _dose(dose_id, node, vocab)
    steps: dict = {}
    with problems.part():
        for step_id, node in doc.child("steps").mapping(what="the pathway's steps").items():
            steps[step_id] = None
            with problems.part():
                Node(step_id, file, node.path, node.line).ident(what="a step id")
                if step_id == STEP_START:
                    raise node.error(f"'{STEP_START}' is reserved for the pathway's entry point")
                steps[step_id] = _step(step_id, node, vocab, doses)
        if not steps:
            raise doc.child("steps").error("a pathway needs at least one step")
    rules = _rules(doc, problems, owner=header.get("id", "?"), vocab=vocab, facts=vocab.rule_facts(), steps=steps, doses=doses)
    if not problems and not any(rule.decides for rule in rules):
        raise doc.child("rules").error("no rule gives an IVIG verdict ('then: {ivig: ...}')")
    teaching = None
    if doc.get("teaching") is not None:
        with problems.part():
            teaching = load_teaching(doc.child("teaching"))
    problems.raise_any()
    return Pathway(
        steps=frozen_map(steps), doses=frozen_map(doses), rules=tuple(rules), file=file, teaching=teaching, **header
    )


def _rules(doc: Node, problems: Problems, **context) -> list[Rule]:
    """Every rule of a file that loads, each checked apart; the problems of the others go to ``problems``."""
    rule_nodes: list[Node] = []
    with problems.part():
        rule_nodes = doc.child("rules").seq(what="rules", nonempty=True)
    loaded: list[tuple[Rule, Node]] = []
    for node in rule_nodes:
        with problems.part():
            loaded.append((_rule(node, **context), node))
    with problems.part():
        _unique_rules([rule for rule, _ in loaded], [node for _, node in loaded])
    return [rule for rule, _ in loaded]


def load_screening(path: str | Path, vocab: Vocabulary, *, document: Any = None) -> Screening:
    """Load and check the safety screening file (``document``: its content, when already read)."""
    file = str(path)
    doc = root(marked_yaml.read_file(path) if document is None else document, file)
    doc.mapping(SCREENING_FILE)
    problems = Problems()
    header_node = doc.child("screening")
    header: dict = {}
    applies_to: tuple[str, ...] = ()
    with problems.part():
        header = _header(header_node, vocab, pathway=False)
        applies_to = tuple(
            item.choice(SCREENED_VERDICTS, what="verdict")
            for item in header_node.child("applies_to").seq(nonempty=True, allow_single=True)
        )
    rules = _rules(doc, problems, owner=header.get("id", "?"), vocab=vocab, facts=vocab.rule_facts(), steps=None, doses={})
    teaching = ScreeningTeaching()
    if doc.get("teaching") is not None:
        with problems.part():
            teaching = load_screening_teaching(doc.child("teaching"), rules)
    problems.raise_any()
    return Screening(applies_to=applies_to, rules=tuple(rules), file=file, teaching=teaching, **header)
