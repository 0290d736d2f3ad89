"""One command per paper table: train every row, then lay the results out
like the paper (method, channels, parameters, MPJPE, P-MPJPE, loss)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from pyg_weightshare.presets import TABLE_4_BUDGETS, paper_config
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.report import selection_note
from pyg_weightshare.training.trainer import train

NAMES = {
    "full": "Full-sharing",
    "conv_style": "Conv-style",
    "pre_agg": "Pre-agg",
    "post_agg": "Post-agg",
    "no_sharing": "No-sharing",
}


def table_rows(table: int) -> list[dict]:
    """The rows of a paper table: :func:`paper_config` arguments and a label."""
    if table == 2:
        return [
            {"scheme": scheme, "decouple": decouple, "budget": 4.2e6}
            for scheme in ("full", "pre_agg", "post_agg")
            for decouple in (False, True)
        ]
    if table == 3:
        return [
            {"scheme": scheme, "decouple": True, "budget": 4.2e6}
            for scheme in ("full", "conv_style", "pre_agg", "post_agg", "no_sharing")
        ]
    return [
        {"scheme": scheme, "decouple": True, "budget": budget}
        for budget in TABLE_4_BUDGETS
        for scheme in NAMES
    ]


def _run_name(table: int, row: dict, seed: int) -> str:
    name = f"{row['scheme']}-{'decoupled' if row['decouple'] else 'coupled'}"
    if table == 4:
        name += f"-{row['budget'] / 1e6:g}M"
    return f"{name}-seed{seed}"


def _spread(values: list[float], digits: int) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (
        f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"
    )


def run_ablation(
    table: int,
    out: Path,
    epochs: int | None = None,
    seeds: int = 1,
    data_dir: str | None = None,
    stride: int | None = None,
    device: str = "cpu",
    progress: bool = True,
    subjects: dict[str, list[str]] | None = None,
) -> Path:
    """Trains every configuration of paper table :obj:`table` (2, 3 or 4)
    with the ablation recipe for :obj:`seeds` seeds, skipping finished runs
    and resuming interrupted ones, and writes :obj:`table<N>.md` in
    :obj:`out`. :obj:`subjects` may set :obj:`train_subjects`,
    :obj:`val_subjects` and :obj:`test_subjects` of
    :class:`~pyg_weightshare.training.config.TrainConfig`. Returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for row in table_rows(table):
        kwargs = paper_config(table, row["scheme"], row["decouple"], row["budget"])
        reports = []
        for seed in range(seeds):
            config = TrainConfig(
                out=str(out / _run_name(table, row, seed)),
                data_dir=data_dir,
                recipe="ablation",
                scheme=kwargs["scheme"],
                decouple=kwargs["decouple"],
                hidden=kwargs["hidden_channels"],
                num_blocks=kwargs["num_blocks"],
                adjacency=kwargs["adjacency"],
                epochs=epochs,
                stride=stride,
                seed=seed,
                device=device,
                **(subjects or {}),
            )
            report_path = Path(config.out) / "evaluation.json"
            if not report_path.exists():
                if progress:
                    print(f"\n== {config.out}")
                resumable = (Path(config.out) / "last.pt").exists()
                train(config, resume=resumable, progress=progress)
            report = json.loads(report_path.read_text())
            metrics = Path(config.out) / "metrics.jsonl"
            report["final_loss"] = json.loads(metrics.read_text().splitlines()[-1])[
                "train_loss"
            ]
            reports.append(report)
        results.append((row, kwargs, reports, config))

    path = out / f"table{table}.md"
    path.write_text(format_table(table, results, seeds))
    print(f"\n{path.read_text()}")
    return path


def format_table(table: int, results: list, seeds: int) -> str:
    test_subjects = " ".join(results[0][3].test_subjects)
    lines = [
        f"# Table {table}: ablation recipe, {seeds} seed(s), "
        f"test subjects {test_subjects}",
        "",
        f"Model selection: {selection_note(results[0][3])}. Errors in mm, "
        "action-wise means; mean ± standard deviation over seeds.",
        "",
        "| Method | Decouple? | Size | Channels | Params | MPJPE | P-MPJPE | Loss |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row, kwargs, reports, _ in results:
        method = NAMES[row["scheme"]]
        decouple = "Yes" if row["decouple"] else "No"
        size = f"{row['budget'] / 1e6:g} M" if table == 4 else "-"
        params = f"{reports[0]['parameters'] / 1e6:.3f} M"
        mpjpe = _spread([r["test"]["mpjpe"]["action_mean"] for r in reports], 2)
        p_mpjpe = _spread([r["test"]["p_mpjpe"]["action_mean"] for r in reports], 2)
        loss = _spread([r["final_loss"] for r in reports], 6)
        lines.append(
            f"| {method} | {decouple} | {size} | {kwargs['hidden_channels']} | "
            f"{params} | {mpjpe} | {p_mpjpe} | {loss} |"
        )
    return "\n".join(lines) + "\n"
