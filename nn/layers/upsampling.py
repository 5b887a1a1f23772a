"""Resampling modules: Upsample (F.interpolate as a layer), its two fixed-mode spellings, and
the sub-pixel rearrangements PixelShuffle and PixelUnshuffle."""

from __future__ import annotations

from typing import Any

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ._util import errors_named


class Upsample(Module):
    """Resizes (N, C, *spatial) to `size` or by `scale_factor` in any F.interpolate mode;
    scale factors are stored as floats, as PyTorch stores them."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named(type(self).__name__):
            return F.interpolate(input, self.size, self.scale_factor, self.mode,
                                 self.align_corners,
                                 recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(mode='nearest') over (N, C, H, W)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(mode='bilinear', align_corners=True) over (N, C, H, W), the corner-aligned
    variant old PyTorch code expects."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r): the upsampling of sub-pixel convolution."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named(type(self).__name__):
            return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W): space to depth, PixelShuffle's inverse."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named(type(self).__name__):
            return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
