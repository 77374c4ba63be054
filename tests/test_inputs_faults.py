"""The fault table of issue 11: every input source under injected faults ends *recovered* (the verified file in
place) or as a *clear failure* (exit 1, exactly one ``error: ...`` console line naming the cause, no traceback,
nothing corrupt or partial left in the cache), and a failed run is never stuck: once the fault is gone the
same command recovers.

Each case runs a download command's real ``main`` against the loopback replay of the real services
(tests/loopback.py). Local resource errors (disk full, read-only, permission) are injected ``OSError``s, since
the tests run as root, where permissions do not bite, and a real full disk would need a mount.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import loopback
import pekel_tiles
from gunw_workflow.inputs import aux_cal, check_pair, dem_download, http_fetch, orbits, slc, water_mask
from inputs_support import (
    EDL_PASS,
    RESORB_2022,
    S0313,
    S0406,
    SCENE_RES,
    Services,
    edl_env,
    pair_json_doc,
)

TILE = "Copernicus_DSM_COG_10_N54_00_W165_00_DEM"  # the smaller staged GLO-30 tile (2400 x 3600)
# a corner of the tile: the whole tile is fetched and checked, little is stitched
TILE_BOUNDS = ["-165", "54.9", "-164.9", "55"]
NE_LAND = loopback.DATA / "DockerizedTopsApp/isce2_topsapp/data/ne_10m_land.zip"
NE_HOST, NE_PATH = "naciscdn.org", "/naturalearth/10m/physical/ne_10m_land.zip"
PEKEL_TILE = "120W_40N"  # the water-mask source over the bounds of water_run (synthetic, see pekel_tiles)
CLOSED = "http://127.0.0.1:9"  # nothing listens: every connection is refused (an offline machine's failure)
NET = ["--tries", "2", "--backoff", "0", "--timeout", "0.3"]  # one fault, then success


def _aux_zip() -> bytes:
    """A zip with the published AUX_CAL layout (no real AUX_CAL is staged), with enough members that a
    corruption in the middle of the body hits compressed data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        base = "S1A/AUX_CAL/2015/07/22/S1A_AUX_CAL_V20150722T120000_G20151125T104733.SAFE"
        zf.writestr(f"{base}/manifest.safe", "<xfdu/>" + "".join(f"<r{i}/>" for i in range(4000)))
        zf.writestr(f"{base}/data/s1a-aux-cal.xml", "<auxiliaryCalibration/>" + os.urandom(20000).hex())
    return buf.getvalue()


AUX_ZIP = _aux_zip()


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    s = Services(tmp_path_factory.mktemp("fault_services"))
    s.lb.add_file(NE_HOST, NE_PATH, NE_LAND)
    noise = np.random.default_rng(0)  # incompressible: a fault in the middle hits deflate data
    tile_dir = tmp_path_factory.mktemp("pekel")
    s.pekel = pekel_tiles.serve(
        s.lb, tile_dir, [PEKEL_TILE], lambda lon, lat: noise.integers(0, 101, lon.shape)
    )
    for url in aux_cal.SOURCES["S1A"]:
        host, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
        s.lb.add_file(host, path, AUX_ZIP)
    yield s
    s.close()


def _restore(svc) -> None:
    """Drop the faults and the routes a test put in front of the replay."""
    svc.lb.faults.clear()
    del svc.lb.routes[: len(svc.lb.routes) - svc.n_routes]


@pytest.fixture
def services(svc):
    svc.n_routes = len(svc.lb.routes)
    svc.lb.log.clear()
    svc.lb.faults.clear()
    yield svc
    _restore(svc)


@dataclass
class Run:
    argv: list[str]
    out: Path  # the cached file the case is about
    expected: bytes | None  # its verified content (None: written by the command, not downloaded)
    cache: Path  # everything this command may leave behind
    main: object


