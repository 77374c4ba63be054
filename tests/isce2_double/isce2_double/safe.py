"""Sentinel-1 SAFE (directory or .zip) and EOF reading, following ISCE2's Sentinel1 reader rules.

Why: preprocess must succeed or fail on exactly the inputs real ISCE2 accepts (manifest IPF
version, lowercase annotation/measurement names, -1 bordered valid-sample lists, EOF name rule).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import os
import xml.etree.ElementTree as ET
import zipfile

import numpy as np

from . import geometry

C = geometry.C
TIME_FMT = "%Y-%m-%dT%H:%M:%S.%f"


class SafeError(Exception):
    """Anything that makes ISCE's extract_slc raise (preprocess prints 'Could not extract swath')."""


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text.strip(), TIME_FMT)


class SafeReader:
    """Files of one SAFE: ``<x>.SAFE`` directory or zip holding ``*.SAFE/...``."""

    def __init__(self, path: str):
        self.path = path
        self.is_zip = path.lower().endswith(".zip")
        if not os.path.exists(path):
            raise SafeError(f"SAFE {path} does not exist")
        if self.is_zip:
            try:
                self._zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as err:
                raise SafeError(f"{path}: {err}") from err
            self._names = self._zip.namelist()

    def find(self, pattern: str) -> list[str]:
        """Members matching ``pattern`` relative to the SAFE root (sorted, like glob)."""
        if self.is_zip:
            return sorted(n for n in self._names if fnmatch.fnmatch(n, "*SAFE/" + pattern))
        return sorted(glob.glob(os.path.join(self.path, pattern)))

    def read(self, member: str) -> bytes:
        if self.is_zip:
            return self._zip.read(member)
        with open(member, "rb") as fh:
            return fh.read()

    def gdal_path(self, member: str) -> str:
        if self.is_zip:
            return "/vsizip/" + os.path.abspath(self.path) + "/" + member
        return member


def _text(root: ET.Element, path: str) -> str:
    el = root.find(path)
    if el is None or el.text is None:
        raise SafeError(f"annotation lacks {path}")
    return el.text


def ipf_version(manifest_xml: bytes) -> str:
    """IPF version from ``metadataObject[@ID=processing]`` (namespaced safe:software)."""
    ns = {"safe": "http://www.esa.int/safe/sentinel-1.0"}
    root = ET.fromstring(manifest_xml)
    for mo in root.iter("metadataObject"):
        if mo.get("ID") == "processing":
            sw = mo.find(".//safe:processing/safe:facility/safe:software", ns)
            fac = mo.find(".//safe:processing/safe:facility", ns)
            if sw is not None and sw.get("version"):
                site = f"{fac.get('site')}, {fac.get('country')}" if fac is not None else "None"
                return sw.get("version"), site
    raise SafeError("Could not read version number successfully from manifest file")


def track_number(mission: str, orbit: int) -> int:
    if mission == "S1A":
        return (orbit - 73) % 175 + 1
    if mission == "S1B":
        return (orbit - 27) % 175 + 1
    if mission == "S1C":
        return (orbit - 172) % 175 + 1 if orbit <= 8018 else (orbit - 99) % 175 + 1
    if mission == "S1D":
        return (orbit - 42) % 175 + 1
    raise SafeError(f"Encountered unknown mission id {mission}")


