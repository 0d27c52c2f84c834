"""Safe YAML (and JSON) reading that keeps the line of every key and item.

Only plain data is built (``yaml.safe_load`` semantics): mappings, sequences, strings,
numbers, booleans, nulls and dates. Tags that would construct objects, duplicate keys,
alias bombs, deep nesting and huge files are refused with a :class:`YamlError` that names
the file and line, so that no later error has to guess where a value came from.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .._excerpt import excerpt
from ..errors import FileReadError, YamlError

__all__ = ["MarkedDict", "MarkedList", "parse_text", "read_file", "line_of", "MAX_BYTES", "DATE_FORM"]

MAX_BYTES = 4 * 1024 * 1024
"""Largest file we read: far above any ruleset, patient or scenario file, far below harm."""

MAX_NODES = 200_000
"""Nodes built after aliases are expanded; a 'billion laughs' file stops here."""

MAX_DEPTH = 60

_SAFE_TAGS = frozenset({
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
})
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PyLoader(yaml.SafeLoader):
    """The pure-Python parser, used only to walk events when the C parser refused first."""


class _Loader(_Base):
    """Safe loading with YAML 1.2's plain scalars: no 1.1 surprises.

    YAML 1.1 reads ``yes``/``no``/``on``/``off`` as booleans, ``2:50`` as 170 (base 60),
    ``0x50`` as 80 and ``1_0`` as 10: silent coercions a clinical value must never go through.
    Here only ``true``/``false``, plain decimal numbers (``72.5``, ``1e2``), ``null``/``~`` and
    ISO dates get a type; everything else stays text, and the schema check says so.
    """

    yaml_implicit_resolvers: dict = {}


_PLAIN_SCALARS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        r"(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$",
        "0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^<<$", "<"),
)
_FORMS = MappingProxyType({tag: re.compile(pattern) for tag, pattern, _ in _PLAIN_SCALARS})
"""What each typed scalar may look like, tagged or not: the one reading of numbers, booleans and dates.

An explicit tag (``!!int 0x11``, ``!!bool yes``, ``!!float 4_0.5``) would otherwise bring back
PyYAML's YAML 1.1 constructors (hex, octal, base 60, underscores, yes/no/on/off); a tagged
scalar must be written as the untagged one would be, or it is refused.
"""

DATE_FORM = _FORMS["tag:yaml.org,2002:timestamp"]
"""How a date (or date and time) is written to be read as one: 2026-05-01, 2026-5-1, 2026-05-01T10:00:00."""

for _tag, _pattern, _first in _PLAIN_SCALARS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class MarkedDict(dict):
    """A dict that remembers the line of itself and of each of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


class MarkedList(list):
    """A list that remembers the line of itself and of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of ``container[key]`` (or of the container itself), when it is known."""
    if key is None:
        return getattr(container, "line", None)
    if isinstance(container, MarkedDict):
        return container.key_lines.get(key, container.line)
    if isinstance(container, MarkedList) and isinstance(key, int):
        if 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return getattr(container, "line", None)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Builder:
    """Turns a composed node tree into Marked containers, counting nodes as it goes."""

    def __init__(self, loader: Any, file: str | None) -> None:
        self.loader = loader
        self.file = file
        self.nodes = 0

    def fail(self, message: str, node: yaml.Node) -> YamlError:
        return YamlError(message, file=self.file, line=_line(node))

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"the document expands to more than {MAX_NODES:,} values "
                "(an alias bomb?); refusing to read it",
                node,
            )
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels is refused", node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(f"the tag '{node.tag}' is not allowed; only plain data is read", node)
            out = MarkedList(_line(node))
            for item in node.value:
                out.append(self.build(item, depth + 1))
                out.item_lines.append(_line(item))
            return out
        if node.tag not in _SAFE_TAGS:
            raise self.fail(
                f"the tag '{node.tag}' is not allowed; only plain data "
                "(text, numbers, true/false, dates, lists, mappings) is read",
                node,
            )
        form = _FORMS.get(node.tag)
        if form is not None and not form.fullmatch(node.value):
            kind = node.tag.rsplit(":", 1)[-1]
            raise self.fail(
                f"the value {excerpt(node.value)} is tagged !!{kind} but is not written as one: only plain "
                "decimal numbers (72.5, 17), true/false, null and YYYY-MM-DD dates are read as typed values "
                "(no hex, octal, base 60, underscores or yes/no/on/off)",
                node,
            )
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # e.g. an int of 5,000 digits
            reason = "too many digits" if "digits" in str(exc) else str(exc)[:120]
            raise self.fail(f"cannot read the value {excerpt(node.value)}: {reason}", node) from None

    def mapping(self, node: yaml.MappingNode, depth: int) -> MarkedDict:
        if node.tag != _MAP:
            raise self.fail(f"the tag '{node.tag}' is not allowed; only plain data is read", node)
        out = MarkedDict(_line(node))
        merged: list[MarkedDict] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self.merge_sources(value_node, depth))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("a mapping key must be plain text, not a list or mapping", key_node)
            key = self.build(key_node, depth + 1)
            if key in out:
                raise YamlError(
                    f"the key {excerpt(key)} appears twice in one mapping (first on line "
                    f"{out.key_lines[key]}); YAML would silently keep only the last",
                    file=self.file,
                    line=_line(key_node),
                    key=str(key),
                )
            out[key] = self.build(value_node, depth + 1)
            out.key_lines[key] = _line(key_node)
        for source in merged:
            for key, value in source.items():
                if key not in out:
                    out[key] = value
                    out.key_lines[key] = source.key_lines.get(key, source.line)
        return out

    def merge_sources(self, node: yaml.Node, depth: int) -> list[MarkedDict]:
        value = self.build(node, depth + 1)
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, MarkedDict) for item in items):
            raise self.fail("'<<' must merge a mapping or a list of mappings", node)
        return list(items)


