"""Checks of what the transforms are given: real floating-point arguments, tangents and
cotangents of their values' shapes and structures, and no more arguments than the function
takes. Each raises an `S2SGradError` at the user's line with a hint that runs.

The checks that run on every `jvp`, `vjp` and pullback call (`jacfwd`'s per-column fallback
and `jacrev` make one per column or row) start with a cheap test of the common case, floats
and float arrays of the right shapes, and do the full check only when it fails.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from .. import pipeline, pytree
from ..errors import ArgumentError, InputTypeError, ShapeError, caller_loc
from ..frontend.parse import call_signature


def user_function(fun: Callable[..., Any]) -> Callable[..., Any]:
    """The user's function behind a function s2sgrad made (`grad(f)` is `f`), or `fun`."""
    base = getattr(fun, "base", None) if type(fun).__name__ == "Derived" else None
    if base is not None:
        return base
    t = getattr(fun, "__s2sgrad__", None)
    return fun if t is None else t.fun


def bind(fun: Callable[..., Any], args: Sequence[Any], what: str) -> tuple:
    """The arguments with the function's defaults filled in; more arguments than it takes
    are an `ArgumentError` (`what` names the transform: "jvp", "the Jacobian")."""
    base = user_function(fun)
    sig = pipeline.signature(base)
    missing = len(sig.params) - len(args)
    if missing < 0:
        shown = f"{sig.name}{call_signature(base)}"
        raise ArgumentError(
            f"{what} of '{sig.name}' takes the arguments of {shown}, but {len(args)} were "
            "given", caller_loc(), f"pass the arguments you would pass to {shown}")
    if 0 < missing <= len(sig.defaults):
        args = (*args, *sig.defaults[len(sig.defaults) - missing:])
    return tuple(args)


