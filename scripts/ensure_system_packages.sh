#!/usr/bin/env bash
# System tools the project needs beyond Python packages, installed from Debian or Ubuntu when missing.
#   Java 17 or 21 and Maven   Neo4j 5.26 is resolved from Maven Central and run on the machine's Java.
#   Chromium                  the page tests drive it with Playwright (CHROMIUM_PATH, default /usr/bin/chromium).
#   pdftoppm (poppler-utils)  tests/test_reports.py renders report.pdf's first page to PNG with it.
#   DejaVu and Liberation     fonts with Spanish accents for report PDFs and page screenshots.
#   pango, pangoft2, harfbuzz-subset  the libraries WeasyPrint loads to lay out report PDFs.
#   curl                      the README's tour and the service checks.
# Each tool is detected by its command, library or font file, not by package name, so a tool that
# came from elsewhere counts. Only what is missing is installed, in one apt-get call; nothing is
# printed when nothing is missing. Runs as root (as on the project's machines and CI); anywhere
# else it only says what is missing and exits 1.
set -euo pipefail

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

os_id=""
if [ -r /etc/os-release ]; then
    os_id="$(. /etc/os-release && echo "${ID:-}")"
fi

# ldconfig lives in /sbin, which is not on a normal user's PATH.
ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
has_library() {
    "$ldconfig_bin" -p 2>/dev/null | grep -q "$1"
}

# The Java that Neo4j will use (JAVA_HOME first, as scripts/neo4j_server.py does) is 17 or 21.
java_ok() {
    local java version major
    if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; else java="$(command -v java || true)"; fi
    [ -n "$java" ] && [ -x "$java" ] || return 1
    version="$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1)"
    major="${version%%.*}"
    [ "$major" = 17 ] || [ "$major" = 21 ]
}

# A browser Playwright can drive: it runs and says it is Chromium or Chrome (Ubuntu's snap
# wrapper deb prints an install hint instead when snapd cannot run).
chromium_ok() {
    [ -x "$CHROMIUM_PATH" ] || return 1
    timeout 20 "$CHROMIUM_PATH" --headless --no-sandbox --version 2>/dev/null | grep -qE '^(Chromium|Google Chrome) [0-9]'
}

missing=()
# "a|b": the first of these that the distribution offers (Debian 13 has no Java 17, only 21).
java_ok || missing+=("openjdk-17-jre-headless|openjdk-21-jre-headless")
command -v mvn >/dev/null 2>&1 || missing+=(maven)
chromium_ok || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
compgen -G '/usr/share/fonts/truetype/liberation*/LiberationSans-Regular.ttf' >/dev/null || missing+=(fonts-liberation)
has_library 'libpango-1\.0\.so\.0' || missing+=(libpango-1.0-0)
has_library 'libpangoft2-1\.0\.so\.0' || missing+=(libpangoft2-1.0-0)
has_library 'libharfbuzz-subset\.so\.0' || missing+=(libharfbuzz-subset0)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

chromium_help() {
    echo "No usable Chromium at $CHROMIUM_PATH. The page tests need a Chromium or Chrome that runs headless" >&2
    echo "outside a snap: install one (Debian's 'chromium' package, or Google Chrome's .deb) and point" >&2
    echo "CHROMIUM_PATH at it, e.g. 'export CHROMIUM_PATH=/usr/bin/google-chrome'." >&2
}

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${missing[*]//|/ or } (install them with your package manager, as root)." >&2
    case " ${missing[*]} " in *" chromium "*) chromium_help ;; esac
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq

packages=()
for choice in "${missing[@]}"; do
    if [ "$choice" = chromium ] && [ "$os_id" = ubuntu ]; then
        # Ubuntu's chromium debs only install the snap, which neither runs in containers without
        # snapd nor lets Playwright use a fresh profile under /tmp; installing it would not help.
        echo "Ubuntu ships Chromium only as a snap, which Playwright cannot drive here; not installing it." >&2
        chromium_help
        continue
    fi
    picked=""
    IFS='|' read -r -a alternatives <<<"$choice"
    for package in "${alternatives[@]}"; do
        if apt-cache show "$package" >/dev/null 2>&1; then picked="$package"; break; fi
    done
    packages+=("${picked:-${alternatives[0]}}")
done

if [ ${#packages[@]} -gt 0 ]; then
    echo "Installing system packages: ${packages[*]}"
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

status=0
if ! java_ok; then
    echo "Java 17 or 21 is installed but is not the one found first; set JAVA_HOME to it (see 'update-alternatives --list java')." >&2
    status=1
fi
if ! chromium_ok; then
    [ "$os_id" = ubuntu ] || chromium_help
    status=1
fi
exit $status
