"""api.md: the pytree layout of Jacobians and Hessians."""
import numpy as np
import s2sgrad

def layer(params, x):
    h = np.tanh(params["w"] * x + params["b"])
    return {"h": h, "mean": np.mean(h)}

params = {"w": np.array([0.5, -1.0, 2.0]), "b": 0.1}
x = np.array([1.0, 2.0, 3.0])
J = s2sgrad.jacfwd(layer)(params, x)
# the output's keys outside, the argument's keys inside; each block has the shape of its
# output leaf followed by that of its input leaf
{out: {arg: np.shape(block) for arg, block in J[out].items()} for out in J}
J["mean"]["b"]
def energy(a, b):
    return np.sum(a ** 2) * b ** 2

# argnums=(0, 1): H[i][j] has the shape of argument i followed by that of argument j
H = s2sgrad.hessian(energy, argnums=(0, 1))(np.array([1.0, 2.0]), 3.0)
H[0][0]
H[0][1], H[1][0], H[1][1]
