"""ESD, second half: prepesd -> esd -> rangecoreg, the secondary timing and range corrections.

Why: the corrections land in the PICKLE (``secondaryTimingCorrection``, ``secondaryRangeCorrection``) and change
fineoffsets and everything after it; ``esd`` raises (exit 1) when no overlap point passes the coherence threshold.
rangecoreg reads what ISCE2's reads (the reference and coarse-coregistered overlap bursts, not the coarse offsets)
and, with Ampcor's 1000-sample margins, fails on bursts narrower than about 2,200 samples, as ISCE2 does.
"""

from __future__ import annotations

import os

import numpy as np

from . import isceio, proc
from .context import Context, ml_coords, read_slc, read_vrt
from .overlaps import esd_swaths, overlap_pairs, pairname


def _esd_frequency(ref: dict, i: int, j: int, n: int, width: int) -> np.ndarray:
    """Doppler-centroid frequency difference between the two bursts over the overlap (Hz)."""
    b = ref["bursts"][i]
    ka = b["steering_rate"] * 2 * 7500.0 / b["wavelength"]
    tburst = b["lines"] * b["dt"]
    return np.full((n, width), ka * tburst, np.float32)


def esd_looks(ctx: Context) -> tuple[int, int]:
    return int(ctx.app["esd_azimuth_looks"]), int(ctx.app["esd_range_looks"])


def _prep_overlap(ref: dict, swath: int, k: int, i: int, j: int, n: int, ea: int, er: int) -> None:
    """ESD/overlap_IW<n>_KK (double difference, multilooked + coherence) and ESD/freq_IW<n>_KK for one overlap."""
    d = os.path.join("coarse_interferogram", "overlaps", f"IW{swath}")
    top = isceio.read_image(os.path.join(d, f"burst_top_{pairname(i, j)}.int"))[0]
    bot = isceio.read_image(os.path.join(d, f"burst_bot_{pairname(i, j)}.int"))[0]
    dd = (top * np.conj(bot)).astype(np.complex64)
    base = os.path.join("ESD", f"overlap_IW{swath}_{k + 1:02d}")
    isceio.write_image(base + ".int", dd, "CFLOAT", "BIP", "cpx", "intimage")
    ml = proc.multilook(dd, ea, er)
    isceio.write_image(
        f"{base}.{ea}alks_{er}rlks.int", ml, "CFLOAT", "BIP", "cpx", "intimage", coords=ml_coords(ea, er)
    )
    _, cor = proc.coherence(top, bot, ea, er)
    isceio.write_image(f"{base}.{ea}alks_{er}rlks.cor", cor, "FLOAT", "BIP", "bip")
    freq = _esd_frequency(ref, i, j, n, top.shape[1])
    fbase = os.path.join("ESD", f"freq_IW{swath}_{k + 1:02d}")
    isceio.write_image(fbase + ".bin", freq, "FLOAT", "BIP", "bip")
    isceio.write_image(
        f"{fbase}.{ea}alks_{er}rlks.bin",
        proc.multilook(freq, ea, er),
        "FLOAT",
        "BIP",
        "bip",
        coords=ml_coords(ea, er),
    )


def step_prepesd(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    ea, er = esd_looks(ctx)
    for swath in esd_swaths(ctx):
        ref, pairs = overlap_pairs(ctx, swath)
        for k, (i, j, _start, n, _shift) in enumerate(pairs):
            _prep_overlap(ref, swath, k, i, j, n, ea, er)


def plot(path: str, mode: str, values: np.ndarray, title: str) -> None:
    """640x480 diagnostic plot (PNG RGBA / JPEG RGB like matplotlib's output)."""
    from PIL import Image, ImageDraw

    img = Image.new(mode, (640, 480), "white")
    draw = ImageDraw.Draw(img)
    draw.text((20, 10), title, fill="black")
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v)]
    if v.size:
        hist, _ = np.histogram(v, bins=40)
        hmax = max(hist.max(), 1)
        for k, h in enumerate(hist):
            x0 = 40 + k * 14
            draw.rectangle([x0, 450 - int(380 * h / hmax), x0 + 12, 450], fill="steelblue")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path)


