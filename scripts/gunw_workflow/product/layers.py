"""Read the GUNW data layers from topsApp's geocoded rasters, exactly as the layout table's sources declare.

Nothing here names an ISCE file or a layer's band: each layer's ``Source`` in ``gunw_layout`` says which file
(relative to the topsApp directory; the connected-component file depends on the unwrapper), which band, whether it
is phase-like, how its no-data pixels are found and whether it is down-sampled. This module only implements
those declarations, once, for every layer.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gunw_workflow.isce_io import rasters as isce_io
from gunw_workflow.layout import ISCE_RASTER_SIDECARS
from gunw_workflow.product import gunw_layout as L

HEADER_SUFFIX = ISCE_RASTER_SIDECARS[0]  # an ISCE raster exists once its .xml header does


def has_raster(path: Path) -> bool:
    return Path(str(path) + HEADER_SUFFIX).exists()


def available_layers(topsapp_dir: Path, unwrapper: str) -> set[str]:
    """The OPTIONAL_LAYERS whose every source raster ISCE wrote (e.g. burst ramps only with burst properties)."""
    out = set()
    for key in L.OPTIONAL_LAYERS:
        sources = [v.source for v in L.VARIABLES if v.layer == key and v.source is not None]
        if sources and all(has_raster(Path(topsapp_dir) / s.path(unwrapper)) for s in sources):
            out.add(key)
    return out


def _same_grid(a: isce_io.IsceRaster, b: isce_io.IsceRaster) -> bool:
    return (a.width, a.length) == (b.width, b.length) and all(
        math.isclose(x, y, rel_tol=0, abs_tol=1e-10)
        for x, y in ((a.x0, b.x0), (a.y0, b.y0), (a.dx, b.dx), (a.dy, b.dy))
    )


def box_mean_at(arr: np.ndarray, rows: np.ndarray, cols: np.ndarray, half: int) -> np.ndarray:
    """NaN-aware mean of the (2 half + 1)^2 window centred on each (row, col) node (anti-aliased down-sampling)."""
    valid = np.isfinite(arr)
    vals = np.where(valid, arr, 0.0).astype(np.float64)
    ny, nx = arr.shape

    def integral(a):
        s = np.zeros((ny + 1, nx + 1))
        s[1:, 1:] = a.cumsum(0).cumsum(1)
        return s

    s_v, s_n = integral(vals), integral(valid.astype(np.float64))
    r0 = np.clip(rows - half, 0, ny)[:, None]
    r1 = np.clip(rows + half + 1, 0, ny)[:, None]
    c0 = np.clip(cols - half, 0, nx)[None, :]
    c1 = np.clip(cols + half + 1, 0, nx)[None, :]

    def window(s):
        return s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]

    n = window(s_n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, window(s_v) / n, np.nan)


class _Rasters:
    """Each source raster read once (all bands), checked against the data grid on first use."""

    def __init__(self, topsapp_dir: Path, unwrapper: str):
        self.root = Path(topsapp_dir)
        self.unwrapper = unwrapper
        self.grid_file = L.layer_var(L.GRID_LAYER).source.path(unwrapper)
        self.grid = isce_io.raster_header(self.root / self.grid_file)
        if not self.grid.is_geo:
            raise ValueError(f"{self.grid.path} is not a geocoded raster")
        self._cubes: dict[str, np.ndarray] = {}

    def bands(self, rel: str) -> np.ndarray:
        if rel not in self._cubes:
            h = isce_io.raster_header(self.root / rel)
            if not _same_grid(h, self.grid):
                raise ValueError(f"{rel} is not on the grid of {self.grid_file}")
            self._cubes[rel] = isce_io.read_raster(self.root / rel)
        return self._cubes[rel]

    def band(self, src: L.Source) -> np.ndarray:
        return self.bands(src.path(self.unwrapper))[src.band - 1]


def _input_mask(src: L.Source, raw: np.ndarray, rasters: _Rasters, done: dict) -> np.ndarray:
    """Source pixels that are no data by the layer's conditions on its input (NO_CONNCOMP is an output rule)."""
    mask = np.zeros(raw.shape, dtype=bool)
    for cond in src.nodata:
        if cond == L.NO_AMPLITUDE:
            mask |= rasters.band(L.layer_var(L.AMPLITUDE_LAYER).source) == 0
        elif cond == L.SOURCE_ZERO:
            mask |= raw == 0
        elif cond == L.ALL_BANDS_ZERO:
            mask |= np.all(rasters.bands(src.path(rasters.unwrapper)) == 0, axis=0)
        elif cond == L.NO_CONNCOMP:
            if src.resample is None:
                mask |= done[L.CONNCOMP_LAYER] == -1
        else:
            raise ValueError(f"unknown no-data condition {cond!r}")
    return mask


