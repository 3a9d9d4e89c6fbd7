"""Settings from COMMONS_* environment variables, in one dataclass."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting has a value the node cannot use."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(env: dict[str, str], name: str, kind: type[int] | type[float]) -> float | None:
    """Read a positive number (zero allowed for counts), or None when the variable is unset."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = kind(raw) if kind is int else float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < 0 or value != value:  # negative, or NaN
        raise ConfigError(f"{name} must not be negative, not {raw!r}")
    return value


# Read by server.sparql.client when a query runs; checked here so that a typo stops the
# node at start rather than failing the first SPARQL query.
SPARQL_NUMBERS: dict[str, type[int] | type[float]] = {
    "COMMONS_SPARQL_TIMEOUT": float,
    "COMMONS_SPARQL_MAX_ROWS": int,
    "COMMONS_SPARQL_MAX_BYTES": int,
    "COMMONS_SPARQL_SLOTS": int,
    "COMMONS_SPARQL_QUEUE_WAIT": float,
    "COMMONS_SPARQL_MEMORY_MB": int,
}


# Requests one client may make per period, by group of endpoints (`COMMONS_RATE_LIMITS`):
# `group=limit[,limit]` joined by `;`, limits as `limits` writes them ("60/minute",
# "1000/day"); a group left out keeps its default, `group=off` lifts it, `off` lifts them all.
RATE_LIMIT_GROUPS = ("signin", "api", "search", "sparql", "oai")
DEFAULT_RATE_LIMITS = (
    "signin=10/minute;api=120/minute;search=60/minute;sparql=30/minute;oai=60/minute"
)


