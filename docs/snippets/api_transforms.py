"""api.md: jvp, vjp, jacfwd, jacrev, jacobian, hessian, hvp."""
import numpy as np
import s2sgrad

def f(x):
    return np.sin(x) * x[0]

x = np.array([0.5, 1.0, 2.0])
s2sgrad.jvp(f, (x,), (np.array([1.0, 0.0, 0.0]),))
out, pullback = s2sgrad.vjp(f, x)
pullback(np.array([1.0, 0.0, 0.0]))
np.round(s2sgrad.jacfwd(f)(x), 6)
np.allclose(s2sgrad.jacrev(f)(x), s2sgrad.jacobian(f, mode="forward")(x))
def energy(x):
    return np.sum(x ** 4) + x[0] * x[1]

s2sgrad.hessian(energy)(x)
s2sgrad.hvp(energy, (x,), (np.ones(3),))