def _swath_common(root: ET.Element) -> dict:
    """Swath-level fields every burst of the annotation shares."""
    mission = _text(root, "adsHeader/missionId")
    orbit_number = int(_text(root, "adsHeader/absoluteOrbitNumber"))
    freq = float(_text(root, "generalAnnotation/productInformation/radarFrequency"))
    fs = float(_text(root, "generalAnnotation/productInformation/rangeSamplingRate"))
    proc = "imageAnnotation/processingInformation/swathProcParamsList/swathProcParams/"
    return {
        "mission": mission,
        "swath": int(_text(root, "adsHeader/swath").strip()[-1]),
        "polarization": _text(root, "adsHeader/polarisation"),
        "orbit_number": orbit_number,
        "track": track_number(mission, orbit_number),
        "pass_direction": _text(root, "generalAnnotation/productInformation/pass"),
        "wavelength": C / freq,
        "range_sampling_rate": fs,
        "range_pixel_size": C / (2.0 * fs),
        "steering_rate": float(
            np.radians(float(_text(root, "generalAnnotation/productInformation/azimuthSteeringRate")))
        ),
        "prf": float(_text(root, "generalAnnotation/downlinkInformationList/downlinkInformation/prf")),
        "terrain_height": float(_text(root, "generalAnnotation/terrainHeightList/terrainHeight/value")),
        "dt": float(_text(root, "imageAnnotation/imageInformation/azimuthTimeInterval")),
        "starting_range": float(_text(root, "imageAnnotation/imageInformation/slantRangeTime")) * C / 2.0,
        "ascending_node_time": parse_time(_text(root, "imageAnnotation/imageInformation/ascendingNodeTime")),
        "range_window": _text(root, proc + "rangeProcessing/windowType"),
        "range_window_coef": float(_text(root, proc + "rangeProcessing/windowCoefficient")),
        "range_bw": float(_text(root, proc + "rangeProcessing/processingBandwidth")),
        "az_window": _text(root, proc + "azimuthProcessing/windowType"),
        "az_window_coef": float(_text(root, proc + "azimuthProcessing/windowCoefficient")),
        "az_bw": float(_text(root, proc + "azimuthProcessing/processingBandwidth")),
    }


def _polynomials(root: ET.Element) -> tuple[list, list]:
    """(azimuth FM-rate, Doppler-centroid) estimates: (azimuth time, reference range in m, coefficients)."""
    fm = []
    for el in root.findall("generalAnnotation/azimuthFmRateList/azimuthFmRate"):
        if el.find("c0") is not None:
            coeffs = [float(el.find(k).text) for k in ("c0", "c1", "c2")]
        else:
            coeffs = [float(v) for v in _text(el, "azimuthFmRatePolynomial").split()]
        fm.append((parse_time(_text(el, "azimuthTime")), 0.5 * C * float(_text(el, "t0")), coeffs))
    dc = []
    for el in root.findall("dopplerCentroid/dcEstimateList/dcEstimate"):
        coeffs = [float(v) for v in _text(el, "dataDcPolynomial").split()]
        dc.append((parse_time(_text(el, "azimuthTime")), 0.5 * C * float(_text(el, "t0")), coeffs))
    return fm, dc


def _valid_window(el: ET.Element) -> tuple[int, int, int, int]:
    """(first valid line, number of valid lines, first valid sample, number of valid samples) of a burst:
    the lines whose firstValidSample is >= 0, the samples valid on both the first and last valid line."""
    fvs = [int(v) for v in _text(el, "firstValidSample").split()]
    lvs = [int(v) for v in _text(el, "lastValidSample").split()]
    first_line, nvalid = None, None
    for i, v in enumerate(fvs):
        if v >= 0 and first_line is None:
            first_line = i
        if v < 0 and first_line is not None and nvalid is None:
            nvalid = i - first_line
    if first_line is None or nvalid is None:
        raise SafeError("firstValidSample list must start and end with -1 entries")
    last_line = first_line + nvalid - 1
    fsamp = max(fvs[first_line], fvs[last_line])
    lsamp = min(lvs[first_line], lvs[last_line])
    return first_line, nvalid, fsamp, lsamp - fsamp


def _nearest(estimates: list, t: dt.datetime):
    """(reference range, coefficients) of the estimate closest in time to t (zero polynomial if none)."""
    if not estimates:
        return (0.0, [0.0])
    return min(estimates, key=lambda x: abs((t - x[0]).total_seconds()))[1:]


def _bursts(root: ET.Element, common: dict, lines: int, samples: int) -> list[dict]:
    fm, dc = _polynomials(root)
    bursts = []
    for k, el in enumerate(root.findall("swathTiming/burstList/burst")):
        start = parse_time(_text(el, "azimuthTime"))
        sensing = parse_time(_text(el, "sensingTime"))
        first_line, nvalid, fsamp, nsamp = _valid_window(el)
        mid = start + dt.timedelta(seconds=0.5 * (lines - 1) * common["dt"])
        b = dict(common)
        b.update(
            {
                "index_in_tiff": k,
                "sensing_start": start,
                "sensing_stop": start + dt.timedelta(seconds=(lines - 1) * common["dt"]),
                "burst_start_utc": sensing,
                "burst_stop_utc": sensing + dt.timedelta(seconds=(lines - 1) / common["prf"]),
                "lines": lines,
                "samples": samples,
                "first_valid_line": first_line,
                "num_valid_lines": nvalid,
                "first_valid_sample": fsamp,
                "num_valid_samples": nsamp,
                "fm_rate": _nearest(fm, mid),
                "doppler": _nearest(dc, mid),
            }
        )
        bursts.append(b)
    if not bursts:
        raise SafeError("no bursts in annotation")
    for b in bursts:
        b["tiff_lines"] = lines * len(bursts)
    return bursts


