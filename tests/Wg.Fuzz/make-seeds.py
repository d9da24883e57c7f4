#!/usr/bin/env python3
# Writes the seed corpora (corpus/<target>/seed-*) the fuzzers start from: small valid inputs of each
# target's format, so mutation starts at the deep paths. Re-run after changing an input format.
import os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))

def csum(data, initial=0):
    if len(data) % 2:
        data += b"\0"
    s = initial + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ipv4(proto, src, dst, payload, ident=1, df=True):
    total = 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, 0x4000 if df else 0, 64, proto, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def ipv6(nh, src, dst, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, bytes(src), bytes(dst)) + payload

def pseudo(src, dst, proto, length):
    return bytes(src) + bytes(dst) + (struct.pack("!BBH", 0, proto, length) if len(src) == 4 else struct.pack("!IxxxB", length, proto))

def tcp(src, dst, sport, dport, flags, payload=b"", seq=1000, options=b""):
    off = (20 + len(options)) // 4
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, off << 4, flags, 65535, 0, 0) + options + payload
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return t[:16] + struct.pack("!H", c) + t[18:]

def udp(src, dst, sport, dport, payload=b"hello"):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]

def echo(src, dst, v6=False, ident=77):
    m = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, 1) + b"ping" * 4
    c = csum((pseudo(src, dst, 58, len(m)) if v6 else b"") + m)
    return m[:2] + struct.pack("!H", c) + m[4:]

LAN = [192, 168, 2, 10]; REMOTE = [198, 51, 100, 7]; GW = [10, 5, 0, 2]
LAN6 = [0xfd, 0, 0, 2] + [0] * 11 + [0x10]; REMOTE6 = [0x20, 1, 0xd, 0xb8] + [0] * 11 + [7]; GW6 = [0xfd, 0, 0, 5] + [0] * 11 + [2]
MSS = bytes([2, 4, 0x05, 0xb4, 1, 1, 4, 2])

def v4tcp(src, dst, sport, dport, flags, payload=b"", seq=1000, ident=1, options=b""):
    return ipv4(6, src, dst, tcp(src, dst, sport, dport, flags, payload, seq, options), ident)

def v6tcp(src, dst, sport, dport, flags, payload=b"", options=b""):
    return ipv6(6, src, dst, tcp(src, dst, sport, dport, flags, payload, options=options))

KEY_A = "01" * 32; KEY_B = "a5" * 32; KEY_C = "5a" * 32

