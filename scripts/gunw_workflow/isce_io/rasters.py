"""Readers for what ISCE2 topsApp leaves behind: raster binaries with their .xml headers, topsProc.xml (not
namespace-well-formed), swath product XMLs (bursts, timing, orbit) and the ISCE version from logs.

Rasters are read with GDAL's own bindings (``osgeo.gdal``) through a VRT built from the ISCE header (the .xml is
the truth: ISCE's own .vrt may be missing or stale after a step re-ran), so GDAL does the interleave (BIL / BIP /
BSQ), byte order and complex types. The geocoded grid coordinates follow ISCE's convention: ``startingvalue`` is the
coordinate of the first pixel *centre*.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io.headers import IsceRaster, properties, raster_header, vrt_xml
from gunw_workflow.isce_io.times import parse_time

__all__ = [
    "IsceRaster",
    "raster_header",
    "read_raster",
    "read_swaths",
    "read_topsproc",
]  # headers re-exported


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def open_raster(path):
    """A GDAL dataset of an ISCE raster, from a VRT made of its .xml header over the binary (absolute path)."""
    h = raster_header(path)
    n = h.width * h.length * h.bands * h.dtype.itemsize
    have = h.path.stat().st_size if h.path.exists() else 0
    if have < n:
        raise ValueError(
            f"{h.path}: expected {n // h.dtype.itemsize} samples, file holds {have // h.dtype.itemsize}"
        )
    return _gdal().Open(vrt_xml(h, str(h.path.resolve())))


def read_raster(path, band: int | None = None) -> np.ndarray:
    """Read an ISCE raster: all bands as (bands, length, width), or one 1-based band as (length, width)."""
    ds = open_raster(path)
    if band is None:
        return np.ascontiguousarray(ds.ReadAsArray().reshape(ds.RasterCount, ds.RasterYSize, ds.RasterXSize))
    if not 1 <= band <= ds.RasterCount:
        raise ValueError(f"{raster_header(path).path}: band {band} not in 1..{ds.RasterCount}")
    return np.ascontiguousarray(ds.GetRasterBand(band).ReadAsArray())


# --- topsProc.xml --------------------------------------------------------------------------------


def _clean_tag(m: re.Match) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", m.group(2)).strip("_") or "x"
    if name[0].isdigit():
        name = "_" + name
    return f"<{m.group(1)}{name}>"


def read_topsproc(path) -> ET.Element:
    """Parse topsProc.xml, whose tags contain ':' (e.g. ``<Geocoding:_>``): tag names are sanitised first."""
    text = Path(path).read_text()
    text = re.sub(r"<(/?)([^>!?/][^>]*?)>", _clean_tag, text)
    return ET.fromstring(text)


def topsproc_isce_version(root: ET.Element) -> str | None:
    v = root.findtext("insarProc/ISCE_VERSION")
    if not v:
        return None
    m = re.search(r"(\d+\.\d+\.\d+)", v)
    return m.group(1) if m else v.strip()


def topsproc_baselines(root: ET.Element) -> tuple[list[float], list[float]]:
    """All Bpar / Bperp values of the <baseline> section (NaN for zero baselines, as ISCE writes them)."""
    bpar, bperp = [], []
    for e in root.find("baseline") if root.find("baseline") is not None else []:
        if "_Bpar_" in e.tag:
            bpar.append(float(e.text))
        elif "_Bperp_" in e.tag:
            bperp.append(float(e.text))
    return bpar, bperp


def isce_version_from_logs(*dirs) -> str | None:
    """ISCE release from topsApp logs ("ISCE VERSION = 2.6.5, ...") or None."""
    return _first_log_match(re.compile(r"ISCE VERSION = (\d+\.\d+\.\d+)"), dirs)


def double_marker_from_logs(*dirs) -> str | None:
    """What the ISCE2 test double (tests/isce2_double) says of itself in its logs ("ISCE2 TEST DOUBLE = ..."),
    or None: real ISCE2 never writes that line."""
    return _first_log_match(re.compile(r"ISCE2 TEST DOUBLE = (.+?)\s*$"), dirs)


def _first_log_match(pat: re.Pattern, dirs) -> str | None:
    """Group 1 of the first line matching ``pat`` in the ``*.log`` files of ``dirs`` (in order), or None."""
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for log in sorted(d.glob("*.log")):
            with open(log, errors="replace") as f:
                for line in f:
                    m = pat.search(line)
                    if m:
                        return m.group(1)
    return None


# --- swath product XMLs ---------------------------------------------------------------------------


@dataclass
class Burst:
    sensing_start: dt.datetime
    sensing_stop: dt.datetime
    starting_range: float
    range_pixel_size: float
    number_of_samples: int
    number_of_lines: int
    azimuth_time_interval: float
    wavelength: float
    pass_direction: str
    orbit_number: int
    track_number: int
    swath: int
    mission: str = ""

    @property
    def far_range(self) -> float:
        return self.starting_range + (self.number_of_samples - 1) * self.range_pixel_size


@dataclass
class Swath:
    path: Path
    bursts: list[Burst] = field(default_factory=list)
    orbit: og.Orbit | None = None

    @property
    def sensing_start(self) -> dt.datetime:
        return min(b.sensing_start for b in self.bursts)

    @property
    def sensing_stop(self) -> dt.datetime:
        return max(b.sensing_stop for b in self.bursts)


def _burst(p: dict[str, str]) -> Burst:
    return Burst(
        sensing_start=parse_time(p["sensingstart"]),
        sensing_stop=parse_time(p["sensingstop"]),
        starting_range=float(p["startingrange"]),
        range_pixel_size=float(p["rangepixelsize"]),
        number_of_samples=int(p["numberofsamples"]),
        number_of_lines=int(p["numberoflines"]),
        azimuth_time_interval=float(p["azimuthtimeinterval"]),
        wavelength=float(p["radarwavelength"]),
        pass_direction=p.get("passdirection", ""),
        orbit_number=int(p.get("orbitnumber", 0) or 0),
        track_number=int(p.get("tracknumber", 0) or 0),
        swath=int(p.get("swathnumber", 0) or 0),
        mission=p.get("mission", ""),
    )


def read_swath_xml(path) -> Swath:
    """Bursts (timing, range, wavelength) and the merged orbit of an ISCE TOPSSwathSLCProduct XML."""
    root = ET.parse(path).getroot()
    bursts_c = root.find("component[@name='instance']").find("component[@name='bursts']")
    swath = Swath(Path(path), [_burst(properties(bc)) for bc in bursts_c.findall("component")])
    if not swath.bursts:
        raise ValueError(f"{path}: no bursts")
    sources = [
        properties(o).get("orbit_source", "") for o in bursts_c.iter("component") if o.get("name") == "orbit"
    ]
    try:
        swath.orbit = og.read_isce_product_orbit(root)
    except ValueError:  # no (or a single) state vector: no usable orbit in this product
        swath.orbit = None
    else:
        swath.orbit.source = next((s for s in sources if s), "")
    return swath


def read_swaths(directory) -> list[Swath]:
    """All ``IW*.xml`` swath products in a directory (reference/, secondary/, fine_interferogram/ ...)."""
    files = sorted(Path(directory).glob("IW[123].xml"))
    if not files:
        raise FileNotFoundError(f"no IW*.xml in {directory}")
    return [read_swath_xml(f) for f in files]


def orbit_type(source: str) -> str:
    """'precise' for POEORB, 'restituted' for RESORB (from the orbit file name ISCE recorded)."""
    s = source.upper()
    if "POEORB" in s:
        return "precise"
    if "RESORB" in s:
        return "restituted"
    return "unknown"


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Describe ISCE2 outputs: a raster header, topsProc.xml or a swath XML."
    )
    p.add_argument("path")
    a = p.parse_args(argv)
    path = Path(a.path)
    if path.name == "topsProc.xml":
        root = read_topsproc(path)
        bpar, bperp = topsproc_baselines(root)
        out = {"isce_version": topsproc_isce_version(root), "bpar": bpar, "bperp": bperp}
    elif re.match(r"IW\d\.xml$", path.name):
        s = read_swath_xml(path)
        out = {
            "bursts": len(s.bursts),
            "sensing_start": s.sensing_start.isoformat(),
            "sensing_stop": s.sensing_stop.isoformat(),
            "wavelength": s.bursts[0].wavelength,
            "orbit_source": s.orbit.source if s.orbit else None,
            "state_vectors": len(s.orbit.t) if s.orbit else 0,
        }
    else:
        h = raster_header(path)
        out = {k: str(v) for k, v in {**h.__dict__, "dtype": h.dtype}.items()}
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
