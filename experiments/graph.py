"""The computation graph of one training step, colored by the size of each tensor's gradient."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import autograd_core as ag
from autograd_core.viz import GraphvizNotFoundError, draw_graph, save_svg
from nn import functional as F
from nn.module import Module


def save_step_graph(model: Module, x: np.ndarray, y: np.ndarray,
                    path: str | os.PathLike) -> str:
    """Run one forward and backward pass of `model` on the batch (x, y) and draw its graph with
    gradient colors, ops grouped in a box per module. Every module's inputs and outputs keep
    their gradients (retain_grad, through forward hooks), so that activations are colored as
    well as weights. The weights are not updated, and the gradients are cleared afterwards.

    Without Graphviz's `dot` the graph is written as DOT text next to `path` (``.dot``) and that
    path is returned instead.
    """
    model.zero_grad()
    hooks = [m.register_forward_hook(_keep_output_grad) for m in model.modules()]
    hooks += [m.register_forward_pre_hook(_keep_input_grads) for m in model.modules()]
    try:
        logits = model(ag.tensor(x, name="x"))
    finally:
        for hook in hooks:
            hook.remove()
    loss = F.cross_entropy(logits, ag.tensor(y, name="target"))
    loss.retain_grad()
    loss.backward(retain_graph=True)
    options = {"color_by": "grad", "show_grads": True, "params": model}
    try:
        written = save_svg(loss, path, **options)
    except GraphvizNotFoundError:
        dot_path = Path(path).with_suffix(".dot")
        dot_path.write_text(draw_graph(loss, **options).source, encoding="utf-8")
        written = os.fspath(dot_path)
    finally:
        model.zero_grad()
    return written


def _keep(value: object) -> None:
    if isinstance(value, ag.Tensor) and value.requires_grad:
        value.retain_grad()


def _keep_output_grad(module: Module, args: tuple, output: object) -> None:
    _keep(output)


def _keep_input_grads(module: Module, args: tuple) -> None:
    for value in args:
        _keep(value)
