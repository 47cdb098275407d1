"""The Jacobian with the cheaper mode (`jacobian`), the Hessian and Hessian-vector
products: forward over reverse.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..errors import S2SGradError
from ..frontend.parse import canonical
from . import derived, fastpaths, pickling
from .arguments import bind, check_argnums, check_sequences, reject_complex
from .derived import Derived
from .grads import grad, jacfwd, jacrev
from .flat import sweeps
from .sweeps import jvp


def jacobian(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
             mode: str = "auto", fused: bool = True) -> Callable[..., Any]:
    """The Jacobian; `mode="auto"` uses forward mode when there are fewer inputs than
    outputs and reverse mode otherwise (`"forward"` and `"reverse"` force one)."""
    if mode not in ("auto", "forward", "reverse"):
        raise S2SGradError(f"unknown mode {mode!r}", hint="use auto, forward or reverse")
    check_argnums(argnums, fun)
    fun = canonical(fun)
    if mode != "auto":
        return (jacfwd if mode == "forward" else jacrev)(fun, argnums, fused)
    if isinstance(fun, Derived):
        return derived.jacobian_of(fun, argnums)
    return pickling.named(fastpaths.AutoJacobian(fun, argnums, fused).function, "jacobian", fun,
                  argnums=argnums, fused=fused)


def hessian(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0
            ) -> Callable[..., Any]:
    """The Hessian by forward-over-reverse: `jacfwd(grad(fun))`, in JAX's layout. Of a
    derivative (a scalar `grad(f)`, or `grad(grad(f))`), two more forward steps."""
    fun = canonical(fun)
    inner = derived.as_derived(fun)
    if inner is not None:
        return pickling.named(derived.hessian_of(inner, argnums), "hessian", fun, argnums=argnums)
    return pickling.named(jacfwd(grad(fun, argnums), argnums), "hessian", fun, argnums=argnums)


def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian-vector product `H v`: one forward sweep over the gradient program. With
    one argument it returns `H v`; with several, a tuple with one entry per argument."""
    check_sequences("hvp", primals, tangents)
    fun = canonical(fun)
    if isinstance(fun, Derived):
        reject_complex(tangents, "tangent", "s2sgrad.hvp(f, (x,), (v.real,))")
        return derived.hvp_of(fun, primals, tangents)
    program = fastpaths.hvp_program(fun, primals, tangents)
    if program is not None:
        sweeps["forward"] += 1
        return program(*primals, *tangents)
    bind(fun, primals, "hvp")  # too many primals: an ArgumentError naming the function
    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums if len(nums) > 1 else 0)
    _, t = jvp(g, primals, tangents)
    return t


pickling.register("jacobian", jacobian)  # unpickling makes them again
pickling.register("hessian", hessian)