seeds = {
    "transport": [
        b"\x01\x00" + ipv4(17, [10, 0, 0, 1], [10, 0, 0, 2], udp([10, 0, 0, 1], [10, 0, 0, 2], 1234, 53)),
        b"\x01\x00",
        b"\x01\x00" + ipv6(17, LAN6, REMOTE6, udp(LAN6, REMOTE6, 5000, 53)),
        b"\x01\x07" + ipv4(6, LAN, REMOTE, tcp(LAN, REMOTE, 40000, 443, 0x18, b"x" * 100)),
        b"\x00\x04\x00\x00\x00" + bytes(44),
        b"\x00\x01\x00\x00\x00" + bytes(147),
        b"\x00\x03\x00\x00\x00" + bytes(60),
    ],
    "handshake": [b"\x00", b"\x01", b"\x02", b"\x00" + bytes(4) + b"\x01", b"\x00" + bytes(8) + b"\x80", b"\x00" + bytes(148) + b"tail"],
    "uapi-set": [
        ("\x00private_key=%s\nlisten_port=51821\nfwmark=0\nreplace_peers=true\npublic_key=%s\npreshared_key=%s\n"
         "endpoint=192.0.2.7:51820\npersistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.0.0.2/32\n"
         "allowed_ip=fd00::/64\nprotocol_version=1\npublic_key=%s\nendpoint=[2001:db8::1]:51820\nremove=true\n" % (KEY_A, KEY_B, KEY_C, KEY_C)).encode(),
        b"\x00listen_port=4000\n",
        ("\x00public_key=%s\nupdate_only=true\nallowed_ip=0.0.0.0/0\n" % KEY_B).encode(),
        ("\x01version=1\nmss_clamp=auto\nwhen_up_table=200\naddress=10.5.0.2\naddress=fd00:5::2\n"
         "public_key=%s\nname=provider\ninbound=established\nroutes=when-up\n"
         "rule=From = 192.168.2.0/24\nfrom=192.168.2.0/24\npeer=%s\naction=route\nmasquerade=true\n"
         "rule=Protocol = tcp\nprotocol=6\nport=8000-8100\naction=drop\n"
         "rule=Mark\nmark=0x200/0xff00\naction=accept\n"
         "rule=SetMark\naction=set_mark\nset_mark=0x1/0xff\n"
         "forward=Protocol = tcp\nprotocol=6\nport=8080-8080\nto=192.168.1.10\nto_port=80\n" % (KEY_B, KEY_B)).encode(),
        b"\x01version=1\nmss_clamp=1360\n",
    ],
    "show": [
        ("private_key=%s\nlisten_port=51820\nfwmark=0\npublic_key=%s\npreshared_key=%s\nendpoint=192.0.2.7:51820\n"
         "last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=100\nrx_bytes=200\n"
         "persistent_keepalive_interval=25\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::/64\nprotocol_version=1\nerrno=0\n\n"
         "version=1\nmss_clamp=auto\naddress=10.5.0.2\npublic_key=%s\nname=provider\ninbound=established\n"
         "rule=From = 192.168.2.0/24\nfrom=192.168.2.0/24\npeer=%s\naction=route\nmasquerade=true\n"
         "snapshot=1\nflow_count=1\nflow_capacity=65536\ncounter=fragments:3\n"
         "rule_status=From = 192.168.2.0/24\ndescription=from%%20blue\npackets=5\nbytes=500\n"
         "flow=tcp\noriginal_source=192.168.2.10:40000\noriginal_destination=198.51.100.7:443\n"
         "reply_source=198.51.100.7:443\nreply_destination=10.5.0.2:40000\nstate=established\npeer=%s\nassured=true\nexpires_ms=1000\n"
         "when_up_peer=%s\nlive=true\n" % (KEY_A, KEY_B, KEY_C, KEY_B, KEY_B, KEY_B, KEY_B)).encode(),
        ("listen_port=0\npublic_key=%s\nallowed_ip=::/0\nerrno=0" % KEY_B).encode(),
    ],
    "config": [
        b"[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.5.0.2/32, fd00:5::2/64\nListenPort = 51820\n"
        b"DNS = 1.1.1.1, example.com\nMTU = 1420\nTable = vpn\nFwMark = 0x51820\nMssClamp = auto\nPreUp = true\nPostDown = true\nSaveConfig = false\n\n"
        b"[Peer]\nName = provider\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
        b"PresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\nEndpoint = 198.51.100.42:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n"
        b"PersistentKeepalive = 25\nInbound = established\nRoutes = when-up\n\n"
        b"[Rule]\nFrom = 192.168.2.0/24, !192.168.2.1\nTo = !10.0.0.0/8\nProtocol = tcp\nPort = 8000-8100\nSourcePort = 1024-65535\n"
        b"Input = tun\nMark = 0x200/0xff00\nPeer = provider\nMasquerade = yes\nPriority = 10\n\n"
        b"[Rule]\nSetMark = 0x1\n\n[Rule]\nProtocol = icmp\nAction = reject\n\n"
        b"[Forward]\nProtocol = tcp\nPort = 8080\nTo = 192.168.1.10:80\n",
        b"[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.0.0.0/24\nEndpoint = [2001:db8::1]:51820\n",
    ],
    "rtnetlink": [
        b"\x00\x00\x00" + struct.pack("<BBBBI", 2, 24, 0, 0, 3) + struct.pack("<HH4s", 8, 2, bytes([10, 5, 0, 2])) + struct.pack("<HH4s", 8, 1, bytes([10, 5, 0, 2])) + struct.pack("<HH8s", 12, 3, b"wg0\0\0\0\0\0"),
        b"\x01\x00\x00" + struct.pack("<BxHiII", 0, 65534, 3, 0x41, 0xFFFFFFFF) + struct.pack("<HH8s", 12, 3, b"wg0\0\0\0\0\0") + struct.pack("<HHI", 8, 4, 1420),
        b"\x02\x00\x00" + struct.pack("<BBBBBBBBI", 2, 24, 0, 0, 254, 4, 0, 1, 0) + struct.pack("<HH4s", 8, 1, bytes([10, 0, 0, 0])) + struct.pack("<HHI", 8, 4, 3) + struct.pack("<HHI", 8, 6, 10) + struct.pack("<HH4s", 8, 5, bytes([192, 0, 2, 1])),
        b"\x04\x00\x00" + struct.pack("<BBBBBBBBI", 2, 0, 24, 0, 0, 0, 0, 1, 0) + struct.pack("<HH4s", 8, 2, bytes([192, 168, 2, 0])) + struct.pack("<HHI", 8, 10, 0x51820) + struct.pack("<HHI", 8, 15, 51820) + struct.pack("<HHI", 8, 6, 32765),
        b"\x05\x00\x03" + struct.pack("<i", -22) + struct.pack("<IHHII", 16, 24, 5, 1, 0) + struct.pack("<HH12s", 16, 1, b"bad attr\0\0\0\0"),
    ],
    "gro": [
        b"\x02" + b"".join(struct.pack("!H", len(p)) + p for p in [v4tcp(LAN, REMOTE, 40000, 443, 0x10, b"a" * 100, 1000 + 100 * i, 1 + i) for i in range(3)]),
        b"\x03" + b"".join(struct.pack("!H", len(p)) + p for p in [ipv4(17, LAN, REMOTE, udp(LAN, REMOTE, 5000, 53, b"u" * 64)), ipv4(17, LAN, REMOTE, udp(LAN, REMOTE, 5000, 53, b"v" * 64)), v6tcp(LAN6, REMOTE6, 1, 2, 0x18, b"z" * 10)]),
        b"\x02" + b"".join(struct.pack("!H", len(p)) + p for p in [ipv6(6, LAN6, REMOTE6, tcp(LAN6, REMOTE6, 40000, 443, 0x10, b"b" * 200, 5000 + 200 * i)) for i in range(2)]),
    ],
    "gso": [
        struct.pack("<BBHHHH", 1, 1, 40, 100, 20, 16) + v4tcp(LAN, REMOTE, 40000, 443, 0x18, b"p" * 250),
        struct.pack("<BBHHHH", 1, 4, 60, 100, 40, 16) + v6tcp(LAN6, REMOTE6, 40000, 443, 0x19, b"q" * 250),
        struct.pack("<BBHHHH", 1, 5, 28, 64, 20, 6) + ipv4(17, LAN, REMOTE, udp(LAN, REMOTE, 5000, 53, b"r" * 150)),
        struct.pack("<BBHHHH", 1, 0, 0, 0, 20, 6) + ipv4(17, LAN, REMOTE, udp(LAN, REMOTE, 5000, 53)),
    ],
    "router": [
        b"\x02\xa0" + v4tcp(LAN, REMOTE, 40000, 443, 0x02, options=MSS),
        b"\x02\x00" + ipv4(17, LAN, REMOTE, udp(LAN, REMOTE, 5000, 53)),
        b"\x02\x00" + ipv4(1, LAN, REMOTE, echo(LAN, REMOTE)),
        b"\x03\x00" + v4tcp(REMOTE, GW, 40000, 8080, 0x02),
        b"\x03\x00" + ipv4(17, REMOTE, GW, udp(REMOTE, GW, 7000, 5353)),
        b"\x02\x90" + v6tcp(LAN6, REMOTE6, 40000, 443, 0x02, options=MSS),
        b"\x02\x00" + ipv6(58, LAN6, REMOTE6, echo(LAN6, REMOTE6, v6=True)),
        b"\x03\x00" + v6tcp(REMOTE6, GW6, 40000, 8080, 0x02),
    ],
}

for target, inputs in seeds.items():
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for i, data in enumerate(inputs):
        with open(os.path.join(folder, "seed-%02d" % i), "wb") as f:
            f.write(data)
print("wrote", sum(len(v) for v in seeds.values()), "seeds for", len(seeds), "targets")
