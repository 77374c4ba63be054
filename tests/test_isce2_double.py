"""The ISCE2 topsApp.py test double against the real ISCE2 2.6.5 recording (../shared/isce2-recorded).

Conformance: per step, the files the double writes (names, GDAL driver, bands, dtype, interleave, sizes,
geotransform) equal the recorded manifest rows; behaviour: ISCE's exit codes and messages.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
DOUBLE = HERE / "isce2_double"
sys.path.insert(0, str(DOUBLE))

import mini_safe  # noqa: E402
from isce2_double import config, geocode, isceio, steps, swathxml  # noqa: E402

SHARED = HERE.parent.parent / "shared"
REC = SHARED / "isce2-recorded"


@pytest.fixture(scope="module")
def recorded():
    if not REC.is_dir():
        pytest.skip("../shared/isce2-recorded not available")
    return REC


def double_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(DOUBLE / "bin"), os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


def topsapp(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["topsApp.py", *args], cwd=cwd, env=double_env(), capture_output=True, text=True, timeout=120
    )


def snapshot(root: Path) -> dict:
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def describe(path: Path) -> dict:
    """The recording's raster columns: driver, width, height, bands, dtypes, interleave, geotransform."""
    import rasterio
    from rasterio.errors import RasterioIOError

    row = {"driver": "", "width": "", "height": "", "bands": "", "data_type": "", "interleave": "", "gt": ""}
    if (
        path.suffix == ".xml"
        and path.name != "filt_topophase.unw.geo.xml"
        or path.name.endswith((".hdr", ".log"))
    ):
        if path.suffix == ".xml" or path.name.endswith((".hdr", ".log")):
            return row
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(path) as ds:
                row.update(driver=ds.driver, width=str(ds.width), height=str(ds.height), bands=str(ds.count))
                names = {
                    "uint8": "Byte",
                    "int16": "Int16",
                    "float32": "Float32",
                    "float64": "Float64",
                    "complex64": "CFloat32",
                    "complex_int16": "CInt16",
                }
                row["data_type"] = ",".join(sorted({names.get(d, d) for d in ds.dtypes}))
                if ds.driver == "ISCE":
                    row["interleave"] = isceio.read_header(str(path) + ".xml").scheme
                elif ds.driver != "VRT":
                    row["interleave"] = ds.tags(ns="IMAGE_STRUCTURE").get("INTERLEAVE", "")
                gt = ds.transform.to_gdal()
                if tuple(gt) != (0.0, 1.0, 0.0, 0.0, 0.0, 1.0):
                    row["gt"] = ",".join(repr(float(x)) for x in gt)
    except RasterioIOError:
        pass
    return row


def load_manifest(variant: str) -> dict:
    rows: dict = {}
    with open(REC / variant / "manifest.tsv") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            rows.setdefault(r["step"], {})[r["path"]] = r
    return rows


# ------------------------------------------------------------------------------------ unit checks


def test_parse_recorded_topsapp_xml(recorded):
    cfg = config.load_config([str(recorded / "standard" / "topsApp.xml")])
    app = cfg["app"]
    assert app["swaths"] == [1] and app["do_esd"] is False and app["do_ion"] is True
    assert (app["range_looks"], app["azimuth_looks"]) == (8, 3)
    assert app["unwrapper_name"] == "snaphu_mcf" and app["geocode_bbox"] == [
        34.9121,
        35.0878,
        -118.0168,
        -117.9833,
    ]
    assert cfg["reference"]["output"] == "reference" and cfg["secondary"]["orbit_dir"] == "../inputs/orbits"
    assert cfg["reference"]["safe"][0].endswith("_AAAA.SAFE")
    esd = config.load_config([str(recorded / "esd" / "topsApp.xml")])["app"]
    assert esd["do_esd"] is True and esd["esd_coherence_threshold"] == 0.85  # ISCE default
    assert config.load_config([str(recorded / "dense" / "topsApp.xml")])["app"]["do_dense_offsets"] is True