def _geolocation_grid(root: ET.Element) -> list:
    geo = []
    for el in root.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint"):
        try:
            geo.append(
                (
                    parse_time(_text(el, "azimuthTime")),
                    float(_text(el, "slantRangeTime")),
                    int(_text(el, "line")),
                    int(_text(el, "pixel")),
                    float(_text(el, "latitude")),
                    float(_text(el, "longitude")),
                    float(_text(el, "height")),
                )
            )
        except SafeError:
            continue
    return geo


def read_annotation(xml: bytes) -> dict:
    """Swath-level fields and bursts of an annotation file (the fields ISCE reads)."""
    root = ET.fromstring(xml)
    common = _swath_common(root)
    lines = int(_text(root, "swathTiming/linesPerBurst"))
    samples = int(_text(root, "swathTiming/samplesPerBurst"))
    common["bursts"] = _bursts(root, common, lines, samples)
    common["lines"] = lines
    common["samples"] = samples
    common["geolocation_grid"] = _geolocation_grid(root)
    return common


def find_orbit_file(orbit_dir: str, tstart: dt.datetime, tstop: dt.datetime, mission: str) -> str:
    """ISCE s1_findOrbitFile: POEORB first then RESORB; validity from the name; best centred wins."""
    fmt = "%Y%m%dT%H%M%S"
    mid = tstart + 0.5 * (tstop - tstart)
    for kind in ("POEORB", "RESORB"):
        match = []
        for f in glob.glob(os.path.join(orbit_dir, mission + "_OPER_AUX_" + kind + "_OPOD*")):
            fields = f.split("_")
            try:
                taft = dt.datetime.strptime(fields[-1][0:15], fmt)
                tbef = dt.datetime.strptime(fields[-2][1:16], fmt)
            except ValueError:
                continue
            if tbef <= tstart and taft >= tstop:
                tmid = tbef + 0.5 * (taft - tbef)
                match.append((f, abs((mid - tmid).total_seconds())))
        if match:
            return min(match, key=lambda x: x[1])[0]
    raise SafeError(
        "No suitable orbit file found. If you want to process anyway - unset the orbitdir parameter"
    )


def read_eof(path: str, tmin: dt.datetime, tmax: dt.datetime) -> list:
    """State vectors in [tmin - 60 s, tmax + 60 s) from an EOF file."""
    root = ET.parse(path).getroot()
    lo, hi = tmin - dt.timedelta(seconds=60), tmax + dt.timedelta(seconds=60)
    out = []
    for osv in root.iter("OSV"):
        t = dt.datetime.strptime(osv.find("UTC").text.strip()[4:], TIME_FMT)
        if lo <= t < hi:
            out.append(
                (
                    t,
                    [float(osv.find(k).text) for k in ("X", "Y", "Z")],
                    [float(osv.find(k).text) for k in ("VX", "VY", "VZ")],
                )
            )
    if len(out) < 4:
        raise SafeError(f"orbit file {path} does not cover the acquisition")
    return out


def annotation_orbit(xml: bytes) -> list:
    root = ET.fromstring(xml)
    out = []
    for el in root.findall("generalAnnotation/orbitList/orbit"):
        out.append(
            (
                parse_time(_text(el, "time")),
                [float(_text(el, f"position/{k}")) for k in "xyz"],
                [float(_text(el, f"velocity/{k}")) for k in "xyz"],
            )
        )
    return out


