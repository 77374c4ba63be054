"""ESD, first half: the burst-overlap chain subsetoverlaps -> coarseoffsets -> coarseresamp -> overlapifg.

Why: with ``do ESD`` ISCE cuts the overlap of every pair of consecutive bursts (top and bottom view), resamples
the secondary there with geometric offsets and forms the overlap interferograms that prepesd/esd read. Every
step here writes nothing but its PICKLE when ESD is off or a swath has fewer than 2 common bursts.
"""

from __future__ import annotations

import copy
import datetime as dt
import os

import numpy as np

from . import geometry, isceio, proc, swathxml
from .context import Context, ml_coords, nn, orbit_of, read_slc, read_vrt

SIDES = (("top", "top"), ("bot", "bottom"))
"""(file-name tag, swath-product tag) of the two views of an overlap."""


def overlap_pairs(ctx: Context, swath: int):
    """(index of top burst, index of bottom burst, first overlap line in top burst, number of lines, shift in
    lines of the bottom burst relative to the top one) for every overlap of the common bursts."""
    ref = ctx.product("reference", swath)
    r0i, _, cnt = ctx.common(swath)
    out = []
    for i in range(r0i, r0i + cnt - 1):
        top, bot = ref["bursts"][i], ref["bursts"][i + 1]
        shift = int(round((bot["sensing_start"] - top["sensing_start"]).total_seconds() / top["dt"]))
        start = max(bot["first_valid_line"] + shift, top["first_valid_line"])
        end = min(
            top["first_valid_line"] + top["num_valid_lines"],
            bot["first_valid_line"] + bot["num_valid_lines"] + shift,
        )
        out.append((i, i + 1, start, end - start, shift))
    return ref, out


def esd_swaths(ctx: Context) -> list[int]:
    """Swaths with an overlap: ESD needs >= 2 common bursts."""
    return [s for s in ctx.valid_swaths() if ctx.common(s)[2] >= 2]


def pairname(i: int, j: int) -> str:
    return f"{nn(i)}_{nn(j)}"


def overlap_product(ref: dict, pairs, which: str, image_fn) -> dict:
    """The swath product of one view (``top``/``bot``) of every overlap, images named by ``image_fn(i, j)``."""
    prod = copy.deepcopy(ref)
    bursts = []
    for i, j, start, n, shift in pairs:
        b = copy.deepcopy(ref["bursts"][i if which == "top" else j])
        first = start if which == "top" else start - shift
        b["sensing_start"] = b["sensing_start"] + dt.timedelta(seconds=first * b["dt"])
        b["sensing_stop"] = b["sensing_start"] + dt.timedelta(seconds=(n - 1) * b["dt"])
        b["lines"] = n
        b["first_valid_line"] = 0
        b["num_valid_lines"] = n
        b["image"] = image_fn(i, j)
        bursts.append(b)
    prod["bursts"] = bursts
    return prod


def _write_overlap_products(
    ref: dict,
    pairs,
    directory: str,
    xml_dir: str,
    swath: int,
    ext: str,
    kind: str,
    data_type: str,
    reloaded: bool,
) -> None:
    """``<xml_dir>/{top,bottom}_IW<n>.xml`` for images ``<directory>/burst_{top,bot}_NN_MM<ext>``."""
    for which, tag in SIDES:
        prod = overlap_product(
            ref,
            pairs,
            which,
            lambda i, j, w=which: {
                "file_name": os.path.join(directory, f"burst_{w}_{pairname(i, j)}{ext}"),
                "kind": kind,
                "data_type": data_type,
            },
        )
        swathxml.write(os.path.join(xml_dir, f"{tag}_IW{swath}.xml"), prod, reloaded=reloaded)


def window_vrt(src: str, dst: str, width: int, nlines: int, first: int, dtype: str, bands: int = 1) -> None:
    """``dst.vrt``: lines ``first .. first + nlines`` of ``src.vrt``."""
    rel = os.path.relpath(src + ".vrt", os.path.dirname(dst))
    body = []
    for band in range(1, bands + 1):
        body.append(
            f'    <VRTRasterBand dataType="{dtype}" band="{band}">\n'
            "        <NoDataValue>0.0</NoDataValue>\n"
            "        <SimpleSource>\n"
            f'            <SourceFilename relativeToVRT="1">{rel}</SourceFilename>\n'
            f"            <SourceBand>{band}</SourceBand>\n"
            f'            <SrcRect xOff="0" yOff="{first}" xSize="{width}" ySize="{nlines}"/>\n'
            f'            <DstRect xOff="0" yOff="0" xSize="{width}" ySize="{nlines}"/>\n'
            "        </SimpleSource>\n"
            "    </VRTRasterBand>\n"
        )
    isceio.write_vrt_only(
        dst + ".vrt",
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{nlines}">\n' + "".join(body) + "</VRTDataset>",
    )


def _subset_overlap(
    ref: dict, swath: int, gdir: str, rdir: str, i: int, j: int, start: int, n: int, shift: int
) -> None:
    """VRT windows (with ISCE headers) of the geometry and of both burst views of one overlap."""
    w = ref["bursts"][i]["samples"]
    for name in ("hgt", "lat", "lon"):
        dst = os.path.join(gdir, f"{name}_{pairname(i, j)}.rdr")
        src = os.path.join("geom_reference", f"IW{swath}", f"{name}_{nn(i)}.rdr")
        window_vrt(src, dst, w, n, start, "Float64")
        with open(dst + ".xml", "w") as fh:
            fh.write(isceio.header_xml(dst, w, n, 1, "DOUBLE", "BIP", "bip"))
    for which, src_i, first in (("top", i, start), ("bot", j, start - shift)):
        src = ref["bursts"][src_i]["image"]["file_name"]
        dst = os.path.join(rdir, f"burst_{which}_{pairname(i, j)}.slc")
        window_vrt(src, dst, w, n, first, "CFloat32")
        with open(dst + ".xml", "w") as fh:
            fh.write(isceio.header_xml(dst, w, n, 1, "CFLOAT", "BIP", "slc", "slcimage"))


