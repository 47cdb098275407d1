"""The generated functions' parameters, guards and gradient structure.

Compiled code takes the leaves of container arguments as parameters of their own (see
`pytree`). A transpiled function keeps the user's parameters instead: it checks each
argument against the kind it was generated for (`guard`), binds the leaves of containers to
the leaf names the code reads (`unpack`), and returns gradients in the structure of their
arguments (`regroup`, in the IR, so the code shows a dict or list literal).

A parameter nobody named (`argspec.unnamed`) is specialized for a float (an int if it
counts a loop); when a call passes
something else, the function hands it to its generic twin, compiled for values of any kind
and shape, which is right for floats, ints and arrays alike (`GENERIC`).
"""

from __future__ import annotations

import ast
from typing import Any

from ...api.argspec import Kind, unnamed
from ... import runtime
from ...ir.core import Assign, Atom, Const, Function, NameSupply, Var

GENERIC = "_{}_generic"  # the name of a function's generic twin

# the error of a wrong kind of argument; copied into a module that needs it
WRONG_KIND = '''
def _wrong_kind(function, name, value, kind):
    """The TypeError for an argument of another kind than the module was generated for."""
    shape = getattr(value, "shape", None)
    got = type(value).__name__ if shape is None else f"an array of shape {shape}"
    return TypeError(
        f"{function}(): argument {name!r} is {got}, but this module was generated for "
        f"{name}={kind}; pass that kind, or run s2sgrad transpile again with --args "
        "naming the kinds you pass"
    )
'''


def leaf_clauses(expr: str, leaf: Any) -> list[str]:
    """The tests that the value of `expr` is of the kind of `leaf` (a `Kind` or a default
    value). A value of any other type (a string default) is not tested."""
    kind = leaf if isinstance(leaf, Kind) else \
        Kind(type(leaf).__name__) if type(leaf) in (bool, int, float) else None
    if kind is None:
        return []
    if kind.type != "array":  # an int where a default is a float: numbers, as in Python
        numbers = "(int, float)" if kind.type == "float" and leaf is not kind else kind.type
        return [f"isinstance({expr}, {numbers})"]
    clauses = [f"isinstance({expr}, np.ndarray)"]
    if kind.shape is not None:
        clauses += [f"{expr}.shape == {kind.shape!r}", f"{expr}.dtype == np.{kind.dtype}"]
    return clauses


def param_clauses(expr: str, spec: Any) -> list[str]:
    """The tests of one argument: its containers' types, keys and lengths, then its leaves."""
    if type(spec) is dict:
        out = [f"type({expr}) is dict", f"tuple({expr}) == {tuple(spec)!r}"  # the order too
               if spec else f"not {expr}"]
        for key, child in spec.items():
            out += param_clauses(f"{expr}[{key!r}]", child)
        return out
    if type(spec) in (list, tuple):
        out = [f"type({expr}) is {type(spec).__name__}", f"len({expr}) == {len(spec)}"]
        for i, child in enumerate(spec):
            out += param_clauses(f"{expr}[{i}]", child)
        return out
    return leaf_clauses(expr, spec)


def leaf_exprs(expr: str, spec: Any) -> list[str]:
    """The expressions of an argument's leaves, in `pytree.flatten` order."""
    if type(spec) is dict:
        return [e for key, child in spec.items() for e in leaf_exprs(f"{expr}[{key!r}]", child)]
    if type(spec) in (list, tuple):
        return [e for i, child in enumerate(spec) for e in leaf_exprs(f"{expr}[{i}]", child)]
    return [] if is_function(spec) else [expr]


def guard(fname: str, names: list[str], specs: list[Any], twin: bool, has_twin: bool,
          kwonly: list[str], defaults: dict[str, str]) -> str:
    """The statements that check the arguments. A named kind that does not match raises
    `_wrong_kind`; an unnamed float that is not a float goes to the generic twin (which
    refuses only containers), or raises when the function has none. A function the code
    is specialized for (a default such as `act=np.tanh`) must be that function."""
    lines = []
    for name, spec in zip(names, specs):
        guessed = spec.type if isinstance(spec, Kind) else "float"
        numbers = "(int, float)" if guessed == "float" else guessed  # ints are floats here
        clauses = [f"isinstance({name}, {numbers})"] if not has_twin and not twin else []
        kind = guessed
        if twin and unnamed(spec):
            lines.append(f"if isinstance({name}, (dict, list, tuple)):\n"
                         f"    raise _wrong_kind({fname!r}, {name!r}, {name}, "
                         f"'{guessed} or array')\n")
        elif is_function(spec):
            clauses, kind = [f"{name} is {defaults[name]}"], defaults[name]
        elif not unnamed(spec):
            clauses, kind = ([] if twin else param_clauses(name, spec)), spec_text(spec)
        if clauses:
            lines.append(f"if not ({' and '.join(clauses)}):\n"
                         f"    raise _wrong_kind({fname!r}, {name!r}, {name}, {kind!r})\n")
    guessed = [(n, s.type) for n, s in zip(names, specs) if unnamed(s)]
    if guessed and has_twin and not twin:
        test = " and ".join(f"isinstance({n}, {t})" for n, t in guessed)
        args = ", ".join(n if n not in kwonly else f"{n}={n}" for n in names)
        lines.append(f"if not ({test}):\n    return {GENERIC.format(fname)}({args})\n")
    return "".join(lines)


