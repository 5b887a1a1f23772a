"""PyTorch features this library does not offer, named so that a program using them stops with
an error that says so and points at the nearest thing that works, instead of an AttributeError.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

_COMPLEX = ("complex numbers are not supported: autograd_core computes on real NumPy arrays. "
            "Keep the real and imaginary parts as two real Tensors (x_re, x_im) and write the "
            "complex arithmetic with them")
_SPARSE = ("sparse Tensors are not supported: autograd_core stores every Tensor densely. Use a "
           "dense Tensor (and ag.where or a boolean mask for the zeros), or index the non-zero "
           "entries with ag.gather / indexing")


class _Unsupported:
    """Stands where PyTorch has a name: any use of it raises one clear error."""

    def __init__(self, name: str, reason: str) -> None:
        self._name, self._reason = name, reason

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{self._name}: {self._reason}")

    __call__ = _refuse

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._refuse()

    def __repr__(self) -> str:
        return f"<{self._name}: not supported>"


complex32 = chalf = _Unsupported("complex32", _COMPLEX)
complex64 = cfloat = _Unsupported("complex64", _COMPLEX)
complex128 = cdouble = _Unsupported("complex128", _COMPLEX)
view_as_complex = _Unsupported("view_as_complex", _COMPLEX)
view_as_real = _Unsupported("view_as_real", _COMPLEX)
sparse_coo_tensor = _Unsupported("sparse_coo_tensor", _SPARSE)
sparse_csr_tensor = _Unsupported("sparse_csr_tensor", _SPARSE)
sparse = SimpleNamespace(mm=_Unsupported("sparse.mm", _SPARSE),
                         sum=_Unsupported("sparse.sum", _SPARSE))


def complex_error(where: str) -> TypeError:
    return TypeError(f"{where}: {_COMPLEX}")


def sparse_error(where: str) -> TypeError:
    return TypeError(f"{where}: {_SPARSE}")
