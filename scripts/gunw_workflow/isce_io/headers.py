"""ISCE raster headers: the one reader and writer of ``<raster>.xml`` (ISCE's image header) and ``<raster>.vrt``.

ISCE2 opens a raster through its .xml: ``file_name`` inside it is resolved from the process's working directory,
and a DEM without ``reference`` = WGS84 is taken as EGM96 heights and converted. GDAL opens the .vrt. The layouts
written here are the ones ISCE2 2.6.5 writes itself (the recorded dem.wgs84.xml / .vrt): properties in
alphabetical order, ISCE's own ``<doc>`` texts, 4-space indentation. ``startingvalue`` is the coordinate of the
first pixel *centre*, and the .vrt GeoTransform copies it unchanged, as ISCE's renderVRT does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ISCE_DTYPES = {
    "BYTE": "u1",
    "CHAR": "i1",
    "SHORT": "i2",
    "INT": "i4",
    "LONG": "i8",
    "FLOAT": "f4",
    "DOUBLE": "f8",
    "CFLOAT": "c8",
    "CDOUBLE": "c16",
}
GDAL_TYPES = {
    "BYTE": "Byte",
    "CHAR": "Byte",
    "SHORT": "Int16",
    "INT": "Int32",
    "LONG": "Int64",
    "FLOAT": "Float32",
    "DOUBLE": "Float64",
    "CFLOAT": "CFloat32",
    "CDOUBLE": "CFloat64",
}
# ISCE2's <doc> text of every property it writes into an image header (coordinates included)
DOCS = {
    "access_mode": "Image access mode.",
    "byte_order": "Endianness of the image.",
    "coordinate1": "First coordinate of a 2D image (width).",
    "coordinate2": "Second coordinate of a 2D image (length).",
    "data_type": "Image data type.",
    "delta": "Coordinate quantization.",
    "endingvalue": "Ending value of the coordinate.",
    "family": "Instance family name",
    "file_name": "Name of the image file.",
    "image_type": "Image type used for displaying.",
    "length": "Image length",
    "name": "Instance name",
    "number_bands": "Number of image bands.",
    "reference": "Geodetic datum",
    "scheme": "Interleaving scheme of the image.",
    "size": "Coordinate size.",
    "startingvalue": "Starting value of the coordinate.",
    "width": "Image width",
    "xmax": "Maximum range value",
    "xmin": "Minimum range value",
}


# --- properties of ISCE XML elements (image headers, product XMLs, topsApp.xml) ---------------------------


def _key(name: str) -> str:
    """ISCE matches property names ignoring case and spaces ("range looks" == "rangelooks")."""
    return name.replace(" ", "").lower()


def _text(prop: ET.Element) -> str:
    value = prop.find("value")
    return ((value.text if value is not None else prop.text) or "").strip()


def properties(elem: ET.Element) -> dict[str, str]:
    """The ``<property>`` children of ``elem``: normalised name -> stripped value text."""
    return {_key(p.get("name", "")): _text(p) for p in elem.findall("property")}


def get_property(elem: ET.Element, name: str) -> str | None:
    return properties(elem).get(_key(name))


def set_property(elem: ET.Element, name: str, value: str) -> None:
    """Set an existing property's value (same name up to case/spaces) or append a new property."""
    for prop in elem.findall("property"):
        if _key(prop.get("name", "")) == _key(name):
            target = prop.find("value")
            (prop if target is None else target).text = value
            return
    prop = ET.SubElement(elem, "property", name=name)
    ET.SubElement(prop, "value").text = value


# --- reading ---------------------------------------------------------------------------------------------


@dataclass
class IsceRaster:
    """Header of an ISCE raster (``<file>.xml``); ``path`` is the binary."""

    path: Path
    width: int
    length: int
    data_type: str = "FLOAT"  # ISCE name (SHORT, FLOAT, CFLOAT ...)
    bands: int = 1
    scheme: str = "BIP"
    byte_order: str = "l"
    x0: float | None = None  # coordinate1 startingvalue (lon of the first pixel centre for .geo files)
    dx: float | None = None
    y0: float | None = None
    dy: float | None = None
    reference: str = ""

    @property
    def dtype(self) -> np.dtype:
        order = "<" if self.byte_order.lower().startswith("l") else ">"
        return np.dtype(order + ISCE_DTYPES[self.data_type])

    @property
    def is_geo(self) -> bool:
        return self.x0 is not None and self.dx is not None and abs(self.dx) < 1.0

    def lon(self) -> np.ndarray:
        return self.x0 + np.arange(self.width) * self.dx

    def lat(self) -> np.ndarray:
        return self.y0 + np.arange(self.length) * self.dy


def header_path(path) -> Path:
    """``<binary>.xml`` for a binary path (a path already ending in .xml is returned as is)."""
    path = Path(path)
    return path if path.suffix == ".xml" else Path(str(path) + ".xml")


def parse_header(root: ET.Element, binary: Path) -> IsceRaster:
    p = properties(root)
    coords = {c.get("name"): properties(c) for c in root.findall("component")}

    def coord(name: str, key: str) -> float | None:
        value = coords.get(name, {}).get(key)
        return float(value) if value not in (None, "") else None

    if "data_type" not in p:
        raise ValueError(f"{binary}.xml: no data_type property")
    return IsceRaster(
        path=binary,
        width=int(p["width"]),
        length=int(p["length"]),
        data_type=p["data_type"].upper(),
        bands=int(p.get("number_bands", 1)),
        scheme=p.get("scheme", "BIP").upper(),
        byte_order=p.get("byte_order", "l"),
        x0=coord("coordinate1", "startingvalue"),
        dx=coord("coordinate1", "delta"),
        y0=coord("coordinate2", "startingvalue"),
        dy=coord("coordinate2", "delta"),
        reference=p.get("reference", ""),
    )


