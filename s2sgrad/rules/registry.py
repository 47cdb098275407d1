"""The derivative-rule registry: one entry per primitive.

A VJP rule for argument i of `ans = prim(*args)` is a Python function
`rule(g, ans, *args, **kwargs)` that returns the adjoint contribution to that argument. A JVP
rule for argument i is `rule(t, ans, *args, **kwargs)`: the tangent of `ans` contributed by
the tangent `t` of argument i (contributions of several arguments add up). A rule may end
its parameters with `*rest`, the arguments beyond its named ones, as a tuple the compiler
sees (einsum's rules take any number of operands); arguments a rule does not name are not
passed to it.

Forward mode needs no rule written twice where one formula serves both modes:

- `linear`: the primitive is linear in some arguments taken together (by default the
  first), so its JVP is itself applied to their tangents (`np.sum(t, axis=0)`);
- `multilinear`: linear in each argument separately (`x * y`, `x @ y`): the JVP for
  argument i is the primitive with argument i replaced by its tangent;
- `elementwise`: the derivative is diagonal, so the VJP formula with `g` read as the tangent
  and `unbroadcast` as the identity is the JVP (`g * math.cos(x)`). Rules are plain Python: a transform lowers the
rule's source into the IR where it is applied, with the primitive's arguments bound, so
constant arguments fold away and the generated code reads like the rule.

Vector mode (tangents with a leading batch axis, `rules/batched_rules.py`) needs to know
which of these formulas stay right when every tangent carries that extra axis:

- `batch_safe`: the plain treatment above is right as it is, once each tangent of an
  elementwise primitive is given the result's rank after the batch axis (ufuncs, tuples);
- `batched_jvps`: per argument, `rule(t, ans, *args, **kwargs)` with `t` batched, giving the
  batched tangent of `ans` (products, reductions with an explicit JVP);
- `batched_linear`: for a linear primitive, `rule(ans, *args, **kwargs)` with its linear
  arguments replaced by their batched tangents (sums and reshapes move their axes by one).

A primitive with none of the three has no vector-mode rule, and vector mode falls back to
one sweep per column.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import is_library

RuleFn = Callable[..., Any]


@dataclass
class Rule:
    vjps: tuple[RuleFn | None, ...] = ()
    scalar_vjps: tuple[RuleFn | None, ...] | None = None
    jvps: tuple[RuleFn | None, ...] = ()
    linear: tuple[int, ...] | None = None  # jointly linear in these arguments (...: all)
    multilinear: bool = False
    elementwise: bool = False
    nondiff: bool = False
    batch_safe: bool = False
    batched_jvps: tuple[RuleFn | None, ...] = ()
    batched_linear: RuleFn | None = None

    def vjp(self, argnum: int, scalar: bool) -> RuleFn | None:
        """The VJP rule for one argument, or None when no derivative flows there."""
        table = self.scalar_vjps if scalar and self.scalar_vjps is not None else self.vjps
        return table[argnum] if argnum < len(table) else None

    def linear_args(self, n: int) -> list[int]:
        """The arguments, of `n`, the primitive is linear in: `linear` lists them, and a
        trailing `...` extends the list to every later argument (`(1, ...)`: all but the
        first; `(...,)`: all)."""
        assert self.linear is not None
        listed = [i for i in self.linear if i is not Ellipsis]
        if Ellipsis not in self.linear:
            return [i for i in listed if i < n]
        return sorted({*listed, *range(max(listed, default=-1) + 1, n)} - {n})

    def differentiable(self, argnum: int) -> bool:
        """Whether a derivative may flow through argument `argnum`: it has a formula, or
        no table says anything about it (no rule is not the same as no derivative). A None
        in a table, or an argument a linear primitive is not linear in, says no."""
        if self.nondiff:
            return False
        if self.multilinear or (self.linear is not None and argnum in self.linear_args(
                argnum + 1)):
            return True
        tables = [self.vjps, self.jvps] + ([self.scalar_vjps] if self.scalar_vjps else [])
        if any(argnum < len(t) and t[argnum] is not None for t in tables):
            return True
        return self.linear is None and all(argnum >= len(t) for t in tables)


_RULES: dict[Any, Rule] = {}


class _Generation:
    """The rules' generation: a new object whenever a VJP or JVP rule is (re)registered.
    Every compiled program records it (`generation()`) and the caches check it before
    reuse; the dispatchers' guards do not test it at each call: registering calls the
    listeners (`on_change`), which close them."""

    token: object = object()
    listeners: list[Callable[[], None]] = []


def generation() -> tuple[Any, str, object]:
    """The dependency every compiled program has on the rules: `(scope, name, value)`."""
    return (_Generation, "token", _Generation.token)


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener()` whenever a rule is registered again."""
    _Generation.listeners.append(listener)


