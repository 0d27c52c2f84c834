"""The durable-rules engine: the only module of ivig-rules that imports durable-rules.

It drives durable-rules' C core (``durable_rules_engine``, shipped in the durable-rules
distribution) through a small host of its own, one per engine instance, instead of
``durable.lang`` and ``durable.engine.Host``. Each hazard found in durable-rules 2.0.28 is
neutralised here or before facts get here; tests/test_durable_hazards.py holds one
regression test per hazard:

* global registry and host (names clash, ``durable.lang`` silently replaces rulesets):
  every engine instance owns its rulesets by handle; nothing is registered globally.
* ``engine.Host`` starts two endless polling threads: no Host is created; no threads start.
* segfault on ``delete_state`` of a session in which no action ran: a sentinel rule matches
  every fact, and the state is deleted only after the sentinel has fired.
* exponent floats, inf/nan, 16 MB strings, 250+ properties: facts are validated and
  normalised first (patient.py) and only the properties rules test are sent.
* empty batches: facts are asserted one at a time; there is no batch call.
* silent coercion and missing fields: validation and defaults (patient.py) happen before.
* a fact that matches no rule raises: the sentinel rule matches every fact.
* duplicate facts raise ``MessageObservedException``: every fact carries a fresh counter.
* 32-bit session hashes that can join two patients: one session id per ruleset, one patient
  at a time under a lock, the patient's fact retracted after every patient (durable-rules
  stores a fact under a 32-bit hash and refuses a second one with that hash as 'observed', so
  a fact it accepted is the only one the retraction can find). Rules test one fact each, so
  nothing can join facts even within a session; :meth:`DurableEngine.held_facts` counts what
  is left (always 0 between patients).
* order-dependent negation (``none``): never used; the compiler pushes negation into the
  comparisons.
* exceptions swallowed in actions, actions abandoned after 10 s: no Python action runs inside
  durable-rules; this module reads which rules matched and completes each action itself.
* sessions never deleted (450 KB each, ``MemoryError`` at the 1025th): one session per
  ruleset, kept from patient to patient (each patient's fact retracted) and deleted with the
  engine; a session is deleted only once an action has run in it (the segfault above).
* creating and deleting that 450 KB session cost more than matching (about 14 us of 23 us
  per assert, idle machine: it clears about 450 KB of hash indexes), so the session is kept;
  before, every patient paid for it, and glibc served it by mmap with page faults and
  unmapping (about 70 us more) unless :func:`keep_sessions_on_heap` had been called.

The JSON around the C core cost as much as the core: each fact's text is now written from a
per-pathway template (keys fixed, each value by its type; non-finite numbers still refused),
and of each action message, which repeats the whole fact, only the rule name at its start is
read (checked against the compiled rule names, else the whole message is decoded as before).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _core

from ..logic.compiler import SENTINEL, SEQ_KEY, CompiledPathway, CompiledRule, durable_definition
from ..errors import EngineError, SchemaError
from .durable_limits import CODE_REASONS, LimitProblem, limit_problems
from .outcome_memo import OutcomeMemo

__all__ = ["DurableEngine", "keep_sessions_on_heap", "refusal", "problems", "check_runnable"]

_SID = "0"
_RESERVED = ("sid", "id", SEQ_KEY)  # properties the engine adds to every fact: no rule may test a fact of that name
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters
_HEAP_BLOCKS_UP_TO = 1024 * 1024
_TRIM_ABOVE = 2 * 1024 * 1024


def keep_sessions_on_heap() -> None:
    """Serve blocks up to 1 MB from the heap and keep up to 2 MB free before returning it (glibc only).

    durable-rules allocates ~450 KB per patient session; glibc serves that by mmap, so every
    patient pays for page faults and unmapping (GBS-only cohort: 194 -> 74 us median). This is
    a process-wide malloc setting, so ivig-rules applies it only in processes it owns (the
    audit workers, the benchmarks); a library user may call it in theirs. Idempotent; a no-op
    where the C library has no ``mallopt``.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_ABOVE)
    mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCKS_UP_TO)


