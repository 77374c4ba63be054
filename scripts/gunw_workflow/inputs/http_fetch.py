"""Robust HTTP for every download rule: retries with backoff, resumable verified downloads, atomic placement.

Why one module: SLCs, orbits, DEM tiles, the water-mask source and AUX_CAL all fail the same ways in campaigns
(5xx, resets, truncated bodies, wrong content, stalls). Every fetch here
* retries transient failures (5xx, 429, connection errors, read timeouts, short bodies, checksum mismatch) with
  exponential backoff, and fails at once, with the reason, on 4xx (bad credentials, missing file);
* writes to ``<dest>.part`` (resumed with an HTTP Range request when the server supports it) and moves the file
  to ``dest`` with an atomic rename only after size / md5 / a caller's validator accept it, so an output path
  never holds a partial or corrupt file.
* fails at once, with one line naming the path and the fix, when the local disk refuses a write (full,
  read-only, no permission: ``LocalResourceError``), removing the ``.part`` file;
* says "no network on this machine, or the service is down" when every try failed to resolve or connect.

Download commands log to ``--log`` and print only ``error: <cause>`` (and cache notices) to the console
(``run_cli``), so the cause reaches the Snakemake console even when the log file cannot be written.

Tests point all traffic at 127.0.0.1 with ``base_url``: a requests adapter rewrites https://<host>/path to
``<base_url>/path`` and passes the original host in the ``X-Original-Host`` header.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import functools
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger("gunw.fetch")

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DownloadError(RuntimeError):
    """A fetch that failed for good; the message names the URL (without credentials) and the reason."""


class PermanentHTTPError(DownloadError):
    """A 4xx answer that retrying cannot fix (missing file, refused credentials)."""


class LocalResourceError(DownloadError):
    """The local disk refused a write (full, read-only, no permission): retrying cannot help, so it fails at once."""


# errno -> (what failed, what to do about it); retrying cannot help and would only fill the log of a full disk
_WRITE = "cannot write"
_ACCESS = "no access to"
LOCAL_ERRNOS = {
    errno.ENOSPC: (_WRITE, "free space there or set cache_dir to a larger disk"),
    errno.EDQUOT: (_WRITE, "free space there (disk quota exceeded) or set cache_dir elsewhere"),
    errno.EROFS: (_WRITE, "the file system is read-only: set cache_dir to a writable directory"),
    errno.EACCES: (_ACCESS, "fix the directory's owner/mode or set cache_dir to a directory you can write"),
    errno.EPERM: (_ACCESS, "fix the directory's owner/mode or set cache_dir to a directory you can write"),
}


def local_resource_error(exc: BaseException, path=None) -> LocalResourceError | None:
    """A one-line LocalResourceError for a disk-full / read-only / permission OSError, else None."""
    if isinstance(exc, LocalResourceError):
        return exc
    if not isinstance(exc, OSError) or exc.errno not in LOCAL_ERRNOS:
        return None
    what, fix = LOCAL_ERRNOS[exc.errno]
    where = exc.filename or path or "?"
    return LocalResourceError(
        f"{what} {where}: {os.strerror(exc.errno)} ({errno.errorcode[exc.errno]}); {fix}"
    )


def is_unreachable(exc: BaseException) -> bool:
    """The request never reached a server: name resolution failed, the connection was refused or timed out
    (a reset or a stall after connecting is a server fault, not this)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(exc)  # also libraries that wrap the requests error (asf_search's ASFSearchError)
    return any(
        s in text
        for s in ("NameResolutionError", "Failed to resolve", "NewConnectionError", "Connection refused")
    )