def test_isce_value_rules(tmp_path):
    xml = tmp_path / "topsApp.xml"
    xml.write_text(
        '<topsApp><component name="topsinsar"><property name="DO  esd">false</property>'
        '<property name="GeocodeDemFilename">g.dem</property><property name="swaths">1</property>'
        '<property name="region of interest"><value>[1, 2, 3, 4]</value></property>'
        '<component name="Reference"><property name="safe">a.SAFE</property></component></component></topsApp>'
    )
    cfg = config.load_config([str(xml)])
    assert cfg["app"]["do_esd"] == "false" and bool(cfg["app"]["do_esd"])  # a string: truthy, like ISCE
    assert cfg["app"]["geocode_dem_filename"] == "g.dem"
    assert cfg["app"]["swaths"] == ["1"] or cfg["app"]["swaths"] == 1
    assert cfg["reference"]["safe"] == ["a.SAFE"] and cfg["reference"]["roi"] == [1, 2, 3, 4]


@pytest.mark.parametrize("variant,shape", [("standard", (121, 633)), ("esd", (429, 643))])
def test_geocode_grid_reproduces_recording(recorded, variant, shape):
    """The geocoded grid = DEM posting aligned to the DEM samples, clipped to the bbox (geozero rules)."""
    import json

    scene = json.loads((recorded / variant / "scene.json").read_text())
    d = scene["dem"]
    info = isceio.ImageInfo(
        "dem",
        d["cols"],
        d["rows"],
        1,
        "SHORT",
        "BIP",
        d["lon0"],
        d["posting_deg"],
        d["lat0"],
        -d["posting_deg"],
    )
    if variant == "standard":
        hdr = isceio.read_header(str(recorded / "standard" / "inputs" / "dem.wgs84.xml"))
        assert (hdr.x0, hdr.dx, hdr.y0, hdr.dy) == (info.x0, info.dx, info.y0, info.dy)
    bbox = config.load_config([str(recorded / variant / "topsApp.xml")])["app"]["geocode_bbox"]
    g = geocode.geo_grid(info, bbox)
    assert (g["width"], g["length"]) == shape
    man = load_manifest(variant)["geocode"]["merged/dem.crop"]
    assert (str(g["width"]), str(g["length"])) == (man["width"], man["height"])
    if variant == "standard":
        geo = isceio.read_header(str(recorded / "standard" / "run" / "merged" / "los.rdr.geo.xml"))
        assert (g["lon0"], g["lat0"], g["dlon"], g["dlat"]) == (geo.x0, geo.y0, geo.dx, geo.dy)


def test_header_and_vrt_match_recorded(recorded):
    run = recorded / "standard" / "run" / "merged"
    rec = isceio.read_header(str(run / "los.rdr.geo.xml"))
    coords = (rec.x0, rec.dx, rec.y0, rec.dy)
    vrt = isceio.vrt_text("merged/los.rdr.geo", rec.width, rec.length, 2, "FLOAT", "BIL", coords)
    assert vrt.strip() == (run / "los.rdr.geo.vrt").read_text().strip()
    vrt = isceio.vrt_text("merged/topophase.ion", 67, 470, 1, "FLOAT", "BIP", None)
    assert vrt.strip() == (run / "topophase.ion.vrt").read_text().strip()
    import xml.etree.ElementTree as ET

    mine = ET.fromstring(
        isceio.header_xml(
            "merged/los.rdr.geo",
            rec.width,
            rec.length,
            2,
            "FLOAT",
            "BIL",
            "bil",
            "intimage",
            coords,
            description="x",
        )
    )
    real = ET.parse(run / "los.rdr.geo.xml").getroot()
    assert [e.get("name") for e in mine] == [e.get("name") for e in real]
    for name in (
        "width",
        "length",
        "number_bands",
        "data_type",
        "scheme",
        "image_type",
        "file_name",
        "byte_order",
        "access_mode",
        "family",
    ):
        assert (
            mine.find(f"property[@name='{name}']/value").text
            == real.find(f"property[@name='{name}']/value").text
        )


def test_swath_xml_roundtrip_and_structure(recorded):
    import xml.etree.ElementTree as ET

    path = recorded / "standard" / "run" / "reference" / "IW1.xml"
    prod = swathxml.read(str(path))
    assert len(prod["bursts"]) == 3 and prod["orbit_source"].endswith(".EOF")
    for b in prod["bursts"]:
        b["image"]["kind"] = "slc"
        b["image"]["description"] = "['Single look complex image.']"
    text = swathxml.render(prod)

    def skeleton(el, out, path=""):
        for c in el:
            name = c.get("name")
            out.append((path, c.tag, name, c.findtext("value")))
            if c.tag == "component":
                skeleton(c, out, path + "/" + name)
        return out

    assert skeleton(ET.fromstring(text), []) == skeleton(ET.parse(path).getroot(), [])
    assert text == path.read_text()  # byte-identical to what ISCE2 wrote
    for kind, k in (("fine_coreg", "slc"), ("fine_interferogram", "int")):
        path = recorded / "standard" / "run" / kind / "IW1.xml"
        rec = swathxml.read(str(path))
        assert [b["first_valid_line"] for b in rec["bursts"]] == [
            b["first_valid_line"] + 5 for b in prod["bursts"]
        ]
        for b in rec["bursts"]:
            b["image"].update(kind=k, access_mode="read" if k == "slc" else "READ")
            if k == "slc":
                b["image"]["description"] = "['Single look complex image.']"
        loc = "@RUNROOT@/reference/IW1.xml" if k == "slc" else None
        assert swathxml.render(rec, reloaded=True, metadata_location=loc) == path.read_text()