def raster_header(path) -> IsceRaster:
    """Parse ``<path>.xml`` (``path`` may be the binary or the .xml itself)."""
    xml = header_path(path)
    return parse_header(ET.parse(xml).getroot(), Path(str(xml)[:-4]))


# --- writing ---------------------------------------------------------------------------------------------


def _prop(name: str, value, indent: str, docs: bool) -> str:
    doc = f"{indent}    <doc>{DOCS[name]}</doc>\n" if docs else ""
    return f'{indent}<property name="{name}">\n{indent}    <value>{value}</value>\n{doc}{indent}</property>\n'


def _coordinate(name: str, start: float, delta: float, size: int, docs: bool) -> str:
    ind = "        "
    return (
        f'    <component name="{name}">\n{ind}<factorymodule>isceobj.Image</factorymodule>\n'
        f"{ind}<factoryname>createCoordinate</factoryname>\n"
        + (f"{ind}<doc>{DOCS[name]}</doc>\n" if docs else "")
        + _prop("delta", repr(float(delta)), ind, docs)
        + _prop("endingvalue", repr(float(start + delta * size)), ind, docs)
        + _prop("family", "imagecoordinate", ind, docs)
        + _prop("name", "imagecoordinate_name", ind, docs)
        + _prop("size", size, ind, docs)
        + _prop("startingvalue", repr(float(start)), ind, docs)
        + "    </component>\n"
    )


def image_xml(
    h: IsceRaster,
    file_name: str,
    family: str = "demimage",
    image_type: str = "dem",
    reference: str = "WGS84",
    docs: bool = True,
) -> str:
    """The .xml of a one-band geocoded raster (``h.x0``/``h.y0`` = first pixel centre), as ISCE2 writes it;
    ``family`` also names the instance (``<family>_name``); ``docs`` = False leaves out the ``<doc>`` lines."""
    ind = "    "
    return (
        "<imageFile>\n"
        + _prop("access_mode", "read", ind, docs)
        + _prop("byte_order", h.byte_order, ind, docs)
        + _coordinate("coordinate1", h.x0, h.dx, h.width, docs)
        + _coordinate("coordinate2", h.y0, h.dy, h.length, docs)
        + _prop("data_type", h.data_type, ind, docs)
        + _prop("family", family, ind, docs)
        + _prop("file_name", file_name, ind, docs)
        + _prop("image_type", image_type, ind, docs)
        + _prop("length", h.length, ind, docs)
        + _prop("name", f"{family}_name", ind, docs)
        + _prop("number_bands", h.bands, ind, docs)
        + _prop("reference", reference, ind, docs)
        + _prop("scheme", h.scheme, ind, docs)
        + _prop("width", h.width, ind, docs)
        + _prop("xmax", repr(float(h.x0 + h.dx * h.width)), ind, docs)
        + _prop("xmin", repr(float(h.x0)), ind, docs)
        + "</imageFile>\n"
    )


def _band_offsets(h: IsceRaster, band: int, size: int) -> tuple[int, int, int]:
    """(ImageOffset, PixelOffset, LineOffset) in bytes of a 0-based band, per interleave scheme."""
    if h.scheme == "BIL":
        return band * h.width * size, size, h.bands * h.width * size
    if h.scheme == "BSQ":
        return band * h.width * h.length * size, size, h.width * size
    return band * size, h.bands * size, h.bands * h.width * size


def vrt_xml(h: IsceRaster, source_name: str) -> str:
    """GDAL VRT over the raw binary ``source_name`` (relative to the .vrt), laid out as ISCE's renderVRT."""
    size = np.dtype(ISCE_DTYPES[h.data_type]).itemsize
    order = "LSB" if h.byte_order.lower().startswith("l") else "MSB"
    text = f'<VRTDataset rasterXSize="{h.width}" rasterYSize="{h.length}">\n'
    # ISCE2 leaves the geotransform out for radar-grid rasters with the default coordinates (start 0, delta 1)
    if None not in (h.x0, h.dx, h.y0, h.dy) and (h.x0, h.dx, h.y0, h.dy) != (0.0, 1.0, 0.0, 1.0):
        gt = f"{float(h.x0)!r}, {float(h.dx)!r}, 0.0, {float(h.y0)!r}, 0.0, {float(h.dy)!r}"
        text += f"    <SRS>EPSG:4326</SRS>\n    <GeoTransform>{gt}</GeoTransform>\n"
    for band in range(h.bands):
        image, pixel, line = _band_offsets(h, band, size)
        text += (
            f'    <VRTRasterBand dataType="{GDAL_TYPES[h.data_type]}" band="{band + 1}" '
            'subClass="VRTRawRasterBand">\n'
            f'        <SourceFilename relativeToVRT="1">{source_name}</SourceFilename>\n'
            f"        <ByteOrder>{order}</ByteOrder>\n        <ImageOffset>{image}</ImageOffset>\n"
            f"        <PixelOffset>{pixel}</PixelOffset>\n        <LineOffset>{line}</LineOffset>\n"
            "    </VRTRasterBand>\n"
        )
    return text + "</VRTDataset>\n"


def rewrite_header(src_xml, dst_xml, **updates: str) -> IsceRaster:
    """Copy an existing .xml with some properties set (added when missing), everything else kept as it is."""
    tree = ET.parse(header_path(src_xml))
    root = tree.getroot()
    for name, value in updates.items():
        set_property(root, name, value)
    tree.write(str(dst_xml))
    return parse_header(root, Path(str(dst_xml)[:-4]))
