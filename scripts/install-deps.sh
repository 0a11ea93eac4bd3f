#!/usr/bin/env bash
# Installs the system packages swift-ray needs, only those that are missing, with sudo when not
# root. Usage: scripts/install-deps.sh [--tests]   (--tests adds hwloc's command-line tools,
# which the tests use as the reference for topology discovery).
set -euo pipefail

packages=(pkg-config libhwloc-dev libnuma-dev)
[[ "${1:-}" == "--tests" ]] && packages+=(hwloc-nox)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "swift-ray: installing ${missing[*]}" >&2
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "swift-ray: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "swift-ray: no Swift toolchain on PATH; install Swift 6.1 or later from swift.org first" >&2
    exit 1
fi
