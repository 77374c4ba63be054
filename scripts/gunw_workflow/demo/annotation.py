"""Sentinel-1 product annotation (``annotation/s1?-iw{n}-slc-{pol}-...xml``) of one synthetic swath: every field
ISCE2's SAFE reader needs, in the element order of real annotations, plus a geolocation grid."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import numpy as np

from gunw_workflow.demo.scene import (
    AZIMUTH_BANDWIDTH,
    AZIMUTH_STEERING_RATE,
    AZIMUTH_TIME_INTERVAL,
    FM_RATE_POLYNOMIAL,
    INVALID_LINES,
    INVALID_SAMPLES,
    PRF,
    RADAR_FREQUENCY,
    RANGE_BANDWIDTH,
    RANGE_PIXEL,
    RANGE_SAMPLING_RATE,
    Scene,
    SceneModel,
)
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io.times import format_time as _ts


def _f(x: float) -> str:
    return f"{x:.15e}"


def _sub(parent: ET.Element, tag: str, text=None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = text if isinstance(text, str) else str(text)
    return el


def _last_line(m: SceneModel, scene: Scene) -> dt.datetime:
    return scene.burst_starts[-1] + dt.timedelta(seconds=(m.L - 1) * AZIMUTH_TIME_INTERVAL)


def _mid_burst(m: SceneModel, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(seconds=m.L * AZIMUTH_TIME_INTERVAL / 2)


def _tau0(m: SceneModel, swath: int) -> float:
    return 2.0 * m.near_ranges[swath] / og.SPEED_OF_LIGHT


def _anx(m: SceneModel, scene: Scene) -> dt.datetime:
    return m.anx_time + dt.timedelta(seconds=scene.shift_s)


def _ads_header(root: ET.Element, m: SceneModel, scene: Scene, swath: int) -> None:
    sid, starts = scene.sid, scene.burst_starts
    ads = _sub(root, "adsHeader")
    for tag, val in (
        ("missionId", sid.mission),
        ("productType", "SLC"),
        ("polarisation", m.pol.upper()),
        ("mode", "IW"),
        ("swath", f"IW{swath}"),
        ("startTime", _ts(starts[0])),
        ("stopTime", _ts(_last_line(m, scene))),
        ("absoluteOrbitNumber", sid.absolute_orbit),
        ("missionDataTakeId", int(sid.datatake, 16)),
        ("imageNumber", f"{m.image_number(swath):03d}"),
    ):
        _sub(ads, tag, val)


def _general_annotation(root: ET.Element, m: SceneModel, scene: Scene, swath: int) -> None:
    """Product information, downlink (PRF), orbit list, terrain heights and azimuth FM rates."""
    starts = scene.burst_starts
    gen = _sub(root, "generalAnnotation")
    pinfo = _sub(gen, "productInformation")
    _sub(pinfo, "pass", "Ascending" if m.p.ascending else "Descending")
    _sub(pinfo, "timelinessCategory", "Fast-24h")
    _sub(pinfo, "platformHeading", _f(m.platform_heading))
    _sub(pinfo, "projection", "Slant Range")
    _sub(pinfo, "rangeSamplingRate", _f(RANGE_SAMPLING_RATE))
    _sub(pinfo, "radarFrequency", _f(RADAR_FREQUENCY))
    _sub(pinfo, "azimuthSteeringRate", _f(AZIMUTH_STEERING_RATE))
    dl = _sub(_sub(gen, "downlinkInformationList", count=1), "downlinkInformation")
    _sub(dl, "swath", f"IW{swath}")
    _sub(dl, "azimuthTime", _ts(starts[0] - dt.timedelta(seconds=2)))
    _sub(dl, "firstLineSensingTime", _ts(starts[0]))
    _sub(dl, "lastLineSensingTime", _ts(_last_line(m, scene)))
    _sub(dl, "prf", _f(PRF))
    times, pos, vel = m.annotation_vectors(scene)
    olist = _sub(gen, "orbitList", count=len(times))
    for t, p, v in zip(times, pos, vel, strict=True):
        o = _sub(olist, "orbit")
        _sub(o, "time", _ts(t))
        _sub(o, "frame", "Earth Fixed")
        pe, ve = _sub(o, "position"), _sub(o, "velocity")
        for k, c in enumerate("xyz"):
            _sub(pe, c, _f(p[k]))
            _sub(ve, c, _f(v[k]))
    th = _sub(gen, "terrainHeightList", count=m.B)
    for s in starts:
        e = _sub(th, "terrainHeight")
        _sub(e, "azimuthTime", _ts(s))
        _sub(e, "value", _f(m.centre_h))
    fm = _sub(gen, "azimuthFmRateList", count=m.B)
    for s in starts:
        e = _sub(fm, "azimuthFmRate")
        _sub(e, "azimuthTime", _ts(_mid_burst(m, s)))
        _sub(e, "t0", _f(_tau0(m, swath)))
        _sub(e, "azimuthFmRatePolynomial", " ".join(f"{c:.6e}" for c in FM_RATE_POLYNOMIAL), count=3)


def _image_annotation(root: ET.Element, m: SceneModel, scene: Scene, swath: int) -> None:
    """Image information (timing, spacing, sizes) and the processing windows / ellipsoid."""
    starts, dt_line = scene.burst_starts, AZIMUTH_TIME_INTERVAL
    img = _sub(root, "imageAnnotation")
    ii = _sub(img, "imageInformation")
    for tag, val in (
        ("productFirstLineUtcTime", _ts(starts[0])),
        ("productLastLineUtcTime", _ts(_last_line(m, scene))),
        ("ascendingNodeTime", _ts(_anx(m, scene))),
        ("anchorTime", _ts(starts[0] - dt.timedelta(seconds=1))),
        ("productComposition", "Slice"),
        ("sliceNumber", 1),
        ("slantRangeTime", _f(_tau0(m, swath))),
        ("pixelValue", "Complex"),
        ("outputPixels", "16 bit Signed Integer"),
        ("rangePixelSpacing", f"{RANGE_PIXEL:.6e}"),
        ("azimuthPixelSpacing", f"{m.azimuth_pixel_spacing:.6e}"),
        ("azimuthTimeInterval", _f(dt_line)),
        ("azimuthFrequency", _f(1.0 / dt_line)),
        ("numberOfSamples", m.W),
        ("numberOfLines", m.L * m.B),
        ("zeroDopMinusAcqTime", _f(0.0)),
        ("incidenceAngleMidSwath", _f(m.swath_geometry[swath].incidence_mid)),
    ):
        _sub(ii, tag, val)
    proc = _sub(img, "processingInformation")
    spp = _sub(_sub(proc, "swathProcParamsList", count=1), "swathProcParams")
    _sub(spp, "swath", f"IW{swath}")
    for name, coef, bw in (
        ("rangeProcessing", 0.75, RANGE_BANDWIDTH),
        ("azimuthProcessing", 0.7, AZIMUTH_BANDWIDTH),
    ):
        e = _sub(spp, name)
        _sub(e, "windowType", "Hamming")
        _sub(e, "windowCoefficient", _f(coef))
        _sub(e, "totalBandwidth", _f(bw))
        _sub(e, "processingBandwidth", _f(bw))
        _sub(e, "lookBandwidth", _f(bw))
        _sub(e, "numberOfLooks", 1)
        _sub(e, "lookOverlap", _f(0.0))
    _sub(proc, "ellipsoidName", "WGS84")
    _sub(proc, "ellipsoidSemiMajorAxis", _f(og.WGS84_A))
    _sub(proc, "ellipsoidSemiMinorAxis", _f(og.WGS84_B))


def _doppler_and_antenna(root: ET.Element, m: SceneModel, scene: Scene, swath: int) -> None:
    """Zero Doppler centroid per burst, and antenna-pattern angles (from the mid-scene geometry)."""
    dc = _sub(_sub(root, "dopplerCentroid"), "dcEstimateList", count=m.B)
    for s in scene.burst_starts:
        e = _sub(dc, "dcEstimate")
        _sub(e, "azimuthTime", _ts(_mid_burst(m, s)))
        _sub(e, "t0", _f(_tau0(m, swath)))
        _sub(e, "geometryDcPolynomial", "0.000000e+00 0.000000e+00 0.000000e+00", count=3)
        _sub(e, "dataDcPolynomial", "0.000000e+00 0.000000e+00 0.000000e+00", count=3)
        _sub(e, "dataDcRmsError", _f(0.0))
        _sub(e, "dataDcRmsErrorAboveThreshold", "false")
    g = m.swath_geometry[swath]
    ap = _sub(_sub(root, "antennaPattern"), "antennaPatternList", count=m.B)
    for s in scene.burst_starts:
        e = _sub(ap, "antennaPattern")
        _sub(e, "swath", f"IW{swath}")
        _sub(e, "azimuthTime", _ts(s))
        n = len(g.antenna_tau)
        _sub(e, "slantRangeTime", " ".join(_f(x) for x in g.antenna_tau), count=n)
        _sub(e, "elevationAngle", " ".join(f"{x:.6e}" for x in g.antenna_look), count=n)
        _sub(e, "incidenceAngle", " ".join(f"{x:.6e}" for x in g.antenna_inc), count=n)
        _sub(e, "terrainHeight", _f(m.centre_h))
        _sub(e, "roll", _f(float(np.mean(g.antenna_look))))


def _swath_timing(root: ET.Element, m: SceneModel, scene: Scene, tiff_offsets: list[int]) -> None:
    """Burst list: start times, ANX offsets, TIFF byte offsets and the valid-sample window of every line."""
    L, W = m.L, m.W
    st = _sub(root, "swathTiming")
    _sub(st, "linesPerBurst", L)
    _sub(st, "samplesPerBurst", W)
    bl = _sub(st, "burstList", count=m.B)
    first = np.full(L, -1, dtype=int)
    last = np.full(L, -1, dtype=int)
    first[INVALID_LINES : L - INVALID_LINES] = INVALID_SAMPLES
    last[INVALID_LINES : L - INVALID_LINES] = W - 1 - INVALID_SAMPLES
    anx = _anx(m, scene)
    for k, s in enumerate(scene.burst_starts):
        b = _sub(bl, "burst")
        _sub(b, "azimuthTime", _ts(s))
        _sub(b, "azimuthAnxTime", _f((s - anx).total_seconds()))
        _sub(b, "sensingTime", _ts(_mid_burst(m, s)))
        _sub(b, "byteOffset", tiff_offsets[k])
        _sub(b, "firstValidSample", " ".join(map(str, first)), count=L)
        _sub(b, "lastValidSample", " ".join(map(str, last)), count=L)


def _geolocation_grid(root: ET.Element, geogrid: dict) -> None:
    gl = _sub(_sub(root, "geolocationGrid"), "geolocationGridPointList", count=len(geogrid["line"]))
    for i in range(len(geogrid["line"])):
        p = _sub(gl, "geolocationGridPoint")
        _sub(p, "azimuthTime", _ts(geogrid["time"][i]))
        _sub(p, "slantRangeTime", _f(geogrid["tau"][i]))
        _sub(p, "line", int(geogrid["line"][i]))
        _sub(p, "pixel", int(geogrid["pixel"][i]))
        _sub(p, "latitude", _f(geogrid["lat"][i]))
        _sub(p, "longitude", _f(geogrid["lon"][i]))
        _sub(p, "height", _f(geogrid["h"][i]))
        _sub(p, "incidenceAngle", _f(geogrid["inc"][i]))
        _sub(p, "elevationAngle", _f(geogrid["look"][i]))


def annotation_xml(m: SceneModel, scene: Scene, swath: int, geogrid: dict, tiff_offsets: list[int]) -> bytes:
    """The annotation XML of ``swath`` of ``scene``; ``tiff_offsets`` = byte offset of each burst's first line."""
    root = ET.Element("product")
    _ads_header(root, m, scene, swath)
    _general_annotation(root, m, scene, swath)
    _image_annotation(root, m, scene, swath)
    _doppler_and_antenna(root, m, scene, swath)
    _swath_timing(root, m, scene, tiff_offsets)
    _geolocation_grid(root, geogrid)
    _sub(_sub(root, "coordinateConversion"), "coordinateConversionList", count=0)
    _sub(_sub(root, "swathMerging"), "swathMergeList", count=0)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
