"""Errors that s2sgrad raises.

Every error a user can cause is an `S2SGradError`. Each one that concerns the user's code
carries a `Loc` and renders as::

    model.py:12:8: tanh has no derivative rule
        y = special.gammaln(x) * 2
            ^
    hint: register one with s2sgrad.defvjp(scipy.special.gammaln, ...)

`UnsupportedSyntaxError` is also a `SyntaxError`, and the type errors are also `TypeError`s,
so code that catches the builtin kinds keeps working.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import types
from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A place in the user's source: file, 1-based line, 0-based column."""

    filename: str
    lineno: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}:{self.col + 1}"

    def source_line(self) -> str:
        return linecache.getline(self.filename, self.lineno).rstrip("\n")


def _render(message: str, loc: Loc | None, hint: str | None) -> str:
    lines = [f"{loc}: {message}" if loc else message]
    if loc is not None:
        text = loc.source_line()
        if text.strip():
            stripped = text.lstrip()
            lines.append("    " + stripped)
            caret = max(0, loc.col - (len(text) - len(stripped)))
            lines.append("    " + " " * caret + "^")
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)


class S2SGradError(Exception):
    """Base class of every error s2sgrad raises about the user's code or arguments."""

    def __init__(self, message: str, loc: Loc | tuple | None = None, hint: str | None = None):
        if isinstance(loc, tuple):  # (filename, lineno, col), from a runtime helper
            loc = Loc(*loc)
        self.message, self.loc, self.hint = message, loc, hint
        super().__init__(_render(message, loc, hint))

    def __str__(self) -> str:
        return _render(self.message, self.loc, self.hint)


class UnsupportedSyntaxError(S2SGradError, SyntaxError):
    """A construct s2sgrad cannot differentiate yet (rejected by the fence)."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        S2SGradError.__init__(self, message, loc, hint)
        if loc is not None:
            self.filename, self.lineno, self.offset = loc.filename, loc.lineno, loc.col + 1
            self.text = loc.source_line()
        self.msg = message

    def __str__(self) -> str:
        return S2SGradError.__str__(self)


class SourceUnavailableError(S2SGradError):
    """The function has no Python source s2sgrad can read (REPL, exec, builtins)."""


class StaleSourceError(SourceUnavailableError):
    """The function's source file no longer holds the code that runs: it was edited after
    the module was imported."""


class MissingRuleError(S2SGradError):
    """A differentiable value flows into a callable that has no derivative rule."""


class NonScalarOutputError(S2SGradError, TypeError):
    """`grad` was asked for the gradient of a function whose output is not a scalar."""


class InputTypeError(S2SGradError, TypeError):
    """An argument to differentiate is not a real floating-point value."""


class NonDifferentiableError(S2SGradError):
    """A value is used in a way that has no derivative (and no rule can give one)."""


class AliasedArgumentsError(S2SGradError, ValueError):
    """Two arguments share memory and the function writes into one of them."""


class ArgumentError(S2SGradError, TypeError):
    """A function was called with arguments of the wrong kind: an s2sgrad function
    (`argnums` that is not an int, `primals` not a tuple), a function s2sgrad made (too
    many arguments), or a function in the user's code (`math.sin` of an array)."""


class ShapeError(ArgumentError, ValueError):
    """A value does not have the shape its use needs: a tangent or cotangent unlike the
    value it goes with, an array of several elements where one truth value is needed."""


def caller_loc() -> Loc | None:
    """The user's line that called into s2sgrad: the innermost frame outside the package,
    for errors that concern a call rather than a line of the differentiated function."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(package) and not filename.startswith("<s2sgrad"):
            return Loc(filename, frame.f_lineno)
        frame = frame.f_back
    return None


LIBRARY_DIRS = tuple({p for key in ("stdlib", "platstdlib", "purelib", "platlib")
                      if (p := sysconfig.get_paths().get(key))})


def is_library(module: types.ModuleType) -> bool:
    """A module of Python's or of an installed package (math, numpy), not one of the user's."""
    filename = getattr(module, "__file__", None)
    return filename is None or filename.startswith(LIBRARY_DIRS)
