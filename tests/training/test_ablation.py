from pyg_weightshare.cli import main


def test_table_3_is_trained_laid_out_and_resumable(tiny_data, tmp_path, capsys):
    out = tmp_path / "table3"
    argv = ["ablation", "--table", "3", "--epochs", "1", "--stride", "8"]
    argv += ["--data-dir", str(tiny_data), "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    table = (out / "table3.md").read_text()
    rows = [
        line for line in table.splitlines() if line.startswith("| ") and "M |" in line
    ]
    methods = [row.split(" | ")[0].strip("| ") for row in rows]
    assert methods == [
        "Full-sharing",
        "Conv-style",
        "Pre-agg",
        "Post-agg",
        "No-sharing",
    ]
    params = [row.split(" | ")[4] for row in rows]
    assert params == ["0.267 M", "0.399 M", "4.218 M", "4.218 M", "6.062 M"]
    assert "validation subjects S8" in table

    # A second call trains nothing: every run has its evaluation.
    reports = sorted(out.glob("*/evaluation.json"))
    stamps = [path.stat().st_mtime_ns for path in reports]
    capsys.readouterr()
    assert main(argv) == 0
    assert [path.stat().st_mtime_ns for path in reports] == stamps
    assert (out / "table3.md").read_text() == table

    # Other settings are not the finished rows: refused, naming them.
    other = [*argv, "--stride", "4"]
    assert main(other) == 2
    error = capsys.readouterr().err
    assert "holds a run with other settings (stride: run 8, requested 4)" in error
    assert (out / "table3.md").read_text() == table
