"""HTTP to providers: API calls with a timeout, and media downloads that refuse private
addresses (SSRF) and stop at ``PROVIDER_MEDIA_MAX_BYTES``."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from core.text import whole_number

from .base import FetchedMedia, ProviderError

USER_AGENT = "Atende/1.0"
MAX_REDIRECTS = 3


def api_call(method: str, url: str, **kwargs) -> requests.Response:
    """A provider API call; connection errors and timeouts propagate (the caller retries)."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    return requests.request(method, url, headers=headers, timeout=settings.PROVIDER_HTTP_TIMEOUT, **kwargs)


def json_of(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _address_allowed(host: str, port: int) -> bool:
    """Every address the host resolves to is public (or private ones are allowed)."""
    if settings.PROVIDER_MEDIA_ALLOW_PRIVATE:
        return True
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return False
    return bool(infos)


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ProviderError(_("The media address is not an HTTP address."), permanent=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not _address_allowed(parts.hostname, port):
        raise ProviderError(_("The media address is private or unknown: not downloaded."), permanent=True)


def download(url: str, *, headers: dict | None = None, auth=None, filename: str = "", mime: str = "") -> FetchedMedia:
    """Download at most ``PROVIDER_MEDIA_MAX_BYTES`` from a public address.

    Redirects are followed by hand (each hop is checked; credentials go with the first
    request only: a redirect leads to signed storage URLs). The address is resolved and
    checked before connecting; a DNS answer that changes between the check and the
    connection is not covered (see README)."""
    limit = settings.PROVIDER_MEDIA_MAX_BYTES
    for hop in range(MAX_REDIRECTS + 1):
        check_url(url)
        same_host = hop == 0
        response = requests.get(
            url, headers={"User-Agent": USER_AGENT, **((headers or {}) if same_host else {})},
            auth=auth if same_host else None, stream=True, allow_redirects=False,
            timeout=settings.PROVIDER_HTTP_TIMEOUT,
        )  # fmt: skip
        with response:
            if response.is_redirect and response.headers.get("Location"):
                url = requests.compat.urljoin(url, response.headers["Location"])
                continue
            if response.status_code != 200:
                raise ProviderError(_("The provider answered %(status)s to the media download.")
                                    % {"status": response.status_code})  # fmt: skip
            declared = response.headers.get("Content-Length", "")
            if (whole_number(declared) or 0) > limit:
                raise ProviderError(_("The media is larger than the limit: not downloaded."), permanent=True)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ProviderError(_("The media is larger than the limit: not downloaded."), permanent=True)
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            return FetchedMedia(content=b"".join(chunks), mime=mime or content_type or "application/octet-stream",
                                filename=filename)  # fmt: skip
    raise ProviderError(_("Too many redirects downloading the media."), permanent=True)
