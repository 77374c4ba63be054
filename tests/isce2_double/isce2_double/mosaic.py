"""Merging bursts and swaths: ISCE's mosaic box, painted mosaics and the VRT mosaics of merged/*.full.

Why: mergebursts, ion and geocode all place bursts on one merged radar grid (mergeBox rules); the full-resolution
``merged/*.full.vrt`` files are VRTs over the burst VRTs, as ISCE's VRTConstructor writes them.
"""

from __future__ import annotations

import copy
import os

import numpy as np

from . import isceio, swathxml
from .context import Context, shrink_valid


def merge_box(products: list[dict]):
    """ISCE mergeBox: (length, width, sensing start, near range, dt, dr) of the mosaic."""
    top = min(products, key=lambda p: p["bursts"][0]["sensing_start"])
    bot = max(products, key=lambda p: p["bursts"][-1]["sensing_stop"])
    left = min(products, key=lambda p: p["bursts"][0]["starting_range"])

    def far(p):
        b = p["bursts"][0]
        return b["starting_range"] + (b["samples"] - 1) * b["range_pixel_size"]

    right = max(products, key=far)
    b0 = top["bursts"][0]
    dr = left["bursts"][0]["range_pixel_size"]
    width = int(round((far(right) - left["bursts"][0]["starting_range"]) / dr + 1))
    length = int(
        round((bot["bursts"][-1]["sensing_stop"] - b0["sensing_start"]).total_seconds() / b0["dt"] + 1)
    )
    return length, width, b0["sensing_start"], left["bursts"][0]["starting_range"], b0["dt"], dr


def burst_offsets(b: dict, box) -> tuple[int, int]:
    """(line, sample) of the burst's first pixel in the mosaic."""
    _, _, t0, r0, dtl, dr = box
    return (
        int(round((b["sensing_start"] - t0).total_seconds() / dtl)),
        int(round((b["starting_range"] - r0) / dr)),
    )


def mosaic(products: list[dict], files_fn, box, dtype, band: int = 0) -> np.ndarray:
    """Paint the valid window of each burst raster into the mosaic (later bursts win, like the VRT)."""
    out = np.zeros(box[:2], dtype)
    for p in products:
        for b in p["bursts"]:
            yoff, xoff = burst_offsets(b, box)
            data = files_fn(p, b)
            if isinstance(data, list):
                data = data[band]
            fl, fs = b["first_valid_line"], b["first_valid_sample"]
            nl, ns = b["num_valid_lines"], b["num_valid_samples"]
            out[yoff + fl : yoff + fl + nl, xoff + fs : xoff + fs + ns] = data[fl : fl + nl, fs : fs + ns]
    return out


def _simple_source(src: str, band: int, b: dict, box, gdal_type: str) -> str:
    yoff, xoff = burst_offsets(b, box)
    fl, fs = b["first_valid_line"], b["first_valid_sample"]
    nl, ns = b["num_valid_lines"], b["num_valid_samples"]
    return (
        "        <SimpleSource>\n"
        f'            <SourceFilename relativeToVRT="1">{src}</SourceFilename>\n'
        f"            <SourceBand>{band}</SourceBand>\n"
        f'            <SourceProperties RasterXSize="{b["samples"]}" RasterYSize="{b["lines"]}" '
        f'DataType="{gdal_type}"/>\n'
        f'            <SrcRect xOff="{fs}" yOff="{fl}" xSize="{ns}" ySize="{nl}"/>\n'
        f'            <DstRect xOff="{xoff + fs}" yOff="{yoff + fl}" xSize="{ns}" ySize="{nl}"/>\n'
        "        </SimpleSource>\n"
    )


def mosaic_vrt(path: str, products: list[dict], files_fn, box, gdal_type: str, bands: int = 1) -> None:
    """ISCE VRTConstructor text: SimpleSources over the burst VRTs, NoDataValue 0."""
    vrt = f'<VRTDataset rasterXSize="{box[1]}" rasterYSize="{box[0]}">'
    for band in range(1, bands + 1):
        vrt += f'  <VRTRasterBand dataType="{gdal_type}" band="{band}">\n        <NoDataValue>0.0</NoDataValue>\n'
        for p in products:
            for b in p["bursts"]:
                src = os.path.relpath(files_fn(p, b) + ".vrt", os.path.dirname(path))
                vrt += _simple_source(src, band, b, box, gdal_type)
        vrt += "    </VRTRasterBand>"
    vrt += "</VRTDataset>"
    isceio.write_vrt_only(path + ".vrt", vrt)


def full_header(path: str, box, data_type: str, bands: int, image_type: str, description=None) -> None:
    """The ISCE .xml of a VRT mosaic (multi-band mosaics are BIL)."""
    scheme = "BIL" if bands > 1 else "BIP"
    with open(path + ".xml", "w") as fh:
        fh.write(
            isceio.header_xml(
                path, box[1], box[0], bands, data_type, scheme, image_type, description=description
            )
        )


def fine_products(ctx: Context, directory: str) -> list[dict]:
    """``<directory>/IW<n>.xml`` of every processed swath (fine_coreg, fine_interferogram)."""
    return [swathxml.read(os.path.join(directory, f"IW{s}.xml")) for s in ctx.valid_swaths()]


def common_burst_products(ctx: Context):
    """(reference products restricted to common bursts with their raw SLC images, fine_coreg products)."""
    refs, coregs = [], []
    for swath in ctx.valid_swaths():
        ref = ctx.product("reference", swath)
        r0i, _, cnt = ctx.common(swath)
        coreg = swathxml.read(os.path.join("fine_coreg", f"IW{swath}.xml"))
        sub = copy.deepcopy(ref)
        sub["bursts"] = [shrink_valid(b) for b in ref["bursts"][r0i : r0i + cnt]]
        refs.append(sub)
        coregs.append(coreg)
    return refs, coregs