# ------------------------------------------------------------------------------------------------- runners
def slc_run(svc, tmp: Path, base: str) -> Run:
    rec = {
        "url": f"https://{loopback.DATAPOOL_HOST}{loopback.datapool_path(S0406)}",
        "bytes": svc.size,
        "md5": svc.md5,
        "source": "asf",
    }
    pj = tmp / "pair.json"
    pj.write_text(json.dumps(pair_json_doc({S0406: rec})))
    out = tmp / "cache/slc" / f"{S0406}.zip"
    argv = ["--scene", S0406, "--pair-json", str(pj), "--out", str(out), "--base-url", base, *NET]
    return Run(argv, out, svc.payload, tmp / "cache", slc.main)


def orbit_run(svc, tmp: Path, base: str) -> Run:
    out = tmp / "cache/orbits" / f"{SCENE_RES}.EOF"
    argv = ["--scene", SCENE_RES, "--out", str(out), "--providers", "asf", "--base-url", base, *NET]
    return Run(argv, out, RESORB_2022.read_bytes(), tmp / "cache", orbits.main)


def _dem_argv(tmp: Path, base: str) -> list[str]:
    out = tmp / "cache/dem/pair_x/topo_1arcsec.dem.wgs84"
    return ["--bounds", *TILE_BOUNDS, "--out", str(out), "--tile-dir", str(tmp / "cache/dem/tiles")] + [
        "--geoid-dir",
        str(tmp / "cache/dem/geoid"),
        "--base-url",
        base,
        *NET,
    ]


def tile_run(svc, tmp: Path, base: str) -> Run:
    src = loopback.GLO30_DIR / f"{TILE}.tif"
    return Run(
        _dem_argv(tmp, base),
        tmp / f"cache/dem/tiles/{TILE}.tif",
        src.read_bytes(),
        tmp / "cache",
        dem_download.main,
    )


def geoid_run(svc, tmp: Path, base: str) -> Run:
    out = tmp / "cache/dem/geoid" / loopback.GEOID_PATH.lstrip("/")
    return Run(_dem_argv(tmp, base), out, svc.geoid.read_bytes(), tmp / "cache", dem_download.main)


def water_run(svc, tmp: Path, base: str) -> Run:
    tile = svc.pekel[PEKEL_TILE]
    out = tmp / "cache/static/pekel" / tile["url"].rsplit("/", 1)[-1]
    mask = tmp / "cache/water_mask/pair_x/water_mask.wgs84"
    argv = ["--bounds", "-119", "33", "-118", "34", "--out", str(mask), "--tile-dir", str(out.parent)]
    argv += ["--source", str(tmp / "cache/static/ne_10m_land.zip"), "--base-url", base]
    return Run(argv + NET, out, tile["bytes"], tmp / "cache", water_mask.main)


def aux_run(svc, tmp: Path, base: str) -> Run:
    d = tmp / "cache/aux_cal"
    argv = ["--mission", "S1A", "--aux-cal-dir", str(d), "--base-url", base, *NET]
    return Run(
        argv, d / "zips" / aux_cal.SOURCES["S1A"][0].split("/")[-1], AUX_ZIP, tmp / "cache", aux_cal.main
    )


def search_run(svc, tmp: Path, base: str) -> Run:
    """The pair check's ASF search (CMR) and credential check: the first network contact of a run."""
    out = tmp / "results/p/pair.json"
    argv = ["--name", "p", "--reference", S0406, "--secondary", S0313, "--frame-id", "-1"]
    argv += ["--min-frame-coverage", "None", "--out", str(out), "--base-url", base, *NET]
    return Run(argv, out, None, tmp / "cache", check_pair.main)


RUNNERS = {
    "ASF search": search_run,
    "SLC": slc_run,
    "orbit": orbit_run,
    "DEM tile": tile_run,
    "geoid": geoid_run,
    "water mask": water_run,
    "AUX_CAL": aux_run,
}
HOSTS = {
    "ASF search": (loopback.CMR_HOST, "/search/granules"),
    "SLC": (loopback.DATAPOOL_HOST, "/SLC/"),
    "orbit": (loopback.ORBIT_HOST, "/AUX_RESORB/S1A_OPER"),
    "DEM tile": (loopback.GLO30_HOST, TILE),
    "geoid": (loopback.GEOID_HOST, loopback.GEOID_PATH),
    "water mask": ("storage.googleapis.com", f"occurrence_{PEKEL_TILE}"),
    "AUX_CAL": (aux_cal.SOURCES["S1A"][0].split("/")[2], "/AUX_CAL/"),
}


