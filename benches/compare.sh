#!/usr/bin/env bash
# Side-by-side benchmark of a durable coupon redeem: couponsd vs Redis 7
# (appendonly yes, appendfsync always, the redeem as a Lua script) vs
# PostgreSQL 15 (fsync on, synchronous_commit on, the redeem as one plpgsql
# function call). Same semantics everywhere: see benches/compare/README.md.
#
#   bash benches/compare.sh [--duration SECS] [--quick] [--only redis|postgres|couponsd[,...]] [--keep]
#
# Starts each server on a free loopback port with its data in a temp dir, runs
# the workloads one system at a time, stops everything it started on exit
# (Ctrl-C too), prints a markdown table and keeps it with the raw outputs under
# benches/compare/results/<timestamp>/. A full run (no --quick, no --only)
# also copies the table to benches/compare/latest.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bash benches/compare.sh [options]
  --duration SECS   seconds per run (default 10)
  --quick           3 s per run, for smoke tests (not copied to latest.md)
  --only LIST       run only these systems: redis, postgres, couponsd (comma-separated)
  --keep            keep the servers' data directories (printed at the end)
  -h, --help        this text
Environment: PG_BIN (default /usr/lib/postgresql/15/bin), COMPARE_TMPDIR (where
data directories go; default $TMPDIR or /tmp), COMPARE_PG_USER (the user that
runs PostgreSQL when invoked as root; default couponsd-bench).
EOF
}

DURATION=10
QUICK=0
ONLY=""
KEEP=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --duration)
        [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "--duration needs a whole number of seconds" >&2; exit 2; }
        DURATION=$2
        shift 2
        ;;
    --duration=*)
        DURATION=${1#--duration=}
        [[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "--duration needs a whole number of seconds" >&2; exit 2; }
        shift
        ;;
    --quick) QUICK=1; shift ;;
    --only)
        [[ $# -ge 2 ]] || { echo "--only needs redis, postgres or couponsd" >&2; exit 2; }
        ONLY=$2
        shift 2
        ;;
    --only=*) ONLY=${1#--only=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $QUICK -eq 1 ]] && DURATION=3
if [[ -n $ONLY ]]; then
    IFS=, read -r -a only_list <<<"$ONLY"
    for s in "${only_list[@]}"; do
        case $s in
        redis | postgres | couponsd) ;;
        *) echo "--only: $s is not one of redis, postgres, couponsd" >&2; exit 2 ;;
        esac
    done
fi
want() { [[ -z $ONLY || ,$ONLY, == *,"$1",* ]]; }

BENCHES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCHES")
CMP=$BENCHES/compare
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${COMPARE_PG_USER:-couponsd-bench}

CONNS=64
PIPE=16
SPREAD_COUPONS=10000
CUSTOMERS=10000
AMOUNT=15000 # minor units: every redeem gets 10% = 1500 (the cap is 5000)
CLK_TCK=$(getconf CLK_TCK)

WORKLOADS=(hot hotp spread spreadp)
declare -A WL_TITLE=(
    [hot]="hot: 1 coupon, $CONNS conns"
    [hotp]="hot pipelined: 1 coupon, $CONNS conns × $PIPE in flight"
    [spread]="spread: $SPREAD_COUPONS coupons, $CONNS conns"
    [spreadp]="spread pipelined: $SPREAD_COUPONS coupons, $CONNS conns × $PIPE in flight"
)
declare -A WL_COUPONS=([hot]=1 [hotp]=1 [spread]=$SPREAD_COUPONS [spreadp]=$SPREAD_COUPONS)
declare -A WL_PIPE=([hot]=1 [hotp]=$PIPE [spread]=1 [spreadp]=$PIPE)

# Results, keyed "system:workload": ops/s, p50 and p99 in microseconds, CPU in
# cores (server, load generator, rest of the machine), and a note.
declare -A OPS=() P50=() P99=() SRV_CPU=() CLI_CPU=() OTHER_CPU=() NOTE=()
FAILURES=()

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }
fail() { log "FAIL: $*"; FAILURES+=("$*"); }

# ---------------------------------------------------------------- cleanup ---
WORK=""
COUPONSD_PID=""
REDIS_PID=""
PG_DATA=""
CLIENT_PID=""

