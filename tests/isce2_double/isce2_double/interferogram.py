"""burstifg and mergebursts: burst interferograms/coherence, then merged/ mosaics and multilooked products.

Why: merged/topophase.flat, topophase.cor and los.rdr (at the configured looks) are what filter, unwrap and
geocode read; merged/*.full are VRT mosaics over the burst files (dense offsets and the ``.full`` suffix rule:
only when looks are not 1 x 1).
"""

from __future__ import annotations

import os

import numpy as np

from . import isceio, proc, swathxml
from .context import LOS_DESCRIPTION, Context, ml_coords, nn, read_slc, valid_mask
from .coreg import coreg_product
from .ion import apply_ion, write_merged_ion
from .mosaic import common_burst_products, fine_products, full_header, merge_box, mosaic, mosaic_vrt


def _burst_ifg(d: str, i: int, m: np.ndarray, s: np.ndarray, vm: np.ndarray, alks: int, rlks: int) -> None:
    """fine_interferogram/IW<n>/burst_NN.{int,cor} and the multilooked burst_NN.<a>alks_<r>rlks.int."""
    ifg = (m * np.conj(s)).astype(np.complex64)
    ifg[~vm] = 0
    isceio.write_image(os.path.join(d, f"burst_{nn(i)}.int"), ifg, "CFLOAT", "BIP", "cpx", "intimage")
    amp = np.sqrt(np.abs(m) * np.abs(s)).astype(np.float32)
    cor = np.where(vm, proc.box_coherence(m, s), 0).astype(np.float32)
    isceio.write_image(os.path.join(d, f"burst_{nn(i)}.cor"), [amp, cor], "FLOAT", "BIL", "cor")
    isceio.write_image(
        os.path.join(d, f"burst_{nn(i)}.{alks}alks_{rlks}rlks.int"),
        proc.multilook(ifg, alks, rlks).astype(np.complex64),
        "CFLOAT",
        "BIP",
        "cpx",
        "intimage",
        coords=ml_coords(alks, rlks),
    )


def step_burstifg(ctx: Context) -> None:
    alks, rlks = ctx.looks()
    for swath in ctx.valid_swaths():
        ref = ctx.product("reference", swath)
        r0i, _, cnt = ctx.common(swath)
        coreg = swathxml.read(os.path.join("fine_coreg", f"IW{swath}.xml"))
        d = os.path.join("fine_interferogram", f"IW{swath}")
        prod = coreg_product(ref, r0i, cnt, d, "int", "int")
        if ctx.app["do_interferogram"]:
            for k, i in enumerate(range(r0i, r0i + cnt)):
                m = read_slc(ref["bursts"][i]["image"]["file_name"])
                s = read_slc(coreg["bursts"][k]["image"]["file_name"])
                _burst_ifg(d, i, m, s, valid_mask(prod["bursts"][k]), alks, rlks)
        swathxml.write(os.path.join("fine_interferogram", f"IW{swath}.xml"), prod, reloaded=True)


def _geom_file(name: str):
    """geom_reference/IW<n>/<name>_NN.rdr of a burst."""
    return lambda p, b: os.path.join(
        "geom_reference", f"IW{p['swath']}", f"{name}_{b['burst_number']:02d}.rdr"
    )


def _coreg_file(p: dict, b: dict) -> str:
    return os.path.join("fine_coreg", f"IW{p['swath']}", f"burst_{b['burst_number']:02d}.slc")


def _geometry_mosaics(ifgp: list[dict], box, suffix: str) -> list[np.ndarray]:
    """merged/{lat,lon,z,los}.rdr<suffix> VRT mosaics; returns the painted LOS bands (incidence, azimuth)."""
    for name, src in (("lat", "lat"), ("lon", "lon"), ("z", "hgt")):
        mosaic_vrt(f"merged/{name}.rdr{suffix}", ifgp, _geom_file(src), box, "Float64")
        full_header(f"merged/{name}.rdr{suffix}", box, "DOUBLE", 1, "bip")
    mosaic_vrt(f"merged/los.rdr{suffix}", ifgp, _geom_file("los"), box, "Float32", bands=2)
    full_header(f"merged/los.rdr{suffix}", box, "FLOAT", 2, "bil", LOS_DESCRIPTION)
    return [
        mosaic(ifgp, lambda p, b, k=k: isceio.read_image(_geom_file("los")(p, b))[k], box, np.float32)
        for k in (0, 1)
    ]


