"""One command per paper table: train every row, then lay the results out
like the paper (method, channels, parameters, MPJPE, P-MPJPE, loss)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.nn.schemes import DECOUPLABLE_SCHEMES, SCHEMES
from pyg_weightshare.training.checkpoint import RunDirectory, checkpoint_config
from pyg_weightshare.training.config import InvalidSetting, TrainConfig
from pyg_weightshare.training.presets import TABLE_4_BUDGETS, paper_config
from pyg_weightshare.training.report import selection_note
from pyg_weightshare.training.trainer import train


def table_rows(table: int) -> list[dict]:
    """The rows of a paper table: :func:`paper_config` arguments and a label."""
    if table == 2:
        return [
            {"scheme": scheme, "decouple": decouple, "budget": 4.2e6}
            for scheme in DECOUPLABLE_SCHEMES
            for decouple in (False, True)
        ]
    if table == 3:
        return [
            {"scheme": scheme, "decouple": True, "budget": 4.2e6}
            for scheme in SCHEMES  # in the order of the paper's Table 3
        ]
    return [
        {"scheme": scheme, "decouple": True, "budget": budget}
        for budget in TABLE_4_BUDGETS
        for scheme in SCHEMES
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
    seeds: int = 1,
    progress: bool = True,
    **settings: Any,
) -> Path:
    """Trains every configuration of paper table :obj:`table` (2, 3 or 4)
    with the ablation recipe for :obj:`seeds` seeds and writes
    :obj:`table<N>.md` in :obj:`out`. Returns its path.

    A finished run is reused only when its configuration matches the one
    requested; an interrupted one is resumed (or continued to more
    epochs), and one with other settings is refused, naming them.

    Args:
        table (int): The paper table.
        out (pathlib.Path): The directory of the runs and the table.
        seeds (int, optional): Runs per configuration, seeded 0, 1, ...
            (default: :obj:`1`)
        progress (bool, optional): Show progress. (default: :obj:`True`)
        **settings: Other :class:`TrainConfig` fields, e.g. :obj:`epochs`,
            :obj:`stride` or :obj:`data_dir`.
    """
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise InvalidSetting(
            "seeds", f"must be an integer of at least 1, got {seeds!r}"
        )
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for row in table_rows(table):
        kwargs = paper_config(table, row["scheme"], row["decouple"], row["budget"])
        reports = []
        for seed in range(seeds):
            config = TrainConfig(
                out=str(out / _run_name(table, row, seed)),
                recipe="ablation",
                seed=seed,
                **kwargs,
                **settings,
            )
            run = RunDirectory(config.out)
            if _is_finished(run, config):
                if progress:
                    print(f"== {config.out}: finished with these settings, reused")
            else:
                if progress:
                    print(f"\n== {config.out}")
                train(config, resume=run.has_run(), progress=progress)
            report = json.loads((run.out / "evaluation.json").read_text())
            report["final_loss"] = json.loads(run.metrics.read_text().splitlines()[-1])[
                "train_loss"
            ]
            reports.append(report)
        results.append((row, kwargs, reports, config))

    path = out / f"table{table}.md"
    path.write_text(format_table(table, results, seeds))
    print(f"\n{path.read_text()}")
    return path


def _is_finished(run: RunDirectory, config: TrainConfig) -> bool:
    """Whether :obj:`run` holds the report of :obj:`config`'s last epoch."""
    if not (run.out / "evaluation.json").exists() or not run.last.exists():
        return False
    checkpoint = load_checkpoint(run.last)
    saved = checkpoint_config(checkpoint)
    return (
        not saved.differences(config) and checkpoint.training["epoch"] == config.epochs
    )


def format_table(table: int, results: list, seeds: int) -> str:
    lines = [
        f"# Table {table}: ablation recipe, {seeds} seed(s), test subjects "
        f"{' '.join(results[0][3].test_subjects)}",
        "",
        f"Model selection: {selection_note(results[0][3])}. Errors in mm, "
        "action-wise means; mean ± standard deviation over seeds.",
        "",
        "| Method | Decouple? | Size | Channels | Params | MPJPE | P-MPJPE | Loss |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row, kwargs, reports, _ in results:
        method = SCHEMES[row["scheme"]].label
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