stop_pid() { # pid: TERM, wait up to 10 s, then KILL
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

as_pg_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

stop_postgres() {
    if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
        as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || {
            local pid
            pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
            if [[ -n $pid ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
        }
    fi
    PG_DATA=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CLIENT_PID"
    stop_pid "$COUPONSD_PID"
    stop_pid "$REDIS_PID"
    stop_postgres
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP -eq 1 ]]; then
            log "data kept in $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers ---
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    die "no free loopback port found"
}

now() { date +%s.%N; }

# CPU ticks of the given pids: each one's own (with its reaped children) plus
# its live direct children (PostgreSQL's backends); then the whole machine's
# busy ticks. Prints one number per pid, then the machine's.
cpu_ticks() {
    { head -1 /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pids="$*" '
        BEGIN { n = split(pids, p, " "); for (i = 1; i <= n; i++) { want[p[i]] = i; s[i] = 0 } }
        NR == 1 { busy = $2 + $3 + $4 + $7 + $8 + $9; next }
        {
            j = index($0, ") "); split(substr($0, j + 2), a, " ")
            if ($1 in want) s[want[$1]] += a[12] + a[13] + a[14] + a[15]
            else if (a[2] in want) s[want[a[2]]] += a[12] + a[13]
        }
        END { for (i = 1; i <= n; i++) printf "%d ", s[i]; print busy }'
}

# run_sampled SERVER_PID WINDOW_SECS OUT ERR CPUVAR -- CMD...: runs the load
# generator in the background, samples the CPU of it, of the server and of the
# whole machine every half second, and sets CPUVAR to "server client other"
# (cores used) over the last WINDOW_SECS of the run (so a bench's own setup,
# such as creating coupons, is left out). "other" is everything else on the
# machine: it should be near 0. Returns the load generator's exit status.
run_sampled() {
    local server=$1 window=$2 out=$3 err=$4 var=$5
    shift 6
    local samples=$out.cpu rc=0
    "$@" >"$out" 2>"$err" &
    CLIENT_PID=$!
    : >"$samples"
    while kill -0 "$CLIENT_PID" 2>/dev/null; do
        echo "$(now) $(cpu_ticks "$server" "$CLIENT_PID")" >>"$samples"
        sleep 0.5
    done
    wait "$CLIENT_PID" || rc=$?
    CLIENT_PID=""
    printf -v "$var" '%s' "$(awk -v w="$window" -v hz="$CLK_TCK" '
        $3 > 0 { n++; t[n] = $1; s[n] = $2; c[n] = $3; m[n] = $4 }
        END {
            if (n < 2) { print "? ? ?"; exit }
            a = 1
            for (i = 1; i < n; i++) if (t[i] >= t[n] - w + 0.5) { a = i; break }
            if (a == n) a = 1
            dt = t[n] - t[a]; ds = s[n] - s[a]; dc = c[n] - c[a]; dm = m[n] - m[a]
            printf "%.2f %.2f %.2f\n", ds / hz / dt, dc / hz / dt, (dm > ds + dc ? dm - ds - dc : 0) / hz / dt
        }' "$samples")"
    return "$rc"
}

set_result() { # key ops p50_us p99_us cpu_pair note
    OPS[$1]=$2
    P50[$1]=$3
    P99[$1]=$4
    local -a cores
    read -r -a cores <<<"$5"
    SRV_CPU[$1]=${cores[0]:-?}
    CLI_CPU[$1]=${cores[1]:-?}
    OTHER_CPU[$1]=${cores[2]:-?}
    NOTE[$1]=${6:-}
}

# ---------------------------------------------------------------- install ---
ensure_tools() {
    local missing=() p
    command -v awk >/dev/null || die "awk is missing"
    if want redis; then
        for p in redis-server redis-cli redis-benchmark; do
            command -v "$p" >/dev/null || { missing+=(redis-server redis-tools); break; }
        done
    fi
    if want postgres; then
        for p in postgres initdb pg_ctl pgbench psql; do
            [[ -x $PG_BIN/$p ]] || { missing+=(postgresql-15); break; }
        done
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        if [[ $(id -u) -ne 0 ]]; then
            die "missing packages: ${missing[*]}. Install them first (as root: apt-get update && apt-get install -y ${missing[*]}), or pass --only for the systems you have."
        fi
        log "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
    if want postgres && [[ $(id -u) -eq 0 ]]; then
        command -v runuser >/dev/null || die "runuser (util-linux) is needed to run PostgreSQL as a non-root user"
        if ! id "$PG_USER" >/dev/null 2>&1; then
            log "creating system user $PG_USER to run PostgreSQL"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
        fi
    fi
    if want couponsd; then
        command -v cargo >/dev/null || die "cargo is missing: install Rust (rustup) to build couponsd"
    fi
}

# --------------------------------------------------------------- couponsd ---
COUPONSD=$ROOT/target/release/couponsd

jget() { grep -o "\"$1\":[0-9.]*" "$2" | head -1 | cut -d: -f2; }

couponsd_run() { # key op coupons pipeline
    local key=$1 op=$2 coupons=$3 pipe=$4 cpu="" rc=0
    local out=$RES/couponsd-$key.json err=$RES/couponsd-$key.stderr
    log "couponsd $op: ${coupons} coupon(s), $CONNS conns × $pipe, ${DURATION}s"
    run_sampled "$COUPONSD_PID" "$DURATION" "$out" "$err" cpu -- \
        "$COUPONSD" --addr "$COUPONSD_ADDR" --json bench --op "$op" --coupons "$coupons" \
        --customers "$CUSTOMERS" --connections "$CONNS" --pipeline "$pipe" \
        --duration "$DURATION" --amount "$AMOUNT" || rc=$?
    local ok errors rejected
    ok=$(jget ok "$out")
    errors=$(jget errors "$out")
    rejected=$(jget rejected "$out")
    if [[ $rc -ne 0 || -z $ok ]]; then
        fail "couponsd $key: bench exited $rc ($(tail -1 "$err"))"
        set_result "couponsd:$key" "" "" "" "$cpu" failed
        return
    fi
    if [[ $ok -eq 0 || $errors -ne 0 || $rejected -ne 0 ]]; then
        fail "couponsd $key: ok $ok, rejected $rejected, errors $errors"
    fi
    set_result "couponsd:$key" "$(jget ops_per_sec "$out")" "$(jget p50_us "$out")" "$(jget p99_us "$out")" "$cpu"
}

bench_couponsd() {
    log "building couponsd (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet --bin couponsd) >&2 || die "cargo build failed"
    local port
    port=$(free_port)
    COUPONSD_ADDR=127.0.0.1:$port
    mkdir -p "$WORK/couponsd"
    "$COUPONSD" serve --listen "$COUPONSD_ADDR" --data "$WORK/couponsd/data" \
        >"$RES/couponsd-server.log" 2>&1 &
    COUPONSD_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        "$COUPONSD" --addr "$COUPONSD_ADDR" ping >/dev/null 2>&1 && break
        kill -0 "$COUPONSD_PID" 2>/dev/null || die "couponsd serve exited: $(tail -3 "$RES/couponsd-server.log")"
        sleep 0.1
    done
    "$COUPONSD" --addr "$COUPONSD_ADDR" ping >/dev/null 2>&1 || die "couponsd did not answer on $COUPONSD_ADDR"
    VERSION[couponsd]="$("$COUPONSD" --version | awk '{print $2}') ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+changes'))"
    log "couponsd ${VERSION[couponsd]} on $COUPONSD_ADDR"

    local wl
    for wl in "${WORKLOADS[@]}"; do
        couponsd_run "$wl" redeem "${WL_COUPONS[$wl]}" "${WL_PIPE[$wl]}"
    done
    couponsd_run validate validate 1 1
    couponsd_run validatep validate 1 "$PIPE"

    stop_pid "$COUPONSD_PID"
    COUPONSD_PID=""
    du -sh "$WORK/couponsd/data" 2>/dev/null | awk '{print "couponsd data dir after the runs: " $1}' >>"$RES/notes.txt"
}

# ------------------------------------------------------------------ Redis ---
rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# Creates coupons as hashes: PREFIX (one coupon) or PREFIX:%012d for n > 1,
# the form redis-benchmark's __rand_int__ takes.
redis_create_coupons() { # prefix n
    rcli EVAL "
        local n = tonumber(ARGV[2])
        for i = 0, n - 1 do
            local key = ARGV[1]
            if n > 1 then key = key .. ':' .. string.format('%012d', i) end
            redis.call('HSET', key, 'active', '1', 'usage_limit', '1000000000000', 'used', '0',
                'per_customer_limit', '1000000000', 'percent_off', '10', 'max_discount', '5000')
        end
        return n" 0 "$1" "$2" >/dev/null
}

redis_used() { # prefix n: sum of used over the coupons
    rcli --raw EVAL "
        local n, s = tonumber(ARGV[2]), 0
        for i = 0, n - 1 do
            local key = ARGV[1]
            if n > 1 then key = key .. ':' .. string.format('%012d', i) end
            s = s + tonumber(redis.call('HGET', key, 'used'))
        end
        return s" 0 "$1" "$2"
}

# redis_benchmark OUT N PIPE KEY TAG: one redis-benchmark run; prints "rps p50_ms p99_ms".
redis_benchmark_args() { # n pipe key tag
    echo -h 127.0.0.1 -p "$REDIS_PORT" -c "$CONNS" -n "$1" -r "$CUSTOMERS" -P "$2" --csv \
        EVALSHA "$REDIS_SHA" 2 "$3" redemptions "customer-__rand_int__" \
        "order-$4-__rand_int__-__rand_int__-__rand_int__" "$AMOUNT"
}

redis_csv() { # file: "rps p50_ms p99_ms" from redis-benchmark --csv
    awk -F'","' 'NR > 1 && /EVALSHA/ { print $2, $5, $7 }' "$1" | tail -1
}

redis_run() { # workload
    local wl=$1 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]}
    local prefix=coupon:$wl key
    key=$prefix
    [[ $coupons -gt 1 ]] && key=$prefix:__rand_int__
    # redis-benchmark draws each __rand_int__ below -r; coupons and customers
    # both number 10,000, so one -r serves both. Hot uses a literal key.
    [[ $coupons -eq 1 || $coupons -eq $CUSTOMERS ]] || die "redis: coupons must be 1 or $CUSTOMERS"
    redis_create_coupons "$prefix" "$coupons"
    local xlen0
    xlen0=$(rcli XLEN redemptions)

    # redis-benchmark counts requests, not seconds: a short calibration run
    # (also a warm-up) sizes the real one to last about --duration seconds.
    # Counts are multiples of the pipeline: redis-benchmark sends whole ones.
    local cal_n=$((CONNS * pipe * 20)) rps
    local -a args
    log "redis $wl: calibrating ($cal_n requests)"
    read -r -a args <<<"$(redis_benchmark_args "$cal_n" "$pipe" "$key" "cal$RANDOM$RANDOM")"
    redis-benchmark "${args[@]}" >"$RES/redis-$wl.calibration.csv" 2>&1 || true
    rps=$(redis_csv "$RES/redis-$wl.calibration.csv" | awk '{print $1}')
    if [[ -z $rps ]] || grep -q 'Error' "$RES/redis-$wl.calibration.csv"; then
        fail "redis $wl: calibration run failed: $(head -3 "$RES/redis-$wl.calibration.csv")"
        set_result "redis:$wl" "" "" "" "? ? ?" failed
        return
    fi
    local n
    n=$(awk -v r="$rps" -v d="$DURATION" -v m="$((CONNS * pipe * 4))" -v p="$pipe" 'BEGIN { n = int(r * d); if (n < m) n = m; print n - n % p }')
    log "redis $wl: $n requests (~${DURATION}s at $rps/s), $CONNS conns × $pipe"
    read -r -a args <<<"$(redis_benchmark_args "$n" "$pipe" "$key" "run$RANDOM$RANDOM")"
    local out=$RES/redis-$wl.csv cpu="" rc=0
    run_sampled "$REDIS_PID" "$DURATION" "$out" "$RES/redis-$wl.stderr" cpu -- redis-benchmark "${args[@]}" || rc=$?
    local line
    line=$(redis_csv "$out")
    if [[ $rc -ne 0 || -z $line ]] || grep -q 'Error' "$out" "$RES/redis-$wl.stderr"; then
        fail "redis $wl: redis-benchmark exited $rc: $(grep -h 'Error' "$out" "$RES/redis-$wl.stderr" | head -2)"
        set_result "redis:$wl" "" "" "" "$cpu" failed
        return
    fi
    local r p50 p99
    read -r r p50 p99 <<<"$line"
    # Check: every request redeemed once (fresh order ids, so no replays).
    local used xlen expect=$((cal_n + n))
    used=$(redis_used "$prefix" "$coupons")
    xlen=$(rcli XLEN redemptions)
    echo "redis $wl: requests $expect (calibration $cal_n + run $n), used counters $used, new stream entries $((xlen - xlen0))" >>"$RES/checks.txt"
    if [[ $used -ne $expect || $((xlen - xlen0)) -ne $expect ]]; then
        fail "redis $wl: $expect requests but used +$used and $((xlen - xlen0)) redemption records"
    fi
    set_result "redis:$wl" "$(awk -v r="$r" 'BEGIN { printf "%d", r + 0.5 }')" \
        "$(awk -v v="$p50" 'BEGIN { printf "%d", v * 1000 }')" \
        "$(awk -v v="$p99" 'BEGIN { printf "%d", v * 1000 }')" "$cpu"
}