def _slc_mosaics(ifgp: list[dict], ref_image, box, suffix: str) -> None:
    """merged/{reference,secondary}.slc<suffix> VRT mosaics (what denseoffsets materialises)."""
    mosaic_vrt(f"merged/reference.slc{suffix}", ifgp, ref_image, box, "CFloat32")
    full_header(f"merged/reference.slc{suffix}", box, "CFLOAT", 1, "slc")
    mosaic_vrt(f"merged/secondary.slc{suffix}", ifgp, _coreg_file, box, "CFloat32")
    full_header(f"merged/secondary.slc{suffix}", box, "CFLOAT", 1, "slc")


def _multilooked(ifgp: list[dict], ref_image, box, los: list[np.ndarray], alks: int, rlks: int) -> None:
    """merged/topophase.flat, topophase.cor and los.rdr at the configured looks."""
    ifg = mosaic(ifgp, lambda p, b: isceio.read_image(b["image"]["file_name"])[0], box, np.complex64)
    m = mosaic(ifgp, lambda p, b: read_slc(ref_image(p, b)), box, np.complex64)
    s = mosaic(ifgp, lambda p, b: read_slc(_coreg_file(p, b)), box, np.complex64)
    m = np.where(ifg != 0, m, 0)
    s = np.where(ifg != 0, s, 0)
    mlifg = proc.multilook(ifg, alks, rlks).astype(np.complex64)
    amp, cor = proc.coherence(m, s, alks, rlks)
    coords = ml_coords(alks, rlks)
    isceio.write_image("merged/topophase.flat", mlifg, "CFLOAT", "BIP", "cpx", "intimage", coords=coords)
    isceio.write_image("merged/topophase.cor", [amp, cor], "FLOAT", "BIL", "cor", coords=coords)
    mllos = [proc.multilook(x, alks, rlks).astype(np.float32) for x in los]
    valid = proc.multilook((los[0] != 0).astype(float), alks, rlks) > 0.999
    mllos = [np.where(valid, x, 0) for x in mllos]
    isceio.write_image(
        "merged/los.rdr",
        mllos,
        "FLOAT",
        "BIL",
        "bil",
        coords=coords,
        description=LOS_DESCRIPTION,
        extra={"isce_version": isceio.ISCE_VERSION},
    )


def step_mergebursts(ctx: Context) -> None:
    app = ctx.app
    alks, rlks = ctx.looks()
    ifgp = fine_products(ctx, "fine_interferogram")
    if not ifgp:
        raise Exception("No swaths with common bursts to merge")
    refs, coregs = common_burst_products(ctx)
    box = merge_box(ifgp)
    suffix = ".full" if (alks, rlks) != (1, 1) else ""
    os.makedirs("merged", exist_ok=True)
    ref_images = {}
    for rp, cp in zip(refs, coregs, strict=True):
        for rb, cb in zip(rp["bursts"], cp["bursts"], strict=True):
            ref_images[(cp["swath"], cb["burst_number"])] = rb["image"]["file_name"]

    def ref_image(p, b):
        return ref_images[(p["swath"], b["burst_number"])]

    los = _geometry_mosaics(ifgp, box, suffix)
    _slc_mosaics(ifgp, ref_image, box, suffix)
    if app["do_interferogram"]:
        mosaic_vrt(
            f"merged/topophase.flat{suffix}", ifgp, lambda p, b: b["image"]["file_name"], box, "CFloat32"
        )
        full_header(f"merged/topophase.flat{suffix}", box, "CFLOAT", 1, "cpx")
        mosaic_vrt(
            f"merged/topophase.cor{suffix}",
            ifgp,
            lambda p, b: b["image"]["file_name"][: -len(".int")] + ".cor",
            box,
            "Float32",
            bands=2,
        )
        full_header(f"merged/topophase.cor{suffix}", box, "FLOAT", 2, "cor")
        if suffix:
            _multilooked(ifgp, ref_image, box, los, alks, rlks)
    if app["do_ion"] and os.path.exists("ion/ion_cal/filt.ion"):
        write_merged_ion(ctx, box)
        if app["apply_ion"] and app["do_interferogram"]:
            apply_ion(ctx)
