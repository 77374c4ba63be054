"""Cheap signal processing stand-ins: multilook, coherence, smoothing filter, path-following unwrap.

Why: the double's products must be meaningful (phase, coherence, unwrapped phase that match the
injected truth of a synthetic pair) without being a real SAR processor.
"""

from __future__ import annotations

import numpy as np


def multilook(a: np.ndarray, alks: int, rlks: int) -> np.ndarray:
    """Block mean over alks x rlks (ISCE's look grid: starts at line 0, sample 0, drops the remainder)."""
    ln, wd = a.shape[0] // alks, a.shape[1] // rlks
    return a[: ln * alks, : wd * rlks].reshape(ln, alks, wd, rlks).mean(axis=(1, 3))


def coherence(s1: np.ndarray, s2: np.ndarray, alks: int, rlks: int) -> tuple[np.ndarray, np.ndarray]:
    """(amplitude sqrt(|s1||s2|), coherence |<s1 s2*>|/sqrt(<|s1|^2><|s2|^2>)) at the given looks."""
    num = multilook(s1 * np.conj(s2), alks, rlks)
    p1 = multilook(np.abs(s1) ** 2, alks, rlks)
    p2 = multilook(np.abs(s2) ** 2, alks, rlks)
    den = np.sqrt(p1 * p2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cor = np.where(den > 0, np.abs(num) / den, 0.0)
    amp = multilook(np.sqrt(np.abs(s1) * np.abs(s2)), alks, rlks)
    return amp.astype(np.float32), np.clip(cor, 0, 1).astype(np.float32)


def box_coherence(s1: np.ndarray, s2: np.ndarray, size: int = 5) -> np.ndarray:
    """Full-resolution coherence from a sliding box (burst .cor band 2)."""
    from scipy import ndimage

    ifg = s1 * np.conj(s2)
    re = ndimage.uniform_filter(ifg.real, size)
    im = ndimage.uniform_filter(ifg.imag, size)
    p1 = ndimage.uniform_filter(np.abs(s1) ** 2, size)
    p2 = ndimage.uniform_filter(np.abs(s2) ** 2, size)
    den = np.sqrt(p1 * p2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cor = np.where(den > 0, np.hypot(re, im) / den, 0.0)
    return np.clip(cor, 0, 1).astype(np.float32)


def smooth_complex(ifg: np.ndarray, strength: float) -> np.ndarray:
    """Light stand-in for the Goldstein filter: box-smooth the unit phasor, keep the amplitude.
    Window grows with the filter strength (0 -> no filtering)."""
    from scipy import ndimage

    size = 1 + 2 * int(round(2 * max(strength, 0.0)))
    valid = ifg != 0
    if size <= 1:
        return ifg.astype(np.complex64)
    ph = np.where(valid, ifg / np.where(valid, np.abs(ifg), 1), 0)
    re = ndimage.uniform_filter(ph.real, size)
    im = ndimage.uniform_filter(ph.imag, size)
    sm = re + 1j * im
    out = np.abs(ifg) * np.exp(1j * np.angle(sm))
    return np.where(valid, out, 0).astype(np.complex64)


def phase_sigma(ifg: np.ndarray, size: int = 5) -> np.ndarray:
    """Phase-sigma-like coherence: magnitude of the mean unit phasor in a box (0 where no data)."""
    from scipy import ndimage

    valid = ifg != 0
    ph = np.where(valid, ifg / np.where(valid, np.abs(ifg), 1), 0)
    re = ndimage.uniform_filter(ph.real, size)
    im = ndimage.uniform_filter(ph.imag, size)
    n = ndimage.uniform_filter(valid.astype(float), size)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(n > 0, np.hypot(re, im) / n, 0)
    return np.where(valid, np.clip(c, 0, 1), 0).astype(np.float32)


def unwrap2d(phase: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Simple path-following unwrap: down the middle column, then along each row both ways.
    Invalid pixels are filled from the nearest valid one before unwrapping and zeroed after."""
    from scipy import ndimage

    if not valid.any():
        return np.zeros_like(phase, dtype=np.float32)
    idx = ndimage.distance_transform_edt(~valid, return_distances=False, return_indices=True)
    filled = phase[tuple(idx)]
    mid = filled.shape[1] // 2
    col = np.unwrap(filled[:, mid])
    left = np.unwrap(filled[:, : mid + 1][:, ::-1], axis=1)[:, ::-1]
    right = np.unwrap(filled[:, mid:], axis=1)
    out = np.concatenate([left[:, :-1], right], axis=1)
    out += (col - filled[:, mid])[:, None]
    return np.where(valid, out, 0).astype(np.float32)


def resample(a: np.ndarray, lines: np.ndarray, samples: np.ndarray, order: int = 1) -> np.ndarray:
    """Sample ``a`` at fractional (line, sample); 0 outside. Complex handled per component."""
    from scipy import ndimage

    coords = np.stack([lines, samples])
    if np.iscomplexobj(a):
        re = ndimage.map_coordinates(a.real, coords, order=order, mode="constant", cval=0.0)
        im = ndimage.map_coordinates(a.imag, coords, order=order, mode="constant", cval=0.0)
        return (re + 1j * im).astype(a.dtype)
    return ndimage.map_coordinates(a, coords, order=order, mode="constant", cval=0.0).astype(a.dtype)


def resample_sinc_range(a: np.ndarray, lines: np.ndarray, samples: np.ndarray, taps: int = 8) -> np.ndarray:
    """Complex ``a`` at fractional (line, sample): a ``taps``-point Hann-windowed sinc in range (like ISCE's
    complex resampler: sub-sample range offsets of a band-limited SLC must not decorrelate it), linear
    between the two nearest lines in azimuth; 0 where the kernel leaves the image."""
    h, w = a.shape
    k0 = np.floor(samples).astype(int)
    frac = samples - k0
    j = np.arange(-taps // 2 + 1, taps // 2 + 1)  # e.g. -3 .. 4
    x = frac[..., None] - j
    kern = np.sinc(x) * (0.5 + 0.5 * np.cos(np.pi * x / (taps / 2 + 1)))
    kern /= kern.sum(axis=-1, keepdims=True)
    cols = k0[..., None] + j
    l0 = np.floor(lines).astype(int)
    fl = (lines - l0)[..., None]
    inside = (cols.min(-1) >= 0) & (cols.max(-1) < w) & (l0 >= 0) & (l0 + 1 < h)
    cols = np.clip(cols, 0, w - 1)
    la, lb = np.clip(l0, 0, h - 1)[..., None], np.clip(l0 + 1, 0, h - 1)[..., None]
    rows = (1 - fl) * a[la, cols] + fl * a[lb, cols]
    out = np.einsum("...k,...k->...", rows, kern)
    return np.where(inside, out, 0).astype(a.dtype)


def coarse_grid_eval(fn, lines: int, samples: int, step: int = 32):
    """Evaluate fn(line_idx, sample_idx) -> tuple of arrays on a coarse grid and interpolate bilinearly."""
    from scipy import ndimage

    li = np.unique(np.r_[np.arange(0, lines, step), lines - 1]).astype(float)
    si = np.unique(np.r_[np.arange(0, samples, step), samples - 1]).astype(float)
    L, S = np.meshgrid(li, si, indexing="ij")
    vals = fn(L, S)
    full_l = np.interp(np.arange(lines), li, np.arange(len(li)))
    full_s = np.interp(np.arange(samples), si, np.arange(len(si)))
    FL, FS = np.meshgrid(full_l, full_s, indexing="ij")
    out = []
    for v in vals:
        out.append(ndimage.map_coordinates(np.asarray(v, float), [FL, FS], order=1, mode="nearest"))
    return out
