"""Where a webhook may be delivered: public addresses, plus what the operator allows.

A subscriber chooses the URL, so without a check the server would POST to
itself, to cloud metadata (169.254.169.254) or to the intranet and report the
outcome back: a port scanner run by the integrator. Refused by default are
loopback, link-local, private, shared, multicast, unspecified and reserved
addresses in every notation (``0x7f000001``, ``2130706433``, ``127.1``,
``[::1]``, ``::ffff:127.0.0.1``) — when subscribing, and again at delivery
after DNS resolution; the delivery then connects to the address that was
checked, so a name cannot resolve to something else a moment later.

``TONGBAN_WEBHOOK_ALLOW`` (comma-separated CIDRs, addresses or host names)
admits intranet receivers, e.g. ``10.20.0.0/16,hooks.intranet.gov.cn``.
"""
import ipaddress
import os
import re
import socket
from dataclasses import dataclass

ALLOW_SETTING = "TONGBAN_WEBHOOK_ALLOW"
REFUSED_MESSAGE = "目标地址不在允许范围内"


class TargetRefused(Exception):
    """The webhook's address is not one the server may post to."""


@dataclass(frozen=True)
class AllowList:
    networks: tuple = ()
    hosts: frozenset = frozenset()

    def admits_host(self, host):
        return _plain_host(host) in self.hosts

    def admits_ip(self, ip):
        return any(ip.version == net.version and ip in net for net in self.networks)


def allow_list(text=None):
    """The allow-list from ``text`` or the environment (read on every call: no restart needed in tests)."""
    text = os.environ.get(ALLOW_SETTING, "") if text is None else text
    networks, hosts = [], set()
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(_plain_host(entry))
    return AllowList(tuple(networks), frozenset(hosts))


def _plain_host(host):
    return (host or "").strip().strip("[]").rstrip(".").lower()


_NUMERIC_V4 = re.compile(r"[0-9a-fA-FxX.]+")


def literal_ip(host):
    """The address a host written as a literal means, in any notation ``inet_aton`` or
    IPv6 accept; None for a name."""
    host = _plain_host(host).split("%")[0]   # an IPv6 zone id does not change the address
    try:
        return _unmapped(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_V4.fullmatch(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))   # 0x7f000001, 2130706433, 127.1, 0177.0.0.1
        except OSError:
            return None
    return None


def _unmapped(ip):
    """IPv4 addresses hidden in IPv6 (::ffff:127.0.0.1, ::127.0.0.1) are judged as IPv4."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if int(ip) >> 32 == 0 and int(ip) > 1:   # deprecated IPv4-compatible form (but keep ::1 and :: as they are)
            return ipaddress.IPv4Address(int(ip))
    return ip


def is_public(ip):
    ip = _unmapped(ip)
    return ip.is_global and not (ip.is_multicast or ip.is_loopback or ip.is_link_local
                                 or ip.is_unspecified or ip.is_reserved or ip.is_private)


def check_subscription(host, allow=None):
    """Refuse a URL host that is, or obviously names, a non-public address (no DNS here)."""
    allow = allow or allow_list()
    if allow.admits_host(host):
        return
    ip = literal_ip(host)
    if ip is None:
        name = _plain_host(host)
        if name == "localhost" or name.endswith(".localhost"):
            raise TargetRefused(REFUSED_MESSAGE)
        return
    if not (allow.admits_ip(ip) or is_public(ip)):
        raise TargetRefused(REFUSED_MESSAGE)


def resolve(host, port, allow=None):
    """An address of ``host`` the server may connect to, after DNS; TargetRefused if none."""
    allow = allow or allow_list()
    host_allowed = allow.admits_host(host)
    ip = literal_ip(host)
    if ip is not None:
        candidates = [ip]
    else:
        try:
            infos = socket.getaddrinfo(_plain_host(host), port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise TargetRefused("无法解析目标主机名") from None
        candidates = [_unmapped(ipaddress.ip_address(info[4][0].split("%")[0])) for info in infos]
    for ip in candidates:
        if host_allowed or allow.admits_ip(ip) or is_public(ip):
            return str(ip)
    raise TargetRefused(REFUSED_MESSAGE)
