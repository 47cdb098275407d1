"""Print which primitives have a VJP rule and which a JVP rule, grouped by namespace.

    python -m s2sgrad.rules.coverage
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .. import rules  # noqa: F401  (registers every rule)
from ..ir.printer import prim_name
from .registry import Rule, registered


def _namespace(prim: Any) -> str:
    name = prim_name(prim)
    if name.startswith("np.linalg."):
        return "numpy.linalg"
    if name.startswith("np."):
        return "numpy"
    if name.startswith("math."):
        return "math"
    if name.startswith("the method") or name.startswith("the attribute"):
        return "array methods and attributes"
    if (getattr(prim, "__module__", None) or "").startswith("s2sgrad.rules."):
        return "helpers that rules call"
    return "operators and builtins"


def _state(rule: Rule) -> tuple[bool, bool]:
    has_vjp = any(v is not None for v in rule.vjps) or bool(rule.scalar_vjps)
    return has_vjp, bool(rule.jvps) or rule.linear is not None or rule.multilinear or rule.elementwise


def report() -> str:
    groups: dict[str, list[tuple[str, Rule]]] = defaultdict(list)
    for prim, rule in registered().items():
        groups[_namespace(prim)].append((prim_name(prim), rule))
    lines, totals = [], [0, 0, 0]
    for space in sorted(groups):
        entries = sorted(groups[space])
        diff = [(n, r) for n, r in entries if not r.nondiff]
        vjp = sum(_state(r)[0] for _, r in diff)
        jvp = sum(_state(r)[1] for _, r in diff)
        nondiff = [n for n, r in entries if r.nondiff]
        totals = [totals[0] + vjp, totals[1] + jvp, totals[2] + len(nondiff)]
        lines.append(f"{space}: {len(diff)} differentiable ({vjp} with VJP, {jvp} with JVP), "
                     f"{len(nondiff)} non-differentiable")
        for n, r in diff:
            has_vjp, has_jvp = _state(r)
            lines.append(f"  {n:<40} VJP {'yes' if has_vjp else 'no ':<4} "
                         f"JVP {'yes' if has_jvp else 'no'}")
        if nondiff:
            lines.append("  non-differentiable: " + ", ".join(nondiff))
    lines.append(f"total: {totals[0]} VJP rules, {totals[1]} JVP rules, "
                 f"{totals[2]} non-differentiable primitives")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
