"""The derivative-rule registry: one entry per primitive.

A VJP rule for argument i of `ans = prim(*args)` is a Python function
`rule(g, ans, *args, **kwargs)` that returns the adjoint contribution to that argument. A JVP
rule is `rule(tangents, ans, *args, **kwargs)`. Rules are plain Python: a transform lowers the
rule's source into the IR where it is applied, with the primitive's arguments bound, so
constant arguments fold away and the generated code reads like the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

RuleFn = Callable[..., Any]


@dataclass
class Rule:
    vjps: tuple[RuleFn | None, ...] = ()
    scalar_vjps: tuple[RuleFn | None, ...] | None = None
    jvp: RuleFn | None = None
    linear: bool = False
    nondiff: bool = False

    def vjp(self, argnum: int, scalar: bool) -> RuleFn | None:
        """The VJP rule for one argument, or None when no derivative flows there."""
        table = self.scalar_vjps if scalar and self.scalar_vjps is not None else self.vjps
        return table[argnum] if argnum < len(table) else None

    def differentiable(self, argnum: int) -> bool:
        if self.nondiff:
            return False
        tables = [self.vjps] + ([self.scalar_vjps] if self.scalar_vjps else [])
        return any(argnum < len(t) and t[argnum] is not None for t in tables)


_RULES: dict[Any, Rule] = {}


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


def defjvp(prim: Any, jvp: RuleFn) -> None:
    _entry(prim).jvp = jvp


def deflinear(prim: Any) -> None:
    """The primitive is linear in its first argument: its JVP is itself applied to the tangent."""
    _entry(prim).linear = True


def defnondiff(*prims: Any) -> None:
    """No derivative flows through these primitives (comparisons, shapes, integer ops)."""
    for prim in prims:
        rule = _entry(prim)
        rule.nondiff, rule.vjps = True, ()


def registered() -> dict[Any, Rule]:
    return dict(_RULES)
