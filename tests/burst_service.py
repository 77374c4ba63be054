"""A loopback burst service answering like ASF's: burst search (CMR, collection SENTINEL-1_BURSTS) and burst data.

Search: records in the recorded shape of asf_search's ``SLC_BURST.yml`` (the one real burst UMM-G record
staged), one per burst of a recorded SLC: the template's fields are rewritten with the SLC's track, orbit,
direction, times and a geometry cut from its footprint. The cut is synthetic (stated here and in
docs/inputs.md §9): the footprint's latitude span is split on a fixed per-track grid of BURST_DEG (so the same
ground has the same burst id on every date, as ESA's burst ids do) and its longitude span into 3 swath strips;
``BYTES``/``BYTE_LENGTH`` keep the recorded real burst size unless a test serves a payload.
Filtering follows CMR: ``shortName``, ``attribute[]`` PATH_NUMBER / POLARIZATION / BEAM_MODE, ``bounding_box``,
``temporal``; other queries go to the SLC search that was installed before.

Data (``sentinel1-burst.asf.alaska.edu/<slc>/<IWn>/<POL>/<index>.tiff|.xml``): what the burst extractor serves,
with its Content-Disposition names: a single-burst CInt16 GeoTIFF, and the SLC's combined metadata XML
(``<burst><metadata><product|noise|calibration|rfi>`` per swath and polarisation, ``<manifest>``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path

from shapely.geometry import Polygon, box

import loopback
from loopback import Reply

BURST_HOST = "sentinel1-burst.asf.alaska.edu"
BURST_DEG = 0.2
BURST_TEMPLATE = loopback.ASF_RESOURCES / "SLC_BURST.yml"
RECORDED_BURST_BYTES = 147215404  # BYTE_LENGTH of the recorded burst (IW3, 1519 x 24229 CInt16)


def template() -> dict:
    data = loopback._yaml(BURST_TEMPLATE)
    return {"meta": data["meta"], "umm": data["umm"]}


def _attrs(umm: dict) -> dict:
    return {a["Name"]: a["Values"] for a in umm.get("AdditionalAttributes", [])}


def _set_attr(umm: dict, name: str, value) -> None:
    for a in umm["AdditionalAttributes"]:
        if a["Name"] == name:
            a["Values"] = [str(value)]
            return
    umm["AdditionalAttributes"].append({"Name": name, "Values": [str(value)]})


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _fmt(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def slc_footprint(rec: dict) -> Polygon:
    pts = rec["umm"]["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"][0]["Boundary"][
        "Points"
    ]
    return Polygon([(p["Longitude"], p["Latitude"]) for p in pts])


def burst_id(track: int, k: int) -> int:
    """Synthetic relative burst id of grid cell ``k`` (latitude / BURST_DEG) on ``track``: unique per track."""
    return (int(track) - 1) * 1000 + (k + 500)


def bursts_of_slc(
    slc_rec: dict, polarizations=None, drop=(), bytes_each: int | None = None, id_shift: int = 0
) -> list[dict]:
    """Burst records (recorded shape) of one recorded SLC record: 3 swaths x the latitude cells its footprint
    spans. ``drop`` = full burst ids to leave out (a partial date); ``id_shift`` renumbers (id mismatch)."""
    slc_umm = slc_rec["umm"]
    slc = slc_umm["GranuleUR"].rsplit("-", 1)[0]
    a = _attrs(slc_umm)
    track = int(a["PATH_NUMBER"][0])
    direction = a["ASCENDING_DESCENDING"][0].upper()
    pols = polarizations or a["POLARIZATION"][0].replace("+", " ").split()
    orbit = int(slc_umm["OrbitCalculatedSpatialDomains"][0]["OrbitNumber"])
    t0 = _t(slc_umm["TemporalExtent"]["RangeDateTime"]["BeginningDateTime"])
    t1 = _t(slc_umm["TemporalExtent"]["RangeDateTime"]["EndingDateTime"])
    w, s, e, n = slc_footprint(slc_rec).bounds
    cells = list(range(math.ceil(s / BURST_DEG), math.floor(n / BURST_DEG)))
    strip = (e - w) / 3
    out = []
    for sw in (1, 2, 3):
        i = sw - 1 if direction == "ASCENDING" else 3 - sw
        lon0, lon1 = w + i * strip, w + (i + 1) * strip
        order = cells if direction == "ASCENDING" else cells[::-1]
        for index, k in enumerate(order):
            lat0, lat1 = k * BURST_DEG - 0.01, (k + 1) * BURST_DEG + 0.01  # bursts overlap slightly
            frac = ((k + 0.5) * BURST_DEG - s) / (n - s)
            start = t0 + (t1 - t0) * (frac if direction == "ASCENDING" else 1 - frac)
            bid = burst_id(track, k) + id_shift
            full = f"{track:03d}_{bid}_IW{sw}"
            if full in drop:
                continue
            for pol in pols:
                out.append(
                    _burst_record(
                        slc,
                        sw,
                        pol,
                        index,
                        bid,
                        full,
                        track,
                        orbit,
                        direction,
                        start,
                        (lon0, lat0, lon1, lat1),
                        bytes_each,
                    )
                )
    return out


def _burst_record(slc, sw, pol, index, bid, full, track, orbit, direction, start, bounds, bytes_each):
    rec = template()
    umm, meta = rec["umm"], rec["meta"]
    name = f"S1_{bid:06d}_IW{sw}_{start:%Y%m%dT%H%M%S}_{pol}_{slc[-4:]}-BURST"
    stop = start + dt.timedelta(seconds=3.1)
    umm["GranuleUR"] = meta["native-id"] = name
    umm["TemporalExtent"]["RangeDateTime"] = {"BeginningDateTime": _fmt(start), "EndingDateTime": _fmt(stop)}
    umm["OrbitCalculatedSpatialDomains"] = [{"OrbitNumber": orbit}]
    size = bytes_each if bytes_each is not None else RECORDED_BURST_BYTES
    for key, value in {
        "ASCENDING_DESCENDING": direction,
        "AZIMUTH_TIME": start.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "BURST_ID_FULL": full,
        "BURST_ID_RELATIVE": bid,
        "BURST_ID_ABSOLUTE": bid + 100 * orbit,
        "BURST_INDEX": index,
        "BYTE_LENGTH": size,
        "PATH_NUMBER": track,
        "POLARIZATION": pol,
        "SUBSWATH_NAME": f"IW{sw}",
        "CENTER_LAT": (bounds[1] + bounds[3]) / 2,
        "CENTER_LON": (bounds[0] + bounds[2]) / 2,
    }.items():
        _set_attr(umm, key, value)
    w, s, e, n = bounds
    ring = [(w, s), (e, s), (e, n), (w, n), (w, s)]
    umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"] = [
        {"Boundary": {"Points": [{"Longitude": x, "Latitude": y} for x, y in ring]}}
    ]
    base = f"https://{BURST_HOST}/{slc}/IW{sw}/{pol}/{index}"
    umm["RelatedUrls"][0]["URL"] = base + ".tiff"
    umm["RelatedUrls"][1]["URL"] = base + ".xml"
    umm["InputGranules"] = [f"{slc}-SLC"]
    umm["Platforms"][0]["ShortName"] = f"SENTINEL-1{slc[2]}"
    umm["DataGranule"] = copy.deepcopy(umm.get("DataGranule", {}))
    for info in umm["DataGranule"].get("ArchiveAndDistributionInformation", []):
        info["SizeInBytes"] = size
    return rec


# ------------------------------------------------------------------------------------------------- search
def _matches(rec: dict, form: dict) -> bool:
    umm = rec["umm"]
    a = _attrs(umm)
    for spec in form.get("attribute[]", []):
        _kind, name, value = spec.split(",", 2)
        if str(value).upper() not in [str(v).upper() for v in a.get(name, [])]:
            return False
    if "bounding_box" in form:
        w, s, e, n = (float(v) for v in form["bounding_box"][0].split(","))
        pts = umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"][0]["Boundary"][
            "Points"
        ]
        if not Polygon([(p["Longitude"], p["Latitude"]) for p in pts]).intersects(box(w, s, e, n)):
            return False
    if "temporal" in form:
        lo, hi = (form["temporal"][0].split(",") + ["", ""])[:2]
        rng = umm["TemporalExtent"]["RangeDateTime"]
        if lo and _t(rng["EndingDateTime"]) < _t(lo):
            return False
        if hi and _t(rng["BeginningDateTime"]) > _t(hi):
            return False
    return True


def install_burst_search(lb: loopback.Loopback, pool: list[dict]) -> list[dict]:
    """Answer CMR burst searches from ``pool`` (mutable); any other CMR search goes to the route before it."""
    previous = [r for r in lb.routes if r[0] == loopback.CMR_HOST and r[1] == "POST"]
    fallback = previous[0][3] if previous else None

    def search(req):
        form = req["form"]
        if BURST_SHORT_NAME_OF(form) != "SENTINEL-1_BURSTS":
            return fallback(req) if fallback else Reply(404, b"{}")
        items = [r for r in pool if _matches(r, form)]
        body = json.dumps({"hits": len(items), "took": 3, "items": items}, default=str).encode()
        return Reply(
            200,
            body,
            {"Content-Type": "application/vnd.nasa.cmr.umm_results+json", "CMR-Hits": str(len(items))},
        )

    lb.routes[:] = [r for r in lb.routes if r not in previous]
    lb.route(loopback.CMR_HOST, "POST", r"/search/granules\.umm_json$", search)
    return pool


def BURST_SHORT_NAME_OF(form: dict) -> str:
    names = form.get("shortName") or form.get("short_name") or [""]
    return names[0]


# --------------------------------------------------------------------------------------------------- data
def install_burst_data(lb: loopback.Loopback, files: dict[str, bytes], token: str | None = None) -> None:
    """Serve burst TIFFs / metadata XMLs by URL path (``/<slc>/<IWn>/<POL>/<index>.tiff|.xml``) with the
    extractor's Content-Disposition names; an Earthdata bearer token is required when ``token`` is given."""

    def serve(req):
        body = files.get(req["path"])
        if body is None:
            return Reply(404, b"not found on loopback")
        if token and req["headers"].get("Authorization") != f"Bearer {token}":
            return Reply(401, b"unauthorized")
        _, slc, swath, pol, leaf = req["path"].split("/")
        ext = leaf.rsplit(".", 1)[1]
        fname = f"{slc}_{swath}_{pol}_{leaf.split('.')[0]}.{ext}"
        ctype = "image/tiff" if ext == "tiff" else "text/xml"
        return Reply(
            200,
            body,
            {"Content-Type": ctype, "Content-Disposition": f'attachment; filename="{fname}"'},
            ranged=True,
        )

    lb.route(BURST_HOST, "GET", r"/.+", serve)
    lb.route(BURST_HOST, "HEAD", r"/.+", serve)


