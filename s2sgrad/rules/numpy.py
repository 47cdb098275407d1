"""Rules for NumPy, one module per family; importing this module registers them all.

Each rule is written in NumPy itself, with functions that have rules of their own, so the
adjoint code reads like the rule once it is inlined and can be differentiated again.

- `numpy_elementwise`: ufuncs of one and two arguments, `where`, `clip`;
- `numpy_reductions`: sum, mean, prod, max, min, var, std, cumsum, cumprod;
- `numpy_products`: matmul, dot, inner, outer, tensordot, kron, einsum, trace, diag, ...;
- `numpy_shapes`: shape operations, joining and splitting, sort and take, and the
  non-differentiable functions;
- `numpy_methods`: array methods and attributes, which reuse the rules above.
"""

from . import numpy_elementwise, numpy_reductions, numpy_products, numpy_shapes  # noqa: F401
from . import numpy_methods  # noqa: F401  (last: methods reuse the functions' rules)