# ------------------------------------------------------------------------------------------------- injections
def _served(svc, host: str, path: str, data: bytes):
    """Serve other bytes at host+path for this test (the route list is searched in order)."""
    svc.lb.routes.insert(
        0,
        (host, "GET", re.compile(re.escape(path) + "$"), lambda req: loopback.Reply(200, data, ranged=True)),
    )


def changed_digit(svc, tmp, monkeypatch):
    """The metres digit of one state-vector position changed (XML well-formed, values still physical)."""
    text = RESORB_2022.read_text()
    xs = [m.start() for m in re.finditer(r'<X unit="m">', text)]
    i = text.index(".", xs[600])  # the integer metres digit just before the decimal point
    digit = str((int(text[i - 1]) + 1) % 10)
    tampered = text[: i - 1] + digit + text[i:]
    _served(svc, loopback.ORBIT_HOST, "/AUX_RESORB/" + RESORB_2022.name, tampered.encode())


def header_validity(svc, tmp, monkeypatch):
    """The header's validity stop differs from the one in the file name (a mislabelled file)."""
    text = re.sub(
        r"<Validity_Stop>UTC=.*?<",
        "<Validity_Stop>UTC=2022-09-18T06:00:00<",
        RESORB_2022.read_text(),
        count=1,
    )
    _served(svc, loopback.ORBIT_HOST, "/AUX_RESORB/" + RESORB_2022.name, text.encode())


def wrong_tile(svc, tmp, monkeypatch):
    """Another real tile's bytes under this tile's name (a valid GeoTIFF, wrong place)."""
    other = (loopback.GLO30_DIR / "Copernicus_DSM_COG_10_N34_00_W119_00_DEM.tif").read_bytes()
    _served(svc, loopback.GLO30_HOST, f"/{TILE}/{TILE}.tif", other)


def poisoned(run_of, where=None):
    """The cached file corrupted in the middle (same length) before the run: a poisoned shared cache.
    `where(run)`: the cache path to poison when it is not the run's output (the orbit's shared real file)."""

    def inject(svc, tmp, monkeypatch):
        run = run_of(svc, tmp, svc.url)
        path = where(run) if where else run.out
        path.parent.mkdir(parents=True, exist_ok=True)
        data = bytearray(run.expected)
        mid = len(data) // 2
        data[mid : mid + 4096] = bytes(b ^ 0x5A for b in data[mid : mid + 4096])
        path.write_bytes(bytes(data))

    return inject


def _orbit_real_file(run: Run) -> Path:
    return run.out.parent / "files" / RESORB_2022.name


def tile_cached(svc, tmp, monkeypatch):
    """The tile already verified in the cache (an offline re-run only needs the geoid)."""
    run = tile_run(svc, tmp, svc.url)
    run.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(loopback.GLO30_DIR / f"{TILE}.tif", run.out)


def local_error(err: int, where: str):
    """An OSError(err) from the disk: during the body write ('body', after some bytes) or at the lock."""

    def inject(svc, tmp, monkeypatch):
        if where == "body":

            def write_then_fail(resp, url, part, have, chunk_size):
                with open(part, "ab") as fh:
                    fh.write(b"\0" * 1000)
                raise OSError(err, os.strerror(err), str(part))

            monkeypatch.setattr(http_fetch, "_append_body", write_then_fail)
        else:

            def refuse(self):
                raise OSError(err, os.strerror(err), str(self.path))

            monkeypatch.setattr(http_fetch._Lock, "__enter__", refuse)

    return inject


def no_credentials(svc, tmp, monkeypatch):
    monkeypatch.delenv("EARTHDATA_USERNAME")
    monkeypatch.delenv("EARTHDATA_PASSWORD")


