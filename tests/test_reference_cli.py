"""`isce2_topsapp` (gunw_workflow.reference_cli): the reference tool's arguments and conventions, the config it
writes, the Snakemake run it drives in process, its exit codes, and credentials that never get written."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from e2e import double_env, planned_jobs
from gunw_workflow import layout, reference_cli
from gunw_workflow.config import load_schema

REF = [
    "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E",
    "S1A_IW_SLC__1SDV_20220212T222828_20220212T222855_041886_04FCA3_A3E2",
]
SEC = [
    "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F",
    "S1A_IW_SLC__1SDV_20220131T222828_20220131T222855_041711_04F690_28D7",
]
README_EXAMPLE = ["--reference-scenes", *REF, "--secondary-scenes", *SEC, "--frame-id", "25502"]
FAKE_PASSWORD = "Fake-Pa55word-7e1c9b-NEVER-WRITTEN"
FAKE_USER = "fake-user-3d9f0a"


def _config(*argv: str, base: dict | None = None) -> dict:
    plus, args, _ = reference_cli.parse(list(argv))
    return reference_cli.build_config(plus, args, base)


def _cli(cwd: Path, *argv: str, env: dict | None = None, timeout=600) -> subprocess.CompletedProcess:
    """The command as a user runs it (offline: any network use would hit a closed port)."""
    env = dict(env or double_env())
    env["HOME"] = str(cwd)  # no ~/.netrc
    for var in ("EARTHDATA_USERNAME", "EARTHDATA_PASSWORD"):
        env.pop(var, None)
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"  # loopback servers only (moto)
    cmd = [sys.executable, "-m", "gunw_workflow.reference_cli", *argv]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# ---- the reference's conventions ----


@pytest.mark.parametrize(
    "argv",
    [
        ["--reference-scenes", f"{REF[0]} {REF[1]}", "--secondary-scenes", f"{SEC[0]} {SEC[1]}"],
        ["--reference-scenes", *REF, "--secondary-scenes", *SEC],
        ["--reference-scenes", REF[0], f" {REF[1]} ", "--secondary-scenes", f"{SEC[0]}\t{SEC[1]}"],
        ["--secondary-scenes", *SEC, "--reference-scenes", f"{REF[0]} {REF[1]}"],
    ],
    ids=["one-string-each", "one-value-per-scene", "mixed-with-whitespace", "order"],
)
def test_scene_lists_are_whitespace_split_and_flattened(argv):
    cfg = _config(*argv)
    assert cfg["reference_scenes"] == REF and cfg["secondary_scenes"] == SEC


@pytest.mark.parametrize("text, value", [("True", True), ("true", True), ("FALSE", False), ("fAlSe", False)])
def test_switches_take_true_or_false_in_any_capitalization(text, value):
    cfg = _config(*README_EXAMPLE, "--estimate-ionosphere-delay", text, "--dense-offsets", text)
    assert cfg["estimate_ionosphere_delay"] is value and cfg["dense_offsets"] is value


@pytest.mark.parametrize("text", ["yes", "1", "T", ""])
def test_other_switch_values_exit_2_with_the_references_message(text, capsys):
    assert reference_cli.main([*README_EXAMPLE, "--compute-solid-earth-tide", text]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "isce2_topsapp: error: argument --compute-solid-earth-tide: Only the strings `true` or `false` "
        "(any capitalization) may be provided."
    )


def test_every_reference_argument_maps_to_its_config_key():
    cfg = _config(
        *README_EXAMPLE,
        "--estimate-ionosphere-delay", "false",
        "--compute-solid-earth-tide", "False",
        "--output-resolution", "30",
        "--unfiltered-coherence", "FALSE",
        "--goldstein-filter-power", "0.3",
        "--dense-offsets", "True",
        "--wrapped-phase-layer", "true",
        "--esd-coherence-threshold", "0.7",
        "--min-frame-coverage", "0.8",
        "--bucket", "my-bucket",
        "--bucket-prefix", "job-1",
    )  # fmt: skip
    assert cfg == {
        "reference_scenes": REF,
        "secondary_scenes": SEC,
        "frame_id": 25502,
        "min_frame_coverage": 0.8,
        "estimate_ionosphere_delay": False,
        "compute_solid_earth_tide": False,
        "output_resolution": 30,
        "unfiltered_coherence": False,
        "goldstein_filter_power": 0.3,
        "dense_offsets": True,
        "wrapped_phase_layer": True,
        "esd_coherence_threshold": 0.7,
        "bucket": "my-bucket",
        "bucket_prefix": "job-1",
        "results_dir": "results",
        "cache_dir": "cache",
    }
    top_level = set(load_schema()["properties"])
    assert set(cfg) <= top_level  # every key is a schema key: the schema stays the only definition


def test_arguments_not_given_keep_the_schemas_defaults_or_the_base_config():
    assert _config(*README_EXAMPLE) == {
        "reference_scenes": REF, "secondary_scenes": SEC, "frame_id": 25502,
        "results_dir": "results", "cache_dir": "cache",
    }  # fmt: skip
    base = {"output_resolution": 30, "local_inputs": {"dem": "x.wgs84"}, "reference_scenes": ["old"]}
    cfg = _config(*README_EXAMPLE, "--results-dir", "out", base=base)
    assert cfg["output_resolution"] == 30 and cfg["local_inputs"] == {"dem": "x.wgs84"}
    assert cfg["reference_scenes"] == REF and cfg["results_dir"] == "out"


def test_dates_replace_scenes_and_both_for_one_side_is_an_error(capsys):
    cfg = _config(
        "--frame-id", "9847", "--reference-date", "2022-02-12", "--secondary-date", "2022-01-31",
        base={"reference_scenes": REF, "secondary_scenes": SEC},
    )  # fmt: skip
    assert (cfg["reference_date"], cfg["secondary_date"], cfg["frame_id"]) == (
        "2022-02-12",
        "2022-01-31",
        9847,
    )
    assert "reference_scenes" not in cfg and "secondary_scenes" not in cfg
    assert reference_cli.main([*README_EXAMPLE, "--reference-date", "2022-02-12"]) == 2
    assert capsys.readouterr().err.strip() == (
        "isce2_topsapp: error: give --reference-scenes or --reference-date, not both"
    )


def test_omp_num_threads_sets_the_threads_of_the_multithreaded_steps_anywhere_on_the_line():
    for argv in (["++omp-num-threads", "8", *README_EXAMPLE], [*README_EXAMPLE, "++omp-num-threads", "8"]):
        cfg = _config(*argv)
        threads = {step: r["threads"] for step, r in cfg["resources"].items()}
        assert threads and set(threads.values()) == {8}
        assert {"topo", "geocode", "fineresamp", "ion"} <= set(threads)
        assert "unwrap" not in threads  # snaphu is single-threaded: OpenMP threads would idle
    cfg = _config("++omp-num-threads", "2", *README_EXAMPLE, base={"resources": {"topo": {"mem_mb": 9000}}})
    assert cfg["resources"]["topo"] == {"mem_mb": 9000, "threads": 2}


def test_process_gunw_slc_runs_other_processes_fail_with_one_line(capsys):
    assert _config("++process", "gunw_slc", *README_EXAMPLE)["frame_id"] == 25502
    assert reference_cli.main(["++process", "gunw_burst", *README_EXAMPLE]) == 2
    assert capsys.readouterr().err.strip() == (
        "isce2_topsapp: error: ++process gunw_burst is not supported: this workflow makes the ARIA S1-GUNW "
        "product from SLC scenes, the reference's gunw_slc; drop ++process or use ++process gunw_slc"
    )
    assert reference_cli.main(["++process", "topsapp", *README_EXAMPLE]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "'topsapp' is unknown" in line and "gunw_slc, gunw_burst, coseis_sar" in line


def test_credentials_go_to_the_environment_only():
    plus, args, _ = reference_cli.parse(
        [*README_EXAMPLE, "--username", FAKE_USER, "--password", FAKE_PASSWORD]
    )
    cfg = reference_cli.build_config(plus, args)
    assert FAKE_PASSWORD not in repr(cfg) and FAKE_USER not in repr(cfg)
    assert reference_cli.credentials_env(args) == {
        "EARTHDATA_USERNAME": FAKE_USER,
        "EARTHDATA_PASSWORD": FAKE_PASSWORD,
    }


def test_arguments_after_a_double_dash_go_to_snakemake():
    _, args, extra = reference_cli.parse([*README_EXAMPLE, "--", "--profile", "p", "--jobs", "3"])
    assert extra == ["--profile", "p", "--jobs", "3"] and args.frame_id == 25502
    argv = reference_cli.snakemake_argv("r/c.yaml", True, "4", extra)
    assert argv == [
        "--snakefile", str(REPO / "Snakefile"), "--configfile", "r/c.yaml", "--cores", "4", "-n",
        "--profile", "p", "--jobs", "3",
    ]  # fmt: skip


def test_the_console_script_is_declared():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, func = scripts["isce2_topsapp"].split(":")
    assert module == reference_cli.__name__ and getattr(reference_cli, func) is reference_cli.main


# ---- runs: the README example, equivalence with plain snakemake, exit codes, credentials ----


def test_readme_example_dry_run_prints_the_plan_offline_and_plain_snakemake_gives_the_same(tmp_path):
    proc = _cli(tmp_path, *README_EXAMPLE, "--dry-run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = planned_jobs(proc.stdout)
    assert "F25502_20220212_20220131" in proc.stdout
    assert {"check_pair", "burst_safe", "topsapp_preprocess", "package_gunw", "validate_gunw"} <= set(jobs)
    written = tmp_path / layout.RunLayout("results", "cache").cli_config
    cfg = yaml.safe_load(written.read_text())
    assert cfg["frame_id"] == 25502 and cfg["reference_scenes"] == REF
    repeat = next(line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("snakemake "))
    assert (
        repeat
        == f"snakemake --snakefile {REPO / 'Snakefile'} --configfile {layout.RunLayout('results', 'cache').cli_config} -n"
    )
    env = double_env()
    env["HOME"] = str(tmp_path)
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"
    plain = subprocess.run(
        [sys.executable, "-m", *repeat.split()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert plain.returncode == 0, plain.stderr[-3000:]

    def plan(out):
        """Every planned job: (rule, the words of its reason and output), in a fixed order (Snakemake lists jobs
        of one rule, and a reason's files, in set order)."""
        jobs, rule, words = [], None, []
        for line in out.splitlines() + ["rule end:"]:
            m = re.match(r"^(?:local)?rule (\S+):$", line.strip())
            if m:
                if rule:
                    jobs.append((rule, tuple(sorted(words))))
                rule, words = m.group(1), []
            elif rule and line.strip().startswith(("reason:", "output:")):
                words += re.split(r"[\s,;]+", line.strip())
        return sorted(jobs)

    assert plan(plain.stdout) == plan(proc.stdout)

    def stats(out):
        return [line for line in out.splitlines() if line[:1].isalpha() and line.split()[-1].isdigit()]

    assert stats(plain.stdout) == stats(proc.stdout)


@pytest.mark.skipif(
    "reference_date" not in load_schema()["properties"],
    reason="frame + dates pairs (config reference_date/secondary_date, branch `frames`) are not in this schema",
)
def test_frame_and_dates_dry_run_plans_the_resolving_rule_offline(tmp_path):
    """HyP3's ARIA_S1_GUNW call (frame + dates, coverage 0.9), planned without network: the scenes are found by the
    workflow's first rule, so the plan starts there."""
    argv = ["++omp-num-threads", "4", "--reference-date", "2022-02-12", "--secondary-date", "2022-01-31"]
    proc = _cli(tmp_path, *argv, "--frame-id", "25502", "--min-frame-coverage", "0.9", "--dry-run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    cfg = yaml.safe_load((tmp_path / layout.RunLayout("results", "cache").cli_config).read_text())
    assert (cfg["reference_date"], cfg["secondary_date"], cfg["frame_id"]) == (
        "2022-02-12",
        "2022-01-31",
        25502,
    )
    assert "reference_scenes" not in cfg
    assert "resolve_pair" in proc.stdout


def test_a_config_error_prints_the_workflows_line_and_exits_1(tmp_path):
    proc = _cli(tmp_path, *README_EXAMPLE, "--output-resolution", "60", "--dry-run")
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "output_resolution: 60 is not allowed; allowed: one of 30, 90" in out
    assert "Failed validating" not in out and "$schema" not in out


def test_a_bad_scene_id_is_the_workflows_message_and_exit_1(tmp_path):
    proc = _cli(tmp_path, "--reference-scenes", "S1A_NOT_A_SCENE", "--secondary-scenes", SEC[0], "--dry-run")
    assert proc.returncode == 1
    assert "Invalid config" in proc.stdout + proc.stderr and "S1A_NOT_A_SCENE" in proc.stdout + proc.stderr


def test_unknown_arguments_exit_2(tmp_path):
    proc = _cli(tmp_path, *README_EXAMPLE, "--no-such-option", "1")
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr
    assert not (tmp_path / "results").exists()  # nothing written for a command line that cannot run


def _grep_tree(roots, needles) -> list[str]:
    hits = []
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                hits += [f"{path}: {n}" for n in needles if n.encode() in data]
    return hits


def test_credentials_are_never_written_in_a_dry_run(tmp_path):
    proc = _cli(tmp_path, *README_EXAMPLE, "--username", FAKE_USER, "--password", FAKE_PASSWORD, "--dry-run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert FAKE_PASSWORD not in proc.stdout + proc.stderr and FAKE_USER not in proc.stdout + proc.stderr
    roots = [tmp_path / d for d in ("results", "cache", ".snakemake") if (tmp_path / d).exists()]
    assert tmp_path / "results" in roots and tmp_path / ".snakemake" in roots
    assert _grep_tree(roots, [FAKE_PASSWORD, FAKE_USER]) == []


@pytest.mark.e2e
def test_double_demo_through_the_command_line_uploads_and_writes_no_credential(tmp_path, monkeypatch):
    """The double demo run by `isce2_topsapp` (its pair from --configfile, the product options as arguments,
    a fake Earthdata login, delivery to moto on loopback): exit 0, the product in the bucket, and the fake
    password nowhere under results, cache or .snakemake."""
    from moto.server import ThreadedMotoServer

    from s3_support import FAKE_KEY_ID, FAKE_SECRET, aws_env

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        env = aws_env(double_env())
        import boto3

        for var, value in aws_env().items():
            monkeypatch.setenv(var, value)
        s3 = boto3.session.Session().client("s3", endpoint_url=url)
        s3.create_bucket(Bucket="gunw-cli-test")
        demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
        for key in ("reference_scenes", "secondary_scenes", "frame_id", "output_resolution"):
            demo.pop(key)  # given on the command line instead
        demo["demo"]["outdir"] = "inputs"
        demo["local_inputs"] = {
            k: v.replace("demo/inputs", "inputs") for k, v in demo["local_inputs"].items()
        }
        demo["delivery"] = {"s3_endpoint_url": url}
        base = tmp_path / "base.yaml"
        base.write_text(yaml.safe_dump(demo))
        ref = "S1A_IW_SLC__1SDV_20200113T015202_20200113T015205_030176_037499_8C2B"
        sec = "S1A_IW_SLC__1SDV_20200101T015202_20200101T015205_030001_036EA1_5E1A"
        proc = _cli(
            tmp_path,
            "--configfile", str(base), "--reference-scenes", ref, "--secondary-scenes", sec, "--frame-id", "-1",
            "--output-resolution", "30", "--estimate-ionosphere-delay", "False",  # the ionosphere: tests/test_e2e_*
            "--username", FAKE_USER, "--password", FAKE_PASSWORD,
            "--bucket", "gunw-cli-test", "--bucket-prefix", "job-7", "--results-dir", "results",
            "--cache-dir", "cache", "++omp-num-threads", "2", "--cores", "2",
            env=env, timeout=900,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-5000:]
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="gunw-cli-test")["Contents"])
        assert len(keys) == 3 and all(k.startswith("job-7/S1-GUNW_CUSTOM-") for k in keys)
        out = proc.stdout + proc.stderr
        assert FAKE_PASSWORD not in out and FAKE_USER not in out
        roots = [
            tmp_path / d for d in ("results", "cache", "inputs", ".snakemake") if (tmp_path / d).is_dir()
        ]
        assert {tmp_path / "results", tmp_path / ".snakemake"} <= set(roots)  # (the demo's inputs are local)
        assert _grep_tree(roots, [FAKE_PASSWORD, FAKE_USER]) == []
        assert _grep_tree([tmp_path / ".snakemake"], [FAKE_KEY_ID, FAKE_SECRET]) == []
    finally:
        server.stop()
