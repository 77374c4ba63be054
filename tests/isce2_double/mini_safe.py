"""Tiny synthetic Sentinel-1 IW SLC pair (SAFE dirs or zips), EOFs and a flat ISCE DEM for the double's tests.

Why: the double's own tests need inputs shaped like the recorded ISCE2 runs' scene (3 bursts of 530 lines, 440-line
burst step, 540 samples, or 2240 samples for ESD; zero baseline; flat 1" DEM) without depending on the project's
full generator.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from isce2_double import geometry, isceio  # noqa: E402

F0 = 5405000454.33435
FS = 64345238.12571428
DT = 0.002055556299999998
PRF = 1717.128973878037
R_ORB, V_ORB, TRACK_LON = 7071000.0, 7500.0, -122.0


def orbit_vectors(t_ref: dt.datetime, t0: dt.datetime, t1: dt.datetime, phi_ref: float):
    """Northbound polar great circle fixed in ECEF; latitude phi_ref (rad) at t_ref; vectors every 10 s."""
    w = V_ORB / R_ORB
    lam = np.radians(TRACK_LON)
    start = t0.replace(second=(t0.second // 10) * 10, microsecond=0)
    out = []
    t = start
    while t <= t1:
        phi = phi_ref + w * (t - t_ref).total_seconds()
        pos = R_ORB * np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
        vel = V_ORB * np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
        out.append((t, pos, vel))
        t += dt.timedelta(seconds=10)
    return out


def write_eof(directory: str, vectors, mission: str = "S1A") -> str:
    v0, v1 = vectors[0][0], vectors[-1][0]
    name = f"{mission}_OPER_AUX_POEORB_OPOD_20210101T000000_V{v0:%Y%m%dT%H%M%S}_{v1:%Y%m%dT%H%M%S}.EOF"
    osvs = "".join(
        f"<OSV><TAI>TAI={t:%Y-%m-%dT%H:%M:%S.%f}</TAI><UTC>UTC={t:%Y-%m-%dT%H:%M:%S.%f}</UTC>"
        f"<UT1>UT1={t:%Y-%m-%dT%H:%M:%S.%f}</UT1><Absolute_Orbit>+1</Absolute_Orbit>"
        f'<X unit="m">{p[0]:.6f}</X><Y unit="m">{p[1]:.6f}</Y><Z unit="m">{p[2]:.6f}</Z>'
        f'<VX unit="m/s">{v[0]:.6f}</VX><VY unit="m/s">{v[1]:.6f}</VY><VZ unit="m/s">{v[2]:.6f}</VZ>'
        f"<Quality>NOMINAL</Quality></OSV>"
        for t, p, v in vectors
    )
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as fh:
        fh.write(
            f'<?xml version="1.0"?>\n<Earth_Explorer_File><Data_Block type="xml">'
            f'<List_of_OSVs count="{len(vectors)}">{osvs}</List_of_OSVs></Data_Block></Earth_Explorer_File>\n'
        )
    return os.path.join(directory, name)


def manifest_xml(ipf: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xfdu:XFDU xmlns:xfdu="urn:ccsds:schema:xfdu:1" '
        'xmlns:safe="http://www.esa.int/safe/sentinel-1.0"><metadataSection>'
        '<metadataObject ID="processing"><metadataWrap><xmlData><safe:processing name="SLC Processing">'
        '<safe:facility country="Nowhere" name="Synthetic" organisation="Test" site="Synthetic">'
        f'<safe:software name="Sentinel-1 IPF" version="{ipf}"/></safe:facility></safe:processing></xmlData>'
        "</metadataWrap></metadataObject></metadataSection></xfdu:XFDU>\n"
    )


def annotation_xml(
    mission, orbit_number, t_first, near_range, width, lines, nbursts, step, vectors, fvs, lvs
):
    tf = "%Y-%m-%dT%H:%M:%S.%f"
    bursts = ""
    for k in range(nbursts):
        t = t_first + dt.timedelta(seconds=k * step * DT)
        bursts += (
            f"<burst><azimuthTime>{t.strftime(tf)}</azimuthTime><sensingTime>{t.strftime(tf)}</sensingTime>"
            f'<firstValidSample count="{lines}">{fvs}</firstValidSample>'
            f'<lastValidSample count="{lines}">{lvs}</lastValidSample></burst>'
        )
    orbits = "".join(
        f"<orbit><time>{t.strftime(tf)}</time><position><x>{p[0]}</x><y>{p[1]}</y><z>{p[2]}</z></position>"
        f"<velocity><x>{v[0]}</x><y>{v[1]}</y><z>{v[2]}</z></velocity></orbit>"
        for t, p, v in vectors
    )
    mid = t_first + dt.timedelta(seconds=0.5 * ((nbursts - 1) * step + lines) * DT)
    rng_t = 2 * near_range / geometry.C
    return (
        f'<?xml version="1.0"?>\n<product><adsHeader><missionId>{mission}</missionId><productType>SLC</productType>'
        f"<polarisation>VV</polarisation><mode>IW</mode><swath>IW1</swath>"
        f"<absoluteOrbitNumber>{orbit_number}</absoluteOrbitNumber></adsHeader>"
        f"<generalAnnotation><productInformation><pass>Ascending</pass><radarFrequency>{F0}</radarFrequency>"
        f"<rangeSamplingRate>{FS}</rangeSamplingRate><azimuthSteeringRate>1.590368784</azimuthSteeringRate>"
        f'</productInformation><downlinkInformationList count="1"><downlinkInformation><prf>{PRF}</prf>'
        f'</downlinkInformation></downlinkInformationList><orbitList count="{len(vectors)}">{orbits}</orbitList>'
        f'<terrainHeightList count="1"><terrainHeight><azimuthTime>{mid.strftime(tf)}</azimuthTime>'
        f"<value>0.0</value></terrainHeight></terrainHeightList>"
        f'<azimuthFmRateList count="1"><azimuthFmRate><azimuthTime>{mid.strftime(tf)}</azimuthTime>'
        f'<t0>{rng_t}</t0><azimuthFmRatePolynomial count="3">-2.328e+03 4.5e+05 -7.9e+07'
        f"</azimuthFmRatePolynomial></azimuthFmRate></azimuthFmRateList></generalAnnotation>"
        f"<imageAnnotation><imageInformation><azimuthPixelSpacing>14.0</azimuthPixelSpacing>"
        f"<azimuthTimeInterval>{DT}</azimuthTimeInterval><slantRangeTime>{rng_t}</slantRangeTime>"
        f"<incidenceAngleMidSwath>30.5</incidenceAngleMidSwath>"
        f"<ascendingNodeTime>{(t_first - dt.timedelta(seconds=1498.550833)).strftime(tf)}</ascendingNodeTime>"
        f'</imageInformation><processingInformation><swathProcParamsList count="1"><swathProcParams>'
        f"<rangeProcessing><windowType>Hamming</windowType><windowCoefficient>0.75</windowCoefficient>"
        f"<processingBandwidth>56500000.0</processingBandwidth></rangeProcessing>"
        f"<azimuthProcessing><windowType>Hamming</windowType><windowCoefficient>0.7</windowCoefficient>"
        f"<processingBandwidth>327.0</processingBandwidth></azimuthProcessing></swathProcParams>"
        f"</swathProcParamsList></processingInformation></imageAnnotation>"
        f'<dopplerCentroid><dcEstimateList count="1"><dcEstimate><azimuthTime>{mid.strftime(tf)}</azimuthTime>'
        f'<t0>{rng_t}</t0><dataDcPolynomial count="3">0 0 0</dataDcPolynomial></dcEstimate></dcEstimateList>'
        f"</dopplerCentroid><swathTiming><linesPerBurst>{lines}</linesPerBurst>"
        f'<samplesPerBurst>{width}</samplesPerBurst><burstList count="{nbursts}">{bursts}</burstList>'
        f"</swathTiming></product>\n"
    )


def truth_phase(total_lines: int, width: int) -> np.ndarray:
    line = np.arange(total_lines)[:, None]
    samp = np.arange(width)[None, :]
    return 2 * np.pi * 2.5 * samp / width + 4 * np.exp(
        -(((line - total_lines / 2) / (total_lines / 6)) ** 2 + ((samp - width / 2) / (width / 6)) ** 2)
    )


def _write_safe(
    inputs: str,
    t_first: dt.datetime,
    orbit_number: int,
    sid: str,
    geom: dict,
    vecs,
    stack: np.ndarray,
    zipped: bool,
) -> str:
    """One SAFE (manifest, IW1 annotation, CInt16 measurement TIFF) under ``inputs``, optionally zipped."""
    import rasterio

    width, lines, nbursts = geom["width"], geom["lines"], geom["nbursts"]
    t_end = t_first + dt.timedelta(seconds=10)
    name = f"S1A_IW_SLC__1SDV_{t_first:%Y%m%dT%H%M%S}_{t_end:%Y%m%dT%H%M%S}_{orbit_number:06d}_{sid}.SAFE"
    safe_dir = os.path.join(inputs, name)
    base = f"s1a-iw1-slc-vv-{t_first:%Y%m%dt%H%M%S}-{t_end:%Y%m%dt%H%M%S}-{orbit_number:06d}-{sid[:6].lower()}-004"
    os.makedirs(os.path.join(safe_dir, "annotation"), exist_ok=True)
    os.makedirs(os.path.join(safe_dir, "measurement"), exist_ok=True)
    with open(os.path.join(safe_dir, "manifest.safe"), "w") as fh:
        fh.write(manifest_xml("003.31"))
    with open(os.path.join(safe_dir, "annotation", base + ".xml"), "w") as fh:
        fh.write(
            annotation_xml(
                "S1A",
                orbit_number,
                t_first,
                geom["near"],
                width,
                lines,
                nbursts,
                geom["step"],
                vecs,
                geom["fvs"],
                geom["lvs"],
            )
        )
    ci = np.zeros((nbursts * lines, width), np.complex64)
    ci[:] = np.round(stack.real) + 1j * np.round(stack.imag)
    with rasterio.open(
        os.path.join(safe_dir, "measurement", base + ".tiff"),
        "w",
        driver="GTiff",
        width=width,
        height=nbursts * lines,
        count=1,
        dtype="complex_int16",
    ) as ds:
        ds.write(ci, 1)
    if not zipped:
        return safe_dir
    zpath = safe_dir[: -len(".SAFE")] + ".zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as zf:
        for dirpath, _, files in os.walk(safe_dir):
            for f in files:
                full = os.path.join(dirpath, f)
                zf.write(full, os.path.relpath(full, inputs))
    return zpath


def _write_flat_dem(inputs: str, width: int) -> str:
    """Flat DEM, 1" posting, around the scene (wider for the ESD-sized bursts)."""
    post = 1 / 3600.0
    lat0, lon0 = 35.118472222222222, -118.02847222222222 - (0.04 if width > 1000 else 0.0)
    cols = 205 if width <= 1000 else 515
    dem = np.zeros((853, cols), np.int16)
    path = os.path.join(inputs, "dem.wgs84")
    isceio.write_image(
        path, dem, "SHORT", "BIP", "dem", "demimage", coords=(lon0, post, lat0, -post), reference="WGS84"
    )
    return path


