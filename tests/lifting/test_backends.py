"""The lifter's backends give the network's numbers, compiled or not."""

import importlib.util

import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.lifting.backends import (
    CPU_COMPILE_MIN_POSES,
    CUDA_GRAPH_MIN_BATCHES,
    CudaGraphModule,
    TorchBackend,
    compiles_by_default,
    default_batch_size,
    make_backend,
)

CPU = torch.device("cpu")
HAS_ONNX = all(
    importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnxscript")
)


@pytest.fixture(scope="module")
def model():
    """A small network with BatchNorm statistics of a batch and the options
    of the bundled model (visibility channel, root-relative)."""
    torch.manual_seed(0)
    model = PoseGCN(
        h36m_skeleton(16),
        hidden_channels=8,
        num_blocks=1,
        non_local=True,
        in_channels=3,
        root_relative=True,
    )
    with torch.no_grad():
        for block in model.non_local:
            torch.nn.init.normal_(block.norm.weight, std=0.3)
        model.train()(torch.randn(256, 16, 3))
    return model.eval()


def expected(model, inputs):
    with torch.inference_mode():
        return model(inputs)


def test_compiled_on_cpu_gives_the_networks_numbers(model):
    torch._dynamo.reset()
    backend = TorchBackend(model, CPU, compile=True, batch_size=8)
    inputs = torch.randn(20, 16, 3)  # two full batches compiled, 4 poses eager
    outputs = backend(inputs)
    assert backend.compiled is not None
    torch.testing.assert_close(outputs, expected(model, inputs), rtol=0, atol=1e-5)
    assert torch.equal(backend(inputs), outputs)  # no second compilation needed


def test_uncompiled_by_default_for_few_poses(model):
    backend = TorchBackend(model, CPU, batch_size=8)
    inputs = torch.randn(20, 16, 3)
    outputs = backend(inputs)
    assert backend.compiled is None
    torch.testing.assert_close(outputs, expected(model, inputs), rtol=0, atol=1e-5)
    assert backend(inputs[:0]).shape == (0, 16, 3)


def test_compile_rule():
    cuda = torch.device("cuda")
    assert not compiles_by_default(CPU_COMPILE_MIN_POSES - 1, CPU)
    assert compiles_by_default(CPU_COMPILE_MIN_POSES, CPU)
    batches = CUDA_GRAPH_MIN_BATCHES
    assert not compiles_by_default(batches * 100 - 1, cuda, batch_size=100)
    assert compiles_by_default(batches * 100, cuda, batch_size=100)
    model = PoseGCN(h36m_skeleton(16), hidden_channels=4, num_blocks=0)
    assert TorchBackend(model, CPU).compiles(CPU_COMPILE_MIN_POSES)
    assert not TorchBackend(model, CPU, compile=False).compiles(CPU_COMPILE_MIN_POSES)
    assert TorchBackend(model, CPU, compile=True).compiles(1)


@pytest.mark.skipif(not HAS_ONNX, reason="needs onnxruntime and onnxscript")
def test_onnxruntime_gives_the_networks_numbers(model):
    backend = make_backend(model, CPU, "onnxruntime", batch_size=16)
    inputs = torch.randn(40, 16, 3)
    outputs = backend(inputs)
    torch.testing.assert_close(outputs, expected(model, inputs), rtol=0, atol=1e-5)
    assert backend(inputs[:0]).shape == (0, 16, 3)


def test_cpu_batches_keep_a_layer_in_each_threads_cache():
    # 16 joints: 512 poses of 64 channels or 256 of 128 make 2 MiB a layer.
    for channels, one, two in ((64, 512, 1024), (128, 256, 512), (4096, 64, 64)):
        model = PoseGCN(h36m_skeleton(16), hidden_channels=channels, num_blocks=0)
        assert default_batch_size(model, CPU, threads=1) == one
        assert default_batch_size(model, CPU, threads=2) == two
    assert default_batch_size(model, torch.device("cuda")) == 4096
    small = PoseGCN(h36m_skeleton(16), hidden_channels=64, num_blocks=1)
    threads = torch.get_num_threads()
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            assert TorchBackend(small, CPU).batch_size == 512 * count
    finally:
        torch.set_num_threads(threads)
    assert TorchBackend(small, CPU, batch_size=100).batch_size == 100


def test_bad_backends(model):
    with pytest.raises(ValueError, match="backend must be one of"):
        make_backend(model, CPU, "tensorrt")
    with pytest.raises(ValueError, match="runs on the CPU, not on cuda"):
        make_backend(model, torch.device("cuda"), "onnxruntime")
    with pytest.raises(ValueError, match="does not compile"):
        make_backend(model, CPU, "onnxruntime", compile=True)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        TorchBackend(model, CPU, batch_size=0)


@pytest.mark.cuda
def test_cuda_graph_gives_the_networks_numbers_without_syncs(model):
    cuda_model = PoseGCN(
        h36m_skeleton(16), hidden_channels=8, num_blocks=1, non_local=True,
        in_channels=3, root_relative=True,
    )  # fmt: skip
    cuda_model.load_state_dict(model.state_dict())
    cuda_model = cuda_model.cuda().eval()
    inputs = torch.randn(20, 16, 3)
    backend = TorchBackend(cuda_model, torch.device("cuda"), compile=True, batch_size=8)
    outputs = backend(inputs)
    assert isinstance(backend.compiled, CudaGraphModule)
    torch.testing.assert_close(outputs, expected(model, inputs), rtol=0, atol=1e-5)

    chunk = inputs[:8].cuda()
    torch.cuda.set_sync_debug_mode("error")
    try:
        with torch.inference_mode():
            first = backend.compiled(chunk)
            second = backend.compiled(chunk.flip(0))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    # Each replay's output is its own: the next replay does not overwrite it.
    torch.testing.assert_close(first.flip(0), second, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="captured for inputs"):
        backend.compiled(inputs[:4].cuda())
