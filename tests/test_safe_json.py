import json

import pytest

from pyg_weightshare.safe_json import (
    MAX_JSON_DEPTH,
    json_depth,
    load_json,
    load_json_lines,
)


def nested(depth):
    return "[" * depth + "]" * depth


def test_reads_what_json_reads(tmp_path):
    value = {"a": [1, 2.5, {"b": None}], "c": "]]]["}
    (tmp_path / "x.json").write_text(json.dumps(value))
    assert load_json(tmp_path / "x.json") == value
    assert json_depth(value) == 3


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_too_deep_is_one_line(tmp_path, depth):
    (tmp_path / "deep.json").write_text(nested(depth))
    with pytest.raises(ValueError, match=r"deep.json nests deeper than the 64 levels"):
        load_json(tmp_path / "deep.json")
    (tmp_path / "ok.json").write_text(nested(MAX_JSON_DEPTH))
    assert json_depth(load_json(tmp_path / "ok.json")) == MAX_JSON_DEPTH


def test_too_large_and_not_json(tmp_path):
    (tmp_path / "big.json").write_text("[" + "0," * 100 + "0]")
    with pytest.raises(ValueError, match=r"big.json is larger than the 100 bytes"):
        load_json(tmp_path / "big.json", max_bytes=100)
    (tmp_path / "bad.json").write_bytes(b"\xff{")
    with pytest.raises(ValueError, match=r"bad.json is not valid JSON"):
        load_json(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match=r"none.json does not exist"):
        load_json(tmp_path / "none.json")


def test_json_lines_name_the_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"epoch": 1}\n\n' + nested(100) + "\n")
    with pytest.raises(ValueError, match=r"metrics.jsonl line 3 nests deeper"):
        load_json_lines(path)
    path.write_text('{"epoch": 1}\n\n{"epoch": 2}\n')
    assert load_json_lines(path) == [{"epoch": 1}, {"epoch": 2}]