bench_redis() {
    REDIS_PORT=$(free_port)
    mkdir -p "$WORK/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" \
        --appendonly yes --appendfsync always --save "" --daemonize no \
        --logfile "$WORK/redis/redis.log" >/dev/null 2>&1 &
    REDIS_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        rcli PING >/dev/null 2>&1 && break
        kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server exited: $(tail -3 "$WORK/redis/redis.log")"
        sleep 0.1
    done
    [[ $(rcli CONFIG GET appendfsync | tail -1) == always ]] || die "redis: appendfsync is not always"
    VERSION[redis]=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    log "redis ${VERSION[redis]} on 127.0.0.1:$REDIS_PORT (appendonly yes, appendfsync always)"
    REDIS_SHA=$(rcli SCRIPT LOAD "$(cat "$CMP/redeem.lua")")

    # A sample call: a fresh order redeems, the same order again replays.
    redis_create_coupons coupon:check 1
    local first second
    first=$(rcli --raw EVALSHA "$REDIS_SHA" 2 coupon:check redemptions customer-1 order-check "$AMOUNT" | tr '\n' ' ')
    second=$(rcli --raw EVALSHA "$REDIS_SHA" 2 coupon:check redemptions customer-1 order-check "$AMOUNT" | tr '\n' ' ')
    echo "redis sample: first call [$first], same order again [$second]" >>"$RES/checks.txt"
    [[ $first == "ok "*" 1500 0 " && $second == "ok "*" 1500 1 " && ${first% 1500 0 } == "${second% 1500 1 }" ]] ||
        fail "redis sample redeem: expected ok/<id>/1500/0 then the same with replayed 1, got [$first] then [$second]"

    local wl
    for wl in "${WORKLOADS[@]}"; do
        redis_run "$wl"
    done
    {
        echo "redis INFO persistence after the runs:"
        rcli INFO persistence | tr -d '\r' | grep -E 'aof_(enabled|rewrites|last_write_status|current_size)'
    } >>"$RES/notes.txt"
    cp "$WORK/redis/redis.log" "$RES/redis-server.log" 2>/dev/null || true
    stop_pid "$REDIS_PID"
    REDIS_PID=""
}

