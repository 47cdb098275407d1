"""What the optimizer-pass tests share: the compiled gradient of a function with respect to
its first argument, specialized for the argument values given."""

from __future__ import annotations

from typing import Any, Callable

from s2sgrad import pipeline
from s2sgrad.analysis.kinds import kind_of_value


def compiled_gradient(fn: Callable[..., Any], args: tuple) -> tuple[Callable[..., Any], str]:
    """`(gradient function, its source)`, compiled through the whole pipeline."""
    opts = pipeline.Options("grad", (0,), False, False)
    program = pipeline.gradient_program(fn, opts, [kind_of_value(a) for a in args])
    return pipeline.compile_program(program, "test")
