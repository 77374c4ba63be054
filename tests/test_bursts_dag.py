"""Burst mode in the plan: a frame stack plans one burst2safe SAFE per date, shared by every pair using it."""

from __future__ import annotations

import yaml

from test_dry_run import _dry_run, _job_counts

REF = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
SEC = "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F"
OLD = "S1A_IW_SLC__1SDV_20220119T222803_20220119T222830_041536_04F0A1_1A2B"


def test_a_stack_plans_one_safe_per_date_and_no_slc(tmp_path):
    cfg = {
        "frame_id": 25502,
        "reference_scenes": [REF],
        "secondary_scenes": [SEC],
        "pairs": [
            {"reference_scenes": [REF], "secondary_scenes": [SEC]},
            {"reference_scenes": [REF], "secondary_scenes": [OLD]},
            {"reference_scenes": [SEC], "secondary_scenes": [OLD]},
        ],
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = _dry_run(tmp_path, "--configfile", str(path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = _job_counts(proc.stdout)
    assert stats["check_pair"] == 3
    assert stats["burst_safe"] == 3 and "download_slc" not in stats  # 3 dates, 6 date uses
    for day in ("20220212", "20220131", "20220119"):
        assert f"bursts/safe/F25502_{day}_VV_IW123.SAFE" in proc.stdout
