"""Synthetic Sentinel-1 IW SLC pair with a known interferometric phase: the offline demo / end-to-end input.

Writes, under ``outdir``:

* ``slc/<scene id>.zip``: SAFE zips in the real layout (``manifest.safe`` with IPF 003.31 and a footprint;
  ``annotation/s1?-iw{n}-slc-{pol}-...xml`` with every field ISCE2's reader needs plus a geolocation grid;
  ``measurement/...tiff`` one-band CInt16, bursts stacked along lines, GCPs from the geolocation grid);
* ``orbits/S1?_OPER_AUX_POEORB_OPOD_<created>_V<start>_<stop>.EOF``: 10-s state vectors over +-``orbit_margin_s``
  around the acquisition, the validity window in the name and in the header;
* ``dem/dem.wgs84`` (+ ``.xml`` with ``reference`` WGS84, + ``.vrt``): Int16 ellipsoidal heights, 1" posting;
  its ``file_name`` is ``dem.wgs84`` (valid from the DEM's own directory; stage_inputs rewrites it for topsApp);
* ``dem/water_mask.tif``: all-land uint8 mask on the DEM grid (keeps the demo offline);
* ``truth/phase_geo.tif`` + ``truth/truth.json``: the injected phase on the DEM's lat/lon grid and its formula.

Physics (documented again in truth.json):

* Orbit: circular Keplerian orbit (a = 7071 km, i = 98.18 deg, sun-synchronous inclination for that radius),
  Earth rotation included (ECEF positions/velocities consistent), solved so that the scene centre (lat, lon,
  DEM height) is seen at zero Doppler, right-looking, at the centre time / mid slant range of the data.
  The secondary flies the same Earth-fixed trajectory ``dt`` later (the 12-day repeat): zero baseline.
* Signal: complex Gaussian speckle shared by both dates, indexed by absolute azimuth line so burst overlaps agree;
  reference = speckle + noise, secondary = delayed(speckle) * exp(-1j*phi) + noise (independent noise per image),
  so reference * conj(secondary) has phase +phi. With ``range_delay`` the phase is applied as a true two-way delay
  (the speckle is shifted by phi * fs / (2 pi f0) samples, <0.03 px), i.e. non-dispersive: split-spectrum
  ionosphere estimates stay near zero.
* phi(t, r) = 2 pi ramp_cycles (r - r0) / r_span + bump_rad exp(-[((t - t_mid) / (t_span / 6))^2 +
  ((r - r_mid) / (r_span / 6))^2]), t azimuth time, r slant range over all swaths; for one swath this is the
  recorded run's phi(line, sample).
* DEM: a Gaussian hill ``relief_m`` high (sigma ``relief_sigma_m``) on the scene centre, ellipsoidal heights.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gunw_workflow import s1_ids
from gunw_workflow.isce_io import orbit as og

# Radar constants of a real IW1 annotation (they are the same in the recorded run that worked with ISCE2 2.6.5)
AZIMUTH_TIME_INTERVAL = 2.055556299999998e-03
PRF = 1717.128973878037
RANGE_SAMPLING_RATE = 64345238.12571428
RADAR_FREQUENCY = 5405000454.33435
AZIMUTH_STEERING_RATE = 1.590368784  # deg/s
FM_RATE_POLYNOMIAL = (-2.328e03, 4.5e05, -7.9e07)
RANGE_BANDWIDTH = 56.5e6
AZIMUTH_BANDWIDTH = 327.0
IPF_VERSION = "003.31"
NEAR_RANGE_IW1 = 797911.3268793474  # m, as recorded
RANGE_PIXEL = og.SPEED_OF_LIGHT / (2.0 * RANGE_SAMPLING_RATE)
ORBIT_RADIUS = 7071.0e3
INCLINATION_DEG = 98.18
EOF_STEP_S = 10
INVALID_LINES = 5  # -1 entries at each burst end
INVALID_SAMPLES = 10  # valid samples 10 .. W-11
SWATH_OVERLAP_SAMPLES = 60


# --------------------------------------------------------------------------------------------------
# orbit model
# --------------------------------------------------------------------------------------------------
@dataclass
class CircularOrbit:
    """Circular Keplerian orbit in an inertial frame aligned with ECEF at ``epoch``; ECEF output rotates."""

    epoch: dt.datetime
    node: float  # rad, inertial longitude of the ascending node (= ECEF longitude at epoch)
    u0: float  # rad, argument of latitude at epoch
    a: float = ORBIT_RADIUS
    inc: float = math.radians(INCLINATION_DEG)

    @property
    def n(self) -> float:
        return math.sqrt(og.GM_EARTH / self.a**3)

    def state(self, tau) -> tuple[np.ndarray, np.ndarray]:
        """ECEF position and velocity at ``tau`` seconds from the epoch."""
        tau = np.atleast_1d(np.asarray(tau, float))
        u = self.u0 + self.n * tau
        co, so, ci, si = math.cos(self.node), math.sin(self.node), math.cos(self.inc), math.sin(self.inc)
        cu, su = np.cos(u), np.sin(u)
        r = self.a * np.stack([cu * co - su * ci * so, cu * so + su * ci * co, su * si], -1)
        v = self.a * self.n * np.stack([-su * co - cu * ci * so, -su * so + cu * ci * co, cu * si], -1)
        th = og.OMEGA_EARTH * tau
        ct, st = np.cos(th), np.sin(th)
        x = ct * r[:, 0] + st * r[:, 1]
        y = -st * r[:, 0] + ct * r[:, 1]
        vx = ct * v[:, 0] + st * v[:, 1] + og.OMEGA_EARTH * y
        vy = -st * v[:, 0] + ct * v[:, 1] - og.OMEGA_EARTH * x
        return np.stack([x, y, r[:, 2]], -1), np.stack([vx, vy, v[:, 2]], -1)

    def anx_time(self) -> dt.datetime:
        """Time of the last ascending-node crossing before (or at) the epoch."""
        return self.epoch - dt.timedelta(seconds=(self.u0 % (2 * math.pi)) / self.n)

    def orbits_since_anx(self, tau) -> np.ndarray:
        return np.floor(((self.u0 % (2 * math.pi)) + self.n * np.asarray(tau, float)) / (2 * math.pi)).astype(
            int
        )


def solve_orbit(
    target_ecef: np.ndarray, slant_range: float, epoch: dt.datetime, ascending: bool
) -> CircularOrbit:
    """Node and phase of the circular orbit that sees ``target`` right-looking at zero Doppler at ``epoch``
    and ``slant_range`` (2-D Newton, numerical Jacobian, from a spherical-Earth first guess)."""
    inc = math.radians(INCLINATION_DEG)
    lat_t, lon_t, _ = og.ecef_to_geodetic(target_ecef)
    rt = float(np.linalg.norm(target_ecef))
    gamma = math.acos((ORBIT_RADIUS**2 + rt**2 - slant_range**2) / (2 * ORBIT_RADIUS * rt))
    phi = math.radians(float(lat_t))
    psi = math.asin(max(-1.0, min(1.0, math.cos(inc) / math.cos(phi))))  # ground-track azimuth (inertial)
    if not ascending:
        psi = math.pi - psi
    bearing = psi - math.pi / 2  # right-looking: the satellite is on the left of the target
    lat_s = math.asin(math.sin(phi) * math.cos(gamma) + math.cos(phi) * math.sin(gamma) * math.cos(bearing))
    lon_s = math.radians(float(lon_t)) + math.atan2(
        math.sin(bearing) * math.sin(gamma) * math.cos(phi), math.cos(gamma) - math.sin(phi) * math.sin(lat_s)
    )
    u = math.asin(max(-1.0, min(1.0, math.sin(lat_s) / math.sin(inc))))
    if not ascending:
        u = math.pi - u
    node = lon_s - math.atan2(math.cos(inc) * math.sin(u), math.cos(u))
    x = np.array([node, u])

    def resid(p):
        o = CircularOrbit(epoch, p[0], p[1])
        s, v = o.state(0.0)
        d = target_ecef - s[0]
        return np.array([d @ v[0] / np.linalg.norm(v[0]), np.linalg.norm(d) - slant_range])

    for _ in range(20):
        f = resid(x)
        if np.all(np.abs(f) < 1e-6):
            break
        jac = np.empty((2, 2))
        for k in range(2):
            e = np.zeros(2)
            e[k] = 1e-7
            jac[:, k] = (resid(x + e) - resid(x - e)) / 2e-7
        x = x - np.linalg.solve(jac, f)
    else:
        raise RuntimeError("orbit solve did not converge")
    orb = CircularOrbit(epoch, float(x[0]), float(x[1]))
    s, v = orb.state(0.0)
    look = target_ecef - s[0]
    down = -s[0] / np.linalg.norm(s[0])
    if look @ np.cross(down, v[0]) <= 0 or (v[0][2] > 0) != ascending:
        raise RuntimeError("orbit solve found the wrong look side or pass direction")
    return orb


def sample_orbit(model: CircularOrbit, t0: dt.datetime, t1: dt.datetime, shift_s: float = 0.0):
    """State vectors every 10 s at whole seconds covering [t0, t1]; ``shift_s`` = repeat-pass time offset."""
    start = t0.replace(microsecond=0)
    stop = t1.replace(microsecond=0) + dt.timedelta(seconds=1)
    n = int(math.ceil((stop - start).total_seconds() / EOF_STEP_S)) + 1
    times = [start + dt.timedelta(seconds=EOF_STEP_S * k) for k in range(n)]
    tau = np.array([(t - model.epoch).total_seconds() - shift_s for t in times])
    pos, vel = model.state(tau)
    return times, tau, pos, vel


# --------------------------------------------------------------------------------------------------
# scene layout
# --------------------------------------------------------------------------------------------------
@dataclass
class Scene:
    scene_id: str
    sid: s1_ids.SceneId
    t_first: dt.datetime  # first line of the first burst
    shift_s: float  # seconds after the reference (0 for the reference)
    burst_starts: list[dt.datetime] = field(default_factory=list)


def _round_us(t: dt.datetime) -> dt.datetime:
    return t.replace(microsecond=0) + dt.timedelta(microseconds=round(t.microsecond))


def _ts(t: dt.datetime) -> str:
    return og.format_time(t)


def _compact(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%S")


def _f(x: float) -> str:
    return f"{x:.15e}"


def _sub(parent: ET.Element, tag: str, text=None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = text if isinstance(text, str) else str(text)
    return el


# --------------------------------------------------------------------------------------------------
# annotation / manifest / EOF / DEM writers
# --------------------------------------------------------------------------------------------------
def annotation_xml(ctx: dict, scene: Scene, swath: int, geogrid: dict, tiff_offsets: list[int]) -> bytes:
    sid = scene.sid
    L, W, B = ctx["lines_per_burst"], ctx["samples_per_burst"], ctx["bursts"]
    dt_line = AZIMUTH_TIME_INTERVAL
    near = ctx["near_ranges"][swath]
    tau0 = 2.0 * near / og.SPEED_OF_LIGHT
    starts = scene.burst_starts
    last_line = starts[-1] + dt.timedelta(seconds=(L - 1) * dt_line)
    anx = ctx["anx_time"] + dt.timedelta(seconds=scene.shift_s)
    pol = ctx["pol"].upper()

    root = ET.Element("product")
    ads = _sub(root, "adsHeader")
    for tag, val in (
        ("missionId", sid.mission),
        ("productType", "SLC"),
        ("polarisation", pol),
        ("mode", "IW"),
        ("swath", f"IW{swath}"),
        ("startTime", _ts(starts[0])),
        ("stopTime", _ts(last_line)),
        ("absoluteOrbitNumber", sid.absolute_orbit),
        ("missionDataTakeId", int(sid.datatake, 16)),
        ("imageNumber", f"{ctx['image_numbers'][swath]:03d}"),
    ):
        _sub(ads, tag, val)
    gen = _sub(root, "generalAnnotation")
    pinfo = _sub(gen, "productInformation")
    _sub(pinfo, "pass", "Ascending" if ctx["ascending"] else "Descending")
    _sub(pinfo, "timelinessCategory", "Fast-24h")
    _sub(pinfo, "platformHeading", _f(ctx["platform_heading"]))
    _sub(pinfo, "projection", "Slant Range")
    _sub(pinfo, "rangeSamplingRate", _f(RANGE_SAMPLING_RATE))
    _sub(pinfo, "radarFrequency", _f(RADAR_FREQUENCY))
    _sub(pinfo, "azimuthSteeringRate", _f(AZIMUTH_STEERING_RATE))
    dl = _sub(_sub(gen, "downlinkInformationList", count=1), "downlinkInformation")
    _sub(dl, "swath", f"IW{swath}")
    _sub(dl, "azimuthTime", _ts(starts[0] - dt.timedelta(seconds=2)))
    _sub(dl, "firstLineSensingTime", _ts(starts[0]))
    _sub(dl, "lastLineSensingTime", _ts(last_line))
    _sub(dl, "prf", _f(PRF))
    olist = _sub(gen, "orbitList", count=len(ctx["ann_orbit"][scene.scene_id][0]))
    for t, p, v in zip(*ctx["ann_orbit"][scene.scene_id], strict=True):
        o = _sub(olist, "orbit")
        _sub(o, "time", _ts(t))
        _sub(o, "frame", "Earth Fixed")
        pe, ve = _sub(o, "position"), _sub(o, "velocity")
        for k, c in enumerate("xyz"):
            _sub(pe, c, _f(p[k]))
            _sub(ve, c, _f(v[k]))
    th = _sub(gen, "terrainHeightList", count=B)
    for s in starts:
        e = _sub(th, "terrainHeight")
        _sub(e, "azimuthTime", _ts(s))
        _sub(e, "value", _f(ctx["terrain_height"]))
    fm = _sub(gen, "azimuthFmRateList", count=B)
    for s in starts:
        e = _sub(fm, "azimuthFmRate")
        _sub(e, "azimuthTime", _ts(s + dt.timedelta(seconds=L * dt_line / 2)))
        _sub(e, "t0", _f(tau0))
        _sub(e, "azimuthFmRatePolynomial", " ".join(f"{c:.6e}" for c in FM_RATE_POLYNOMIAL), count=3)

    img = _sub(root, "imageAnnotation")
    ii = _sub(img, "imageInformation")
    for tag, val in (
        ("productFirstLineUtcTime", _ts(starts[0])),
        ("productLastLineUtcTime", _ts(last_line)),
        ("ascendingNodeTime", _ts(anx)),
        ("anchorTime", _ts(starts[0] - dt.timedelta(seconds=1))),
        ("productComposition", "Slice"),
        ("sliceNumber", 1),
        ("slantRangeTime", _f(tau0)),
        ("pixelValue", "Complex"),
        ("outputPixels", "16 bit Signed Integer"),
        ("rangePixelSpacing", f"{RANGE_PIXEL:.6e}"),
        ("azimuthPixelSpacing", f"{ctx['azimuth_pixel_spacing']:.6e}"),
        ("azimuthTimeInterval", _f(dt_line)),
        ("azimuthFrequency", _f(1.0 / dt_line)),
        ("numberOfSamples", W),
        ("numberOfLines", L * B),
        ("zeroDopMinusAcqTime", _f(0.0)),
        ("incidenceAngleMidSwath", _f(ctx["incidence_mid"][swath])),
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

    dc = _sub(_sub(root, "dopplerCentroid"), "dcEstimateList", count=B)
    for s in starts:
        e = _sub(dc, "dcEstimate")
        _sub(e, "azimuthTime", _ts(s + dt.timedelta(seconds=L * dt_line / 2)))
        _sub(e, "t0", _f(tau0))
        _sub(e, "geometryDcPolynomial", "0.000000e+00 0.000000e+00 0.000000e+00", count=3)
        _sub(e, "dataDcPolynomial", "0.000000e+00 0.000000e+00 0.000000e+00", count=3)
        _sub(e, "dataDcRmsError", _f(0.0))
        _sub(e, "dataDcRmsErrorAboveThreshold", "false")

    ap = _sub(_sub(root, "antennaPattern"), "antennaPatternList", count=B)
    for s in starts:
        e = _sub(ap, "antennaPattern")
        _sub(e, "swath", f"IW{swath}")
        _sub(e, "azimuthTime", _ts(s))
        k = ctx["antenna"][swath]
        _sub(e, "slantRangeTime", " ".join(_f(x) for x in k["tau"]), count=len(k["tau"]))
        _sub(e, "elevationAngle", " ".join(f"{x:.6e}" for x in k["look"]), count=len(k["tau"]))
        _sub(e, "incidenceAngle", " ".join(f"{x:.6e}" for x in k["inc"]), count=len(k["tau"]))
        _sub(e, "terrainHeight", _f(ctx["terrain_height"]))
        _sub(e, "roll", _f(float(np.mean(k["look"]))))

    st = _sub(root, "swathTiming")
    _sub(st, "linesPerBurst", L)
    _sub(st, "samplesPerBurst", W)
    bl = _sub(st, "burstList", count=B)
    first = np.full(L, -1, dtype=int)
    last = np.full(L, -1, dtype=int)
    first[INVALID_LINES : L - INVALID_LINES] = INVALID_SAMPLES
    last[INVALID_LINES : L - INVALID_LINES] = W - 1 - INVALID_SAMPLES
    for k, s in enumerate(starts):
        b = _sub(bl, "burst")
        _sub(b, "azimuthTime", _ts(s))
        _sub(b, "azimuthAnxTime", _f((s - anx).total_seconds()))
        _sub(b, "sensingTime", _ts(s + dt.timedelta(seconds=L * dt_line / 2)))
        _sub(b, "byteOffset", tiff_offsets[k])
        _sub(b, "firstValidSample", " ".join(map(str, first)), count=L)
        _sub(b, "lastValidSample", " ".join(map(str, last)), count=L)

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
    _sub(_sub(root, "coordinateConversion"), "coordinateConversionList", count=0)
    _sub(_sub(root, "swathMerging"), "swathMergeList", count=0)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


MANIFEST_NS = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:safe="http://www.esa.int/safe/sentinel-1.0" '
    'xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1" '
    'xmlns:s1sar="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar" '
    'xmlns:s1sarl1="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1" '
    'xmlns:gx="http://www.google.com/kml/ext/2.2" '
    'version="esa/safe/sentinel-1.0/sentinel-1/sar/level-1/slc/standard/iwdp"'
)


def manifest_xml(
    ctx: dict, scene: Scene, files: dict[str, bytes], footprint: list[tuple[float, float]]
) -> bytes:
    """manifest.safe like a real one: processing (IPF version), platform, orbit reference, product info,
    acquisition period, footprint (measurementFrameSet) and the data objects with sizes and MD5s."""
    sid = scene.sid
    start, stop = ctx["acq_period"][scene.scene_id]
    swaths = "".join(f"<s1sarl1:swath>IW{n}</s1sarl1:swath>" for n in ctx["swaths"])
    coords = " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in footprint)
    anx = ctx["anx_time"] + dt.timedelta(seconds=scene.shift_s)
    track = s1_ids.relative_orbit(sid.mission, sid.absolute_orbit)
    units, objects = [], []
    for name, data in files.items():
        oid = Path(name).stem.replace("-", "")
        kind = "products" if name.startswith("annotation/") else ""
        rep = "s1Level1ProductSchema" if kind else "s1Level1MeasurementSchema"
        utype = "Metadata Unit" if kind else "Measurement Data Unit"
        mime = "text/xml" if kind else "application/octet-stream"
        units.append(
            f'      <xfdu:contentUnit unitType="{utype}" repID="{rep}">\n'
            f'        <dataObjectPointer dataObjectID="{kind}{oid}"/>\n      </xfdu:contentUnit>'
        )
        objects.append(
            f'    <dataObject ID="{kind}{oid}" repID="{rep}">\n'
            f'      <byteStream mimeType="{mime}" size="{len(data)}">\n'
            f'        <fileLocation locatorType="URL" href="./{name}"/>\n'
            f'        <checksum checksumName="MD5">{hashlib.md5(data).hexdigest()}</checksum>\n'
            "      </byteStream>\n    </dataObject>"
        )
    units_s, objects_s = "\n".join(units), "\n".join(objects)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<xfdu:XFDU {MANIFEST_NS}>
  <informationPackageMap>
    <xfdu:contentUnit unitType="SAFE Archive Information Package" textInfo="Sentinel-1 IW Level-1 SLC Product" \
dmdID="acquisitionPeriod platform generalProductInformation measurementOrbitReference measurementFrameSet" \
pdiID="processing">
{units_s}
    </xfdu:contentUnit>
  </informationPackageMap>
  <metadataSection>
    <metadataObject ID="processing" classification="PROVENANCE" category="PDI">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Processing">
        <xmlData>
          <safe:processing name="SLC Post Processing" start="{_ts(stop + dt.timedelta(hours=2))}" \
stop="{_ts(stop + dt.timedelta(hours=2, minutes=5))}">
            <safe:facility country="Nowhere" name="synth_s1" organisation="gunw-snakemake" \
site="Synthetic scene generator (not ESA data)">
              <safe:software name="Sentinel-1 IPF" version="{IPF_VERSION}"/>
            </safe:facility>
          </safe:processing>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="platform" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Platform Description">
        <xmlData>
          <safe:platform>
            <safe:nssdcIdentifier>{ctx["nssdc"][sid.mission]}</safe:nssdcIdentifier>
            <safe:familyName>SENTINEL-1</safe:familyName>
            <safe:number>{sid.mission[-1]}</safe:number>
            <safe:instrument>
              <safe:familyName abbreviation="SAR">Synthetic Aperture Radar</safe:familyName>
              <safe:extension>
                <s1sarl1:instrumentMode>
                  <s1sarl1:mode>IW</s1sarl1:mode>
                  {swaths}
                </s1sarl1:instrumentMode>
              </safe:extension>
            </safe:instrument>
          </safe:platform>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementOrbitReference" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Orbit Reference">
        <xmlData>
          <safe:orbitReference>
            <safe:orbitNumber type="start">{sid.absolute_orbit}</safe:orbitNumber>
            <safe:orbitNumber type="stop">{sid.absolute_orbit}</safe:orbitNumber>
            <safe:relativeOrbitNumber type="start">{track}</safe:relativeOrbitNumber>
            <safe:relativeOrbitNumber type="stop">{track}</safe:relativeOrbitNumber>
            <safe:cycleNumber>{(sid.absolute_orbit - 73) // 175 + 1}</safe:cycleNumber>
            <safe:phaseIdentifier>1</safe:phaseIdentifier>
            <safe:extension>
              <s1:orbitProperties>
                <s1:pass>{"ASCENDING" if ctx["ascending"] else "DESCENDING"}</s1:pass>
                <s1:ascendingNodeTime>{_ts(anx)}</s1:ascendingNodeTime>
              </s1:orbitProperties>
            </safe:extension>
          </safe:orbitReference>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="generalProductInformation" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="General Product Information">
        <xmlData>
          <s1sarl1:standAloneProductInformation>
            <s1sarl1:instrumentConfigurationID>7</s1sarl1:instrumentConfigurationID>
            <s1sarl1:missionDataTakeID>{int(sid.datatake, 16)}</s1sarl1:missionDataTakeID>
            <s1sarl1:transmitterReceiverPolarisation>{ctx["pol"].upper()}</s1sarl1:transmitterReceiverPolarisation>
            <s1sarl1:productClass>S</s1sarl1:productClass>
            <s1sarl1:productClassDescription>SAR Standard L1 Product</s1sarl1:productClassDescription>
            <s1sarl1:productComposition>Slice</s1sarl1:productComposition>
            <s1sarl1:productType>SLC</s1sarl1:productType>
            <s1sarl1:productTimelinessCategory>Fast-24h</s1sarl1:productTimelinessCategory>
            <s1sarl1:sliceProductFlag>true</s1sarl1:sliceProductFlag>
            <s1sarl1:segmentStartTime>{_ts(start)}</s1sarl1:segmentStartTime>
            <s1sarl1:sliceNumber>1</s1sarl1:sliceNumber>
            <s1sarl1:totalSlices>1</s1sarl1:totalSlices>
          </s1sarl1:standAloneProductInformation>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="acquisitionPeriod" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Acquisition Period">
        <xmlData>
          <safe:acquisitionPeriod>
            <safe:startTime>{_ts(start)}</safe:startTime>
            <safe:stopTime>{_ts(stop)}</safe:stopTime>
            <safe:extension>
              <s1:timeANX>
                <s1:startTimeANX>{(start - anx).total_seconds() * 1e3:.6e}</s1:startTimeANX>
                <s1:stopTimeANX>{(stop - anx).total_seconds() * 1e3:.6e}</s1:stopTimeANX>
              </s1:timeANX>
            </safe:extension>
          </safe:acquisitionPeriod>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementFrameSet" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Frame Set">
        <xmlData>
          <safe:frameSet>
            <safe:frame>
              <safe:footPrint srsName="http://www.opengis.net/gml/srs/epsg.xml#4326">
                <gml:coordinates>{coords}</gml:coordinates>
              </safe:footPrint>
            </safe:frame>
          </safe:frameSet>
        </xmlData>
      </metadataWrap>
    </metadataObject>
  </metadataSection>
  <dataObjectSection>
{objects_s}
  </dataObjectSection>
</xfdu:XFDU>
"""
    return text.encode("utf-8")