# ------------------------------------------------------------------------------- bursts cut from demo SAFEs
T_BEAM = {1: 2.299849, 2: 3.830250, 3: 3.444140}  # ESA burst-id reference offsets per swath (s after ANX)
T_CYCLE_BURST = 2.758273  # s, one burst cycle (ESA burst-id definition)


def esa_burst_id(track: int, anx_seconds: float, swath: int, cycle_s: float = T_CYCLE_BURST) -> int:
    """ESA's relative burst id of a burst starting ``anx_seconds`` after the ascending node on ``track``. The demo's
    bursts are shorter than real ones, so its own burst cycle ``cycle_s`` replaces the real 2.758 s there."""
    return 1 + int(math.floor((anx_seconds - T_BEAM[swath]) / cycle_s)) + 368 * (int(track) - 1)


def _sub(parent, tag, text=None, **attrib):
    import lxml.etree as ET

    el = ET.SubElement(parent, tag, **{k: str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = str(text)
    return el


def _complete_product(ann, lines: int, samples: int) -> None:
    """Add the annotation records the demo generator leaves out and burst2safe merges (quality, empty raw-data
    lists, slice list, statistics, input dimensions): synthetic and not read by ISCE2."""
    q = ann.find("qualityInformation")
    if q is None:
        import lxml.etree as ET

        q = ET.Element("qualityInformation")
        ann.find("adsHeader").addnext(q)
        _sub(q, "productQualityIndex", "0.0")
        _sub(q, "qualityDataList", count=0)
    gen = ann.find("generalAnnotation")
    for name in ("attitudeList", "rawDataAnalysisList", "replicaInformationList", "noiseList"):
        if gen.find(name) is None:
            _sub(gen, name, count=0)
    info = ann.find("imageAnnotation/imageInformation")
    if info.find("sliceList") is None:
        _sub(info, "sliceList", count=0)
    if info.find("imageStatistics") is None:
        stats = _sub(info, "imageStatistics")
        for part in ("outputDataMean", "outputDataStdDev"):
            el = _sub(stats, part)
            _sub(el, "re", "0")
            _sub(el, "im", "0")
    proc = ann.find("imageAnnotation/processingInformation")
    if proc.find("inputDimensionsList") is None:
        dims = _sub(proc, "inputDimensionsList")
        bursts = ann.findall("swathTiming/burstList/burst")
        dims.set("count", str(len(bursts)))
        for b in bursts:
            d = _sub(dims, "inputDimensions")
            _sub(d, "azimuthTime", b.find("azimuthTime").text)
            _sub(d, "numberOfInputLines", lines)
            _sub(d, "numberOfInputSamples", samples)


def _noise_and_calibration(ann, lines: int, samples: int):
    """Flat noise and calibration vectors (one per burst start) in the annotation's time frame: burst2safe
    merges them into the SAFE; ISCE2 reads neither."""
    import lxml.etree as ET

    header = ann.find("adsHeader")
    bursts = ann.findall("swathTiming/burstList/burst")
    pixels = " ".join(str(p) for p in (0, samples // 2, samples - 1))
    noise = ET.Element("noise")
    noise.append(ET.fromstring(ET.tostring(header)))
    rng = _sub(noise, "noiseRangeVectorList", count=len(bursts))
    for i, b in enumerate(bursts):
        v = _sub(rng, "noiseRangeVector")
        _sub(v, "azimuthTime", b.find("azimuthTime").text)
        _sub(v, "line", i * lines)
        _sub(v, "pixel", pixels, count=3)
        _sub(v, "noiseRangeLut", "1.0 1.0 1.0", count=3)
    az = _sub(noise, "noiseAzimuthVectorList", count=1)
    v = _sub(az, "noiseAzimuthVector")
    _sub(v, "swath", header.find("swath").text)
    _sub(v, "firstAzimuthLine", 0)
    _sub(v, "firstRangeSample", 0)
    _sub(v, "lastAzimuthLine", len(bursts) * lines - 1)
    _sub(v, "lastRangeSample", samples - 1)
    _sub(v, "line", f"0 {len(bursts) * lines - 1}", count=2)
    _sub(v, "noiseAzimuthLut", "1.0 1.0", count=2)
    cal = ET.Element("calibration")
    cal.append(ET.fromstring(ET.tostring(header)))
    ci = _sub(cal, "calibrationInformation")
    _sub(ci, "absoluteCalibrationConstant", "1.0")
    vl = _sub(cal, "calibrationVectorList", count=len(bursts))
    for i, b in enumerate(bursts):
        v = _sub(vl, "calibrationVector")
        _sub(v, "azimuthTime", b.find("azimuthTime").text)
        _sub(v, "line", i * lines)
        _sub(v, "pixel", pixels, count=3)
        for name in ("sigmaNought", "betaNought", "gamma", "dn"):
            _sub(v, name, "1.0 1.0 1.0", count=3)
    return noise, cal


def _complete_manifest(manifest):
    """burst2safe dates its SAFE by the manifest's 'SLC Processing' record; the demo writes only the post-
    processing one, so the same times are added under that name."""
    ns = "{http://www.esa.int/safe/sentinel-1.0}"
    procs = list(manifest.iter(f"{ns}processing"))
    if not any(p.get("name") == "SLC Processing" for p in procs):
        post = procs[0]
        import lxml.etree as ET

        el = ET.SubElement(
            post, f"{ns}processing", name="SLC Processing", start=post.get("start"), stop=post.get("stop")
        )
        el.text = None
    return manifest


def cut_demo_safe(zip_path, track: int, bytes_each: int | None = None) -> tuple[list[dict], dict[str, bytes]]:
    """The burst records (recorded shape) and the extractor's files (URL path -> bytes) of one demo SAFE zip:
    one single-burst GeoTIFF per burst and one combined metadata XML per polarisation."""
    import zipfile

    import lxml.etree as ET
    import numpy as np
    from osgeo import gdal

    zf = zipfile.ZipFile(zip_path)
    names = zf.namelist()
    slc = Path(zip_path).name[:-4] if hasattr(zip_path, "name") else str(zip_path).rsplit("/", 1)[1][:-4]
    manifest = ET.fromstring(zf.read(next(n for n in names if n.endswith("manifest.safe"))))
    _complete_manifest(manifest)
    per_pol: dict[str, list] = {}
    records, files = [], {}
    for ann_name in sorted(n for n in names if "/annotation/s1" in n and n.endswith(".xml")):
        ann = ET.fromstring(zf.read(ann_name))
        header = ann.find("adsHeader")
        swath = int(header.find("swath").text[-1])
        pol = header.find("polarisation").text.upper()
        lines = int(ann.find("swathTiming/linesPerBurst").text)
        samples = int(ann.find("swathTiming/samplesPerBurst").text)
        _complete_product(ann, lines, samples)
        noise, cal = _noise_and_calibration(ann, lines, samples)
        per_pol.setdefault(pol, []).append(
            (swath, ann, noise, cal, len(ann.findall("swathTiming/burstList/burst")))
        )
        tiff_name = ann_name.replace("/annotation/", "/measurement/").replace(".xml", ".tiff")
        vsi = f"/vsimem/{slc}_{swath}_{pol}.tiff"
        gdal.FileFromMemBuffer(vsi, zf.read(tiff_name))
        ds = gdal.Open(vsi)
        data = ds.GetRasterBand(1).ReadAsArray()
        ds = None
        gdal.Unlink(vsi)
        direction = ann.find("generalAnnotation/productInformation/pass").text.upper()
        orbit = int(header.find("absoluteOrbitNumber").text)
        grid = ann.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint")
        burst_els = ann.findall("swathTiming/burstList/burst")
        anxs = [float(b.find("azimuthAnxTime").text) for b in burst_els]
        cycle = anxs[1] - anxs[0] if len(anxs) > 1 else T_CYCLE_BURST
        for index, b in enumerate(burst_els):
            lo, hi = index * lines, (index + 1) * lines - 1
            pts = [g for g in grid if lo <= int(g.find("line").text) <= hi] or grid
            lats = [float(g.find("latitude").text) for g in pts]
            lons = [float(g.find("longitude").text) for g in pts]
            anx = float(b.find("azimuthAnxTime").text)
            bid = esa_burst_id(track, anx + cycle / 2, swath, cycle)  # mid-cycle: robust to rounding
            start = _t(b.find("azimuthTime").text + "+00:00")
            full = f"{track:03d}_{bid}_IW{swath}"
            records.append(
                _burst_record(
                    slc,
                    swath,
                    pol,
                    index,
                    bid,
                    full,
                    track,
                    orbit,
                    direction,
                    start,
                    (min(lons), min(lats), max(lons), max(lats)),
                    bytes_each,
                )
            )
            out = f"/vsimem/burst_{slc}_{swath}_{index}.tiff"
            dst = gdal.GetDriverByName("GTiff").Create(out, samples, lines, 1, gdal.GDT_CInt16)
            dst.GetRasterBand(1).WriteArray(np.ascontiguousarray(data[lo : hi + 1, :samples]))
            dst = None
            f = gdal.VSIFOpenL(out, "rb")
            gdal.VSIFSeekL(f, 0, 2)
            size = gdal.VSIFTellL(f)
            gdal.VSIFSeekL(f, 0, 0)
            files[f"/{slc}/IW{swath}/{pol}/{index}.tiff"] = bytes(gdal.VSIFReadL(1, size, f))
            gdal.VSIFCloseL(f)
            gdal.Unlink(out)
    for pol, parts in per_pol.items():
        root = ET.Element("burst")
        meta = _sub(root, "metadata")
        for swath, ann, noise, cal, _count in parts:
            for kind, content in (("product", ann), ("noise", noise), ("calibration", cal)):
                el = _sub(meta, kind)
                _sub(el, "swath", f"IW{swath}")
                _sub(el, "polarisation", pol)
                _sub(el, "content").extend(
                    list(content)
                )  # the record's children, as the extractor nests them
        _sub(root, "manifest").append(manifest)
        xml = ET.tostring(root, xml_declaration=True, encoding="utf-8")
        for swath, _a, _n, _c, count in parts:
            for index in range(count):
                files[f"/{slc}/IW{swath}/{pol}/{index}.xml"] = xml
    return records, files
