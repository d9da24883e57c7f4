#!/usr/bin/env bash
# Writes debian/copyright (machine-readable format 1.0) for the package staged from <release dir>.
set -euo pipefail
dir=$1
cat <<'HEAD'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wgsharp

HEAD
if [[ -f $dir/LICENSE ]]; then
  echo "Files: *"
  echo "Copyright: WgSharp developers"
  echo "License: WgSharp"
  sed -e 's/^$/./' -e 's/^/ /' "$dir/LICENSE"
else
  echo "Files: *"
  echo "Copyright: WgSharp developers"
  echo "License: none-yet"
  echo " No licence has been chosen for WgSharp yet; all rights reserved by its authors."
fi
echo
echo "Files: usr/lib/wgsharp/libsodium.so"
echo "Copyright: Frank Denis"
echo "License: ISC"
sed -e 's/^$/./' -e 's/^/ /' "$dir/LICENSE.libsodium"