def spec_text(spec: Any) -> str:
    """A spec in the `--args` grammar."""
    if isinstance(spec, Kind):
        return spec.text()
    if type(spec) is dict:
        if all(isinstance(k, str) and k.isidentifier() for k in spec):
            return f"dict({', '.join(f'{k}={spec_text(v)}' for k, v in spec.items())})"
        return "{" + ", ".join(f"{k!r}: {spec_text(v)}" for k, v in spec.items()) + "}"
    if type(spec) in (list, tuple):
        items = ", ".join(spec_text(v) for v in spec)
        return f"[{items}]" if type(spec) is list else f"({items}{',' * (len(spec) == 1)})"
    return type(spec).__name__ if isinstance(spec, (bool, int, float)) else repr(spec)


def unpack(names: list[str], specs: list[Any], leaf_names: list[str]) -> str:
    """`params_W1 = params['W1']`, ... for the leaves of container arguments; the leaf
    names are the compiled code's parameters, in order. When a leaf's name is one of the
    user's parameters (a leaf `p_a` of `p` beside a parameter `p_a`), all are bound in one
    assignment, so every right-hand side reads the arguments as they were passed."""
    pairs, k = [], 0
    for name, spec in zip(names, specs):
        exprs = leaf_exprs(name, spec)
        pairs += [(leaf, expr) for expr, leaf in zip(exprs, leaf_names[k:k + len(exprs)])
                  if expr != leaf]
        k += len(exprs)
    if any(leaf in names for leaf, _ in pairs):
        return f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}\n"
    return "".join(f"{leaf} = {expr}\n" for leaf, expr in pairs)


def is_function(spec: Any) -> bool:
    """A function passed (or defaulted) as an argument: the code is specialized for it. The
    same test as `pytree.flatten`'s for a static leaf (a NumPy scalar type has a shape)."""
    return callable(spec) and not hasattr(spec, "shape") and not isinstance(spec, Kind)


def statements(text: str) -> list[ast.stmt]:
    return ast.parse(text).body if text else []


def regroup(program: Function, mode: str, specs: list[Any], nums: tuple[int, ...],
            is_tuple: bool, names: list[str]) -> Function:
    """Return the gradient of each container argument in its structure: the program, compiled
    for the leaves, returns a flat tuple of leaf gradients (see `pipeline._package`)."""
    at = 1 if mode == "value_and_grad" else 0
    flat = _flat_grads(program, at)
    supply = NameSupply.for_function(program)
    it = iter(flat)
    grads = [_build(program, supply, specs[i], it, f"b{names[i]}") for i in nums]
    result = grads[0] if not is_tuple else _emit(program, supply, runtime.make_tuple, grads,
                                                  "grads")
    program.results = [*program.results[:at], result]
    return program


def _flat_grads(program: Function, at: int) -> list[Atom]:
    """The leaf gradients: the results, or the items of the tuple returned at `at`."""
    if at == 0 and len(program.results) > 1:
        return list(program.results)
    packed = program.results[at]
    for i, s in enumerate(program.body):
        if isinstance(s, Assign) and s.outs == [packed] and s.prim is runtime.make_tuple:
            del program.body[i]
            return list(s.args)
    return [packed]


def _build(program: Function, supply: NameSupply, spec: Any, leaves: Any, hint: str
           ) -> Atom:
    if type(spec) is dict:
        items = [_build(program, supply, v, leaves, f"{hint}_{k}" if str(k).isidentifier()
                        else f"{hint}_{i}") for i, (k, v) in enumerate(spec.items())]
        return _emit(program, supply, runtime.make_dict, [Const(tuple(spec)), *items], hint)
    if type(spec) in (list, tuple):
        items = [_build(program, supply, v, leaves, f"{hint}_{i}") for i, v in enumerate(spec)]
        prim = runtime.make_list if type(spec) is list else runtime.make_tuple
        return _emit(program, supply, prim, items, hint)
    return next(leaves)


def _emit(program: Function, supply: NameSupply, prim: Any, args: list[Atom], hint: str
          ) -> Var:
    out = supply.var(hint)
    program.body.append(Assign([out], prim, args))
    return out