def unreachable_hint(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f"; every try failed to resolve or connect to {host}: no network on this machine, or the service is down"


@dataclass
class RetryPolicy:
    attempts: int = 5  # total tries per fetch
    backoff: float = 2.0  # seconds before the 2nd try; doubles each time
    max_wait: float = 60.0
    connect_timeout: float = 20.0
    read_timeout: float = 60.0  # a stalled server counts as a transient failure after this

    def wait(self, attempt: int) -> float:
        return min(self.max_wait, self.backoff * (2 ** (attempt - 1)))

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


def policy_from_args(args) -> RetryPolicy:
    return RetryPolicy(
        attempts=max(1, args.tries),
        backoff=args.backoff,
        read_timeout=args.timeout,
        connect_timeout=min(args.timeout, 20.0),
    )


def add_policy_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tries", type=int, default=1, help="tries per request (the workflow passes downloads.retries + 1)"
    )
    parser.add_argument(
        "--backoff", type=float, default=2.0, help="first retry wait in s, doubling (default 2)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="read timeout in s (default 60)")
    parser.add_argument(
        "--base-url",
        default=os.environ.get("GUNW_BASE_URL") or None,
        help="send every request to this base URL instead of the real hosts (tests: http://127.0.0.1:PORT)",
    )


class RewriteAdapter(HTTPAdapter):
    """Sends https://host/path?q to base_url/path?q, keeping the original URL on the response (cookies, redirects
    and auth rules behave as against the real host)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base_url.rstrip("/"))

    def send(self, request, **kwargs):
        orig = request.url
        parts = urlsplit(orig)
        if parts.hostname in ("127.0.0.1", "localhost") and parts.scheme == "http":
            return super().send(request, **kwargs)
        clone = request.copy()
        clone.url = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, "")
        )
        clone.headers["X-Original-Host"] = parts.hostname or ""
        resp = super().send(clone, **kwargs)
        resp.url = orig
        resp.request = request
        return resp


def mount_base_url(session: requests.Session, base_url: str | None) -> requests.Session:
    if base_url:
        adapter = RewriteAdapter(base_url)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


def make_session(base_url: str | None = None, session: requests.Session | None = None) -> requests.Session:
    s = session if session is not None else requests.Session()
    s.trust_env = (
        False  # never pick up ~/.netrc implicitly: credentials are passed explicitly and only where needed
    )
    return mount_base_url(s, base_url)


def redact_url(url: str) -> str:
    """URL without userinfo and query (query strings can carry signed tokens)."""
    p = urlsplit(url)
    netloc = p.hostname or ""
    if p.port:
        netloc += f":{p.port}"
    return urlunsplit((p.scheme, netloc, p.path, "", ""))


def _sleep(policy: RetryPolicy, attempt: int, what: str, reason: str) -> None:
    wait = policy.wait(attempt)
    log.warning(
        "%s: attempt %d/%d failed (%s); retrying in %.3g s", what, attempt, policy.attempts, reason, wait
    )
    time.sleep(wait)


def _status_error(resp: requests.Response, url: str) -> DownloadError:
    code = resp.status_code
    if code in (401, 403):
        return PermanentHTTPError(
            f"HTTP {code} from {redact_url(url)}: access refused; check your Earthdata login (netrc "
            "urs.earthdata.nasa.gov or EARTHDATA_USERNAME/EARTHDATA_PASSWORD) and that you accepted the data "
            "provider's EULA"
        )
    if code == 404:
        return PermanentHTTPError(f"HTTP 404 from {redact_url(url)}: the file does not exist on the server")
    return PermanentHTTPError(f"HTTP {code} from {redact_url(url)}")


def request_with_retry(
    session: requests.Session,
    method: str,
    url: str,
    policy: RetryPolicy | None = None,
    what: str | None = None,
    validate: Callable[[requests.Response], None] | None = None,
    **kwargs,
) -> requests.Response:
    """A small request (listing, query, token) with retries; the body is fully read (truncation -> retry).
    `validate(resp)` may raise ValueError for a well-formed but unusable body (also retried)."""
    policy = policy or RetryPolicy()
    what = what or redact_url(url)
    last = ""
    unreachable = 0
    for attempt in range(1, policy.attempts + 1):
        try:
            resp = session.request(method, url, timeout=policy.timeout, **kwargs)
            _ = resp.content  # read it all inside the try: a short body raises here
            if resp.status_code in TRANSIENT_STATUS:
                last = f"HTTP {resp.status_code}"
            elif resp.status_code >= 400:
                raise _status_error(resp, url)
            else:
                if validate is not None:
                    validate(resp)
                return resp
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}"
            unreachable += is_unreachable(exc)
        except ValueError as exc:
            last = f"unusable response: {exc}"
        if attempt < policy.attempts:
            _sleep(policy, attempt, what, last)
    hint = unreachable_hint(url) if unreachable == policy.attempts else ""
    raise DownloadError(f"{what}: giving up after {policy.attempts} attempts; last error: {last}{hint}")


def md5_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


class _Lock:
    """Exclusive lock beside the destination: two runs sharing a cache never write one .part at once."""

    def __init__(self, dest: Path):
        self.path = dest.with_name(dest.name + ".lock")

    def __enter__(self):
        self.fh = open(self.path, "w")
        fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()  # the lock file stays: unlinking it would let a waiting process lock a stale inode


def _verifier(size: int | None, md5: str | None, validate: Callable[[Path], None] | None):
    """A check of a finished file: size and md5 when known, then the caller's own (raises ValueError)."""

    def verify(path: Path) -> None:
        got = path.stat().st_size
        if size is not None and got != int(size):
            raise ValueError(f"size {got} bytes, expected {size}")
        if md5 is not None:
            digest = md5_of(path)
            if digest.lower() != md5.lower():
                raise ValueError(f"md5 {digest}, expected {md5}")
        if validate is not None:
            validate(path)

    return verify


def _append_body(resp, url: str, part: Path, have: int, chunk_size: int) -> None:
    """Write a response body to the .part file: appended when the server resumed at ``have``, else anew."""
    if resp.status_code in TRANSIENT_STATUS:
        raise _Transient(f"HTTP {resp.status_code}")
    if resp.status_code == 416 and have:
        part.unlink()
        raise _Transient("server refused the resume range; restarting")
    if resp.status_code >= 400:
        raise _status_error(resp, url)
    mode = "ab" if (have and resp.status_code == 206) else "wb"
    if mode == "ab":
        start = resp.headers.get("Content-Range", "").split(" ")[-1].split("-")[0]
        if start != str(have):
            mode = "wb"  # a range we did not ask for: start over
    expected_len = resp.headers.get("Content-Length")
    written = 0
    with open(part, mode) as fh:
        for block in resp.iter_content(chunk_size=chunk_size):
            fh.write(block)
            written += len(block)
    if expected_len is not None and written != int(expected_len):
        raise _Transient(f"body truncated: {written} of {expected_len} bytes")


def _attempt(url, part: Path, session, size, resume: bool, policy, chunk_size: int) -> None:
    """One try: resume the .part file where it stopped (or start it), unless it is already complete."""
    have = part.stat().st_size if (resume and part.exists()) else 0
    if size is not None and have > int(size):
        have = 0
    if have and size is not None and have == int(size):
        return  # complete from a previous attempt: only verification is left
    headers = {"Range": f"bytes={have}-"} if have else {}
    with session.get(url, headers=headers, stream=True, timeout=policy.timeout) as resp:
        _append_body(resp, url, part, have, chunk_size)


def download_file(
    url: str,
    dest: str | os.PathLike,
    session: requests.Session | None = None,
    size: int | None = None,
    md5: str | None = None,
    validate: Callable[[Path], None] | None = None,
    policy: RetryPolicy | None = None,
    resume: bool = True,
    chunk_size: int = 1 << 20,
) -> Path:
    """Fetch `url` into `dest`, verified. Skips the download if `dest` already exists and verifies
    (size + md5 when given, and `validate`); a cached file that fails is removed and fetched again.
    Raises DownloadError (LocalResourceError at once when the disk refuses a write, with the .part removed);
    leaves no file at `dest` unless it is verified."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with _Lock(dest):
            return _download_locked(
                url, dest, part, session, _verifier(size, md5, validate), policy, resume, size, chunk_size
            )
    except OSError as exc:
        local = local_resource_error(exc, dest)
        if local is None:
            raise
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only file system keeps it; nothing else can be done
        raise local from None


def _download_locked(url, dest: Path, part: Path, session, verify, policy, resume, size, chunk_size) -> Path:
    session = session or make_session()
    policy = policy or RetryPolicy()
    what = f"download {dest.name}"
    if dest.exists():
        try:
            verify(dest)
            log.info("%s: already present and verified", dest)
            return dest
        except ValueError as exc:
            log.warning(
                "cached %s fails verification (%s): removed, fetching it again", dest, exc, extra=CONSOLE
            )
            dest.unlink()
    last, unreachable = "", 0
    for attempt in range(1, policy.attempts + 1):
        try:
            _attempt(url, part, session, size, resume, policy, chunk_size)
            try:
                verify(part)
            except ValueError as exc:
                part.unlink(missing_ok=True)
                raise _Transient(f"verification failed: {exc}") from None
            os.replace(part, dest)
            log.info("%s: done (%d bytes)", what, dest.stat().st_size)
            return dest
        except PermanentHTTPError:
            part.unlink(missing_ok=True)
            raise
        except _Transient as exc:
            last = str(exc)
        except requests.RequestException as exc:
            last = type(exc).__name__
            unreachable += is_unreachable(exc)
        if attempt < policy.attempts:
            _sleep(policy, attempt, what, last)
    raise DownloadError(
        f"{what} from {redact_url(url)}: giving up after {policy.attempts} attempts; last error: {last}"
        + (unreachable_hint(url) if unreachable == policy.attempts else "")
        + (f" (partial data kept in {part.name} for resuming)" if part.exists() else "")
    )


class _Transient(Exception):
    pass


def atomic_write_bytes(dest: str | os.PathLike, data: bytes) -> Path:
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)  # e.g. a full disk: no half-written temp file stays in the cache
        raise
    return dest


def atomic_write_text(dest: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(dest, text.encode())


CONSOLE = {"console": True}
"""``extra=`` of a log record that should also reach the console when the job logs to a file."""


def setup_logging(verbose: bool = False, log_file: str | os.PathLike | None = None) -> None:
    """Messages to stderr; with `log_file`, everything to the file and only errors and notices marked
    CONSOLE to stderr (the console of the Snakemake run), so a failed job's cause is shown where it is read.
    A log on a full disk must not turn into a traceback: logging's own errors are silenced."""
    logging.raiseExceptions = False
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    # replace only the handlers of a previous call (tests call main twice); pytest's own stay
    for h in [h for h in root.handlers if getattr(h, "_gunw", False)]:
        root.removeHandler(h)
        h.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    handlers = [console]
    if log_file:
        try:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # an unwritable log directory: the file handler fails quietly, the console still gets errors
        handlers.append(logging.FileHandler(log_file, delay=True))
        console.addFilter(lambda r: r.levelno >= logging.ERROR or getattr(r, "console", False))
        logging.captureWarnings(True)  # library warnings (dem_stitcher's) to the file, not the console
        _quiet_progress_bars()  # nor dem_stitcher's progress bars
    for h in handlers:
        h._gunw = True
        h.setFormatter(fmt)
        root.addHandler(h)
    # third-party debug logs can echo request headers (Authorization); keep them quiet
    for name in ("urllib3", "asf_search", "requests"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _quiet_progress_bars() -> None:
    """No tqdm bars on the console. tqdm reads TQDM_* variables when it is imported, so a tqdm imported before
    this call (by an earlier import in the same process) gets its default switched directly."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    std = sys.modules.get("tqdm.std")
    if std is not None and not getattr(std.tqdm, "_gunw_quiet", False):
        std.tqdm.__init__ = functools.partialmethod(std.tqdm.__init__, disable=True)
        std.tqdm._gunw_quiet = True


def add_log_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log", default=None, help="log file (the console then shows only errors and cache notices)"
    )


def report_error(message: str, log_file=None) -> None:
    """The job's one-line failure: ``error: ...`` on stderr (the console) and, when logging to a file, there too."""
    print(f"error: {message}", file=sys.stderr)
    if log_file:
        try:
            with open(log_file, "a") as fh:
                fh.write(f"error: {message}\n")
        except OSError:
            pass  # e.g. the disk that is full; the console line is what matters


def cli_error(exc: BaseException, expected: tuple = ()) -> str | None:
    """The message of an exception a download command reports as one line (None: a bug; let it raise)."""
    from gunw_workflow.inputs.credentials import MissingCredentialsError

    local = local_resource_error(exc)
    if local is not None:
        return str(local)
    if isinstance(exc, (DownloadError, MissingCredentialsError, *expected)):
        return str(exc)
    return None


def run_cli(body: Callable[[], object], log_file=None, label: str = "", expected: tuple = ()) -> int:
    """Run a download command's body: 0, or 1 after one ``error: <label><cause>`` line (no traceback) for
    every expected failure (download, credentials, full/read-only disk, and `expected`)."""
    try:
        body()
    except Exception as exc:
        msg = cli_error(exc, expected)
        if msg is None:
            raise
        report_error(label + msg, log_file)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Download one URL to a file, verified, resumable, with retries."
    )
    parser.add_argument("url")
    parser.add_argument("dest")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--md5", default=None)
    add_policy_args(parser)
    add_log_arg(parser)
    args = parser.parse_args(argv)
    setup_logging(log_file=args.log)
    return run_cli(
        lambda: download_file(
            args.url,
            args.dest,
            session=make_session(args.base_url),
            size=args.size,
            md5=args.md5,
            policy=policy_from_args(args),
        ),
        args.log,
    )


if __name__ == "__main__":
    sys.exit(main())