def _code(exc: Exception) -> int | None:
    match = re.search(r"error code: (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _loads(rules: tuple[CompiledRule, ...]) -> int | None:
    """None when durable-rules loads these rules, else its error code (0 when it gives none)."""
    try:
        handle = _core.create_ruleset(f"probe_{id(rules):x}", json.dumps(durable_definition(rules), allow_nan=False))
    except _core.error as exc:
        return _code(exc) or 0
    _core.delete_ruleset(handle)
    return None


def refusal(compiled: CompiledPathway) -> LimitProblem | None:
    """Why durable-rules refuses to load this compiled pathway (trying it), blaming a rule where one alone fails."""
    code = _loads(compiled.rules)
    if code is None:
        return None
    reason = CODE_REASONS.get(code, "durable-rules gives no reason")
    for rule in compiled.rules:
        if _loads((rule,)) is not None:
            return LimitProblem(rule, f"durable-rules refuses to load this rule (error {code}): {reason}")
    return LimitProblem(None, f"durable-rules refuses to load the rules of this pathway together (error {code}): {reason}")


def problems(compiled: CompiledPathway) -> list[LimitProblem]:
    """Everything durable-rules cannot run in this pathway: what it refuses to load, and its limits per patient."""
    clash = sorted(set(compiled.keys) & set(_RESERVED))
    if clash:
        return [LimitProblem(None, f"the fact {clash[0]!r} is a name durable-rules keeps for itself "
                                   f"({', '.join(_RESERVED)}); rename the fact in the vocabulary")]
    listed = limit_problems(compiled)  # first: past some limits a trial load may seem to work
    if listed:
        return listed
    refused = refusal(compiled)
    return [refused] if refused else []


_RUNNABLE = "_durable_runnable"
"""Set in a compiled pathway's ``__dict__`` once it is found runnable (derived data of a frozen
value): audit workers forked after the main process checked it do not check it again."""


def check_runnable(compiled: CompiledPathway) -> None:
    """Raise a SchemaError naming the rule's file and line when durable-rules cannot run this pathway."""
    if compiled.__dict__.get(_RUNNABLE):
        return
    for problem in problems(compiled):
        rule = problem.rule.rule if problem.rule is not None else None
        raise SchemaError(
            f"durable-rules (the default engine) cannot run {'this rule' if rule else 'this pathway'}: {problem.message}",
            file=rule.file if rule else compiled.pathway.file,
            line=rule.line if rule else 1,
            key=f"rules: {rule.id}" if rule else None,
        )
    compiled.__dict__[_RUNNABLE] = True


@dataclass
class _Loaded:
    handle: int
    fingerprint: str
    keys: tuple[str, ...] = ()  # the properties the rules read, in the order the fact text writes them
    prefixes: tuple[str, ...] = ()  # '{"key":' then ',"key":' ...
    names: frozenset[str] = frozenset()  # every rule name a message may carry
    pairs: tuple[tuple[str, str], ...] = ()  # (prefix, key) for each property the rules read
    heads: dict = field(default_factory=dict)  # a message's first `width` characters -> its rule name
    width: int = 0
    write: Any = None  # the generated fact-text writer (see _text_writer), made on first use
    live: bool = True  # False once freed: a handle number may then be given to another ruleset
    settled: bool = False  # its session exists and an action has run in it: safe to delete_state


_MAX_REMEMBERED = 256  # compiled pathways remembered by identity per engine (a bound)
_STRINGS_MAX = 4096  # enum values remembered per engine (their JSON text)


def _json_value(value: Any, strings: dict[str, str]) -> str:
    """One fact value as JSON text: what ``json.dumps(value, allow_nan=False)`` writes, faster."""
    kind = type(value)
    if kind is str:
        text = strings.get(value)
        if text is None:
            text = json.dumps(value)
            if len(strings) < _STRINGS_MAX:
                strings[value] = text
        return text
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        return float.__repr__(value)
    return json.dumps(value, allow_nan=False)


def _heads(names: frozenset[str]) -> tuple[dict[str, tuple[str, str | None]], int]:
    """How a message's rule name is read from its first characters: '{"r003":' -> 'r003'.

    Each message starts with '{"<rule name>":'. The commonest length of that head is read off
    every message; a head of that length names its rule. A longer head (the sentinel's) is
    found by its first characters where no other head shares them, and then checked whole.
    Anything else is decoded as JSON."""
    heads = {f'{{"{name}":': name for name in names}
    lengths = [len(head) for head in heads]
    width = max(sorted(set(lengths)), key=lengths.count) if lengths else 0
    table: dict[str, tuple[str, str | None]] = {head: (name, None) for head, name in heads.items() if len(head) == width}
    longer = [(head, name) for head, name in heads.items() if len(head) > width]
    starts = [head[:width] for head, _ in longer]
    for head, name in longer:
        if starts.count(head[:width]) == 1 and head[:width] not in table:
            table[head[:width]] = (name, head)
    return table, width


def _rule_names(messages: list[str], heads: dict[str, tuple[str, str | None]], width: int) -> set[str]:
    """The rule names of action messages '{"r003": {...the fact...}}': each read from its start.

    A message that does not start with a compiled rule name is decoded whole, as before."""
    fired = set()
    for message in messages:
        found = heads.get(message[:width])
        if found is None or (found[1] is not None and not message.startswith(found[1])):
            fired.update(json.loads(message))  # an unexpected layout: decode it whole
        else:
            fired.add(found[0])
    return fired


def _text_writer(loaded: _Loaded, strings: dict[str, str]):
    """``write(facts, seq)``: the fact text of one pathway as one generated expression.

    Each value is the JSON text remembered for it (text values; a dict of str keys, so True never
    finds 1), else ``true``/``false`` for a bool, else :func:`_json_value`. Only the pathway's
    own property names and prefixes are written into the code, each through ``repr``."""
    lines = ["def write(facts, seq):"]
    parts = []
    for index, (prefix, key) in enumerate(loaded.pairs):
        lines.append(f"    v{index} = facts[{key!r}]")
        value = f"v{index}"
        parts += [repr(prefix), f"(S({value}) or (('true' if {value} else 'false') if {value}.__class__ is bool else J({value})))"]
    parts += [repr(f'{loaded.prefixes[-2]}"{_SID}"{loaded.prefixes[-1]}'), "str(seq)", repr(',"id":'), "str(seq)", repr("}")]
    lines.append(f"    return ''.join(({', '.join(parts)},))")
    namespace: dict[str, Any] = {"__builtins__": {"str": str, "bool": bool}, "S": strings.get,
                                 "J": lambda value: _json_value(value, strings)}
    exec(compile("\n".join(lines), "<ivig-rules fact text>", "exec"), namespace)  # noqa: S102 - repr'd names only
    return namespace["write"]


def _delete(loaded: _Loaded) -> None:
    """Free a ruleset, and first its session where that is safe (durable-rules' delete_ruleset leaves sessions)."""
    loaded.live = False
    if loaded.settled:
        try:
            _core.delete_state(loaded.handle, _SID)
        except _core.error:
            pass
    try:
        _core.delete_ruleset(loaded.handle)
    except _core.error:
        pass


class DurableEngine:
    """Matches compiled pathways with durable-rules; one instance, one private host."""

    name = "durable"

    def __init__(self, *, memo: bool = True) -> None:
        """``memo``: reuse the rules durable-rules fired for an earlier patient whose every
        comparison came out the same (:mod:`.outcome_memo`); False asks the core for every patient."""
        self.memo = OutcomeMemo() if memo else None
        self._rulesets: dict[tuple[str, str], _Loaded] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._closed = False
        self._strings: dict[str, str] = {}
        self._by_object: dict[int, tuple[CompiledPathway, _Loaded]] = {}

    # -- host -------------------------------------------------------------------------------
    def _load(self, compiled: CompiledPathway) -> _Loaded:
        seen = self._by_object.get(id(compiled))  # the same compiled object as before: no key to build
        if seen is not None and seen[0] is compiled and seen[1].live:
            return seen[1]
        key = (compiled.pathway.id, compiled.fingerprint)
        loaded = self._rulesets.get(key)
        if loaded is None:
            definition = durable_definition(compiled.rules)
            name = f"{compiled.pathway.id}_{compiled.fingerprint}_{id(self):x}"
            try:
                handle = _core.create_ruleset(name, json.dumps(definition, allow_nan=False))
            except _core.error as exc:
                raise EngineError(f"durable-rules refused the compiled pathway {compiled.pathway.id!r}: {exc}") from None
            keys = tuple(compiled.keys)
            prefixes = tuple(("{" if i == 0 else ",") + json.dumps(k) + ":" for i, k in enumerate((*keys, "sid", SEQ_KEY)))
            names = frozenset(definition)
            loaded = _Loaded(handle, compiled.fingerprint, keys, prefixes, names, tuple(zip(prefixes, keys)), *_heads(names))
            self._rulesets[key] = loaded
        if len(self._by_object) >= _MAX_REMEMBERED:
            self._by_object.clear()
        self._by_object[id(compiled)] = (compiled, loaded)  # holds compiled, so its id is never reused meanwhile
        return loaded

    def _discard(self, compiled: CompiledPathway) -> None:
        """Drop a ruleset whose session may be in an unknown state; the next patient gets a fresh one."""
        loaded = self._rulesets.pop((compiled.pathway.id, compiled.fingerprint), None)
        if loaded is not None:
            loaded.settled = False  # its session may be mid-action: free the ruleset only
            _delete(loaded)

    # -- matching ---------------------------------------------------------------------------
    def match(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        if self._closed:
            raise EngineError("this engine has been closed")
        if self.memo is not None:
            return self.memo.match(compiled, facts, self._match_in_core)
        return self._match_in_core(compiled, facts)

    def _match_in_core(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        """Ask durable-rules' C core (one fact asserted, its actions drained, the fact retracted)."""
        with self._lock:
            loaded = self._load(compiled)
            try:
                fired = self._run_session(loaded, facts)
            except BaseException as exc:
                # Whatever went wrong, the session may still hold this patient's facts; the next
                # patient must never join them, so the whole ruleset goes and a fresh one follows.
                self._discard(compiled)
                if isinstance(exc, EngineError):
                    raise
                if isinstance(exc, (ValueError, _core.error)):
                    raise EngineError(f"durable-rules failed on this patient's facts: {exc}") from None
                raise
        fired.discard(SENTINEL)
        return frozenset(fired)

    def _run_session(self, loaded: _Loaded, facts: dict[str, Any]) -> set[str]:
        """Assert one patient's fact, collect the rules that fired, retract the fact (the session stays)."""
        self._seq += 1
        code, state = _core.assert_fact(loaded.handle, self._fact_text(loaded, facts))
        if code == _OBSERVED:
            # The core keeps facts under a 32-bit hash of their id; an id whose hash is that of
            # the session's own state fact is refused, and nothing of the fact is kept: next id.
            self._seq += 1
            code, state = _core.assert_fact(loaded.handle, self._fact_text(loaded, facts))
        if code != _HANDLED:
            reason = "already observed" if code == _OBSERVED else "not handled by any rule"
            raise EngineError(f"durable-rules reported the patient's facts as {reason} (code {code})")
        fired = self._drain(loaded, state)
        if SENTINEL not in fired:
            # Deleting a session in which no action ran can crash the process: never do it.
            raise EngineError("durable-rules did not run the sentinel rule; the result is not trusted")
        loaded.settled = True
        _core.retract_fact(loaded.handle, f'{{"sid":"{_SID}","id":{self._seq}}}')
        return fired

    def _fact_text(self, loaded: _Loaded, facts: dict[str, Any]) -> str:
        """The fact as JSON: the rules' properties in a fixed order, then the session id, counter and fact id."""
        if len(facts) != len(loaded.keys):
            raise EngineError(f"the facts do not match the compiled pathway's properties: {sorted(set(facts) ^ set(loaded.keys))}")
        write = loaded.write
        if write is None:
            write = loaded.write = _text_writer(loaded, self._strings)
        try:
            return write(facts, self._seq)
        except KeyError as exc:
            raise EngineError(f"the facts do not match the compiled pathway's properties: {exc}") from None
        except TypeError:  # an unhashable value: written the general way (json.dumps), as before
            strings = self._strings
            parts = [prefix + _json_value(facts[key], strings) for prefix, key in loaded.pairs]
            seq = self._seq
            parts.append(f'{loaded.prefixes[-2]}"{_SID}"{loaded.prefixes[-1]}{seq},"id":{seq}}}')
            return "".join(parts)

    def _drain(self, loaded: _Loaded, state: int) -> set[str]:
        """Take every pending action, note its rule (read from the message's head), and complete
        it without running Python in it. A message with an unexpected head is decoded whole."""
        result = _core.start_action_for_state(loaded.handle, state)
        message = result[1] if result else None
        fired: set[str] = set()
        complete, handle, heads, width = _core.complete_and_start_action, loaded.handle, loaded.heads, loaded.width
        while message:
            found = heads.get(message[:width])
            if found is None or (found[1] is not None and not message.startswith(found[1])):
                fired.update(_rule_names([message], heads, width))
            else:
                fired.add(found[0])
            message = complete(handle, state)
        return fired

    def check(self, compiled: CompiledPathway) -> None:
        """Refuse, naming the rule, a pathway this engine cannot run (before any patient meets it)."""
        check_runnable(compiled)

    def held_facts(self) -> int:
        """How many patients' facts the sessions still hold (always 0 between calls); for tests and audits."""
        count = 0
        with self._lock:
            for loaded in self._rulesets.values():
                try:
                    held = json.loads(_core.get_facts(loaded.handle, _SID))
                except _core.error:  # no session yet
                    continue
                count += sum(1 for fact in held if SEQ_KEY in fact)
        return count

    def close(self) -> None:
        with self._lock:
            for loaded in self._rulesets.values():
                _delete(loaded)
            self._rulesets.clear()
            self._by_object.clear()
            if self.memo is not None:
                self.memo.clear()
            self._closed = True

    def __enter__(self) -> "DurableEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
