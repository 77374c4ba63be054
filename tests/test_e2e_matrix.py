"""The test-config matrix: config/test/<variant>.yaml on top of config/demo.yaml, each through the real Snakemake
DAG with the ISCE2 test double to a validated product, checked for what the variant must change in the product.

Inputs are generated once per distinct `demo:` section (one swath, two swaths, ESD-wide bursts) by the workflow's
own rule generate_demo_pair and linked into every variant's working directory. The variants a session needs run
before the first check, two at a time (on 2 cores that beats one run with --cores 2: most of a run is a chain of
single-process topsApp steps).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import rasterio

from conftest import REPO
from e2e import double_env, merged_config, planned_jobs, snakemake_cmd
from gunw_workflow.config import with_defaults
from gunw_workflow.topsapp import steps as topsapp_steps
from gunw_workflow.topsapp.topsapp_xml import topsapp_properties

pytestmark = pytest.mark.e2e

DEMO = REPO / "config" / "demo.yaml"
TEST_CONFIGS = REPO / "config" / "test"
VARIANTS = sorted(p.stem for p in TEST_CONFIGS.glob("*.yaml"))
DATA = "science/grids/data"
RMD = "science/radarMetaData"
IONO = "science/grids/corrections/derived/ionosphere"
PARALLEL_RUNS = int(os.environ.get("GUNW_MATRIX_PARALLEL", "2"))


@dataclass
class Run:
    variant: str
    workdir: Path
    config: dict
    seconds: float
    returncode: int
    stderr: str

    @property
    def pair_dir(self) -> Path:
        results = self.workdir / self.config["results_dir"]
        (pair,) = [p for p in results.iterdir() if (p / "product").is_dir()]
        return pair

    @property
    def topsapp(self) -> Path:
        return self.pair_dir / "topsapp"

    @property
    def inputs(self) -> Path:
        return self.workdir / self.config["demo"]["outdir"]

    def product(self) -> netCDF4.Dataset:
        return netCDF4.Dataset(self.pair_dir / "product" / "gunw.nc")


class Matrix:
    """Runs variants on demand; each distinct set of synthetic inputs is generated once."""

    def __init__(self, root: Path):
        self.root = root
        self.runs: dict[str, Run] = {}
        self.input_sets: dict[str, Path] = {}

    @staticmethod
    def files(variant: str) -> list[Path]:
        return [DEMO, TEST_CONFIGS / f"{variant}.yaml"]

    def inputs(self, variant: str) -> Path:
        """The generated inputs of this variant's `demo:` section (the directory holding demo.outdir)."""
        cfg = merged_config(self.files(variant))
        key = hashlib.sha1(json.dumps(cfg["demo"], sort_keys=True).encode()).hexdigest()[:10]
        if key not in self.input_sets:
            gen = self.root / f"inputs_{key}"
            cmd = snakemake_cmd(gen, self.files(variant), "generate_demo_pair")
            proc = subprocess.run(cmd, env=double_env(), capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-4000:]
            self.input_sets[key] = gen
        return self.input_sets[key]

    def prepare(self, variant: str) -> Path:
        work = self.root / variant
        cfg = merged_config(self.files(variant))
        outdir = cfg["demo"]["outdir"]
        link = work / outdir
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(self.inputs(variant) / outdir, target_is_directory=True)
        return work

    def _execute(self, variant: str, work: Path, cores: int) -> Run:
        cfg = merged_config(self.files(variant))
        t0 = time.monotonic()
        proc = subprocess.run(
            snakemake_cmd(work, self.files(variant), cores=cores),
            env=double_env(),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        return Run(variant, work, cfg, time.monotonic() - t0, proc.returncode, proc.stderr)

    def run_all(self, variants: list[str]) -> None:
        todo = [v for v in variants if v not in self.runs]
        works = {v: self.prepare(v) for v in todo}  # input generation first, serially
        parallel = max(1, min(PARALLEL_RUNS, len(todo)))
        cores = 1 if parallel > 1 else 2
        with ThreadPoolExecutor(parallel) as pool:
            for run in pool.map(lambda v: self._execute(v, works[v], cores), todo):
                self.runs[run.variant] = run
        if todo:
            timing = {v: round(self.runs[v].seconds, 1) for v in todo}
            (self.root / "timings.json").write_text(json.dumps(timing, indent=1))
            print(f"matrix run times (s, {parallel} at a time):", timing)

    def attempt(self, variant: str) -> Run:
        """The variant's run, whether or not it succeeded."""
        self.run_all([variant])
        return self.runs[variant]

    def get(self, variant: str) -> Run:
        """The variant's run, which must have ended in a validated, delivered product."""
        run = self.attempt(variant)
        assert run.returncode == 0, f"{variant}: snakemake failed ({run.returncode}):\n{run.stderr[-6000:]}"
        product = run.pair_dir / "product"
        assert (product / "validated.ok").exists(), f"{variant}: product not validated"
        name = (product / "product_name.txt").read_text().strip().removesuffix(".nc")
        delivered = run.workdir / run.config["results_dir"] / "products" / name / f"{name}.nc"
        assert delivered.exists(), delivered
        return run


# which variants each check reads (the session runs all that the selected checks need, up front)
NEEDS = {
    "test_demo_30m": ("demo_30m",),
    "test_standard_90m": ("standard_90m", "demo_30m"),
    "test_esd": ("esd",),
    "test_dense_offsets": ("dense_offsets",),
    "test_wrapped_phase": ("wrapped_phase",),
    "test_unwrapper_icu": ("unwrapper_icu",),
    "test_two_swaths": ("two_swaths", "demo_30m"),
    "test_two_swath_inputs_iw1": ("two_swath_inputs_iw1", "two_swaths"),
    "test_ionosphere_off": ("ionosphere_off", "demo_30m"),
}


@pytest.fixture(scope="session")
def matrix(request, tmp_path_factory) -> Matrix:
    m = Matrix(tmp_path_factory.mktemp("matrix"))
    wanted = []
    for item in request.session.items:
        for v in NEEDS.get(getattr(item, "originalname", item.name), ()):
            if v not in wanted:
                wanted.append(v)
    # longest first, so that two parallel runs end together
    order = [
        "esd",
        "two_swaths",
        "dense_offsets",
        "demo_30m",
        "two_swath_inputs_iw1",
        "standard_90m",
        "unwrapper_icu",
    ]
    wanted.sort(key=lambda v: order.index(v) if v in order else len(order))
    m.run_all(wanted)
    return m


def data_grid(nc: netCDF4.Dataset) -> dict:
    g = nc[DATA]
    out = {k: np.ma.filled(g[k][:].astype(float), np.nan) for k in ("unwrappedPhase", "connectedComponents")}
    out["lon"], out["lat"] = np.asarray(g["longitude"][:]), np.asarray(g["latitude"][:])
    return out


def phase_minus_truth(run: Run) -> dict:
    """Unwrapped phase of the product minus the generator's injected truth on pixels with a component >= 1."""
    with run.product() as nc:
        d = data_grid(nc)
    with rasterio.open(run.inputs / "truth" / "phase_geo.tif") as src:
        truth = src.read(1).astype(float)
        t = src.transform
    cols = np.rint((d["lon"] - (t.c + 0.5 * t.a)) / t.a).astype(int)
    rows = np.rint((d["lat"] - (t.f + 0.5 * t.e)) / t.e).astype(int)
    ok_c = (cols >= 0) & (cols < truth.shape[1])
    ok_r = (rows >= 0) & (rows < truth.shape[0])
    sampled = np.full(d["unwrappedPhase"].shape, np.nan)
    rr, cc = np.meshgrid(rows[ok_r], cols[ok_c], indexing="ij")
    sampled[np.ix_(ok_r, ok_c)] = truth[rr, cc]
    ok = (d["connectedComponents"] >= 1) & np.isfinite(d["unwrappedPhase"]) & np.isfinite(sampled)
    diff = d["unwrappedPhase"][ok] - sampled[ok]
    return {"pixels": int(ok.sum()), "std_rad": float((diff - diff.mean()).std())}


def valid_lon_span(run: Run) -> float:
    """Longitude extent (deg) of the pixels that carry unwrapped phase."""
    with run.product() as nc:
        d = data_grid(nc)
    cols = np.where((d["connectedComponents"] >= 1).any(axis=0))[0]
    return float(d["lon"][cols].max() - d["lon"][cols].min())


def pickle_property(run: Run, step: str, name: str) -> str:
    root = ET.parse(run.topsapp / "PICKLE" / f"{step}.xml").getroot()
    (prop,) = [p for p in root.findall("property") if p.get("name") == name]
    return prop.findtext("value")


# ------------------------------------------------------------------------------------------- the checks


def test_demo_30m(matrix):
    """The demo as `make demo-double` runs it: a validated, delivered CUSTOM product carrying the injected phase."""
    run = matrix.get("demo_30m")
    name = (run.pair_dir / "product" / "product_name.txt").read_text().strip()
    assert name.startswith("S1-GUNW_CUSTOM-A-R-004-tops-20200113_20200101-"), name
    with run.product() as nc:
        lat = np.asarray(nc[DATA]["latitude"][:])
        assert np.allclose(np.diff(lat), -1 / 3600, rtol=1e-6)
        assert nc[RMD]["unwrapMethod"][...] == "snaphu"
    # the double is not a SAR processor (a path-following unwrapper on a smoothed phase), but the product must
    # carry the injected signal with the right sign and place: measured 0.02 rad over 57k pixels
    result = phase_minus_truth(run)
    assert result["pixels"] > 10_000 and result["std_rad"] < 1.0, result


def test_standard_90m(matrix):
    run, ref = matrix.get("standard_90m"), matrix.get("demo_30m")
    with run.product() as nc, ref.product() as nc30:
        lat, lon = np.asarray(nc[DATA]["latitude"][:]), np.asarray(nc[DATA]["longitude"][:])
        assert np.allclose(np.diff(lat), -1 / 1200, rtol=1e-6) and np.allclose(
            np.diff(lon), 1 / 1200, rtol=1e-6
        )
        # the same area on a 3x coarser grid
        n30 = nc30[DATA]["longitude"].size
        assert abs(lon.size - n30 / 3) <= 2, (lon.size, n30)
        assert (
            abs((lon[-1] - lon[0]) - float(nc30[DATA]["longitude"][-1] - nc30[DATA]["longitude"][0]))
            < 2 / 1200
        )
        # the ionosphere grid is the ~1 km grid: 11 data pixels at 90 m (33 at 30 m)
        ilon = np.asarray(nc[IONO]["longitude"][:])
        assert np.allclose(np.diff(ilon), 11 / 1200, rtol=1e-6)
        assert json.loads(nc.getncattr("processing_settings"))["output_resolution"] == 90
    assert "S1-GUNW_CUSTOM" in (run.pair_dir / "product" / "product_name.txt").read_text()
    result = phase_minus_truth(run)
    assert result["pixels"] > 1_000 and result["std_rad"] < 1.0, result


def test_esd(matrix):
    run = matrix.get("esd")
    with run.product() as nc:
        assert float(nc[RMD]["ESDthreshold"][...]) == pytest.approx(0.85)
        line_time = float(nc[RMD]["azimuthTimeInterval"][...])
        pixel = float(nc[RMD]["slantRangeSpacing"][...])
    # the ESD steps measured corrections, and fineoffsets (the first step after them) started from them
    timing = float(pickle_property(run, "fineoffsets", "secondarytimingcorrection"))
    rng = float(pickle_property(run, "fineoffsets", "secondaryrangecorrection"))
    # a zero-baseline pair without deformation: a misregistration far below a line / a range pixel, but measured
    assert timing != 0.0 and abs(timing) < 0.01 * line_time, timing
    assert rng != 0.0 and abs(rng) < 0.2 * pixel, rng
    with rasterio.open(run.topsapp / "ESD" / "combined_IW1.off") as src:
        off = src.read(1)
    assert np.isfinite(off).all() and (off != 0).mean() > 0.5  # per-point estimates over the burst overlaps
    assert abs(np.median(off)) < 0.01 * line_time
    result = phase_minus_truth(run)
    assert result["pixels"] > 10_000 and result["std_rad"] < 1.0, result


def test_dense_offsets(matrix):
    run = matrix.get("dense_offsets")
    with run.product() as nc:
        g = nc[DATA]
        az = np.ma.filled(g["azimuthPixelOffsets"][:].astype(float), np.nan)
        rg = np.ma.filled(g["rangePixelOffsets"][:].astype(float), np.nan)
        cc = np.ma.filled(g["connectedComponents"][:].astype(float), np.nan)
    assert az.shape == rg.shape == cc.shape
    has = np.isfinite(az) & np.isfinite(rg)
    data = cc >= 0
    # Ampcor's default windows leave 4 x 31 offsets on the 540 x 1410 merged image (as in the recorded ISCE2 run):
    # geocoded, they cover the part of the data between the first and last offset locations, about 1/8 of it
    assert has.sum() > 3_000 and 0.05 < has[data].mean() < 0.5, (has.sum(), has[data].mean())
    assert not has[~data].any()
    # a coregistered zero-baseline pair: offsets are measurement noise around 0, well below a pixel
    assert abs(np.median(az[has])) < 0.2 and abs(np.median(rg[has])) < 0.2
    assert np.abs(az[has]).max() < 2 and np.abs(rg[has]).max() < 2
    assert np.std(az[has]) > 0 and np.std(rg[has]) > 0  # values, not a constant fill


def test_wrapped_phase(matrix):
    run = matrix.get("wrapped_phase")
    with run.product() as nc:
        g = nc[DATA]
        wrapped = np.ma.filled(g["wrappedPhase"][:].astype(float), np.nan)
        unw = np.ma.filled(g["unwrappedPhase"][:].astype(float), np.nan)
        cc = np.ma.filled(g["connectedComponents"][:].astype(float), np.nan)
    ok = (cc >= 1) & np.isfinite(wrapped) & np.isfinite(unw) & (wrapped != 0)
    assert ok.sum() > 10_000
    assert np.abs(wrapped[ok]).max() <= np.pi + 1e-5
    assert (
        np.ptp(unw[ok]) > 4 * np.pi
    )  # the ramp spans several cycles: the two layers are not trivially equal
    residual = np.angle(np.exp(1j * (wrapped[ok] - unw[ok])))
    assert np.median(np.abs(residual)) < 0.1, np.median(np.abs(residual))


def test_unwrapper_icu(matrix):
    # ISCE2's ICU writes its components to merged/filt_topophase.conncomp, and the geocode list follows it
    topsapp = matrix.attempt("unwrapper_icu").workdir / "demo" / "results-unwrapper_icu"
    (merged,) = topsapp.glob("*/topsapp/merged")
    assert (merged / "filt_topophase.conncomp").exists() and (merged / "filt_topophase.conncomp.geo").exists()
    assert not (merged / "filt_topophase.unw.conncomp").exists()
    run = matrix.get("unwrapper_icu")  # packaging reads the unwrapper's components and names the method
    with run.product() as nc:
        assert nc[RMD]["unwrapMethod"][...] == "icu"
        cc = np.ma.filled(nc[DATA]["connectedComponents"][:].astype(float), np.nan)
    with rasterio.open(run.topsapp / "merged" / "filt_topophase.conncomp.geo") as src:
        icu = src.read(1)
    assert cc.shape == icu.shape and (cc >= 1).sum() == (icu >= 1).sum() > 10_000


def test_two_swath_inputs_iw1(matrix):
    run, both = matrix.get("two_swath_inputs_iw1"), matrix.get("two_swaths")
    assert '<property name="swaths">[1]</property>' in (run.topsapp / "topsApp.xml").read_text()
    assert not (run.topsapp / "fine_interferogram" / "IW2.xml").exists()
    assert valid_lon_span(run) < valid_lon_span(both) - 0.01
    result = phase_minus_truth(run)
    assert result["pixels"] > 10_000 and result["std_rad"] < 1.0, result


def test_two_swaths(matrix):
    run, one = matrix.get("two_swaths"), matrix.get("demo_30m")
    xml = (run.topsapp / "topsApp.xml").read_text()
    assert '<property name="swaths">[1, 2]</property>' in xml
    for n in (1, 2):
        assert (run.topsapp / "fine_interferogram" / f"IW{n}.xml").exists()
    # IW2 continues IW1 in range (east, ascending): a wider grid and valid data further east, about twice the
    # unwrapped pixels of one swath
    assert valid_lon_span(run) > valid_lon_span(one) + 0.01, (valid_lon_span(run), valid_lon_span(one))
    with run.product() as nc, one.product() as nc1:
        assert nc[DATA]["longitude"].size > 1.25 * nc1[DATA]["longitude"].size
    result, result_one = phase_minus_truth(run), phase_minus_truth(one)
    assert result["pixels"] > 1.8 * result_one["pixels"] and result["std_rad"] < 1.0, (result, result_one)


NEEDS["test_ionosphere_filter"] = ("ionosphere_filter", "demo_30m")


def test_ionosphere_filter(matrix):
    """Another filter window changes the ionosphere and nothing of the interferogram."""
    run, ref = matrix.get("ionosphere_filter"), matrix.get("demo_30m")
    with run.product() as nc, ref.product() as nc_ref:
        a = np.ma.filled(nc[IONO]["ionosphere"][:].astype(float), np.nan)
        b = np.ma.filled(nc_ref[IONO]["ionosphere"][:].astype(float), np.nan)
        both = np.isfinite(a) & np.isfinite(b)
        assert both.sum() > 10 and not np.allclose(a[both], b[both])
        assert np.corrcoef(a[both], b[both])[0, 1] > 0.9
        for name in ("unwrappedPhase", "coherence", "connectedComponents"):
            assert np.array_equal(nc[DATA][name][:], nc_ref[DATA][name][:]), name


def test_ionosphere_off(matrix):
    run, ref = matrix.get("ionosphere_off"), matrix.get("demo_30m")
    assert not (run.topsapp / "merged" / "topophase.ion").exists()
    assert not (run.topsapp / "ion").exists()
    with run.product() as nc, ref.product() as nc_ion:
        derived = nc["science/grids/corrections"].groups.get("derived")
        assert derived is None or "ionosphere" not in derived.groups
        assert "ionosphere" in nc_ion["science/grids/corrections/derived"].groups
        assert "estimate_ionosphere_delay" in nc.getncattr("processing_settings")
        assert json.loads(nc.getncattr("processing_settings"))["estimate_ionosphere_delay"] is False
        # the ionosphere is estimated, never applied: switching it off leaves the interferogram unchanged
        a = np.ma.filled(nc[DATA]["unwrappedPhase"][:].astype(float), np.nan)
        b = np.ma.filled(nc_ion[DATA]["unwrappedPhase"][:].astype(float), np.nan)
        assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def test_every_test_config_is_checked():
    assert set(VARIANTS) == {v for needs in NEEDS.values() for v in needs}
    assert all(
        name.removeprefix("test_") in VARIANTS
        for name in NEEDS
        if not name.startswith(("test_incremental", "test_settings", "test_killed"))
    )


# ---- incremental = clean: from a finished run of `base`, switch to a variant and re-run -------------------------
INCREMENTAL = [
    ("demo_30m", "unwrapper_icu"),
    ("demo_30m", "ionosphere_off"),
    (
        "demo_30m",
        "ionosphere_filter",
    ),  # the project's filter: ion_filter onward, no topsApp job before geocode
    ("demo_30m", "dense_offsets"),
    ("demo_30m", "wrapped_phase"),
    ("demo_30m", "standard_90m"),
    ("two_swath_inputs_iw1", "two_swaths"),  # a second swath: preprocess and everything after
]
NEEDS["test_incremental_run_equals_clean_run"] = tuple(dict.fromkeys(v for case in INCREMENTAL for v in case))


def affected_jobs(base: dict, new: dict) -> list[str]:
    """The step table's answer for switching the config ``base`` to ``new``: the topsApp jobs that re-run
    (the chain from the first affected job, and the ionosphere side job with geocode when they follow)."""
    base, new = with_defaults(base), with_defaults(new)
    geocode_dem = [
        (c["output_resolution"], c["local_inputs"]["geocode_dem"] or c["local_inputs"]["dem"])
        for c in (base, new)
    ]
    return topsapp_steps.rerun_jobs(
        topsapp_properties(base),
        topsapp_properties(new),
        new["keep_intermediates"],
        ("geocode_dem",) if geocode_dem[0] != geocode_dem[1] else (),
    )


def _variables(nc: netCDF4.Dataset, prefix: str = "") -> dict:
    out = {f"{prefix}/{k}": v for k, v in nc.variables.items()}
    for name, group in nc.groups.items():
        out.update(_variables(group, f"{prefix}/{name}"))
    return out


def product_differences(a: Path, b: Path) -> list[str]:
    """Every variable (values, dtype, attributes) and global attribute that differs; the recorded config and
    the product's creation time may differ (results_dir is not the same)."""
    out = []
    with netCDF4.Dataset(a) as na, netCDF4.Dataset(b) as nb:
        va, vb = _variables(na), _variables(nb)
        out += [f"only in one: {k}" for k in sorted(set(va) ^ set(vb))]
        for k in sorted(set(va) & set(vb)):
            x, y = va[k][:], vb[k][:]
            if va[k].dtype != vb[k].dtype or np.shape(x) != np.shape(y):
                out.append(f"{k}: dtype/shape")
            elif va[k].dtype is str or va[k].dtype.kind not in "fiuc":
                if not np.array_equal(np.asarray(x), np.asarray(y)):
                    out.append(f"{k}: values")
            elif not np.array_equal(np.ma.filled(x, np.nan), np.ma.filled(y, np.nan), equal_nan=True):
                out.append(f"{k}: values")
            if {n: str(va[k].getncattr(n)) for n in va[k].ncattrs()} != {
                n: str(vb[k].getncattr(n)) for n in vb[k].ncattrs()
            }:
                out.append(f"{k}: attributes")
        skip = {"workflow_config", "history", "product_creation_time", "creation_time"}
        for n in sorted((set(na.ncattrs()) | set(nb.ncattrs())) - skip):
            if str(getattr(na, n, None)) != str(getattr(nb, n, None)):
                out.append(f"global {n}")
    return out


@pytest.mark.parametrize("start, variant", INCREMENTAL)
def test_incremental_run_equals_clean_run(matrix, start, variant, tmp_path):
    base, clean = matrix.get(start), matrix.get(variant)
    work = tmp_path / "work"
    shutil.copytree(base.workdir, work, symlinks=True)  # mtimes and .snakemake metadata kept
    files = matrix.files(variant)
    keep_dir = {"results_dir": base.config["results_dir"]}
    plan = subprocess.run(
        snakemake_cmd(work, files, "-n", config=keep_dir), env=double_env(), capture_output=True, text=True
    )
    assert plan.returncode == 0, plan.stderr[-3000:]
    planned = set(planned_jobs(plan.stdout))
    expected = {
        f"topsapp_{j}" for j in affected_jobs(merged_config(matrix.files(start)), merged_config(files))
    }
    planned_jobs_ = {r for r in planned if r.startswith("topsapp_")}
    assert planned_jobs_ == expected, sorted(planned_jobs_ ^ expected)
    assert "package_gunw" in planned and "check_pair" not in planned and "generate_demo_pair" not in planned
    run = subprocess.run(
        snakemake_cmd(work, files, config=keep_dir), env=double_env(), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-4000:]
    pair = work / base.config["results_dir"] / base.pair_dir.name
    assert product_differences(pair / "product" / "gunw.nc", clean.pair_dir / "product" / "gunw.nc") == []
    # nothing left to do, and no product of the old settings is still delivered
    again = subprocess.run(
        snakemake_cmd(work, files, "-n", config=keep_dir), env=double_env(), capture_output=True, text=True
    )
    assert "Nothing to be done" in again.stdout + again.stderr
    name = (pair / "product" / "product_name.txt").read_text().strip().removesuffix(".nc")
    delivered = sorted(p.name for p in (work / base.config["results_dir"] / "products").iterdir())
    assert delivered == [name], delivered


NEEDS["test_settings_that_change_no_result_re_run_nothing"] = ("demo_30m",)


def test_settings_that_change_no_result_re_run_nothing(matrix, tmp_path):
    """Retries, base URLs, the interpreter and OpenMP policy, job resources, and a coverage threshold for a pair
    without a frame change no product: after a finished run they plan no job."""
    base = matrix.get("demo_30m")
    work = tmp_path / "work"
    shutil.copytree(base.workdir, work, symlinks=True)
    change = tmp_path / "no_result_change.yaml"
    change.write_text(
        json.dumps(
            {
                "results_dir": base.config["results_dir"],
                "downloads": {
                    "retries": 9,
                    "asf_search_url": "http://127.0.0.1:9",
                    "dem_base_url": "http://127.0.0.1:9",
                },
                "isce2": {"python": "", "omp_wait_policy": "ACTIVE"},
                "resources": {"topo": {"threads": 2}},
                "min_frame_coverage": 0.5,
            }
        )
    )
    plan = subprocess.run(
        snakemake_cmd(work, [*matrix.files("demo_30m"), change], "-n"),
        env=double_env(),
        capture_output=True,
        text=True,
    )
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "Nothing to be done" in plan.stdout + plan.stderr, sorted(planned_jobs(plan.stdout))


# ---- a kill at any instant: every point below kills Snakemake and all its jobs (SIGKILL, as a node failure or
# a SLURM time limit would); the user's next run resumes, and the product equals the clean run's ----------------
KILL_POINTS = [
    # (id, process, event, path, nth) -- see tests/kill_points/sitecustomize.py
    ("stage_dem mid-write", "stage-dem", "write", ".xml", 1),
    ("between two steps of one job", "--end=topo", "write", "PICKLE/verifyDEM", 1),
    ("mid-step, a burst half written", "--end=topo", "write", "geom_reference/IW1/lon_02.rdr.xml", 1),
    ("heavy marker written, not in place", "--job topo", "replace", "heavy/topo.txt", 1),
    ("mid-clean-up", "--job mergebursts", "unlink", "geom_reference/IW1/", 2),
    ("clean-up done, job not recorded", "--job mergebursts", "exit", "", 1),
    ("topsApp.xml rendered, not in place", "--job filter", "replace", "topsApp.xml", 1),
    ("product written, not in place", "gunw package", "replace", "gunw.nc", 1),
    ("validated.ok being written", "gunw validate", "write", "validated.ok", 1),
]
NEEDS["test_killed_at_any_instant_the_next_runs_finish_with_the_clean_product"] = ("demo_30m",)


def test_killed_at_any_instant_the_next_runs_finish_with_the_clean_product(matrix, tmp_path):
    clean = matrix.get("demo_30m")
    files = matrix.files("demo_30m")
    work = tmp_path / "work"
    outdir = clean.config["demo"]["outdir"]
    (work / outdir).parent.mkdir(parents=True)
    (work / outdir).symlink_to(matrix.inputs("demo_30m") / outdir, target_is_directory=True)
    plan = tmp_path / "kill-plan" / "plan.json"
    plan.parent.mkdir()
    plan.write_text(
        json.dumps([dict(zip(("id", "argv", "event", "path", "nth"), p, strict=True)) for p in KILL_POINTS])
    )
    env = double_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests" / "kill_points"), env.get("PYTHONPATH", "")])
    env["GUNW_KILL_PLAN"] = str(plan)
    fired = []
    for attempt in range(len(KILL_POINTS) + 1):
        subprocess.run(snakemake_cmd(work, files, "--unlock"), env=env, capture_output=True)
        proc = subprocess.run(
            snakemake_cmd(work, files, "--rerun-incomplete"),
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        now = sorted(p.stem for p in plan.parent.glob("*.fired"))
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL and len(now) == len(fired) + 1, (
            f"run {attempt} after {fired} failed on its own ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
        fired = now
    assert fired == sorted(p[0] for p in KILL_POINTS), (
        f"never reached: {set(p[0] for p in KILL_POINTS) - set(fired)}"
    )
    pair = work / clean.config["results_dir"] / clean.pair_dir.name
    assert product_differences(pair / "product" / "gunw.nc", clean.pair_dir / "product" / "gunw.nc") == []
    again = subprocess.run(snakemake_cmd(work, files, "-n"), env=double_env(), capture_output=True, text=True)
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout[-3000:]
    name = (pair / "product" / "product_name.txt").read_text().strip().removesuffix(".nc")
    assert sorted(p.name for p in (work / clean.config["results_dir"] / "products").iterdir()) == [name]
