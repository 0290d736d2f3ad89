"""One command per paper table: train every row, then lay the results out
like the paper (method, channels, parameters, MPJPE, P-MPJPE, loss)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.nn.schemes import DECOUPLABLE_SCHEMES, SCHEMES
from pyg_weightshare.outputs import atomic_output, check_output
from pyg_weightshare.safe_json import load_json, load_json_lines
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
    force: bool = False,
    **settings: Any,
) -> Path:
    """Trains every configuration of paper table :obj:`table` (2, 3 or 4)
    with the ablation recipe for :obj:`seeds` seeds and writes
    :obj:`table<N>.md` in :obj:`out`. Returns its path.

    A finished run is reused only when its configuration matches the one
    requested; an interrupted one is resumed (or continued to more
    epochs), and one with other settings is refused, naming them.

    The directory is the command's own once it holds a run of the table:
    the table is then rewritten (atomically) on every call. An existing
    :obj:`table<N>.md` beside none of the table's runs is someone else's and
    is replaced only with :obj:`force`.

    Args:
        table (int): The paper table.
        out (pathlib.Path): The directory of the runs and the table.
        seeds (int, optional): Runs per configuration, seeded 0, 1, ...
            (default: :obj:`1`)
        progress (bool, optional): Show progress. (default: :obj:`True`)
        force (bool, optional): Replace a :obj:`table<N>.md` that is not the
            ablation's. (default: :obj:`False`)
        **settings: Other :class:`TrainConfig` fields, e.g. :obj:`epochs`,
            :obj:`stride` or :obj:`data_dir`.
    """
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise InvalidSetting(
            "seeds", f"must be an integer of at least 1, got {seeds!r}"
        )
    path = out / f"table{table}.md"
    holds_runs = any(
        RunDirectory(out / _run_name(table, row, seed)).has_run()
        for row in table_rows(table)
        for seed in range(seeds)
    )
    if out.is_dir():  # checked before hours of training
        check_output(path, force=force or holds_runs)
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
            reports.append(_read_report(run))
        results.append((row, kwargs, reports, config))

    text = format_table(table, results, seeds)
    with atomic_output(path, force=True) as temporary:
        temporary.write_text(text)
    print(f"\n{text}")
    return path


def _read_report(run: RunDirectory) -> dict:
    """The numbers of a finished run the table shows: its
    :obj:`evaluation.json` and the last training loss of its
    :obj:`metrics.jsonl`, read within the bounds of
    :mod:`pyg_weightshare.safe_json`.

    Raises:
        ValueError: A file lacks a number the table needs; one line naming
            it and the run directory to delete to train the run again.
    """
    again = f"delete {run.out} to train the run again"
    path = run.out / "evaluation.json"
    try:
        report = load_json(path)
        rows = load_json_lines(run.metrics)
    except ValueError as error:
        raise ValueError(f"{error}: {again}") from None
    for keys in (("parameters",), *((s, m, "action_mean") for s, m in _ERRORS)):
        value = report
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not _is_number(value):
            field = "/".join(keys)
            raise ValueError(f"{path} has no number {field!r}: {again}")
    loss = rows[-1].get("train_loss") if rows and isinstance(rows[-1], dict) else None
    if not _is_number(loss):
        raise ValueError(f"{run.metrics} ends without a train_loss: {again}")
    return {**report, "final_loss": loss}


_ERRORS = (("test", "mpjpe"), ("test", "p_mpjpe"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
