"""The training step in every mode gives the eager step's numbers, and the
CUDA modes never make the host wait inside a step."""

import copy

import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.cli import _config, build_parser
from pyg_weightshare.datasets import PoseSplit
from pyg_weightshare.training import TrainConfig
from pyg_weightshare.training.step import (
    COMPILE_MODES,
    GRAPH_MODES,
    TrainingStep,
    set_capturable,
)

SKELETON = h36m_skeleton(16)
# A small clip norm, so that clipping is active in every step.
MAX_GRAD_NORM = 0.05


def make_model(device="cpu", dropout=0.0, non_local=True):
    torch.manual_seed(0)
    model = PoseGCN(
        SKELETON, hidden_channels=8, num_blocks=1, dropout=dropout, non_local=non_local
    )
    return model.to(device)


def batches(num_steps, batch_size=16, device="cpu"):
    generator = torch.Generator().manual_seed(1)
    return [
        (
            torch.randn(batch_size, 16, 2, generator=generator).to(device),
            torch.randn(batch_size, 16, 3, generator=generator).to(device),
        )
        for _ in range(num_steps)
    ]


def reference_training(model, data, amp="none", lrs=None):
    """The step written out by hand: MSE, backward, clipping, Adam."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    device = next(model.parameters()).device
    losses = []
    for i, (inputs, targets) in enumerate(data):
        if lrs is not None:
            optimizer.param_groups[0]["lr"] = lrs[i]
        optimizer.zero_grad()
        with torch.autocast(device.type, torch.bfloat16, enabled=amp == "bf16"):
            prediction = model(inputs)
        loss = torch.nn.functional.mse_loss(prediction.float(), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)


def stepped_training(model, data, lrs=None, **options):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    step = TrainingStep(model, optimizer, max_grad_norm=MAX_GRAD_NORM, **options)
    losses = []
    for i, (inputs, targets) in enumerate(data):
        if lrs is not None:
            optimizer.param_groups[0]["lr"] = lrs[i]
        losses.append(step(inputs, targets))
    return torch.stack(losses), step


def assert_same_training(expected_model, model, losses, expected_losses, atol):
    """The same losses, and the same predictions after training. A bias
    that feeds a BatchNorm gets no gradient, so Adam turns the rounding
    noise of another formulation into learning-rate-sized steps of it: such
    biases (and the running means they enter) are compared through the
    training-mode predictions, in which BatchNorm cancels them."""
    torch.testing.assert_close(losses, expected_losses, atol=atol, rtol=1e-4)
    probe = batches(1, batch_size=32, device=losses.device)[0][0]
    with torch.no_grad():
        expected = expected_model.train()(probe)
        torch.testing.assert_close(model.train()(probe), expected, atol=atol, rtol=1e-4)


@pytest.mark.parametrize("amp", ["none", "bf16"])
def test_eager_step_is_the_hand_written_step(amp):
    data = batches(3)
    expected = make_model()
    expected_losses = reference_training(expected, data, amp)
    model = make_model()
    losses, _ = stepped_training(model, data, amp=amp)
    torch.testing.assert_close(losses, expected_losses, atol=0, rtol=0)
    for name, tensor in model.state_dict().items():
        if torch.is_tensor(tensor):
            torch.testing.assert_close(tensor, expected.state_dict()[name])


def test_step_clips_the_gradient_norm():
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    step = TrainingStep(model, optimizer, max_grad_norm=MAX_GRAD_NORM)
    step(*batches(1)[0])
    norm = torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in model.parameters()])
    )
    assert norm == pytest.approx(MAX_GRAD_NORM, rel=1e-4)


def test_compiled_step_matches_eager():
    # Inductor's C++ code generation on the CPU: the compiled path as the
    # trainer runs it, on a model small enough to compile in seconds once
    # cached.
    data = batches(3)
    expected = make_model()
    expected_losses = reference_training(expected, data)
    model = make_model()
    torch._dynamo.reset()
    losses, step = stepped_training(model, data, compile="default")
    assert isinstance(step.network, torch._dynamo.eval_frame.OptimizedModule)
    assert_same_training(expected, model, losses, expected_losses, atol=1e-5)


@pytest.mark.parametrize("mode", GRAPH_MODES)
def test_graph_modes_need_cuda(mode):
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="CUDA device"):
        TrainingStep(model, optimizer, compile=mode)
    with pytest.raises(ValueError, match="use amp 'bf16'"):
        TrainingStep(model, optimizer, compile=mode, amp="fp16")


def test_unknown_modes_are_rejected():
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="compile must be one of"):
        TrainingStep(model, optimizer, compile="fast")
    with pytest.raises(ValueError, match="amp must be one of"):
        TrainingStep(model, optimizer, amp="fp8")
    with pytest.raises(ValueError, match="compile must be one of"):
        TrainConfig(out="run", compile="fast")  # an InvalidSetting


def test_set_capturable_moves_the_step_counter():
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters())
    TrainingStep(model, optimizer)(*batches(1)[0])
    set_capturable(optimizer, True)
    assert optimizer.param_groups[0]["capturable"]
    set_capturable(optimizer, False)
    state = optimizer.state[next(model.parameters())]
    assert not optimizer.param_groups[0]["capturable"]
    assert state["step"].device.type == "cpu" and state["step"].item() == 1


def test_snapshot_undoes_warm_up_steps():
    # What a capture does before recording: steps on the first batch, then
    # back to the state before them, in place.
    from pyg_weightshare.training.step import _Snapshot

    data = batches(2)
    expected = make_model()
    expected_losses = reference_training(expected, data)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    step = TrainingStep(model, optimizer, max_grad_norm=MAX_GRAD_NORM)
    parameters = list(model.parameters())
    snapshot = _Snapshot(model, optimizer)
    for _ in range(3):
        step(*data[0])
    snapshot.restore()
    assert list(model.parameters()) == parameters  # the very same tensors
    losses = torch.stack([step(*batch) for batch in data])
    torch.testing.assert_close(losses, expected_losses, atol=0, rtol=0)
    for name, tensor in model.state_dict().items():
        if torch.is_tensor(tensor):
            torch.testing.assert_close(tensor, expected.state_dict()[name])


def test_compile_option_reaches_the_trainer_step():
    parser = build_parser()
    args = parser.parse_args(["train", "--out", "run", "--compile"])
    assert _config(args).compile == "default"
    args = parser.parse_args(["train", "--out", "run", "--compile", "cudagraphs"])
    assert _config(args).compile == "cudagraphs"
    assert _config(parser.parse_args(["train", "--out", "run"])).compile == "none"
    for mode in COMPILE_MODES:
        assert TrainConfig(out="run", compile=mode).compile == mode


def test_trainer_builds_its_step_in_the_configured_mode(tmp_path):
    from types import SimpleNamespace

    from pyg_weightshare.training.trainer import Trainer

    config = TrainConfig(
        out=str(tmp_path), hidden_channels=8, num_blocks=1, compile="default",
        batch_size=4, stride=1,
    )  # fmt: skip
    inputs, targets = torch.randn(8, 16, 2), torch.randn(8, 16, 3)
    ids = torch.zeros(8, dtype=torch.long)
    split = PoseSplit(inputs, targets, ids, ids, ids)
    dataset = SimpleNamespace(skeleton=SKELETON, train=split, val=split, test=split)
    trainer = Trainer(config, dataset=dataset, device=torch.device("cpu"))
    step = trainer.training_step
    assert step.compile == "default" and step.optimizer is trainer.optimizer
    # torch.compile is lazy: nothing is compiled until the first step.
    assert isinstance(step.network, torch._dynamo.eval_frame.OptimizedModule)
    assert step.max_grad_norm == config.max_grad_norm == 1.0


# On a GPU ---------------------------------------------------------------------


@pytest.mark.cuda
@pytest.mark.parametrize("mode", ["cudagraphs", "default+cudagraphs"])
def test_captured_step_matches_eager(mode):
    # The learning rate changes mid-way: the graph must read the new value.
    data = batches(5, device="cuda")
    lrs = [1e-2, 1e-2, 5e-3, 5e-3, 1e-3]
    expected = make_model("cuda")
    expected_losses = reference_training(expected, data, lrs=lrs)
    model = make_model("cuda")
    torch._dynamo.reset()
    losses, _ = stepped_training(model, data, lrs=lrs, compile=mode)
    assert_same_training(expected, model, losses, expected_losses, atol=1e-4)


@pytest.mark.cuda
@pytest.mark.parametrize(
    "mode, amp",
    [
        ("none", "none"),
        ("none", "bf16"),
        ("cudagraphs", "none"),
        ("cudagraphs", "bf16"),
        # Compiled in bf16 only: each cold Inductor compilation takes a while
        # (the last two share one compiled graph).
        ("reduce-overhead", "bf16"),
        ("default", "bf16"),
        ("default+cudagraphs", "bf16"),
    ],
)
def test_cuda_step_does_not_synchronise(mode, amp):
    model = make_model("cuda", dropout=0.2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    torch._dynamo.reset()
    step = TrainingStep(model, optimizer, max_grad_norm=1.0, amp=amp, compile=mode)
    data = batches(8, device="cuda")
    for inputs, targets in data[:4]:  # compilation and capture may wait
        step(inputs, targets)
    total = torch.zeros((), device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for inputs, targets in data[4:]:
            total += step(inputs, targets)
            scheduler.step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(total).item()


@pytest.mark.cuda
def test_captured_step_rejects_another_batch_size():
    model = make_model("cuda")
    optimizer = torch.optim.Adam(model.parameters())
    step = TrainingStep(model, optimizer, compile="cudagraphs")
    step(*batches(1, device="cuda")[0])
    with pytest.raises(ValueError, match="takes batches of 16 poses, got 8"):
        step(*batches(1, batch_size=8, device="cuda")[0])


@pytest.mark.cuda
def test_captured_step_warm_up_leaves_no_trace():
    # The warm-up steps before the capture are undone: one captured step from
    # a copy equals one eager step.
    model = make_model("cuda")
    twin = copy.deepcopy(model)
    data = batches(1, device="cuda")
    expected_losses = reference_training(twin, data)
    losses, step = stepped_training(model, data, compile="cudagraphs")
    assert_same_training(twin, model, losses, expected_losses, atol=1e-5)
    state = step.optimizer.state[next(model.parameters())]
    assert state["step"].item() == 1


@pytest.mark.cuda
def test_trainer_runs_captured_steps(tiny_data, tmp_path, tiny):
    from pyg_weightshare.cli import main

    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run)]
    argv += ["--epochs", "2", "--device", "cuda", "--compile", "cudagraphs"]
    argv += ["--amp", "bf16"]
    assert main(argv + tiny) == 0
    assert (run / "evaluation.json").is_file()