# ------------------------------------------------------------- PostgreSQL ---
psql_q() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bench -d couponbench -v ON_ERROR_STOP=1 -qAtX "$@"; }

# pgbench script: one redeem per transaction; pipelined, 16 redeems per
# pipeline, each its own BEGIN ... COMMIT (a pgbench 15 pipeline without them
# would run all 16 as one implicit transaction: one commit, shared fate).
pg_script() { # workload file
    local wl=$1 file=$2 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]} i code
    {
        for ((i = 1; i <= pipe; i++)); do
            echo "\\set cust$i random(0, $((CUSTOMERS - 1)))"
            echo "\\set order$i random(1, 9223372036854775806)"
            [[ $coupons -gt 1 ]] && echo "\\set coupon$i random(0, $((coupons - 1)))"
        done
        [[ $pipe -gt 1 ]] && printf '%s\n' '\startpipeline'
        for ((i = 1; i <= pipe; i++)); do
            if [[ $coupons -gt 1 ]]; then code="'$wl-' || :coupon$i::text"; else code="'$wl-0'"; fi
            [[ $pipe -gt 1 ]] && echo 'BEGIN;'
            echo "SELECT * FROM redeem($code, :order$i::text, 'customer-' || :cust$i::text, $AMOUNT);"
            [[ $pipe -gt 1 ]] && echo 'COMMIT;'
        done
        [[ $pipe -gt 1 ]] && printf '%s\n' '\endpipeline'
        true
    } >"$file"
}

