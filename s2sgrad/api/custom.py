"""User-facing ways to shape differentiation: stop_gradient, custom_vjp, custom_jvp.

- `stop_gradient(x)` is `x`, with no derivative flowing through it.
- `@custom_vjp` marks a function whose derivative you give yourself; it is then never
  inlined. Register the rules with `f.defvjp(rule_for_arg0, rule_for_arg1, ...)`, each
  `rule(g, ans, *args) -> contribution`, exactly like `s2sgrad.defvjp`. Rules are Python:
  they are compiled into the generated code and can be differentiated again.
- `@custom_jvp` is the same for forward-mode rules, `f.defjvp(...)`.
- `defnondiff(f)` declares a function that no derivative flows through.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from ..rules.registry import defjvp, defvjp
from ..runtime import stop_gradient

__all__ = ["custom_jvp", "custom_vjp", "stop_gradient"]

F = TypeVar("F", bound=Callable[..., Any])


def custom_vjp(fn: F) -> F:
    """Mark `fn` as having its own VJP rules; register them with `fn.defvjp(...)`."""
    fn.__s2sgrad_custom__ = True  # type: ignore[attr-defined]
    fn.defvjp = lambda *rules, **kw: defvjp(fn, *rules, **kw)  # type: ignore[attr-defined]
    return fn


def custom_jvp(fn: F) -> F:
    """Mark `fn` as having its own JVP rule; register it with `fn.defjvp(...)`."""
    fn.__s2sgrad_custom__ = True  # type: ignore[attr-defined]
    fn.defjvp = lambda *rules: defjvp(fn, *rules)  # type: ignore[attr-defined]
    return fn
