"""Credentials never live in the config: find them there (and scrub them from provenance) without showing them.

Why before schema validation: Snakemake writes config-derived shell commands and params into ``.snakemake/``
and the validation error of an unknown key prints the whole config; a password in a base URL or a signed
query string would end up in both. Credentials belong in ``~/.netrc`` or the environment
(``credentials.ENV_VARS``), which the download commands read themselves.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# query parameters that carry a credential or a signature (OAuth, S3/CloudFront/Azure presigned URLs, API keys)
CREDENTIAL_PARAM_RE = re.compile(
    r"^(x-amz-(signature|credential|security-token)|x-goog-(signature|credential)|signature|sig|"
    r"(access|id|refresh|auth|session|bearer)?[_-]?token|password|passwd|pwd|secret|client[_-]?secret|"
    r"api[_-]?key|apikey|key|access[_-]?key|key-pair-id|policy|auth|authorization)$",
    re.I,
)
# config keys that must never hold a value (a credential by its name)
CREDENTIAL_KEY_RE = re.compile(
    r"(passw|secret|token|credential|api[_-]?key|apikey|netrc|cookie|authorization|bearer|private[_-]?key)",
    re.I,
)
URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")

WHERE = (
    "credentials are read only from ~/.netrc ('machine <host> login ... password ...') or the environment "
    "(EARTHDATA_USERNAME/EARTHDATA_PASSWORD, CDSE_USERNAME/CDSE_PASSWORD)"
)


def url_problems(url: str) -> list[str]:
    """What in a URL is a credential (by kind, never by value)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    out = []
    if "@" in parts.netloc:
        out.append("a user name/password in the URL (user:password@host)")
    bad = sorted(
        {k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if CREDENTIAL_PARAM_RE.match(k)}
    )
    if bad:
        out.append(f"credential query parameter(s) {', '.join(bad)}")
    return out


def scrub_url(url: str) -> str:
    """The URL without userinfo and without credential-like query parameters (the others are kept)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not url_problems(url):
        return url  # untouched: re-encoding a clean query would change provenance for nothing
    netloc = parts.netloc.rsplit("@", 1)[-1]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, v) for k, v in pairs if not CREDENTIAL_PARAM_RE.match(k)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub_text(text: str) -> str:
    """Every URL inside a string scrubbed (provenance strings, log lines)."""
    return URL_RE.sub(lambda m: scrub_url(m.group(0)), text)


def config_problems(config, path: str = "") -> list[str]:
    """``<key path>: <what>`` for every credential in a config mapping; values are never included."""
    out = []
    if isinstance(config, dict):
        for key, value in config.items():
            where = f"{path}.{key}" if path else str(key)
            if CREDENTIAL_KEY_RE.search(str(key)) and value not in (None, "", [], {}):
                out.append(f"{where}: a credential-named key")
            else:
                out += config_problems(value, where)
    elif isinstance(config, (list, tuple)):
        for i, value in enumerate(config):
            out += config_problems(value, f"{path}[{i}]")
    elif isinstance(config, str):
        for url in URL_RE.findall(config):
            out += [f"{path}: {p}" for p in url_problems(url)]
    return out


def config_error(config) -> str | None:
    """The rejection message for a config holding credentials (None when clean): key paths and the fix only."""
    problems = config_problems(config)
    if not problems:
        return None
    return (
        "the config holds credentials, which would be written to Snakemake's logs and metadata:\n  - "
        + "\n  - ".join(problems)
        + f"\nRemove them: {WHERE}."
    )
