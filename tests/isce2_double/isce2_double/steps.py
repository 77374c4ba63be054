"""The 24 topsApp steps of the double: same files, names, formats and sizes as ISCE2 2.6.5 writes.

Why: the workflow's rules declare these files as outputs; the file set per step follows
../shared/isce2-recorded/*/manifest.tsv, sizes follow the actual inputs (bursts, looks, DEM, bbox).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os

import numpy as np
from scipy import ndimage

from . import geometry, isceio, proc, safe, swathxml

STEP_NAMES = [
    "startup",
    "preprocess",
    "computeBaselines",
    "verifyDEM",
    "topo",
    "subsetoverlaps",
    "coarseoffsets",
    "coarseresamp",
    "overlapifg",
    "prepesd",
    "esd",
    "rangecoreg",
    "fineoffsets",
    "fineresamp",
    "ion",
    "burstifg",
    "mergebursts",
    "filter",
    "unwrap",
    "unwrap2stage",
    "geocode",
    "denseoffsets",
    "filteroffsets",
    "geocodeoffsets",
]

LOS_DESCRIPTION = (
    "['Two channel Line-Of-Sight geometry image (all angles in degrees). Represents vector drawn from target to "
    "platform. \\n                Channel 1: Incidence angle measured from vertical at target (always +ve).\\n"
    "                Channel 2: Azimuth angle measured from North in Anti-clockwise direction.']"
)


class Context:
    """Configuration + mutable run state shared by the step functions."""

    def __init__(self, cfg: dict, state: dict):
        self.cfg = cfg
        self.app = cfg["app"]
        self.state = state

    # ---- swaths and products
    def swath_list(self) -> list[int]:
        sw = self.app["swaths"]
        if isinstance(sw, int):
            raise TypeError("'int' object is not iterable")
        return list(sw) if sw else list(range(1, self.state["numberOfSwaths"] + 1))

    def valid_swaths(self) -> list[int]:
        counts = self.state["numberOfCommonBursts"]
        if counts is None:
            raise IndexError(
                "list index out of range (no common-burst information: was computeBaselines run?)"
            )
        return [s for s in self.swath_list() if counts[s - 1] > 0]

    def common(self, swath: int) -> tuple[int, int, int]:
        s = self.state
        return (
            s["commonBurstStartReferenceIndex"][swath - 1],
            s["commonBurstStartSecondaryIndex"][swath - 1],
            s["numberOfCommonBursts"][swath - 1],
        )

    def product(self, kind: str, swath: int) -> dict:
        base = {
            "reference": self.state["referenceSlcProduct"],
            "secondary": self.state["secondarySlcProduct"],
        }
        return swathxml.read(os.path.join(base.get(kind, kind), f"IW{swath}.xml"))

    def looks(self) -> tuple[int, int]:
        return int(self.app["azimuth_looks"]), int(self.app["range_looks"])

    def doc(self, section: str, items: list) -> None:
        self.state["procDoc"][section] = items


def nn(i: int) -> str:
    return f"{i + 1:02d}"


def ml_coords(alks: int, rlks: int):
    """ISCE's coordinate1/2 for multilooked radar rasters: centre of the first look, look size."""
    return ((rlks - 1) / 2.0, float(rlks), (alks - 1) / 2.0, float(alks))


def read_slc(path: str) -> np.ndarray:
    """Burst SLC (ISCE binary with .xml, or VRT into the measurement TIFF)."""
    if os.path.exists(path + ".xml") and os.path.exists(path):
        return isceio.read_image(path)[0].astype(np.complex64)
    import rasterio

    with rasterio.open(path + ".vrt") as ds:
        return ds.read(1).astype(np.complex64)


def valid_mask(b: dict) -> np.ndarray:
    m = np.zeros((b["lines"], b["samples"]), bool)
    fl, fs = b["first_valid_line"], b["first_valid_sample"]
    m[fl : fl + b["num_valid_lines"], fs : fs + b["num_valid_samples"]] = True
    return m


def shrink_valid(b: dict, n: int = 5) -> dict:
    b = dict(b)
    b["first_valid_line"] += n
    b["first_valid_sample"] += n
    b["num_valid_lines"] -= 2 * n
    b["num_valid_samples"] -= 2 * n
    return b


def orbit_of(product: dict) -> geometry.Orbit:
    return geometry.Orbit(product["vectors"])


# ---------------------------------------------------------------------------------------------- steps


def step_startup(ctx: Context) -> None:
    print("The currently supported sensors are:  ['SENTINEL1']")


def step_preprocess(ctx: Context) -> None:
    app = ctx.app
    ctx.state["numberOfSwaths"] = 3
    swaths = ctx.swath_list()
    doc = {"common": [("Input_list_of_swaths_to_process:_", swaths)], "reference": [], "secondary": []}
    for swath in swaths:
        for kind in ("reference", "secondary"):
            sensor = ctx.cfg[kind]
            out = sensor.get("output")
            try:
                if out is None:
                    raise TypeError("expected str, bytes or os.PathLike object, not NoneType")
                prod = safe.extract_swath(sensor, swath, app["roi"])
            except Exception as err:  # ISCE swallows every reader error here
                print(f"Could not extract swath {swath} from {sensor.get('safe')}")
                print("Generated error: ", err)
                continue
            write_swath_product(prod, os.path.join(out, f"IW{swath}"), app["use_virtual_files"])
            sensor_doc = [
                ("imagingmode", "TOPS"),
                ("folder", "None"),
                ("spacecraftname", "Sentinel-1"),
                ("mission", prod["mission"]),
                ("processingfacility", prod["facility"]),
                ("processingsystem", "Sentinel-1 IPF"),
                ("processingsoftwareversion", prod["ipf"]),
                ("ascendingnodetime", prod["ascending_node_time"]),
                ("numberofbursts", len(prod["bursts"])),
                ("family", "topsswathslc"),
                ("name", "topsswathslc_name"),
            ]
            items = [i for i in doc[kind] if i[0] != "sensor"]
            doc[kind] = (
                [("sensor", sensor_doc)]
                + items
                + [
                    (f"burstWidth_{swath}", prod["bursts"][0]["samples"]),
                    (f"burstLength_{swath}", prod["bursts"][0]["lines"]),
                    (f"numberOfBursts_{swath}", len(prod["bursts"])),
                ]
            )
    ctx.state["referenceSlcProduct"] = ctx.cfg["reference"].get("output")
    ctx.state["secondarySlcProduct"] = ctx.cfg["secondary"].get("output")
    ctx.state["procDoc"].update(doc)


