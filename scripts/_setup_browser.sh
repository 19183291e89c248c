# Part of scripts/test: Chromium for the data explorer's browser tests. Debian's package is installed
# with apt where this runs as root (or may use sudo without a password, as on CI runners); elsewhere
# the run stops here and says what to install.
# XINJIANG_PAIRING_CHROMIUM may name another Chromium binary.
if [ -z "${XINJIANG_PAIRING_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" = 0 ] || { sudo -n true 2>/dev/null && as_root="sudo -n"; }
  if { [ "$(id -u)" = 0 ] || [ -n "$as_root" ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the browser tests (apt-get)" >&2
    $as_root apt-get update -qq >/dev/null
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null || true  # Chinese in screenshots
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    echo "error: the browser tests need Chromium: apt-get install chromium (or set XINJIANG_PAIRING_CHROMIUM)" >&2
    exit 2
  fi
fi
