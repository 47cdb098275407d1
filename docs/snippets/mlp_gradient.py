"""Print the gradient code of examples/mlp.py for the seeds' 784-256-256-256-10 network at
batch 64 (docs/generated-code.md shows it)."""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples"))

import mlp  # noqa: E402
import s2sgrad  # noqa: E402

rng = np.random.default_rng(0)
params = mlp.init_params([784, 256, 256, 256, 10], rng)
x, y = mlp.random_batch(784, 10, 64, rng)
dloss = s2sgrad.grad(mlp.loss)
dloss(params, x, y)  # source() shows the specialization of the last call
print(s2sgrad.source(dloss))
