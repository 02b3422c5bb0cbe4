#!/usr/bin/env python3
"""Convert the knowledge-base YAML files in this directory into the JSON the library embeds.

The YAML files are verbatim copies of `reference/kb-storage.yaml` and `reference/kb-images.yaml`
(the cited, human-maintained sources). The library embeds the JSON with `include_str!` so that it
needs no YAML parser; `tests/kb_embedded.rs` re-reads the YAML with serde-saphyr and fails when the
JSON is stale. Run from anywhere: `python3 data/kb/convert.py`.
"""
import json
import pathlib

import yaml  # PyYAML

HERE = pathlib.Path(__file__).resolve().parent

for name in ("kb-storage", "kb-images"):
    data = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    out = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    (HERE / f"{name}.json").write_text(out, encoding="utf-8")
    print(f"wrote {name}.json")
