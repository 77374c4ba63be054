"""Every download path against the loopback replay, with injected faults: retried, verified, never corrupt."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import loopback
from gunw_workflow.inputs import aux_cal as download_aux_cal
from gunw_workflow.inputs import credentials, dem_download, dem_resample, http_fetch
from gunw_workflow.inputs import dem as download_dem
from gunw_workflow.inputs import orbits as download_orbits
from gunw_workflow.inputs import slc as download_slc
from gunw_workflow.inputs import water_mask as download_water_mask
from inputs_support import (
    EDL_PASS,
    EDL_USER,
    POEORB_2018,
    RESORB_2022,
    S0406,
    SCENE_POE,
    SCENE_RES,
    edl_env,
    fast_policy,
    pair_json_doc,
    require_shared,
)


def _slc_record(svc, scene=S0406):
    return {
        "url": f"https://{loopback.DATAPOOL_HOST}{loopback.datapool_path(scene)}",
        "bytes": svc.size,
        "md5": svc.md5,
        "source": "asf",
    }


# ------------------------------------------------------------------------------------------------- SLC
@pytest.mark.parametrize("fault", [None, "500", "503", "reset", "truncate", "corrupt", "slow"])
def test_slc_download_survives_fault(fault, services, tmp_path):
    if fault:
        services.lb.fault(loopback.DATAPOOL_HOST, "/SLC/", [fault])
    out = tmp_path / "slc" / f"{S0406}.zip"
    download_slc.download_slc(
        S0406, _slc_record(services), out, services.url, fast_policy(), env=edl_env(tmp_path)
    )
    assert http_fetch.md5_of(out) == services.md5 and out.stat().st_size == services.size
    assert not out.with_name(out.name + ".part").exists()
    gets = [r for r in services.lb.log if r["host"] == loopback.DATAPOOL_HOST]
    assert len(gets) == (1 if fault is None else 2)
    if fault == "truncate":  # the second request resumed where the first stopped
        start = int(gets[1]["range"].removeprefix("bytes=").rstrip("-"))
        assert 0 < start <= services.size // 2  # whole chunks received before the cut are kept
    # the Earthdata token exchange happened once per download
    assert services.lb.count(loopback.EDL_HOST, "/api/users/find_or_create_token") == 1


def test_slc_second_call_is_a_noop(services, tmp_path):
    out = tmp_path / f"{S0406}.zip"
    env = edl_env(tmp_path)
    download_slc.download_slc(S0406, _slc_record(services), out, services.url, fast_policy(), env=env)
    download_slc.download_slc(S0406, _slc_record(services), out, services.url, fast_policy(), env=env)
    assert services.lb.count(loopback.DATAPOOL_HOST) == 1


@pytest.mark.parametrize(
    "kinds, message",
    [(["500"] * 9, "giving up after 3 attempts; last error: HTTP 500"), (["corrupt"] * 9, "md5")],
)
def test_slc_persistent_fault_fails_clearly_without_output(kinds, message, services, tmp_path):
    services.lb.fault(loopback.DATAPOOL_HOST, "/SLC/", kinds)
    out = tmp_path / f"{S0406}.zip"
    with pytest.raises(http_fetch.DownloadError, match=message) as exc:
        download_slc.download_slc(
            S0406, _slc_record(services), out, services.url, fast_policy(3), env=edl_env(tmp_path)
        )
    assert not out.exists()
    assert EDL_PASS not in str(exc.value)


def test_slc_bad_credentials_fail_fast_and_quietly(services, tmp_path):
    env = {**edl_env(tmp_path), "EARTHDATA_PASSWORD": "wrong-" + EDL_PASS}
    with pytest.raises(http_fetch.PermanentHTTPError, match="refused the credentials") as exc:
        download_slc.download_slc(
            S0406, _slc_record(services), tmp_path / "x.zip", services.url, fast_policy(), env=env
        )
    assert EDL_PASS not in str(exc.value) and EDL_USER not in str(exc.value)
    assert services.lb.count(loopback.EDL_HOST) == 1  # a 401 is not retried
    assert services.lb.count(loopback.DATAPOOL_HOST) == 0


def test_slc_missing_file_is_a_clear_404(services, tmp_path):
    rec = _slc_record(services, S0406.replace("FDC7", "FDC9"))
    with pytest.raises(http_fetch.PermanentHTTPError, match="404 .* does not exist"):
        download_slc.download_slc(
            S0406, rec, tmp_path / "y.zip", services.url, fast_policy(), env=edl_env(tmp_path)
        )
    assert not (tmp_path / "y.zip").exists()


def test_slc_main_reads_pair_json(services, tmp_path, monkeypatch, capsys):
    for k, v in edl_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    pj = tmp_path / "pair.json"
    pj.write_text(json.dumps(pair_json_doc({S0406: _slc_record(services)})))
    out = tmp_path / "c" / f"{S0406}.zip"
    argv = [
        "--scene",
        S0406,
        "--pair-json",
        str(pj),
        "--out",
        str(out),
        "--base-url",
        services.url,
        "--backoff",
        "0",
    ]
    assert download_slc.main(argv) == 0 and out.exists()
    assert EDL_PASS not in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------- orbits
def test_orbit_poeorb_then_sidecar(services, tmp_path):
    out = tmp_path / "orbits" / f"{SCENE_POE}.EOF"
    info = download_orbits.fetch_orbit(SCENE_POE, out, services.url, fast_policy(), env={})
    assert info["orbit_type"] == "POEORB" and info["provider"] == "asf"
    assert out.read_bytes() == POEORB_2018.read_bytes()
    side = json.loads((tmp_path / "orbits" / f"{SCENE_POE}.EOF.json").read_text())
    assert side["name"] == "S1A_OPER_AUX_POEORB_OPOD_20181203T120749_V20181112T225942_20181114T005942.EOF"
    assert side["type"] == "POEORB" and side["n_state_vectors"] == 8


@pytest.mark.parametrize("fault", ["500", "reset", "truncate", "slow"])
def test_orbit_resorb_fallback_with_faults(fault, services, tmp_path):
    services.lb.fault(loopback.ORBIT_HOST, "prefix=AUX_RESORB", [fault])
    services.lb.fault(loopback.ORBIT_HOST, "/AUX_RESORB/S1A", [fault])
    out = tmp_path / f"{SCENE_RES}.EOF"
    info = download_orbits.fetch_orbit(SCENE_RES, out, services.url, fast_policy(), env={})
    assert info["orbit_type"] == "RESORB" and out.read_bytes() == RESORB_2022.read_bytes()
    assert services.lb.count(loopback.ORBIT_HOST, "/AUX_RESORB/S1A_OPER") == 2  # faulted once, then served


def test_orbit_corrupt_file_is_rejected(services, tmp_path):
    services.lb.fault(loopback.ORBIT_HOST, "/AUX_POEORB/S1A", ["corrupt"] * 9)
    out = tmp_path / f"{SCENE_POE}.EOF"
    with pytest.raises(download_orbits.OrbitError, match="not a valid EOF"):
        download_orbits.fetch_orbit(SCENE_POE, out, services.url, fast_policy(2), providers=("asf",), env={})
    assert not out.exists() and not list(tmp_path.rglob("*.EOF"))


def test_orbit_selected_from_recorded_listing_but_absent(services, tmp_path):
    """A 2025 scene: the RESORB comes from the real recorded bucket listing; its body is not staged -> 404."""
    scene = "S1A_IW_SLC__1SDV_20250406T022008_20250406T022035_058630_07421F_93A7"
    with pytest.raises(download_orbits.OrbitError) as exc:
        download_orbits.fetch_orbit(scene, tmp_path / "o.EOF", services.url, fast_policy(), env={})
    msg = str(exc.value)
    assert "S1A_OPER_AUX_RESORB_OPOD_20250406T060337_V20250406T020608_20250406T052338.EOF" in msg
    assert "404" in msg and "POEORB@cdse" in msg


def test_orbit_provider_fallback_to_cdse(services, tmp_path):
    """ASF bucket down -> CDSE queried (its recorded answer parsed); without a CDSE login the error says so."""
    services.lb.fault(loopback.ORBIT_HOST, "prefix=", ["503"] * 50)
    recorded = next(iter(loopback._cassette(loopback.CDSE_CASSETTE)))["response"]["body"]["string"]
    services.lb.routes.insert(
        0,
        (
            loopback.CDSE_QUERY_HOST,
            "GET",
            __import__("re").compile(r"/odata/v1/Products$"),
            lambda req: loopback.Reply(200, recorded.encode(), {"Content-Type": "application/json"}),
        ),
    )
    try:
        with pytest.raises(download_orbits.OrbitError) as exc:
            download_orbits.fetch_orbit(SCENE_POE, tmp_path / "o.EOF", services.url, fast_policy(2), env={})
    finally:
        services.lb.routes.pop(0)
    msg = str(exc.value)
    assert "POEORB@asf" in msg and "HTTP 503" in msg
    assert (
        "S1A_OPER_AUX_POEORB_OPOD_20210315T155112_V20191230T225942_20200101T005942.EOF found but no CDSE login"
        in msg
    )
    assert services.lb.count(loopback.CDSE_QUERY_HOST) >= 1


def test_validate_eof_on_real_files():
    require_shared()
    info = download_orbits.validate_eof(RESORB_2022)
    assert info["type"] == "RESORB" and info["n_state_vectors"] == 1186
    with pytest.raises(ValueError, match="expected"):
        download_orbits.validate_eof(RESORB_2022, "S1A_OPER_AUX_RESORB_OPOD_X.EOF")


# ------------------------------------------------------------------------------------------------- DEM
@pytest.mark.parametrize("fault", ["500", "truncate", "corrupt", "reset"])
def test_dem_tile_fetch_with_faults(fault, services, tmp_path):
    services.lb.fault(loopback.GLO30_HOST, "N34_00_W119", [fault])
    paths = download_dem.fetch_tiles(
        [-119.0, 34.0, -118.0, 35.0], tmp_path / "tiles", services.url, fast_policy()
    )
    src = loopback.GLO30_DIR / "Copernicus_DSM_COG_10_N34_00_W119_00_DEM.tif"
    assert [p.name for p in paths] == [src.name] and paths[0].read_bytes() == src.read_bytes()
    assert services.lb.count(loopback.GLO30_HOST) == 2


def test_dem_missing_tile_fails_without_output(services, tmp_path):
    out = tmp_path / "dem" / "topo.dem.wgs84"
    argv = ["--bounds", "-120", "34", "-119", "35", "--out", str(out), "--tile-dir", str(tmp_path / "t")]
    argv += ["--geoid-dir", str(tmp_path / "geoid")]
    assert dem_download.main(argv + ["--base-url", services.url, "--tries", "2", "--backoff", "0"]) == 1
    assert not out.exists()


def test_dem_topo_and_geocode_isce_rasters(services, tmp_path):
    geoid = loopback.DATA / "dem-stitcher/src/dem_stitcher/data/egm96_15.gtx"  # staged stand-in for EGM2008
    topo = tmp_path / "frame1" / "topo_1arcsec.dem.wgs84"
    argv = ["--bounds", "-119", "34", "-118", "35", "--out", str(topo), "--tile-dir", str(tmp_path / "tiles")]
    assert dem_download.main(argv + ["--geoid", str(geoid), "--base-url", services.url]) == 0
    xml = (tmp_path / "frame1" / "topo_1arcsec.dem.wgs84.xml").read_text()
    assert '<property name="reference">\n        <value>WGS84</value>' in xml
    assert f"<value>{topo.resolve()}</value>" in xml
    arr, x0, dx, y0, dy = download_dem.read_isce_dem(topo)
    assert arr.shape == (3600, 3600) and abs(x0 + 119.0) < 1e-9 and abs(y0 - 35.0) < 1e-9  # pixel centres
    assert np.isfinite(arr).all() and arr.max() > 1000
    geo = tmp_path / "frame1" / "geocode_90m.dem.wgs84"
    assert dem_resample.main(["--from-dem", str(topo), "--posting-m", "90", "--out", str(geo)]) == 0
    g, gx0, gdx, gy0, gdy = download_dem.read_isce_dem(geo)
    assert g.shape == (1200, 1200) and abs(gdx - 1 / 1200) < 1e-12 and gx0 == x0
    assert abs(float(g[600, 600]) - float(arr[1800, 1800])) < 50  # bilinear of the same surface
    import rasterio

    with rasterio.open(str(geo) + ".vrt") as ds:
        assert ds.read(1).shape == (1200, 1200)


# ------------------------------------------------------------------------------------------------- water mask
def test_water_mask_from_pekel_tiles_and_replayed_natural_earth(services, tmp_path):
    """The mask comes from the (synthetic) Pekel tile; the real Natural Earth zip, truncated once, only feeds
    the water-fraction warning."""
    import pekel_tiles

    src = loopback.DATA / "DockerizedTopsApp/isce2_topsapp/data/ne_10m_land.zip"
    services.lb.add_file("naciscdn.org", "/naturalearth/10m/physical/ne_10m_land.zip", src)
    services.lb.fault("naciscdn.org", "ne_10m_land", ["truncate"])
    pekel_tiles.serve(services.lb, tmp_path, ["120W_40N"], lambda lon, lat: np.where(lon > -118.0, 100, 0))
    out = tmp_path / "wm" / "water_mask.wgs84"
    argv = ["--bounds", "-119", "33", "-117", "34", "--out", str(out), "--source", str(tmp_path / "ne.zip")]
    argv += ["--tile-dir", str(tmp_path / "pekel")]
    assert (
        download_water_mask.main(argv + ["--base-url", services.url, "--tries", "3", "--backoff", "0"]) == 0
    )
    mask = np.fromfile(out, dtype="uint8").reshape(1200, 2400)
    assert (mask[:, :1200] == 0).all() and (mask[:, 1200:] == 255).all()
    assert services.lb.count("naciscdn.org") == 2
    assert services.lb.count("storage.googleapis.com") == 1


# ------------------------------------------------------------------------------------------------- AUX_CAL
def _aux_zip() -> bytes:
    """A zip with the published layout (S1A/AUX_CAL/YYYY/MM/DD/<name>.SAFE/...); no real AUX_CAL is staged."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        base = "S1A/AUX_CAL/2015/07/22/S1A_AUX_CAL_V20150722T120000_G20151125T104733.SAFE"
        zf.writestr(f"{base}/manifest.safe", "<xfdu/>")
        zf.writestr(f"{base}/data/s1a-aux-cal.xml", "<auxiliaryCalibration/>")
    return buf.getvalue()


