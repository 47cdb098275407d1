"""Complex numbers: s2sgrad follows no convention for complex derivatives, so complex
arguments to differentiate are rejected in every entry point (InputTypeError), and so is a
complex value computed from differentiated arguments inside the function
(NonDifferentiableError, naming the line). Complex values that do not depend on the
differentiated arguments are constants and fine."""

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors

Z = np.array([1.0 + 2.0j, -0.5 + 0.25j])


def energy(z):
    return np.sum(np.abs(z) ** 2)


def energy_parts(x, y):  # energy of x + iy, written on the parts
    return np.sum(x * x + y * y)


ENTRY_POINTS = {
    "grad": lambda f, z: s2sgrad.grad(f)(z),
    "value_and_grad": lambda f, z: s2sgrad.value_and_grad(f)(z),
    "vjp": lambda f, z: s2sgrad.vjp(f, z),
    "jvp": lambda f, z: s2sgrad.jvp(f, (z,), (np.ones_like(z),)),
    "jacfwd": lambda f, z: s2sgrad.jacfwd(f)(z),
    "jacrev": lambda f, z: s2sgrad.jacrev(f)(z),
    "jacobian": lambda f, z: s2sgrad.jacobian(f)(z),
    "hessian": lambda f, z: s2sgrad.hessian(f)(z),
    "hvp": lambda f, z: s2sgrad.hvp(f, (z,), (np.ones_like(z),)),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("z", [Z, Z.reshape(2, 1), np.complex128(1 + 2j), 1 + 2j],
                         ids=["vector", "matrix", "numpy-scalar", "python-scalar"])
def test_a_complex_argument_is_rejected_everywhere(entry, z):
    with pytest.raises(errors.InputTypeError) as info:
        ENTRY_POINTS[entry](energy, z)
    assert "argument 'z' of 'energy'" in str(info.value)
    assert info.value.loc is not None and info.value.loc.filename == __file__


def test_a_complex_leaf_of_a_pytree_is_rejected():
    with pytest.raises(errors.InputTypeError):
        s2sgrad.grad(lambda p: energy(p[0]) + energy(p[1]))([Z.real.copy(), Z])


def test_float_arrays_after_a_complex_one_still_work():
    g = s2sgrad.grad(energy)
    with pytest.raises(errors.InputTypeError):
        g(Z)
    x = np.array([1.0, -3.0])
    np.testing.assert_allclose(g(x), 2 * x)


def test_the_hint_runs_and_gives_the_gradients_of_the_parts():
    with pytest.raises(errors.InputTypeError) as info:
        s2sgrad.grad(energy)(Z)
    hint = info.value.hint
    assert "grad(f, argnums=(0, 1))(z.real, z.imag)" in hint
    for z in (Z, Z.reshape(1, 2) * 3):
        f, z = energy_parts, z  # the names the hint uses
        gx, gy = eval("grad(f, argnums=(0, 1))(z.real, z.imag)", {"grad": s2sgrad.grad,
                                                                  "f": f, "z": z})
        nx, ny = s2sgrad.numerical_grad(f, z.real, z.imag, argnums=(0, 1))
        np.testing.assert_allclose(gx, nx, rtol=1e-6)
        np.testing.assert_allclose(gy, ny, rtol=1e-6)


def times_i(x):
    return np.sum(np.abs(x * 1j) ** 2)


def spectrum(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)


def rotated_in_loop(x):
    w = x
    for _ in range(2):
        w = w * (0.6 + 0.8j)
    return np.sum(np.abs(w))


MARKED = {times_i: "return np.sum(np.abs(x * 1j) ** 2)",
          spectrum: "return np.sum(np.abs(np.fft.fft(x)) ** 2)",
          rotated_in_loop: "w = w * (0.6 + 0.8j)"}


@pytest.mark.parametrize("fun", [times_i, spectrum, rotated_in_loop])
@pytest.mark.parametrize("entry", ["grad", "value_and_grad", "vjp", "jvp", "jacfwd",
                                   "hessian", "hvp"])
def test_a_complex_value_computed_from_the_arguments_is_rejected(fun, entry):
    x = np.array([1.0, 2.0, -0.5])
    with pytest.raises(errors.NonDifferentiableError) as info:
        ENTRY_POINTS[entry](fun, x)
    loc = info.value.loc
    assert loc.filename == __file__ and loc.source_line().strip() == MARKED[fun]


def test_a_complex_constant_that_does_not_depend_on_the_arguments_is_fine():
    c = np.array([1.0 + 1.0j, 2.0 - 1.0j, 0.5j])

    def weighted(x):
        weights = np.abs(np.fft.fft(c)) ** 2
        return np.sum(weights * x * x)

    for x in (np.array([0.3, -1.2, 2.0]), np.array([1.0, 1.0, 1.0])):
        np.testing.assert_allclose(s2sgrad.grad(weighted)(x),
                                   s2sgrad.numerical_grad(weighted, x), rtol=1e-6)


@pytest.mark.parametrize("z", [Z, 1 + 2j], ids=["array", "python-scalar"])
def test_central_differences_refuse_complex_arguments(z):
    with pytest.raises(TypeError, match="argument 0 is complex"):
        s2sgrad.numerical_grad(energy, z)
