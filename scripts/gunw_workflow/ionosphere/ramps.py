"""ISCE's per-burst ionosphere (ion/ion_burst, from ionosphere_shift -> ion2grd) merged onto the interferogram's
multilooked radar grid: merged/topophase.ion.az_shift, which geocode then geocodes.

Why: the burst ionosphere includes the phase of the ionospheric azimuth shift at each burst's Doppler centroid,
a ramp inside each burst; packaging subtracts the smooth ionosphere from it (the ionosphereBurstRamps layer).
ISCE's mergebursts only merges these files when burst properties are on for the whole run, which would also change
the main interferogram's burst boundaries; the reference merges them itself, as done here: each burst's valid
region placed by its sensing start and starting range, overlaps split at their middle, then block means.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gunw_workflow.ionosphere.surface import multilook_mean
from gunw_workflow.isce_io.headers import properties, raster_header
from gunw_workflow.isce_io.times import parse_time


@dataclass
class BurstBox:
    swath: int
    number: int
    line0: int  # first line of the burst in the merged full-resolution grid
    sample0: int
    lines: int
    samples: int
    first_valid_line: int
    valid_lines: int
    first_valid_sample: int
    valid_samples: int


def burst_boxes(swath_xmls: list[Path]) -> list[BurstBox]:
    """Every burst's place in the merged full-resolution grid, from ISCE swath product XMLs."""
    rows = []
    for xml in swath_xmls:
        root = ET.parse(xml).getroot()
        bursts = root.find("component[@name='instance']").find("component[@name='bursts']")
        for bc in bursts.findall("component"):
            p = properties(bc)
            rows.append((int(p.get("swathnumber", xml.stem[2:])), p))
    if not rows:
        raise ValueError(f"no bursts in {swath_xmls}")
    t0 = min(parse_time(p["sensingstart"]) for _, p in rows)
    r0 = min(float(p["startingrange"]) for _, p in rows)
    out = []
    for swath, p in rows:
        dt = float(p["azimuthtimeinterval"])
        dr = float(p["rangepixelsize"])
        out.append(
            BurstBox(
                swath=swath,
                number=int(p.get("burstnumber", 0) or 0) or len([b for b in out if b.swath == swath]) + 1,
                line0=int(round((parse_time(p["sensingstart"]) - t0).total_seconds() / dt)),
                sample0=int(round((float(p["startingrange"]) - r0) / dr)),
                lines=int(p["numberoflines"]),
                samples=int(p["numberofsamples"]),
                first_valid_line=int(p["firstvalidline"]),
                valid_lines=int(p["numberofvalidlines"]),
                first_valid_sample=int(p["firstvalidsample"]),
                valid_samples=int(p["numberofvalidsamples"]),
            )
        )
    return out


def _valid_extent(b: BurstBox) -> tuple[int, int, int, int]:
    """[l0, l1) x [s0, s1) of the burst's valid region in merged coordinates."""
    l0 = b.line0 + b.first_valid_line
    s0 = b.sample0 + b.first_valid_sample
    return l0, l0 + b.valid_lines, s0, s0 + b.valid_samples


def _cut_overlaps(boxes: list[BurstBox]) -> dict[int, list[int]]:
    """Each burst's valid extent [l0, l1, s0, s1) in merged coordinates, overlaps (in azimuth within a swath,
    in range between swaths) split at their middle."""
    ext = {id(b): list(_valid_extent(b)) for b in boxes}
    by_swath: dict[int, list[BurstBox]] = {}
    for b in boxes:
        by_swath.setdefault(b.swath, []).append(b)
    for bursts in by_swath.values():
        bursts.sort(key=lambda b: b.line0)
        for a, c in zip(bursts, bursts[1:], strict=False):
            ea, ec = ext[id(a)], ext[id(c)]
            if ec[0] < ea[1]:
                mid = (ec[0] + ea[1]) // 2
                ea[1], ec[0] = mid, mid
    swaths = sorted(by_swath)
    for n1, n2 in zip(swaths, swaths[1:], strict=False):
        right_edge = min(ext[id(b)][3] for b in by_swath[n1])
        left_edge = max(ext[id(b)][2] for b in by_swath[n2])
        if left_edge < right_edge:
            mid = (left_edge + right_edge) // 2
            for b in by_swath[n1]:
                ext[id(b)][3] = min(ext[id(b)][3], mid)
            for b in by_swath[n2]:
                ext[id(b)][2] = max(ext[id(b)][2], mid)
    return ext


