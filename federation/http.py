"""The one outbound HTTP client: every fetch and delivery goes through `SafeClient`.

It refuses private and special-use addresses (SSRF guard), checked on the resolved address
that is then connected to (so DNS rebinding between check and connect cannot win), and
again on every redirect, which it follows itself. It enforces FEDERATION.md's limits:
connect 5 s, read 10 s, 30 s in all, at most 3 redirects, 1 MB a response.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.client import HTTPException
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from federation.errors import FetchError, ResponseTooLarge, UnsafeAddress
from federation.signatures import sign_request

DEFAULT_USER_AGENT = "transition-commons/0.1"
ACTIVITY_JSON = "application/activity+json"
ACCEPT_ACTIVITY = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
_ACTIVITY_TYPES = {ACTIVITY_JSON, "application/ld+json"}
_REDIRECTS = {301, 302, 303, 307, 308}
_URL_SAFE = "!$&'()*+,/:;=?@[]~%"  # what may stay unescaped in a request target

# Special-use IPv4 ranges (IANA registry) that no peer lives on; 240/4 holds 255.255.255.255.
_BLOCKED_V4 = [
    ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]
# Public IPv6 unicast is 2000::/3; inside it, IETF protocol space (Teredo, ORCHID, benchmarking),
# documentation ranges. ::ffff:0:0/96, 64:ff9b::/96 and 2002::/16 carry an IPv4 address
# that reaches the network it names, so that address is judged instead.
_GLOBAL_V6 = ip_network("2000::/3")
_BLOCKED_V6 = [ip_network(net) for net in ("2001::/23", "2001:db8::/32", "3fff::/20")]
_NAT64 = ip_network("64:ff9b::/96")

Resolver = Callable[[str, int], Iterable[str]]
Signer = Callable[..., dict]


def is_public_address(address: str | IPv4Address | IPv6Address) -> bool:
    """Tell whether an address is globally reachable unicast, the only kind a peer has."""
    ip = ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip not in _GLOBAL_V6 or any(ip in net for net in _BLOCKED_V6):
            return False
        return ip.is_global
    return not any(ip in net for net in _BLOCKED_V4) and ip.is_global


def system_resolver(host: str, port: int) -> list[str]:
    """Return every address the system resolver gives for `host`."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def normalise_url(url: str) -> str:
    """Return the URL without fragment, scheme and host lowercased, default port dropped."""
    parts = urlsplit(urldefrag(url)[0])
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{host}{parts.path or '/'}{query}"


@dataclass(frozen=True)
class HttpResponse:
    """What a peer answered: status, headers (case-insensitive), body, and the final URL."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class FailureCache:
    """Remember failed fetches for `ttl` seconds, so a dead or hostile peer is not asked again
    for every activity that names the same key."""

    def __init__(self, ttl: float = 60.0, max_entries: int = 10_000, clock=time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> str | None:
        """Return why `url` failed, if it failed less than `ttl` seconds ago."""
        with self._lock:
            entry = self._entries.get(normalise_url(url))
            return entry[1] if entry and entry[0] > self.clock() else None

    def add(self, url: str, reason: str) -> None:
        """Record that fetching `url` failed now."""
        with self._lock:
            self._entries[normalise_url(url)] = (self.clock() + self.ttl, reason)
            self._entries.move_to_end(normalise_url(url))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, url: str) -> None:
        """Drop the failure of `url`, e.g. when its peer has just spoken to us."""
        with self._lock:
            self._entries.pop(normalise_url(url), None)


@dataclass(frozen=True)
class _Target:
    """One hop: the URL as requested, and the checked addresses to connect to."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) name or IP literal: for SNI and the certificate check
    port: int
    host_header: str
    path: str
    addresses: tuple[str, ...]