def eof_name(mission: str, start: dt.datetime, stop: dt.datetime) -> str:
    created = (stop + dt.timedelta(days=20)).replace(hour=12, minute=0, second=0, microsecond=0)
    return f"{mission}_OPER_AUX_POEORB_OPOD_{_compact(created)}_V{_compact(start)}_{_compact(stop)}.EOF"


def eof_xml(name: str, mission: str, times, pos, vel, orbit_numbers) -> bytes:
    """An EOF file laid out like a real POEORB (Fixed_Header with File_Name/validity, then the OSV list)."""
    stem = name[:-4]
    created = stem.split("_")[5]
    cdate = dt.datetime.strptime(created, "%Y%m%dT%H%M%S")
    lines = ['<?xml version="1.0" ?>', "<Earth_Explorer_File>"]
    lines += [
        "  <Earth_Explorer_Header>",
        "    <Fixed_Header>",
        f"      <File_Name>{stem}</File_Name>",
        "      <File_Description>Precise Orbit Ephemerides (POE) Orbit File</File_Description>",
        "      <Notes>SYNTHETIC: circular Keplerian orbit with Earth rotation, made by synth_s1.py</Notes>",
        f"      <Mission>Sentinel-1{mission[-1]}</Mission>",
        "      <File_Class>OPER</File_Class>",
        "      <File_Type>AUX_POEORB</File_Type>",
        "      <Validity_Period>",
        f"        <Validity_Start>UTC={times[0]:%Y-%m-%dT%H:%M:%S}</Validity_Start>",
        f"        <Validity_Stop>UTC={times[-1]:%Y-%m-%dT%H:%M:%S}</Validity_Stop>",
        "      </Validity_Period>",
        "      <File_Version>0001</File_Version>",
        "      <Source>",
        "        <System>OPOD</System>",
        "        <Creator>OPOD</Creator>",
        "        <Creator_Version>synth_s1</Creator_Version>",
        f"        <Creation_Date>UTC={cdate:%Y-%m-%dT%H:%M:%S}</Creation_Date>",
        "      </Source>",
        "    </Fixed_Header>",
        "    <Variable_Header>",
        "      <Ref_Frame>EARTH_FIXED</Ref_Frame>",
        "      <Time_Reference>UTC</Time_Reference>",
        "    </Variable_Header>",
        "  </Earth_Explorer_Header>",
        '<Data_Block type="xml">',
        f'  <List_of_OSVs count="{len(times)}">',
    ]
    for t, p, v, n in zip(times, pos, vel, orbit_numbers, strict=True):
        tai = t + dt.timedelta(seconds=37)
        lines += [
            "    <OSV>",
            f"      <TAI>TAI={tai:%Y-%m-%dT%H:%M:%S.%f}</TAI>",
            f"      <UTC>UTC={t:%Y-%m-%dT%H:%M:%S.%f}</UTC>",
            f"      <UT1>UT1={t:%Y-%m-%dT%H:%M:%S.%f}</UT1>",
            f"      <Absolute_Orbit>+{n}</Absolute_Orbit>",
            f'      <X unit="m">{p[0]:.6f}</X>',
            f'      <Y unit="m">{p[1]:.6f}</Y>',
            f'      <Z unit="m">{p[2]:.6f}</Z>',
            f'      <VX unit="m/s">{v[0]:.6f}</VX>',
            f'      <VY unit="m/s">{v[1]:.6f}</VY>',
            f'      <VZ unit="m/s">{v[2]:.6f}</VZ>',
            "      <Quality>NOMINAL</Quality>",
            "    </OSV>",
        ]
    lines += ["  </List_of_OSVs>", "</Data_Block>", "</Earth_Explorer_File>", ""]
    return "\n".join(lines).encode()


