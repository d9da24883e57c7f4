#!/bin/sh
# Installs an unpacked WgSharp release: the executable into PREFIX/bin (default /usr/local), its
# libsodium into PREFIX/lib/wgsharp (where the executable looks first), the man page, bash completion,
# and the systemd unit (or, without systemd, the init script). Run as root from the unpacked folder:
#   ./install.sh                  or   PREFIX=/opt/wgsharp ./install.sh
set -eu
PREFIX=${PREFIX:-/usr/local}
here=$(cd "$(dirname "$0")" && pwd)

install -d "$PREFIX/bin" "$PREFIX/lib/wgsharp" "$PREFIX/share/man/man8" "$PREFIX/share/bash-completion/completions"
install -m 755 "$here/wgsharp" "$PREFIX/bin/wgsharp"
for lib in "$here"/*.so; do
	install -m 644 "$lib" "$PREFIX/lib/wgsharp/"
done
install -m 644 "$here/wgsharp.8" "$PREFIX/share/man/man8/wgsharp.8"
install -m 644 "$here/completion/wgsharp" "$PREFIX/share/bash-completion/completions/wgsharp"

if [ -d /run/systemd/system ]; then
	sed "s#/usr/bin/wgsharp#$PREFIX/bin/wgsharp#g" "$here/systemd/wgsharp@.service" > /etc/systemd/system/wgsharp@.service
	systemctl daemon-reload
	echo "installed; bring an interface up with: systemctl enable --now wgsharp@wg0"
else
	sed "s#^WGSHARP=.*#WGSHARP=$PREFIX/bin/wgsharp#" "$here/init.d/wgsharp" > /etc/init.d/wgsharp
	chmod 755 /etc/init.d/wgsharp
	[ -e /etc/default/wgsharp ] || install -m 644 "$here/init.d/wgsharp.default" /etc/default/wgsharp
	echo "installed; list interfaces in /etc/default/wgsharp (INTERFACES=\"wg0\"), then: /etc/init.d/wgsharp start"
	echo "(enable at boot with update-rc.d wgsharp defaults, or chkconfig --add wgsharp)"
fi