def is_float(a: Any) -> bool:
    """A real floating-point leaf: a float, or an array or NumPy scalar of such."""
    if isinstance(a, bool):
        return False
    if isinstance(a, float):
        return True
    dtype = getattr(a, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind == "f"


def is_complex(a: Any) -> bool:
    """A complex leaf: a Python complex, or an array or NumPy scalar of a complex dtype."""
    dtype = getattr(a, "dtype", None)
    return isinstance(a, complex) or dtype is not None and np.dtype(dtype).kind == "c"


def _real(a: Any) -> bool:
    """Cheap: a float, or an array of any dtype but complex (False: look closer)."""
    cls = a.__class__
    return cls is float or cls is np.ndarray and a.dtype.kind != "c"


def check_real(fun: Callable[..., Any], args: Sequence[Any],
               leaves: Sequence[Any] | None = None) -> None:
    """Raise `InputTypeError` for a complex leaf in any argument (jvp and vjp differentiate
    every argument; s2sgrad has no convention for complex derivatives). `leaves`, the
    arguments' leaves when the caller has them, makes the common case cheap."""
    if leaves is not None and all(map(_real, leaves)):
        return
    for i, arg in enumerate(args):
        for a in pytree.flatten(arg)[0]:
            if is_complex(a):
                raise input_type_error(fun, i, a)


def check_floats(fun: Callable[..., Any], args: Sequence[Any], nums: Sequence[int]) -> None:
    """Raise `InputTypeError`, as `grad` does, if a leaf of an argument in `nums` (the ones
    to differentiate) is not floating-point."""
    for i in nums:
        for a in pytree.flatten(args[i])[0]:
            if not is_float(a):
                raise input_type_error(fun, i, a)


def input_type_error(fun: Callable[..., Any], i: int, a: Any, hint: str | None = None
                     ) -> InputTypeError:
    """The error `grad` raises for a leaf `a` of argument `i` that is not floating-point."""
    info = pipeline.signature(user_function(fun))
    shown = f"{type(a).__name__} {a!r}" if not hasattr(a, "dtype") else \
        f"an array of {a.dtype}"
    if is_complex(a):
        hint = hint or (f"s2sgrad has no convention for complex derivatives: write "
                        f"'{info.name}' on the real and imaginary parts as two float arguments"
                        f" f(x, y) and call grad(f, argnums=(0, 1))(z.real, z.imag)")
    elif hint is None:
        hint = f"pass {float(a)!r} instead of {a!r}" if isinstance(a, (int, bool)) \
            else "convert it with .astype(float)"
    return InputTypeError(f"argument '{info.params[i]}' of '{info.name}' is {shown}; s2sgrad "
                          "differentiates with respect to real floating-point values",
                          info.loc, hint)


def reject_complex(values: Sequence[Any], name: str, example: str) -> None:
    """A complex tangent or cotangent (`name`) is an `InputTypeError` at the caller's line:
    its imaginary part would be dropped, or make the derivative complex."""
    for k, v in enumerate(values):
        for a in pytree.flatten(v)[0]:
            if is_complex(a):
                raise InputTypeError(
                    f"{name} {k} is complex ({type(a).__name__}"
                    f"{' of ' + str(a.dtype) if hasattr(a, 'dtype') else ''}); s2sgrad has no "
                    "convention for complex derivatives", caller_loc(),
                    f"pass real {name}s, e.g. {example}, and the imaginary parts in a second "
                    "call: the derivative is linear in them")


def check_sequences(name: str, primals: Any, tangents: Any) -> None:
    """`primals` and `tangents` are sequences with one entry per argument."""
    for what, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise ArgumentError(
                f"{name} takes {what} as a tuple with one entry per argument, not "
                f"{type(value).__name__}", caller_loc(),
                f"wrap them in a tuple: s2sgrad.{name}(f, (x,), (v,)) for one argument x "
                "with tangent v")


def check_shapes(name: str, shapes: list[tuple], given: list[tuple], what: str) -> None:
    """Each tangent (cotangent) leaf has the shape of its primal (output) leaf, checked
    before the generated code would fail on it or broadcast it."""
    if len(given) != len(shapes):
        raise ShapeError(f"{len(given)} {name} values for {len(shapes)} values of {what}",
                         caller_loc(), f"pass one {name} per value, each of its shape")
    for k, (shape, got) in enumerate(zip(shapes, given)):
        if shape != got:
            raise ShapeError(f"{name} {k} has shape {got}, but {what} has shape {shape}",
                             caller_loc(), f"pass a {name} of shape {shape}, e.g. "
                             f"np.ones({shape})")


def _same(a: Any, t: Any) -> bool:
    """Cheap: primal (output) leaf `a` and tangent (cotangent) `t` are floats, or float
    arrays of one shape (False: look closer)."""
    cls = a.__class__
    if cls is float:
        return t.__class__ is float
    return cls is np.ndarray and t.__class__ is np.ndarray and a.shape == t.shape and \
        a.dtype.kind == "f" and t.dtype.kind == "f"


def check_tangents(fun: Callable[..., Any], primals: tuple, tangents: tuple) -> None:
    """An int or bool primal takes a zero tangent only (JAX's float0): it is a constant."""
    for i, (x, t) in enumerate(zip(primals, tangents)):
        for a, d in zip(pytree.flatten(x)[0], pytree.flatten(t)[0]):
            if not is_float(a) and np.any(np.asarray(d) != 0):
                raise input_type_error(fun, i, a, "pass a float to differentiate with "
                                       "respect to it, or a zero tangent to hold it constant")


def check_jvp_leaves(fun: Callable[..., Any], primals: tuple, tangents: tuple,
                     leaves: list[Any], tleaves: list[Any]) -> None:
    """The primals are real, and each tangent is real, has its primal's structure and shape,
    and is zero for an int or bool primal."""
    if len(tleaves) == len(leaves) and all(map(_same, leaves, tleaves)):
        return
    check_real(fun, primals)
    reject_complex(tangents, "tangent", "s2sgrad.jvp(f, (x,), (v.real,))")
    if len(tleaves) != len(leaves):
        raise ShapeError("each tangent must have the structure of its primal",
                         pipeline.signature(user_function(fun)).loc,
                         "pass tangents shaped like the arguments: s2sgrad.jvp(f, (x,), (v,)) "
                         "with v like x")
    if not all(map(is_float, leaves)):
        check_tangents(fun, primals, tangents)
    check_shapes("tangent", [np.shape(v) for v in leaves], [np.shape(t) for t in tleaves],
                 "its primal")


def _fits_shape(c: Any, shape: tuple) -> bool:
    """Cheap: cotangent `c` is a float for a scalar, or a float array of `shape`."""
    cls = c.__class__
    if cls is float:
        return shape == ()
    return cls is np.ndarray and c.shape == shape and c.dtype.kind == "f"


def check_cotangents(out: Any, shapes: list[tuple] | None, cotangent: tuple) -> None:
    """A pullback's cotangents: real, one per value of a tuple output (`shapes`, the shapes
    of the output's values; None for lists and dicts, which take one cotangent of their
    structure), each of its value's shape."""
    if shapes is not None and len(cotangent) == len(shapes) and \
            all(map(_fits_shape, cotangent, shapes)):
        return
    reject_complex(cotangent, "cotangent", f"pullback({example(out, True)})")
    if shapes is None or any(isinstance(c, (tuple, list, dict)) for c in cotangent):
        check_structure(out, cotangent)
    else:
        check_shapes("cotangent", shapes, [np.shape(c) for c in cotangent], "the output")


def fits(out: Any, cot: Any) -> bool:
    """Whether cotangent `cot` has the structure and shapes of output `out` (a dict's
    cotangent may leave keys out)."""
    if isinstance(out, (list, tuple)):
        return isinstance(cot, (list, tuple)) and len(cot) == len(out) and all(
            fits(o, c) for o, c in zip(out, cot))
    if isinstance(out, dict):
        return isinstance(cot, dict) and set(cot) <= set(out) and all(
            fits(out[k], c) for k, c in cot.items())
    return not isinstance(cot, (list, tuple, dict)) and np.shape(cot) == np.shape(out)


def check_structure(out: Any, cotangent: tuple) -> None:
    """A pullback takes one cotangent per value of a tuple output, and one cotangent of the
    output's structure for a list or dict."""
    if fits(out, cotangent) if isinstance(out, tuple) else (
            len(cotangent) == 1 and fits(out, cotangent[0])):
        return
    raise ShapeError(f"the cotangent does not have the structure of the output, a "
                     f"{type(out).__name__} {_describe(out)}", caller_loc(),
                     f"pass one cotangent shaped like the output: pullback"
                     f"({example(out, True)})")


def _describe(out: Any) -> str:
    if isinstance(out, (list, tuple)):
        return "[" + ", ".join(_describe(o) for o in out) + "]"
    if isinstance(out, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in out.items()) + "}"
    return f"shape {np.shape(out)}"


def example(out: Any, arguments: bool = False) -> str:
    """Code for a cotangent of `out`'s structure (with `arguments`, the pullback's
    arguments: one per value of a tuple output)."""
    if arguments and isinstance(out, tuple):
        return ", ".join(example(o) for o in out)
    if isinstance(out, (list, tuple)):
        inner = ", ".join(example(o) for o in out)
        return f"[{inner}]" if isinstance(out, list) else f"({inner}{',' * (len(out) == 1)})"
    if isinstance(out, dict):
        return "{" + ", ".join(f"{k!r}: {example(v)}" for k, v in out.items()) + "}"
    return f"np.ones({np.shape(out)})" if np.shape(out) else "1.0"


def check_positional(fun: Callable[..., Any], info: pipeline.Signature, i: int) -> None:
    """Differentiated arguments are positional: the compiled code takes them by position."""
    params = list(call_signature(fun).parameters.values())
    if i < len(params) and params[i].kind is inspect.Parameter.KEYWORD_ONLY:
        names = [p.name for p in params]
        calls = ", ".join(f"{p}={p}" if params[k].kind is inspect.Parameter.KEYWORD_ONLY
                          else p for k, p in enumerate(names))
        raise ArgumentError(
            f"argnums {i} names '{names[i]}', a keyword-only argument of '{info.name}'; "
            "s2sgrad differentiates with respect to positional arguments", info.loc,
            f"differentiate a lambda that passes it by keyword: s2sgrad.grad(lambda "
            f"{', '.join(names)}: {info.name}({calls}), argnums={i})")


def check_argnums(argnums: Any, fun: Callable[..., Any]) -> None:
    """`argnums` is an int or a tuple (or list) of ints: the positions of the arguments."""
    nums = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    if all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
        return
    try:
        names = list(call_signature(fun).parameters)
    except (TypeError, ValueError):
        names = []
    shown = {i: n for i, n in enumerate(names)}
    position = next((k for k, n in shown.items() if n == argnums), 0)
    example = f" (argnums={position} for '{shown[position]}')" if shown else ""
    raise ArgumentError(f"argnums must be an int or a tuple of ints, not {argnums!r}",
                        caller_loc(), f"pass the positions of the arguments to differentiate"
                        f"{example}")


def check_callable(fun: Any) -> None:
    if not callable(fun):
        raise ArgumentError(
            f"s2sgrad needs a function to differentiate, not {type(fun).__name__} "
            f"{fun!r}"[:200], caller_loc(),
            "pass the function itself and call the result: grad(f)(x), not grad(f(x))")
