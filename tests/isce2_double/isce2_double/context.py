"""What every step shares: the configuration + run state (``Context``) and small burst/raster helpers.

Why: ISCE's steps all read the same TopsProc state (swaths, common bursts, product directories); keeping that
access in one place lets each step module stay about one concern.
"""

from __future__ import annotations

import os

import numpy as np

from . import geometry, isceio, swathxml

LOS_DESCRIPTION = (
    "['Two channel Line-Of-Sight geometry image (all angles in degrees). Represents vector drawn from target to "
    "platform. \\n                Channel 1: Incidence angle measured from vertical at target (always +ve).\\n"
    "                Channel 2: Azimuth angle measured from North in Anti-clockwise direction.']"
)


class Context:
    """Configuration + mutable run state shared by the step functions."""

    def __init__(self, cfg: dict, state: dict):
        self.cfg = cfg
        self.app = cfg["app"]
        self.state = state

    # ---- swaths and products
    def swath_list(self) -> list[int]:
        sw = self.app["swaths"]
        if isinstance(sw, int):
            raise TypeError("'int' object is not iterable")
        return list(sw) if sw else list(range(1, self.state["numberOfSwaths"] + 1))

    def valid_swaths(self) -> list[int]:
        counts = self.state["numberOfCommonBursts"]
        if counts is None:
            raise IndexError(
                "list index out of range (no common-burst information: was computeBaselines run?)"
            )
        return [s for s in self.swath_list() if counts[s - 1] > 0]

    def common(self, swath: int) -> tuple[int, int, int]:
        s = self.state
        return (
            s["commonBurstStartReferenceIndex"][swath - 1],
            s["commonBurstStartSecondaryIndex"][swath - 1],
            s["numberOfCommonBursts"][swath - 1],
        )

    def product(self, kind: str, swath: int) -> dict:
        base = {
            "reference": self.state["referenceSlcProduct"],
            "secondary": self.state["secondarySlcProduct"],
        }
        return swathxml.read(os.path.join(base.get(kind, kind), f"IW{swath}.xml"))

    def looks(self) -> tuple[int, int]:
        return int(self.app["azimuth_looks"]), int(self.app["range_looks"])

    def doc(self, section: str, items: list) -> None:
        self.state["procDoc"][section] = items


def nn(i: int) -> str:
    """ISCE's 1-based, two-digit burst number of burst index ``i``."""
    return f"{i + 1:02d}"


def ml_coords(alks: int, rlks: int):
    """ISCE's coordinate1/2 for multilooked radar rasters: centre of the first look, look size."""
    return ((rlks - 1) / 2.0, float(rlks), (alks - 1) / 2.0, float(alks))


def read_slc(path: str) -> np.ndarray:
    """Burst SLC (ISCE binary with .xml, or VRT into the measurement TIFF)."""
    if os.path.exists(path + ".xml") and os.path.exists(path):
        return isceio.read_image(path)[0].astype(np.complex64)
    import rasterio

    with rasterio.open(path + ".vrt") as ds:
        return ds.read(1).astype(np.complex64)


def read_vrt(path: str) -> np.ndarray:
    """A VRT-only complex raster (``<path>.vrt``), e.g. the overlap windows of subsetoverlaps."""
    import rasterio

    with rasterio.open(path + ".vrt") as ds:
        return ds.read(1).astype(np.complex64)


def valid_mask(b: dict) -> np.ndarray:
    m = np.zeros((b["lines"], b["samples"]), bool)
    fl, fs = b["first_valid_line"], b["first_valid_sample"]
    m[fl : fl + b["num_valid_lines"], fs : fs + b["num_valid_samples"]] = True
    return m


def shrink_valid(b: dict, n: int = 5) -> dict:
    """The burst with its valid window shrunk by ``n`` on every side (what fine coregistration keeps)."""
    b = dict(b)
    b["first_valid_line"] += n
    b["first_valid_sample"] += n
    b["num_valid_lines"] -= 2 * n
    b["num_valid_samples"] -= 2 * n
    return b


def orbit_of(product: dict) -> geometry.Orbit:
    return geometry.Orbit(product["vectors"])