# -------------------------------------------------------------------------------- CLI behaviours


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("pair")
    p = mini_safe.make_pair(str(root))
    run = root / "run"
    run.mkdir()
    (run / "topsApp.xml").write_text(mini_safe.topsapp_xml(p, str(run)))
    p["root"] = root
    return p


def fresh_run(pair, tmp_path, **props) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "topsApp.xml").write_text(mini_safe.topsapp_xml(pair, str(run), **props))
    return run


def test_cli_mechanics(pair, tmp_path):
    run = fresh_run(pair, tmp_path)
    r = topsapp(run, "topsApp.xml", "--dostep", "filter")
    assert r.returncode == 1 and "neither an input file" in r.stderr
    r = topsapp(run, "topsApp.xml", "--dostep=nosuchstep")
    assert r.returncode == 0 and "not one of the named steps" in r.stdout
    r = topsapp(run, "topsApp.xml", "--dostep=verifyDEM")
    assert r.returncode == 0 and "Cannot open PICKLE/computeBaselines" in r.stdout
    for f in ("PICKLE/verifyDEM", "PICKLE/verifyDEM.xml", "topsProc.xml", "isce.log", "topsinsar.log"):
        assert (run / f).exists(), f
    r = topsapp(run, "topsApp.xml", "--dostep=startup")
    assert r.returncode == 0 and (run / "PICKLE" / "startup.xml").exists()
    bad = run / "bad.xml"
    bad.write_text(
        '<topsApp><component name="topsinsar"><property name="filter strenght">0.3</property>'
        "</component></topsApp>"
    )
    r = topsapp(run, "bad.xml", "--dostep=startup")
    assert r.returncode == 1 and "is not present" in r.stdout
    r = topsapp(run, "--help", "--steps")
    assert r.returncode == 0 and "geocodeoffsets" in r.stdout


def test_preprocess_failures_exit_zero(pair, tmp_path):
    run = fresh_run(pair, tmp_path)
    (tmp_path / "noorbits").mkdir()
    xml = (run / "topsApp.xml").read_text()
    sec_orbits = os.path.relpath(pair["orbits"], run)
    xml = xml.replace(
        f'<property name="orbit directory">{sec_orbits}</property>',
        '<property name="orbit directory">../noorbits</property>',
        1,
    )
    (run / "topsApp.xml").write_text(xml)
    assert topsapp(run, "topsApp.xml", "--dostep=startup").returncode == 0
    r = topsapp(run, "topsApp.xml", "--dostep=preprocess")
    assert r.returncode == 0
    assert "Could not extract swath 1" in r.stdout and "No suitable orbit file found" in r.stdout
    assert not (run / "reference" / "IW1.xml").exists() and (run / "secondary" / "IW1.xml").exists()


# ------------------------------------------------------------------------- end-to-end conformance


@pytest.fixture(scope="module")
def standard_run(pair, recorded):
    """All 24 steps, each in its own process, with a per-step manifest of created/modified files."""
    run = pair["root"] / "run"
    manifests = {}
    before = snapshot(run)
    for step in steps.STEP_NAMES:
        r = topsapp(run, "topsApp.xml", f"--dostep={step}")
        assert r.returncode == 0, (step, r.stdout[-2000:], r.stderr[-2000:])
        after = snapshot(run)
        changed = {p for p, v in after.items() if before.get(p) != v}
        manifests[step] = {p: describe(run / p) for p in sorted(changed)}
        before = after
    return run, manifests