class SafeClient:
    """Fetch and deliver over HTTP(S), refusing what FEDERATION.md says must be refused.

    `allow_private` (COMMONS_ALLOW_PRIVATE_ADDRESSES, tests and demos only) lifts the address
    guard and allows plain http. `allowed_networks` (CIDRs) admits chosen private networks,
    e.g. a sibling node on the LAN; `allow_http` defaults to `allow_private`. `resolver`
    and `ca_certs` let a deployment (or a test) name its own DNS and trusted CAs.
    """

    def __init__(
        self,
        allow_private: bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
        signer: Signer | None = None,
        *,
        allow_http: bool | None = None,
        allowed_networks: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        ca_certs: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_bytes: int = 1_000_000,
        max_redirects: int = 3,
        failures: FailureCache | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allow_http = allow_private if allow_http is None else allow_http
        self.allowed_networks = [ip_network(net) for net in allowed_networks]
        self.user_agent, self.signer, self.resolver = user_agent, signer or sign_request, resolver
        self.ca_certs = ca_certs or certifi.where()
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.total_timeout, self.max_redirects = total_timeout, max_redirects
        self.max_bytes = max_bytes
        self.failures = failures

    def get_json(
        self, url: str, *, sign_as: tuple[str, str] | None = None
    ) -> tuple[dict[str, Any], str]:
        """Fetch an ActivityPub document; return it and the URL it was finally served from.

        The document must come with an ActivityPub/JSON-LD content type and have the `id`
        of the URL it was served from (after redirects, which may cross origins: compare
        the returned URL with what you asked for if that matters to you).
        """
        if self.failures is not None and (reason := self.failures.get(url)):
            raise FetchError(f"{url} failed moments ago: {reason}", url=url)
        try:
            response = self._send("GET", url, {"Accept": ACCEPT_ACTIVITY}, None, sign_as)
            _check_status(response)
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in _ACTIVITY_TYPES:
                reason = f"{response.url} is {kind or 'untyped'}, not ActivityPub JSON"
                raise FetchError(reason, status=response.status, url=url)
            document = self._json_object(response)
            final = normalise_url(response.url)
            if not isinstance(document.get("id"), str) or normalise_url(document["id"]) != final:
                raise FetchError(f"the document at {response.url} has another id", url=url)
        except FetchError as exc:
            if self.failures is not None:
                self.failures.add(url, exc.reason)
            raise
        return document, response.url

    def get(
        self, url: str, *, accept: str = "application/json", sign_as: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """Fetch a JSON object of any type, such as WebFinger's JRD or NodeInfo, guarded alike."""
        return self._json_object(self._send("GET", url, {"Accept": accept}, None, sign_as))

    def fetch(self, url: str, *, accept: str = "*/*", max_bytes: int | None = None) -> HttpResponse:
        """GET any document (a feed, an OAI-PMH page, an export), guarded alike; raise
        FetchError unless it answers 2xx. `max_bytes` raises the size cap for this fetch."""
        response = self._send("GET", url, {"Accept": accept}, None, None, max_bytes)
        _check_status(response)
        return response

    def post(
        self,
        url: str,
        body: bytes,
        key_id: str,
        private_pem: str,
        content_type: str = ACTIVITY_JSON,
    ) -> HttpResponse:
        """Deliver a signed POST and return the answer whatever its status (delivery decides)."""
        headers = {"Content-Type": content_type, "Accept": ACCEPT_ACTIVITY}
        return self._send("POST", url, headers, body, (key_id, private_pem))

    def _json_object(self, response: HttpResponse) -> dict[str, Any]:
        _check_status(response)
        try:
            document = response.json()
        except (ValueError, RecursionError) as exc:
            raise FetchError(f"{response.url} did not answer JSON", url=response.url) from exc
        if not isinstance(document, dict):
            raise FetchError(f"{response.url} did not answer a JSON object", url=response.url)
        return document

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        sign_as: tuple[str, str] | None,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """Send, following redirects ourselves so each new address is checked before use."""
        allowed = min(self.total_timeout, getattr(_time_limit, "seconds", self.total_timeout))
        deadline, redirects = time.monotonic() + allowed, 0
        while True:
            target = self._target(url)
            sent = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers}
            sent.update({"Host": target.host_header, "Connection": "close"})
            if sign_as is not None:
                sent = self.signer(method, target.url, sent, body, *sign_as)
            response = self._exchange(target, method, sent, body, deadline, max_bytes)
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                return response
            if method != "GET" and response.status not in (307, 308):
                return response  # a POST turned into a GET would deliver nothing
            if redirects == self.max_redirects:
                raise FetchError(f"more than {self.max_redirects} redirects from {url}", url=url)
            redirects += 1
            url = urldefrag(urljoin(target.url, location))[0]

    def _target(self, url: str) -> _Target:
        """Check the URL and resolve its host; refuse it unless every address is allowed."""
        parts = urlsplit(urldefrag(url)[0])
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise UnsafeAddress(f"only http and https URLs are fetched, not {url!r}", url=url)
        if scheme == "http" and not self.allow_http:
            raise UnsafeAddress(f"plain http is refused (use https): {url}", url=url)
        if parts.username is not None or not parts.hostname:
            raise UnsafeAddress(f"a URL with credentials or no host is refused: {url!r}", url=url)
        try:
            host = parts.hostname.encode("idna").decode("ascii")
            port = parts.port or (443 if scheme == "https" else 80)
        except (UnicodeError, ValueError) as exc:
            raise FetchError(f"{url!r} has an invalid host or port", url=url) from exc
        addresses = self._resolve(host, port, url)
        literal = f"[{host}]" if ":" in host else host
        host_header = literal if port == {"http": 80, "https": 443}[scheme] else f"{literal}:{port}"
        path = quote(parts.path or "/", safe=_URL_SAFE)
        path += f"?{quote(parts.query, safe=_URL_SAFE)}" if parts.query else ""
        full = f"{scheme}://{host_header}{path}"
        return _Target(full, scheme, host, port, host_header, path, addresses)

    def _resolve(self, host: str, port: int, url: str) -> tuple[str, ...]:
        try:
            found = [ip_address(host)]
        except ValueError:
            try:
                found = [ip_address(str(a).split("%")[0]) for a in self.resolver(host, port)]
            except (OSError, UnicodeError, ValueError) as exc:
                raise FetchError(f"cannot resolve {host}", url=url) from exc
        if not found:
            raise FetchError(f"{host} has no address", url=url)
        for address in found:
            if not self._allowed(address):
                name = host if host == str(address) else f"{host} ({address})"
                raise UnsafeAddress(f"{name} is not a public address", url=url)
        return tuple(str(address) for address in found)

    def _allowed(self, address: IPv4Address | IPv6Address) -> bool:
        if self.allow_private or any(address in net for net in self.allowed_networks):
            return True
        return is_public_address(address)

    def _exchange(
        self,
        target: _Target,
        method: str,
        headers: dict,
        body: bytes | None,
        deadline: float,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """Do one request to the checked addresses, within the deadline and the size cap."""
        conn = self._connect(target, deadline)
        # A server can trickle bytes just under the read timeout forever: past the deadline,
        # a timer shuts the socket, which ends any blocked read.
        expired = threading.Event()
        # Held now: http.client drops conn.sock once a "Connection: close" answer begins.
        cut = threading.Timer(max(deadline - time.monotonic(), 0), _shut, (conn.sock, expired))
        cut.daemon = True
        cut.start()
        problem: Exception | None = None
        try:
            conn.request(method, target.path, body=body, headers=headers, preload_content=False)
            answer = conn.getresponse()
            content = (
                b""
                if answer.status in _REDIRECTS
                else self._read(answer, target.url, max_bytes or self.max_bytes)
            )
        except (OSError, HTTPException, urllib3.exceptions.HTTPError) as exc:
            problem = exc
        finally:
            cut.cancel()
            conn.close()
        # A cut socket may read as a clean end of stream, so the timer's flag decides.
        if expired.is_set():
            allowed = min(self.total_timeout, getattr(_time_limit, "seconds", self.total_timeout))
            reason = f"{target.url} took over {allowed:g} s"
            raise FetchError(reason, url=target.url) from problem
        if problem is not None:
            raise FetchError(f"{target.url} failed: {problem}", url=target.url) from problem
        return HttpResponse(answer.status, answer.headers, content, target.url)

    def _connect(self, target: _Target, deadline: float) -> HTTPConnection:
        """Connect to the first reachable checked address; the name is used for TLS only."""
        problem: Exception | None = None
        for address in target.addresses:
            timeout = min(self.connect_timeout, deadline - time.monotonic())
            if timeout <= 0:
                break
            if target.scheme == "https":
                conn: HTTPConnection = HTTPSConnection(
                    address,
                    target.port,
                    timeout=timeout,
                    server_hostname=target.host,
                    cert_reqs="CERT_REQUIRED",
                    ca_certs=self.ca_certs,
                )
            else:
                conn = HTTPConnection(address, target.port, timeout=timeout)
            try:
                conn.connect()
            except (OSError, urllib3.exceptions.HTTPError) as exc:
                conn.close()
                problem = exc
                continue
            conn.timeout = self.read_timeout  # from now on, each read waits this long at most
            return conn
        reason = problem or "out of time"
        raise FetchError(f"cannot connect to {target.url}: {reason}", url=target.url)

    def _read(self, answer: urllib3.BaseHTTPResponse, url: str, max_bytes: int) -> bytes:
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLarge(f"{url} sends {declared} bytes, over the limit", url=url)
        chunks, size = [], 0
        while chunk := answer.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"{url} sent over {max_bytes} bytes", url=url)
            chunks.append(chunk)
        return b"".join(chunks)


def _check_status(response: HttpResponse) -> None:
    if not 200 <= response.status < 300:
        reason = f"{response.url} answered {response.status}"
        raise FetchError(reason, status=response.status, url=response.url)


def _shut(sock: socket.socket, expired: threading.Event) -> None:
    expired.set()
    # socket.socket's own shutdown: on a TLS socket too it cuts the TCP stream at once. An
    # OSError means it was already closed: the exchange is over.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_time_limit = threading.local()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Give every request this thread makes inside the block at most `seconds` in all."""
    previous = getattr(_time_limit, "seconds", None)
    _time_limit.seconds = min(seconds, previous) if previous is not None else seconds
    try:
        yield
    finally:
        if previous is None:
            del _time_limit.seconds
        else:
            _time_limit.seconds = previous


class FetchBusy(FetchError):
    """A fetch was not even tried: too many at once, or its host failed moments ago."""


class FetchGate:
    """Bound the fetches anonymous requests cause, across every process of the node.

    One fetch per origin at a time and `total` at once (lock files under `directory`, taken
    without waiting: a request that finds no free slot is refused at once rather than
    holding a web worker), and an origin whose fetch failed on the network is not asked
    again for `failure_ttl` seconds, whatever URL is named on it.
    """

    def __init__(self, directory: Path, total: int = 1, failure_ttl: float = 60.0) -> None:
        self.directory, self.total, self.failure_ttl = Path(directory), total, failure_ttl
        self.directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def fetching(self, origin: str) -> Iterator[None]:
        """Run the block as the one fetch from `origin`; raise FetchBusy if it cannot be."""
        name = hashlib.sha256(origin.encode()).hexdigest()[:32]
        failed = self.directory / f"{name}.failed"
        with suppress(FileNotFoundError):
            if time.time() - failed.stat().st_mtime < self.failure_ttl:
                raise FetchBusy(f"{origin} did not answer moments ago", url=origin)
        held: list[int] = []
        try:
            if not self._take(f"{name}.lock", held):
                raise FetchBusy(f"a key from {origin} is being fetched already", url=origin)
            if not any(self._take(f"slot-{n}.lock", held) for n in range(self.total)):
                raise FetchBusy("too many keys are being fetched; try again later", url=origin)
            try:
                yield
            except Exception as exc:
                cause = exc if isinstance(exc, FetchError) else exc.__cause__
                if isinstance(cause, FetchError) and cause.status is None:  # no answer at all
                    failed.touch()
                raise
        finally:
            for fd in held:
                os.close(fd)  # closing releases the lock

    def _take(self, name: str, held: list[int]) -> bool:
        fd = os.open(self.directory / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        held.append(fd)
        return True
