"""The files a finished run leaves: evaluation tables and plots."""

from __future__ import annotations

import json
from pathlib import Path

from pyg_weightshare.metrics import ActionErrors
from pyg_weightshare.training.config import TrainConfig

SELECTION = {
    "val": "best epoch on the validation subjects {subjects}",
    "test": "best epoch on the TEST set, as the published code does",
    "last": "last epoch, no selection",
}


def selection_note(config: TrainConfig) -> str:
    return SELECTION[config.select_on].format(subjects=" ".join(config.val_subjects))


def markdown_table(errors: ActionErrors, baseline: ActionErrors | None = None) -> str:
    """Per-action MPJPE and P-MPJPE (mm), laid out like the paper's Tables 5-6."""
    header = "| action | poses | MPJPE | P-MPJPE |"
    if baseline is not None:
        header += " mean-pose MPJPE | mean-pose P-MPJPE |"
    columns = header.count("|") - 1
    lines = [header, "|" + "---|" * columns]
    tables = errors.as_dict()
    base = baseline.as_dict() if baseline is not None else None
    counts = dict(zip(errors.actions, errors.num_poses, strict=True))
    total = sum(errors.num_poses)
    for key in [*errors.actions, "action_mean", "frame_mean"]:
        label = key.replace("_", " ") if key.endswith("mean") else key
        values = [tables["mpjpe"][key], tables["p_mpjpe"][key]]
        if base is not None:
            values += [base["mpjpe"][key], base["p_mpjpe"][key]]
        cells = [label, str(counts.get(key, total)), *(f"{v:.1f}" for v in values)]
        row = "| " + " | ".join(cells) + " |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def write_report(
    out: Path,
    config: TrainConfig,
    test: ActionErrors,
    baseline: ActionErrors,
    best_epoch: int,
    num_parameters: int,
) -> dict:
    """Writes :obj:`evaluation.json`, :obj:`evaluation.md` and the plots,
    prints the summary, and returns the report."""
    report = {
        "scheme": config.scheme,
        "decouple": config.decouple,
        "hidden_channels": config.hidden_channels,
        "parameters": num_parameters,
        "selection": selection_note(config),
        "best_epoch": best_epoch,
        "test": test.as_dict(),
        "mean_pose_baseline": baseline.as_dict(),
    }
    (out / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "evaluation.md").write_text(
        f"# {config.scheme} (decouple={config.decouple}, "
        f"{config.hidden_channels} channels, {num_parameters:,} parameters)\n\n"
        f"Test subjects S9 S11, model of epoch {best_epoch} "
        f"({selection_note(config)}). Errors in mm.\n\n"
        + markdown_table(test, baseline)
    )
    written = ["evaluation.md", "evaluation.json"]
    if plot_run(out, test):
        written += ["curves.png", "per_action.png"]
    print(
        f"\nTest (S9, S11), epoch {best_epoch}, {selection_note(config)}:\n"
        f"  this model      MPJPE {test.mpjpe_action_mean:6.1f} mm   "
        f"P-MPJPE {test.p_mpjpe_action_mean:6.1f} mm   (action-wise means)\n"
        f"  mean-pose guess MPJPE {baseline.mpjpe_action_mean:6.1f} mm   "
        f"P-MPJPE {baseline.p_mpjpe_action_mean:6.1f} mm\n"
        f"Wrote {out}/" + ", ".join(written)
    )
    return report


def plot_run(out: Path, test: ActionErrors) -> bool:
    """Training curves and per-action errors, when matplotlib is installed;
    returns whether the plots were written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib)")
        return False
    rows = [
        json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()
    ]
    epochs = [row["epoch"] for row in rows]
    figure, (loss_axis, error_axis) = plt.subplots(1, 2, figsize=(10, 3.5))
    loss_axis.semilogy(epochs, [row["train_loss"] for row in rows], marker="o")
    loss_axis.set(xlabel="epoch", ylabel="training loss (m²)", title="Training loss")
    for split in ("val", "test"):
        if f"{split}_mpjpe" in rows[0]:
            for metric, style in (("mpjpe", "-o"), ("p_mpjpe", "--o")):
                values = [row[f"{split}_{metric}"] for row in rows]
                error_axis.plot(
                    epochs,
                    values,
                    style,
                    label=f"{split} {metric.upper().replace('_', '-')}",
                )
    error_axis.set(xlabel="epoch", ylabel="mm", title="Selection-split error")
    if error_axis.lines:
        error_axis.legend()
    for axis in (loss_axis, error_axis):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    figure.savefig(out / "curves.png", dpi=120)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(10, 3.5))
    positions = range(len(test.actions))
    axis.bar([p - 0.2 for p in positions], test.mpjpe, width=0.4, label="MPJPE")
    axis.bar([p + 0.2 for p in positions], test.p_mpjpe, width=0.4, label="P-MPJPE")
    axis.set_xticks(list(positions), test.actions, rotation=45, ha="right")
    axis.set(ylabel="mm", title="Test error per action")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "per_action.png", dpi=120)
    plt.close(figure)
    return True
