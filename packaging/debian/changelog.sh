#!/usr/bin/env bash
# Writes the Debian changelog entry for <version> (a binary-only package built from the repository).
set -euo pipefail
: "${MAINTAINER:?}"
cat <<ENTRY
wgsharp ($1) unstable; urgency=medium

  * Release $1, built by release.sh.

 -- ${MAINTAINER}  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
ENTRY