def test_standard_conformance(standard_run):
    run, manifests = standard_run
    rec = load_manifest("standard")
    for step in steps.STEP_NAMES:
        assert set(manifests[step]) == set(rec[step]), step
        for path, mine in manifests[step].items():
            r = rec[step][path]
            want = {k: r[k] for k in ("driver", "width", "height", "bands", "data_type", "interleave")}
            got = {k: mine[k] for k in want}
            assert got == want, (step, path)
            if r["geotransform"]:
                exp = [float(x) for x in r["geotransform"].split(",")]
                assert np.allclose([float(x) for x in mine["gt"].split(",")], exp, atol=1e-9), (step, path)
            else:
                assert mine["gt"] == "", (step, path)


def test_standard_values(standard_run):
    """Products are meaningful: unwrapped phase follows the injected truth, LOS as ISCE defines it."""
    run, _ = standard_run
    amp, unw = isceio.read_image(str(run / "merged" / "filt_topophase.unw"))
    truth = mini_safe.truth_phase(1410, 540)[:1410, :536].reshape(470, 3, 67, 8).mean(axis=(1, 3))
    valid = unw != 0
    assert valid.mean() > 0.9
    diff = (unw - truth)[valid]
    diff -= 2 * np.pi * np.round(np.median(diff) / (2 * np.pi))
    assert abs(np.median(diff)) < 0.2 and np.std(diff) < 0.5
    inc, az = isceio.read_image(str(run / "merged" / "los.rdr.geo"))
    good = inc != 0
    assert 29.5 < inc[good].mean() < 31.5 and 86 < az[good].mean() < 90
    cor = isceio.read_image(str(run / "merged" / "topophase.cor"))[1]
    assert 0.85 < cor[cor > 0].mean() < 0.99
    ion = isceio.read_image(str(run / "merged" / "topophase.ion"))[0]
    sel = (ion != 0) & valid
    assert np.corrcoef(ion[sel], unw[sel])[0, 1] > 0.8
    conn = isceio.read_image(str(run / "merged" / "filt_topophase.unw.conncomp.geo"))[0]
    assert set(np.unique(conn)) <= {0, 1} and (conn == 1).mean() > 0.5
    ref = swathxml.read(str(run / "reference" / "IW1.xml"))
    assert ref["orbit_source"].startswith("S1A_OPER_AUX_POEORB_OPOD_") and len(ref["vectors"]) > 8


def run_variant(root: Path, width: int, only: list[str] | None = None, last: str = "geocodeoffsets", **props):
    """Generate a mini pair, run every step in its own process, return per-step manifests of changed files."""
    p = mini_safe.make_pair(str(root), width=width)
    run = root / "run"
    run.mkdir()
    (run / "topsApp.xml").write_text(mini_safe.topsapp_xml(p, str(run), **props))
    manifests = {}
    before = snapshot(run)
    for step in steps.STEP_NAMES[: steps.STEP_NAMES.index(last) + 1]:
        r = topsapp(run, "topsApp.xml", f"--dostep={step}")
        assert r.returncode == 0, (step, r.stdout[-2000:], r.stderr[-2000:])
        after = snapshot(run)
        if only is None or step in only:
            changed = {q for q, v in after.items() if before.get(q) != v}
            manifests[step] = {q: describe(run / q) for q in sorted(changed)}
        before = after
    return run, manifests


def assert_conforms(manifests: dict, variant: str) -> None:
    rec = load_manifest(variant)
    for step, files in manifests.items():
        assert set(files) == set(rec[step]), (step, set(files) ^ set(rec[step]))
        for path, mine in files.items():
            r = rec[step][path]
            want = {k: r[k] for k in ("driver", "width", "height", "bands", "data_type", "interleave")}
            assert {k: mine[k] for k in want} == want, (step, path)
            if r["geotransform"]:
                exp = [float(x) for x in r["geotransform"].split(",")]
                assert np.allclose([float(x) for x in mine["gt"].split(",")], exp, atol=1e-9), (step, path)
            else:
                assert mine["gt"] == "", (step, path)


ESD_STEPS = [
    "subsetoverlaps",
    "coarseoffsets",
    "coarseresamp",
    "overlapifg",
    "prepesd",
    "esd",
    "rangecoreg",
    "fineoffsets",
]


def test_esd_conformance(recorded, tmp_path):
    bbox = "[34.9107, 35.0892, -118.0598, -117.9408]"
    props = {"do ESD": "True", "geocode bounding box": bbox, "do ionosphere correction": "False"}
    run, manifests = run_variant(tmp_path, 2240, only=ESD_STEPS, last="fineoffsets", **props)
    assert_conforms(manifests, "esd")
    assert "secondarytimingcorrection" in (run / "PICKLE" / "esd.xml").read_text()