def test_aux_cal_source_fallback_and_pair_record(services, tmp_path):
    urls = download_aux_cal.SOURCES["S1A"]
    host1, path1 = urls[0].split("/", 3)[2], "/" + urls[0].split("/", 3)[3]
    host2, path2 = urls[1].split("/", 3)[2], "/" + urls[1].split("/", 3)[3]
    services.lb.add_file(host1, path1, b"<html>moved</html>")  # the Feb-2025 failure mode: not a zip any more
    services.lb.add_file(host2, path2, _aux_zip())
    pj = tmp_path / "pair.json"
    pj.write_text(json.dumps(pair_json_doc(needs_aux_cal=True, mission="S1A", missions=["S1A"])))
    rec = tmp_path / "aux_cal.json"
    doc = download_aux_cal.for_pair(pj, tmp_path / "aux", rec, base_url=services.url, policy=fast_policy(2))
    assert doc["products"] == ["S1A_AUX_CAL_V20150722T120000_G20151125T104733.SAFE"]
    assert (tmp_path / "aux" / doc["products"][0] / "data" / "s1a-aux-cal.xml").is_file()
    assert (tmp_path / "aux" / "S1A.ok").is_file() and json.loads(rec.read_text())["needs_aux_cal"]
    pj.write_text(json.dumps(pair_json_doc(needs_aux_cal=False, mission="S1A")))
    services.lb.log.clear()
    assert download_aux_cal.for_pair(pj, tmp_path / "aux2", rec, base_url=services.url)["aux_cal_dir"] == ""
    assert services.lb.log == []


