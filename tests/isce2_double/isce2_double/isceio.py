"""ISCE raster I/O: raw little-endian binaries with an ISCE ``.xml`` header and a GDAL ``.vrt``.

Why: every file the double writes must open with GDAL's ISCE and VRT drivers exactly like the
files real ISCE2 2.6.5 writes (see ../shared/isce2-recorded/standard/run/merged/*.xml, *.vrt).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

ISCE_VERSION = "Release: 2.6.5, svn-, 20260630. Current: svn-."

NUMPY_TYPES = {
    "BYTE": np.uint8,
    "SHORT": np.int16,
    "INT": np.int32,
    "FLOAT": np.float32,
    "DOUBLE": np.float64,
    "CFLOAT": np.complex64,
    "CDOUBLE": np.complex128,
}
GDAL_TYPES = {
    "BYTE": "Byte",
    "SHORT": "Int16",
    "INT": "Int32",
    "FLOAT": "Float32",
    "DOUBLE": "Float64",
    "CFLOAT": "CFloat32",
    "CDOUBLE": "CFloat64",
}

DOCS = {
    "ISCE_VERSION": None,
    "access_mode": "Image access mode.",
    "byte_order": "Endianness of the image.",
    "data_type": "Image data type.",
    "description": "Image description",
    "extra_file_name": "For example name of vrt metadata.",
    "family": "Instance family name",
    "file_name": "Name of the image file.",
    "image_type": "Image type used for displaying.",
    "isce_version": "ISCE version",
    "length": "Image length",
    "name": "Instance name",
    "number_bands": "Number of image bands.",
    "reference": "Geodetic datum",
    "scheme": "Interleaving scheme of the image.",
    "width": "Image width",
    "xmax": "Maximum range value",
    "xmin": "Minimum range value",
    "delta": "Coordinate quantization.",
    "endingvalue": "Ending value of the coordinate.",
    "size": "Coordinate size.",
    "startingvalue": "Starting value of the coordinate.",
}


@dataclass
class ImageInfo:
    """What an ISCE ``.xml`` header says about a raster."""

    file_name: str
    width: int
    length: int
    bands: int
    data_type: str
    scheme: str
    x0: float = 0.0
    dx: float = 1.0
    y0: float = 0.0
    dy: float = 1.0
    reference: str | None = None

    @property
    def dtype(self):
        return np.dtype(NUMPY_TYPES[self.data_type.upper()])


def _prop(parent: ET.Element, name: str, value, doc: str | None = "") -> None:
    el = ET.SubElement(parent, "property", name=name)
    ET.SubElement(el, "value").text = str(value)
    if doc == "":
        doc = DOCS.get(name)
    if doc is not None:
        ET.SubElement(el, "doc").text = doc


def _coord(parent: ET.Element, name: str, start, delta, size, doc: str) -> None:
    comp = ET.SubElement(parent, "component", name=name)
    ET.SubElement(comp, "factorymodule").text = "isceobj.Image"
    ET.SubElement(comp, "factoryname").text = "createCoordinate"
    ET.SubElement(comp, "doc").text = doc
    _prop(comp, "delta", delta)
    _prop(comp, "endingvalue", start + delta * size if isinstance(start, float) else start + delta * size)
    _prop(comp, "family", "imagecoordinate")
    _prop(comp, "name", "imagecoordinate_name")
    _prop(comp, "size", size)
    _prop(comp, "startingvalue", start)


def indent(elem: ET.Element, level: int = 0) -> None:
    """Indent like ISCE's renderers: 4 spaces per level."""
    pad = "\n" + "    " * level
    if len(elem):
        if not (elem.text and elem.text.strip()):
            elem.text = pad + "    "
        for child in elem:
            indent(child, level + 1)
        last = elem[-1]
        last.tail = pad
    if level and not (elem.tail and elem.tail.strip()):
        elem.tail = pad