def test_esd_rangecoreg_needs_wide_bursts(tmp_path):
    """ISCE2's rangecoreg keeps 1000 samples clear at both edges: on 540-sample bursts it has no Ampcor location
    and fails (exit 1), which is why ESD runs need bursts wider than about 2,200 samples."""
    p = mini_safe.make_pair(str(tmp_path))
    run = tmp_path / "run"
    run.mkdir()
    props = {"do ESD": "True", "do ionosphere correction": "False"}
    (run / "topsApp.xml").write_text(mini_safe.topsapp_xml(p, str(run), **props))
    for step in steps.STEP_NAMES[: steps.STEP_NAMES.index("esd") + 1]:
        r = topsapp(run, "topsApp.xml", f"--dostep={step}")
        assert r.returncode == 0, (step, r.stdout[-2000:], r.stderr[-2000:])
    r = topsapp(run, "topsApp.xml", "--dostep=rangecoreg")
    assert r.returncode == 1 and "1000-sample margins" in r.stderr, r.stderr[-2000:]
    assert not (run / "PICKLE" / "rangecoreg").exists()


def test_dense_conformance(recorded, tmp_path):
    run, manifests = run_variant(
        tmp_path,
        540,
        only=["denseoffsets", "filteroffsets", "geocodeoffsets"],
        **{"do dense offsets": "True", "do ionosphere correction": "False"},
    )
    assert_conforms(manifests, "dense")


def test_synth_s1_pair_two_swaths_zips(tmp_path):
    """The project's generator (zipped SAFEs, Earth-rotating orbit, hilly DEM, IW1+IW2) through geocode."""
    from gunw_workflow.demo import synth as synth_s1

    ref_id = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
    sec_id = "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F"
    synth_s1.generate_pair(tmp_path / "in", ref_id, sec_id, swaths=(1, 2))
    dem_xml = (
        tmp_path / "in" / "dem" / "dem.wgs84.xml"
    )  # topsApp opens file_name from its cwd (stage_inputs' job)
    dem_xml.write_text(
        dem_xml.read_text().replace("<value>dem.wgs84</value>", "<value>../in/dem/dem.wgs84</value>")
    )
    run = tmp_path / "run"
    run.mkdir()
    pair = {
        "safes": {
            "reference": str(tmp_path / "in" / "slc" / f"{ref_id}.zip"),
            "secondary": str(tmp_path / "in" / "slc" / f"{sec_id}.zip"),
        },
        "orbits": str(tmp_path / "in" / "orbits"),
        "dem": str(tmp_path / "in" / "dem" / "dem.wgs84"),
    }
    (run / "topsApp.xml").write_text(
        mini_safe.topsapp_xml(
            pair,
            str(run),
            **{"swaths": "[1, 2]", "geocode bounding box": None, "do ionosphere correction": "False"},
        )
    )
    for step in steps.STEP_NAMES[: steps.STEP_NAMES.index("geocode") + 1]:
        r = topsapp(run, "topsApp.xml", f"--dostep={step}")
        assert r.returncode == 0 and "Could not extract" not in r.stdout, (
            step,
            r.stdout[-1500:],
            r.stderr[-1500:],
        )
    for n in (1, 2):
        assert len(swathxml.read(str(run / "reference" / f"IW{n}.xml"))["bursts"]) == 3
        assert (run / "fine_interferogram" / f"IW{n}" / "burst_03.int").exists()
    flat = isceio.read_header(str(run / "merged" / "topophase.flat.xml"))
    full = isceio.read_header(str(run / "merged" / "topophase.flat.full.xml"))
    assert (flat.width, flat.length) == (full.width // 8, full.length // 3) and full.width > 540
    unw = isceio.read_image(str(run / "merged" / "filt_topophase.unw.geo"))[1]
    dem = isceio.read_header(str(tmp_path / "in" / "dem" / "dem.wgs84.xml"))
    geo = isceio.read_header(str(run / "merged" / "filt_topophase.unw.geo.xml"))
    assert geo.dx == dem.dx and abs(((geo.x0 - dem.x0) / dem.dx) - round((geo.x0 - dem.x0) / dem.dx)) < 1e-6
    assert (unw != 0).mean() > 0.05  # default bbox = burst boxes at -500..9000 m: mostly empty, as in ISCE
