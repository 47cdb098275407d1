"""Tutorial, step 6: second derivatives."""
import math
import numpy as np
import s2sgrad

def g(x):
    return x * math.sin(x)

# grad of grad: a forward sweep over the gradient program (forward-over-reverse)
d2g = s2sgrad.grad(s2sgrad.grad(g))
d2g(0.5)
print(s2sgrad.source(d2g))
def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

x = np.array([0.5, 1.0, 1.5])
s2sgrad.hessian(rosenbrock)(x)
# H v without forming H: one forward sweep over the gradient
s2sgrad.hvp(rosenbrock, (x,), (np.array([1.0, 0.0, 0.0]),))