def _combine_swath(ctx: Context, swath: int, ea: int, er: int, thr: float) -> np.ndarray:
    """ESD/combined_*_IW<n>: the overlaps of a swath stacked; returns the offsets (s) of the coherent points."""
    _, pairs = overlap_pairs(ctx, swath)
    ints, cors, freqs = [], [], []
    for k in range(len(pairs)):
        base = os.path.join("ESD", f"overlap_IW{swath}_{k + 1:02d}.{ea}alks_{er}rlks")
        ints.append(isceio.read_image(base + ".int")[0])
        cors.append(isceio.read_image(base + ".cor")[0])
        freqs.append(
            isceio.read_image(os.path.join("ESD", f"freq_IW{swath}_{k + 1:02d}.{ea}alks_{er}rlks.bin"))[0]
        )
    ci, cc, cf = np.vstack(ints), np.vstack(cors), np.vstack(freqs)
    with np.errstate(invalid="ignore", divide="ignore"):
        off = np.where(cf != 0, np.angle(ci) / (2 * np.pi * cf), 0).astype(np.float32)
    isceio.write_image(os.path.join("ESD", f"combined_IW{swath}.int"), ci, "CFLOAT", "BIP", "cpx", "intimage")
    isceio.write_image(os.path.join("ESD", f"combined_IW{swath}.cor"), cc, "FLOAT", "BIP", "bip")
    isceio.write_image(os.path.join("ESD", f"combined_IW{swath}.off"), off, "FLOAT", "BIP", "bip")
    isceio.write_image(os.path.join("ESD", f"combined_freq_IW{swath}.bin"), cf, "FLOAT", "BIP", "bip")
    return off[cc > thr]


def step_esd(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    ea, er = esd_looks(ctx)
    thr = float(ctx.app["esd_coherence_threshold"])
    allvals = [_combine_swath(ctx, swath, ea, er, thr) for swath in esd_swaths(ctx)]
    vals = np.concatenate(allvals) if allvals else np.array([])
    if vals.size == 0:
        raise Exception("Coherence threshold too strict. No points left for reliable ESD estimate")
    est = float(np.median(vals))
    plot(os.path.join("ESD", "ESDmisregistration.png"), "RGBA", vals, f"ESD misregistration: {est:.3e} s")
    ctx.state["secondaryTimingCorrection"] = est


RANGECOREG_WINDOW = (32, 64)  # Ampcor window (lines, samples), fixed in ISCE2's rangecoreg
RANGECOREG_SEARCH = (16, 16)
RANGECOREG_MARGIN = 1000  # samples kept clear at both edges of the overlap
RANGECOREG_LOCATIONS_ACROSS = 40


def _rangecoreg_locations(n: int, width: int) -> tuple[list[int], list[int], int]:
    """(lines, samples, down search) of the Ampcor locations inside one overlap; empty when the overlap is too
    narrow for the 1000-sample margins or too short for the window."""
    (wh, ww), (sh, sw) = RANGECOREG_WINDOW, RANGECOREG_SEARCH
    sh = min(sh, (n - wh) // 2 - 1)
    first = RANGECOREG_MARGIN + ww // 2 + sw
    last = width - RANGECOREG_MARGIN - ww // 2 - sw
    if sh < 1 or last < first:
        return [], [], sh
    step = max(1, (last - first) // RANGECOREG_LOCATIONS_ACROSS)
    return [n // 2], list(range(first, last + 1, step)), sh


def _overlap_range_offsets(ctx: Context, swath: int, thr: float) -> np.ndarray:
    """Range offsets (pixels) of the coarse-coregistered overlap bursts against the reference overlap bursts at
    the Ampcor locations whose SNR passes ``offset SNR threshold``."""
    from .dense import chip_offset

    ref, pairs = overlap_pairs(ctx, swath)
    rdir = os.path.join(ctx.state["referenceSlcProduct"], "overlaps", f"IW{swath}")
    cdir = os.path.join("coarse_coreg", "overlaps", f"IW{swath}")
    half = (RANGECOREG_WINDOW[0] // 2, RANGECOREG_WINDOW[1] // 2)
    out = []
    for i, j, _start, n, _shift in pairs:
        lines, samples, sh = _rangecoreg_locations(n, ref["bursts"][i]["samples"])
        if not samples:
            raise Exception(
                f"rangecoreg: overlap IW{swath} {pairname(i, j)} ({ref['bursts'][i]['samples']} samples x {n} "
                f"lines) leaves no Ampcor location inside the {RANGECOREG_MARGIN}-sample margins"
            )
        for which in ("top", "bot"):
            name = f"burst_{which}_{pairname(i, j)}.slc"
            m, s = read_vrt(os.path.join(rdir, name)), read_slc(os.path.join(cdir, name))
            for li in lines:
                for sj in samples:
                    _, rg, snr = chip_offset(m, s, li, sj, half, (sh, RANGECOREG_SEARCH[1]))
                    if snr > thr:
                        out.append(rg)
    return np.asarray(out, float)


def step_rangecoreg(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    thr = float(ctx.app["offset_snr_threshold"])
    swaths = esd_swaths(ctx)
    vals = [_overlap_range_offsets(ctx, swath, thr) for swath in swaths]
    v = np.concatenate(vals) if vals else np.array([])
    if v.size == 0:
        raise Exception("rangecoreg: no Ampcor offset passed the offset SNR threshold")
    dr = ctx.product("secondary", swaths[0])["bursts"][0]["range_pixel_size"]
    corr = float(np.median(v)) * dr
    plot(os.path.join("ESD", "rangeMisregistration.jpg"), "RGB", v, f"range misregistration: {corr:.4f} m")
    ctx.state["secondaryRangeCorrection"] = corr
