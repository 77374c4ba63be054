"""denseoffsets, filteroffsets, geocodeoffsets: Ampcor dense offsets on the merged full-resolution SLCs.

Why: ISCE materialises merged/{reference,secondary}.slc.full (ENVI via gdal_translate, reused when present), its
offset grid follows DenseAmpcor's window/search/skip/margin rules, and geocodeoffsets rewrites merged/dem.crop.
The offsets are measured (amplitude cross-correlation with sub-pixel peak, like Ampcor without oversampling), so
a coregistered pair gives small non-zero offsets and the packaged offset layers carry values.
"""

from __future__ import annotations

import os

import numpy as np

from . import isceio
from .context import Context
from .geocode import existing, geocode_file, geocode_setup, write_dem_crop

PAM_NODATA = (
    '<PAMDataset>\n  <PAMRasterBand band="1">\n    <NoDataValue>0</NoDataValue>\n'
    "  </PAMRasterBand>\n</PAMDataset>\n"
)


def dense_grid(width: int, length: int, app: dict) -> dict:
    """DenseAmpcor's offset grid (first location, count) along one image."""
    ww, wh = int(app["ampcor_window_width"]), int(app["ampcor_window_height"])
    sw, sh = int(app["ampcor_search_width"]), int(app["ampcor_search_height"])
    kw, kh = int(app["ampcor_skip_width"]), int(app["ampcor_skip_height"])
    margin = int(app["ampcor_margin"])
    out = {}
    for axis, size, win, srch, skip, gross in (
        ("across", width, ww, sw, kw, int(app["range_shift"])),
        ("down", length, wh, sh, kh, int(app["azimuth_shift"])),
    ):
        pix = win // 2 + srch - 1
        xm = 2 * srch + win
        off = max(margin, -gross) + xm
        if off % skip != 0:
            lim = off
            off = skip * (1 + int(off / skip)) - pix
            while off < lim:
                off += skip
        last = int(size - xm - 1 - margin)
        locs = list(range(off + pix, last - pix, skip))
        if not locs:
            raise Exception("DenseAmpcor: image too small for the Ampcor windows")
        out[axis] = (locs[0], len(locs), skip)
    return out


def _materialised_slcs(suffix: str) -> dict:
    """merged/{reference,secondary}.slc<suffix> as ENVI files (gdal_translate of the VRT; an existing file is
    reused, like ISCE), read back."""
    import rasterio
    from rasterio.shutil import copy as rio_copy

    data = {}
    for name in ("reference", "secondary"):
        dst = f"merged/{name}.slc{suffix}"
        if not os.path.exists(dst):
            rio_copy(dst + ".vrt", dst, driver="ENVI")
            if not os.path.exists(dst + ".aux.xml"):
                with open(dst + ".aux.xml", "w") as fh:
                    fh.write(PAM_NODATA)
        with rasterio.open(dst) as ds:
            data[name] = ds.read(1)
    return data


def _peak_subpixel(surface: np.ndarray) -> tuple[float, float, float] | None:
    """(row, col, value) of the correlation peak, refined by a parabola along each axis; None when the peak
    lies on the edge of the search area (Ampcor reports no offset there)."""
    i, j = np.unravel_index(int(np.argmax(surface)), surface.shape)
    if not (0 < i < surface.shape[0] - 1 and 0 < j < surface.shape[1] - 1):
        return None

    def vertex(a: float, b: float, c: float) -> float:
        den = a - 2 * b + c
        return 0.0 if den == 0 else 0.5 * (a - c) / den

    di = vertex(surface[i - 1, j], surface[i, j], surface[i + 1, j])
    dj = vertex(surface[i, j - 1], surface[i, j], surface[i, j + 1])
    return i + di, j + dj, float(surface[i, j])


