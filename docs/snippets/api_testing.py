"""api.md: numerical_grad and check_grad."""
import numpy as np
import s2sgrad

def f(x, scale):
    return scale * np.sum(np.log1p(x ** 2))

x = np.array([0.5, -1.0, 2.0])
np.round(s2sgrad.numerical_grad(f, x, 3.0), 6)
np.round(s2sgrad.numerical_grad(f, x, 3.0, argnums=(0, 1))[1], 6)
# the largest absolute difference between grad and central differences
s2sgrad.check_grad(f, x, 3.0, argnums=(0, 1)) < 1e-7
