"""The public derivatives made as dispatchers (`grad`, `value_and_grad`, `jacfwd`,
`jacrev`), and what shows their code (`source`, `show`, `stage_text`).

`grad(f)` parses, fences and lowers `f` at once, so bad syntax is reported where the
decorator is applied. It returns a small generated dispatcher with `f`'s own signature
(`transformed.py`; its code is made in `dispatch.py`).
"""

from __future__ import annotations

from typing import Any, Callable

from .. import pipeline, pytree
from ..backend.compile import pretty
from ..errors import S2SGradError
from ..ir.printer import format_function
from . import argspec, pickling, sweeps
from .arguments import check_argnums
from .derived import Derived, derivative_of
from .display import Source, print_code
from .transformed import Transformed, transform


def grad(fun: Callable[..., Any] | None = None, argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar function with respect to the arguments `argnums`.

    Usable as `grad(f)`, `@grad` and `@grad(argnums=(0, 1))`. With a tuple `argnums` the
    result is a tuple of gradients. With `has_aux=True`, `f` returns `(output, aux)` and
    the gradient function returns `(gradient, aux)`.
    """
    if fun is None:
        return lambda f: grad(f, argnums, has_aux)
    if hasattr(fun, "__s2sgrad__") or type(fun).__name__ == "Derived":
        if not isinstance(argnums, int) or has_aux:
            raise S2SGradError("grad of a derivative takes one integer argnums, no has_aux",
                               hint="use jacfwd or hessian for more")
        return derivative_of(fun, argnums)
    return transform(fun, "grad", argnums, has_aux)


def value_and_grad(fun: Callable[..., Any] | None = None, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """Like `grad`, but returns `(value, gradient)`; with has_aux, `((value, aux), grad)`."""
    if fun is None:
        return lambda f: value_and_grad(f, argnums, has_aux)
    return transform(fun, "value_and_grad", argnums, has_aux)


def transformed_of(fn: Callable[..., Any]) -> Transformed:
    """The transformation behind a derivative s2sgrad made."""
    t = getattr(fn, "__s2sgrad__", None)
    if t is None:
        raise S2SGradError(f"{fn!r} was not made by s2sgrad",
                           hint="pass the result of s2sgrad.grad(f), e.g. source(grad(f))")
    return t


def source(fn: Callable[..., Any]) -> str:
    """The black-formatted source of the code s2sgrad generated for `fn` (e.g. grad(f)).

    It shows the specialization used by the last call, or the one for Python floats if `fn`
    has not been called yet.
    """
    return Source(pretty(fn.source() if isinstance(fn, Derived) else transformed_of(fn).source()))


def show(fun: Callable[..., Any], stage: str = "ssa", argnums: int | tuple[int, ...] = 0
         ) -> None:
    """Print one stage of the compilation of `fun` (a function, or grad(f) and friends).

    Stages: "ssa" (the primal in SSA form), "forward" (the forward-mode program, before
    optimization), "reverse" (the gradient program before optimization) and "optimized"
    (the gradient program after optimization); all but "ssa" print as Python.
    """
    print_code(stage_text(fun, stage, argnums))


def _named_kinds(t: Transformed, args: str | None) -> tuple[tuple | None, tuple]:
    """The specialization key for the kinds `args` names (floats where it names none)."""
    specs = argspec.differentiable(argspec.resolve(t.fun, args), t.opts.argnums, t.fun)
    parts = [argspec.leaf_kinds(s) for s in specs]
    treedefs = tuple(td for td, _ in parts)
    simple = all(td == pytree.LEAF for td in treedefs)
    return None if simple else treedefs, tuple(k for _, ks in parts for k in ks)


def stage_text(fun: Callable[..., Any], stage: str, argnums: int | tuple[int, ...] = 0,
               args: str | None = None) -> str:
    """One stage of the compilation of `grad(fun, argnums)`, for the arguments of the last
    call, else those `args` names (`argspec`), else floats."""
    if stage not in pipeline.STAGES:
        raise S2SGradError(f"unknown stage {stage!r}", hint=f"use one of {pipeline.STAGES}")
    t = getattr(fun, "__s2sgrad__", None)
    if t is None:
        t = transformed_of(grad(fun, argnums))
    treedefs, kinds = t.last or _named_kinds(t, args)
    if stage == "ssa":
        return format_function(pipeline.lower(t.fun, treedefs))
    opts = t.opts if treedefs is None else t.leaf_options(treedefs)
    if stage == "forward":  # the JVP program with respect to the same arguments
        opts = pipeline.Options("jvp", opts.argnums, True, False)
    elif pipeline.lower(t.fun, treedefs).returns_tuple and not opts.has_aux:
        opts = pipeline.Options("vjp", opts.argnums, True, False)  # several outputs: seeds
    program = pipeline.build(t.fun, (opts,), list(kinds), stop_after=stage,
                             treedefs=treedefs)
    return pretty(pipeline.compile_program(program, f"{stage}({t.info.name})")[1])


def jacfwd(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           fused: bool = True) -> Callable[..., Any]:
    """The Jacobian by forward mode. With float arguments and scalar outputs (and `fused`),
    one sweep per input element, compiled into one program (`transforms/jacobian.py`);
    otherwise, with `fused`, one sweep in vector mode (`vector_mode.py`) when every
    primitive has a vector-mode rule; else one `jvp` call per input element."""
    check_argnums(argnums, fun)
    if fused and not hasattr(fun, "__s2sgrad__") and not isinstance(fun, Derived):
        return transform(fun, "jacfwd", argnums, False)
    return pickling.named(sweeps.generic_jacfwd(fun, argnums, fused), "jacfwd", fun, argnums=argnums, fused=fused)


def jacrev(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           fused: bool = True) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one reverse sweep per output element. With float
    arguments and scalar outputs (and `fused`), one program runs the forward sweep once and
    all reverse sweeps; otherwise each reverse sweep is one pullback call."""
    check_argnums(argnums, fun)
    if fused and not hasattr(fun, "__s2sgrad__") and not isinstance(fun, Derived):
        return transform(fun, "jacrev", argnums, False)
    return pickling.named(sweeps.generic_jacrev(fun, argnums), "jacrev", fun, argnums=argnums, fused=fused)


for _mode, _maker in (("grad", grad), ("value_and_grad", value_and_grad), ("jacfwd", jacfwd),
                      ("jacrev", jacrev)):
    pickling.register(_mode, _maker)  # unpickling makes them again
