"""Tutorial, step 3: NumPy arrays and parameters in a dict."""
import numpy as np
import s2sgrad

def loss(params, x, y):
    pred = np.tanh(x @ params["w"] + params["b"])
    return np.mean((pred - y) ** 2)

rng = np.random.default_rng(0)
params = {"w": rng.normal(size=3), "b": 0.1}
x, y = rng.normal(size=(5, 3)), rng.normal(size=5)
grads = s2sgrad.grad(loss)(params, x, y)
{name: np.round(g, 6) for name, g in grads.items()}
print(s2sgrad.source(s2sgrad.grad(loss)))
