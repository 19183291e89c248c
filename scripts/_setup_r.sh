# Part of scripts/test: R (Debian's r-base-core) for the test of the CSV zip README's R snippet.
# Installed with apt where this runs as root; elsewhere that test is skipped.
if ! command -v Rscript >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing R for the client tests (apt-get)" >&2
  apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core >/dev/null || true
fi
