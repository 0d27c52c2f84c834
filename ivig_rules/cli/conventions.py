"""The conventions every ``ivig-rules`` command follows, built into the classes its commands are made of.

An app made with :func:`new_app` turns each command registered on it (``app.command(...)``,
``app.add_typer(new_app(...))``) into a :class:`Command` or :class:`Group`, so a command added
later follows the same rules without doing anything:

* help is plain text that fits the terminal (80 columns at most), in the style of click and
  sqlite-utils: prose paragraphs are rewrapped (no ragged breaks copied from a docstring), an
  ``Example:``/``Examples:`` paragraph is kept line by line under an ``Examples:`` heading;
* values are named for what to type (``PATIENT``, ``FILE``, ``DIR``, ``N``,
  ``[durable|reference]``), never by a Python type (no ``<bool>``, ``<list[Path]>``);
* usage errors (unknown option or command, missing or bad value) read like every other
  error, one paragraph on standard error starting ``ivig-rules:``, with a "did you mean" when
  something is close, and exit 2; errors of ivig-rules itself keep their own exit codes.

``tests/test_cli_conventions.py`` walks every registered command and checks the result.
"""

from __future__ import annotations

import inspect
import shutil
import sys
import textwrap
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Sequence, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup

try:  # Typer 0.26 and later carry their own copy of Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click import exceptions as click_errors

# Typer's own Abort, and Click's where Typer re-raises that one instead.
_ABORTS = tuple({typer.Abort, getattr(click_errors, "Abort", typer.Abort)})

from ..errors import did_you_mean
from .common import exit_code_for, reader_gone, warn

__all__ = ["new_app", "Command", "Group", "help_text", "summary", "MAX_WIDTH"]

_RAW_ARGS = "ivig_rules.raw_args"  # key in click's ctx.meta
MAX_WIDTH = 80  # help never uses more columns than this, whatever the terminal
_EXAMPLE_HEADINGS = ("Examples:", "Example:")
_NO_BREAK = "\u00a0"  # textwrap breaks only at ASCII whitespace


def new_app(help: str, **settings: Any) -> typer.Typer:
    """A Typer app (or sub-app for ``add_typer``) whose commands follow these conventions."""
    settings.setdefault("no_args_is_help", True)
    return _App(
        cls=Group,
        help=help,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
        **settings,
    )


class _App(typer.Typer):
    """Typer, with :class:`Command` as the class of every command registered on it."""

    def command(self, name: str | None = None, *, cls: type | None = None, aliases: Sequence[str] = (), **settings: Any):
        """Register a command; ``aliases`` are other names for the very same command (shown beside its name)."""
        cls = cls or Command
        if aliases:
            cls = type(cls.__name__, (cls,), {"aliases": tuple(aliases)})
        return super().command(name, cls=cls, **settings)


# -- help ------------------------------------------------------------------------------------


def _width(ctx: Any) -> int:
    """Columns for help: the terminal's (COLUMNS), at most 80, less one so no line touches the edge."""
    columns = getattr(ctx, "terminal_width", None) or shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(40, min(columns, MAX_WIDTH)) - 1