def dem_header(width: int, length: int, lon0: float, lat0: float, delta: float, file_name: str) -> str:
    """ISCE image header for an Int16 WGS84 DEM (same properties as the recorded dem.wgs84.xml)."""

    def prop(name, value, indent="    "):
        return f'{indent}<property name="{name}">\n{indent}    <value>{value}</value>\n{indent}</property>\n'

    def coord(name, start, d, size):
        return (
            f'    <component name="{name}">\n'
            "        <factorymodule>isceobj.Image</factorymodule>\n"
            "        <factoryname>createCoordinate</factoryname>\n"
            + prop("delta", repr(d), "        ")
            + prop("endingvalue", repr(start + d * size), "        ")
            + prop("family", "imagecoordinate", "        ")
            + prop("name", "imagecoordinate_name", "        ")
            + prop("size", size, "        ")
            + prop("startingvalue", repr(start), "        ")
            + "    </component>\n"
        )

    return (
        "<imageFile>\n"
        + prop("access_mode", "read")
        + prop("byte_order", "l")
        + coord("coordinate1", lon0, delta, width)
        + coord("coordinate2", lat0, -delta, length)
        + prop("data_type", "SHORT")
        + prop("family", "demimage")
        + prop("file_name", file_name)
        + prop("image_type", "dem")
        + prop("length", length)
        + prop("name", "demimage_name")
        + prop("number_bands", 1)
        + prop("reference", "WGS84")
        + prop("scheme", "BIP")
        + prop("width", width)
        + prop("xmax", repr(lon0 + delta * width))
        + prop("xmin", repr(lon0))
        + "</imageFile>\n"
    )


