#!/usr/bin/env bash
# Writes the wgsharp(8) man page to stdout from the text the program itself prints for `wgsharp help`
# and `wgsharp help <command>`, so the page and the built-in help never disagree.
# Usage: make-manpage.sh <wgsharp executable> <version>
set -euo pipefail
exe=$1
version=$2

# troff: a leading dot or quote would be a request, and backslashes are escapes.
escape() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

overview=$("$exe" help)
commands=$(printf '%s\n' "$overview" | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')

cat <<HEAD
.TH WGSHARP 8 "" "wgsharp $version" "System Administration"
.SH NAME
wgsharp \- userspace WireGuard for Linux with a built-in policy router
.SH SYNOPSIS
.B wgsharp
.RB [ \-f | \-\-foreground ]
.I interface
.br
.B wgsharp
.I command
.RI [ arguments ]
.SH DESCRIPTION
.nf
HEAD
printf '%s\n' "$overview" | escape
echo ".fi"
echo ".SH COMMANDS"
for command in $commands; do
  echo ".SS $command"
  echo ".nf"
  "$exe" help "$command" | escape
  echo ".fi"
done
cat <<'TAIL'
.SH FILES
.TP
.I /var/run/wireguard/<interface>.sock
the configuration socket `wg' talks to
.TP
.I /etc/wireguard/<name>.conf
wg-quick configuration files read by `wgsharp up <name>'
.TP
.I /run/wgsharp/<interface>.state
what `wgsharp up' installed, undone by `wgsharp down'
.TP
.I wgsharp@.service
systemd unit: `systemctl enable \-\-now wgsharp@wg0' brings up /etc/wireguard/wg0.conf at boot
.SH SEE ALSO
.BR wg (8),
.BR wg\-quick (8),
.BR wireguard\-go (8)
TAIL
