"""startup, preprocess, computeBaselines: SAFE -> swath products (burst VRTs), common bursts and baselines.

Why: preprocess is where ISCE reads the SAFE (through ``safe``) and swallows every reader error (exit 0, no
product for that date); computeBaselines decides which bursts every later step processes.
"""

from __future__ import annotations

import os

import numpy as np

from . import geometry, isceio, safe, swathxml
from .context import Context, orbit_of, read_slc

SLC_DESCRIPTION = "['Single look complex image.']"


def step_startup(ctx: Context) -> None:
    print("The currently supported sensors are:  ['SENTINEL1']")


def _sensor_doc(prod: dict) -> list:
    """The ``sensor`` block of topsProc.xml for one swath product."""
    return [
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
            items = [i for i in doc[kind] if i[0] != "sensor"]
            doc[kind] = (
                [("sensor", _sensor_doc(prod))]
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
            "description": SLC_DESCRIPTION,
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
                        description=SLC_DESCRIPTION,
                    )
                )
        else:
            isceio.write_vrt_only(name + ".tmp.vrt", burst_vrt(b, name + ".tmp.vrt"))
            data = read_slc(name + ".tmp")
            os.remove(name + ".tmp.vrt")
            isceio.write_image(name, data, "CFLOAT", "BIP", "slc", "slcimage", description=SLC_DESCRIPTION)
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


def _baseline_doc(swath: int, ref: dict, sec: dict, r0: int, s0: int, cnt: int, bpar, bperp) -> list:
    tag = f"IW-{swath}"
    return [
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
        doc += _baseline_doc(swath, ref, sec, r0, s0, cnt, bpar, bperp)
    ctx.state["commonBurstStartReferenceIndex"] = starts_r
    ctx.state["commonBurstStartSecondaryIndex"] = starts_s
    ctx.state["numberOfCommonBursts"] = counts
    ctx.doc("baseline", doc)


def _burst_mids(prod: dict, orb: geometry.Orbit) -> list:
    """(time, position, velocity) at the middle line of every burst."""
    out = []
    for b in prod["bursts"]:
        t = orb.sec(b["sensing_start"]) + 0.5 * (b["lines"] - 1) * b["dt"]
        out.append((t, *orb.pv(t)))
    return out


def _common_run(rm: list, sm: list, blen: float) -> tuple[int, int, int]:
    """First matching (reference, secondary) burst pair and the length of the run of consecutive matches."""
    pairs = []
    for i, (_, rp, rv) in enumerate(rm):
        vhat = rv / np.linalg.norm(rv)
        for j, (_, sp, _) in enumerate(sm):
            if abs(np.dot(sp - rp, vhat)) < 0.2 * blen:
                pairs.append((i, j))
                break
    if not pairs:
        return -1, -1, 0
    i0, j0 = pairs[0]
    cnt = 1
    while i0 + cnt < len(rm) and j0 + cnt < len(sm) and (i0 + cnt, j0 + cnt) in pairs:
        cnt += 1
    return i0, j0, cnt


def _baseline_at(ref: dict, sec: dict, ro, so, rmid, i: int, j: int) -> tuple[float, float]:
    """(parallel, perpendicular) baseline at mid-range of reference burst i / secondary burst j, as ISCE's
    runComputeBaseline computes them: the secondary position at the target's zero-Doppler time with its
    along-track part removed, Bpar from the law of cosines with the secondary's range (so NaN for a zero
    baseline, as ISCE writes), Bperp signed by (LOS x B) . v_ref."""
    b = ref["bursts"][i]
    rng = b["starting_range"] + 0.5 * (b["samples"] - 1) * b["range_pixel_size"]
    lat, lon, h = geometry.rdr2geo(ro, rmid[0], rng)
    tgt = geometry.llh_to_xyz(lat, lon, h)
    ts, srng = geometry.geo2rdr(so, lat, lon, h, so.sec(sec["bursts"][j]["sensing_start"]))
    mpos, mvel = rmid[1], rmid[2]
    vhat = mvel / np.linalg.norm(mvel)
    spos = so.pv(ts)[0]
    spos = spos - np.dot(spos - mpos, vhat) * vhat
    aa = np.linalg.norm(spos - mpos)  # numpy float: 0 / 0 -> NaN like ISCE, not ZeroDivisionError
    with np.errstate(invalid="ignore", divide="ignore"):
        costheta = (rng * rng + aa * aa - np.float64(srng) ** 2) / (2.0 * rng * aa)
        par = aa * costheta
        perp = aa * np.sqrt(1.0 - costheta * costheta)
    direction = np.sign(np.dot(np.cross(tgt - mpos, spos - mpos), mvel))
    return float(par), float(direction * perp)


def match_bursts(ref: dict, sec: dict):
    """Common bursts by along-track distance of burst-mid positions (< 0.2 burst length), and the
    parallel/perpendicular baselines at mid-range of the first and last common bursts."""
    ro, so = orbit_of(ref), orbit_of(sec)
    rm, sm = _burst_mids(ref, ro), _burst_mids(sec, so)
    b0 = ref["bursts"][0]
    blen = b0["lines"] * b0["dt"] * np.linalg.norm(rm[0][2])
    i0, j0, cnt = _common_run(rm, sm, blen)
    if cnt == 0:
        return -1, -1, 0, [float("nan")] * 2, [float("nan")] * 2
    bpar, bperp = [], []
    for i, j in ((i0, j0), (i0 + cnt - 1, j0 + cnt - 1)):
        par, perp = _baseline_at(ref, sec, ro, so, rm[i], i, j)
        bpar.append(par)
        bperp.append(perp)
    return i0, j0, cnt, bpar, bperp
