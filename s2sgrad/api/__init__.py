"""The API layer: what users call, on top of `pipeline`. Its modules import one way, in
this order (each from those before it):

    argspec, arguments, display, custom, pickling   checks, kinds, showing, custom rules
    flat             arguments as leaves, compiled leaf programs, the sweep count
    vector_mode      all columns of a Jacobian in one forward sweep
    derived          derivatives of derivatives
    sweeps           jvp, vjp, Jacobians by one sweep per column or row
    dispatch         the dispatcher's guarded code
    transformed      one transformation of one function and its dispatcher
    grads            grad, value_and_grad, jacfwd, jacrev, source, show
    fastpaths        jacobian(mode="auto") and hvp without per-call overhead
    jacobians        jacobian, hessian, hvp
    testing          central differences
"""