def header_xml(
    file_name: str,
    width: int,
    length: int,
    bands: int,
    data_type: str,
    scheme: str,
    image_type: str,
    family: str = "image",
    coords: tuple[float, float, float, float] | None = None,
    description: str | None = None,
    access_mode: str = "read",
    reference: str | None = None,
    extra: dict | None = None,
) -> str:
    """ISCE image header text; properties sorted by name like ISCE's XML renderer."""
    root = ET.Element("imageFile")
    x0, dx, y0, dy = coords if coords is not None else (0, 1, 0, 1)
    entries: dict[str, object] = {
        "ISCE_VERSION": ISCE_VERSION,
        "access_mode": access_mode,
        "byte_order": "l",
        "data_type": data_type.upper(),
        "extra_file_name": file_name + ".vrt",
        "family": family,
        "file_name": file_name,
        "image_type": image_type,
        "length": length,
        "name": family + "_name",
        "number_bands": bands,
        "scheme": scheme,
        "width": width,
        "xmax": x0 + dx * width if coords is not None else width,
        "xmin": x0,
    }
    if description is not None:
        entries["description"] = description
    if reference is not None:
        entries["reference"] = reference
    if extra:
        entries.update(extra)
    order = sorted(list(entries) + ["coordinate1", "coordinate2"], key=lambda s: (s != "ISCE_VERSION", s))
    for key in order:
        if key == "coordinate1":
            _coord(root, key, x0, dx, width, "First coordinate of a 2D image (width).")
        elif key == "coordinate2":
            _coord(root, key, y0, dy, length, "Second coordinate of a 2D image (length).")
        else:
            _prop(root, key, entries[key])
    indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def vrt_text(
    file_name: str, width: int, length: int, bands: int, data_type: str, scheme: str, coords=None
) -> str:
    """GDAL VRT over the raw binary, as ISCE's Image.renderVRT writes it."""
    gtype = GDAL_TYPES[data_type.upper()]
    nbytes = np.dtype(NUMPY_TYPES[data_type.upper()]).itemsize
    lines = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{length}">']
    if coords is not None and tuple(coords) != (0, 1, 0, 1):
        x0, dx, y0, dy = coords
        lines.append("    <SRS>EPSG:4326</SRS>")
        lines.append(f"    <GeoTransform>{x0}, {dx}, 0.0, {y0}, 0.0, {dy}</GeoTransform>")
    base = os.path.basename(file_name)
    for b in range(bands):
        if scheme == "BIL":
            off, pix, lin = b * width * nbytes, nbytes, bands * width * nbytes
        elif scheme == "BIP":
            off, pix, lin = b * nbytes, bands * nbytes, bands * width * nbytes
        else:  # BSQ
            off, pix, lin = b * width * length * nbytes, nbytes, width * nbytes
        lines += [
            f'    <VRTRasterBand dataType="{gtype}" band="{b + 1}" subClass="VRTRawRasterBand">',
            f'        <SourceFilename relativeToVRT="1">{base}</SourceFilename>',
            "        <ByteOrder>LSB</ByteOrder>",
            f"        <ImageOffset>{off}</ImageOffset>",
            f"        <PixelOffset>{pix}</PixelOffset>",
            f"        <LineOffset>{lin}</LineOffset>",
            "    </VRTRasterBand>",
        ]
    lines.append("</VRTDataset>")
    return "\n".join(lines)


def _as_bands(data) -> list[np.ndarray]:
    if isinstance(data, np.ndarray) and data.ndim == 2:
        return [data]
    return list(data)


