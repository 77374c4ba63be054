"""ion: split-spectrum ionosphere estimate (ion/lower, ion/upper, ion/ion_cal) and its merged/ products.

Why: the double writes ISCE's files and sizes at the ion looks; the estimate itself is a stand-in: the synthetic
phase is frequency independent, so split-spectrum puts about half of it in the ionosphere, and the double's
``filt.ion`` is a smoothed half of the unwrapped sub-band phase. mergebursts then writes merged/topophase.ion
(and, with ``apply ionosphere correction``, the corrected merged/topophase.flat).
"""

from __future__ import annotations

import copy
import os
import shutil

import numpy as np

from . import isceio, proc, swathxml
from .context import Context, ml_coords, read_slc, valid_mask
from .mosaic import burst_offsets, common_burst_products, full_header, merge_box, mosaic, mosaic_vrt

BANDS = ("lower", "upper")
# runIon's sub-steps in order; `start/end ionosphere step` select a range, the last three need burst properties
SUBSTEPS = ("subband", "rawion", "grd2ion", "filt_gaussian", "ionosphere_shift", "ion2grd", "esd")


def _int_name(cb: dict) -> str:
    return os.path.basename(cb["image"]["file_name"]).replace(".slc", ".int")


def _subband_ifgs(refs: list[dict], coregs: list[dict]) -> dict:
    """ion/{lower,upper}/fine_interferogram: burst interferograms per sub-band. The double uses the full band for
    both (the synthetic phase is frequency independent). Returns {(swath, burst number): interferogram}."""
    ifgs = {}
    for band in BANDS:
        for rp, cp in zip(refs, coregs, strict=True):
            swath = cp["swath"]
            d = os.path.join("ion", band, "fine_interferogram", f"IW{swath}")
            prod = copy.deepcopy(cp)
            for rb, cb in zip(rp["bursts"], prod["bursts"], strict=True):
                key = (swath, cb["burst_number"])
                if key not in ifgs:
                    m = read_slc(rb["image"]["file_name"])
                    s = read_slc(cb["image"]["file_name"])
                    ifg = (m * np.conj(s)).astype(np.complex64)
                    ifg[~valid_mask(cb)] = 0
                    ifgs[key] = ifg
                name = _int_name(cb)
                isceio.write_image(os.path.join(d, name), ifgs[key], "CFLOAT", "BIP", "cpx", "intimage")
                cb["image"] = {
                    "file_name": os.path.join(d, name),
                    "kind": "int",
                    "data_type": "CFLOAT",
                    "access_mode": "READ",
                }
            swathxml.write(
                os.path.join("ion", band, "fine_interferogram", f"IW{swath}.xml"), prod, reloaded=True
            )
    return ifgs


def _first_stage(sdir: str, full: np.ndarray, fa: int, fr: int):
    """ion/<band>/merged/<fr>rlks_<fa>alks: multilooked and unwrapped at the first-stage looks."""
    from scipy import ndimage

    ml1 = proc.multilook(full, fa, fr).astype(np.complex64)
    isceio.write_image(
        os.path.join(sdir, "topophase.flat"),
        ml1,
        "CFLOAT",
        "BIP",
        "cpx",
        "intimage",
        coords=ml_coords(fa, fr),
    )
    valid1 = ml1 != 0
    unw1 = proc.unwrap2d(np.angle(ml1), valid1)
    amp1 = np.abs(ml1).astype(np.float32)
    isceio.write_image(os.path.join(sdir, "filt_topophase.unw"), [amp1, unw1], "FLOAT", "BIL", "unw")
    isceio.write_image(
        os.path.join(sdir, "filt_topophase.unw.conncomp"),
        ndimage.binary_erosion(valid1).astype(np.uint8),
        "BYTE",
        "BIP",
        "byte",
    )
    return unw1, valid1