_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _join_surrogates(match: re.Match) -> str:
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return match.group(1) + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def _looks_like_json(text: str, file: str | None) -> bool:
    if file and file.lower().endswith(".json"):
        return True
    return text.lstrip()[:1] in ("{", "[")


def _check_depth(text: str, file: str | None) -> None:
    """Refuse deep nesting before composing: PyYAML composes recursively and crashes past ~30,000 levels.

    The event stream is produced without recursion, so walking it first is safe. The fast C
    parser may refuse deep nesting itself (libyaml has its own limit, worded its own way) while
    looking ahead; when it stops with an error before our limit was seen, the pure-Python
    parser, which has no such limit, walks the text again so that the user always gets the
    project's message. Other syntax errors are left for the composing pass to report.
    """
    if _deepest_event(_Loader, text, file) is _SYNTAX_ERROR:
        _deepest_event(_PyLoader, text, file)


_SYNTAX_ERROR = object()


def _deepest_event(loader_class: type, text: str, file: str | None) -> object:
    """Walk the events, raising the project's error past MAX_DEPTH; _SYNTAX_ERROR if the parser stops first."""
    try:
        loader = loader_class(text)  # the pure-Python reader checks the characters here already
    except yaml.YAMLError:
        return _SYNTAX_ERROR
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(
                        f"nesting deeper than {MAX_DEPTH} levels is refused",
                        file=file,
                        line=event.start_mark.line + 1 if event.start_mark else None,
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return _SYNTAX_ERROR
    finally:
        loader.dispose()
    return None


def parse_text(text: str, file: str | None = None) -> Any:
    """Parse one YAML or JSON document into Marked containers and plain values."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(f"the input is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it", file=file)
    if "\x00" in text:
        raise YamlError("the input contains NUL bytes; it is not a text file", file=file)
    if _looks_like_json(text, file):
        # JSON forbids raw tabs inside strings, so outside strings they are only spacing,
        # which YAML's scanner refuses: turn them into spaces and parse JSON as YAML.
        text = text.replace("\t", " ")
        # JSON writes a character beyond U+FFFF as two escaped surrogates (\ud835\udfd7), which
        # YAML's scanner refuses one by one: join each pair into the character it stands for.
        text = _SURROGATE_PAIR.sub(_join_surrogates, text)
    _check_depth(text, file)
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # without the C parser, unacceptable characters are found here
        raise YamlError(f"not valid YAML: {excerpt(str(exc).splitlines()[0], 200)}", file=file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError("the file is empty; expected a mapping", file=file, line=1)
        return _Builder(loader, file).build(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        if "expected a single document" in str(exc) or "but found another document" in problem:
            problem = "expected a single document, found more than one ('---')"
        raise YamlError(f"not valid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", file=file) from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels is refused", file=file) from None
    finally:
        loader.dispose()


PIPE_SECONDS = 10.0
"""How long a named pipe may take to deliver a whole file before reading gives up."""


def _read_bounded(path: Path, name: str) -> bytes:
    """At most MAX_BYTES + 1 bytes of a file; a named pipe within PIPE_SECONDS; never a device.

    Opening without blocking and checking what was opened (not the name, which may change in
    between) keeps a FIFO with no writer or a device such as /dev/zero from hanging the reader.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if path.is_symlink():
            raise FileReadError(f"a link to {excerpt(os.readlink(path), 120)}, which does not exist", file=name) from None
        raise FileReadError("no such file", file=name) from None
    except IsADirectoryError:
        raise FileReadError("this is a folder, not a file", file=name) from None
    except OSError as exc:
        raise FileReadError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise FileReadError("this is a folder, not a file", file=name)
        if stat.S_ISREG(mode):
            if os.fstat(fd).st_size > MAX_BYTES:
                raise FileReadError(
                    f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it", file=name
                )
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb", closefd=False) as handle:
                return handle.read(MAX_BYTES + 1)
        if stat.S_ISFIFO(mode):
            return _read_pipe(fd, name)
        raise FileReadError(
            "this is a device or socket, not a file; give a file, or - to read standard input", file=name
        )
    except OSError as exc:
        raise FileReadError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    finally:
        os.close(fd)


def _read_pipe(fd: int, name: str) -> bytes:
    """Read a named pipe to its end, giving up after PIPE_SECONDS or past MAX_BYTES."""
    import select
    import time

    deadline = time.monotonic() + PIPE_SECONDS
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_BYTES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            said = f"only {total:,} bytes arrived" if total else "nothing arrived"
            raise FileReadError(
                f"this is a named pipe and {said} within {PIPE_SECONDS:g} s with no end of file; "
                "write the whole patient into it and close it, or give a regular file",
                file=name,
            )
        events = poller.poll(int(remaining * 1000) + 1)
        if not events:
            continue
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            continue
        if not data:
            if total or any(flag & select.POLLHUP for _, flag in events):
                break
            time.sleep(0.01)  # no writer has opened the pipe yet
            continue
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


def read_file(path: str | Path, *, display: str | None = None) -> Any:
    """Read and parse a YAML/JSON file; ``-`` reads standard input."""
    name = display or str(path)
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        name = display or "<stdin>"
    else:
        data = _read_bounded(Path(path), name)
    if len(data) > MAX_BYTES:
        raise FileReadError(f"the input is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileReadError(f"the file is not UTF-8 text (byte {exc.start})", file=name) from None
    if not text.strip():
        raise YamlError("the file is empty; expected a mapping", file=name, line=1)
    return parse_text(text, name)