def _paragraphs(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for block in inspect.cleandoc(text or "").split("\n\n"):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if lines:
            out.append(lines)
    return out


def summary(command: Any) -> str:
    """The first paragraph of a command's help, on one line: what the command does."""
    paragraphs = _paragraphs(command.help or command.short_help or "")
    return " ".join(line.strip() for line in paragraphs[0]) if paragraphs else ""


def _wrap(text: str, width: int, indent: str, hanging: str | None = None) -> list[str]:
    lines = textwrap.wrap(
        " ".join(text.split()),
        width=width,
        initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]
    return [line.replace(_NO_BREAK, " ") for line in lines]


def help_text(text: str, width: int, indent: str = "  ") -> list[str]:
    """A docstring as help lines: prose rewrapped, '- ' items as a list, examples kept as written."""
    out: list[str] = []
    for lines in _paragraphs(text):
        if out:
            out.append("")
        first = lines[0].strip()
        heading = next((h for h in _EXAMPLE_HEADINGS if first.startswith(h)), None)
        if heading is not None:
            out.append(f"{indent}Examples:")
            rest = [first[len(heading):].strip()] + [line.strip() for line in lines[1:]]
            out.extend(f"{indent}  {line}" for line in rest if line)
        elif first == "\b":
            out.extend(f"{indent}{line}" for line in textwrap.dedent("\n".join(lines[1:])).splitlines())
        else:
            items: list[str] = []
            for line in lines:
                if line.lstrip().startswith("- ") or not items:
                    items.append(line.strip())
                else:
                    items[-1] += " " + line.strip()
            for item in items:
                if item.startswith("- "):
                    out.extend(_wrap(item, width, indent, indent + "  "))
                else:
                    out.extend(_wrap(item, width, indent))
    return out


def _definitions(rows: Sequence[tuple[str, str]], width: int, indent: str = "  ", column_max: int = 30) -> list[str]:
    """A definition list: terms on the left, their help wrapped in a column on the right."""
    if not rows:
        return []
    column = min(max(len(term) for term, _ in rows), column_max) + len(indent) + 2
    out: list[str] = []
    for term, text in rows:
        head = f"{indent}{term}"
        if not text:
            out.append(head)
            continue
        wrapped = _wrap(text, width, " " * column)
        if len(head) + 2 <= column:
            out.append(head + wrapped[0][len(head):])
            out.extend(wrapped[1:])
        else:
            out.append(head)
            out.extend(wrapped)
    return out


# -- parameters: what to type, and the help line of each ------------------------------------------


def _descriptor(param: Any) -> Any:
    return getattr(param, "type_descriptor", None)


def _choices(param: Any) -> list[str]:
    found = getattr(_descriptor(param), "choices", None)
    if found is None:
        found = getattr(getattr(param, "type", None), "choices", None)
    return [c.value if isinstance(c, Enum) else str(c) for c in found or ()]


_CLICK_TYPE_NAMES = MappingProxyType({"integer": int, "integer range": int, "float": float, "float range": float})


def _base_type(param: Any) -> Any:
    if _descriptor(param) is None:  # Typer before 0.26 converts with Click's own types
        return _CLICK_TYPE_NAMES.get(getattr(getattr(param, "type", None), "name", None))
    annotation = getattr(_descriptor(param), "annotation", None)
    while get_origin(annotation) is not None:  # Optional[X], list[X] -> X
        args = [a for a in get_args(annotation) if a is not type(None)]
        if not args:
            break
        annotation = args[0]
    return annotation


def _path_kind(param: Any) -> str | None:
    descriptor = _descriptor(param)
    if descriptor is not None and getattr(descriptor, "is_path", False):
        return str(getattr(descriptor, "path_type", "path"))
    kind = getattr(param, "type", None)
    if kind is not None and hasattr(kind, "file_okay") and hasattr(kind, "dir_okay"):
        return "file" if not kind.dir_okay else "dir" if not kind.file_okay else "path"
    return None


def metavar(param: Any) -> str:
    """What to type for a parameter: its metavar, its choices, FILE/DIR/PATH, N, or its name."""
    if param.metavar:
        return param.metavar
    if param.param_type_name == "argument":
        return param.name.upper()
    choices = _choices(param)
    if choices:
        return "[" + "|".join(choices) + "]"
    kind = _path_kind(param)
    if kind in ("file", "dir"):
        return kind.upper()
    base = _base_type(param)
    if base is int:
        return "N"
    if base is float:
        return "NUMBER"
    if base is Path or kind:
        return "PATH"
    return param.name.upper()


def _usage_piece(param: Any) -> str:
    name = metavar(param)
    many = param.nargs != 1
    if param.required:
        return name + ("..." if many else "")
    return f"[{name}]" + ("..." if many else "")


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def _option_names(param: Any) -> str:
    def joined(opts: Iterable[str]) -> str:
        return ", ".join(sorted(opts, key=lambda o: (o.startswith("--"), o)))

    names = joined(param.opts)
    if param.secondary_opts:
        names += " / " + joined(param.secondary_opts)
    if not _is_flag(param):
        names += " " + metavar(param)
    return names


def _default_text(param: Any) -> str | None:
    if not getattr(param, "show_default", False) or param.required:
        return None
    default = param.default
    if callable(default) or default is None or default == [] or default == ():
        return None
    if _is_flag(param):
        if not param.secondary_opts:
            return None
        return (param.opts if default else param.secondary_opts)[-1]
    return str(default.value if isinstance(default, Enum) else default)


def _range_text(param: Any) -> str | None:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:  # Typer before 0.26 keeps the range on Click's type
        kind = getattr(param, "type", None)
        low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"at least {low:g}"
    if high is not None:
        return f"at most {high:g}"
    return None


def _param_row(param: Any) -> tuple[str, str]:
    extras = []
    if param.param_type_name == "option":
        default = _default_text(param)
        if default is not None:
            extras.append(f"default: {default}")
        if param.required:
            extras.append("required")
    limits = _range_text(param)
    if limits:
        extras.append(limits)
    text = " ".join((param.help or "").split())
    if extras:  # kept on one line: no break inside "[default: x]"
        text += " " + f"[{'; '.join(extras)}]".replace(" ", _NO_BREAK)
    term = metavar(param) + ("..." if param.nargs != 1 else "") if param.param_type_name == "argument" else _option_names(param)
    return term, text.strip()


class _Conventions:
    """Help and usage for a command, shared by :class:`Command` and :class:`Group`."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        pieces += [_usage_piece(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]
        if isinstance(self, Group):
            pieces.append(self.subcommand_metavar)
        return pieces

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[_RAW_ARGS] = tuple(args)  # so that a usage error can quote what was typed
        try:
            return super().parse_args(ctx, args)
        except click_errors.UsageError as exc:
            exc.ctx = exc.ctx or ctx  # so that the message names the command whose option it was
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write("\n".join(self.help_lines(ctx)) + "\n")

    def help_lines(self, ctx: Any) -> list[str]:
        width = _width(ctx)
        usage = " ".join(self.collect_usage_pieces(ctx))
        lines = _wrap(f"{ctx.command_path} {usage}", width, "Usage: ", " " * (len("Usage: ") + len(ctx.command_path) + 1))
        body = help_text(self.help or "", width)
        if body:
            lines += [""] + body
        params = [p for p in self.get_params(ctx) if not getattr(p, "hidden", False)]
        for title, kind in (("Arguments", "argument"), ("Options", "option")):
            rows = [_param_row(p) for p in params if p.param_type_name == kind]
            if rows:
                lines += ["", f"{title}:"] + _definitions(rows, width)
        if isinstance(self, Group):
            rows = [(_listed_name(name, cmd), summary(cmd)) for name, cmd in self.commands.items() if not cmd.hidden]
            if rows:
                lines += ["", "Commands:"] + _definitions(rows, width)
        return lines


class Command(_Conventions, TyperCommand):
    """A command with the project's help conventions."""

    aliases: tuple[str, ...] = ()  # other names the group accepts for this command


def _listed_name(name: str, command: Any) -> str:
    aliases = getattr(command, "aliases", ())
    return f"{name} ({', '.join(aliases)})" if aliases else name


class Group(_Conventions, TyperGroup):
    """A group of commands with the project's help conventions and usage errors in the CLI's voice."""

    def get_command(self, ctx: Any, name: str):
        found = super().get_command(ctx, name)
        if found is None:
            found = next((cmd for cmd in self.commands.values() if name in getattr(cmd, "aliases", ())), None)
        return found

    def resolve_command(self, ctx: Any, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise NoSuchCommand(name, ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, *more: Any, **settings: Any):
        if not settings.pop("standalone_mode", True):
            return super().main(args, prog_name, *more, standalone_mode=False, **settings)
        try:
            code = super().main(args, prog_name, *more, standalone_mode=False, **settings)
            sys.stdout.flush()  # here, not at exit, so that a reader gone before the last line is seen
        except BrokenPipeError:
            code = reader_gone()
        except click_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help(), err=True)
            code = 2
        except click_errors.ClickException as exc:
            warn(usage_message(exc))
            code = 2 if isinstance(exc, click_errors.UsageError) else exc.exit_code
        except _ABORTS:
            warn("aborted")
            code = 1
        except (Exception, KeyboardInterrupt) as exc:
            code = exit_code_for(exc)
        sys.exit(code if isinstance(code, int) else 0)


# -- usage errors ----------------------------------------------------------------------------------


class NoSuchCommand(click_errors.UsageError):
    """A command name that the group does not have."""

    def __init__(self, name: str, ctx: Any) -> None:
        super().__init__(f"no command {name!r}", ctx=ctx)
        self.name = name


def usage_message(exc: Any) -> str:
    """A usage error as one paragraph: the problem, a "did you mean", and where to read more."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "ivig-rules"
    command = ctx.command if ctx is not None else None
    param = getattr(exc, "param", None)
    suggestion = None
    if isinstance(exc, click_errors.NoSuchOption):
        names = [o for p in (command.params if command else []) for o in (*p.opts, *p.secondary_opts)]
        problem = f"no option {exc.option_name}"
        suggestion = did_you_mean(exc.option_name, [n for n in names if n.startswith("--")] or names)
    elif isinstance(exc, click_errors.MissingParameter) and param is not None:
        what = metavar(param) if param.param_type_name == "argument" else _long_name(param)
        problem = f"missing {'the argument' if param.param_type_name == 'argument' else 'the option'} {what}"
        problem += f"; usage: {path} {' '.join(command.collect_usage_pieces(ctx))}" if command else ""
    elif isinstance(exc, click_errors.BadParameter) and param is not None:
        problem, suggestion = _bad_value(exc, param)
    elif isinstance(exc, NoSuchCommand):
        commands = command.list_commands(ctx)
        problem = f"no command {exc.name!r}; commands are: {', '.join(commands)}"
        aliases = [a for name in commands for a in getattr(command.get_command(ctx, name), "aliases", ())]
        suggestion = did_you_mean(exc.name, commands + aliases)
    else:
        problem = exc.format_message().strip().rstrip(".")
        problem = problem[:1].lower() + problem[1:]
    where = path.split(" ", 1)[1] + ": " if " " in path else ""
    text = f"{where}{problem}."
    if suggestion:
        text += f" Did you mean '{suggestion}'?"
    return text + f" See '{path} --help'."


def _long_name(param: Any) -> str:
    return max(param.opts, key=len)


def _given(exc: Any) -> Any:
    """The value the user typed: kept by pydantic in newer Typer, else found in the raw arguments."""
    cause = exc.__cause__
    try:
        return cause.errors()[0]["input"]
    except (AttributeError, IndexError, KeyError, TypeError):
        pass
    param, ctx = getattr(exc, "param", None), getattr(exc, "ctx", None)
    if param is None or ctx is None or param.param_type_name != "option":
        return None
    args = ctx.meta.get(_RAW_ARGS, ())
    for index, arg in enumerate(args):
        for opt in param.opts:
            if arg == opt and index + 1 < len(args):
                return args[index + 1]
            if opt.startswith("--") and arg.startswith(opt + "="):
                return arg[len(opt) + 1:]
    return None


def _bad_value(exc: Any, param: Any) -> tuple[str, str | None]:
    name = _long_name(param) if param.param_type_name == "option" else metavar(param)
    given = _given(exc)
    shown = f" {given!r}" if isinstance(given, str) else ""
    choices = getattr(exc, "choices", None) or _choices(param)  # a callback that checks a registry names them
    if choices:
        return f"invalid value{shown} for {name}; expected one of: {', '.join(choices)}", did_you_mean(given, choices)
    base = _base_type(param)
    if base in (int, float):
        limits = _range_text(param)
        wanted = "a whole number" if base is int else "a number"
        return f"invalid value{shown} for {name}; expected {wanted}{' (' + limits + ')' if limits else ''}", None
    message = exc.message.strip().rstrip(".")
    message = message.removeprefix("Value error, ")
    return f"invalid value{shown} for {name}: {message[:1].lower() + message[1:]}", None
