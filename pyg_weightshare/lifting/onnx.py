"""ONNX export of a lifting network (the :obj:`onnx` extra)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from pathlib import Path

import torch


def export_onnx(model: torch.nn.Module, path: str | os.PathLike) -> Path:
    r"""Writes :obj:`model` as an ONNX graph with input :obj:`"keypoints"`
    :obj:`[B, J, C]` (the model's inputs, as
    :meth:`~pyg_weightshare.lifting.Lifter.inputs` computes them) and
    output :obj:`"poses"` :obj:`[B, J, 3]`, the batch size :math:`B`
    dynamic.

    Args:
        model (PoseGCN): The lifting network; it is exported in eval mode.
        path (str or os.PathLike): The :obj:`.onnx` file to write.

    Returns:
        pathlib.Path: :obj:`path`.
    """
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"ONNX export needs onnx and onnxscript ({error}): "
            "pip install 'pyg-weightshare[onnx]'"
        ) from None
    path = Path(path)
    model = model.eval()
    example = torch.zeros(2, model.num_joints, model.in_channels)
    batch = torch.export.Dim("batch")
    # The exporter reports each stage on stdout, and it and torch.export
    # warn about their own internals (and about torchvision's operators).
    loggers = [logging.getLogger(name) for name in ("onnx_ir", "torch.onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            torch.onnx.export(
                model,
                (example,),
                path,
                input_names=["keypoints"],
                output_names=["poses"],
                dynamic_shapes=({0: batch},),
                dynamo=True,
                external_data=False,  # one file: the weights are far below 2 GB
                verbose=False,
            )
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    return path


def onnx_max_difference(
    model: torch.nn.Module, path: str | os.PathLike, num_poses: int = 256
) -> float:
    """The largest absolute difference between :obj:`model` and its ONNX
    graph at :obj:`path` run by onnxruntime, on :obj:`num_poses` random
    normalised poses.

    Args:
        model (PoseGCN): The lifting network.
        path (str or os.PathLike): Its :obj:`.onnx` file.
        num_poses (int, optional): The batch size. (default: :obj:`256`)
    """
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f"Running ONNX graphs needs onnxruntime ({error}): "
            "pip install 'pyg-weightshare[onnx]'"
        ) from None
    generator = torch.Generator().manual_seed(0)
    shape = (num_poses, model.num_joints, model.in_channels)
    inputs = torch.rand(*shape, generator=generator) * 2 - 1
    session = onnxruntime.InferenceSession(
        str(path), providers=["CPUExecutionProvider"]
    )
    (outputs,) = session.run(None, {"keypoints": inputs.numpy()})
    with torch.no_grad():
        expected = model.eval()(inputs)
    return float((torch.from_numpy(outputs) - expected).abs().max())