def parse_rate_limits(text: str) -> dict[str, list]:
    """Return each limited group's limits (`limits.RateLimitItem`s); raise ConfigError."""
    from limits import parse_many

    text = (text or "").strip()
    if text.lower() in {"off", "0", "false", "no"}:
        return {}
    groups: dict[str, list] = {}
    for part in f"{DEFAULT_RATE_LIMITS};{text}".split(";"):
        if not part.strip():
            continue
        name, sign, value = (piece.strip() for piece in part.partition("="))
        if not sign or name not in RATE_LIMIT_GROUPS:
            raise ConfigError(
                f"COMMONS_RATE_LIMITS: {part.strip()!r} is not group=limit with a group among "
                + ", ".join(RATE_LIMIT_GROUPS)
            )
        if value.lower() == "off":
            groups.pop(name, None)
            continue
        try:
            groups[name] = parse_many(value.replace(";", ","))
        except ValueError:
            raise ConfigError(
                f"COMMONS_RATE_LIMITS: {value!r} is not a limit such as 60/minute"
            ) from None
    return groups


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def tile_host(template: str) -> str:
    """Return the origin tiles come from, for the Content-Security-Policy's img-src.

    A `{s}` subdomain placeholder becomes a wildcard: `https://{s}.tile.example.org/...`
    gives `https://*.tile.example.org`.
    """
    parts = urlsplit(template.replace("{s}", "s-placeholder"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"COMMONS_MAP_TILES must be an http(s) URL template, not {template!r}")
    if not all(f"{{{name}}}" in template for name in "zxy"):
        raise ConfigError("COMMONS_MAP_TILES must contain {z}, {x} and {y}")
    if any(c in parts.netloc for c in " ;,'\"\\"):
        raise ConfigError(f"COMMONS_MAP_TILES has an unusable host: {parts.netloc!r}")
    return f"{parts.scheme}://{parts.netloc.replace('s-placeholder', '*')}"


@dataclass
class Settings:
    """Everything a node reads from its environment; every field has a working default."""

    base_url: str = "http://127.0.0.1:5000"
    data_dir: Path = field(default_factory=lambda: Path("instance"))
    database_url: str = ""
    allow_private_addresses: bool = False
    node_name: str = ""
    node_handle: str = ""
    federation_mode: str = "open"
    follow_approval: str = "auto"
    trusted_proxies: int = 0
    max_upload_bytes: int = 20 * 1024 * 1024
    # Helper processes that validate inbound objects for the worker (federation.validators):
    # one when the machine has a core to spare.
    worker_validators: int = field(default_factory=lambda: 1 if _usable_cores() > 1 else 0)
    secret_key: str = ""
    # The maps' background: a tile URL template ({z}/{x}/{y}, optionally {s} and {r}), or
    # "none" for markers and lists on a plain background.
    map_tiles: str = OSM_TILES
    map_attribution: str = OSM_ATTRIBUTION
    # Member accounts: who may make one (closed: admins only), and the mail server that
    # confirms addresses, resets passwords and carries invitations (empty: no mail).
    signup: str = "closed"
    smtp_url: str = ""
    mail_from: str = ""
    # Rate limits by group (see parse_rate_limits), counted in the database, or in Redis when
    # redis_url is set.
    rate_limits: str = DEFAULT_RATE_LIMITS
    redis_url: str = ""
    # Operations (server/ops): health thresholds (seconds; 0 turns a check off), metrics
    # access, logs. Read by OPS_SETTINGS below.
    health_worker_max_age: float = 120.0
    health_inbox_max_age: float = 900.0
    health_delivery_max_age: float = 1800.0
    health_index_max_stale: int = 5000
    metrics: bool = True
    metrics_allow: str = "127.0.0.0/8,::1"
    metrics_token: str = ""
    log_format: str = "text"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read every COMMONS_* variable, falling back to the defaults."""
        env = dict(os.environ if env is None else env)
        settings = cls()
        settings.base_url = env.get("COMMONS_BASE_URL") or settings.base_url
        settings.data_dir = Path(env.get("COMMONS_DATA_DIR") or settings.data_dir)
        settings.database_url = env.get("COMMONS_DATABASE_URL", "")
        settings.allow_private_addresses = _flag(env.get("COMMONS_ALLOW_PRIVATE_ADDRESSES"), False)
        settings.node_name = env.get("COMMONS_NODE_NAME", "")
        settings.node_handle = env.get("COMMONS_NODE_HANDLE", "")
        settings.federation_mode = env.get("COMMONS_FEDERATION_MODE") or "open"
        settings.follow_approval = env.get("COMMONS_FOLLOW_APPROVAL") or "auto"
        settings.trusted_proxies = int(_number(env, "COMMONS_TRUSTED_PROXIES", int) or 0)
        upload_mb = _number(env, "COMMONS_MAX_UPLOAD_MB", float)
        if upload_mb is not None:
            settings.max_upload_bytes = int(upload_mb * 1024 * 1024)
        count = _number(env, "COMMONS_WORKER_VALIDATORS", int)
        if count is not None:
            settings.worker_validators = int(count)
        for name, kind in SPARQL_NUMBERS.items():
            _number(env, name, kind)
        store = env.get("COMMONS_SPARQL_STORE") or "disk"
        if store not in ("disk", "memory"):
            raise ConfigError(f"COMMONS_SPARQL_STORE must be disk or memory, not {store!r}")
        settings.secret_key = env.get("COMMONS_SECRET_KEY", "")
        tiles = (env.get("COMMONS_MAP_TILES") or "").strip()
        if tiles:
            settings.map_tiles = tiles
            # Another tile server's attribution is not OpenStreetMap's.
            settings.map_attribution = env.get("COMMONS_MAP_ATTRIBUTION", "")
        if env.get("COMMONS_MAP_ATTRIBUTION"):
            settings.map_attribution = env["COMMONS_MAP_ATTRIBUTION"]
        settings.signup = (env.get("COMMONS_SIGNUP") or "closed").strip().lower()
        settings.smtp_url = (env.get("COMMONS_SMTP_URL") or "").strip()
        settings.mail_from = (env.get("COMMONS_MAIL_FROM") or "").strip()
        settings.rate_limits = env.get("COMMONS_RATE_LIMITS", "").strip() or settings.rate_limits
        settings.redis_url = env.get("COMMONS_REDIS_URL", "").strip()
        _read_ops_settings(env, settings)
        return settings.resolved()

    def resolved(self) -> Settings:
        """Check values and derive what was left empty."""
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(f"COMMONS_BASE_URL must be an http(s) origin, not {self.base_url!r}")
        self.base_url = f"{parts.scheme}://{parts.netloc}".lower()
        if self.federation_mode not in {"open", "allowlist"}:
            raise ConfigError("COMMONS_FEDERATION_MODE must be 'open' or 'allowlist'")
        if self.follow_approval not in {"auto", "manual"}:
            raise ConfigError("COMMONS_FOLLOW_APPROVAL must be 'auto' or 'manual'")
        if self.map_tiles != "none":
            tile_host(self.map_tiles)  # raises ConfigError on a bad template
        if self.signup not in SIGNUP_MODES:
            raise ConfigError("COMMONS_SIGNUP must be 'closed', 'approval' or 'open'")
        if self.smtp_url:
            smtp_server(self.smtp_url)  # raises ConfigError on a bad URL
            if not self.mail_from:
                self.mail_from = f"commons@{parts.hostname}"
        parse_rate_limits(self.rate_limits)  # raises ConfigError on a typo
        if self.redis_url and urlsplit(self.redis_url).scheme not in {"redis", "rediss", "unix"}:
            raise ConfigError("COMMONS_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        _check_ops_settings(self)
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'commons.db').resolve()}"
        if not self.node_handle:
            self.node_handle = _handle_from_host(parts.hostname)
        return self

    @property
    def host(self) -> str:
        """Host of the base URL with its port when it has one: the WebFinger domain."""
        return urlsplit(self.base_url).netloc

    @property
    def sends_mail(self) -> bool:
        """Whether a mail server is configured (without one, nothing is sent)."""
        return bool(self.smtp_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SIGNUP_MODES = ("closed", "approval", "open")


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand mail over, read from COMMONS_SMTP_URL."""

    host: str
    port: int
    tls: str  # "none", "starttls" or "ssl"
    username: str = ""
    password: str = field(default="", repr=False)


def smtp_server(url: str) -> SmtpServer:
    """Read `smtp://[user:password@]host[:port]` (plain, port 25; `?starttls=1` upgrades
    the connection, port 587 by default) or `smtps://...` (TLS from the start, port 465)."""
    from urllib.parse import parse_qs, unquote

    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError("COMMONS_SMTP_URL must look like smtp://user:password@host:port")
    query = parse_qs(parts.query)
    starttls = parts.scheme == "smtp" and _flag((query.get("starttls") or [""])[0], False)
    tls = "ssl" if parts.scheme == "smtps" else "starttls" if starttls else "none"
    try:
        port = parts.port or {"ssl": 465, "starttls": 587, "none": 25}[tls]
    except ValueError:
        raise ConfigError("COMMONS_SMTP_URL has a port that is not a number") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


# Operations: health thresholds, metrics access, logs (server/ops).
OPS_NUMBERS: dict[str, tuple[str, type[int] | type[float]]] = {
    "COMMONS_HEALTH_WORKER_MAX_AGE": ("health_worker_max_age", float),
    "COMMONS_HEALTH_INBOX_MAX_AGE": ("health_inbox_max_age", float),
    "COMMONS_HEALTH_DELIVERY_MAX_AGE": ("health_delivery_max_age", float),
    "COMMONS_HEALTH_INDEX_MAX_STALE": ("health_index_max_stale", int),
}
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _read_ops_settings(env: dict[str, str], settings: Settings) -> None:
    for name, (attribute, kind) in OPS_NUMBERS.items():
        value = _number(env, name, kind)
        if value is not None:
            setattr(settings, attribute, kind(value))
    settings.metrics = _flag(env.get("COMMONS_METRICS"), True)
    if (env.get("COMMONS_METRICS_ALLOW") or "").strip():
        settings.metrics_allow = env["COMMONS_METRICS_ALLOW"]
    settings.metrics_token = (env.get("COMMONS_METRICS_TOKEN") or "").strip()
    settings.log_format = (env.get("COMMONS_LOG_FORMAT") or "text").strip().lower()
    settings.log_level = (env.get("COMMONS_LOG_LEVEL") or "INFO").strip().upper()


def _check_ops_settings(settings: Settings) -> None:
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError("COMMONS_LOG_FORMAT must be 'text' or 'json'")
    if settings.log_level not in LOG_LEVELS:
        raise ConfigError(f"COMMONS_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    metrics_networks(settings.metrics_allow)  # raises ConfigError on a bad address


def metrics_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Read COMMONS_METRICS_ALLOW: addresses or CIDR blocks, separated by commas or spaces."""
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"COMMONS_METRICS_ALLOW: {part!r} is not an address or CIDR block"
            ) from None
    return tuple(networks)


def _usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _handle_from_host(hostname: str) -> str:
    first = hostname.split(".")[0]
    if first.replace("-", "").isalnum() and not first.isdigit():
        return first.lower()
    return "commons"


def load_secret_key(data_dir: Path) -> str:
    """Return the node's secret key, creating it in the data directory on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
