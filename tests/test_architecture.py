"""The architecture's promises, checked on the source: one package, nothing edits PATH or sys.path, every
run-directory path comes from gunw_workflow.layout, every default from the config schema, pair.json follows
its schema."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from gunw_workflow import pair_json
from gunw_workflow.config import SCHEMA_PATH

PACKAGE = REPO / "scripts" / "gunw_workflow"
CODE = sorted(PACKAGE.rglob("*.py"))
RULES = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_one_installed_top_level_package_and_two_console_scripts():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    find = project["tool"]["setuptools"]["packages"]["find"]
    assert find["where"] == ["scripts"] and find["include"] == ["gunw_workflow*"]
    assert [p.name for p in (REPO / "scripts").iterdir() if p.suffix == ".py"] == []  # no loose modules
    assert project["project"]["scripts"] == {
        "gunw": "gunw_workflow.cli:main",  # every rule's command
        "isce2_topsapp": "gunw_workflow.reference_cli:main",  # the reference tool's command line, for users
    }


def test_nothing_edits_path_or_sys_path_at_run_time():
    pattern = re.compile(r"sys\.path\b|os\.environ\[[\"']PATH[\"']\]\s*=|environ\.setdefault\([\"']PATH")
    hits = [
        f"{_rel(f)}:{i}: {line.strip()}"
        for f in CODE + RULES
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not hits, "\n".join(hits)


# Path pieces of the run layout (results_dir/<pair>/..., cache_dir/...). A literal holding one of them outside
# layout.py is a second definition of the layout.
RUN_PATH = re.compile(
    r"(^|/)(pair\.json|safes\.json|aux_cal\.json|validated\.ok|product_name\.txt|gunw\.(nc|json|png)"
    r"|topsapp_settings\.json)$"
    r"|(^|/)(inputs|topsapp|product|products|logs|benchmarks|heavy|PICKLE|slc|orbits|dem|water_mask|aux_cal)/"
    r"|^\.\./(inputs|topsapp)"
)


def _python_strings(tree: ast.AST):
    """String constants that are not docstrings and not argparse help/description texts."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg in ("help", "description", "epilog"):
            for sub in ast.walk(node.value):
                skip.add(id(sub))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def test_no_run_directory_path_outside_the_layout_module():
    hits = []
    for f in CODE:
        if f.name == "layout.py":
            continue
        for line, text in _python_strings(ast.parse(f.read_text())):
            if not re.search(r"\s", text) and RUN_PATH.search(text):  # path-like literals, not prose
                hits.append(f"{_rel(f)}:{line}: {text!r}")
    for f in RULES:
        for i, line in enumerate(f.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            for text in re.findall(r"\"([^\"\s]*)\"", code):
                if RUN_PATH.search(text):
                    hits.append(f"{_rel(f)}:{i}: {text!r}")
    assert not hits, "\n".join(hits)


def _schema_keys(schema: dict, prefix: str = "") -> dict[str, object]:
    """Every key of the config schema that has a default: leaf name -> default."""
    out = {}
    for key, sub in (schema.get("properties") or {}).items():
        if "default" in sub:
            out[key] = sub["default"]
        out.update(_schema_keys(sub))
    return out


def _literal(node: ast.AST | None) -> bool:
    """A hand-written default: a constant other than None (e.g. 0.9, "vv", -1) or a list/dict display."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant):
        return node.value is not None
    return isinstance(node, (ast.List, ast.Tuple, ast.Dict))


def test_no_default_outside_the_config_schema():
    """A config key is read as cfg[key] (validation filled it in), never .get(key, <literal>); commands the
    rules call take it as a required option, or default to the schema's value (config.defaults())."""
    keys = _schema_keys(yaml.safe_load(SCHEMA_PATH.read_text()))
    hits = []
    for f in CODE:
        for node in ast.walk(ast.parse(f.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            args = node.args
            if (
                name == "get"
                and len(args) == 2
                and isinstance(args[0], ast.Constant)
                and args[0].value in keys
            ):
                if _literal(args[1]):
                    hits.append(f"{_rel(f)}:{node.lineno}: .get({args[0].value!r}, ...)")
            if name == "add_argument" and args and isinstance(args[0], ast.Constant):
                option = str(args[0].value).lstrip("-").replace("-", "_")
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                if option in keys and _literal(default):
                    hits.append(f"{_rel(f)}:{node.lineno}: --{option} has a default")
    for f in RULES:
        for i, line in enumerate(f.read_text().splitlines(), 1):
            if re.search(r"\.get\(\"(" + "|".join(map(re.escape, keys)) + r")\",\s*[^)]", line):
                hits.append(f"{_rel(f)}:{i}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_pair_json_is_checked_against_its_schema_on_read_and_write(tmp_path):
    from inputs_support import pair_json_doc

    good = pair_json_doc()
    path = tmp_path / "pair.json"
    pair_json.write(path, good)
    assert pair_json.read(path) == good
    bad = dict(good, track=400)
    del bad["roi_snwe"]
    with pytest.raises(pair_json.PairJsonError, match=r"roi_snwe.*required|track.*400") as err:
        pair_json.write(tmp_path / "bad.json", bad)
    assert not (tmp_path / "bad.json").exists()  # nothing half-written
    assert "re-run" in str(err.value).lower()
    path.write_text(json.dumps(bad))
    with pytest.raises(pair_json.PairJsonError, match="track"):
        pair_json.read(path)
    path.write_text(path.read_text()[:-20])  # truncated
    with pytest.raises(pair_json.PairJsonError, match="not valid JSON"):
        pair_json.read(path)