def write_swath_product(prod: dict, outdir: str, virtual: bool) -> None:
    """reference/IW{n}.xml plus one burst image per burst (VRT window into the TIFF, or a CFloat32 copy)."""
    os.makedirs(outdir, exist_ok=True)
    for b in prod["bursts"]:
        name = os.path.join(outdir, f"burst_{b['burst_number']:02d}.slc")
        b["image"] = {
            "file_name": name,
            "data_type": "cfloat",
            "kind": "slc",
            "description": "['Single look complex image.']",
        }
        vrt = burst_vrt(b, name + ".vrt")
        if virtual:
            isceio.write_vrt_only(name + ".vrt", vrt)
            with open(name + ".xml", "w") as fh:
                fh.write(
                    isceio.header_xml(
                        name,
                        b["samples"],
                        b["lines"],
                        1,
                        "CFLOAT",
                        "BIP",
                        "slc",
                        "slcimage",
                        description="['Single look complex image.']",
                    )
                )
        else:
            isceio.write_vrt_only(name + ".tmp.vrt", burst_vrt(b, name + ".tmp.vrt"))
            data = read_slc(name + ".tmp")
            os.remove(name + ".tmp.vrt")
            isceio.write_image(
                name, data, "CFLOAT", "BIP", "slc", "slcimage", description="['Single look complex image.']"
            )
    swathxml.write(outdir + ".xml", prod)


def burst_vrt(b: dict, outfile: str) -> str:
    """ISCE createBurstVRT: CFloat32 view of the valid window of burst k in the CInt16 TIFF."""
    tif = b["tiff"]
    if tif.startswith("/vsizip"):
        rel = tif
    else:
        rel = os.path.relpath(tif, os.path.dirname(outfile))
    fl, nl = b["first_valid_line"], b["num_valid_lines"]
    fs, ns = b["first_valid_sample"], b["num_valid_samples"]
    yoff = b["index_in_tiff"] * b["lines"] + fl
    return (
        f'<VRTDataset rasterXSize="{b["samples"]}" rasterYSize="{b["lines"]}">\n'
        '    <VRTRasterBand dataType="CFloat32" band="1">\n'
        "        <NoDataValue>0.0</NoDataValue>\n"
        "        <SimpleSource>\n"
        f'            <SourceFilename relativeToVRT="1">{rel}</SourceFilename>\n'
        "            <SourceBand>1</SourceBand>\n"
        f'            <SourceProperties RasterXSize="{b["samples"]}" RasterYSize="{b["tiff_lines"]}" DataType="CInt16"/>\n'
        f'            <SrcRect xOff="{fs}" yOff="{yoff}" xSize="{ns}" ySize="{nl}"/>\n'
        f'            <DstRect xOff="{fs}" yOff="{fl}" xSize="{ns}" ySize="{nl}"/>\n'
        "        </SimpleSource>\n"
        "    </VRTRasterBand>\n"
        "</VRTDataset>"
    )


def step_computeBaselines(ctx: Context) -> None:
    n = ctx.state["numberOfSwaths"]
    starts_r, starts_s, counts = [-1] * n, [-1] * n, [0] * n
    doc = []
    for swath in ctx.swath_list():
        rpath = os.path.join(ctx.state["referenceSlcProduct"] or "", f"IW{swath}.xml")
        spath = os.path.join(ctx.state["secondarySlcProduct"] or "", f"IW{swath}.xml")
        if not (os.path.exists(rpath) and os.path.exists(spath)):
            print(f"Skipping processing for swath number IW-{swath}")
            continue
        ref, sec = swathxml.read(rpath), swathxml.read(spath)
        r0, s0, cnt, bpar, bperp = match_bursts(ref, sec)
        starts_r[swath - 1], starts_s[swath - 1], counts[swath - 1] = r0, s0, cnt
        tag = f"IW-{swath}"
        doc += [
            (f"{tag}_Number_of_bursts_in_reference", len(ref["bursts"])),
            (f"{tag}_First_common_burst_in_reference", r0),
            (f"{tag}_Last_common_burst_in_reference", r0 + cnt),
            (f"{tag}_Number_of_bursts_in_secondary", len(sec["bursts"])),
            (f"{tag}_First_common_burst_in_secondary", s0),
            (f"{tag}_Last_common_burst_in_secondary", s0 + cnt),
            (f"{tag}_Number_of_common_bursts", cnt),
            (f"{tag}_Bpar_at_midrange_for_first_common_burst", bpar[0]),
            (f"{tag}_Bperp_at_midrange_for_first_common_burst", bperp[0]),
            (f"{tag}_Bpar_at_midrange_for_last_common_burst", bpar[1]),
            (f"{tag}_Bperp_at_midrange_for_last_common_burst", bperp[1]),
        ]
    ctx.state["commonBurstStartReferenceIndex"] = starts_r
    ctx.state["commonBurstStartSecondaryIndex"] = starts_s
    ctx.state["numberOfCommonBursts"] = counts
    ctx.doc("baseline", doc)


def match_bursts(ref: dict, sec: dict):
    """Common bursts by along-track distance of burst-mid positions (< 0.2 burst length), and the
    parallel/perpendicular baselines at mid-range of the first and last common bursts."""
    ro, so = orbit_of(ref), orbit_of(sec)

    def mids(prod, orb):
        out = []
        for b in prod["bursts"]:
            t = orb.sec(b["sensing_start"]) + 0.5 * (b["lines"] - 1) * b["dt"]
            out.append((t, *orb.pv(t)))
        return out

    rm, sm = mids(ref, ro), mids(sec, so)
    b0 = ref["bursts"][0]
    blen = b0["lines"] * b0["dt"] * np.linalg.norm(rm[0][2])
    pairs = []
    for i, (_, rp, rv) in enumerate(rm):
        vhat = rv / np.linalg.norm(rv)
        for j, (_, sp, _) in enumerate(sm):
            if abs(np.dot(sp - rp, vhat)) < 0.2 * blen:
                pairs.append((i, j))
                break
    if not pairs:
        return -1, -1, 0, [float("nan")] * 2, [float("nan")] * 2
    i0, j0 = pairs[0]
    cnt = 1
    while i0 + cnt < len(rm) and j0 + cnt < len(sm) and (i0 + cnt, j0 + cnt) in pairs:
        cnt += 1
    bpar, bperp = [], []
    for i, j in ((i0, j0), (i0 + cnt - 1, j0 + cnt - 1)):
        b = ref["bursts"][i]
        rng = b["starting_range"] + 0.5 * (b["samples"] - 1) * b["range_pixel_size"]
        t = rm[i][0]
        lat, lon, h = geometry.rdr2geo(ro, t, rng)
        tgt = geometry.llh_to_xyz(lat, lon, h)
        ts, rs = geometry.geo2rdr(so, lat, lon, h, so.sec(sec["bursts"][j]["sensing_start"]))
        sp = so.pv(ts)[0]
        base = sp - rm[i][1]
        los = (tgt - rm[i][1]) / rng
        par = float(np.dot(base, los))
        perp = float(np.sqrt(max(np.dot(base, base) - par**2, 0.0)))
        bpar.append(par)
        bperp.append(perp)
    return i0, j0, cnt, bpar, bperp


