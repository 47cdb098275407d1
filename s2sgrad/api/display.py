"""Showing generated code to people: highlighted in a terminal, rendered in Jupyter.

Generated code is meant to be read, so it should look like code wherever it is read:

- `Source`, the `str` that `s2sgrad.source(fn)` returns, renders as highlighted Python in
  a Jupyter cell (`_repr_html_`, `_repr_markdown_`) and as the code itself, not a quoted
  string, in the IPython terminal (`_repr_pretty_`). Everywhere else it is a plain `str`.
- `attach(fn)` gives a function that s2sgrad made (the dispatcher `grad(f)` returns) the
  same two Jupyter methods as attributes, so evaluating `df` in a cell shows its generated
  code. IPython looks these methods up with `getattr` on the object, which finds a
  function's own attributes. Its `repr()` stays the usual `<function grad_f ...>`.
- `print_code(text)` prints with terminal colours when standard output is a terminal, and
  plain text when it is piped or redirected, or when `NO_COLOR` is set.

pygments is optional: without it, HTML is an escaped `<pre>` block and the terminal gets
plain text. It is imported only when code is shown.
"""

from __future__ import annotations

import html
import os
import sys
from typing import Any, Callable, TextIO


class Source(str):
    """Generated source text that Jupyter and IPython display as code."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return to_html(self)

    def _repr_markdown_(self) -> str:
        return to_markdown(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self).rstrip("\n"))


def to_html(text: str) -> str:
    """`text` as an HTML block: pygments-highlighted Python with inline styles (so it
    survives notebook viewers that drop style sheets), or an escaped `<pre>` block."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre><code>{html.escape(text)}</code></pre>"
    return highlight(text, _lexer(PythonLexer), HtmlFormatter(noclasses=True))


def to_markdown(text: str) -> str:
    """`text` as a fenced Python block, with a fence longer than any backtick run in it."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}python\n{text.rstrip()}\n{fence}\n"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def print_code(text: str, file: TextIO | None = None) -> None:
    """Print `text` to `file` (standard output by default), highlighted in a terminal."""
    file = sys.stdout if file is None else file
    print(highlight_for_terminal(text, file), file=file)


def highlight_for_terminal(text: str, file: TextIO) -> str:
    """`text` with ANSI colours when `file` is a terminal, pygments is installed and
    `NO_COLOR` is unset; otherwise `text` unchanged, so piped output stays plain."""
    if os.environ.get("NO_COLOR") or not _is_terminal(file):
        return text
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, _lexer(PythonLexer), TerminalFormatter())


def _lexer(lexer_class: Any) -> Any:
    """A lexer that keeps the text's leading and trailing newlines as they are."""
    return lexer_class(stripnl=False, ensurenl=False)


def _is_terminal(file: TextIO) -> bool:
    isatty = getattr(file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def attach(fn: Callable[..., Any], source: Callable[[], str]) -> None:
    """Let Jupyter display `fn` as the code `source()` returns. The code is made only when
    the object is displayed; if that fails (e.g. `fn` only compiles for arrays), the
    methods return None and Jupyter falls back to the usual text."""
    def text() -> str | None:
        try:
            return source()
        except Exception:  # a display hook must not raise: Jupyter then shows repr(fn)
            return None

    def as_html() -> str | None:
        code = text()
        return None if code is None else to_html(code)

    def as_markdown() -> str | None:
        code = text()
        return None if code is None else to_markdown(code)

    fn._repr_html_ = as_html  # type: ignore[attr-defined]
    fn._repr_markdown_ = as_markdown  # type: ignore[attr-defined]
