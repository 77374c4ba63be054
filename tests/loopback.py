"""HTTP server on 127.0.0.1 that replays the real recorded service responses in ../shared/data, with faults.

One server stands in for every host; the client side (http_fetch.RewriteAdapter) sends the original host name in
``X-Original-Host``. What is replayed, and from where (shared/data, see docs/inputs.md §7):
* CMR granule search (asf_search's POST /search/granules.umm_json): the recorded UMM-G records of the
  asf_search test resources, filtered by the requested ``readable_granule_name[]`` (CMR's own envelope: hits/items);
* the ASF orbit bucket listing (``s1-orbits.s3.amazonaws.com/?prefix=AUX_RESORB[&marker=...]``): the three
  recorded ListBucket pages of sentineleof's cassette, byte for byte; the staged real EOF files are served under
  their own keys and listed by ``add_orbit_files`` (as an extra page chained to the recorded ones);
* the CDSE OData orbit query: the recorded sentineleof cassette answer for its exact query, ``{"value": []}`` else;
* GLO-30 tiles (``copernicus-dem-30m.s3.amazonaws.com/<tile>/<tile>.tif``): the staged real COG tiles;
* the geoid (``aria-geoid.s3.us-west-2.amazonaws.com/us_nga_egm2008_1_4326__agisoft.tif``): the staged real
  EGM96 15' grid of dem-stitcher, re-encoded as a GeoTIFF (stand-in: the EGM2008 grid is not staged).
Not recorded anywhere (emulated, documented): the Earthdata token exchange and the SLC zip bodies (4-8 GB each;
tests serve a small stand-in body and describe it with its true size and md5).

Faults (``fault(host, path_substring, kinds)``, each kind consumed by one matching request): "500", "503",
"404",
"reset" (TCP RST before any answer), "truncate" (half the body, full Content-Length), "corrupt" (same length,
wrong bytes), "slow" (waits ``slow_seconds`` before answering); in the middle of a body: "reset-mid" (half the
body, then a TCP RST), "stall-mid" (half the body, then silence for ``slow_seconds``), "corrupt-mid" (same
length, 64 wrong bytes in the middle).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import yaml

SHARED = Path(os.environ.get("GUNW_SHARED_DIR", Path(__file__).resolve().parents[1].parent / "shared"))
DATA = SHARED / "data"
ASF_RESOURCES = DATA / "asf_search/tests/yml_tests/Resources"
ORBIT_CASSETTE = (
    DATA / "sentineleof/eof/tests/cassettes/test_asf_client/test_query_resorb_s1_reader_issue68.yaml"
)
CDSE_CASSETTE = (
    DATA / "sentineleof/eof/tests/cassettes/test_dataspace_client/test_scihub_query_orbit_by_dt.yaml"
)
GLO30_DIR = DATA / "dem-stitcher/tests/data/tiles/glo_30"
EGM96_GTX = DATA / "dem-stitcher/src/dem_stitcher/data/egm96_15.gtx"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

CMR_HOST = "cmr.earthdata.nasa.gov"
EDL_HOST = "urs.earthdata.nasa.gov"
ASF_AUTH_HOST = "cumulus.asf.alaska.edu"
DATAPOOL_HOST = "datapool.asf.alaska.edu"
ORBIT_HOST = "s1-orbits.s3.amazonaws.com"
CDSE_QUERY_HOST = "catalogue.dataspace.copernicus.eu"
GLO30_HOST = "copernicus-dem-30m.s3.amazonaws.com"
GEOID_HOST = "aria-geoid.s3.us-west-2.amazonaws.com"
GEOID_PATH = "/us_nga_egm2008_1_4326__agisoft.tif"


class Reply:
    def __init__(self, status=200, body=b"", headers=None, ranged=False):
        self.status, self.body, self.headers, self.ranged = status, body, dict(headers or {}), ranged


class Loopback:
    def __init__(self, slow_seconds: float = 0.5):
        self.routes: list[
            tuple[str, str, object, object]
        ] = []  # (host, method, path regex, fn(req) -> Reply)
        self.faults: list[list] = []  # [host, substring, [kinds]]
        self.log: list[dict] = []
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer._handle(self, method, body)

            def do_GET(self):
                self._serve("GET")

            def do_HEAD(self):
                self._serve("HEAD")

            def do_POST(self):
                self._serve("POST")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that hung up on an injected fault is expected; never print to the test's stderr

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # ---------------------------------------------------------------------------------------------- plumbing
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def route(self, host: str, method: str, path_regex: str, fn):
        self.routes.append((host, method, re.compile(path_regex), fn))

    def add_file(self, host: str, path: str, data, headers=None, auth=None):
        """Serve bytes (or a file's bytes) at host+path with Range support; `auth` = required bearer token."""
        blob = Path(data).read_bytes() if isinstance(data, (str, Path)) else bytes(data)

        def fn(req):
            if auth and req["headers"].get("Authorization") != f"Bearer {auth}":
                return Reply(401, b'{"error": "login required"}', {"Content-Type": "application/json"})
            return Reply(
                200, blob, {"Content-Type": "application/octet-stream", **(headers or {})}, ranged=True
            )

        self.route(host, "GET", re.escape(path) + "$", fn)
        self.route(host, "HEAD", re.escape(path) + "$", fn)
        return hashlib.md5(blob).hexdigest(), len(blob)

    def fault(self, host: str, substring: str, kinds: list[str]):
        with self._lock:
            self.faults.append([host, substring, list(kinds)])

    def count(self, host: str | None = None, contains: str = "", method: str | None = None) -> int:
        return sum(
            1
            for r in self.log
            if (host is None or r["host"] == host)
            and contains in r["path"] + ("?" + r["query"] if r["query"] else "")
            and (method is None or r["method"] == method)
        )

    def paths(self, host: str | None = None) -> Counter:
        return Counter(r["path"] for r in self.log if host is None or r["host"] == host)

    def _take_fault(self, host: str, target: str):
        with self._lock:
            for f in self.faults:
                if f[0] == host and f[1] in target and f[2]:
                    return f[2].pop(0)
        return None

    def _handle(self, h: BaseHTTPRequestHandler, method: str, body: bytes):
        parts = urlsplit(h.path)
        host = h.headers.get("X-Original-Host") or h.headers.get("Host", "").split(":")[0]
        req = {
            "method": method,
            "host": host,
            "path": parts.path,
            "query": parts.query,
            "params": parse_qs(parts.query, keep_blank_values=True),
            "form": parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if body else {},
            "headers": dict(h.headers.items()),
            "body": body,
        }
        with self._lock:
            self.log.append(
                {**{k: req[k] for k in ("method", "host", "path", "query")}, "range": h.headers.get("Range")}
            )
        kind = self._take_fault(host, parts.path + ("?" + parts.query if parts.query else ""))
        if kind == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        if kind == "slow":
            time.sleep(self.slow_seconds)
        if kind in ("500", "502", "503", "429", "404"):
            return self._send(
                h,
                method,
                Reply(int(kind), b'{"errors": ["injected fault"]}', {"Content-Type": "application/json"}),
            )
        reply = None
        for rhost, rmethod, rx, fn in self.routes:
            if rhost == host and rmethod == method and rx.match(parts.path):
                reply = fn(req)
                break
        if reply is None:
            reply = Reply(404, b'{"errors": ["not found on loopback"]}', {"Content-Type": "application/json"})
        self._send(h, method, reply, req["headers"].get("Range"), kind)

    def _send(self, h, method, reply: Reply, range_header=None, kind=None):
        body, status, headers = reply.body, reply.status, dict(reply.headers)
        if reply.ranged and status == 200:
            headers["Accept-Ranges"] = "bytes"
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header or "")
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else len(body) - 1
                if start >= len(body):
                    status, body = 416, b""
                    headers["Content-Range"] = f"bytes */{len(reply.body)}"
                else:
                    end = min(end, len(body) - 1)
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                    status, body = 206, body[start : end + 1]
        if kind == "corrupt" and body:
            body = bytes(b ^ 0x5A for b in body[:64]) + body[64:]
        if kind == "corrupt-mid" and body:
            mid = len(body) // 2
            body = body[:mid] + bytes(b ^ 0x5A for b in body[mid : mid + 64]) + body[mid + 64 :]
        full_length = len(body)
        if kind == "truncate":
            body = body[: max(1, len(body) // 2)]
            h.close_connection = True
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(full_length))
            if kind == "truncate":
                h.send_header("Connection", "close")
            h.end_headers()
            if method != "HEAD" and kind in ("reset-mid", "stall-mid") and len(body) > 1:
                h.wfile.write(body[: len(body) // 2])
                h.wfile.flush()
                if kind == "stall-mid":
                    time.sleep(self.slow_seconds)
                else:
                    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                h.connection.close()
                h.close_connection = True
                return
            if method != "HEAD":
                h.wfile.write(body)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


# ------------------------------------------------------------------------------------------------- replays
def _yaml(path: Path):
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.lru_cache(maxsize=1)
def _umm_records_json() -> str:
    out = []
    for path in sorted(ASF_RESOURCES.glob("*.yml")):
        data = _yaml(path)
        for rec in data if isinstance(data, list) else [data]:
            if isinstance(rec, dict) and "umm" in rec and "meta" in rec:
                out.append({"meta": rec["meta"], "umm": rec["umm"]})
    return json.dumps(out, default=str)


def load_umm_records() -> list[dict]:
    """Every recorded CMR UMM-G record ({meta, umm}) of the asf_search test resources (a fresh copy)."""
    return json.loads(_umm_records_json())


def _names(rec: dict) -> set[str]:
    umm = rec["umm"]
    names = {umm.get("GranuleUR", "")}
    names.add(umm.get("GranuleUR", "").rsplit("-", 1)[0])
    for ident in umm.get("DataGranule", {}).get("Identifiers", []):
        names.add(ident.get("Identifier", ""))
    return names


def umm_set_size_md5(rec: dict, size: int, md5: str) -> dict:
    """A copy of a recorded record whose BYTES/MD5SUM (and archive size) describe a stand-in payload."""
    rec = json.loads(json.dumps(rec))
    for attr in rec["umm"].get("AdditionalAttributes", []):
        if attr["Name"] == "BYTES":
            attr["Values"] = [str(size)]
        if attr["Name"] == "MD5SUM":
            attr["Values"] = [md5]
    for info in rec["umm"].get("DataGranule", {}).get("ArchiveAndDistributionInformation", []):
        info["Size"] = size / 1048576.0
        info["SizeInBytes"] = size
        if "Checksum" in info:
            info["Checksum"]["Value"] = md5
    return rec


def install_cmr(lb: Loopback, records: list[dict] | None = None):
    """CMR granule search replaying recorded records; returns the (mutable) record list it serves from."""
    pool = records if records is not None else load_umm_records()

    def search(req):
        wanted = set(req["form"].get("readable_granule_name[]", []))
        items = [r for r in pool if _names(r) & wanted]
        body = json.dumps({"hits": len(items), "took": 3, "items": items}).encode()
        return Reply(
            200,
            body,
            {"Content-Type": "application/vnd.nasa.cmr.umm_results+json", "CMR-Hits": str(len(items))},
        )

    lb.route(CMR_HOST, "POST", r"/search/granules\.umm_json$", search)
    return pool


def install_earthdata(lb: Loopback, username: str, password: str, token: str = "loopback-edl-token"):
    """Earthdata login as asf_search's ASFSession.auth_with_creds uses it (emulated: no recording exists)."""
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def find_token(req):
        if req["headers"].get("Authorization") != expected:
            return Reply(401, b'{"error": "invalid_credentials"}', {"Content-Type": "application/json"})
        return Reply(
            200,
            json.dumps({"access_token": token, "token_type": "Bearer"}).encode(),
            {"Content-Type": "application/json"},
        )

    def authorize(req):
        return Reply(302, b"", {"Location": f"https://{ASF_AUTH_HOST}/login?code=loopback"})

    def login(req):
        return Reply(200, b"ok", {"Set-Cookie": "asf-urs=loopback-cookie; Path=/"})

    lb.route(EDL_HOST, "POST", r"/api/users/find_or_create_token$", find_token)
    lb.route(EDL_HOST, "GET", r"/oauth/authorize$", authorize)
    lb.route(ASF_AUTH_HOST, "GET", r"/login$", login)
    return token


@functools.lru_cache(maxsize=4)
def _cassette(path: Path) -> list[dict]:
    return _yaml(path)["interactions"]


def install_orbit_bucket(lb: Loopback, extra_files: list[Path] = ()):
    """The ASF s1-orbits bucket. The recorded ListBucket pages (sentineleof cassette) are answered verbatim for
    their exact queries; any other prefix/marker query is answered S3-style over the same recorded keys plus the
    given real EOF files, which are also served for download under their keys."""
    pages, keys = {}, set()
    for it in _cassette(ORBIT_CASSETTE):
        q = parse_qs(urlsplit(it["request"]["uri"]).query)
        text = it["response"]["body"]["string"]
        pages[(q["prefix"][0], q.get("marker", [""])[0])] = text
        keys.update(re.findall(r"<Key>(.*?)</Key>", text))
    extra = []
    for f in extra_files:
        name = re.search(r"<File_Name>(.*?)</File_Name>", Path(f).read_text()).group(1) + ".EOF"
        key = f"{'AUX_POEORB' if '_POEORB_' in name else 'AUX_RESORB'}/{name}"
        extra.append(key)
        lb.add_file(ORBIT_HOST, "/" + key, f)
    keys.update(extra)
    ordered = sorted(keys)

    def listing(req):
        prefix = req["params"].get("prefix", [""])[0]
        marker = req["params"].get("marker", [""])[0]
        if (prefix, marker) in pages and not any(k.startswith(prefix) for k in extra):
            return Reply(200, pages[(prefix, marker)].encode(), {"Content-Type": "application/xml"})
        sel = [k for k in ordered if k.startswith(prefix) and k > marker]
        page, truncated = sel[:1000], len(sel) > 1000
        contents = "".join(f"<Contents><Key>{k}</Key></Contents>" for k in page)
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{S3_NS}"><Name>s1-orbits</Name>'
            f"<Prefix>{prefix}</Prefix><Marker>{marker}</Marker><MaxKeys>1000</MaxKeys>"
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{contents}</ListBucketResult>"
        )
        return Reply(200, body.encode(), {"Content-Type": "application/xml"})

    lb.route(ORBIT_HOST, "GET", r"/$", listing)
    return ordered


def install_cdse(lb: Loopback):
    """CDSE OData orbit query: the recorded answer for its exact $filter, an empty result for any other."""
    recorded = {}
    for it in _cassette(CDSE_CASSETTE):
        q = parse_qs(urlsplit(it["request"]["uri"]).query)
        recorded[q["$filter"][0]] = it["response"]["body"]["string"]

    def query(req):
        flt = req["params"].get("$filter", [""])[0]
        text = recorded.get(flt, '{"@odata.context":"$metadata#Products","value":[]}')
        return Reply(200, text.encode(), {"Content-Type": "application/json"})

    lb.route(CDSE_QUERY_HOST, "GET", r"/odata/v1/Products$", query)
    return recorded


def install_glo30(lb: Loopback):
    """The staged real GLO-30 COG tiles at their S3 paths."""
    served = []
    for tif in sorted(GLO30_DIR.glob("*.tif")):
        stem = tif.stem
        lb.add_file(GLO30_HOST, f"/{stem}/{tif.name}", tif)
        served.append(stem)
    return served


def datapool_path(scene: str) -> str:
    return f"/SLC/S{scene[2]}/{quote(scene)}.zip"


def geoid_standin(dest: Path) -> Path:
    """The staged EGM96 grid as a tiled, deflated GeoTIFF (the format of dem_stitcher's EGM2008 file)."""
    import rasterio

    if not dest.exists():
        with rasterio.open(EGM96_GTX) as src:
            profile = src.profile | {"driver": "GTiff", "tiled": True, "compress": "deflate"}
            profile |= {"blockxsize": 256, "blockysize": 256}
            dest.parent.mkdir(parents=True, exist_ok=True)
            with rasterio.open(dest, "w", **profile) as dst:
                dst.write(src.read())
    return dest


def install_geoid(lb: Loopback, workdir: Path) -> Path:
    """dem_stitcher's EGM2008 URL serving the re-encoded staged EGM96 grid; returns the served file."""
    path = geoid_standin(Path(workdir) / "geoid_standin.tif")
    lb.add_file(GEOID_HOST, GEOID_PATH, path)
    return path