pg_run() { # workload
    local wl=$1 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]}
    psql_q -c "SELECT create_bench_coupons('$wl', $coupons)" >/dev/null
    local script=$RES/pg-$wl.sql logdir=$WORK/pglog-$wl
    pg_script "$wl" "$script"
    mkdir -p "$logdir"
    log "postgres $wl: $coupons coupon(s), $CONNS clients$([[ $pipe -gt 1 ]] && echo " × $pipe pipelined"), ${DURATION}s"
    local out=$RES/pg-$wl.txt cpu="" rc=0
    run_sampled "$PG_PID" "$DURATION" "$out" "$RES/pg-$wl.stderr" cpu -- \
        "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U bench -n -c "$CONNS" -j 2 -T "$DURATION" \
        -M prepared -f "$script" --log --log-prefix="$logdir/log" couponbench || rc=$?
    local tps processed failed
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    if [[ $rc -ne 0 || -z $tps || -z $processed ]]; then
        fail "postgres $wl: pgbench exited $rc: $(grep -m2 -iE 'error|abort' "$RES/pg-$wl.stderr" "$out")"
        set_result "postgres:$wl" "" "" "" "$cpu" failed
        return
    fi
    [[ ${failed:-0} -eq 0 ]] || fail "postgres $wl: $failed failed transactions"
    grep -qiE 'error|aborted' "$RES/pg-$wl.stderr" && fail "postgres $wl: $(grep -m1 -iE 'error|aborted' "$RES/pg-$wl.stderr")"
    # Per-script latency from pgbench's per-transaction log (3rd field, us).
    local lat
    lat=$(cat "$logdir"/log* | awk '{ print $3 }' | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "? ?"; exit }
              i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
              i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
              print v[i50], v[i99] }')
    rm -rf "$logdir"
    # Check: the redemption rows match the redeems pgbench counted (it may
    # leave up to one script per client committed but uncounted at the end).
    local rows expect=$((processed * pipe)) ok_rows
    rows=$(psql_q -c "SELECT count(*) FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE c.code LIKE '$wl-%'")
    ok_rows=$(psql_q -c "SELECT coalesce(sum(used), 0) FROM coupons WHERE code LIKE '$wl-%'")
    # ... and each redeem was its own transaction (pipelined ones too).
    local txns
    txns=$(psql_q -c "SELECT count(DISTINCT r.xmin::text) FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE c.code LIKE '$wl-%'")
    echo "postgres $wl: pgbench scripts $processed × $pipe redeems = $expect, redemption rows $rows in $txns transactions, used counters $ok_rows" >>"$RES/checks.txt"
    if [[ $rows -lt $expect || $rows -gt $((expect + CONNS * pipe)) || $ok_rows -ne $rows || $txns -ne $rows ]]; then
        fail "postgres $wl: pgbench counted $expect redeems, but $rows redemption rows in $txns transactions and used = $ok_rows"
    fi
    set_result "postgres:$wl" "$(awk -v t="$tps" -v p="$pipe" 'BEGIN { printf "%d", t * p + 0.5 }')" \
        "${lat% *}" "${lat#* }" "$cpu"
}