def _read_slice(sp: str, swath: int, pol: str) -> dict:
    """Annotation of one swath of one SAFE (dir or zip), with its IPF version and measurement TIFF."""
    reader = SafeReader(sp)
    manifests = reader.find("manifest.safe")
    if not manifests:
        raise SafeError(f"{sp}: no manifest.safe")
    version, facility = ipf_version(reader.read(manifests[0]))
    ann = reader.find(f"annotation/s1?-iw{swath}-slc-{pol}*.xml")
    tif = reader.find(f"measurement/s1?-iw{swath}-slc-{pol}*.tiff")
    if not ann:
        raise SafeError(f"No annotation xml file found in {sp} for swath {swath}")
    if not tif:
        raise SafeError(f"No tiff file found in {sp} for swath {swath}")
    info = read_annotation(reader.read(ann[0]))
    info.update(
        ipf=version,
        facility=facility,
        tiff=reader.gdal_path(tif[0]),
        safe=sp,
        annotation_xml=reader.read(ann[0]),
    )
    return info


def _stitch(slices: list[dict]) -> list[dict]:
    """Bursts of time-sorted slices; a burst already present in the previous slice is kept once."""
    bursts = []
    for s in slices:
        for b in s["bursts"]:
            b["tiff"] = s["tiff"]
            if (
                bursts
                and (b["sensing_start"] - bursts[-1]["sensing_start"]).total_seconds()
                < 0.5 * b["lines"] * b["dt"]
            ):
                continue  # same burst present in the previous slice
            bursts.append(b)
    return bursts


def _orbit(sensor: dict, first: dict, bursts: list[dict]) -> tuple[list, str]:
    """(state vectors, orbit source name): the given EOF, the best EOF of the orbit dir, or the annotation."""
    tstart, tstop = bursts[0]["sensing_start"], bursts[-1]["sensing_stop"]
    if sensor.get("orbit_file"):
        orbit_path = sensor["orbit_file"]
    elif sensor.get("orbit_dir"):
        orbit_path = find_orbit_file(sensor["orbit_dir"], tstart, tstop, first["mission"])
    else:
        orbit_path = None
    if orbit_path:
        return read_eof(orbit_path, tstart, tstop), os.path.basename(orbit_path)
    print("Extracting orbit from annotation XML file")
    return annotation_orbit(first["annotation_xml"]), "Annotation"


def _crop_to_roi(orbit: geometry.Orbit, bursts: list[dict], roi: list) -> list[dict]:
    """Bursts whose box (heights -500 .. 9000 m) touches the ROI [S, N, W, E]."""
    kept = []
    for b in bursts:
        box = geometry.burst_bbox(
            orbit,
            orbit.sec(b["sensing_start"]),
            orbit.sec(b["sensing_stop"]),
            b["starting_range"],
            b["starting_range"] + (b["samples"] - 1) * b["range_pixel_size"],
        )
        hov = not (box[2] >= roi[3] or box[3] <= roi[2])
        vov = not (box[1] <= roi[0] or box[0] >= roi[1])
        if hov and vov:
            kept.append(b)
    return kept


def extract_swath(sensor: dict, swath: int, roi: list) -> dict:
    """Read one swath of a (possibly multi-slice) product; raises SafeError like ISCE's extract_slc."""
    pol = sensor.get("polarization") or "vv"
    safes = sensor.get("safe") or []
    if isinstance(safes, str):
        safes = [safes]
    if not safes:
        raise SafeError("No SAFE given")
    slices = [_read_slice(sp, swath, pol) for sp in safes]
    if len({s["ipf"] for s in slices}) > 1:
        raise SafeError("Cannot stitch slices of different IPF versions")
    slices.sort(key=lambda s: s["bursts"][0]["sensing_start"])
    first = slices[0]
    bursts = _stitch(slices)
    vectors, source = _orbit(sensor, first, bursts)
    orbit = geometry.Orbit(vectors)
    for b in bursts:
        mid = b["sensing_start"] + 0.5 * (b["sensing_stop"] - b["sensing_start"])
        vz = orbit.pv(orbit.sec(mid))[1][2]
        b["pass_direction"] = "ASCENDING" if vz >= 0 else "DESCENDING"
    if roi:
        bursts = _crop_to_roi(orbit, bursts, roi)
    if not bursts:
        raise SafeError("There is no imagery to extract. Check region of interest and inputs.")
    for i, b in enumerate(bursts):
        b["burst_number"] = i + 1
    return {
        "mission": first["mission"],
        "ipf": first["ipf"],
        "facility": first["facility"],
        "ascending_node_time": first["ascending_node_time"],
        "swath": swath,
        "orbit_source": source,
        "vectors": vectors,
        "bursts": bursts,
        "geolocation_grid": first["geolocation_grid"],
    }