def chip_offset(ref: np.ndarray, sec: np.ndarray, li: int, sj: int, half: tuple, search: tuple):
    """Ampcor-like offset at (li, sj): normalised cross-correlation of the detected reference chip
    (2*half lines x samples) over the secondary search area (+- search); returns (down, across, snr), offsets
    = secondary position - reference position in pixels, (0, 0, 0) when no peak is found."""
    from scipy import signal

    (hh, hw), (sh, sw) = half, search
    m = np.abs(ref[li - hh : li + hh, sj - hw : sj + hw]).astype(float)
    s = np.abs(sec[li - hh - sh : li + hh + sh, sj - hw - sw : sj + hw + sw]).astype(float)
    m -= m.mean()
    num = signal.fftconvolve(s, m[::-1, ::-1], mode="valid")
    ones = np.ones(m.shape)
    n = m.size
    s_sum = signal.fftconvolve(s, ones, mode="valid")
    s_sq = signal.fftconvolve(s * s, ones, mode="valid")
    den = np.sqrt(np.maximum(s_sq - s_sum**2 / n, 0.0) * float((m * m).sum()))
    with np.errstate(invalid="ignore", divide="ignore"):
        ncc = np.where(den > 0, num / den, 0.0)
    peak = _peak_subpixel(ncc)
    if peak is None or peak[2] <= 0:
        return 0.0, 0.0, 0.0
    mean_abs = float(np.abs(ncc).mean())
    return peak[0] - sh, peak[1] - sw, peak[2] / mean_abs if mean_abs > 0 else 0.0


def step_denseoffsets(ctx: Context) -> None:
    app = ctx.app
    if not app["do_dense_offsets"]:
        return
    alks, rlks = ctx.looks()
    data = _materialised_slcs(".full" if (alks, rlks) != (1, 1) else "")
    length, width = data["reference"].shape
    g = dense_grid(width, length, app)
    (a0, na, ka), (d0, nd, kd) = g["across"], g["down"]
    lines = d0 + kd * np.arange(nd)
    samples = a0 + ka * np.arange(na)
    hw, hh = int(app["ampcor_window_width"]) // 2, int(app["ampcor_window_height"]) // 2
    search = (int(app["ampcor_search_height"]), int(app["ampcor_search_width"]))
    az = np.zeros((nd, na), np.float32)
    rg = np.zeros((nd, na), np.float32)
    snr = np.zeros((nd, na), np.float32)
    for i, li in enumerate(lines):
        for j, sj in enumerate(samples):
            az[i, j], rg[i, j], snr[i, j] = chip_offset(
                data["reference"], data["secondary"], int(li), int(sj), (hh, hw), search
            )
    cov = [
        np.full((nd, na), 1e-3, np.float32),
        np.full((nd, na), 1e-3, np.float32),
        np.zeros((nd, na), np.float32),
    ]
    isceio.write_image("merged/dense_offsets.bil", [az, rg], "FLOAT", "BIL", "bil")
    isceio.write_image("merged/dense_offsets_snr.bil", snr, "FLOAT", "BIP", "bip")
    isceio.write_image("merged/dense_offsets_cov.bil", cov, "FLOAT", "BIL", "bil")
    open("denseampcor.log", "w").close()
    ctx.state.update(offset_width=na, offset_length=nd, offset_top=int(d0), offset_left=int(a0))
    ctx.doc(
        "dense",
        [("offset_width", na), ("offset_length", nd), ("offset_top", int(d0)), ("offset_left", int(a0))],
    )


def step_filteroffsets(ctx: Context) -> None:
    from scipy import ndimage

    app = ctx.app
    if not app["do_dense_offsets"]:
        return
    az, rg = isceio.read_image("merged/dense_offsets.bil")
    size = int(app["filter_window_size"])
    filt = [ndimage.median_filter(x, size=size, mode="nearest").astype(np.float32) for x in (az, rg)]
    isceio.write_image("merged/filt_dense_offsets.bil", filt, "FLOAT", "BIL", "bil")


def step_geocodeoffsets(ctx: Context) -> None:
    app = ctx.app
    if not app["do_dense_offsets"]:
        return
    grid, crop, dinfo, line, sample, box, dem_path = geocode_setup(ctx)
    write_dem_crop(crop, dinfo)
    kh, kw = int(app["ampcor_skip_height"]), int(app["ampcor_skip_width"])
    top, left = ctx.state["offset_top"], ctx.state["offset_left"]
    for f in existing(app["offset_geocode_list"]):
        geocode_file(f, grid, line, sample, kh, kw, a0=top, r0=left)
