#!/bin/bash
# Two builds of kv side by side, with a reference, measured in turn (A/B):
#   bench/ab.sh local|hop DIR_A DIR_B [ROUNDS] ["set get"] ["1 16"]
# DIR_A and DIR_B each hold a build (dist/, package.json, node_modules), e.g. a
# `git worktree` of the commit before a change and this one after `npm run build`.
# local: one node of each that owns every key, against redis-server;
# hop:   a -> b of each (b owns every key), against nutcracker -> redis-server.
# Every round runs each test on the reference, A and B within seconds, so a load
# that changes by the minute (a shared machine) slows all three alike; it prints
# each run, then per test the medians and the median of the per-round ratios.
set -u
MODE=$1 A=$(realpath "$2") B=$(realpath "$3") ROUNDS=${4:-3} TESTS=${5:-"set get incr hset mset"} PIPES=${6:-"1 16"}
W=$(mktemp -d)
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PIDS=""
trap 'kill $PIDS 2>/dev/null; rm -rf "$W"' EXIT
PR=$(port)
redis-server --port "$PR" --bind 127.0.0.1 --save '' --appendonly no --maxclients 10000 >/dev/null 2>&1 & PIDS="$PIDS $!"
REF=$PR
if [ "$MODE" = hop ]; then
  REF=$(port)
  printf 'bench:\n  listen: 127.0.0.1:%s\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n  auto_eject_hosts: false\n  server_connections: 1\n  servers:\n    - 127.0.0.1:%s:1\n' "$REF" "$PR" > "$W/n.yml"
  nutcracker -c "$W/n.yml" -s "$(port)" -a 127.0.0.1 -o "$W/n.log" & PIDS="$PIDS $!"
fi
for n in A B; do
  d=$A; [ $n = B ] && d=$B
  pa=$(port); pb=$(port)
  if [ "$MODE" = hop ]; then nodes="b a"; else nodes="a"; pb=$pa; fi
  printf 'secret kv-bench-cluster-secret\nsave ""\nnode a 127.0.0.1:%s\n' "$pa" > "$W/$n.conf"
  [ "$MODE" = hop ] && printf 'node b 127.0.0.1:%s\n' "$pb" >> "$W/$n.conf"
  printf 'route * %s\n' "$([ "$MODE" = hop ] && echo b || echo a)" >> "$W/$n.conf"
  for nn in $nodes; do
    (cd "$d" && exec node dist/server/main.js --config "$W/$n.conf" --name $nn >"$W/$n-$nn.log" 2>&1) & PIDS="$PIDS $!"
  done
  eval "P$n=$pa"
done
sleep 2
for t in $TESTS; do for P in $PIPES; do
  n=50000; [ "$P" = 16 ] && n=300000
  for r in $(seq "$ROUNDS"); do
    for x in "ref:$REF" "A:$PA" "B:$PB"; do
      rps=$(redis-benchmark -p "${x#*:}" -t "$t" -n $n -c 50 -P "$P" -r 100000 -q 2>/dev/null | grep -o '[0-9.]* requests per second' | head -1 | cut -d' ' -f1)
      echo "$t $P $r ${x%%:*} ${rps:-0}"
    done
  done
done; done | tee "$W/runs"
echo
awk '
  { v[$1" "$2" "$4" "$3] = $5; rounds[$1" "$2] = ($3 > rounds[$1" "$2] ? $3 : rounds[$1" "$2]); if (!($1" "$2 in seen)) { seen[$1" "$2]; order[++k] = $1" "$2 } }
  function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((n + 1) / 2)] }
  END {
    printf "%-6s %3s %9s %9s %9s %6s %6s %6s\n", "test", "-P", "ref", "A", "B", "A/ref", "B/ref", "B/A"
    for (q = 1; q <= k; q++) {
      tp = order[q]; n = rounds[tp]
      for (i = 1; i <= n; i++) { r[i] = v[tp" ref "i]; a[i] = v[tp" A "i]; b[i] = v[tp" B "i]; ra[i] = a[i] / r[i]; rb[i] = b[i] / r[i]; ba[i] = b[i] / a[i] }
      printf "%-6s %3s %8.0fk %8.0fk %8.0fk %6.2f %6.2f %6.2f\n", substr(tp, 1, index(tp, " ") - 1), substr(tp, index(tp, " ") + 1), med(r, n) / 1000, med(a, n) / 1000, med(b, n) / 1000, med(ra, n), med(rb, n), med(ba, n)
    }
  }' "$W/runs"
