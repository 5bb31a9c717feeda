#!/usr/bin/env bash
# Runs units of Redis 7.0.15's own test suite (../shared/redis-suite, when it is
# there) against a single kv node and against the entry node of a two-node
# cluster, and prints both summaries. It reports, it does not gate: failing
# tests still exit 0 (most fail on commands and types kv does not have yet), but
# a node that dies during the run exits 1. redis-server runs the same units for
# comparison when it is installed. Needs a built tree (npm run build)
# and tclsh. Logs (the suite's per unit and target, and each node's): $REDIS_SUITE_LOGS,
# by default a new directory under /tmp that is kept and named at the end.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
suite="$root/../shared/redis-suite"
cd "$root"

if [ ! -x "$suite/run" ]; then echo "redis-suite: $suite not found, skipped"; exit 0; fi
if ! command -v tclsh >/dev/null; then echo "redis-suite: tclsh not found (apt-get install -y tcl), skipped"; exit 0; fi
if [ ! -f dist/server/main.js ]; then echo "redis-suite: dist/server/main.js missing: run npm run build first"; exit 1; fi

UNITS=(unit/type/string unit/type/incr unit/type/hash unit/keyspace unit/expire unit/multi unit/protocol
  unit/info-command unit/info unit/quit unit/scan unit/other unit/auth unit/querybuf unit/dump unit/bitops unit/pubsub unit/type/set unit/type/zset unit/type/list unit/type/list-3 unit/introspection unit/introspection-2 unit/slowlog unit/sort)

work=$(mktemp -d)
logs=${REDIS_SUITE_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/kv-redis-suite.XXXXXX")}
mkdir -p "$logs"
pids=()
stop_nodes() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}
trap 'stop_nodes; rm -rf "$work"' EXIT

# Four free ports from the kernel's ephemeral range (never 6379/6380, where a cluster may run).
mapfile -t ports < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2, 3].map(() => net.createServer());
  Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
    .then((ps) => { console.log(ps.join("\n")); servers.forEach((s) => s.close()); });')
[ ${#ports[@]} -eq 4 ] || { echo "redis-suite: could not find free ports"; exit 1; }
secret=$(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')

cat >"$work/solo.conf" <<EOF
secret $secret
node solo 127.0.0.1:${ports[0]}
route * solo
EOF
cat >"$work/two.conf" <<EOF
secret $secret
node foo 127.0.0.1:${ports[1]}
node bar 127.0.0.1:${ports[2]}
route 0x00-m foo
route n-0xff bar
EOF

declare -A node_pid
start_node() { # conf name port
  node dist/server/main.js --config "$1" --name "$2" >"$logs/$2.log" 2>&1 &
  node_pid[$2]=$!
  pids+=("$!")
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return 0; fi
    kill -0 "${node_pid[$2]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "redis-suite: node $2 did not start:"; cat "$logs/$2.log"; return 1
}

crashed=()
check_alive() {
  for name in "$@"; do
    if ! kill -0 "${node_pid[$name]}" 2>/dev/null; then
      crashed+=("$name")
      echo "redis-suite: node $name is not running any more; its log ends with:"
      tail -n 20 "$logs/$name.log" | sed 's/^/    /'
    fi
  done
}

# One target at a time: Redis's runtest listens on a fixed range of ports of its own.
run_suite() { # label port logdir
  echo "== redis-suite against $1 (port $2)"
  REDIS_SUITE_LOGS="$3" REDIS_SUITE_UNIT_S=${REDIS_SUITE_UNIT_S:-60} timeout "${REDIS_SUITE_RUN_S:-170}" \
    "$suite/run" 127.0.0.1 "$2" "${UNITS[@]}" | tee "$work/$1.out"
  [ "${PIPESTATUS[0]}" -eq 124 ] && echo "redis-suite: the run against $1 timed out"
}

start_node "$work/solo.conf" solo "${ports[0]}" || exit 1
start_node "$work/two.conf" foo "${ports[1]}" || exit 1
start_node "$work/two.conf" bar "${ports[2]}" || exit 1

run_suite single-node "${ports[0]}" "$logs/single-node"
run_suite cluster-entry "${ports[1]}" "$logs/cluster-entry"
check_alive solo foo bar
stop_nodes

# The same units against a real redis-server, for the figures side by side.
if command -v redis-server >/dev/null; then
  redis-server --port "${ports[3]}" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[3]}") 2>/dev/null && break; sleep 0.1; done
  run_suite redis-server "${ports[3]}" "$logs/redis-server"
  stop_nodes
fi

echo "== redis-suite summary (logs in $logs)"
for t in redis-server single-node cluster-entry; do
  [ -f "$work/$t.out" ] || continue
  printf '%-14s %s\n' "$t" "$(grep '^redis-suite:' "$work/$t.out" || echo 'no summary (run cut short)')"
done
if [ ${#crashed[@]} -gt 0 ]; then
  echo "redis-suite: node(s) crashed: ${crashed[*]}"
  exit 1
fi
exit 0
