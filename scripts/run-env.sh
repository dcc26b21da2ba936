# Sourced by scripts/run.sh: the port to serve on and the public address that follows it.
# PORT (default 8000) is where the demo listens; XINYONG_BASE_URL, unless set, becomes
# http://127.0.0.1:$PORT, so reports' verification links and QR codes point at this server.
PORT="${PORT:-8000}"
case "$PORT" in
  ''|*[!0-9]*) echo "PORT must be a port number, got '$PORT'" >&2; exit 2 ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "PORT must be between 1 and 65535, got $PORT" >&2; exit 2
fi
export PORT
export XINYONG_BASE_URL="${XINYONG_BASE_URL:-http://127.0.0.1:$PORT}"
export XINYONG_DEV="${XINYONG_DEV:-1}"
