"""Phase bridging between snaphu's connected components and masking of component 0, on a sub-band's
first-stage unwrapped phase; then the coherence-weighted multilook to the total ionosphere looks.

Why: snaphu unwraps each connected component with its own arbitrary multiple of 2*pi. The two sub-bands are
combined pixel by pixel, so a component offset by k*2*pi in one band and not in the other becomes a jump of the
ionosphere. The reference tool shifts every component; here a component is moved by the whole number of cycles
that brings it onto a plane fitted to the largest component, so the shift is an exact 2*pi multiple and the phase
inside a component is never changed otherwise (docs/ionosphere.md, "Bridging").
"""

from __future__ import annotations

import numpy as np

from gunw_workflow.ionosphere.surface import fit_surface, multilook_mean

TWO_PI = 2.0 * np.pi


def bridge_components(
    unw: np.ndarray, conncomp: np.ndarray, order: int = 1
) -> tuple[np.ndarray, dict[int, int]]:
    """Shift each component (label >= 1) by whole cycles onto the ramp of the largest one.

    Returns the bridged phase and {label: cycles added}. The largest component is the reference (0 cycles);
    label 0 is left as it is (masked separately)."""
    out = unw.astype(np.float64).copy()
    labels = [int(v) for v in np.unique(conncomp) if v > 0]
    if len(labels) < 2:
        return out, {k: 0 for k in labels}
    sizes = {k: int(np.count_nonzero(conncomp == k)) for k in labels}
    ref = max(labels, key=lambda k: (sizes[k], -k))
    ref_mask = conncomp == ref
    plane = fit_surface(out, np.ones(out.shape), ref_mask, order=order)
    cycles = {ref: 0}
    for k in labels:
        if k == ref:
            continue
        m = conncomp == k
        k_cycles = int(np.round(np.median(out[m] - plane[m]) / TWO_PI))
        out[m] -= k_cycles * TWO_PI
        cycles[k] = -k_cycles
    return out, cycles


def mask_component_zero(unw: np.ndarray, conncomp: np.ndarray) -> np.ndarray:
    """Zero (ISCE's no-data) where snaphu assigned no component."""
    return np.where(conncomp > 0, unw, 0.0)


def multilook_unwrapped(
    unw: np.ndarray, amp: np.ndarray, cor: np.ndarray, alks: int, rlks: int
) -> tuple[np.ndarray, np.ndarray]:
    """First-stage -> total looks, as ISCE's multilook_unw (weights = coherence^2) but with masked statistics:
    zeroed (masked) pixels carry no weight, so a block half over water is not pulled towards 0."""
    valid = (unw != 0) & (cor > 0)
    w = np.where(valid, cor.astype(np.float64) ** 2, 0.0)
    sw = multilook_mean(w, alks, rlks)
    swu = multilook_mean(w * unw, alks, rlks)
    n = multilook_mean(valid.astype(float), alks, rlks)
    sa = multilook_mean(np.where(valid, amp.astype(np.float64) ** 2, 0.0), alks, rlks)
    phase = np.where(sw > 0, swu / np.where(sw > 0, sw, 1.0), 0.0)
    amp_out = np.where(n > 0, np.sqrt(sa / np.where(n > 0, n, 1.0)), 0.0)
    return phase, amp_out