bench_postgres() {
    PG_PORT=$(free_port)
    local dir=$WORK/postgres
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown "$PG_USER" "$dir"
    as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U bench --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$RES/pg-initdb.log" 2>&1 || die "initdb failed: $(tail -3 "$RES/pg-initdb.log")"
    cat >>"$dir/data/postgresql.conf" <<EOF

# couponsd benches/compare.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 15min
EOF
    PG_DATA=$dir/data
    as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        die "postgres did not start: $(tail -5 "$dir/server.log")"
    PG_PID=$(head -1 "$PG_DATA/postmaster.pid")
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bench -d postgres -qAtX -c "CREATE DATABASE couponbench" >/dev/null
    psql_q -f "$CMP/schema.sql" >/dev/null
    VERSION[postgres]=$(psql_q -c "SHOW server_version" | awk '{print $1}')
    local settings
    settings=$(psql_q -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers', 'max_connections')")
    echo "postgres settings: $settings" >>"$RES/notes.txt"
    log "postgres ${VERSION[postgres]} on 127.0.0.1:$PG_PORT ($settings)"

    # A sample call: a fresh order redeems, the same order again replays.
    psql_q -c "SELECT create_bench_coupons('check', 1)" >/dev/null
    local first second
    first=$(psql_q -c "SELECT * FROM redeem('check-0', 'order-check', 'customer-1', $AMOUNT)")
    second=$(psql_q -c "SELECT * FROM redeem('check-0', 'order-check', 'customer-1', $AMOUNT)")
    echo "postgres sample: first call [$first], same order again [$second]" >>"$RES/checks.txt"
    [[ $first == "ok|"*"|1500|f" && $second == "${first%|f}|t" ]] ||
        fail "postgres sample redeem: expected ok|<id>|1500|f then the same with t, got [$first] then [$second]"

    local wl
    for wl in "${WORKLOADS[@]}"; do
        pg_run "$wl"
    done
    psql_q -c "SELECT 'postgres database size after the runs: ' || pg_size_pretty(pg_database_size('couponbench'))" >>"$RES/notes.txt"
    cp "$dir/server.log" "$RES/pg-server.log" 2>/dev/null || true
    stop_postgres
}

# ----------------------------------------------------------------- report ---
fmt_int() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
fmt_ms() { awk -v u="$1" 'BEGIN { m = u / 1000; if (m < 10) printf "%.2f", m; else if (m < 100) printf "%.1f", m; else printf "%.0f", m }'; }

cell_ops() { # key
    local k=$1
    if [[ -n ${OPS[$k]:-} ]]; then
        fmt_int "${OPS[$k]}"
    elif [[ -n ${NOTE[$k]:-} ]]; then
        echo "${NOTE[$k]}"
    else
        echo "—"
    fi
}
cell_lat() {
    local k=$1
    if [[ -n ${P50[$k]:-} && ${P50[$k]} != "?" ]]; then
        echo "$(fmt_ms "${P50[$k]}") / $(fmt_ms "${P99[$k]}")"
    else
        echo "—"
    fi
}
cell_ratio() { # a b
    local a=${OPS[$1]:-} b=${OPS[$2]:-}
    if [[ -n $a && -n $b && $b -gt 0 ]]; then
        awk -v a="$a" -v b="$b" 'BEGIN { r = a / b; printf (r < 10 ? "%.2f×" : "%.1f×"), r }'
    else
        echo "—"
    fi
}

declare -A VERSION=()

report() {
    local model cores kernel disk
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    cores=$(nproc)
    kernel=$(uname -sr)
    disk=$(df -PT "$WORK" | awk 'NR == 2 { printf "%s (%s, %.0f GiB)", $1, $2, $3 / 1048576 }')
    echo "## Durable coupon redeem: couponsd vs Redis vs PostgreSQL"
    echo
    echo "- machine: $cores × ${model:-unknown CPU}, $kernel, data on $disk; load generator on the same machine; load average at start $LOADAVG"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); ${DURATION} s per run$([[ $QUICK -eq 1 ]] && echo " (--quick)")"
    echo "- couponsd ${VERSION[couponsd]:-not run} (always durable); Redis ${VERSION[redis]:-not run} (appendonly yes, appendfsync always; redeem = EVALSHA of benches/compare/redeem.lua); PostgreSQL ${VERSION[postgres]:-not run} (fsync on, synchronous_commit on; redeem = one plpgsql call, benches/compare/schema.sql)"
    echo "- load generators: \`couponsd bench\`, \`redis-benchmark\`, \`pgbench -M prepared -j 2\`; every redeem has a fresh order id, a random customer of $CUSTOMERS and (spread) a random coupon of $SPREAD_COUPONS; order amount 150.00, so every discount is 15.00"
    echo
    echo "| workload | couponsd ops/s | p50/p99 ms | Redis ops/s | p50/p99 ms | PostgreSQL ops/s | p50/p99 ms | couponsd / Redis | couponsd / PostgreSQL |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    local wl
    for wl in "${WORKLOADS[@]}"; do
        echo "| ${WL_TITLE[$wl]} | $(cell_ops "couponsd:$wl") | $(cell_lat "couponsd:$wl") | $(cell_ops "redis:$wl") | $(cell_lat "redis:$wl") | $(cell_ops "postgres:$wl") | $(cell_lat "postgres:$wl") | $(cell_ratio "couponsd:$wl" "redis:$wl") | $(cell_ratio "couponsd:$wl" "postgres:$wl") |"
    done
    if want couponsd; then
        echo
        echo "| couponsd validate (read-only, 1 coupon) | ops/s | p50/p99 ms | validate / hot redeem | validate / spread redeem |"
        echo "|---|---:|---:|---:|---:|"
        echo "| $CONNS conns | $(cell_ops couponsd:validate) | $(cell_lat couponsd:validate) | $(cell_ratio couponsd:validate couponsd:hot) | $(cell_ratio couponsd:validate couponsd:spread) |"
        echo "| $CONNS conns × $PIPE in flight | $(cell_ops couponsd:validatep) | $(cell_lat couponsd:validatep) | $(cell_ratio couponsd:validatep couponsd:hotp) | $(cell_ratio couponsd:validatep couponsd:spreadp) |"
    fi
    echo
    echo "CPU used during each run's last ${DURATION} s, in cores of the $cores: server / load generator / rest of the machine (other processes; should be near 0):"
    echo
    echo "| workload | couponsd | Redis | PostgreSQL |"
    echo "|---|---:|---:|---:|"
    local k s c row
    for wl in "${WORKLOADS[@]}" validate validatep; do
        case $wl in
        validate) row="couponsd validate, $CONNS conns" ;;
        validatep) row="couponsd validate, $CONNS conns × $PIPE" ;;
        *) row=${WL_TITLE[$wl]} ;;
        esac
        [[ $wl == validate* ]] && ! want couponsd && continue
        local cells=""
        for s in couponsd redis postgres; do
            k=$s:$wl
            c=—
            [[ -n ${SRV_CPU[$k]:-} ]] && c="${SRV_CPU[$k]} / ${CLI_CPU[$k]} / ${OTHER_CPU[$k]}"
            [[ $wl == validate* && $s != couponsd ]] && c=""
            cells+=" $c |"
        done
        echo "| $row |$cells"
    done
    echo
    echo "Notes:"
    echo "- Latency is what each load generator reports: couponsd bench times every request on its own; redis-benchmark with -P times the whole pipeline of $PIPE; pgbench times one script (pipelined: $PIPE redeems, each its own BEGIN/COMMIT, sent as one pgbench 15 pipeline). PostgreSQL percentiles come from pgbench's per-transaction log."
    echo "- Redis keeps each coupon (counters, per-customer counts, idempotency entries) in one hash and appends the redemption record to one stream; PostgreSQL keeps coupons, per-customer counts and redemptions in tables, the idempotency entry being redemptions' unique (coupon_id, order_id) index."
    echo "- Redis runs are sized by a short calibration run (redis-benchmark counts requests, not seconds)."
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        echo
        echo "**Checks failed:**"
        printf -- '- %s\n' "${FAILURES[@]}"
    fi
}

# ------------------------------------------------------------------- main ---
ensure_tools
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=$CMP/results/$STAMP
mkdir -p "$RES"
if [[ ! -f $CMP/results/.gitignore ]]; then
    printf '# Raw results of benches/compare.sh; the latest full run is copied to ../latest.md.\n*\n!.gitignore\n' >"$CMP/results/.gitignore"
fi
WORK=$(mktemp -d "${COMPARE_TMPDIR:-${TMPDIR:-/tmp}}/couponsd-compare.XXXXXX")
chmod 755 "$WORK"
log "results in $RES, data in $WORK, ${DURATION}s per run"
: >"$RES/checks.txt"
: >"$RES/notes.txt"

want couponsd && bench_couponsd
want redis && bench_redis
want postgres && bench_postgres

report | tee "$RES/results.md"
if [[ $QUICK -eq 0 && -z $ONLY ]]; then
    cp "$RES/results.md" "$CMP/latest.md"
    log "table copied to $CMP/latest.md"
fi
log "raw outputs in $RES"
if [[ ${#FAILURES[@]} -gt 0 ]]; then
    log "${#FAILURES[@]} check(s) failed"
    exit 1
fi