def make_pair(
    root: str,
    width: int = 540,
    lines: int = 530,
    nbursts: int = 3,
    step: int = 440,
    zipped: bool = False,
    seed: int = 1,
) -> dict:
    """Write inputs/{ref,sec SAFE, orbits/, dem.wgs84} under ``root``; returns their paths and the truth."""
    rng = np.random.default_rng(seed)
    inputs = os.path.join(root, "inputs")
    os.makedirs(inputs, exist_ok=True)
    total = (nbursts - 1) * step + lines
    dr = geometry.C / (2 * FS)
    # place the scene centre at 35 N, 118 W: find time/range of that target on the orbit
    t_ref = dt.datetime(2020, 1, 1, 14, 0, 5)
    probe = orbit_vectors(
        t_ref, t_ref - dt.timedelta(seconds=60), t_ref + dt.timedelta(seconds=60), np.radians(35.0)
    )
    orb = geometry.Orbit(probe)
    tc, rc = geometry.geo2rdr(orb, np.array([35.0]), np.array([-118.0]), np.array([0.0]), orb.sec(t_ref))
    t_center = orb.epoch + dt.timedelta(seconds=float(tc[0]))
    geom = {
        "width": width,
        "lines": lines,
        "nbursts": nbursts,
        "step": step,
        "near": float(rc[0]) - width / 2 * dr,
        "fvs": " ".join(["-1"] * 5 + ["10"] * (lines - 10) + ["-1"] * 5),
        "lvs": " ".join(["-1"] * 5 + [str(width - 11)] * (lines - 10) + ["-1"] * 5),
    }
    speck = (rng.normal(size=(total, width)) + 1j * rng.normal(size=(total, width))) * 60 / np.sqrt(2)
    phi = truth_phase(total, width)
    out = {"inputs": inputs, "truth": phi, "safes": {}}
    for kind, date, orbit_number, sid in (
        ("reference", dt.date(2020, 1, 1), 30001, "036EA1_AAAA"),
        ("secondary", dt.date(2020, 1, 13), 30176, "037499_BBBB"),
    ):
        shift = dt.datetime.combine(date, dt.time()) - dt.datetime(2020, 1, 1)
        t_first = t_center + shift - dt.timedelta(seconds=total / 2 * DT)
        vecs = orbit_vectors(
            t_ref + shift,
            t_first - dt.timedelta(seconds=70),
            t_first + dt.timedelta(seconds=total * DT + 70),
            np.radians(35.0),
        )
        write_eof(os.path.join(inputs, "orbits"), vecs)
        noise = (rng.normal(size=(total, width)) + 1j * rng.normal(size=(total, width))) * 15 / np.sqrt(2)
        img = speck + noise if kind == "reference" else speck * np.exp(-1j * phi) + noise
        stack = np.concatenate([img[k * step : k * step + lines] for k in range(nbursts)])
        out["safes"][kind] = _write_safe(inputs, t_first, orbit_number, sid, geom, vecs, stack, zipped)
    out["dem"] = _write_flat_dem(inputs, width)
    out["orbits"] = os.path.join(inputs, "orbits")
    return out


