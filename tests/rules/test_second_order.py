"""Rules are written with primitives that have rules, so derivatives of derivatives work:
forward-over-reverse (the JVP of the gradient program, a Hessian-vector product) for every
NumPy case, against central differences of the gradient."""

from __future__ import annotations

import pytest

from .checks import check_hessian_vector_product
from .numpy_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hessian_vector_product(case):
    check_hessian_vector_product(case, 0)
