"""The Snakemake report and the run's closing lines: unit tests of the figures, the summary and the console
summary, and end-to-end checks on one finished double demo (the `demo_double` fixture):
`snakemake --report` builds and holds the quick-look, the product summary and the run figures.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

import test_e2e_matrix
from e2e import double_env, snakemake_cmd
from gunw_workflow import layout, run_summary
from gunw_workflow.product import browse, provenance
from gunw_workflow.report import run as report_run


def _synthetic_product(rows=300, cols=120):
    lat = np.linspace(35.1, 34.9, rows)
    lon = np.linspace(-118.05, -117.95, cols)
    yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    unw = 0.05 * xx + 0.02 * yy
    conncomp = np.ones((rows, cols))
    conncomp[:, :10] = 0  # a strip that was not unwrapped
    coherence = np.clip(0.3 + 0.6 * xx / cols, 0, 1)
    return unw, conncomp, coherence, lon, lat


def test_quicklook_is_large_with_colour_bars_and_masks(tmp_path):
    unw, conncomp, coherence, lon, lat = _synthetic_product()
    out = tmp_path / "q.png"
    width, height = browse.write_quicklook(out, unw, conncomp, coherence, lon, lat, title="t")
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[:2] == (height, width) and width >= 1200 and height >= 400
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 200  # colour bars and phase, not a blank canvas
    # the browse of the product itself is unchanged: 20 % of the grid, re-wrapped phase
    assert browse.write_browse(tmp_path / "b.png", unw, conncomp) == (24, 60)


@pytest.mark.parametrize("span, length", [(3.3, 0.5), (9.1, 1.0), (60.0, 10.0), (250.0, 50.0)])
def test_scale_bar_is_a_round_fifth_of_the_width(span, length):
    assert browse._nice_length_km(span) == length


def _summary(pair, ref, sec, bperp, coh, steps=None):
    return {
        "pair": pair,
        "product": f"{pair}.nc",
        "reference_date": ref,
        "secondary_date": sec,
        "temporal_baseline_days": 12,
        "perpendicular_baseline_m": bperp,
        "mean_coherence": coh,
        "percent_unwrapped": 90.0,
        "connected_components": 1,
        "steps": steps
        or {"topsapp_topo": {"s": 10.0, "max_rss_mb": 500.0}, "package_gunw": {"s": 2.0, "max_rss_mb": None}},
    }


def test_run_figures_from_summaries(tmp_path):
    summaries = [
        _summary("b", "2020-01-25", "2020-01-13", -40.0, 0.5),
        _summary(
            "a", "2020-01-13", "2020-01-01", 25.0, 0.8, {"topsapp_topo": {"s": 30.0, "max_rss_mb": 900.0}}
        ),
    ]
    listing = tmp_path / "list.txt"
    for i, s in enumerate(summaries):
        (tmp_path / f"{i}.json").write_text(json.dumps(s))
    listing.write_text("".join(f"{tmp_path / f'{i}.json'}\n" for i in range(2)))
    rules, seconds, rss = report_run.step_costs(report_run.read_summaries(str(listing)))
    assert rules == ["topsapp_topo", "package_gunw"]
    assert seconds[0].tolist() == [10.0, 30.0] and np.isnan(seconds[1, 1]) and np.isnan(rss[1, 0])
    out = {k: tmp_path / f"{k}.{ext}" for k, ext in (("bench", "png"), ("stack", "png"), ("table", "html"))}
    args = ["--summaries", str(listing), "--benchmarks-png", str(out["bench"])]
    assert report_run.main(args + ["--stack-png", str(out["stack"]), "--stack-html", str(out["table"])]) == 0
    for key in ("bench", "stack"):
        assert Image.open(out[key]).size[0] >= 800
    table = out["table"].read_text()
    assert table.index("<td>a</td>") < table.index("<td>b</td>")  # sorted by date


def test_stack_baselines_are_recovered_from_the_pairs():
    truth = {"2020-01-01": 0.0, "2020-01-13": 35.0, "2020-01-25": -20.0, "2020-02-06": 80.0}
    dates = list(truth)
    pairs = [(dates[i], dates[j]) for i in range(4) for j in range(i + 1, min(i + 3, 4))]
    summaries = [_summary(f"{s}_{r}", r, s, truth[r] - truth[s], 0.5) for s, r in pairs]
    assert report_run.acquisition_baselines(summaries) == pytest.approx(truth, abs=1e-9)


def test_recorded_config_is_the_same_from_params_and_from_the_environment():
    config = {"output_resolution": 90, "min_frame_coverage": 0.9, "resources": {}, "reference_scenes": ["x"]}
    pair = {"reference_scenes": ["R"], "secondary_scenes": ["S"], "frame_id": -1, "track": 4}
    shared = provenance.shared(config)
    record = provenance.for_pair(shared, pair)
    assert record == {
        "output_resolution": 90,
        "reference_scenes": ["R"],
        "secondary_scenes": ["S"],
        "frame_id": -1,
    }
    env = {provenance.ENV: provenance.env_json(shared)}
    assert provenance.from_environment(pair, env) == record
    quoted = {"local_inputs": {"dem": "/data/o'neill/dem.wgs84"}}
    assert "'" not in provenance.env_json(quoted)
    assert json.loads(provenance.env_json(quoted)) == quoted
    with pytest.raises(KeyError, match=provenance.ENV):
        provenance.from_environment(pair, {})


def test_closing_summary_lists_delivered_products_and_failed_pairs_with_logs(tmp_path):
    run = layout.RunLayout(tmp_path / "results", tmp_path / "cache")
    good, bad, waiting = run.pair("F1_a"), run.pair("F1_b"), run.pair("F1_c")
    for d in (good.product, bad.logs, waiting.root):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    (tmp_path / good.validated_ok).write_text("P1.nc\n")
    (tmp_path / good.product_name_txt).write_text("P1.nc\n")
    delivered = tmp_path / layout.delivery(run.products, "P1", ".nc")
    delivered.parent.mkdir(parents=True)
    delivered.write_text("")
    (tmp_path / good.delivered_txt).write_text(f"{delivered}\n{delivered.with_suffix('.json')}\n")
    log = tmp_path / "snakemake.log"
    log.write_text(
        "Error in rule topsapp_filter:\n    jobid: 3\n"
        f"    log: {bad.log('topsapp_filter')} (check log file(s) for error details)\n"
        "Error in rule download_slc:\n    jobid: 9\n"
        f"    log: {run.cache.log('download_slc', 'S1A_X')} (check log file(s) for error details)\n"
        "Shutting down, this might take some time.\n"
    )
    lines = run_summary.summary(run, ["F1_a", "F1_b", "F1_c"], [str(log)])
    assert lines[0] == "GUNW products delivered: 1 of 3 pair(s)"
    assert lines[1] == f"  {delivered}"
    assert lines[2] == "1 pair(s) failed:"
    assert lines[3] == f"  F1_b: topsapp_filter (log {bad.log('topsapp_filter')})"
    assert lines[4].startswith("1 shared job(s) failed: download_slc (log ")
    assert lines[5].startswith("1 pair(s) without a delivered product yet")
    assert len(lines) == 6


# ---- end to end: the finished double demo (demo_double) ----


@pytest.mark.e2e
def test_report_of_the_double_demo(demo_double, tmp_path):
    run = demo_double
    pair = layout.PairDir(run.pair_dir)
    summary = json.loads(open(pair.summary_json).read())
    name = (run.pair_dir / "product" / "product_name.txt").read_text().strip()
    assert summary["product"] == name and summary["track"] == 4 and summary["connected_components"] >= 1
    assert 0 < summary["percent_unwrapped"] <= 100 and 0 < summary["mean_coherence"] <= 1
    benchmarks = sorted(p.stem for p in (run.pair_dir / "benchmarks").glob("*.tsv"))
    assert sorted(summary["steps"]) == benchmarks and "package_gunw" in benchmarks  # every benchmarked job
    report = tmp_path / "report.html"
    proc = subprocess.run(
        snakemake_cmd(run.workdir, test_e2e_matrix.Matrix.files("demo_30m"), "--report", str(report)),
        env=double_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = report.read_text()
    assert "ARIA S1-GUNW" in text  # the workflow description
    quicklook = base64.b64encode(open(pair.quicklook_png, "rb").read()).decode()
    summary_html = base64.b64encode(open(pair.summary_html, "rb").read()).decode()
    assert quicklook in text and summary_html in text  # embedded as data URIs
    for item in ("benchmarks.png", "stack.png", "stack.html"):
        assert item in text
    assert "mean filtered coherence" in open(pair.summary_html).read()


@pytest.mark.e2e
def test_console_of_the_double_demo(demo_double):
    """No kilobytes of JSON in any shell command, and the last lines say where the product is."""
    run = demo_double
    console = run.stderr
    commands = [line for line in console.splitlines() if line.startswith("Shell command:")]
    assert commands and max(len(c) for c in commands) < 1200, max(commands, key=len)[:300]
    package = [c for c in commands if "gunw package" in c]
    assert package and "reference_scenes" not in package[0]
    name = (run.pair_dir / "product" / "product_name.txt").read_text().strip().removesuffix(".nc")
    tail = console[console.index("GUNW products delivered: 1 of 1 pair(s)") :]
    assert re.search(rf"^  \S*/products/{name}/{name}\.nc$", tail, flags=re.M), tail[:500]


@pytest.mark.e2e
def test_console_of_a_failed_run_names_the_pair_the_step_and_its_log(tmp_path):
    """A step that fails (here: ISCE2's interpreter is /bin/false): its log is printed under the error, and the
    last lines name the failed pair, the job and the log file."""
    config = {"isce2": "{python: /bin/false}", "results_dir": "results"}
    proc = subprocess.run(
        snakemake_cmd(tmp_path, test_e2e_matrix.DEMO, config=config),
        env=double_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode != 0
    console = proc.stdout + proc.stderr
    (pair,) = [p.name for p in (tmp_path / "results").iterdir() if (p / "pair.json").exists()]
    log = f"results/{pair}/logs/topsapp_preprocess.log"
    assert "Logfile " + log in console  # show-failed-logs: the job's own log follows its error
    tail = console[console.index("GUNW products delivered: 0 of 1 pair(s)") :].splitlines()
    assert tail[1:3] == ["1 pair(s) failed:", f"  {pair}: topsapp_preprocess (log {log})"], tail[:4]
