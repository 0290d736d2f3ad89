r"""How a :class:`~pyg_weightshare.lifting.Lifter` runs its network.

:class:`TorchBackend` runs :meth:`PoseGCN.for_inference
<pyg_weightshare.PoseGCN.for_inference>` in batches under
``torch.inference_mode``, optionally compiled: with Inductor
(:func:`torch.compile`) on a CPU, as a captured CUDA graph on a GPU.
:class:`OnnxRuntimeBackend` runs the network's ONNX graph (see
:func:`~pyg_weightshare.lifting.onnx.export_onnx`) with onnxruntime.

Whether to compile, when the caller does not say, is a break-even rule
(:func:`compiles_by_default`): compiling costs seconds once and saves a
fraction of every batch's time, so it pays off only beyond a number of poses.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from pyg_weightshare.nn.models.inference import EVAL_BATCH_SIZE

#: The backends of :class:`~pyg_weightshare.lifting.Lifter`.
BACKENDS = ("torch", "onnxruntime")

#: On a CPU, the fewest poses for which Inductor is used by default. The
#: fused eager path (:class:`~pyg_weightshare.nn.models.inference.InferencePoseGCN`)
#: already runs every layer as a few matrix products with its other passes in
#: place, so Inductor only fuses the bias, ReLU and skip passes. Timed once
#: at one thread on the shared 2-core development machine (the bundled
#: network's size, batches of 4,096 poses), the compiled network ran at
#: 1.00-1.07x the fused one, after 3.7 s (warm compile cache) to 18 s (cold)
#: of compilation: a break-even (:math:`t_{compile} / (1 / r_{fused} -
#: 1 / r_{compiled})`) beyond a million poses, and none at all where it is
#: no faster. ``benchmarks/bench_lift.py`` prints both, to revisit this.
CPU_COMPILE_MIN_POSES = 2_000_000

#: On a CPU, the bytes of one layer's activations :math:`[J, B, C]` per
#: thread that set the batch size (:func:`default_batch_size`): about one
#: core's L2 cache, so that the bias, ReLU and skip passes and the next
#: product read what the last one wrote from cache rather than from memory.
CPU_BATCH_BYTES = 2 * 2**20

#: On a GPU, the fewest full batches for which a CUDA graph is captured by
#: default. Capturing costs one more run of a batch (no code generation), and
#: the graph's replays spare the launch of every kernel of every batch after.
CUDA_GRAPH_MIN_BATCHES = 2


def compiles_by_default(
    num_poses: int, device: torch.device, batch_size: int = EVAL_BATCH_SIZE
) -> bool:
    """Whether :class:`TorchBackend` compiles for :obj:`num_poses` poses when
    not told: on a CPU from :data:`CPU_COMPILE_MIN_POSES` poses, on a GPU
    from :data:`CUDA_GRAPH_MIN_BATCHES` full batches.

    Example:
        >>> compiles_by_default(10_000, torch.device("cpu"))
        False
    """
    if device.type == "cuda":
        return num_poses // batch_size >= CUDA_GRAPH_MIN_BATCHES
    return num_poses >= CPU_COMPILE_MIN_POSES


def default_batch_size(
    model: torch.nn.Module, device: torch.device, threads: int | None = None
) -> int:
    """Poses per batch for :obj:`model` (a :class:`~pyg_weightshare.PoseGCN`)
    on :obj:`device`: on a CPU, as many as fit one layer's activations in
    :data:`CPU_BATCH_BYTES` per thread (512 per thread for 16 joints and 64
    channels), at least 64; on a GPU,
    :data:`~pyg_weightshare.nn.models.inference.EVAL_BATCH_SIZE`.

    Args:
        model (PoseGCN): The network.
        device (torch.device): Where it runs.
        threads (int, optional): The threads of the products. (default:
            :obj:`None`, :func:`torch.get_num_threads`)

    Example:
        >>> from pyg_weightshare import PoseGCN, h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), hidden_channels=64)
        >>> default_batch_size(model, "cpu", threads=2)
        1024
    """
    if torch.device(device).type != "cpu":
        return EVAL_BATCH_SIZE
    threads = torch.get_num_threads() if threads is None else threads
    activation_bytes = model.num_joints * model.hidden_channels * 4
    return max(threads * CPU_BATCH_BYTES // activation_bytes, 64)


class CudaGraphModule:
    """Replays one forward pass of :obj:`module`, captured in a CUDA graph
    for inputs of one shape: every batch copies into the captured input and
    the output is copied out (the next replay overwrites it).

    Args:
        module (torch.nn.Module): The module, on a CUDA device; it must make
            the host wait for nothing (as
            :class:`~pyg_weightshare.nn.models.inference.InferencePoseGCN`).
        example (torch.Tensor): An input of the shape to capture.
    """

    def __init__(self, module: torch.nn.Module, example: Tensor) -> None:
        self.input = example.clone()
        # Warm-up on a side stream, as torch.cuda.graphs documents: cuBLAS
        # picks its algorithms and workspaces before the capture.
        stream = torch.cuda.Stream(example.device)
        stream.wait_stream(torch.cuda.current_stream(example.device))
        with torch.cuda.stream(stream):
            for _ in range(3):
                module(self.input)
        torch.cuda.current_stream(example.device).wait_stream(stream)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.output = module(self.input)

    def __call__(self, x: Tensor) -> Tensor:
        if x.shape != self.input.shape:
            raise ValueError(
                f"The CUDA graph was captured for inputs {list(self.input.shape)}, "
                f"got {list(x.shape)}"
            )
        self.input.copy_(x)
        self.graph.replay()
        return self.output.clone()


class TorchBackend:
    r"""Runs a :class:`~pyg_weightshare.PoseGCN` for inference: its
    :meth:`~pyg_weightshare.PoseGCN.for_inference` form, in batches of
    :obj:`batch_size` poses, under ``torch.inference_mode``.

    Compiled, the full batches run through :func:`torch.compile` (Inductor,
    one static shape) on a CPU, or through a :class:`CudaGraphModule` on a
    GPU, compiled or captured at the first full batch and reused by every
    later call; the last, partial batch runs uncompiled, so no second shape
    is compiled. The outputs equal the uncompiled ones within float
    rounding.

    Args:
        model (PoseGCN): The trained network, on :obj:`device`.
        device (torch.device): Where it runs.
        compile (bool, optional): Compile, or not; :obj:`None` decides per
            call with :func:`compiles_by_default`. (default: :obj:`None`)
        batch_size (int, optional): Poses per batch. (default: :obj:`None`,
            :func:`default_batch_size` for the threads PyTorch uses now)
    """

    def __init__(
        self,
        model: torch.nn.Module,
        device: torch.device,
        compile: bool | None = None,
        batch_size: int | None = None,
    ) -> None:
        self.device = torch.device(device)
        if batch_size is None:
            batch_size = default_batch_size(model, self.device)
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.module = model.for_inference().to(self.device)
        self.out_channels = self.module.out_channels
        self.compile = compile
        self.batch_size = batch_size
        self.compiled: Callable[[Tensor], Tensor] | None = None

    def compiles(self, num_poses: int) -> bool:
        """Whether a call with :obj:`num_poses` poses runs compiled."""
        if self.compile is None:
            return compiles_by_default(num_poses, self.device, self.batch_size)
        return self.compile

    def __call__(self, inputs: Tensor) -> Tensor:
        """The network's outputs :math:`[N, J, C_{out}]` on the CPU, in
        float32, for inputs :math:`[N, J, C_{in}]`."""
        if len(inputs) == 0:
            return inputs.new_zeros(0, inputs.size(1), self.out_channels)
        compiled = self.compiles(len(inputs))
        outputs = []
        with torch.inference_mode():
            for chunk in inputs.to(self.device).split(self.batch_size):
                if compiled and len(chunk) == self.batch_size:
                    outputs.append(self._compiled(chunk)(chunk))
                else:
                    outputs.append(self.module(chunk))
            return torch.cat(outputs).float().cpu()

    def _compiled(self, example: Tensor) -> Callable[[Tensor], Tensor]:
        if self.compiled is None:
            if self.device.type == "cuda":
                self.compiled = CudaGraphModule(self.module, example)
            else:
                self.compiled = torch.compile(
                    self.module, fullgraph=True, dynamic=False
                )
        return self.compiled


class OnnxRuntimeBackend:
    r"""Runs the ONNX graph of a network's
    :meth:`~pyg_weightshare.PoseGCN.for_inference` form with onnxruntime on
    the CPU, in batches, with as many threads as PyTorch uses.

    Args:
        model (PoseGCN): The trained network, on the CPU.
        batch_size (int, optional): Poses per batch. (default: :obj:`None`,
            :func:`default_batch_size`)
    """

    def __init__(self, model: torch.nn.Module, batch_size: int | None = None) -> None:
        from pyg_weightshare.lifting.onnx import export_onnx

        try:
            import onnxruntime
        except ImportError as error:
            raise ImportError(
                f"The onnxruntime backend needs onnxruntime ({error}): "
                "pip install 'pyg-weightshare[onnx]'"
            ) from None
        with tempfile.TemporaryDirectory() as directory:
            path = export_onnx(model.for_inference(), Path(directory) / "model.onnx")
            graph = path.read_bytes()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            graph, options, providers=["CPUExecutionProvider"]
        )
        self.out_channels = model.out_channels
        self.batch_size = (
            default_batch_size(model, "cpu") if batch_size is None else batch_size
        )

    def __call__(self, inputs: Tensor) -> Tensor:
        """The network's outputs :math:`[N, J, C_{out}]` for inputs
        :math:`[N, J, C_{in}]`, as float32 CPU tensors."""
        if len(inputs) == 0:
            return inputs.new_zeros(0, inputs.size(1), self.out_channels)
        outputs = [
            torch.from_numpy(self.session.run(None, {"keypoints": chunk.numpy()})[0])
            for chunk in inputs.float().split(self.batch_size)
        ]
        return torch.cat(outputs)


def make_backend(
    model: torch.nn.Module,
    device: torch.device,
    backend: str = "torch",
    compile: bool | None = None,
    batch_size: int | None = None,
) -> TorchBackend | OnnxRuntimeBackend:
    """The backend :obj:`backend` (one of :data:`BACKENDS`) for
    :obj:`model` on :obj:`device`.

    Args:
        model (PoseGCN): The trained network, on :obj:`device`.
        device (torch.device): Where it runs.
        backend (str, optional): :obj:`"torch"` or :obj:`"onnxruntime"`
            (CPU only, never compiled). (default: :obj:`"torch"`)
        compile (bool, optional): See :class:`TorchBackend`.
            (default: :obj:`None`)
        batch_size (int, optional): Poses per batch. (default: :obj:`None`,
            :func:`default_batch_size`)
    """
    if backend == "torch":
        return TorchBackend(model, device, compile, batch_size)
    if backend != "onnxruntime":
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if torch.device(device).type != "cpu":
        raise ValueError(f"The onnxruntime backend runs on the CPU, not on {device}")
    if compile:
        raise ValueError("The onnxruntime backend does not compile (compile=True)")
    return OnnxRuntimeBackend(model, batch_size)
