"""Readers for what ISCE2 topsApp leaves behind: raster binaries with their .xml headers, topsProc.xml (not
namespace-well-formed), swath product XMLs (bursts, timing, orbit) and the ISCE version from logs.

Rasters are read straight from the binary through the ISCE header with numpy (no GDAL needed), and the
geocoded grid coordinates follow ISCE's convention: ``startingvalue`` is the coordinate of the first pixel
*centre*.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ISCE_DTYPES = {
    "BYTE": "u1",
    "CHAR": "i1",
    "SHORT": "i2",
    "INT": "i4",
    "LONG": "i8",
    "FLOAT": "f4",
    "DOUBLE": "f8",
    "CFLOAT": "c8",
    "CDOUBLE": "c16",
}


def _props(elem) -> dict:
    return {p.get("name"): (p.findtext("value") or "").strip() for p in elem.findall("property")}


@dataclass
class IsceRaster:
    """Header of an ISCE raster (``<file>.xml``)."""

    path: Path
    width: int
    length: int
    bands: int
    dtype: np.dtype
    scheme: str
    x0: float | None = None  # coordinate1 startingvalue (lon of the first pixel centre for .geo files)
    dx: float | None = None
    y0: float | None = None
    dy: float | None = None

    @property
    def is_geo(self) -> bool:
        return self.x0 is not None and self.dx is not None and abs(self.dx) < 1.0

    def lon(self) -> np.ndarray:
        return self.x0 + np.arange(self.width) * self.dx

    def lat(self) -> np.ndarray:
        return self.y0 + np.arange(self.length) * self.dy


def raster_header(path) -> IsceRaster:
    """Parse ``<path>.xml`` (``path`` may be the binary or the .xml itself)."""
    path = Path(path)
    xml = path if path.suffix == ".xml" else Path(str(path) + ".xml")
    binary = Path(str(xml)[:-4])
    root = ET.parse(xml).getroot()
    p = _props(root)
    coords = {}
    for comp in root.findall("component"):
        if comp.get("name") in ("coordinate1", "coordinate2"):
            coords[comp.get("name")] = _props(comp)
    order = "<" if p.get("byte_order", "l").lower().startswith("l") else ">"
    dtype = np.dtype(order + ISCE_DTYPES[p["data_type"].upper()])

    def f(c, k):
        v = coords.get(c, {}).get(k)
        return float(v) if v not in (None, "") else None

    return IsceRaster(
        path=binary,
        width=int(p["width"]),
        length=int(p["length"]),
        bands=int(p.get("number_bands", 1)),
        dtype=dtype,
        scheme=p.get("scheme", "BIP").upper(),
        x0=f("coordinate1", "startingvalue"),
        dx=f("coordinate1", "delta"),
        y0=f("coordinate2", "startingvalue"),
        dy=f("coordinate2", "delta"),
    )


def read_raster(path, band: int | None = None) -> np.ndarray:
    """Read an ISCE raster: all bands as (bands, length, width), or one 1-based band as (length, width)."""
    h = raster_header(path)
    n = h.width * h.length * h.bands
    data = np.fromfile(h.path, dtype=h.dtype, count=n)
    if data.size != n:
        raise ValueError(f"{h.path}: expected {n} samples, file holds {data.size}")
    if h.scheme == "BIL":
        cube = data.reshape(h.length, h.bands, h.width).transpose(1, 0, 2)
    elif h.scheme == "BIP":
        cube = data.reshape(h.length, h.width, h.bands).transpose(2, 0, 1)
    elif h.scheme == "BSQ":
        cube = data.reshape(h.bands, h.length, h.width)
    else:
        raise ValueError(f"{h.path}: unknown interleave {h.scheme}")
    cube = cube.astype(h.dtype.newbyteorder("="), copy=False)
    if band is None:
        return np.ascontiguousarray(cube)
    if not 1 <= band <= h.bands:
        raise ValueError(f"{h.path}: band {band} not in 1..{h.bands}")
    return np.ascontiguousarray(cube[band - 1])


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
    pat = re.compile(r"ISCE VERSION = (\d+\.\d+\.\d+)")
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


def parse_isce_time(s: str) -> dt.datetime:
    s = s.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise ValueError(f"unparseable ISCE time {s!r}")


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
class Orbit:
    """State vectors (UTC, ECEF metres, m/s), sorted and unique in time."""

    times: list[dt.datetime]
    positions: np.ndarray  # (n, 3)
    velocities: np.ndarray  # (n, 3)
    source: str = ""

    def seconds(self, epoch: dt.datetime) -> np.ndarray:
        return np.array([(t - epoch).total_seconds() for t in self.times])


@dataclass
class Swath:
    path: Path
    bursts: list[Burst] = field(default_factory=list)
    orbit: Orbit | None = None

    @property
    def sensing_start(self) -> dt.datetime:
        return min(b.sensing_start for b in self.bursts)

    @property
    def sensing_stop(self) -> dt.datetime:
        return max(b.sensing_stop for b in self.bursts)


def read_swath_xml(path) -> Swath:
    """Bursts (timing, range, wavelength) and the merged orbit of an ISCE TOPSSwathSLCProduct XML."""
    root = ET.parse(path).getroot()
    inst = root.find("component[@name='instance']")
    bursts_c = inst.find("component[@name='bursts']")
    swath = Swath(Path(path))
    svs = {}
    source = ""
    for bc in bursts_c.findall("component"):
        p = _props(bc)
        swath.bursts.append(
            Burst(
                sensing_start=parse_isce_time(p["sensingstart"]),
                sensing_stop=parse_isce_time(p["sensingstop"]),
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
        )
        orb = bc.find("component[@name='orbit']")
        if orb is None:
            continue
        source = source or _props(orb).get("orbit_source", "")
        sv_c = orb.find("component[@name='state_vectors']")
        for sv in sv_c.findall("component") if sv_c is not None else []:
            q = _props(sv)
            t = parse_isce_time(q["time"])
            svs[t] = (ast.literal_eval(q["position"]), ast.literal_eval(q["velocity"]))
    if svs:
        times = sorted(svs)
        swath.orbit = Orbit(
            times=times,
            positions=np.array([svs[t][0] for t in times], dtype=float),
            velocities=np.array([svs[t][1] for t in times], dtype=float),
            source=source,
        )
    if not swath.bursts:
        raise ValueError(f"{path}: no bursts")
    return swath


def read_swaths(directory) -> list[Swath]:
    """All ``IW*.xml`` swath products in a directory (reference/, secondary/, fine_interferogram/ ...)."""
    files = sorted(Path(directory).glob("IW[123].xml"))
    if not files:
        raise FileNotFoundError(f"no IW*.xml in {directory}")
    return [read_swath_xml(f) for f in files]


def merge_orbits(swaths: list[Swath]) -> Orbit:
    """One orbit from the state vectors of all swaths (unique times)."""
    svs = {}
    source = ""
    for s in swaths:
        if s.orbit is None:
            continue
        source = source or s.orbit.source
        for t, p, v in zip(s.orbit.times, s.orbit.positions, s.orbit.velocities, strict=True):
            svs[t] = (p, v)
    if not svs:
        raise ValueError("no orbit state vectors in the swath products")
    times = sorted(svs)
    return Orbit(times, np.array([svs[t][0] for t in times]), np.array([svs[t][1] for t in times]), source)


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
            "state_vectors": len(s.orbit.times) if s.orbit else 0,
        }
    else:
        h = raster_header(path)
        out = {k: str(v) for k, v in h.__dict__.items()}
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
