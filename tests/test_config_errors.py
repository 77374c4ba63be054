"""Config errors fit on a screen: one line per problem naming the key, no schema dump, no config dump.

Unit tests cover the wording of each kind of problem; the subprocess tests run `snakemake -n` with a bad
`--config` on top of the default config (as a user would) and count what the error prints.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from gunw_workflow import config_errors
from gunw_workflow.config import load_config

REF = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
SEC = "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F"


def _problems(**cfg):
    return config_errors.problems({"reference_scenes": [REF], "secondary_scenes": [SEC], **cfg})


def test_a_valid_config_has_no_problems():
    assert config_errors.problems(load_config()) == []


def test_typo_suggests_the_known_key():
    assert _problems(goldstien_filter_power=0.3) == [
        "goldstien_filter_power: unknown key; did you mean goldstein_filter_power?"
    ]


def test_reference_tool_cli_spelling_suggests_the_config_key():
    assert _problems(**{"output-resolution": 30}) == [
        "output-resolution: unknown key; did you mean output_resolution?"
    ]


def test_nested_key_given_at_top_level_points_to_its_section():
    assert _problems(unwrapper="icu") == ["unwrapper: unknown key here; did you mean topsapp.unwrapper?"]


def test_unknown_nested_key_lists_the_section_keys_when_nothing_is_close():
    (line,) = _problems(local_inputs={"zzz": "x"})
    assert line.startswith("local_inputs.zzz: unknown key; the keys of local_inputs are: slc_dir, orbit_dir")


@pytest.mark.parametrize(
    "cfg, expected",
    [
        ({"output_resolution": 60}, "output_resolution: 60 is not allowed; allowed: one of 30, 90"),
        (
            {"estimate_ionosphere_delay": "yes"},
            "estimate_ionosphere_delay: 'yes' is a string; expected true or false",
        ),
        ({"goldstein_filter_power": -1}, "goldstein_filter_power: -1 is not allowed; allowed: >= 0"),
        (
            {"esd_coherence_threshold": 1.5},
            "esd_coherence_threshold: 1.5 is not allowed; allowed: -1 or 0 to 1",
        ),
        ({"topsapp": {"swaths": [4]}}, "topsapp.swaths[0]: 4 is not allowed; allowed: one of 1, 2, 3"),
        (
            {"pairs": [{"reference_scenes": [REF]}]},
            "pairs[0].secondary_scenes: missing (required: reference_scenes, secondary_scenes)",
        ),
        (
            {"resources": {"topsapp_topo": {"threads": 0}}},
            "resources.topsapp_topo.threads: 0 is not allowed; allowed: >= 1",
        ),
        ({"topsapp": 3}, "topsapp: 3 is an integer; expected a mapping"),
    ],
)
def test_each_violation_is_one_line_with_key_value_and_allowed(cfg, expected):
    assert _problems(**cfg) == [expected]


def test_reference_tool_keys_get_a_note_and_their_values_are_never_shown():
    lines = _problems(username="someone", password="hunter2-secret", dry_run="yes-please")
    assert [line.split(":")[0] for line in lines] == ["dry_run", "password", "username"]
    text = "\n".join(lines)
    assert "~/.netrc" in text and "snakemake -n" in text
    assert "hunter2" not in text and "someone" not in text and "yes-please" not in text


def test_unknown_key_values_are_never_shown():
    (line,) = _problems(api_token="abc123-secret")
    assert "abc123" not in line


def test_every_problem_is_reported_at_once():
    lines = _problems(output_resolution=60, goldstien_filter_power=1, topsapp={"unwrapper": "grass"})
    assert len(lines) == 3


# ---- what a user sees: `snakemake -n --config ...` on top of the default config ----


def _dry_run(tmp_path, *config):
    env = dict(os.environ, HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile")]
    cmd += ["--directory", str(tmp_path), "--config", *config]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "config, key",
    [
        (["goldstien_filter_power=0.3"], "did you mean goldstein_filter_power"),  # unknown key
        (["output_resolution=60"], "output_resolution: 60"),  # value not allowed
        (["estimate_ionosphere_delay=yes"], "estimate_ionosphere_delay: 'yes'"),  # wrong type
        (
            ["username=someone", "password=hunter2-secret"],
            "password: a credential-named key",
        ),  # reference-tool keys
        (["dry_run=true"], "dry_run: reference-tool key"),
    ],
)
def test_snakemake_prints_the_error_in_at_most_five_lines(tmp_path, config, key):
    proc = _dry_run(tmp_path, *config)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    (stream,) = [
        s for s in (proc.stdout, proc.stderr) if "WorkflowError" in s
    ]  # Snakemake's choice of stream
    error = stream[stream.index("WorkflowError") :].strip().splitlines()
    assert len(error) <= 5, "\n".join(error)
    assert key in out
    assert "Failed validating" not in out and "$schema" not in out  # no schema dump
    assert "hunter2" not in out and "someone" not in out


def test_config_on_the_command_line_overrides_the_default_config(tmp_path):
    """`--config key=value` without --configfile keeps the default pair (it used to drop it)."""
    proc = _dry_run(tmp_path, "output_resolution=30")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "topsapp_geocode" in proc.stdout
    assert "resample_dem" not in proc.stdout  # 30 m geocodes on the 1-arcsec DEM: the override took effect