def read_dem(path: str):
    """DEM array + header; ISCE opens the binary named by ``file_name`` (resolved from the cwd)."""
    info = isceio.read_header(path + ".xml")
    binary = info.file_name or path
    if not os.path.exists(binary):
        raise FileNotFoundError(
            f"DEM binary {binary} (file_name in {path}.xml, resolved from the cwd) not found"
        )
    return isceio.read_image(binary, info)[0], info


def dem_sampler(dem: np.ndarray, info: isceio.ImageInfo):
    def height(lat, lon):
        li = (np.asarray(lat) - info.y0) / info.dy
        si = (np.asarray(lon) - info.x0) / info.dx
        return ndimage.map_coordinates(dem.astype(float), [li, si], order=1, mode="nearest")

    return height


def step_verifyDEM(ctx: Context) -> None:
    dem = ctx.app["dem_filename"]
    if not dem:
        raise RuntimeError("demFilename is empty: the double cannot download SRTM (no network)")
    info = isceio.read_header(dem + ".xml")
    if not os.path.exists(dem + ".vrt"):
        with open(dem + ".vrt", "w") as fh:
            fh.write(
                isceio.vrt_text(
                    dem,
                    info.width,
                    info.length,
                    info.bands,
                    info.data_type,
                    info.scheme,
                    (info.x0, info.dx, info.y0, info.dy),
                )
            )
    if (info.reference or "").upper() != "WGS84":
        # EGM96 -> WGS84 conversion into the cwd (geoid undulation not modelled: values copied)
        data, _ = read_dem(dem)
        out = os.path.basename(dem) + ".wgs84"
        isceio.write_image(
            out,
            data,
            info.data_type,
            "BIP",
            "dem",
            "demimage",
            coords=(info.x0, info.dx, info.y0, info.dy),
            reference="WGS84",
        )
        dem = out
    ctx.state["demUsed"] = dem