def write_image(
    path: str,
    data,
    data_type: str,
    scheme: str | None = None,
    image_type: str | None = None,
    family: str = "image",
    coords=None,
    description: str | None = None,
    reference: str | None = None,
    extra: dict | None = None,
) -> None:
    """Write binary + ``.xml`` + ``.vrt``. ``data``: 2-D array or list of 2-D bands."""
    bands = _as_bands(data)
    nb = len(bands)
    length, width = bands[0].shape
    if scheme is None:
        scheme = "BIL" if nb > 1 else "BIP"
    if image_type is None:
        image_type = {"CFLOAT": "cpx", "BYTE": "byte"}.get(data_type.upper(), "bil" if nb > 1 else "float")
    dt = NUMPY_TYPES[data_type.upper()]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    stack = np.stack([np.asarray(b, dtype=dt) for b in bands])  # (band, line, sample)
    if scheme == "BIL":
        out = stack.transpose(1, 0, 2)
    elif scheme == "BIP":
        out = stack.transpose(1, 2, 0)
    else:
        out = stack
    np.ascontiguousarray(out).astype(np.dtype(dt).newbyteorder("<"), copy=False).tofile(path)
    write_headers(
        path, width, length, nb, data_type, scheme, image_type, family, coords, description, reference, extra
    )


def write_headers(
    path,
    width,
    length,
    bands,
    data_type,
    scheme,
    image_type,
    family="image",
    coords=None,
    description=None,
    reference=None,
    extra=None,
    access_mode="read",
) -> None:
    """Write only the ``.xml`` and ``.vrt`` of a raster (binary written elsewhere)."""
    with open(path + ".xml", "w") as fh:
        fh.write(
            header_xml(
                path,
                width,
                length,
                bands,
                data_type,
                scheme,
                image_type,
                family,
                coords,
                description,
                access_mode,
                reference,
                extra,
            )
        )
    with open(path + ".vrt", "w") as fh:
        fh.write(vrt_text(path, width, length, bands, data_type, scheme, coords))


def read_header(xml_path: str) -> ImageInfo:
    """Parse an ISCE image ``.xml`` (property names case-insensitive, like ISCE)."""
    root = ET.parse(xml_path).getroot()
    props = {}
    for p in root.findall("property"):
        v = p.find("value")
        props[p.get("name").lower()] = (v.text if v is not None else p.text or "").strip()
    coords = {}
    for c in root.findall("component"):
        cp = {}
        for p in c.findall("property"):
            v = p.find("value")
            cp[p.get("name").lower()] = (v.text if v is not None else p.text or "").strip()
        coords[c.get("name").lower()] = cp

    def cval(name, key, default):
        try:
            return float(coords[name][key])
        except (KeyError, ValueError):
            return default

    return ImageInfo(
        file_name=props.get("file_name", ""),
        width=int(props["width"]),
        length=int(props["length"]),
        bands=int(props.get("number_bands", 1)),
        data_type=props.get("data_type", "FLOAT").upper(),
        scheme=props.get("scheme", "BIP").upper(),
        x0=cval("coordinate1", "startingvalue", 0.0),
        dx=cval("coordinate1", "delta", 1.0),
        y0=cval("coordinate2", "startingvalue", 0.0),
        dy=cval("coordinate2", "delta", 1.0),
        reference=props.get("reference"),
    )


def read_image(path: str, info: ImageInfo | None = None) -> list[np.ndarray]:
    """Read all bands of an ISCE raster (binary at ``path``, header at ``path.xml``)."""
    if info is None:
        info = read_header(path + ".xml")
    dt = info.dtype.newbyteorder("<")
    raw = np.fromfile(path, dtype=dt, count=info.width * info.length * info.bands)
    nb, ln, wd = info.bands, info.length, info.width
    if info.scheme == "BIL":
        arr = raw.reshape(ln, nb, wd).transpose(1, 0, 2)
    elif info.scheme == "BIP":
        arr = raw.reshape(ln, wd, nb).transpose(2, 0, 1)
    else:
        arr = raw.reshape(nb, ln, wd)
    return [np.ascontiguousarray(a).astype(info.dtype.newbyteorder("="), copy=False) for a in arr]


def write_vrt_only(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