def bad_password(svc, tmp, monkeypatch):
    monkeypatch.setenv("EARTHDATA_PASSWORD", "wrong-" + EDL_PASS)


def both_aux_sources_moved(svc, tmp, monkeypatch):
    """The Feb-2025 failure: every source answers an HTML page instead of the zip."""
    for url in aux_cal.SOURCES["S1A"]:
        host, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
        svc.lb.routes.insert(
            0,
            (
                host,
                "GET",
                re.compile(re.escape(path) + "$"),
                lambda req: loopback.Reply(200, b"<html>moved</html>"),
            ),
        )


# ------------------------------------------------------------------------------------------------- the table
@dataclass
class Case:
    resource: str
    fault: str
    outcome: str  # "recovered" | "clear failure"
    kinds: list[str] = field(default_factory=list)  # loopback faults on the resource's own URL
    inject: object = None
    base: str = ""  # "" = the loopback; CLOSED = no network
    message: str = ""  # what the console line must name
    rerun: bool = True  # a clear failure whose cause goes away is followed by a recovering re-run
    target: str = ""  # where the loopback faults apply, if not the resource's own file

    @property
    def id(self) -> str:
        return f"{self.resource}: {self.fault}"


ENOSPC = "No space left on device (ENOSPC)"
CASES = [
    # ASF search (pair check)
    Case("ASF search", "HTTP 503 once", "recovered", ["503"]),
    Case(
        "ASF search",
        "no network",
        "clear failure",
        base=CLOSED,
        message="no network on this machine, or the service is down",
    ),
    Case(
        "ASF search",
        "no Earthdata credentials",
        "clear failure",
        inject=no_credentials,
        message="missing credentials for urs.earthdata.nasa.gov",
    ),
    # SLC
    Case("SLC", "HTTP 503 once", "recovered", ["503"]),
    Case("SLC", "reset in the middle of the body", "recovered", ["reset-mid"]),
    Case("SLC", "stall in the middle of the body", "recovered", ["stall-mid"]),
    Case("SLC", "64 corrupt bytes in the middle (md5)", "recovered", ["corrupt-mid"]),
    Case("SLC", "poisoned cache (zip corrupted on disk, md5)", "recovered", inject=poisoned(slc_run)),
    Case("SLC", "HTTP 500 on every try", "clear failure", ["500"] * 9, message="giving up after 2 attempts"),
    Case(
        "SLC",
        "no Earthdata credentials",
        "clear failure",
        inject=no_credentials,
        message="missing credentials for urs.earthdata.nasa.gov",
    ),
    Case(
        "SLC",
        "wrong Earthdata password",
        "clear failure",
        inject=bad_password,
        message="refused the credentials",
    ),
    Case(
        "SLC",
        "disk full during the body",
        "clear failure",
        inject=local_error(errno.ENOSPC, "body"),
        message=ENOSPC,
    ),
    Case(
        "SLC",
        "no network",
        "clear failure",
        base=CLOSED,
        message="no network on this machine, or the service is down",
    ),
    # orbit
    Case("orbit", "listing truncated", "recovered", ["truncate"], target="prefix=AUX_RESORB"),
    Case("orbit", "reset in the middle of the EOF", "recovered", ["reset-mid"]),
    Case("orbit", "64 corrupt bytes in the middle of the EOF", "recovered", ["corrupt-mid"]),
    Case(
        "orbit",
        "poisoned cache (shared EOF corrupted on disk)",
        "recovered",
        inject=poisoned(orbit_run, _orbit_real_file),
    ),
    Case(
        "orbit",
        "a state-vector digit changed (metres)",
        "clear failure",
        inject=changed_digit,
        message="positions and velocities disagree",
    ),
    Case(
        "orbit",
        "header validity differs from the name",
        "clear failure",
        inject=header_validity,
        message="differs from its name",
    ),
    Case(
        "orbit",
        "read-only cache",
        "clear failure",
        inject=local_error(errno.EROFS, "lock"),
        message="Read-only file system (EROFS)",
    ),
    Case(
        "orbit", "no network", "clear failure", base=CLOSED, message="s1-orbits.s3.amazonaws.com: no network"
    ),
    # DEM tile
    Case("DEM tile", "64 corrupt bytes in the middle", "recovered", ["corrupt-mid"]),
    Case("DEM tile", "stall in the middle of the body", "recovered", ["stall-mid"]),
    Case("DEM tile", "reset in the middle of the body", "recovered", ["reset-mid"]),
    Case("DEM tile", "poisoned cache (tile corrupted on disk)", "recovered", inject=poisoned(tile_run)),
    Case(
        "DEM tile",
        "corrupt on every try",
        "clear failure",
        ["corrupt-mid"] * 9,
        message="verification failed",
    ),
    Case(
        "DEM tile",
        "another real tile served under its name",
        "clear failure",
        inject=wrong_tile,
        message="its name says W -165 S 54",
    ),
    Case(
        "DEM tile",
        "disk full during the body",
        "clear failure",
        inject=local_error(errno.ENOSPC, "body"),
        message=ENOSPC,
    ),
    # geoid
    Case("geoid", "truncated body", "recovered", ["truncate"]),
    Case("geoid", "64 corrupt bytes in the middle", "recovered", ["corrupt-mid"]),
    Case("geoid", "poisoned cache (grid corrupted on disk)", "recovered", inject=poisoned(geoid_run)),
    Case(
        "geoid",
        "offline, no local geoid",
        "clear failure",
        inject=tile_cached,
        base=CLOSED,
        message="no network on this machine, or the service is down; or give a local EGM2008 geoid grid (config local_inputs.geoid)",
    ),
    Case("geoid", "HTTP 404 (host moved)", "clear failure", ["404"] * 9, message="HTTP 404"),
    # water mask
    Case("water mask", "reset in the middle of the Pekel tile", "recovered", ["reset-mid"]),
    Case("water mask", "64 corrupt bytes in the middle (deflate data)", "recovered", ["corrupt-mid"]),
    Case("water mask", "truncated tile", "recovered", ["truncate"]),
    Case("water mask", "poisoned cache (tile corrupted on disk)", "recovered", inject=poisoned(water_run)),
    Case(
        "water mask",
        "no permission on the cache",
        "clear failure",
        inject=local_error(errno.EACCES, "lock"),
        message="Permission denied (EACCES)",
    ),
    # AUX_CAL
    Case("AUX_CAL", "stall in the middle of the zip", "recovered", ["stall-mid"]),
    Case("AUX_CAL", "64 corrupt bytes in the middle (zip CRC)", "recovered", ["corrupt-mid"]),
    Case("AUX_CAL", "poisoned cache (zip corrupted on disk)", "recovered", inject=poisoned(aux_run)),
    Case(
        "AUX_CAL",
        "every source moved (HTML instead of zip)",
        "clear failure",
        inject=both_aux_sources_moved,
        message="failed from every source",
    ),
]


