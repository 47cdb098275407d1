"""s2sgrad: source-to-source automatic differentiation for Python.

    import s2sgrad as sg
    df = sg.grad(f)            # compiled derivative code, no tape at run time
    print(sg.source(df))       # read it
"""

from . import rules as _rules  # noqa: F401  (registers the derivative rules)
from .api.grads import grad, jacfwd, jacrev, show, source, value_and_grad
from .api.jacobians import hessian, hvp, jacobian
from .api.sweeps import jvp, vjp
from .errors import (AliasedArgumentsError, ArgumentError, InputTypeError, MissingRuleError,
                     NonScalarOutputError, S2SGradError, ShapeError, SourceUnavailableError,
                     StaleSourceError, UnsupportedSyntaxError)
from .api.custom import custom_jvp, custom_vjp, stop_gradient
from .rules.registry import defjvp, defnondiff, defvjp
from .api.testing import check_grad, numerical_grad
from .version import __version__

__all__ = ["grad", "value_and_grad", "source", "show", "jvp", "vjp", "jacfwd", "jacrev",
           "jacobian", "hessian", "hvp", "check_grad", "numerical_grad",
           "defvjp", "defjvp", "defnondiff", "custom_vjp", "custom_jvp", "stop_gradient",
           "S2SGradError", "UnsupportedSyntaxError", "MissingRuleError",
           "NonScalarOutputError", "InputTypeError", "SourceUnavailableError",
           "StaleSourceError", "ArgumentError", "ShapeError", "AliasedArgumentsError"]