def topsapp_xml(pair: dict, run_dir: str, **props) -> str:
    """A topsApp.xml like the recorded standard run (paths relative to ``run_dir``)."""
    rel = lambda p: os.path.relpath(p, run_dir)  # noqa: E731
    base = {
        "swaths": "[1]",
        "demFilename": rel(pair["dem"]),
        "do ESD": "False",
        "range looks": "8",
        "azimuth looks": "3",
        "filter strength": "0.5",
        "do unwrap": "True",
        "unwrapper name": "snaphu_mcf",
        "do ionosphere correction": "True",
        "apply ionosphere correction": "False",
        "total number of azimuth looks in the ionosphere processing": "10",
        "total number of range looks in the ionosphere processing": "40",
        "number of azimuth looks at first stage for ionosphere phase unwrapping": "2",
        "number of range looks at first stage for ionosphere phase unwrapping": "8",
        "maximum window size for filtering ionosphere phase": "31",
        "minimum window size for filtering ionosphere phase": "11",
        "geocode list": "['merged/phsig.cor', 'merged/topophase.cor', 'merged/filt_topophase.unw', "
        "'merged/filt_topophase.unw.conncomp', 'merged/los.rdr', 'merged/filt_topophase.flat', "
        "'merged/topophase.ion']",
        "geocode bounding box": "[34.9121, 35.0878, -118.0168, -117.9833]",
        "do dense offsets": "False",
    }
    base.update(props)
    sensors = ""
    for kind in ("reference", "secondary"):
        sensors += (
            f'    <component name="{kind}">\n'
            f"      <property name=\"safe\">['{rel(pair['safes'][kind])}']</property>\n"
            f'      <property name="output directory">{kind}</property>\n'
            f'      <property name="orbit directory">{rel(pair["orbits"])}</property>\n'
            f'      <property name="polarization">vv</property>\n    </component>\n'
        )
    body = "".join(f'    <property name="{k}">{v}</property>\n' for k, v in base.items() if v is not None)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<topsApp>\n  <component name="topsinsar">\n'
        '    <property name="Sensor name">SENTINEL1</property>\n'
        + sensors
        + body
        + "  </component>\n</topsApp>\n"
    )