# ------------------------------------------------------------------------------------------------- credentials
def test_credentials_sources_and_repr(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine urs.earthdata.nasa.gov login {EDL_USER} password {EDL_PASS}\n")
    netrc.chmod(0o600)
    c = credentials.find(env={"NETRC": str(netrc)}, netrc_file=netrc)
    assert c.as_tuple() == (EDL_USER, EDL_PASS)
    assert EDL_PASS not in repr(c) and EDL_USER not in str(c) and EDL_PASS not in f"{c!r} {c}"
    env = {"EARTHDATA_USERNAME": "u", "EARTHDATA_PASSWORD": "p"}
    assert credentials.find(env=env, netrc_file=netrc).as_tuple() == ("u", "p")  # environment wins
    with pytest.raises(credentials.MissingCredentialsError, match="EARTHDATA_USERNAME"):
        credentials.require(env={}, netrc_file=tmp_path / "none")
    bad = tmp_path / "bad"
    bad.write_text(f"machine x login {EDL_USER} password\n  {EDL_PASS} garbage macdef\n")
    try:
        credentials.find(env={}, netrc_file=bad)
    except credentials.MissingCredentialsError as exc:
        assert EDL_PASS not in str(exc)


def test_dem_fetches_what_dem_stitcher_would_fetch_itself(tmp_path):
    """Over Armenia (and here Georgia) dem_stitcher fills GLO-30 gaps with GLO-90 tiles: those come through http_fetch too, and
    stitch refuses to run while anything (tile or geoid) is not local, so it never reads the network itself."""
    urls = download_dem.tile_urls([42.0, 40.0, 45.0, 42.0])
    assert any("copernicus-dem-90m" in u for u in urls) and any("copernicus-dem-30m" in u for u in urls)
    assert download_dem.default_geoid_url().startswith("https://")
    with pytest.raises(http_fetch.DownloadError, match="not local"):
        download_dem.stitch([-119.0, 34.0, -118.0, 35.0], tmp_path, geoid=str(tmp_path / "no-geoid.tif"))
