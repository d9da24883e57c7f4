#!/bin/bash
# Throughput of one wgsharp tunnel without and with the policy router in the way: a LAN host behind a
# wgsharp router sends to (tcp) and receives from (tcp-reverse) an iperf3 server on the far end of the
# tunnel (wireguard-go-2023), the router's file first plain, then with
#   [Rule] From = <lan> Peer = far Masquerade = yes   and   MssClamp = auto.
# Runs alternate plain / policy, N rounds per mode; prints each run and the median ratio policy/plain.
#
#   policy-overhead-bench.sh [--time S] [--rounds N] [--far PROGRAM]
# Needs root, iproute2, wg, iperf3, python3 and the repository's ./wgsharp (built on first use).
set -euo pipefail
time_s=8 rounds=3 far=/usr/local/bin/wireguard-go-2023
while (($#)); do
  case $1 in
    --time) time_s=$2; shift 2;; --rounds) rounds=$2; shift 2;; --far) far=$2; shift 2;;
    -h|--help) sed -n '2,10p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
root=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
wgsharp=$root/wgsharp
tag=$$ lan=pb${tag}l rt=pb${tag}r fa=pb${tag}f ifr=pbr$tag iff=pbw$tag
work=$(mktemp -d)
pids=()
cleanup() {
  set +e
  ip netns exec "$rt" "$wgsharp" down "$ifr" >/dev/null 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for n in "$lan" "$rt" "$fa"; do ip netns del "$n" 2>/dev/null; done
  rm -f /var/run/wireguard/$iff.sock
  rm -rf "$work"
}
trap cleanup EXIT
umask 077
wg genkey > "$work/r.key"; wg pubkey < "$work/r.key" > "$work/r.pub"
wg genkey > "$work/f.key"; wg pubkey < "$work/f.key" > "$work/f.pub"

for n in "$lan" "$rt" "$fa"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add pbl$tag netns "$lan" type veth peer name pbrl$tag netns "$rt"
ip link add pbrf$tag netns "$rt" type veth peer name pbf$tag netns "$fa"
ip -n "$lan" addr add 10.240.0.2/24 dev pbl$tag; ip -n "$rt" addr add 10.240.0.1/24 dev pbrl$tag
ip -n "$rt" addr add 10.231.0.1/24 dev pbrf$tag; ip -n "$fa" addr add 10.231.0.2/24 dev pbf$tag
for l in "$lan pbl$tag" "$rt pbrl$tag" "$rt pbrf$tag" "$fa pbf$tag"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$lan" route add default via 10.240.0.1
ip netns exec "$rt" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$fa" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error timeout 3600 "$far" "$iff" >"$work/far.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [[ -S /var/run/wireguard/$iff.sock ]] && break; sleep 0.1; done
# The far end accepts both the LAN's own addresses (plain) and the router's tunnel address (masqueraded).
ip netns exec "$fa" wg set "$iff" private-key "$work/f.key" listen-port 51820 \
  peer "$(cat "$work/r.pub")" allowed-ips 10.232.0.1/32,10.240.0.0/24
ip -n "$fa" addr add 10.232.0.2/24 dev "$iff"; ip -n "$fa" link set "$iff" mtu 1420 up
ip -n "$fa" route add 10.240.0.0/24 dev "$iff"

config() { # $1 = plain | policy
  cat <<CONF
[Interface]
PrivateKey = $(cat "$work/r.key")
Address = 10.232.0.1/24
$([[ $1 == policy ]] && echo "MssClamp = auto")

[Peer]
Name = far
PublicKey = $(cat "$work/f.pub")
Endpoint = 10.231.0.2:51820
AllowedIPs = 10.232.0.2/32
$([[ $1 == policy ]] && printf '\n[Rule]\nFrom = 10.240.0.0/24\nPeer = far\nMasquerade = yes\n')
CONF
}

one_run() { # $1 = plain | policy, $2 = tcp | tcp-reverse ; prints Mbit/s
  config "$1" > "$work/$ifr.conf"
  ip netns exec "$rt" "$wgsharp" up "$work/$ifr.conf" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
  ip netns exec "$lan" ping -c 1 -W 5 10.232.0.2 >/dev/null
  ip netns exec "$fa" timeout $((time_s + 20)) iperf3 -s -1 -B 10.232.0.2 >/dev/null 2>&1 &
  local server=$!
  sleep 0.4
  local args=(-c 10.232.0.2 -t "$time_s" -J)
  [[ $2 == tcp-reverse ]] && args+=(-R)
  ip netns exec "$lan" timeout $((time_s + 20)) iperf3 "${args[@]}" > "$work/iperf.json"
  wait "$server" 2>/dev/null || true
  ip netns exec "$rt" "$wgsharp" down "$ifr" >/dev/null 2>&1
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["end"]; s=e.get("sum_received") or e.get("sum"); print(round(s["bits_per_second"]/1e6,1))' "$work/iperf.json"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for mode in tcp tcp-reverse; do
  plain=() policy=()
  for i in $(seq "$rounds"); do
    x=$(one_run plain "$mode"); plain+=("$x"); echo "run $i  $mode  plain   $x Mbit/s"
    y=$(one_run policy "$mode"); policy+=("$y"); echo "run $i  $mode  policy  $y Mbit/s"
  done
  mp=$(median "${plain[@]}"); mq=$(median "${policy[@]}")
  echo "median $mode: plain $mp Mbit/s, policy (masquerade + MSS clamp) $mq Mbit/s, ratio $(awk -v a="$mq" -v b="$mp" 'BEGIN {printf "%.3f", (b>0)? a/b : 0}')"
done
