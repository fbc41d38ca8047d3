#!/usr/bin/env bash
# System tools the project needs beyond Python packages, installed from Debian when missing.
#   pdftoppm (poppler-utils): tests/test_reports.py renders report.pdf's first page to PNG with it.
# Runs as root (as on the project's machines and CI); anywhere else it only says what is missing.
set -euo pipefail

missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p | grep -q 'libharfbuzz-subset\.so\.0'; then
    missing+=(libharfbuzz-subset0)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${missing[*]} (install them with your package manager)." >&2
    exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