def _bump() -> None:
    _Generation.token = object()
    for listener in list(_Generation.listeners):
        listener()


def _key(prim: Any) -> Any:
    try:
        hash(prim)
        return prim
    except TypeError:
        return id(prim)


def lookup(prim: Any) -> Rule | None:
    return _RULES.get(_key(prim))


def _entry(prim: Any) -> Rule:
    return _RULES.setdefault(_key(prim), Rule())


def defvjp(prim: Any, *vjps: RuleFn | None, scalar: tuple | None = None) -> None:
    """Register VJP rules for `prim`, one per positional argument (None: no derivative)."""
    rule = _entry(prim)
    rule.vjps, rule.nondiff = tuple(vjps), False
    if scalar is not None:
        rule.scalar_vjps = tuple(scalar)
    _drop_batched(rule)
    _bump()


def defjvp(prim: Any, *jvps: RuleFn | None) -> None:
    """Register JVP rules for `prim`, one per positional argument (None: no derivative)."""
    rule = _entry(prim)
    rule.jvps = tuple(jvps)
    _drop_batched(rule)
    _bump()


def _drop_batched(rule: Rule) -> None:
    """A new formula may not suit a batch axis: its vector-mode form must be given anew."""
    rule.batch_safe, rule.batched_jvps, rule.batched_linear = False, (), None


def defmultilinear(*prims: Any) -> None:
    """Each primitive is linear in each argument separately (products)."""
    for prim in prims:
        _entry(prim).multilinear = True


def defelementwise(*prims: Any) -> None:
    """Each primitive acts elementwise, so its VJP rules double as JVP rules."""
    for prim in prims:
        _entry(prim).elementwise = True


def deflinear(prim: Any, *argnums: int) -> None:
    """`prim` is linear in the arguments `argnums` taken together (default: the first), so its
    JVP is itself applied to their tangents; a trailing `...` means every later argument too
    (`deflinear(prim, ...)`: all of them, `deflinear(prim, 1, ...)`: all but the first)."""
    _entry(prim).linear = argnums or (0,)


def defnondiff(*prims: Any) -> None:
    """No derivative flows through these primitives (comparisons, shapes, integer ops)."""
    for prim in prims:
        rule = _entry(prim)
        rule.nondiff, rule.vjps = True, ()


def defbatched(prim: Any, *jvps: RuleFn | None) -> None:
    """Vector-mode JVP rules for `prim`, one per positional argument: `rule(t, ans, *args)`
    where `t` and the result carry a leading batch axis (None: no derivative there)."""
    _entry(prim).batched_jvps = tuple(jvps)


def defbatched_linear(prim: Any, rule: RuleFn) -> None:
    """The vector-mode form of a linear primitive: `rule(ans, *args, **kwargs)` with the
    linear arguments replaced by their batched tangents."""
    _entry(prim).batched_linear = rule


def defbatchsafe(*prims: Any) -> None:
    """These primitives' plain forward treatment is right under a leading batch axis."""
    for prim in prims:
        _entry(prim).batch_safe = True


def registered() -> dict[Any, Rule]:
    return dict(_RULES)


def user_rules() -> list[tuple[Any, list[Any]]]:
    """Rules registered from outside s2sgrad, as `(primitive, [rule functions and flags])`,
    in registration order: what a persistent cache of generated code must fingerprint."""
    out = []
    for prim, rule in _RULES.items():
        fns = [f for table in (rule.vjps, rule.scalar_vjps or (), rule.jvps) for f in table]
        outside = [f for f in fns if f is not None and
                   not getattr(f, "__module__", "").startswith("s2sgrad")]
        module = sys.modules.get(getattr(prim, "__module__", None) or "")
        user_prim = callable(prim) and hasattr(prim, "__code__") and \
            not prim.__module__.startswith("s2sgrad") and \
            not (module is not None and is_library(module))  # np.full is NumPy's, not yours
        if outside or user_prim:
            flags = (rule.linear, rule.multilinear, rule.elementwise, rule.nondiff)
            out.append((prim, [f for f in fns if f is not None] + [flags]))
    return out
