"""The training step of the lifting network: eager, compiled, or the whole
step (forward, backward, clipping and the Adam update) captured in one CUDA
graph.

At batch 256 the network is about ten small layers on 16 joints, so on a GPU
an eager step is bound by kernel launches and Python, not by arithmetic.
:class:`TrainingStep` removes that overhead in stages
(:obj:`~pyg_weightshare.training.config.COMPILE_MODES`):

* :obj:`"none"`: eager PyTorch.
* :obj:`"default"` and :obj:`"max-autotune-no-cudagraphs"`:
  :func:`torch.compile` of the network (forward and backward fused by
  Inductor); the optimizer step stays eager (:obj:`foreach` Adam).
* :obj:`"reduce-overhead"`: :func:`torch.compile` with Inductor's own CUDA
  graphs around the forward and the backward pass; the optimizer step stays
  eager, outside the graphs.
* :obj:`"cudagraphs"`: the eager network, with the whole step captured in
  one CUDA graph and replayed: one launch per step.
* :obj:`"default+cudagraphs"`: the same capture around the network compiled
  in the :obj:`"default"` mode.

No mode reads a value back to the host inside a step (with :obj:`amp`
:obj:`"none"` or :obj:`"bf16"`; fp16's gradient scaler must read its
overflow flag), so the host queues steps ahead of the GPU.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
from torch import Tensor

from pyg_weightshare.training.config import AMP_MODES, COMPILE_MODES

GRAPH_MODES = ("cudagraphs", "default+cudagraphs")

# Steps run before a capture, on a side stream, so that lazy initialisation
# (cuBLAS handles, Adam's state, compiled kernels) happens outside the graph.
WARMUP_STEPS = 3


def autocast(amp: str, device: torch.device, cache_enabled: bool = True):
    """The autocast context of :obj:`amp` (:obj:`"none"`, :obj:`"bf16"` or
    :obj:`"fp16"`) on :obj:`device`."""
    if amp == "none":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype, cache_enabled=cache_enabled)


def set_capturable(optimizer: torch.optim.Optimizer, capturable: bool) -> None:
    """Switches an Adam-like optimizer between a host-side step counter and
    one on the parameters' device (:obj:`capturable`, needed inside a CUDA
    graph). Loading a checkpoint restores the flag it was saved with, so the
    step calls this after loading."""
    for group in optimizer.param_groups:
        if "capturable" not in group:  # an optimizer without the option
            continue
        group["capturable"] = capturable
        for param in group["params"]:
            state = optimizer.state.get(param)
            if state and torch.is_tensor(state.get("step")):
                device = param.device if capturable else "cpu"
                state["step"] = state["step"].to(device, torch.float32)


class TrainingStep:
    r"""One optimisation step: the mean squared error of the network's
    prediction, backward, gradient-norm clipping and the optimizer update.

    The learning-rate schedule stays with the caller: it sets the
    optimizer's :obj:`lr` between steps as usual, and a captured step reads
    the new value from a device copy (no re-capture).

    The CUDA-graph modes need a fixed batch size: the graph is captured on
    the first batch and every later batch must have its shape (a
    :class:`ValueError` says so otherwise). The trainer meets this by
    dropping each epoch's last partial batch (its poses differ from epoch to
    epoch, since the order is reshuffled). Capturing first runs
    :obj:`WARMUP_STEPS` steps on the first batch and then restores the
    parameters, buffers and optimizer state, so the captured step starts
    from the same state as an eager one would; dropout masks come from the
    graph's own random stream and differ from eager ones. Those modes take
    a single process (no :class:`~torch.nn.parallel.DistributedDataParallel`)
    and :obj:`amp` :obj:`"none"` or :obj:`"bf16"`.

    Args:
        model (torch.nn.Module): The network whose parameters are trained.
        optimizer (torch.optim.Optimizer): Its optimizer (Adam).
        max_grad_norm (float, optional): Clip the gradients' global norm to
            this value. (default: :obj:`1.0`)
        amp (str, optional): :obj:`"none"`, :obj:`"bf16"` or :obj:`"fp16"`
            autocast. (default: :obj:`"none"`)
        compile (str, optional): One of :data:`COMPILE_MODES`.
            (default: :obj:`"none"`)
        network (torch.nn.Module, optional): What the forward pass calls, if
            not :obj:`model` (e.g. its
            :class:`~torch.nn.parallel.DistributedDataParallel` wrapper).
        scaler (torch.amp.GradScaler, optional): The gradient scaler of
            fp16 autocast.
        backend (str, optional): The :func:`torch.compile` backend; only
            :obj:`"inductor"` takes the modes, others (:obj:`"aot_eager"`)
            serve quick checks of the compiled path. (default:
            :obj:`"inductor"`)

    Shapes:
        - **input:** poses :math:`(B, J, C_{in})`, targets
          :math:`(B, J, C_{out})`
        - **output:** the loss :math:`()`, on the device, detached
    """

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        max_grad_norm: float = 1.0,
        amp: str = "none",
        compile: str = "none",
        network: torch.nn.Module | None = None,
        scaler: torch.amp.GradScaler | None = None,
        backend: str = "inductor",
    ) -> None:
        if compile not in COMPILE_MODES:
            raise ValueError(f"compile must be one of {COMPILE_MODES}, got {compile!r}")
        if amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {AMP_MODES}, got {amp!r}")
        network = model if network is None else network
        self.captures = compile in GRAPH_MODES
        if self.captures:
            _check_capturable(model, network, amp)
        self.model, self.optimizer = model, optimizer
        self.max_grad_norm, self.amp, self.compile = max_grad_norm, amp, compile
        self.scaler = scaler
        self.device = next(model.parameters()).device
        set_capturable(optimizer, self.captures)
        self.network = _compiled(network, compile, backend)
        self._graph: torch.cuda.CUDAGraph | None = None

    def __call__(self, inputs: Tensor, targets: Tensor) -> Tensor:
        """Runs one step on a batch; returns its loss."""
        if not self.captures:
            if self.compile == "reduce-overhead":
                # Inductor's graphs may reuse the previous step's outputs.
                torch.compiler.cudagraph_mark_step_begin()
            self.optimizer.zero_grad(set_to_none=True)
            return self._step(inputs, targets)
        if self._graph is None:
            self._capture(inputs, targets)
        if inputs.shape != self._inputs.shape or targets.shape != self._targets.shape:
            raise ValueError(
                f"The captured training step takes batches of {self._inputs.size(0)} "
                f"poses, got {inputs.size(0)}: drop or pad the last partial batch"
            )
        learning_rates = [group["lr"] for group in self.optimizer.param_groups]
        if learning_rates != self._learning_rates:  # the schedule moved on
            for lr, value in zip(self._lrs, learning_rates, strict=True):
                lr.fill_(value)  # a host scalar into a device tensor: no sync
            self._learning_rates = learning_rates
        self._inputs.copy_(inputs)
        self._targets.copy_(targets)
        self._graph.replay()
        return self._loss.clone()

    def _step(self, inputs: Tensor, targets: Tensor) -> Tensor:
        """Forward, backward and update, with the gradients already cleared
        (a captured step writes them anew on every replay)."""
        with autocast(self.amp, self.device, cache_enabled=not self.captures):
            prediction = self.network(inputs)
        loss = torch.nn.functional.mse_loss(prediction.float(), targets)
        if self.scaler is not None and self.scaler.is_enabled():
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        # foreach (the default on CUDA) keeps the norm and the scaling on the
        # device; error_if_nonfinite would read the norm back.
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
        if self.scaler is not None and self.scaler.is_enabled():
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        return loss.detach()

    def _capture(self, inputs: Tensor, targets: Tensor) -> None:
        self._inputs, self._targets = inputs.clone(), targets.clone()
        snapshot = _Snapshot(self.model, self.optimizer)
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side), warnings.catch_warnings():
            # Adam warns that a capturable step runs uncaptured: on purpose here.
            warnings.filterwarnings("ignore", "This instance was constructed")
            for _ in range(WARMUP_STEPS):
                self.optimizer.zero_grad(set_to_none=True)
                self._step(self._inputs, self._targets)
        torch.cuda.current_stream(self.device).wait_stream(side)
        snapshot.restore()
        # Gradients left unset are allocated by the captured backward, which
        # then overwrites them (rather than accumulating) on every replay.
        self.optimizer.zero_grad(set_to_none=True)
        self._learning_rates = [group["lr"] for group in self.optimizer.param_groups]
        self._lrs = [
            torch.tensor(float(lr), device=self.device) for lr in self._learning_rates
        ]
        self._graph = torch.cuda.CUDAGraph()
        with _device_learning_rates(self.optimizer, self._lrs):
            with torch.cuda.graph(self._graph):
                self._loss = self._step(self._inputs, self._targets)


def _check_capturable(
    model: torch.nn.Module, network: torch.nn.Module, amp: str
) -> None:
    if amp == "fp16":
        raise ValueError(
            "fp16's gradient scaler reads its overflow flag back to the host, "
            "which a CUDA graph cannot capture: use amp 'bf16'"
        )
    if isinstance(network, torch.nn.parallel.DistributedDataParallel):
        raise ValueError(
            "The CUDA-graph modes capture a single process's step: under "
            "torchrun use compile 'default' or 'reduce-overhead'"
        )
    if next(model.parameters()).device.type != "cuda":
        raise ValueError("The CUDA-graph modes need the model on a CUDA device")


def _compiled(network: torch.nn.Module, mode: str, backend: str) -> torch.nn.Module:
    if mode in ("none", "cudagraphs"):
        return network
    mode = "default" if mode == "default+cudagraphs" else mode
    if backend != "inductor":  # other backends take no mode
        return torch.compile(network, backend=backend)
    return torch.compile(network, mode=mode)


@contextlib.contextmanager
def _device_learning_rates(optimizer: torch.optim.Optimizer, lrs: list[Tensor]):
    """Gives the optimizer device tensors as learning rates while the graph
    is captured, so that replays read their current values; the optimizer
    keeps float learning rates (and float checkpoints) otherwise."""
    saved = [group["lr"] for group in optimizer.param_groups]
    for group, lr in zip(optimizer.param_groups, lrs, strict=True):
        group["lr"] = lr
    try:
        yield
    finally:
        for group, lr in zip(optimizer.param_groups, saved, strict=True):
            group["lr"] = lr


class _Snapshot:
    """The parameters, buffers and optimizer state, to undo warm-up steps in
    place (a captured graph keeps pointers to these very tensors)."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer):
        if not isinstance(optimizer, torch.optim.Adam):
            raise ValueError(
                f"Capturing the training step supports Adam, got "
                f"{type(optimizer).__name__}"
            )
        self.model, self.optimizer = model, optimizer
        self.tensors = [
            (tensor, tensor.detach().clone())
            for tensor in (*model.parameters(), *model.buffers())
        ]
        self.tensors += [
            (value, value.clone())
            for state in optimizer.state.values()
            for value in state.values()
            if torch.is_tensor(value)
        ]

    @torch.no_grad()
    def restore(self) -> None:
        for tensor, saved in self.tensors:
            tensor.copy_(saved)
        saved = {id(tensor) for tensor, _ in self.tensors}
        # Adam's state created by the warm-up starts at zero (step included).
        for state in self.optimizer.state.values():
            for value in state.values():
                if torch.is_tensor(value) and id(value) not in saved:
                    value.zero_()
