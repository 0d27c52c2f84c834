"""A fact space partitioned by the rules' own comparisons, instead of enumerated point by point.

The fact space (:mod:`ivig_rules.logic.fact_space`) is the product of its axes, so it grows as the
product of every tested fact's values. Gap, overlap and dead-rule analysis only needs, for
every set of rules that hold together (a "hit set"), how many points have it and the first of
them in enumeration order. This module finds those by walking the axes in enumeration order:
at each axis it substitutes each value into every rule's remaining condition, and values that
leave every rule with the same remaining condition form one class whose sub-space is solved
once. Sub-spaces are memoised on (axis, remaining conditions), which makes the walk a
multi-valued decision diagram: its size follows the number of distinct conditions, not the
number of points (a 10^8-point pathway takes well under a second; benchmarks/analysis.py).

The answers are exactly those of enumeration: the same points, counts and first examples, and
the same greedy gap cubes (tests/test_space_partition.py checks both on every shipped pathway
and on generated ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

from .compiler import Predicate, engine_key, predicate_keys
from .predicates import ALWAYS, NEVER, OPS

__all__ = ["SpaceDiagram", "Cell", "satisfiable"]

_TRUE, _FALSE = 0, 1  # interned ids of the constant conditions
_NO_KEY = "\0"  # a key no predicate reads: assigning it only folds constants


@dataclass(frozen=True)
class Cell:
    """Every point of the space where exactly these rules hold (``mask``: bit i is rule i)."""

    mask: int
    count: int
    first: tuple[int, ...]  # the first such point in enumeration order, as value indices


class _Conditions:
    """Interned remaining conditions: an id per distinct predicate, with the keys it reads."""

    def __init__(self) -> None:
        self.ids: dict[Predicate, int] = {ALWAYS: _TRUE, NEVER: _FALSE}
        self.predicates: list[Predicate] = [ALWAYS, NEVER]
        self.keys: list[frozenset[str]] = [frozenset(), frozenset()]

    def intern(self, predicate: Predicate) -> int:
        found = self.ids.get(predicate)
        if found is None:
            found = len(self.predicates)
            self.ids[predicate] = found
            self.predicates.append(predicate)
            self.keys.append(frozenset(predicate_keys(predicate)))
        return found


def _assign(predicate: Predicate, key: str, value: Any) -> Predicate:
    """The predicate with ``key`` fixed to ``value``: simplified, constants as ALWAYS / NEVER."""
    kind = predicate[0]
    if kind == "cmp":
        if predicate[1] != key:
            return predicate
        return ALWAYS if OPS[predicate[2]](value, predicate[3]) else NEVER
    absorbing, neutral = (NEVER, ALWAYS) if kind == "all" else (ALWAYS, NEVER)
    parts = []
    for part in predicate[1]:
        reduced = _assign(part, key, value)
        if reduced == absorbing:
            return absorbing
        if reduced != neutral:
            parts.append(reduced)
    if not parts:
        return neutral
    if len(parts) == 1:
        return parts[0]
    return (kind, tuple(parts))


class SpaceDiagram:
    """The hit sets of ``predicates`` over the product space ``space`` (fact name -> values).

    ``space`` keys are vocabulary fact names in enumeration order (as :func:`fact_space.axes`
    gives them); predicates read engine keys, as compiled.
    """

    def __init__(self, predicates: Sequence[Predicate], space: Mapping[str, Sequence[Any]]) -> None:
        self.space = {name: tuple(values) for name, values in space.items()}
        self.names = list(self.space)
        self._keys = [engine_key(name) for name in self.names]
        self._values = list(self.space.values())
        self._conditions = _Conditions()
        self._root = tuple(self._conditions.intern(_assign(p, _NO_KEY, None)) for p in predicates)  # constants folded
        self._assigned: dict[tuple[int, int, int], int] = {}
        self._children: dict[tuple, list[tuple[int, int, tuple]] | None] = {}
        self._cells: dict[tuple, dict[int, list]] = {}
        self._size_from = [1] * (len(self._values) + 1)
        for depth in range(len(self._values) - 1, -1, -1):
            self._size_from[depth] = self._size_from[depth + 1] * len(self._values[depth])

    @property
    def size(self) -> int:
        """Points in the space."""
        return self._size_from[0]

    @property
    def nodes(self) -> int:
        """Sub-spaces solved so far (the diagram's nodes): what the cost follows."""
        return len(self._children)

    @property
    def conditions(self) -> int:
        """Distinct remaining conditions met so far, constants included."""
        return len(self._conditions.predicates)

    # -- the diagram --------------------------------------------------------------------------
    def _children_of(self, depth: int, state: tuple[int, ...]) -> list[tuple[int, int, tuple]] | None:
        """None when every condition is decided (a leaf); else (first value, count, child state) per class."""
        node = (depth, state)
        if node in self._children:
            return self._children[node]
        if depth == len(self._values) or all(c <= _FALSE for c in state):
            self._children[node] = None
            return None
        key, values = self._keys[depth], self._values[depth]
        keys = self._conditions.keys
        if not any(key in keys[c] for c in state):
            classes = [(0, len(values), state)]
        else:
            grouped: dict[tuple, list[int]] = {}
            for index in range(len(values)):
                child = tuple(self._assign(c, depth, index) for c in state)
                entry = grouped.get(child)
                if entry is None:
                    grouped[child] = [index, 1]
                else:
                    entry[1] += 1
            classes = [(first, count, child) for child, (first, count) in grouped.items()]
        self._children[node] = classes
        return classes

    def _assign(self, condition: int, depth: int, index: int) -> int:
        if self._keys[depth] not in self._conditions.keys[condition]:
            return condition
        memo = (condition, depth, index)
        found = self._assigned.get(memo)
        if found is None:
            reduced = _assign(self._conditions.predicates[condition], self._keys[depth], self._values[depth][index])
            found = self._assigned[memo] = self._conditions.intern(reduced)
        return found

    def _value_class(self, depth: int, state: tuple[int, ...], index: int) -> tuple:
        return tuple(self._assign(c, depth, index) for c in state)

    def _node_cells(self, depth: int, state: tuple[int, ...]) -> dict[int, list]:
        """mask -> [count, first point from this depth on] for one node, memoised."""
        node = (depth, state)
        found = self._cells.get(node)
        if found is not None:
            return found
        children = self._children_of(depth, state)
        if children is None:
            out = {self._leaf_mask(state): [self._size_from[depth], (0,) * (len(self._values) - depth)]}
        else:
            out = {}
            for first, count, child in children:
                for mask, (n, point) in self._node_cells(depth + 1, child).items():
                    entry = out.get(mask)
                    if entry is None:
                        out[mask] = [count * n, (first, *point)]
                    else:
                        entry[0] += count * n
        self._cells[node] = out
        return out

    # -- answers ------------------------------------------------------------------------------
    def cells(self) -> list[Cell]:
        """Every hit set with its number of points and its first point, in order of first point."""
        found = self._node_cells(0, self._root)
        cells = [Cell(mask, n, point) for mask, (n, point) in found.items()]
        return sorted(cells, key=lambda cell: cell.first)

    def values(self, point: Sequence[int]) -> dict[str, Any]:
        """A point as fact name -> value."""
        return {name: values[i] for name, values, i in zip(self.names, self._values, point)}

    def _leaf_mask(self, state: tuple[int, ...]) -> int:
        mask = 0
        for i, c in enumerate(state):
            if c == _TRUE:
                mask |= 1 << i
        return mask

    def _all(self, depth: int, state: tuple, cube: Sequence[frozenset[int]], wanted: Callable[[int], bool], memo: dict) -> bool:
        """Whether every point of ``cube`` (value indices per axis, from ``depth`` on) under this node is wanted."""
        node = (depth, state)
        if node in memo:
            return memo[node]
        children = self._children_of(depth, state)
        if children is None:
            result = wanted(self._leaf_mask(state))
        elif len(children) == 1:
            result = self._all(depth + 1, children[0][2], cube, wanted, memo)
        else:
            result = True
            seen: set[tuple] = set()
            for index in cube[depth]:
                child = self._value_class(depth, state, index)
                if child in seen:
                    continue
                seen.add(child)
                if not self._all(depth + 1, child, cube, wanted, memo):
                    result = False
                    break
        memo[node] = result
        return result

    def _any(self, depth: int, state: tuple, wanted: Callable[[int], bool]) -> bool:
        return any(wanted(mask) for mask in self._node_cells(depth, state))

    def _points(self, depth: int, state: tuple, prefix: tuple[int, ...], wanted, cubes: list) -> Iterator[tuple[int, ...]]:
        """Wanted points in enumeration order that no cube in ``cubes`` (which may grow) covers."""
        if not self._any(depth, state, wanted) or _covered(prefix, cubes, self._values):
            return
        if depth == len(self._values):
            yield prefix
            return
        children = self._children_of(depth, state)
        for index in range(len(self._values[depth])):
            child = state if children is None else (
                children[0][2] if len(children) == 1 else self._value_class(depth, state, index)
            )
            yield from self._points(depth + 1, child, (*prefix, index), wanted, cubes)

    def cubes(self, wanted: Callable[[int], bool]) -> list[list[tuple[int, ...]]]:
        """Cover the wanted points (by hit mask) with few, large cubes, greedily, in enumeration order.

        Exactly the cover the enumeration computes: for each uncovered point in order, grow a
        cube from it axis by axis, value by value, while the whole cube stays wanted. Each cube
        is, per axis, its value indices: the point's first, then the added ones in axis order.
        """
        cubes: list[list[tuple[int, ...]]] = []
        for point in self._points(0, self._root, (), wanted, cubes):
            cube = [[index] for index in point]
            for axis, values in enumerate(self._values):
                for index in range(len(values)):
                    if index in cube[axis]:
                        continue
                    trial = [frozenset(c) if j != axis else frozenset((index,)) for j, c in enumerate(cube)]
                    if self._all(0, self._root, trial, wanted, {}):
                        cube[axis].append(index)
            cubes.append([tuple(c) for c in cube])
        return cubes


def _covered(prefix: tuple[int, ...], cubes: list, values: list) -> bool:
    """Whether one cube holds every point that starts with ``prefix``."""
    depth = len(prefix)
    for cube in cubes:
        if all(i in cube[axis] for axis, i in enumerate(prefix)) and all(
            len(cube[axis]) == len(values[axis]) for axis in range(depth, len(values))
        ):
            return True
    return False


def satisfiable(predicate: Predicate, space: Mapping[str, Sequence[Any]]) -> bool:
    """Whether some point of ``space`` satisfies ``predicate``."""
    return any(cell.mask for cell in SpaceDiagram([predicate], space).cells())
