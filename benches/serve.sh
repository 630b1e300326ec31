# Sourced by the bench scripts: builds the release binary and starts one
# server on a free loopback port with its data in a temporary directory,
# killed and removed on exit. Sets root, bin, work, addr and pid.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"$bin" serve --listen "$addr" --data "$work/data" ${SERVE_FLAGS:-} >/dev/null 2>>"$work/server.log" &
pid=$!
cleanup() { kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
until "$bin" --addr "$addr" ping >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
