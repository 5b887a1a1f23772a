"""Jacobians, Hessians and Hessian-vector products with torch.func and torch.autograd.functional.

After the "Jacobians, Hessians, hvp, vmap, grad" tutorial: ``predict(weight, bias, x)`` is a
tanh layer; its Jacobian with respect to ``x`` by ``jacrev`` and ``jacfwd`` (and with respect
to the weight and bias at once with ``argnums=(0, 1)``), batched Jacobians with ``vmap``,
Hessians by ``hessian`` and by ``jacfwd(jacrev(...))``, a Hessian-vector product as
``jvp(grad(f), ...)``, and the older ``torch.autograd.functional.jacobian``/``hessian``/``hvp``.
"""

import numpy as np

RTOL, ATOL = 1e-10, 1e-13


def run(lib):
    torch, F, func, autograd = lib.torch, lib.F, lib.func, lib.autograd
    jacrev, jacfwd, hessian, vmap, jvp, vjp, grad = (
        func.jacrev, func.jacfwd, func.hessian, func.vmap, func.jvp, func.vjp, func.grad)

    def predict(weight, bias, x):
        return F.linear(x, weight, bias).tanh()

    D = 4
    rng = np.random.default_rng(9)
    weight = torch.from_numpy(rng.standard_normal((D, D)))
    bias = torch.from_numpy(rng.standard_normal(D))
    x = torch.from_numpy(rng.standard_normal(D))

    # the Jacobian row by row with vjp, as the tutorial starts
    _, vjp_fn = vjp(lambda x: predict(weight, bias, x), x)
    unit_vectors = torch.eye(D, dtype=torch.float64)
    (jac_rows,) = vmap(vjp_fn)(unit_vectors)

    jacobian = jacrev(predict, argnums=2)(weight, bias, x)
    jacobian_fwd = jacfwd(predict, argnums=2)(weight, bias, x)
    ft_jacobian_w, ft_jacobian_b = jacrev(predict, argnums=(0, 1))(weight, bias, x)

    batch_size = 5
    xb = torch.from_numpy(rng.standard_normal((batch_size, D)))
    compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
    batch_jacobian = compute_batch_jacobian(weight, bias, xb)

    def predict_with_output_summed(weight, bias, x):
        return predict(weight, bias, x).sum(0)

    batch_jacobian_sum = jacrev(predict_with_output_summed, argnums=2)(weight, bias, xb)
    batch_jacobian_sum = batch_jacobian_sum.movedim(1, 0)

    hess_api = hessian(predict, argnums=2)(weight, bias, x)
    hess_fwdrev = jacfwd(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
    hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)

    def f(x):
        return x.sin().sum()

    def hvp(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    v = torch.from_numpy(rng.standard_normal(D))
    hvp_func = hvp(f, (x,), (v,))

    # the torch.autograd.functional versions
    af = autograd.functional
    jac_af = af.jacobian(lambda x: predict(weight, bias, x), x)
    jac_af_all = af.jacobian(predict, (weight, bias, x))
    hess_af = af.hessian(f, x)
    _, hvp_af = af.hvp(f, x, v)
    _, vjp_af = af.vjp(lambda x: predict(weight, bias, x), x, v)
    _, jvp_af = af.jvp(lambda x: predict(weight, bias, x), x, v)

    return {
        "jac_rows": jac_rows.numpy(),
        "jacrev": jacobian.numpy(),
        "jacfwd": jacobian_fwd.numpy(),
        "jac_weight": ft_jacobian_w.numpy(),
        "jac_bias": ft_jacobian_b.numpy(),
        "batch_jacobian": batch_jacobian.numpy(),
        "batch_jacobian_sum": batch_jacobian_sum.numpy(),
        "hessian": hess_api.numpy(),
        "hessian_fwdrev": hess_fwdrev.numpy(),
        "hessian_revrev": hess_revrev.numpy(),
        "hvp": hvp_func.numpy(),
        "af_jacobian": jac_af.numpy(),
        "af_jacobian_all": [j.numpy() for j in jac_af_all],
        "af_hessian": hess_af.numpy(),
        "af_hvp": hvp_af.numpy(),
        "af_vjp": vjp_af.numpy(),
        "af_jvp": jvp_af.numpy(),
        "x": x.numpy(),
        "v": v.numpy(),
    }


def check(res):
    J = res["jacrev"]
    assert J.shape == (4, 4)
    for k in ("jac_rows", "jacfwd", "af_jacobian"):
        np.testing.assert_allclose(res[k], J, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["af_jacobian_all"][2], J, rtol=1e-12, atol=1e-14)
    assert res["jac_weight"].shape == (4, 4, 4) and res["jac_bias"].shape == (4, 4)
    np.testing.assert_allclose(res["jac_bias"], res["af_jacobian_all"][1], rtol=1e-12)
    np.testing.assert_allclose(res["jac_weight"], res["af_jacobian_all"][0], rtol=1e-12)
    assert res["batch_jacobian"].shape == (5, 4, 4)
    np.testing.assert_allclose(res["batch_jacobian_sum"], res["batch_jacobian"], rtol=1e-12,
                               atol=1e-14)
    assert res["hessian"].shape == (4, 4, 4)
    for k in ("hessian_fwdrev", "hessian_revrev"):
        np.testing.assert_allclose(res[k], res["hessian"], rtol=1e-12, atol=1e-14)
    # f(x) = sum(sin x): the Hessian is diag(-sin x)
    x, v = res["x"], res["v"]
    np.testing.assert_allclose(res["af_hessian"], np.diag(-np.sin(x)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["hvp"], -np.sin(x) * v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["af_hvp"], -np.sin(x) * v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["af_vjp"], v @ J, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["af_jvp"], J @ v, rtol=1e-12, atol=1e-14)