def merge_bursts(boxes: list[BurstBox], read, shape: tuple[int, int], rows: tuple[int, int] | None = None):
    """Mosaic of per-burst arrays (``read(box)`` -> burst array, may be a memmap) on a full-resolution grid of
    ``shape``, only lines ``rows`` = [r0, r1) of it when given (strips keep the memory of a frame small)."""
    r0, r1 = rows or (0, shape[0])
    out = np.zeros((r1 - r0, shape[1]), dtype=np.float64)
    ext = _cut_overlaps(boxes)
    for b in boxes:
        l0, l1, s0, s1 = ext[id(b)]
        l0, l1, s1 = max(l0, r0), min(l1, r1, shape[0]), min(s1, shape[1])
        if l1 <= l0 or s1 <= s0:
            continue
        data = read(b)
        out[l0 - r0 : l1 - r0, s0:s1] = data[l0 - b.line0 : l1 - b.line0, s0 - b.sample0 : s1 - b.sample0]
    return out


def resample_looks(
    data: np.ndarray, length: int, width: int, looks: tuple[int, int], data_looks: tuple[int, int]
) -> np.ndarray:
    """A multilooked raster (``data_looks`` = range, azimuth looks) on the grid of other looks, as ISCE's
    interpolateDifferentNumberOfLooks: output pixel centres located in input pixels, cubic along range then
    azimuth, extrapolated at the edges."""
    from scipy.interpolate import interp1d  # not at the top: start-up of every ion job

    (rl, al), (irl, ial) = looks, data_looks
    li, wi = data.shape
    cols = np.arange(width) * rl / irl + (rl - irl) / (2.0 * irl)
    rows = np.arange(length) * al / ial + (al - ial) / (2.0 * ial)
    along_range = interp1d(
        np.arange(wi), data.astype(np.float64), kind="cubic", axis=1, fill_value="extrapolate"
    )(cols)
    return interp1d(np.arange(li), along_range, kind="cubic", axis=0, fill_value="extrapolate")(rows)


def merged_burst_ionosphere(topsapp: Path, alks: int, rlks: int, shape: tuple[int, int]) -> np.ndarray:
    """ion/ion_burst/IW*/burst_NN.ion merged and multilooked to ``shape`` (the multilooked merged grid)."""
    topsapp = Path(topsapp)
    xmls = sorted((topsapp / "ion" / "lower" / "fine_interferogram").glob("IW[123].xml"))
    boxes = burst_boxes(xmls)
    present = []
    for swath_xml in xmls:
        swath = int(swath_xml.stem[2:])
        numbers = sorted(
            int(f.stem.split("_")[1])
            for f in (topsapp / "ion" / "ion_burst" / f"IW{swath}").glob("burst_*.ion")
        )
        mine = [b for b in boxes if b.swath == swath]
        if len(numbers) != len(mine):
            raise ValueError(
                f"ion/ion_burst/IW{swath} holds {len(numbers)} burst files, the swath has {len(mine)} bursts"
            )
        for b, n in zip(mine, numbers, strict=True):
            b.number = n
            present.append(b)
    full = (shape[0] * alks, shape[1] * rlks)

    def read(b: BurstBox) -> np.ndarray:
        path = topsapp / "ion" / "ion_burst" / f"IW{b.swath}" / f"burst_{b.number:02d}.ion"
        h = raster_header(path)
        if (h.length, h.width, h.bands) != (b.lines, b.samples, 1):
            raise ValueError(f"{path}: {h.length}x{h.width}x{h.bands}, the burst is {b.lines}x{b.samples}x1")
        return np.memmap(h.path, dtype=h.dtype, mode="r", shape=(h.length, h.width))

    out = np.zeros(shape)
    strip = 64  # output lines per strip
    for i0 in range(0, shape[0], strip):
        i1 = min(shape[0], i0 + strip)
        mosaic = merge_bursts(present, read, full, (i0 * alks, i1 * alks))
        s = multilook_mean(mosaic, alks, rlks)
        n = multilook_mean((mosaic != 0).astype(float), alks, rlks)
        out[i0:i1] = np.where(n > 0, s / np.where(n > 0, n, 1.0), 0.0)
    return out