def _no_debris(cache: Path) -> list[str]:
    return [str(p.relative_to(cache)) for p in cache.rglob("*") if p.name.endswith((".part", ".tmp"))]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fault(case: Case, services, tmp_path, monkeypatch, capsys):
    for k, v in edl_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    host, path = HOSTS[case.resource]
    path = case.target or path
    if case.kinds:
        services.lb.fault(host, path, case.kinds)
    if case.inject:
        case.inject(services, tmp_path, monkeypatch)
    run = RUNNERS[case.resource](services, tmp_path, case.base or services.url)
    log = tmp_path / "job.log"
    rc = run.main(run.argv + ["--log", str(log)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and EDL_PASS not in err
    if case.outcome == "recovered":
        assert rc == 0, err
        assert run.out.read_bytes() == run.expected if run.expected is not None else run.out.is_file()
        assert _no_debris(run.cache) == []
        if "poisoned" in case.fault:  # removed with a console notice, fetched again once
            assert "fails verification" in err and "fetching it again" in err
            assert services.lb.count(host, HOSTS[case.resource][1]) == 1
        elif case.kinds:
            assert services.lb.count(host, path) >= 2  # the fault was met, then the retry succeeded
        return
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert case.message in lines[0], lines[0]
    assert log.read_text().rstrip().endswith(lines[0])  # the log has it too
    assert not run.out.exists() and _no_debris(run.cache) == []
    if case.rerun:  # nothing is stuck: without the fault the same command recovers
        _restore(services)
        monkeypatch.undo()
        for k, v in edl_env(tmp_path).items():
            monkeypatch.setenv(k, v)
        again = RUNNERS[case.resource](services, tmp_path, services.url)
        assert again.main(again.argv) == 0, capsys.readouterr().err
        assert again.out.read_bytes() == again.expected if again.expected is not None else again.out.is_file()


def test_table_covers_every_source():
    """The acceptance of issue 11: >= 25 faults over all six sources, both outcomes for each."""
    assert len(CASES) >= 25
    for resource in RUNNERS:
        assert {c.outcome for c in CASES if c.resource == resource} == {"recovered", "clear failure"}, (
            resource
        )


def test_two_processes_fill_the_shared_cache_at_once(services, tmp_path):
    """Two DEM jobs of neighbouring frames need the same tile and the geoid at the same time: each file is
    fetched once (the lock beside it), both jobs succeed, nothing partial stays."""
    services.lb.fault(loopback.GLO30_HOST, TILE, ["slow"])  # the first fetch holds the lock a while
    procs = []
    for frame in ("a", "b"):
        argv = _dem_argv(tmp_path, services.url)
        argv[argv.index("--out") + 1] = str(tmp_path / f"cache/dem/frame_{frame}/topo.dem.wgs84")
        argv[argv.index("--timeout") + 1] = "5"
        cmd = [sys.executable, "-m", "gunw_workflow.inputs.dem_download", *argv]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [rc for rc, _ in results] == [0, 0], results
    assert services.lb.count(loopback.GLO30_HOST, TILE) == 1
    assert services.lb.count(loopback.GEOID_HOST) == 1
    tile = tmp_path / f"cache/dem/tiles/{TILE}.tif"
    assert tile.read_bytes() == (loopback.GLO30_DIR / f"{TILE}.tif").read_bytes()
    assert all((tmp_path / f"cache/dem/frame_{f}/topo.dem.wgs84").is_file() for f in "ab")
    assert _no_debris(tmp_path / "cache") == []


def test_full_disk_while_writing_the_dem_leaves_one_line_and_no_temp_file(
    services, tmp_path, monkeypatch, capsys
):
    """The disk fills after the downloads, while the DEM raster is written (not a download): same one line."""
    real_write = Path.write_bytes

    def full(self, data):
        if self.name.endswith(".tmp") and "topo_1arcsec" in self.name:
            real_write(self, data[: len(data) // 3])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    run = tile_run(services, tmp_path, services.url)
    assert run.main(run.argv + ["--log", str(tmp_path / "job.log")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DEM: cannot write ") and ENOSPC in lines[0], lines
    assert _no_debris(run.cache) == [] and not list(run.cache.rglob("topo_1arcsec*"))


def test_local_geoid_must_cover_the_dem(services, tmp_path, capsys):
    """A regional geoid given as local_inputs.geoid that misses the DEM bounds: one line, not heights of 0."""
    import rasterio
    from rasterio.windows import Window

    regional = tmp_path / "europe_geoid.tif"
    with rasterio.open(services.geoid) as src:
        window = Window(1000, 0, 200, 200)  # 50 x 50 degrees of Asia (70-120 E, 40-90 N)
        profile = src.profile | {"width": 200, "height": 200, "transform": src.window_transform(window)}
        with rasterio.open(regional, "w", **profile) as dst:
            dst.write(src.read(window=window))
    run = tile_run(services, tmp_path, services.url)
    argv = run.argv + ["--geoid", str(regional), "--log", str(tmp_path / "job.log")]
    assert run.main(argv) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "not the DEM bounds [-165.0, 54.9, -164.9, 55.0]" in lines[0], lines
    assert not list(run.cache.rglob("topo_1arcsec*"))