def step_topo(ctx: Context) -> None:
    dem_path = ctx.state.get("demUsed") or ctx.app["dem_filename"]
    dem, dinfo = read_dem(dem_path)
    height = dem_sampler(dem, dinfo)
    doc = [("Dem_Used", dem_path)]
    boxes = []
    for swath in ctx.valid_swaths():
        ref = ctx.product("reference", swath)
        orb = orbit_of(ref)
        r0i, _, cnt = ctx.common(swath)
        doc.append((f"Number_of_common_bursts_IW-{swath}", cnt))
        outdir = os.path.join("geom_reference", f"IW{swath}")
        for k, i in enumerate(range(r0i, r0i + cnt)):
            b = ref["bursts"][i]
            t0 = orb.sec(b["sensing_start"])

            def fn(L, S, b=b, t0=t0, orb=orb):
                t = t0 + L * b["dt"]
                r = b["starting_range"] + S * b["range_pixel_size"]
                lat, lon, h = geometry.rdr2geo(orb, t, r, 0.0)
                h = height(lat, lon)
                if np.any(h != 0):
                    lat, lon, _ = geometry.rdr2geo(orb, t, r, h)
                inc, az = geometry.los_angles(orb, t, lat, lon, h)
                return lat, lon, h, inc, az

            lat, lon, hgt, inc, az = proc.coarse_grid_eval(fn, b["lines"], b["samples"])
            for name, arr in (("hgt", hgt), ("lat", lat), ("lon", lon)):
                isceio.write_image(os.path.join(outdir, f"{name}_{nn(i)}.rdr"), arr, "DOUBLE", "BIP", "bip")
            isceio.write_image(
                os.path.join(outdir, f"los_{nn(i)}.rdr"),
                [inc, az],
                "FLOAT",
                "BIL",
                "bil",
                description=LOS_DESCRIPTION,
            )
            box = [float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())]
            boxes.append(box)
            doc += [
                (f"Number_of_lines_for_burst_{k}_-_IW-{swath}", b["lines"]),
                (f"Number_of_pixels_for_bursts_{k}_-_IW-{swath}", b["samples"]),
                (f"Bounding_box_for_burst_{k}_-_IW-{swath}", box),
            ]
    if boxes:
        overall = [
            min(b[0] for b in boxes),
            max(b[1] for b in boxes),
            min(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ]
        doc.append(("Overall_bounding_box", overall))
    ctx.doc("topo", doc)


# ------------------------------------------------------------------------------------------ ESD chain


def overlap_pairs(ctx: Context, swath: int):
    """(index of top burst, index of bottom burst, first overlap line in top burst, number of lines)."""
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
    return [s for s in ctx.valid_swaths() if ctx.common(s)[2] >= 2]


def _overlap_product(ref: dict, pairs, which: str, image_fn) -> dict:
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


def _pairname(i: int, j: int) -> str:
    return f"{nn(i)}_{nn(j)}"


def _window_vrt(src: str, dst: str, width: int, nlines: int, first: int, dtype: str, bands: int = 1) -> None:
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


def step_subsetoverlaps(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    for swath in esd_swaths(ctx):
        ref, pairs = overlap_pairs(ctx, swath)
        gdir = os.path.join("geom_reference", "overlaps", f"IW{swath}")
        rdir = os.path.join(ctx.state["referenceSlcProduct"], "overlaps", f"IW{swath}")
        for i, j, start, n, shift in pairs:
            w = ref["bursts"][i]["samples"]
            for name in ("hgt", "lat", "lon"):
                dst = os.path.join(gdir, f"{name}_{_pairname(i, j)}.rdr")
                _window_vrt(
                    os.path.join("geom_reference", f"IW{swath}", f"{name}_{nn(i)}.rdr"),
                    dst,
                    w,
                    n,
                    start,
                    "Float64",
                )
                with open(dst + ".xml", "w") as fh:
                    fh.write(isceio.header_xml(dst, w, n, 1, "DOUBLE", "BIP", "bip"))
            for which, src_i, first in (("top", i, start), ("bot", j, start - shift)):
                src = ref["bursts"][src_i]["image"]["file_name"]
                dst = os.path.join(rdir, f"burst_{which}_{_pairname(i, j)}.slc")
                _window_vrt(src, dst, w, n, first, "CFloat32")
                with open(dst + ".xml", "w") as fh:
                    fh.write(isceio.header_xml(dst, w, n, 1, "CFLOAT", "BIP", "slc", "slcimage"))
        odir = os.path.join(ctx.state["referenceSlcProduct"], "overlaps")
        for which, tag in (("top", "top"), ("bot", "bottom")):
            prod = _overlap_product(
                ref,
                pairs,
                which,
                lambda i, j, w=which, odir=odir, swath=swath: {
                    "file_name": os.path.join(odir, f"IW{swath}", f"burst_{w}_{_pairname(i, j)}.slc"),
                    "kind": "slc",
                    "data_type": "cfloat",
                },
            )
            swathxml.write(os.path.join(odir, f"{tag}_IW{swath}.xml"), prod)


def _overlap_offsets(ctx: Context, swath: int):
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
        _, _, offs = _overlap_offsets(ctx, swath)
        d = os.path.join("coarse_offsets", "overlaps", f"IW{swath}")
        for (i, j, which), (az, rg, *_rest) in offs.items():
            isceio.write_image(
                os.path.join(d, f"azimuth_{which}_{_pairname(i, j)}.off"), az, "FLOAT", "BIP", "bip"
            )
            isceio.write_image(
                os.path.join(d, f"range_{which}_{_pairname(i, j)}.off"), rg, "FLOAT", "BIP", "bip"
            )


def step_coarseresamp(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    for swath in esd_swaths(ctx):
        ref, pairs, offs = _overlap_offsets(ctx, swath)
        d = os.path.join("coarse_coreg", "overlaps", f"IW{swath}")
        for (i, j, which), (az, rg, _bi, first, n, sb) in offs.items():
            sslc = read_slc(sb["image"]["file_name"])
            L = np.arange(n)[:, None] + first + az
            S = np.arange(az.shape[1])[None, :] + rg
            out = proc.resample(sslc, L, S)
            isceio.write_image(
                os.path.join(d, f"burst_{which}_{_pairname(i, j)}.slc"),
                out,
                "CFLOAT",
                "BIP",
                "slc",
                "slcimage",
            )
        for which, tag in (("top", "top"), ("bot", "bottom")):
            prod = _overlap_product(
                ref,
                pairs,
                which,
                lambda i, j, w=which, d=d: {
                    "file_name": os.path.join(d, f"burst_{w}_{_pairname(i, j)}.slc"),
                    "kind": "slc",
                    "data_type": "cfloat",
                },
            )
            swathxml.write(
                os.path.join("coarse_coreg", "overlaps", f"{tag}_IW{swath}.xml"), prod, reloaded=True
            )


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
                name = f"burst_{which}_{_pairname(i, j)}"
                m = _read_window_vrt(os.path.join(rd, name + ".slc"))
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
        for which, tag in (("top", "top"), ("bot", "bottom")):
            prod = _overlap_product(
                ref,
                pairs,
                which,
                lambda i, j, w=which, d=d: {
                    "file_name": os.path.join(d, f"burst_{w}_{_pairname(i, j)}.int"),
                    "kind": "int",
                    "data_type": "CFLOAT",
                },
            )
            swathxml.write(
                os.path.join("coarse_interferogram", "overlaps", f"{tag}_IW{swath}.xml"), prod, reloaded=True
            )


def _read_window_vrt(path: str) -> np.ndarray:
    import rasterio

    with rasterio.open(path + ".vrt") as ds:
        return ds.read(1).astype(np.complex64)


def _esd_frequency(ref: dict, i: int, j: int, n: int, width: int) -> np.ndarray:
    """Doppler-centroid frequency difference between the two bursts over the overlap (Hz)."""
    b = ref["bursts"][i]
    ka = b["steering_rate"] * 2 * 7500.0 / b["wavelength"]
    tburst = b["lines"] * b["dt"]
    return np.full((n, width), ka * tburst, np.float32)


def step_prepesd(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    ea, er = int(ctx.app["esd_azimuth_looks"]), int(ctx.app["esd_range_looks"])
    for swath in esd_swaths(ctx):
        ref, pairs = overlap_pairs(ctx, swath)
        d = os.path.join("coarse_interferogram", "overlaps", f"IW{swath}")
        for k, (i, j, _start, n, _shift) in enumerate(pairs):
            top = isceio.read_image(os.path.join(d, f"burst_top_{_pairname(i, j)}.int"))[0]
            bot = isceio.read_image(os.path.join(d, f"burst_bot_{_pairname(i, j)}.int"))[0]
            dd = (top * np.conj(bot)).astype(np.complex64)
            base = os.path.join("ESD", f"overlap_IW{swath}_{k + 1:02d}")
            isceio.write_image(base + ".int", dd, "CFLOAT", "BIP", "cpx", "intimage")
            ml = proc.multilook(dd, ea, er)
            isceio.write_image(
                f"{base}.{ea}alks_{er}rlks.int",
                ml,
                "CFLOAT",
                "BIP",
                "cpx",
                "intimage",
                coords=ml_coords(ea, er),
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


def _plot(path: str, mode: str, values: np.ndarray, title: str) -> None:
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


def step_esd(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    ea, er = int(ctx.app["esd_azimuth_looks"]), int(ctx.app["esd_range_looks"])
    thr = float(ctx.app["esd_coherence_threshold"])
    allvals = []
    for swath in esd_swaths(ctx):
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
        isceio.write_image(
            os.path.join("ESD", f"combined_IW{swath}.int"), ci, "CFLOAT", "BIP", "cpx", "intimage"
        )
        isceio.write_image(os.path.join("ESD", f"combined_IW{swath}.cor"), cc, "FLOAT", "BIP", "bip")
        isceio.write_image(os.path.join("ESD", f"combined_IW{swath}.off"), off, "FLOAT", "BIP", "bip")
        isceio.write_image(os.path.join("ESD", f"combined_freq_IW{swath}.bin"), cf, "FLOAT", "BIP", "bip")
        allvals.append(off[cc > thr])
    vals = np.concatenate(allvals) if allvals else np.array([])
    if vals.size == 0:
        raise Exception("Coherence threshold too strict. No points left for reliable ESD estimate")
    est = float(np.median(vals))
    _plot(os.path.join("ESD", "ESDmisregistration.png"), "RGBA", vals, f"ESD misregistration: {est:.3e} s")
    ctx.state["secondaryTimingCorrection"] = est


def step_rangecoreg(ctx: Context) -> None:
    if not ctx.app["do_esd"]:
        return
    vals = []
    for swath in esd_swaths(ctx):
        _, pairs = overlap_pairs(ctx, swath)
        for i, j, *_ in pairs:
            for which in ("top", "bot"):
                rg = isceio.read_image(
                    os.path.join(
                        "coarse_offsets", "overlaps", f"IW{swath}", f"range_{which}_{_pairname(i, j)}.off"
                    )
                )[0]
                vals.append(rg.ravel())
    sec = ctx.product("secondary", esd_swaths(ctx)[0]) if esd_swaths(ctx) else None
    v = np.concatenate(vals) if vals else np.zeros(1)
    dr = sec["bursts"][0]["range_pixel_size"] if sec else 1.0
    corr = float(np.median(v)) * dr
    _plot(os.path.join("ESD", "rangeMisregistration.jpg"), "RGB", v, f"range misregistration: {corr:.4f} m")
    ctx.state["secondaryRangeCorrection"] = corr


# --------------------------------------------------------------------------------- fine coregistration


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
            ts0 = so.sec(sb["sensing_start"])

            def fn(L, S, g=g, sb=sb, ts0=ts0, so=so):
                li, si = L.astype(int), S.astype(int)
                t, r = geometry.geo2rdr(so, g["lat"][li, si], g["lon"][li, si], g["hgt"][li, si], ts0)
                az = (t - ts0 + tcorr) / sb["dt"] - L
                rg = (r - sb["starting_range"] + rcorr) / sb["range_pixel_size"] - S
                return az, rg

            az, rg = proc.coarse_grid_eval(fn, rb["lines"], rb["samples"])
            isceio.write_image(os.path.join(d, f"azimuth_{nn(i)}.off"), az, "FLOAT", "BIP", "bip")
            isceio.write_image(os.path.join(d, f"range_{nn(i)}.off"), rg, "FLOAT", "BIP", "bip")


def coreg_product(ref: dict, r0i: int, cnt: int, directory: str, kind: str, suffix: str) -> dict:
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
            out = proc.resample(sslc, L, S)
            out[~valid_mask(prod["bursts"][k])] = 0
            isceio.write_image(os.path.join(d, f"burst_{nn(i)}.slc"), out, "CFLOAT", "BIP", "slc", "slcimage")
        refxml = os.path.join(ctx.state["referenceSlcProduct"], f"IW{swath}.xml")
        swathxml.write(
            os.path.join("fine_coreg", f"IW{swath}.xml"),
            prod,
            reloaded=True,
            metadata_location=os.path.abspath(refxml),
        )


# ------------------------------------------------------------------------------------- merging helpers


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


def mosaic_vrt(path: str, products: list[dict], files_fn, box, gdal_type: str, bands: int = 1) -> None:
    """ISCE VRTConstructor text: SimpleSources over the burst VRTs, NoDataValue 0."""
    vrt = f'<VRTDataset rasterXSize="{box[1]}" rasterYSize="{box[0]}">'
    for band in range(1, bands + 1):
        vrt += f'  <VRTRasterBand dataType="{gdal_type}" band="{band}">\n        <NoDataValue>0.0</NoDataValue>\n'
        for p in products:
            for b in p["bursts"]:
                yoff, xoff = burst_offsets(b, box)
                src = os.path.relpath(files_fn(p, b) + ".vrt", os.path.dirname(path))
                fl, fs = b["first_valid_line"], b["first_valid_sample"]
                nl, ns = b["num_valid_lines"], b["num_valid_samples"]
                vrt += (
                    "        <SimpleSource>\n"
                    f'            <SourceFilename relativeToVRT="1">{src}</SourceFilename>\n'
                    f"            <SourceBand>{band}</SourceBand>\n"
                    f'            <SourceProperties RasterXSize="{b["samples"]}" RasterYSize="{b["lines"]}" '
                    f'DataType="{gdal_type}"/>\n'
                    f'            <SrcRect xOff="{fs}" yOff="{fl}" xSize="{ns}" ySize="{nl}"/>\n'
                    f'            <DstRect xOff="{xoff + fs}" yOff="{yoff + fl}" xSize="{ns}" ySize="{nl}"/>\n'
                    "        </SimpleSource>\n"
                )
        vrt += "    </VRTRasterBand>"
    vrt += "</VRTDataset>"
    isceio.write_vrt_only(path + ".vrt", vrt)


def full_header(path: str, box, data_type: str, bands: int, image_type: str, description=None) -> None:
    scheme = "BIL" if bands > 1 else "BIP"
    with open(path + ".xml", "w") as fh:
        fh.write(
            isceio.header_xml(
                path, box[1], box[0], bands, data_type, scheme, image_type, description=description
            )
        )


def fine_products(ctx: Context, directory: str) -> list[dict]:
    return [swathxml.read(os.path.join(directory, f"IW{s}.xml")) for s in ctx.valid_swaths()]


# ------------------------------------------------------------------------------------------------- ion


def _burst_geometry(ctx: Context):
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


def step_ion(ctx: Context) -> None:
    app = ctx.app
    if not app["do_ion"]:
        return
    refs, coregs = _burst_geometry(ctx)
    box = merge_box(coregs)
    ia, ir = int(app["ion_azimuth_looks"]), int(app["ion_range_looks"])
    fa, fr = int(app["ion_first_azimuth_looks"]), int(app["ion_first_range_looks"])
    # sub-band burst interferograms: the double uses the full band for both (frequency-independent phase)
    ifgs = {}
    for band in ("lower", "upper"):
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
                name = os.path.basename(cb["image"]["file_name"]).replace(".slc", ".int")
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

    def ifg_of(p, b):
        return ifgs[(p["swath"], b["burst_number"])]

    full = mosaic(coregs, ifg_of, box, np.complex64)
    amp_full = mosaic(coregs, lambda p, b: np.abs(read_slc(b["image"]["file_name"])), box, np.float32)
    ion_width, ion_length = box[1] // ir, box[0] // ia
    unws = {}
    for band in ("lower", "upper"):
        mdir = os.path.join("ion", band, "merged")
        sdir = os.path.join(mdir, f"{fr}rlks_{fa}alks")
        os.makedirs(sdir, exist_ok=True)
        files = {}
        for p in coregs:
            d = os.path.join("ion", band, "fine_interferogram", f"IW{p['swath']}")
            for b in p["bursts"]:
                files[(p["swath"], b["burst_number"])] = os.path.join(
                    d, os.path.basename(b["image"]["file_name"]).replace(".slc", ".int")
                )
        mosaic_vrt(
            os.path.join(sdir, "topophase.flat.full"),
            coregs,
            lambda p, b, files=files: files[(p["swath"], b["burst_number"])],
            box,
            "CFloat32",
        )
        full_header(os.path.join(sdir, "topophase.flat.full"), box, "CFLOAT", 1, "cpx")
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
        isceio.write_image(
            os.path.join(mdir, "filt_topophase.unw"), [np.abs(mlt), unwt], "FLOAT", "BIL", "unw"
        )
        unws[band] = unwt
        if band == "lower":
            amp, cor = proc.coherence(full, np.where(full != 0, amp_full, 0).astype(np.complex64), fa, fr)
            amp_c, cor_c = proc.coherence(full, np.abs(full).astype(np.complex64), fa, fr)
            isceio.write_image(
                os.path.join(sdir, "topophase.cor"),
                [amp_c, np.where(valid1, 1.0, 0.0)],
                "FLOAT",
                "BIL",
                "cor",
            )
            ampt = proc.multilook(np.abs(full), ia, ir).astype(np.float32)
            isceio.write_image(
                os.path.join(mdir, "topophase.cor"), [ampt, np.where(validt, 1.0, 0.0)], "FLOAT", "BIL", "cor"
            )
    valid = unws["lower"] != 0
    raw = 0.5 * (unws["lower"] + unws["upper"]) * 0.5
    weight = np.where(valid, 1.0, 0.0).astype(np.float32)
    cal = os.path.join("ion", "ion_cal")
    os.makedirs(cal, exist_ok=True)
    for name in ("raw_no_projection", "raw"):
        isceio.write_image(
            os.path.join(cal, name + ".ion"), [weight, raw.astype(np.float32)], "FLOAT", "BIL", "ion"
        )
        isceio.write_image(os.path.join(cal, name + ".cor"), [weight, weight], "FLOAT", "BIL", "cor")
    win = max(1, min(int(app["ion_filt_min"]), min(raw.shape)))
    num = ndimage.uniform_filter(np.where(valid, raw, 0.0), win, mode="nearest")
    den = ndimage.uniform_filter(weight.astype(float), win, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        filt = np.where(den > 0, num / den, 0.0)
    filt = np.where(valid, filt, 0.0).astype(np.float32)
    isceio.write_image(
        os.path.join(cal, "filt.ion"),
        [weight, filt],
        "FLOAT",
        "BIL",
        "ion",
        description="imageMath.py -e='a_0;a_1' (double)",
    )


# ---------------------------------------------------------------------------------- burst ifg + merge


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
                ifg = (m * np.conj(s)).astype(np.complex64)
                vm = valid_mask(prod["bursts"][k])
                ifg[~vm] = 0
                isceio.write_image(
                    os.path.join(d, f"burst_{nn(i)}.int"), ifg, "CFLOAT", "BIP", "cpx", "intimage"
                )
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
        swathxml.write(os.path.join("fine_interferogram", f"IW{swath}.xml"), prod, reloaded=True)


def step_mergebursts(ctx: Context) -> None:
    app = ctx.app
    alks, rlks = ctx.looks()
    ifgp = fine_products(ctx, "fine_interferogram")
    if not ifgp:
        raise Exception("No swaths with common bursts to merge")
    refs, coregs = _burst_geometry(ctx)
    box = merge_box(ifgp)
    suffix = ".full" if (alks, rlks) != (1, 1) else ""
    os.makedirs("merged", exist_ok=True)

    def geom(name):
        return lambda p, b: os.path.join(
            "geom_reference", f"IW{p['swath']}", f"{name}_{b['burst_number']:02d}.rdr"
        )

    burst_index = {}
    for rp, cp in zip(refs, coregs, strict=True):
        for rb, cb in zip(rp["bursts"], cp["bursts"], strict=True):
            burst_index[(cp["swath"], cb["burst_number"])] = rb["image"]["file_name"]
    # geometry: full-res VRT mosaics, multilooked LOS
    for name, src in (("lat", "lat"), ("lon", "lon"), ("z", "hgt")):
        mosaic_vrt(f"merged/{name}.rdr{suffix}", ifgp, _renumber(geom(src)), box, "Float64")
        full_header(f"merged/{name}.rdr{suffix}", box, "DOUBLE", 1, "bip")
    mosaic_vrt(f"merged/los.rdr{suffix}", ifgp, _renumber(geom("los")), box, "Float32", bands=2)
    full_header(f"merged/los.rdr{suffix}", box, "FLOAT", 2, "bil", LOS_DESCRIPTION)

    def read_geom(name, band=0):
        return lambda p, b: isceio.read_image(_renumber(geom(name))(p, b))[band]

    los = [mosaic(ifgp, read_geom("los", k), box, np.float32) for k in (0, 1)]
    mosaic_vrt(
        f"merged/reference.slc{suffix}",
        ifgp,
        lambda p, b: burst_index[(p["swath"], b["burst_number"])],
        box,
        "CFloat32",
    )
    full_header(f"merged/reference.slc{suffix}", box, "CFLOAT", 1, "slc")
    mosaic_vrt(
        f"merged/secondary.slc{suffix}",
        ifgp,
        lambda p, b: os.path.join("fine_coreg", f"IW{p['swath']}", f"burst_{b['burst_number']:02d}.slc"),
        box,
        "CFloat32",
    )
    full_header(f"merged/secondary.slc{suffix}", box, "CFLOAT", 1, "slc")
    if app["do_interferogram"]:
        mosaic_vrt(
            f"merged/topophase.flat{suffix}", ifgp, lambda p, b: b["image"]["file_name"], box, "CFloat32"
        )
        full_header(f"merged/topophase.flat{suffix}", box, "CFLOAT", 1, "cpx")
        cor_name = lambda p, b: b["image"]["file_name"][: -len(".int")] + ".cor"  # noqa: E731
        mosaic_vrt(f"merged/topophase.cor{suffix}", ifgp, cor_name, box, "Float32", bands=2)
        full_header(f"merged/topophase.cor{suffix}", box, "FLOAT", 2, "cor")
        ifg = mosaic(ifgp, lambda p, b: isceio.read_image(b["image"]["file_name"])[0], box, np.complex64)
        m = mosaic(
            ifgp, lambda p, b: read_slc(burst_index[(p["swath"], b["burst_number"])]), box, np.complex64
        )
        s = mosaic(
            ifgp,
            lambda p, b: read_slc(
                os.path.join("fine_coreg", f"IW{p['swath']}", f"burst_{b['burst_number']:02d}.slc")
            ),
            box,
            np.complex64,
        )
        m = np.where(ifg != 0, m, 0)
        s = np.where(ifg != 0, s, 0)
        if suffix:
            mlifg = proc.multilook(ifg, alks, rlks).astype(np.complex64)
            amp, cor = proc.coherence(m, s, alks, rlks)
            coords = ml_coords(alks, rlks)
            isceio.write_image(
                "merged/topophase.flat", mlifg, "CFLOAT", "BIP", "cpx", "intimage", coords=coords
            )
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
    if app["do_ion"] and os.path.exists("ion/ion_cal/filt.ion"):
        write_merged_ion(ctx, box)
        if app["apply_ion"] and app["do_interferogram"]:
            apply_ion(ctx)


def _renumber(fn):
    return fn


def write_merged_ion(ctx: Context, box) -> None:
    """merged/topophase.ion: filt.ion band 2 interpolated from the ion look grid to the ifg look grid."""
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
    import shutil

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


# ------------------------------------------------------------------------------------ filter / unwrap


def step_filter(ctx: Context) -> None:
    if not ctx.app["do_interferogram"]:
        return
    ifg = isceio.read_image("merged/topophase.flat")[0]
    if ifg.shape[0] < 265:
        # ICU phase-sigma needs >= 265 lines (fact sheet pitfall 14): 0-byte phsig.cor
        filt = proc.smooth_complex(ifg, float(ctx.app["filter_strength"]))
        isceio.write_image("merged/filt_topophase.flat", filt, "CFLOAT", "BIP", "cpx", "intimage")
        open("merged/phsig.cor", "w").close()
        isceio.write_headers("merged/phsig.cor", ifg.shape[1], ifg.shape[0], 1, "FLOAT", "BIP", "cor")
        return
    filt = proc.smooth_complex(ifg, float(ctx.app["filter_strength"]))
    isceio.write_image("merged/filt_topophase.flat", filt, "CFLOAT", "BIP", "cpx", "intimage")
    isceio.write_image("merged/phsig.cor", proc.phase_sigma(filt), "FLOAT", "BIP", "cor")


def step_unwrap(ctx: Context) -> None:
    app = ctx.app
    if not app["do_unwrap"]:
        return
    name = str(app["unwrapper_name"]).lower()
    filt = isceio.read_image("merged/filt_topophase.flat")[0]
    if name in ("snaphu", "snaphu_mcf", "downsample_snaphu"):
        info = isceio.read_header("merged/phsig.cor.xml")
        if os.path.getsize("merged/phsig.cor") != info.width * info.length * 4:
            raise Exception("snaphu: wrong size of correlation file merged/phsig.cor")
        cc = "merged/filt_topophase.unw.conncomp"
    elif name in ("icu", "grass"):
        cc = "merged/filt_topophase.conncomp"
    else:
        raise Exception(f"Unrecognized unwrapper name: {app['unwrapper_name']}")
    valid = filt != 0
    unw = proc.unwrap2d(np.angle(filt), valid)
    isceio.write_image(
        "merged/filt_topophase.unw", [np.abs(filt).astype(np.float32), unw], "FLOAT", "BIL", "unw"
    )
    conn = ndimage.binary_erosion(valid, iterations=1).astype(np.uint8)
    isceio.write_image(cc, conn, "BYTE", "BIP", "byte")
    ctx.state["connectedComponentFilename"] = cc


def step_unwrap2stage(ctx: Context) -> None:
    app = ctx.app
    if not app["do_unwrap_2stage"] or str(app["unwrapper_name"]).lower() in ("icu", "grass"):
        return
    raise ModuleNotFoundError("No module named 'pulp' (unwrap2stage is not provided by the double)")


# ------------------------------------------------------------------------------------------- geocode


def geo_grid(dinfo: isceio.ImageInfo, snwe) -> dict:
    """ISCE geozero's output grid: DEM posting, aligned to the DEM samples, clipped to snwe
    (Fortran integer truncation of the index arithmetic, done in radians like geozero.f90)."""
    d2r = math.pi / 180.0
    lat_first, lon_first = dinfo.y0 * d2r, dinfo.x0 * d2r
    dlat, dlon = dinfo.dy * d2r, dinfo.dx * d2r
    s, n, w, e = (v * d2r for v in snwe)
    min_lat_idx = int((s - lat_first) / dlat + 1)
    min_lon_idx = int((w - lon_first) / dlon)
    max_lat_idx = int((n - lat_first) / dlat)
    max_lon_idx = int((e - lon_first) / dlon + 1)
    return {
        "length": min_lat_idx - max_lat_idx,
        "width": max_lon_idx - min_lon_idx,
        "row0": max_lat_idx,
        "col0": min_lon_idx,
        "lat0": dinfo.y0 + max_lat_idx * dinfo.dy,
        "lon0": dinfo.x0 + min_lon_idx * dinfo.dx,
        "dlat": dinfo.dy,
        "dlon": dinfo.dx,
    }


def geocode_bbox(ctx: Context, products: list[dict]) -> list[float]:
    bbox = ctx.app["geocode_bbox"]
    if bbox:
        return [float(v) for v in bbox]
    boxes = []
    for p in products:
        orb = orbit_of(p)
        b0, b1 = p["bursts"][0], p["bursts"][-1]
        far = b0["starting_range"] + (b0["samples"] - 1) * b0["range_pixel_size"]
        boxes.append(
            geometry.burst_bbox(
                orb, orb.sec(b0["sensing_start"]), orb.sec(b1["sensing_stop"]), b0["starting_range"], far
            )
        )
    return [
        min(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def geocode_setup(ctx: Context):
    """Grid, DEM crop and the radar (full-resolution merged) coordinates of every output node."""
    products = fine_products(ctx, "fine_coreg")
    if not products:
        raise Exception("No fine_coreg products: nothing to geocode")
    dem_path = ctx.app["geocode_dem_filename"] or ctx.state.get("demUsed") or ctx.app["dem_filename"]
    dem, dinfo = read_dem(dem_path)
    grid = geo_grid(dinfo, geocode_bbox(ctx, products))
    rows = grid["row0"] + np.arange(grid["length"])
    cols = grid["col0"] + np.arange(grid["width"])
    R, Cc = np.meshgrid(rows, cols, indexing="ij")
    inside = (R >= 0) & (R < dinfo.length) & (Cc >= 0) & (Cc < dinfo.width)
    crop = np.zeros(R.shape, dem.dtype)
    crop[inside] = dem[R[inside], Cc[inside]]
    lat = dinfo.y0 + R * dinfo.dy
    lon = dinfo.x0 + Cc * dinfo.dx
    box = merge_box(products)
    orb = orbit_of(products[0])
    tmid = orb.sec(box[2]) + 0.5 * box[0] * box[4]
    t, r = geometry.geo2rdr(orb, lat, lon, crop.astype(float), tmid)
    line = (t - orb.sec(box[2])) / box[4]
    sample = (r - box[3]) / box[5]
    return grid, crop, dinfo, line, sample, box, dem_path


def write_dem_crop(crop, dinfo) -> None:
    isceio.write_image("merged/dem.crop", crop, dinfo.data_type, "BIP", "dem", "demimage", reference="WGS84")


def geocode_file(
    path: str, grid: dict, line, sample, alks: float, rlks: float, a0: float = None, r0: float = None
):
    """Sample a radar raster at the output nodes (nearest for Byte, bilinear otherwise)."""
    info = isceio.read_header(path + ".xml")
    bands = isceio.read_image(path, info)
    a0 = (alks - 1) / 2.0 if a0 is None else a0
    r0 = (rlks - 1) / 2.0 if r0 is None else r0
    li = (line - a0) / alks
    si = (sample - r0) / rlks
    inside = (li >= 0) & (li <= info.length - 1) & (si >= 0) & (si <= info.width - 1)
    order = 0 if info.data_type == "BYTE" else 1
    out = []
    for b in bands:
        v = proc.resample(b, np.where(inside, li, 0), np.where(inside, si, 0), order=order)
        out.append(np.where(inside, v, 0).astype(b.dtype))
    coords = (grid["lon0"], grid["dlon"], grid["lat0"], grid["dlat"])
    isceio.write_image(path + ".geo", out, info.data_type, info.scheme, None, "intimage", coords=coords)
    return info


def step_geocode(ctx: Context) -> None:
    if not ctx.app["do_interferogram"]:
        return
    alks, rlks = ctx.looks()
    grid, crop, dinfo, line, sample, box, dem_path = geocode_setup(ctx)
    write_dem_crop(crop, dinfo)
    doc = [("Dem_Used", dem_path)]
    for f in ctx.app["geocode_list"]:
        if not os.path.exists(f) or not os.path.exists(f + ".xml"):
            print(f"File not found. Skipping {f}")
            continue
        info = geocode_file(f, grid, line, sample, alks, rlks)
        doc = [
            ("Dem_Used", dem_path),
            ("Geocoding:_", f),
            ("Output_file:_", f + ".geo"),
            ("Width", info.width),
            ("Length", info.length),
            ("Range_looks", rlks),
            ("Azimuth_looks", alks),
        ]
    lat_s = grid["lat0"] + (grid["length"] - 1) * grid["dlat"]
    lon_e = grid["lon0"] + (grid["width"] - 1) * grid["dlon"]
    doc += [("South", lat_s), ("North", grid["lat0"]), ("West", grid["lon0"]), ("East", lon_e)]
    ctx.doc("geocode", doc)


# ------------------------------------------------------------------------------------- dense offsets


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


def step_denseoffsets(ctx: Context) -> None:
    app = ctx.app
    if not app["do_dense_offsets"]:
        return
    import rasterio
    from rasterio.shutil import copy as rio_copy

    alks, rlks = ctx.looks()
    suffix = ".full" if (alks, rlks) != (1, 1) else ""
    data = {}
    for name in ("reference", "secondary"):
        dst = f"merged/{name}.slc{suffix}"
        if not os.path.exists(dst):  # like ISCE: a materialised file is reused
            rio_copy(dst + ".vrt", dst, driver="ENVI")
            if not os.path.exists(dst + ".aux.xml"):
                with open(dst + ".aux.xml", "w") as fh:
                    fh.write(
                        '<PAMDataset>\n  <PAMRasterBand band="1">\n    <NoDataValue>0</NoDataValue>\n'
                        "  </PAMRasterBand>\n</PAMDataset>\n"
                    )
        with rasterio.open(dst) as ds:
            data[name] = ds.read(1)
    length, width = data["reference"].shape
    g = dense_grid(width, length, app)
    (a0, na, ka), (d0, nd, kd) = g["across"], g["down"]
    lines = d0 + kd * np.arange(nd)
    samples = a0 + ka * np.arange(na)
    hw, hh = int(app["ampcor_window_width"]) // 2, int(app["ampcor_window_height"]) // 2
    az = np.zeros((nd, na), np.float32)
    rg = np.zeros((nd, na), np.float32)
    snr = np.zeros((nd, na), np.float32)
    for i, li in enumerate(lines):
        for j, sj in enumerate(samples):
            m = data["reference"][li - hh : li + hh, sj - hw : sj + hw]
            s = data["secondary"][li - hh : li + hh, sj - hw : sj + hw]
            c = np.abs(np.vdot(m, s)) / max(np.sqrt(np.vdot(m, m).real * np.vdot(s, s).real), 1e-12)
            snr[i, j] = c / max(1 - c, 1e-3)
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
    for f in app["offset_geocode_list"]:
        if not os.path.exists(f) or not os.path.exists(f + ".xml"):
            print(f"File not found. Skipping {f}")
            continue
        geocode_file(f, grid, line, sample, kh, kw, a0=top, r0=left)


def run(name: str, ctx: Context) -> None:
    globals()["step_" + name](ctx)
