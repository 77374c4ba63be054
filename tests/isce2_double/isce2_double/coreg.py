"""fineoffsets and fineresamp: geometric coregistration of the secondary bursts onto the reference bursts.

Why: the offsets come from the reference geometry (geom_reference) through the secondary orbit, plus the ESD
timing/range corrections from the PICKLE (0 without ESD); fine_coreg/IW<n>.xml keeps the reference bursts'
metadata with valid windows shrunk by 5 lines/samples, as ISCE writes them.
"""

from __future__ import annotations

import copy
import os

import numpy as np

from . import geometry, isceio, proc, swathxml
from .context import Context, nn, orbit_of, read_slc, shrink_valid, valid_mask


def _burst_offsets(so: geometry.Orbit, sb: dict, g: dict, shape, tcorr: float, rcorr: float):
    """(azimuth, range) offsets in pixels of secondary burst ``sb`` at every reference-burst pixel."""
    ts0 = so.sec(sb["sensing_start"])

    def fn(L, S):
        li, si = L.astype(int), S.astype(int)
        t, r = geometry.geo2rdr(so, g["lat"][li, si], g["lon"][li, si], g["hgt"][li, si], ts0)
        az = (t - ts0 + tcorr) / sb["dt"] - L
        rg = (r - sb["starting_range"] + rcorr) / sb["range_pixel_size"] - S
        return az, rg

    return proc.coarse_grid_eval(fn, *shape)


def step_fineoffsets(ctx: Context) -> None:
    tcorr = float(ctx.state.get("secondaryTimingCorrection") or 0.0)
    rcorr = float(ctx.state.get("secondaryRangeCorrection") or 0.0)
    for swath in ctx.valid_swaths():
        ref, sec = ctx.product("reference", swath), ctx.product("secondary", swath)
        so = orbit_of(sec)
        r0i, s0i, cnt = ctx.common(swath)
        d = os.path.join("fine_offsets", f"IW{swath}")
        for i in range(r0i, r0i + cnt):
            rb, sb = ref["bursts"][i], sec["bursts"][i - r0i + s0i]
            g = {
                k: isceio.read_image(os.path.join("geom_reference", f"IW{swath}", f"{k}_{nn(i)}.rdr"))[0]
                for k in ("lat", "lon", "hgt")
            }
            az, rg = _burst_offsets(so, sb, g, (rb["lines"], rb["samples"]), tcorr, rcorr)
            isceio.write_image(os.path.join(d, f"azimuth_{nn(i)}.off"), az, "FLOAT", "BIP", "bip")
            isceio.write_image(os.path.join(d, f"range_{nn(i)}.off"), rg, "FLOAT", "BIP", "bip")


def flattening(rb: dict, sb: dict, rg: np.ndarray) -> np.ndarray:
    """ISCE's resamp_slc ``flatten``: exp(+j 4 pi / lambda (r_sec - r_ref)) at every reference pixel, r_sec the
    secondary range of the pixel's target (its starting range + (sample + range offset) x spacing), so that
    reference x conj(resampled secondary) keeps no geometric (flat-earth and topographic) phase."""
    samples = np.arange(rg.shape[1])[None, :]
    r_ref = rb["starting_range"] + samples * rb["range_pixel_size"]
    r_sec = sb["starting_range"] + (samples + rg) * sb["range_pixel_size"]
    return np.exp(4j * np.pi / sb["wavelength"] * (r_sec - r_ref)).astype(np.complex64)


def coreg_product(ref: dict, r0i: int, cnt: int, directory: str, kind: str, suffix: str) -> dict:
    """The reference product restricted to the common bursts, images ``<directory>/burst_NN.<suffix>``."""
    prod = copy.deepcopy(ref)
    bursts = []
    for i in range(r0i, r0i + cnt):
        b = shrink_valid(ref["bursts"][i])
        b["image"] = {
            "file_name": os.path.join(directory, f"burst_{nn(i)}.{suffix}"),
            "kind": kind,
            "data_type": "CFLOAT",
            "access_mode": "read" if kind == "slc" else "READ",
        }
        bursts.append(b)
    prod["bursts"] = bursts
    return prod


def step_fineresamp(ctx: Context) -> None:
    for swath in ctx.valid_swaths():
        ref, sec = ctx.product("reference", swath), ctx.product("secondary", swath)
        r0i, s0i, cnt = ctx.common(swath)
        d = os.path.join("fine_coreg", f"IW{swath}")
        prod = coreg_product(ref, r0i, cnt, d, "slc", "slc")
        for k, i in enumerate(range(r0i, r0i + cnt)):
            sb = sec["bursts"][i - r0i + s0i]
            az = isceio.read_image(os.path.join("fine_offsets", f"IW{swath}", f"azimuth_{nn(i)}.off"))[0]
            rg = isceio.read_image(os.path.join("fine_offsets", f"IW{swath}", f"range_{nn(i)}.off"))[0]
            sslc = read_slc(sb["image"]["file_name"])
            L = np.arange(az.shape[0])[:, None] + az
            S = np.arange(az.shape[1])[None, :] + rg
            out = proc.resample_sinc_range(sslc, L, S) * flattening(ref["bursts"][i], sb, rg)
            out[~valid_mask(prod["bursts"][k])] = 0
            isceio.write_image(os.path.join(d, f"burst_{nn(i)}.slc"), out, "CFLOAT", "BIP", "slc", "slcimage")
        refxml = os.path.join(ctx.state["referenceSlcProduct"], f"IW{swath}.xml")
        swathxml.write(
            os.path.join("fine_coreg", f"IW{swath}.xml"),
            prod,
            reloaded=True,
            metadata_location=os.path.abspath(refxml),
        )