def step_subsetoverlaps(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    for swath in esd_swaths(ctx):
        ref, pairs = overlap_pairs(ctx, swath)
        gdir = os.path.join("geom_reference", "overlaps", f"IW{swath}")
        rdir = os.path.join(ctx.state["referenceSlcProduct"], "overlaps", f"IW{swath}")
        for pair in pairs:
            _subset_overlap(ref, swath, gdir, rdir, *pair)
        odir = os.path.join(ctx.state["referenceSlcProduct"], "overlaps")
        _write_overlap_products(
            ref, pairs, os.path.join(odir, f"IW{swath}"), odir, swath, ".slc", "slc", "cfloat", False
        )


def overlap_offsets(ctx: Context, swath: int):
    """Geometric offsets of the secondary in each overlap (both sides) from the overlap lat/lon/hgt."""
    ref, pairs = overlap_pairs(ctx, swath)
    sec = ctx.product("secondary", swath)
    so = orbit_of(sec)
    r0i, s0i, _ = ctx.common(swath)
    out = {}
    for i, j, start, n, shift in pairs:
        g = {
            k: isceio.read_image(os.path.join("geom_reference", f"IW{swath}", f"{k}_{nn(i)}.rdr"))[0][
                start : start + n
            ]
            for k in ("lat", "lon", "hgt")
        }
        for which, bi, first in (("top", i, start), ("bot", j, start - shift)):
            rb = ref["bursts"][bi]
            sb = sec["bursts"][bi - r0i + s0i]
            t, r = geometry.geo2rdr(so, g["lat"], g["lon"], g["hgt"], so.sec(sb["sensing_start"]))
            L = np.arange(n)[:, None] + first
            S = np.arange(rb["samples"])[None, :]
            az = (t - so.sec(sb["sensing_start"])) / sb["dt"] - L
            rg = (r - sb["starting_range"]) / sb["range_pixel_size"] - S
            out[(i, j, which)] = (az.astype(np.float32), rg.astype(np.float32), bi, first, n, sb)
    return ref, pairs, out


def step_coarseoffsets(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    for swath in esd_swaths(ctx):
        _, _, offs = overlap_offsets(ctx, swath)
        d = os.path.join("coarse_offsets", "overlaps", f"IW{swath}")
        for (i, j, which), (az, rg, *_rest) in offs.items():
            isceio.write_image(
                os.path.join(d, f"azimuth_{which}_{pairname(i, j)}.off"), az, "FLOAT", "BIP", "bip"
            )
            isceio.write_image(
                os.path.join(d, f"range_{which}_{pairname(i, j)}.off"), rg, "FLOAT", "BIP", "bip"
            )


def step_coarseresamp(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    for swath in esd_swaths(ctx):
        ref, pairs, offs = overlap_offsets(ctx, swath)
        d = os.path.join("coarse_coreg", "overlaps", f"IW{swath}")
        for (i, j, which), (az, rg, _bi, first, n, sb) in offs.items():
            sslc = read_slc(sb["image"]["file_name"])
            L = np.arange(n)[:, None] + first + az
            S = np.arange(az.shape[1])[None, :] + rg
            out = proc.resample(sslc, L, S)
            isceio.write_image(
                os.path.join(d, f"burst_{which}_{pairname(i, j)}.slc"),
                out,
                "CFLOAT",
                "BIP",
                "slc",
                "slcimage",
            )
        xml_dir = os.path.join("coarse_coreg", "overlaps")
        _write_overlap_products(ref, pairs, d, xml_dir, swath, ".slc", "slc", "cfloat", True)


def step_overlapifg(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    alks, rlks = ctx.looks()
    for swath in esd_swaths(ctx):
        ref, pairs = overlap_pairs(ctx, swath)
        d = os.path.join("coarse_interferogram", "overlaps", f"IW{swath}")
        rd = os.path.join(ctx.state["referenceSlcProduct"], "overlaps", f"IW{swath}")
        for i, j, *_ in pairs:
            for which in ("top", "bot"):
                name = f"burst_{which}_{pairname(i, j)}"
                m = read_vrt(os.path.join(rd, name + ".slc"))
                s = read_slc(os.path.join("coarse_coreg", "overlaps", f"IW{swath}", name + ".slc"))
                ifg = (m * np.conj(s)).astype(np.complex64)
                isceio.write_image(os.path.join(d, name + ".int"), ifg, "CFLOAT", "BIP", "cpx", "intimage")
                isceio.write_image(
                    os.path.join(d, f"{name}.{alks}alks_{rlks}rlks.int"),
                    proc.multilook(ifg, alks, rlks),
                    "CFLOAT",
                    "BIP",
                    "cpx",
                    "intimage",
                    coords=ml_coords(alks, rlks),
                )
        xml_dir = os.path.join("coarse_interferogram", "overlaps")
        _write_overlap_products(ref, pairs, d, xml_dir, swath, ".int", "int", "CFLOAT", True)
