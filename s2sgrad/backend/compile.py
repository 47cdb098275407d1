"""Source text and function objects from codegen's AST.

astor turns the AST into text (this is the one place astor is used). The text is compiled
under a unique file name such as `<s2sgrad-3 grad(f)>` and registered in `linecache`, so
tracebacks and pdb show the generated lines. black formats text only for people to read.
"""

from __future__ import annotations

import ast
import itertools
import linecache
from typing import Any, Callable

import astor

_COUNTER = itertools.count(1)


def to_source(module: ast.Module, header: str = "") -> str:
    text = astor.to_source(module)
    return (header + "\n" if header else "") + text


def compile_source(text: str, name: str, namespace: dict[str, Any], label: str
                   ) -> Callable[..., Any]:
    """Compile `text`, register it in linecache, and return the function called `name`."""
    filename = f"<s2sgrad-{next(_COUNTER)} {label}>"
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    exec(compile(text, filename, "exec"), namespace)
    fn = namespace[name]
    fn.__s2sgrad_source__ = text
    return fn


def pretty(text: str) -> str:
    """black-formatted text (black is imported only here, when a person will read it)."""
    import black

    try:
        return black.format_str(text, mode=black.Mode(line_length=88))
    except Exception:  # black cannot format it: show the plain text rather than fail
        return text