def _merge_band(ctx: Context, band: str, coregs: list[dict], box, full: np.ndarray) -> np.ndarray:
    """ion/<band>/merged: mosaic VRT, first-stage and total-looks products; returns the unwrapped phase at the
    total ion looks."""
    app = ctx.app
    ia, ir = int(app["ion_azimuth_looks"]), int(app["ion_range_looks"])
    fa, fr = int(app["ion_first_azimuth_looks"]), int(app["ion_first_range_looks"])
    ion_width, ion_length = box[1] // ir, box[0] // ia
    mdir = os.path.join("ion", band, "merged")
    sdir = os.path.join(mdir, f"{fr}rlks_{fa}alks")
    os.makedirs(sdir, exist_ok=True)
    files = {}
    for p in coregs:
        d = os.path.join("ion", band, "fine_interferogram", f"IW{p['swath']}")
        for b in p["bursts"]:
            files[(p["swath"], b["burst_number"])] = os.path.join(d, _int_name(b))
    flat_full = os.path.join(sdir, "topophase.flat.full")
    mosaic_vrt(flat_full, coregs, lambda p, b: files[(p["swath"], b["burst_number"])], box, "CFloat32")
    full_header(flat_full, box, "CFLOAT", 1, "cpx")
    unw1, valid1 = _first_stage(sdir, full, fa, fr)
    mlt = proc.multilook(full, ia, ir).astype(np.complex64)
    isceio.write_image(
        os.path.join(mdir, "topophase.flat"),
        mlt,
        "CFLOAT",
        "BIP",
        "cpx",
        "intimage",
        coords=ml_coords(ia, ir),
    )
    validt = mlt != 0
    unwt = proc.multilook(unw1, ia // fa, ir // fr)[:ion_length, :ion_width]
    unwt = np.where(validt, unwt, 0).astype(np.float32)
    isceio.write_image(os.path.join(mdir, "filt_topophase.unw"), [np.abs(mlt), unwt], "FLOAT", "BIL", "unw")
    if band == "lower":
        amp_c, _ = proc.coherence(full, np.abs(full).astype(np.complex64), fa, fr)
        isceio.write_image(
            os.path.join(sdir, "topophase.cor"), [amp_c, np.where(valid1, 1.0, 0.0)], "FLOAT", "BIL", "cor"
        )
        ampt = proc.multilook(np.abs(full), ia, ir).astype(np.float32)
        isceio.write_image(
            os.path.join(mdir, "topophase.cor"), [ampt, np.where(validt, 1.0, 0.0)], "FLOAT", "BIL", "cor"
        )
    return unwt


def _rawion_cal(unws: dict) -> None:
    """ion/ion_cal/raw_no_projection.{ion,cor}: the raw estimate (half the mean sub-band phase), weight."""
    valid = unws["lower"] != 0
    raw = 0.5 * (unws["lower"] + unws["upper"]) * 0.5
    weight = np.where(valid, 1.0, 0.0).astype(np.float32)
    cal = os.path.join("ion", "ion_cal")
    os.makedirs(cal, exist_ok=True)
    isceio.write_image(
        os.path.join(cal, "raw_no_projection.ion"), [weight, raw.astype(np.float32)], "FLOAT", "BIL", "ion"
    )
    isceio.write_image(os.path.join(cal, "raw_no_projection.cor"), [weight, weight], "FLOAT", "BIL", "cor")


def _grd2ion() -> None:
    """ion/ion_cal/raw.{ion,cor}: the double does not project onto the layer (a copy of the unprojected files)."""
    cal = os.path.join("ion", "ion_cal")
    for kind in ("ion", "cor"):
        w, v = isceio.read_image(os.path.join(cal, f"raw_no_projection.{kind}"))
        isceio.write_image(os.path.join(cal, f"raw.{kind}"), [w, v], "FLOAT", "BIL", kind)


def _filt_gaussian(ctx: Context) -> None:
    """ion/ion_cal/filt.ion: NaN-free box filter of the raw estimate (stand-in for the adaptive Gaussian)."""
    from scipy import ndimage

    weight, raw = isceio.read_image(os.path.join("ion", "ion_cal", "raw_no_projection.ion"))
    valid = weight > 0
    win = max(1, min(int(ctx.app["ion_filt_min"]), min(raw.shape)))
    num = ndimage.uniform_filter(np.where(valid, raw, 0.0), win, mode="nearest")
    den = ndimage.uniform_filter(weight.astype(float), win, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        filt = np.where(den > 0, num / den, 0.0)
    filt = np.where(valid, filt, 0.0).astype(np.float32)
    isceio.write_image(
        os.path.join("ion", "ion_cal", "filt.ion"),
        [weight, filt],
        "FLOAT",
        "BIL",
        "ion",
        description="imageMath.py -e='a_0;a_1' (double)",
    )


def _ionosphere_shift() -> None:
    """ion/ion_cal/azshift.ion: azimuth shift from the along-track gradient of filt.ion (2 bands, BIL)."""
    amp, ion = isceio.read_image(os.path.join("ion", "ion_cal", "filt.ion"))
    shift = (np.gradient(ion.astype(float), axis=0) * 1e-2).astype(np.float32)
    isceio.write_image(os.path.join("ion", "ion_cal", "azshift.ion"), [amp, shift], "FLOAT", "BIL", "ion")


def _ion2grd(ctx: Context) -> None:
    """ion/ion_burst/IW<n>/burst_NN.ion: filt.ion at each burst's full-resolution pixels plus the phase of the
    ionospheric azimuth shift, a ramp along the burst (FLOAT, the burst's size)."""
    from scipy.interpolate import interp1d

    ia, ir = int(ctx.app["ion_azimuth_looks"]), int(ctx.app["ion_range_looks"])
    _, filt = isceio.read_image(os.path.join("ion", "ion_cal", "filt.ion"))
    _, shift = isceio.read_image(os.path.join("ion", "ion_cal", "azshift.ion"))
    products = [
        swathxml.read(os.path.join("ion", "lower", "fine_interferogram", f"IW{s}.xml"))
        for s in ctx.valid_swaths()
    ]
    box = merge_box(products)
    mean_shift = float(np.mean(shift[shift != 0])) if np.any(shift != 0) else 0.0
    for p in products:
        d = os.path.join("ion", "ion_burst", f"IW{p['swath']}")
        os.makedirs(d, exist_ok=True)
        for b in p["bursts"]:
            yoff, xoff = burst_offsets(b, box)
            # runIon.ion2grd: cubic, extrapolated, from the multilooked pixel centres to every burst pixel
            lines = yoff + np.arange(b["lines"])
            samples = xoff + np.arange(b["samples"])
            centres_r = np.arange(filt.shape[1]) * ir + (ir - 1) / 2.0
            centres_a = np.arange(filt.shape[0]) * ia + (ia - 1) / 2.0
            along = interp1d(centres_r, filt.astype(float), kind="cubic", axis=1, fill_value="extrapolate")(
                samples
            )
            ion = interp1d(centres_a, along, kind="cubic", axis=0, fill_value="extrapolate")(lines)
            ramp = 2.0 * np.pi * (0.05 + mean_shift) * (np.arange(b["lines"]) - b["lines"] / 2.0) / b["lines"]
            out = (ion + ramp[:, None]).astype(np.float32)
            isceio.write_image(
                os.path.join(d, f"burst_{b['burst_number']:02d}.ion"), out, "FLOAT", "BIP", "bip"
            )


def _selected(ctx: Context) -> list[str]:
    first, last = ctx.app["ion_start_step"], ctx.app["ion_end_step"]
    for name in (first, last):
        if name not in SUBSTEPS:
            raise Exception(
                "please specify the correct start step for ionospheric correction from above list"
            )
    if SUBSTEPS.index(first) > SUBSTEPS.index(last):
        raise Exception("error: start step is after end step.")
    return list(SUBSTEPS[SUBSTEPS.index(first) : SUBSTEPS.index(last) + 1])


def _band_mosaic(coregs: list[dict], band: str, box) -> np.ndarray:
    """The sub-band burst interferograms as they are on disk (the workflow may have masked them)."""

    def read(p, b):
        name = os.path.join("ion", band, "fine_interferogram", f"IW{p['swath']}", _int_name(b))
        return isceio.read_image(name)[0]

    return mosaic(coregs, read, box, np.complex64)


def step_ion(ctx: Context) -> None:
    """runIon: the selected sub-steps; ionosphere_shift, ion2grd and esd only with burst properties on."""
    if not ctx.app["do_ion"]:
        return
    todo = _selected(ctx)
    refs, coregs = common_burst_products(ctx)
    box = merge_box(coregs)
    if "subband" in todo:
        _subband_ifgs(refs, coregs)
    if "rawion" in todo:
        unws = {band: _merge_band(ctx, band, coregs, box, _band_mosaic(coregs, band, box)) for band in BANDS}
        _rawion_cal(unws)
    if "grd2ion" in todo:
        _grd2ion()
    if "filt_gaussian" in todo:
        _filt_gaussian(ctx)
    if not ctx.app["ion_burst_properties"]:
        return
    if "ionosphere_shift" in todo:
        _ionosphere_shift()
    if "ion2grd" in todo:
        _ion2grd(ctx)
    if "esd" in todo:
        print("too few samples available for ESD, no ESD correction will be applied")


def write_merged_ion(ctx: Context, box) -> None:
    """merged/topophase.ion: filt.ion band 2 interpolated from the ion look grid to the ifg look grid."""
    from scipy import ndimage

    alks, rlks = ctx.looks()
    ia, ir = int(ctx.app["ion_azimuth_looks"]), int(ctx.app["ion_range_looks"])
    filt = isceio.read_image("ion/ion_cal/filt.ion")[1]
    ln, wd = box[0] // alks, box[1] // rlks
    lines_full = np.arange(ln) * alks + (alks - 1) / 2.0
    samples_full = np.arange(wd) * rlks + (rlks - 1) / 2.0
    li = (lines_full - (ia - 1) / 2.0) / ia
    si = (samples_full - (ir - 1) / 2.0) / ir
    L, S = np.meshgrid(li, si, indexing="ij")
    ion = ndimage.map_coordinates(filt.astype(float), [L, S], order=1, mode="nearest").astype(np.float32)
    if os.path.exists("merged/topophase.flat"):
        flat = isceio.read_image("merged/topophase.flat")[0]
        ion = np.where(flat[: ion.shape[0], : ion.shape[1]] != 0, ion, 0)
    isceio.write_image("merged/topophase.ion", ion, "FLOAT", "BIP", "bip")


def apply_ion(ctx: Context) -> None:
    """apply ionosphere correction: keep merged/topophase_ori.flat (reused if present, like ISCE)."""
    if not os.path.exists("merged/topophase_ori.flat"):
        for ext in ("", ".xml", ".vrt"):
            shutil.copy(f"merged/topophase.flat{ext}", f"merged/topophase_ori.flat{ext}")
    ori = isceio.read_image("merged/topophase_ori.flat")[0]
    ion = isceio.read_image("merged/topophase.ion")[0]
    if ori.shape != ion.shape:
        raise Exception("imageMath.py: width of input files differ")
    alks, rlks = ctx.looks()
    isceio.write_image(
        "merged/topophase.flat",
        (ori * np.exp(-1j * ion)).astype(np.complex64),
        "CFLOAT",
        "BIP",
        "cpx",
        "intimage",
        coords=ml_coords(alks, rlks),
    )
