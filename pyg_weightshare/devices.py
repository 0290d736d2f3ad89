"""The devices a command may run on."""

from __future__ import annotations

import torch


def check_device(name: str | torch.device) -> torch.device:
    """The device called :obj:`name`, refused with a clear error when this
    PyTorch cannot use it.

    Args:
        name (str or torch.device): :obj:`"cpu"`, :obj:`"cuda"` or
            :obj:`"cuda:N"`.

    Raises:
        ValueError: This PyTorch cannot use the device; the message says why.

    Example:
        >>> check_device("cpu")
        device(type='cpu')
    """
    name = str(name)
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device {name!r} is not a device: cpu, cuda or cuda:N"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r}: this PyTorch sees no CUDA device "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda})"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {name!r}: there are {torch.cuda.device_count()} CUDA devices"
            )
    elif device.type != "cpu":
        raise ValueError(f"device {name!r} is not supported: cpu, cuda or cuda:N")
    return device