def dem_vrt(width: int, length: int, lon0: float, lat0: float, delta: float, binary: str) -> str:
    return (
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{length}">\n'
        "    <SRS>EPSG:4326</SRS>\n"
        f"    <GeoTransform>{lon0!r}, {delta!r}, 0.0, {lat0!r}, 0.0, {-delta!r}</GeoTransform>\n"
        '    <VRTRasterBand dataType="Int16" band="1" subClass="VRTRawRasterBand">\n'
        f'        <SourceFilename relativeToVRT="1">{binary}</SourceFilename>\n'
        "        <ByteOrder>LSB</ByteOrder>\n"
        "        <ImageOffset>0</ImageOffset>\n"
        "        <PixelOffset>2</PixelOffset>\n"
        f"        <LineOffset>{2 * width}</LineOffset>\n"
        "    </VRTRasterBand>\n"
        "</VRTDataset>\n"
    )


# --------------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------------
def _relief(lat0: float, lon0: float, relief_m: float, sigma_m: float):
    """Gaussian hill (ellipsoidal heights, m) centred on the scene centre."""
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat0))

    def height(lat, lon):
        dn = (np.asarray(lat) - lat0) * m_per_deg_lat
        de = (np.asarray(lon) - lon0) * m_per_deg_lon
        return relief_m * np.exp(-0.5 * (dn * dn + de * de) / sigma_m**2)

    return height