def _full_resolution(var: L.Var, rasters: _Rasters, phase_sign: float, done: dict) -> np.ndarray:
    """The layer on the data grid in its working dtype: value, sign, no-data (NaN before down-sampling)."""
    src = var.source
    raw = rasters.band(src)
    value = np.angle(raw) if src.value == "angle" else raw
    value = value.astype(src.dtype)
    if src.phase:
        value = phase_sign * value
    fill = np.nan if src.resample else var.fill
    value = np.where(_input_mask(src, raw, rasters, done), fill, value)
    if src.minus:
        value = _difference_off_the_edges(value - done[f"{src.minus}:full"])
    return value


# Two rasters geocoded separately meet their zero borders at different pixels, so their difference within this
# many pixels of the data's edge is the border's interpolation (up to 4.4 rad on the demo), not the signal
# (ramps of ~0.1 rad): those pixels are left out.
DIFFERENCE_EDGE_PX = 2


def _difference_off_the_edges(value: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    edge = ndimage.binary_dilation(~np.isfinite(value), iterations=DIFFERENCE_EDGE_PX)
    return np.where(edge, np.nan, value)


def _down_sample(var: L.Var, full: np.ndarray, grid: isce_io.IsceRaster, done: dict):
    """BOX_MEAN onto the ~1 km grid with the data grid's origin; NO_CONNCOMP at the nearest data pixel."""
    if var.source.resample != L.BOX_MEAN:
        raise ValueError(f"{var.path}: unknown resampling {var.source.resample!r}")
    k = L.iono_factor(grid.dy)
    rows = np.arange(0, grid.length, k)
    cols = np.arange(0, grid.width, k)
    out = box_mean_at(full, rows, cols, k // 2)
    if L.NO_CONNCOMP in var.source.nodata:
        out[done[L.CONNCOMP_LAYER][np.ix_(rows, cols)] == -1] = var.fill
    return out, grid.y0 + rows * grid.dy, grid.x0 + cols * grid.dx


def read_layers(topsapp_dir: Path, layers: set[str], unwrapper: str, phase_sign: float = 1.0) -> dict:
    """Every data layer present for ``layers``, with the coordinates of each layer group.

    Returns ``{"values": {name: array}, "coords": {group: (lat, lon)}, "los": los bands, "grid": header}``.
    ``phase_sign`` = -1 when ISCE's reference is the GUNW secondary (earlier date): the GUNW phase convention is
    later x conj(earlier), so phase-like layers change sign.
    """
    rasters = _Rasters(topsapp_dir, unwrapper)
    grid = rasters.grid
    done: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    coords = {}
    subtracted = {v.source.minus for v in L.layer_vars(layers) if v.source.minus}
    for var in L.layer_vars(layers):
        full = _full_resolution(var, rasters, phase_sign, done)
        if var.name in subtracted:
            done[f"{var.name}:full"] = full
        if var.source.resample:
            out, lat, lon = _down_sample(var, full, grid, done)
        else:
            out, lat, lon = full, grid.lat(), grid.lon()
        values[var.name] = done[var.name] = out.astype(var.dtype)
        coords.setdefault(var.group, (lat, lon))
    return {"values": values, "coords": coords, "los": rasters.bands(L.LOS_GEO), "grid": grid}
