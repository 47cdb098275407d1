"""Print the fused Jacobian programs of the seed's f: R^3 -> R^2 (examples/seed.py:pair),
forward mode first (docs/generated-code.md shows them)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples"))

import s2sgrad  # noqa: E402
from seed import pair  # noqa: E402

for build in (s2sgrad.jacfwd, s2sgrad.jacrev):
    print(s2sgrad.source(build(pair, argnums=(0, 1, 2))))