def _tiff_bytes(data: np.ndarray, gcps: list) -> tuple[bytes, list[int]]:
    """One-band CInt16 GeoTIFF (one strip per line, GCPs like real S1 measurement files) and the byte offset
    of each line's strip."""
    from rasterio.control import GroundControlPoint
    from rasterio.crs import CRS
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    h, w = data.shape
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # GCPs are set right after creation
        with mem.open(driver="GTiff", width=w, height=h, count=1, dtype="complex_int16", blockysize=1) as ds:
            ds.write(data.astype(np.complex64), 1)
            ds.gcps = ([GroundControlPoint(*g) for g in gcps], CRS.from_epsg(4326))
        with mem.open() as ds:
            offsets = [int(ds.get_tag_item(f"BLOCK_OFFSET_0_{y}", "TIFF", bidx=1)) for y in range(h)]
        return mem.read(), offsets


def generate_pair(
    outdir,
    reference_id: str,
    secondary_id: str,
    centre_lat: float = 35.0,
    centre_lon: float = -118.0,
    ascending: bool = True,
    swaths=(1,),
    bursts: int = 3,
    lines_per_burst: int = 530,
    samples_per_burst: int = 540,
    overlap_lines: int = 90,
    seed: int = 1,
    speckle_amplitude: float = 60.0,
    noise_amplitude: float = 15.0,
    ramp_cycles: float = 2.5,
    bump_rad: float = 4.0,
    relief_m: float = 100.0,
    relief_sigma_m: float = 3000.0,
    range_delay: bool = True,
    orbit_margin_s: float = 600.0,
    dem_margin_deg: float = 0.03,
    dem_posting_arcsec: float = 1.0,
    dem_file_name: str = "dem.wgs84",
) -> dict:
    """Write the pair, orbits, DEM and truth under ``outdir``; return a summary (also in truth/truth.json)."""
    outdir = Path(outdir)
    swaths = tuple(sorted(int(s) for s in swaths))
    if not swaths or any(s not in (1, 2, 3) for s in swaths):
        raise ValueError("swaths must be a subset of 1, 2, 3")
    L, W, B, n_ovl = int(lines_per_burst), int(samples_per_burst), int(bursts), int(overlap_lines)
    if not (0 <= n_ovl < L - 2 * INVALID_LINES) or B < 1 or W <= 2 * INVALID_SAMPLES + 1:
        raise ValueError("inconsistent burst sizes")
    ref, sec = s1_ids.parse(reference_id), s1_ids.parse(secondary_id)
    if ref.mission != sec.mission:
        raise ValueError("reference and secondary must be from the same mission (same orbit file prefix)")
    if ref.polarisation[-1] != sec.polarisation[-1]:
        raise ValueError("reference and secondary polarisations differ")
    pol = {"V": "vv", "H": "hh"}[ref.polarisation[-1]]
    dual = ref.polarisation[-2] == "D"
    rng = np.random.default_rng(seed)
    dtl = AZIMUTH_TIME_INTERVAL
    step = L - n_ovl
    total_lines = L + (B - 1) * step
    duration = total_lines * dtl

    # --- timing: data centred in [id start, id stop + 1 s) (ids truncate times to the second)
    scenes = []
    for scene_id, s in ((reference_id, ref), (secondary_id, sec)):
        centre = s.start + (s.stop + dt.timedelta(seconds=1) - s.start) / 2
        t_first = _round_us(centre - dt.timedelta(seconds=duration / 2))
        if t_first < s.start or t_first + dt.timedelta(seconds=duration) > s.stop + dt.timedelta(seconds=1):
            raise ValueError(
                f"{scene_id}: {duration:.2f} s of data do not fit its sensing window; widen start/stop"
            )
        scenes.append(Scene(scene_id, s, t_first, 0.0))
    shift = (scenes[1].t_first - scenes[0].t_first).total_seconds()
    scenes[1].shift_s = shift
    for sc in scenes:
        sc.burst_starts = [sc.t_first + dt.timedelta(seconds=round(k * step * dtl, 6)) for k in range(B)]

    # --- range layout over the requested swaths
    near_ranges = {n: NEAR_RANGE_IW1 + (n - 1) * (W - SWATH_OVERLAP_SAMPLES) * RANGE_PIXEL for n in swaths}
    r0 = near_ranges[swaths[0]]
    r_span = near_ranges[swaths[-1]] + W * RANGE_PIXEL - r0
    r_mid = r0 + r_span / 2
    t_mid_ref = scenes[0].t_first + dt.timedelta(seconds=duration / 2)

    # --- orbit through the scene centre (at the DEM height there)
    height = _relief(centre_lat, centre_lon, relief_m, relief_sigma_m)
    centre_h = float(np.round(height(centre_lat, centre_lon)))
    target = og.geodetic_to_ecef(centre_lat, centre_lon, centre_h)
    model = solve_orbit(target, r_mid, t_mid_ref, ascending)

    # reference orbit object for the geometry below (1-s vectors around the data, exact model values)
    def orbit_for(sc: Scene, pad_s: float, step_s: float = 1.0):
        t0 = sc.t_first - dt.timedelta(seconds=pad_s)
        n = int((duration + 2 * pad_s) / step_s) + 2
        times = [t0 + dt.timedelta(seconds=k * step_s) for k in range(n)]
        tau = np.array([(t - model.epoch).total_seconds() - sc.shift_s for t in times])
        p, v = model.state(tau)
        return og.Orbit.from_datetimes(times, p, v, epoch=sc.t_first)

    geo = orbit_for(scenes[0], 30.0)
    t_c = geo.seconds(t_mid_ref)
    pc, vc = geo.interpolate(t_c)
    lat_s, lon_s, _ = og.ecef_to_geodetic(pc)
    inc_rad = math.radians(INCLINATION_DEG)
    psi = math.degrees(
        math.asin(max(-1.0, min(1.0, math.cos(inc_rad) / math.cos(math.radians(float(lat_s))))))
    )
    heading = psi if ascending else -180.0 - psi
    ground_speed = float(np.linalg.norm(vc)) * og.WGS84_A / float(np.linalg.norm(pc))

    # --- per-swath geometry: valid data window, geolocation grid, antenna-pattern angles
    valid_t = (INVALID_LINES * dtl, (total_lines - 1 - INVALID_LINES) * dtl)  # relative to t_first
    ctx: dict = {
        "lines_per_burst": L,
        "samples_per_burst": W,
        "bursts": B,
        "pol": pol,
        "ascending": ascending,
        "swaths": swaths,
        "near_ranges": near_ranges,
        "anx_time": _round_us(model.anx_time()),
        "platform_heading": heading,
        "azimuth_pixel_spacing": ground_speed * dtl,
        "terrain_height": centre_h,
        "image_numbers": {n: n + (3 if dual else 0) for n in swaths},
        "nssdc": {"S1A": "2014-016A", "S1B": "2016-025A", "S1C": "2024-235A", "S1D": "2025-000A"},
        "incidence_mid": {},
        "antenna": {},
        "ann_orbit": {},
        "acq_period": {},
    }
    for n in swaths:
        rr = near_ranges[n] + np.linspace(0, W - 1, 11) * RANGE_PIXEL
        la, lo, hh = og.rdr2geo(geo, np.full(rr.shape, t_c), rr, height)
        tg = og.geodetic_to_ecef(la, lo, hh)
        ctx["incidence_mid"][n] = float(og.incidence_angle_deg(tg[5], pc))
        ctx["antenna"][n] = {
            "tau": 2 * rr / og.SPEED_OF_LIGHT,
            "look": og.look_angle_deg(tg, pc),
            "inc": og.incidence_angle_deg(tg, pc),
        }

    def geogrid(sc: Scene, n: int) -> dict:
        lines = np.array([k * L for k in range(B)] + [B * L - 1])
        pixels = np.unique(np.round(np.linspace(0, W - 1, 21)).astype(int))
        ll, pp = np.meshgrid(lines, pixels, indexing="ij")
        burst = np.minimum(ll // L, B - 1)
        rel = np.array([(sc.burst_starts[b] - sc.t_first).total_seconds() for b in burst.ravel()])
        rel = rel + (ll.ravel() - burst.ravel() * L) * dtl
        rr = near_ranges[n] + pp.ravel() * RANGE_PIXEL
        o = orbit_for(sc, 30.0)
        la, lo, hh = og.rdr2geo(o, rel, rr, height)
        tg = og.geodetic_to_ecef(la, lo, hh)
        ps, _ = o.interpolate(rel)
        return {
            "line": ll.ravel(),
            "pixel": pp.ravel(),
            "time": [sc.t_first + dt.timedelta(seconds=float(x)) for x in rel],
            "tau": 2 * rr / og.SPEED_OF_LIGHT,
            "lat": la,
            "lon": lo,
            "h": hh,
            "inc": og.incidence_angle_deg(tg, ps),
            "look": og.look_angle_deg(tg, ps),
        }

    # --- orbit files + annotation orbit lists
    (outdir / "orbits").mkdir(parents=True, exist_ok=True)
    eof_files = []
    for sc in scenes:
        t0 = sc.t_first - dt.timedelta(seconds=orbit_margin_s)
        t1 = sc.t_first + dt.timedelta(seconds=duration + orbit_margin_s)
        times, tau, pos, vel = sample_orbit(model, t0, t1, sc.shift_s)
        orbit_numbers = sc.sid.absolute_orbit + model.orbits_since_anx(tau)
        name = eof_name(sc.sid.mission, times[0], times[-1])
        (outdir / "orbits" / name).write_bytes(eof_xml(name, sc.sid.mission, times, pos, vel, orbit_numbers))
        eof_files.append(outdir / "orbits" / name)
        keep = [k for k, t in enumerate(times) if sc.t_first - dt.timedelta(seconds=70) <= t]
        keep = [k for k in keep if times[k] <= sc.t_first + dt.timedelta(seconds=duration + 70)]
        ctx["ann_orbit"][sc.scene_id] = ([times[k] for k in keep], pos[keep], vel[keep])
        ctx["acq_period"][sc.scene_id] = (
            sc.t_first,
            sc.t_first + dt.timedelta(seconds=(total_lines - 1) * dtl),
        )

    # --- the injected phase, as a function of (t rel. to reference t_first, slant range)
    sigma_t, sigma_r = duration / 6, r_span / 6
    t_mid_rel = duration / 2

    def phi_tr(t_rel, r):
        return 2 * np.pi * ramp_cycles * (r - r0) / r_span + bump_rad * np.exp(
            -(((t_rel - t_mid_rel) / sigma_t) ** 2 + ((r - r_mid) / sigma_r) ** 2)
        )

    # --- SLC data, annotation, manifest, zip
    (outdir / "slc").mkdir(parents=True, exist_ok=True)
    amp_s, amp_n = speckle_amplitude / math.sqrt(2), noise_amplitude / math.sqrt(2)
    per_scene_files: dict[str, dict[str, bytes]] = {sc.scene_id: {} for sc in scenes}
    footprints: dict[str, list] = {}
    data_lines = np.arange(total_lines)
    for n in swaths:
        speckle = amp_s * (rng.standard_normal((total_lines, W)) + 1j * rng.standard_normal((total_lines, W)))
        rr = near_ranges[n] + np.arange(W) * RANGE_PIXEL
        for si, sc in enumerate(scenes):
            img = np.zeros((B * L, W), dtype=np.complex64)
            for k in range(B):
                rel = (sc.burst_starts[k] - sc.t_first).total_seconds() + np.arange(L) * dtl
                rows = k * step + np.arange(L)
                s = speckle[rows]
                if si == 1:
                    phi = phi_tr(rel[:, None], rr[None, :])
                    if range_delay:
                        # true two-way delay: shift the speckle by phi*fs/(2 pi f0) samples (first order)
                        freq = np.fft.fftfreq(W)
                        ds = np.fft.ifft(np.fft.fft(s, axis=1) * (2j * np.pi * freq)[None, :], axis=1)
                        s = s - (phi * RANGE_SAMPLING_RATE / (2 * np.pi * RADAR_FREQUENCY)) * ds
                    s = s * np.exp(-1j * phi)
                noise = amp_n * (rng.standard_normal((L, W)) + 1j * rng.standard_normal((L, W)))
                burst = (s + noise).astype(np.complex64)
                mask = np.zeros((L, W), bool)
                mask[INVALID_LINES : L - INVALID_LINES, INVALID_SAMPLES : W - INVALID_SAMPLES] = True
                img[k * L : (k + 1) * L] = np.where(mask, burst, 0)
            grid = geogrid(sc, n)
            gcps = [
                (
                    float(grid["line"][i]),
                    float(grid["pixel"][i]),
                    float(grid["lon"][i]),
                    float(grid["lat"][i]),
                    float(grid["h"][i]),
                )
                for i in range(len(grid["line"]))
            ]
            tiff, offsets = _tiff_bytes(np.round(img.real) + 1j * np.round(img.imag), gcps)
            t_last = sc.burst_starts[-1] + dt.timedelta(seconds=(L - 1) * dtl)
            stem = (
                f"{sc.sid.mission.lower()}-iw{n}-slc-{pol}-{_compact(sc.burst_starts[0]).lower()}-"
                f"{_compact(t_last).lower()}-{sc.sid.absolute_orbit:06d}-{sc.sid.datatake.lower()}-"
                f"{ctx['image_numbers'][n]:03d}"
            )
            ann = annotation_xml(ctx, sc, n, grid, [offsets[k * L] for k in range(B)])
            per_scene_files[sc.scene_id][f"annotation/{stem}.xml"] = ann
            per_scene_files[sc.scene_id][f"measurement/{stem}.tiff"] = tiff
    del data_lines

    # footprint corners of the whole product (h = 0): last-near, last-far, first-far, first-near (as real)
    zips = []
    for sc in scenes:
        o = orbit_for(sc, 30.0)
        rel_last = (total_lines - 1) * dtl
        r_far = near_ranges[swaths[-1]] + (W - 1) * RANGE_PIXEL
        la, lo, _ = og.rdr2geo(
            o, np.array([rel_last, rel_last, 0.0, 0.0]), np.array([r0, r_far, r_far, r0]), 0.0
        )
        footprints[sc.scene_id] = list(zip(la.tolist(), lo.tolist(), strict=True))
        files = dict(sorted(per_scene_files[sc.scene_id].items()))
        manifest = manifest_xml(ctx, sc, files, footprints[sc.scene_id])
        zpath = outdir / "slc" / f"{sc.scene_id}.zip"
        tmp = zpath.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            zf.writestr(f"{sc.scene_id}.SAFE/manifest.safe", manifest)
            for name, data in files.items():
                zf.writestr(f"{sc.scene_id}.SAFE/{name}", data)
        tmp.replace(zpath)
        zips.append(zpath)

    # --- data area (valid window, all swaths, the DEM surface) and the DEM grid
    r_valid = (
        r0 + INVALID_SAMPLES * RANGE_PIXEL,
        near_ranges[swaths[-1]] + (W - 1 - INVALID_SAMPLES) * RANGE_PIXEL,
    )
    edge_t = np.concatenate(
        [
            np.linspace(*valid_t, 50),
            np.full(50, valid_t[1]),
            np.linspace(*valid_t, 50),
            np.full(50, valid_t[0]),
        ]
    )
    edge_r = np.concatenate(
        [
            np.full(50, r_valid[0]),
            np.linspace(*r_valid, 50),
            np.full(50, r_valid[1]),
            np.linspace(*r_valid, 50),
        ]
    )
    lat_e, lon_e = [], []
    for hgt in (0.0, height):
        la, lo, _ = og.rdr2geo(geo, edge_t, edge_r, hgt)
        lat_e.append(la)
        lon_e.append(lo)
    lat_e, lon_e = np.concatenate(lat_e), np.concatenate(lon_e)
    data_snwe = [float(lat_e.min()), float(lat_e.max()), float(lon_e.min()), float(lon_e.max())]
    d = dem_posting_arcsec / 3600.0
    n_arc = 3600.0 / dem_posting_arcsec
    lon0 = (math.floor((data_snwe[2] - dem_margin_deg) * n_arc) + 0.5) / n_arc
    lat0 = (math.ceil((data_snwe[1] + dem_margin_deg) * n_arc) - 0.5) / n_arc
    width = int(math.ceil((data_snwe[3] + dem_margin_deg - lon0) / d)) + 1
    length = int(math.ceil((lat0 - (data_snwe[0] - dem_margin_deg)) / d)) + 1
    lats = lat0 - np.arange(length) * d
    lons = lon0 + np.arange(width) * d
    la2, lo2 = np.meshgrid(lats, lons, indexing="ij")
    dem = np.round(height(la2, lo2)).astype("<i2")
    (outdir / "dem").mkdir(parents=True, exist_ok=True)
    dem.tofile(outdir / "dem" / "dem.wgs84")
    (outdir / "dem" / "dem.wgs84.xml").write_text(dem_header(width, length, lon0, lat0, d, dem_file_name))
    (outdir / "dem" / "dem.wgs84.vrt").write_text(dem_vrt(width, length, lon0, lat0, d, "dem.wgs84"))

    # --- truth on the DEM grid (pixel centres = DEM samples), NaN outside the valid data area
    tg = og.geodetic_to_ecef(la2, lo2, dem.astype(float))
    t_rel, r_rel = og.zero_doppler(geo, tg.reshape(-1, 3), strict=False)
    inside = (t_rel >= valid_t[0]) & (t_rel <= valid_t[1]) & (r_rel >= r_valid[0]) & (r_rel <= r_valid[1])
    truth = np.where(inside, phi_tr(t_rel, r_rel), np.nan).reshape(length, width).astype(np.float32)
    (outdir / "truth").mkdir(parents=True, exist_ok=True)
    import rasterio
    from rasterio.transform import Affine

    transform = Affine(d, 0.0, lon0 - d / 2, 0.0, -d, lat0 + d / 2)
    with rasterio.open(
        outdir / "truth" / "phase_geo.tif",
        "w",
        driver="GTiff",
        width=width,
        height=length,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=transform,
        nodata=float("nan"),
        compress="deflate",
    ) as ds:
        ds.write(truth, 1)
        ds.update_tags(
            units="rad", description="injected interferometric phase (reference * conj(secondary))"
        )

    # --- water mask on the same grid: all land (0; 1/255 would be water), so the demo needs no download
    with rasterio.open(
        outdir / "dem" / "water_mask.tif",
        "w",
        driver="GTiff",
        width=width,
        height=length,
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=transform,
        compress="deflate",
    ) as ds:
        ds.write(np.zeros((length, width), np.uint8), 1)

    # --- perpendicular baseline (zero by construction: same Earth-fixed trajectory); measured, not assumed
    ps_ref, _ = geo.interpolate(t_c)
    o_sec = orbit_for(scenes[1], 30.0)
    t_sec, _ = og.zero_doppler(o_sec, target[None])
    ps_sec, _ = o_sec.interpolate(t_sec[0])
    bvec = ps_sec - ps_ref
    los = (ps_ref - target) / np.linalg.norm(ps_ref - target)
    b_perp = float(np.linalg.norm(bvec - (bvec @ los) * los))

    summary = {
        "generator": "scripts/synth_s1.py",
        "units": "rad",
        "formula": (
            "phi(t, r) = 2*pi*ramp_cycles*(r - r0)/r_span + bump_rad*exp(-(((t - t_mid)/sigma_t)**2 + "
            "((r - r_mid)/sigma_r)**2)); t = reference zero-Doppler azimuth time (s after t_first), "
            "r = slant range (m)"
        ),
        "radar_grid_formula_first_swath": (
            f"phi[line, sample] = 2*pi*{ramp_cycles}*sample/{r_span / RANGE_PIXEL:.6f} + {bump_rad}*exp(-(((line - "
            f"{total_lines / 2})/{total_lines / 6:.6f})**2 + ((sample - {(r_mid - r0) / RANGE_PIXEL:.6f})/"
            f"{sigma_r / RANGE_PIXEL:.6f})**2)); line counts azimuth lines from the first line of the first "
            f"burst with consecutive bursts {step} lines apart (the merged full-resolution grid)"
        ),
        "sign_convention": "secondary = delay(speckle)*exp(-1j*phi) + noise, so reference*conj(secondary) has phase +phi",
        "non_dispersive": bool(range_delay),
        "ionosphere_note": (
            "phi is applied as a true range delay (phase proportional to frequency): split-spectrum ionosphere "
            "should be ~0"
            if range_delay
            else "phi is frequency independent: split-spectrum assigns about half of it to the ionosphere"
        ),
        "parameters": {
            "ramp_cycles": ramp_cycles,
            "bump_rad": bump_rad,
            "t_first": _ts(scenes[0].t_first),
            "t_mid_s": t_mid_rel,
            "t_mid": _ts(t_mid_ref),
            "sigma_t_s": sigma_t,
            "r0_m": r0,
            "r_span_m": r_span,
            "r_mid_m": r_mid,
            "sigma_r_m": sigma_r,
        },
        "phase_geo": {
            "file": "phase_geo.tif",
            "grid": "the DEM grid: pixel (i, j) centre = (lat0 - i*d, lon0 + j*d) = DEM sample (i, j)",
            "geotransform_convention": "GDAL corner convention (origin = DEM startingvalue - d/2)",
            "nodata": "NaN outside the valid data area",
            "valid_pixels": int(np.isfinite(truth).sum()),
        },
        "scene": {
            "reference": reference_id,
            "secondary": secondary_id,
            "mission": ref.mission,
            "track": s1_ids.relative_orbit(ref.mission, ref.absolute_orbit),
            "flight_direction": "ASCENDING" if ascending else "DESCENDING",
            "look_side": "right",
            "swaths": list(swaths),
            "polarisation": pol,
            "bursts": B,
            "lines_per_burst": L,
            "samples_per_burst": W,
            "overlap_lines": n_ovl,
            "burst_step_lines": step,
            "total_lines": total_lines,
            "invalid_lines_each_burst_end": INVALID_LINES,
            "valid_samples": [INVALID_SAMPLES, W - 1 - INVALID_SAMPLES],
            "near_ranges_m": {f"IW{n}": near_ranges[n] for n in swaths},
            "range_pixel_m": RANGE_PIXEL,
            "azimuth_time_interval_s": dtl,
            "centre_lat": centre_lat,
            "centre_lon": centre_lon,
            "centre_height_m": centre_h,
            "centre_azimuth_time": _ts(t_mid_ref),
            "centre_slant_range_m": r_mid,
            "incidence_mid_deg": {f"IW{n}": v for n, v in ctx["incidence_mid"].items()},
            "reference_first_line": _ts(scenes[0].t_first),
            "secondary_first_line": _ts(scenes[1].t_first),
            "data_area_snwe": data_snwe,
            "footprints": {k: v for k, v in footprints.items()},
        },
        "signal": {
            "seed": seed,
            "speckle_amplitude": speckle_amplitude,
            "noise_amplitude": noise_amplitude,
            "expected_coherence": speckle_amplitude**2 / (speckle_amplitude**2 + noise_amplitude**2),
        },
        "orbit": {
            "model": "circular Keplerian, Earth rotation included, same Earth-fixed trajectory for both dates",
            "radius_m": ORBIT_RADIUS,
            "inclination_deg": INCLINATION_DEG,
            "ascending_node_time_reference": _ts(ctx["anx_time"]),
            "perpendicular_baseline_m": b_perp,
            "eof_files": [p.name for p in eof_files],
        },
        "dem": {
            "file": "dem/dem.wgs84",
            "reference": "WGS84 (ellipsoidal heights)",
            "relief": f"Gaussian hill {relief_m} m high, sigma {relief_sigma_m} m, on the scene centre; Int16",
            "posting_deg": d,
            "rows": length,
            "cols": width,
            "lon0": lon0,
            "lat0": lat0,
            "startingvalue_convention": "ISCE: coordinate of the first sample (the .vrt copies it, like ISCE)",
        },
        "files": {
            "slc": [str(p.relative_to(outdir)) for p in zips],
            "orbits": [str(p.relative_to(outdir)) for p in eof_files],
            "dem": "dem/dem.wgs84",
            "water_mask": "dem/water_mask.tif",
            "truth": ["truth/phase_geo.tif", "truth/truth.json"],
        },
    }
    (outdir / "truth" / "truth.json").write_text(json.dumps(summary, indent=1))
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate a small synthetic Sentinel-1 IW SLC pair (SAFE zips, EOFs, DEM, truth) that "
        "ISCE2's topsApp accepts, with a known injected interferometric phase.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--outdir", required=True, type=Path)
    ap.add_argument("--reference-id", required=True)
    ap.add_argument("--secondary-id", required=True)
    ap.add_argument("--centre-lat", type=float, default=35.0)
    ap.add_argument("--centre-lon", type=float, default=-118.0)
    ap.add_argument("--descending", action="store_true", help="descending pass (default ascending)")
    ap.add_argument("--swaths", type=int, nargs="+", default=[1])
    ap.add_argument("--bursts", type=int, default=3)
    ap.add_argument("--lines-per-burst", type=int, default=530)
    ap.add_argument("--samples-per-burst", type=int, default=540)
    ap.add_argument("--overlap-lines", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ramp-cycles", type=float, default=2.5)
    ap.add_argument("--bump-rad", type=float, default=4.0)
    ap.add_argument("--relief-m", type=float, default=100.0, help="height of the Gaussian hill (0 = flat)")
    ap.add_argument("--relief-sigma-m", type=float, default=3000.0)
    ap.add_argument("--speckle-amplitude", type=float, default=60.0)
    ap.add_argument("--noise-amplitude", type=float, default=15.0)
    ap.add_argument("--no-range-delay", action="store_true", help="frequency-independent phase (as recorded)")
    ap.add_argument("--orbit-margin-s", type=float, default=600.0)
    ap.add_argument("--dem-margin-deg", type=float, default=0.03)
    args = ap.parse_args(argv)
    summary = generate_pair(
        args.outdir,
        args.reference_id,
        args.secondary_id,
        centre_lat=args.centre_lat,
        centre_lon=args.centre_lon,
        ascending=not args.descending,
        swaths=args.swaths,
        bursts=args.bursts,
        lines_per_burst=args.lines_per_burst,
        samples_per_burst=args.samples_per_burst,
        overlap_lines=args.overlap_lines,
        seed=args.seed,
        ramp_cycles=args.ramp_cycles,
        bump_rad=args.bump_rad,
        relief_m=args.relief_m,
        relief_sigma_m=args.relief_sigma_m,
        speckle_amplitude=args.speckle_amplitude,
        noise_amplitude=args.noise_amplitude,
        range_delay=not args.no_range_delay,
        orbit_margin_s=args.orbit_margin_s,
        dem_margin_deg=args.dem_margin_deg,
    )
    print(json.dumps(summary["files"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
