"""A two-layer network whose parameters are a dict, written out as a standalone module.

    s2sgrad transpile examples/mlp_params.py:loss --args \
        "params=dict(W1=array(3,4), b1=array(4), W2=array(4), b2=float), x=array(5,3), y=array(5)"
"""

import numpy as np


def loss(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


ARGS = ("params=dict(W1=array(3,4), b1=array(4), W2=array(4), b2=float), x=array(5,3), "
        "y=array(5)")

if __name__ == "__main__":
    import s2sgrad
    from s2sgrad.tools.transpile import transpile

    namespace: dict = {}
    exec(transpile(loss, args=ARGS), namespace)  # the module's text, run here
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=4), "b2": 0.3}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=5)
    got = namespace["grad_loss"](params, x, y)
    want = s2sgrad.grad(loss)(params, x, y)
    worst = max(float(np.max(np.abs(got[k] - want[k]))) for k in want)
    print("the transpiled grad_loss and s2sgrad.grad differ by at most", worst)
    assert worst <= 1e-12
