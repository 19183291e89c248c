# Part of the set-up (sourced by _setup.sh): the front-end packages of the data explorer, pinned in
# package-lock.json (the SQL engine, its bundler, the accessibility check of the tests), installed
# with npm ci when the lock changes. Needs Node.js 18 or newer with npm (installed with apt as root).
if [ -f "$ROOT/package-lock.json" ]; then
  want_web="$("$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$ROOT/package-lock.json")"
  if [ "$(cat "$ROOT/node_modules/.installed-lock" 2>/dev/null)" != "$want_web" ]; then
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing nodejs and npm (apt-get)" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
    if ! command -v npm >/dev/null 2>&1; then
      echo "error: the data explorer needs Node.js 18 or newer with npm: install nodejs and npm" >&2
      exit 2
    fi
    echo "installing the front-end packages (pinned versions from package-lock.json)" >&2
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want_web" > "$ROOT/node_modules/.installed-lock"
  fi
fi
