#!/usr/bin/env bash
# Installs what the platform needs on a fresh machine: system packages (PostgreSQL server for
# the test suite with pg_partman, Chromium and CJK fonts for the browser tests, poppler-utils to read PDFs back, npm for axe-core) when missing, then a Python
# virtual environment with the pinned dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
WANT_SYSTEM="${1:-}"   # "test" also installs the test-only system packages

need=()
if [ "$WANT_SYSTEM" = "test" ]; then
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
  # pg_partman: the migrations partition the access log, audit log, history and feed events by
  # month on PostgreSQL (Debian packages it per server major version; bookworm's is 15)
  pgmajor="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
  ls /usr/share/postgresql/*/extension/pg_partman.control >/dev/null 2>&1 || need+=("postgresql-${pgmajor:-15}-partman")
  [ -x /usr/bin/chromium ] || need+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)   # reads report PDFs as a reader would
  # npm: runs the OpenID Connect provider the account tests sign in at, installs axe-core
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
  # nginx: the proxy in front of several web nodes (tests/faults/test_cluster.py, scripts/cluster.sh)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} — install them (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating the virtual environment .venv ($("$PY" --version 2>&1))"
  "$PY" -m venv .venv
fi
# pip runs again only when pyproject.toml (or the extras asked for) changed since the last
# successful install; its own progress (downloads, builds) is shown, not hidden
target="."
[ "$WANT_SYSTEM" = "test" ] && target=".[test]"
stamp=".venv/.xinyong-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-64) $target"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "Python packages up to date (pyproject.toml unchanged since the last install)"
else
  echo "installing the pinned Python packages ($target) with pip:"
  .venv/bin/python -m pip install --disable-pip-version-check -e "$target"
  echo "$want" > "$stamp"
fi
if [ "$WANT_SYSTEM" = "test" ]; then
  echo "installing the test tools from the npm registry (pinned by their package-lock.json files)"
  # the real OpenID Connect provider (oidc-provider) of tests/accounts
  (cd tests/accounts/oidc_provider && npm ci --no-audit --no-fund --loglevel=error)
  # axe-core for the browser tests' accessibility checks, into var/npm (outside git); the
  # tests then run offline
  AXE=var/npm/node_modules/axe-core/package.json
  if ! cmp -s tests/web/axe/package-lock.json var/npm/package-lock.json || [ ! -f "$AXE" ]; then
    mkdir -p var/npm
    cp tests/web/axe/package.json tests/web/axe/package-lock.json var/npm/
    npm ci --prefix var/npm --no-audit --no-fund --loglevel=error
  fi
fi
