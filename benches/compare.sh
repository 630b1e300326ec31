#!/usr/bin/env bash
# Side-by-side benchmark of a durable coupon redeem: couponsd vs Redis 7
# (appendonly yes, appendfsync always, the redeem as a Lua script) vs
# PostgreSQL 15 (fsync on, synchronous_commit on, the redeem as one plpgsql
# function call). Same semantics everywhere: see benches/compare/README.md.
#
#   bash benches/compare.sh [--rounds N] [--duration SECS] [--quick] [--only LIST]
#   bash benches/compare.sh --instructions-only     # couponsd's instructions per redeem, < 1 min
#
# Starts the three servers on free loopback ports with their data in a temp
# dir, each pinned to CPU 0 while every load generator runs on CPU 1 (taskset;
# on one CPU or without taskset nothing is pinned and the table says so). For
# each workload it runs couponsd, Redis, PostgreSQL, then again, --rounds times
# (the servers keep running; every round redeems fresh coupons created before
# its timed part), and reports per cell the median ops/s, the spread
# (min-max), the median p50/p99, the ops per second of server CPU, and the
# instructions per redeem counted under callgrind. Stops everything it
# started on exit (Ctrl-C too), prints a markdown table and keeps it with the
# raw outputs under benches/compare/results/<timestamp>/. A full run (no
# --quick, no --only, at least 3 rounds) also copies the table to
# benches/compare/latest.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bash benches/compare.sh [options]
  --rounds N           rounds per workload (default 3): couponsd, Redis, PostgreSQL,
                       then again, N times; the table shows medians and min-max
  --duration SECS      seconds per run (default 10)
  --quick              3 s per run, for smoke tests (not copied to latest.md)
  --only LIST          run only these systems: redis, postgres, couponsd (comma-separated)
  --instructions-only  only count instructions per redeem under callgrind (hot and
                       spread; couponsd unless --only says otherwise), under a minute:
                       to judge a code change on a noisy machine
  --no-instructions    skip the instruction counts of a normal run
  --no-build           use target/release/couponsd as it is (no cargo build)
  --keep               keep the servers' data directories (printed at the end)
  -h, --help           this text
Environment: PG_BIN (default /usr/lib/postgresql/15/bin), COMPARE_TMPDIR (where
data directories go; default $TMPDIR or /tmp), COMPARE_PG_USER (the user that
runs PostgreSQL when invoked as root; default couponsd-bench),
COMPARE_SERVER_CPU / COMPARE_CLIENT_CPU (the CPUs for servers and load
generators; default 0 and 1).
EOF
}

DURATION=10
ROUNDS=3
QUICK=0
ONLY=""
KEEP=0
INSTR_ONLY=0
INSTR=1
BUILD=1
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "$1 needs a whole number above 0" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
    case $1 in
    --duration | --rounds | --only)
        [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; }
        set -- "$1=$2" "${@:3}"
        ;;
    --duration=*) DURATION=${1#--duration=}; posint --duration "$DURATION"; shift ;;
    --rounds=*) ROUNDS=${1#--rounds=}; posint --rounds "$ROUNDS"; shift ;;
    --only=*) ONLY=${1#--only=}; shift ;;
    --quick) QUICK=1; shift ;;
    --instructions-only) INSTR_ONLY=1; shift ;;
    --no-instructions) INSTR=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $QUICK -eq 1 ]] && DURATION=3
[[ $INSTR_ONLY -eq 1 && -z $ONLY ]] && ONLY=couponsd
[[ $INSTR_ONLY -eq 1 && $INSTR -eq 0 ]] && { echo "--instructions-only and --no-instructions contradict each other" >&2; exit 2; }
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
if [[ $INSTR_ONLY -eq 1 ]] && ! want couponsd && ! want redis; then
    echo "--instructions-only counts couponsd and Redis: --only needs one of them" >&2
    exit 2
fi

BENCHES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCHES")
CMP=$BENCHES/compare
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${COMPARE_PG_USER:-couponsd-bench}
SERVER_CPU=${COMPARE_SERVER_CPU:-0}
CLIENT_CPU=${COMPARE_CLIENT_CPU:-1}

CONNS=64
PIPE=16
SPREAD_COUPONS=10000
CUSTOMERS=10000
AMOUNT=15000 # minor units: every redeem gets 10% = 1500 (the cap is 5000)
CLK_TCK=$(getconf CLK_TCK)
# Instruction counts: two fixed-count runs under callgrind, INSTR_N1 and
# INSTR_N2 redeems (multiples of CONNS × PIPE, so that redis-benchmark sends
# whole pipelines); their difference over the difference of redeems leaves
# out what does not grow with the count (connecting, finding the coupons).
INSTR_N1=1024
INSTR_N2=3072

WORKLOADS=(hot hotp spread spreadp)
INSTR_WORKLOADS=(hot hotp spread spreadp)
[[ $QUICK -eq 1 || $INSTR_ONLY -eq 1 ]] && INSTR_WORKLOADS=(hot spread)
declare -A WL_TITLE=(
    [hot]="hot: 1 coupon, $CONNS conns"
    [hotp]="hot pipelined: 1 coupon, $CONNS conns × $PIPE in flight"
    [spread]="spread: $SPREAD_COUPONS coupons, $CONNS conns"
    [spreadp]="spread pipelined: $SPREAD_COUPONS coupons, $CONNS conns × $PIPE in flight"
    [validate]="couponsd validate: 1 coupon, $CONNS conns"
    [validatep]="couponsd validate: 1 coupon, $CONNS conns × $PIPE in flight"
)
declare -A WL_COUPONS=([hot]=1 [hotp]=1 [spread]=$SPREAD_COUPONS [spreadp]=$SPREAD_COUPONS [validate]=1 [validatep]=1)
declare -A WL_PIPE=([hot]=1 [hotp]=$PIPE [spread]=1 [spreadp]=$PIPE [validate]=1 [validatep]=$PIPE)
declare -A SYS_NAME=([couponsd]=couponsd [redis]=Redis [postgres]=PostgreSQL)

# Results, keyed "system:workload", one space-separated value per round:
# ops/s, p50 and p99 in microseconds, CPU in cores (server, load generator,
# rest of the machine), ops per server CPU-second; a note; instructions per
# redeem (one value).
declare -A R_OPS=() R_P50=() R_P99=() R_SRV=() R_CLI=() R_OTH=() R_OPC=() R_FAILED=() NOTE=() INSTR_PER_OP=()
declare -A VERSION=()
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
CG_PID=""
PERF_PID=""

stop_pid() { # pid: TERM, wait up to 20 s, then KILL
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
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
    stop_pid "$CG_PID"
    stop_pid "$PERF_PID"
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

# ---------------------------------------------------------------- pinning ---
# Servers on one CPU, load generators on the other: on a 2-CPU machine what a
# load generator burns is otherwise taken from the server, and differently
# for each (couponsd bench used 0.4-0.6 of the 2 cores, redis-benchmark
# 0.06-0.36). SRV_PIN and CLI_PIN prefix the commands; empty when not pinned.
SRV_PIN=()
CLI_PIN=()
PIN_NOTE=""
setup_pinning() {
    if ! command -v taskset >/dev/null; then
        PIN_NOTE="**not pinned** (no taskset: install util-linux): servers and load generators share the CPUs"
    elif [[ $SERVER_CPU == "$CLIENT_CPU" ]]; then
        PIN_NOTE="**not pinned** (COMPARE_SERVER_CPU = COMPARE_CLIENT_CPU): servers and load generators share the CPUs"
    elif ! taskset -c "$SERVER_CPU" true 2>/dev/null || ! taskset -c "$CLIENT_CPU" true 2>/dev/null; then
        PIN_NOTE="**not pinned** (CPUs $SERVER_CPU and $CLIENT_CPU are not both available: $(nproc) CPU(s)): servers and load generators share the CPUs"
    else
        SRV_PIN=(taskset -c "$SERVER_CPU")
        CLI_PIN=(taskset -c "$CLIENT_CPU")
        PIN_NOTE="every server (PostgreSQL's backends too) pinned to CPU $SERVER_CPU, every load generator to CPU $CLIENT_CPU (taskset)"
    fi
    log "CPU placement: $PIN_NOTE"
}
note_affinity() { # name pid
    if [[ ${#SRV_PIN[@]} -gt 0 ]]; then
        echo "$1 (pid $2) affinity: $(taskset -pc "$2" 2>/dev/null | sed 's/.*: //')" >>"$RES/notes.txt"
    fi
}

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

# CPU ticks of the given pids: each one's own (all its threads, with its
# reaped children) plus its live direct children (PostgreSQL's backends);
# then the whole machine's busy ticks. Prints one number per pid, then the
# machine's.
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
# such as finding its coupons, is left out). "other" is everything else on the
# machine (the idle servers included): it should be near 0. Returns the load
# generator's exit status.
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
            printf "%.3f %.3f %.3f\n", ds / hz / dt, dc / hz / dt, (dm > ds + dc ? dm - ds - dc : 0) / hz / dt
        }' "$samples")"
    return "$rc"
}

isnum() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# add_result KEY ROUND OPS P50_US P99_US "SRV CLI OTHER" [failed]: one round's
# figures, also appended to rounds.tsv.
add_result() {
    local k=$1 round=$2 ops=$3 p50=$4 p99=$5 opc=""
    local -a cores
    read -r -a cores <<<"$6"
    if [[ ${7:-} == failed || -z $ops ]]; then
        R_FAILED[$k]=$((${R_FAILED[$k]:-0} + 1))
    else
        R_OPS[$k]+="$ops "
        R_P50[$k]+="$p50 "
        R_P99[$k]+="$p99 "
        R_SRV[$k]+="${cores[0]:-?} "
        R_CLI[$k]+="${cores[1]:-?} "
        R_OTH[$k]+="${cores[2]:-?} "
        if isnum "${cores[0]:-}" && awk -v c="${cores[0]}" 'BEGIN { exit !(c > 0) }'; then
            opc=$(awk -v o="$ops" -v c="${cores[0]}" 'BEGIN { printf "%d", o / c + 0.5 }')
            R_OPC[$k]+="$opc "
        fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${k%%:*}" "${k#*:}" "$round" "${ops:-failed}" \
        "${p50:-}" "${p99:-}" "${cores[0]:-}" "${cores[1]:-}" "${cores[2]:-}" "$opc" >>"$RES/rounds.tsv"
}

# stat_of LIST median|min|max|count: over the numeric values of LIST.
stat_of() {
    local v
    for v in $1; do if isnum "$v"; then echo "$v"; fi; done | sort -g | awk -v w="$2" '
        { v[++n] = $1 }
        END {
            if (w == "count") { print n + 0; exit }
            if (!n) exit
            if (w == "min") print v[1]
            else if (w == "max") print v[n]
            else if (n % 2) print v[(n + 1) / 2]
            else print (v[n / 2] + v[n / 2 + 1]) / 2
        }'
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
    if want postgres && [[ $INSTR_ONLY -eq 0 ]]; then
        for p in postgres initdb pg_ctl pgbench psql; do
            [[ -x $PG_BIN/$p ]] || { missing+=(postgresql-15); break; }
        done
    fi
    if [[ $INSTR -eq 1 ]]; then
        detect_instr_method
        [[ $INSTR_METHOD == none ]] && missing+=(valgrind)
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        if [[ $(id -u) -ne 0 ]]; then
            die "missing packages: ${missing[*]}. Install them first (as root: apt-get update && apt-get install -y ${missing[*]}), or pass --only for the systems you have (--no-instructions without valgrind)."
        fi
        log "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
        [[ $INSTR -eq 1 ]] && detect_instr_method
    fi
    if want postgres && [[ $(id -u) -eq 0 ]]; then
        command -v runuser >/dev/null || die "runuser (util-linux) is needed to run PostgreSQL as a non-root user"
        if ! id "$PG_USER" >/dev/null 2>&1; then
            log "creating system user $PG_USER to run PostgreSQL"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
        fi
    fi
    if want couponsd && [[ $BUILD -eq 1 ]]; then
        command -v cargo >/dev/null || die "cargo is missing: install Rust (rustup) to build couponsd, or pass --no-build"
    fi
}

# --------------------------------------------------------------- couponsd ---
COUPONSD=$ROOT/target/release/couponsd

jget() { grep -o "\"$1\":[0-9.]*" "$2" | head -1 | cut -d: -f2; }

build_couponsd() {
    if [[ $BUILD -eq 1 ]]; then
        log "building couponsd (cargo build --release)"
        (cd "$ROOT" && cargo build --release --quiet --bin couponsd) >&2 || die "cargo build failed"
    fi
    [[ -x $COUPONSD ]] || die "$COUPONSD is missing: build it (cargo build --release)"
    # The last commit that changed the server's code (a commit to benches or
    # docs does not change what is measured), and whether src/ has changes.
    local rev
    rev=$(git -C "$ROOT" log -1 --format=%h -- src Cargo.toml Cargo.lock 2>/dev/null || true)
    VERSION[couponsd]="$("$COUPONSD" --version | awk '{print $2}') (${rev:-?}$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+changes'))"
}

# wait_couponsd ADDR PID LOG SECS: until it answers a ping.
wait_couponsd() {
    local addr=$1 pid=$2 logf=$3 i
    for ((i = 0; i < $4 * 10; i++)); do
        "$COUPONSD" --addr "$addr" ping >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || die "couponsd serve exited: $(tail -3 "$logf")"
        sleep 0.1
    done
    die "couponsd did not answer on $addr"
}

# couponsd_bench ADDR ARGS...: the load generator, on the load generator's
# CPU; bench_argv ADDR sets BENCH_ARGV to its command line (for run_sampled,
# which needs a command, not a function, to know its pid).
bench_argv() {
    BENCH_ARGV=("${CLI_PIN[@]}" "$COUPONSD" --addr "$1" --json bench --customers "$CUSTOMERS"
        --amount "$AMOUNT" --connections "$CONNS")
}
couponsd_bench() {
    bench_argv "$1"
    shift
    "${BENCH_ARGV[@]}" "$@"
}

# couponsd_prepare ADDR PREFIX N: creates the bench coupons PREFIX-0 ..
# PREFIX-(N-1) before a timed run (one validate, which changes nothing), so
# that the timed bench, given the same --coupon-prefix, only finds them
# (outside its timer) and keeps them (no deleting at its end).
couponsd_prepare() {
    couponsd_bench "$1" --op validate --coupon-prefix "$2" --coupons "$3" --requests 1 \
        >>"$RES/couponsd-prepare.json" 2>>"$RES/couponsd-prepare.stderr" ||
        die "couponsd: creating the bench coupons $2-*: $(tail -1 "$RES/couponsd-prepare.stderr")"
}

start_couponsd() {
    local port
    port=$(free_port)
    COUPONSD_ADDR=127.0.0.1:$port
    mkdir -p "$WORK/couponsd"
    "${SRV_PIN[@]}" "$COUPONSD" serve --listen "$COUPONSD_ADDR" --data "$WORK/couponsd/data" \
        >"$RES/couponsd-server.log" 2>&1 &
    COUPONSD_PID=$!
    wait_couponsd "$COUPONSD_ADDR" "$COUPONSD_PID" "$RES/couponsd-server.log" 10
    note_affinity "couponsd serve" "$COUPONSD_PID"
    log "couponsd ${VERSION[couponsd]} on $COUPONSD_ADDR"
}

stop_couponsd() {
    stop_pid "$COUPONSD_PID"
    COUPONSD_PID=""
    du -sh "$WORK/couponsd/data" 2>/dev/null | awk '{print "couponsd data dir after the runs: " $1}' >>"$RES/notes.txt"
}

couponsd_run() { # workload round
    local wl=$1 round=$2 op=redeem
    [[ $wl == validate* ]] && op=validate
    local coupons=${WL_COUPONS[$wl]} pipe=${WL_PIPE[$wl]} prefix=$wl-r$round cpu="" rc=0
    [[ $op == validate ]] && prefix=validate
    local out=$RES/couponsd-$wl-r$round.json err=$RES/couponsd-$wl-r$round.stderr
    couponsd_prepare "$COUPONSD_ADDR" "$prefix" "$coupons"
    log "couponsd $wl round $round: $op, ${coupons} coupon(s), $CONNS conns × $pipe, ${DURATION}s"
    bench_argv "$COUPONSD_ADDR"
    run_sampled "$COUPONSD_PID" "$DURATION" "$out" "$err" cpu -- \
        "${BENCH_ARGV[@]}" --op "$op" --coupons "$coupons" --coupon-prefix "$prefix" \
        --pipeline "$pipe" --duration "$DURATION" || rc=$?
    local ok errors rejected
    ok=$(jget ok "$out")
    errors=$(jget errors "$out")
    rejected=$(jget rejected "$out")
    if [[ $rc -ne 0 || -z $ok ]]; then
        fail "couponsd $wl round $round: bench exited $rc ($(tail -1 "$err"))"
        add_result "couponsd:$wl" "$round" "" "" "" "$cpu" failed
        return
    fi
    if [[ $ok -eq 0 || $errors -ne 0 || $rejected -ne 0 ]]; then
        fail "couponsd $wl round $round: ok $ok, rejected $rejected, errors $errors"
    fi
    add_result "couponsd:$wl" "$round" "$(jget ops_per_sec "$out")" "$(jget p50_us "$out")" "$(jget p99_us "$out")" "$cpu"
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

# redis_benchmark_args N PIPE KEY TAG: one redis-benchmark run's arguments.
redis_benchmark_args() {
    echo -h 127.0.0.1 -p "$REDIS_PORT" -c "$CONNS" -n "$1" -r "$CUSTOMERS" -P "$2" --csv \
        EVALSHA "$REDIS_SHA" 2 "$3" redemptions "customer-__rand_int__" \
        "order-$4-__rand_int__-__rand_int__-__rand_int__" "$AMOUNT"
}

redis_csv() { # file: "rps p50_ms p99_ms" from redis-benchmark --csv
    awk -F'","' 'NR > 1 && /EVALSHA/ { print $2, $5, $7 }' "$1" | tail -1
}

# redis_key PREFIX COUPONS: the key argument redis-benchmark is given.
redis_key() {
    # redis-benchmark draws each __rand_int__ below -r; coupons and customers
    # both number 10,000, so one -r serves both. Hot uses a literal key.
    [[ $2 -eq 1 || $2 -eq $CUSTOMERS ]] || die "redis: coupons must be 1 or $CUSTOMERS"
    if [[ $2 -gt 1 ]]; then echo "$1:__rand_int__"; else echo "$1"; fi
}

# redis-benchmark counts requests, not seconds: a short calibration run (also
# a warm-up), on coupons of its own, sizes the workload's runs to last about
# --duration seconds. Counts are multiples of the pipeline: redis-benchmark
# sends whole ones.
declare -A REDIS_N=()
redis_calibrate() { # workload
    local wl=$1 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]}
    local prefix=coupon:$wl:cal key cal_n=$((CONNS * pipe * 20)) rps
    key=$(redis_key "$prefix" "$coupons")
    redis_create_coupons "$prefix" "$coupons"
    local -a args
    log "redis $wl: calibrating ($cal_n requests)"
    read -r -a args <<<"$(redis_benchmark_args "$cal_n" "$pipe" "$key" "cal$RANDOM$RANDOM")"
    "${CLI_PIN[@]}" redis-benchmark "${args[@]}" >"$RES/redis-$wl.calibration.csv" 2>&1 || true
    rps=$(redis_csv "$RES/redis-$wl.calibration.csv" | awk '{print $1}')
    if [[ -z $rps ]] || grep -q 'Error' "$RES/redis-$wl.calibration.csv"; then
        fail "redis $wl: calibration run failed: $(head -3 "$RES/redis-$wl.calibration.csv")"
        REDIS_N[$wl]=""
        return
    fi
    REDIS_N[$wl]=$(awk -v r="$rps" -v d="$DURATION" -v m="$((CONNS * pipe * 4))" -v p="$pipe" 'BEGIN { n = int(r * d); if (n < m) n = m; print n - n % p }')
    log "redis $wl: ${REDIS_N[$wl]} requests per run (~${DURATION}s at $rps/s)"
}

redis_run() { # workload round
    local wl=$1 round=$2 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]} n=${REDIS_N[$1]:-}
    if [[ -z $n ]]; then
        add_result "redis:$wl" "$round" "" "" "" "? ? ?" failed
        return
    fi
    local prefix=coupon:$wl:r$round key
    key=$(redis_key "$prefix" "$coupons")
    redis_create_coupons "$prefix" "$coupons"
    local xlen0
    xlen0=$(rcli XLEN redemptions)
    local -a args
    log "redis $wl round $round: $n requests, $CONNS conns × $pipe"
    read -r -a args <<<"$(redis_benchmark_args "$n" "$pipe" "$key" "r$round$RANDOM$RANDOM")"
    local out=$RES/redis-$wl-r$round.csv err=$RES/redis-$wl-r$round.stderr cpu="" rc=0
    run_sampled "$REDIS_PID" "$DURATION" "$out" "$err" cpu -- "${CLI_PIN[@]}" redis-benchmark "${args[@]}" || rc=$?
    local line
    line=$(redis_csv "$out")
    if [[ $rc -ne 0 || -z $line ]] || grep -q 'Error' "$out" "$err"; then
        fail "redis $wl round $round: redis-benchmark exited $rc: $(grep -h 'Error' "$out" "$err" | head -2)"
        add_result "redis:$wl" "$round" "" "" "" "$cpu" failed
        return
    fi
    local r p50 p99
    read -r r p50 p99 <<<"$line"
    # Check: every request redeemed once (fresh order ids, so no replays).
    local used xlen
    used=$(redis_used "$prefix" "$coupons")
    xlen=$(rcli XLEN redemptions)
    echo "redis $wl round $round: requests $n, used counters $used, new stream entries $((xlen - xlen0))" >>"$RES/checks.txt"
    if [[ $used -ne $n || $((xlen - xlen0)) -ne $n ]]; then
        fail "redis $wl round $round: $n requests but used +$used and $((xlen - xlen0)) redemption records"
    fi
    add_result "redis:$wl" "$round" "$(awk -v r="$r" 'BEGIN { printf "%d", r + 0.5 }')" \
        "$(awk -v v="$p50" 'BEGIN { printf "%d", v * 1000 }')" \
        "$(awk -v v="$p99" 'BEGIN { printf "%d", v * 1000 }')" "$cpu"
}

# start_redis_at DIR LOG [WRAPPER...]: redis-server on a free port, durable.
start_redis_at() {
    local dir=$1 logf=$2
    shift 2
    REDIS_PORT=$(free_port)
    mkdir -p "$dir"
    "$@" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
        --appendonly yes --appendfsync always --save "" --daemonize no \
        --logfile "$logf" >/dev/null 2>&1 &
    STARTED_PID=$!
    local i
    for ((i = 0; i < 600; i++)); do
        rcli PING >/dev/null 2>&1 && break
        kill -0 "$STARTED_PID" 2>/dev/null || die "redis-server exited: $(tail -3 "$logf")"
        sleep 0.1
    done
    [[ $(rcli CONFIG GET appendfsync | tail -1) == always ]] || die "redis: appendfsync is not always"
    REDIS_SHA=$(rcli SCRIPT LOAD "$(cat "$CMP/redeem.lua")")
}

start_redis() {
    start_redis_at "$WORK/redis" "$WORK/redis/redis.log" "${SRV_PIN[@]}"
    REDIS_PID=$STARTED_PID
    note_affinity redis-server "$REDIS_PID"
    VERSION[redis]=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    log "redis ${VERSION[redis]} on 127.0.0.1:$REDIS_PORT (appendonly yes, appendfsync always)"

    # A sample call: a fresh order redeems, the same order again replays.
    redis_create_coupons coupon:check 1
    local first second
    first=$(rcli --raw EVALSHA "$REDIS_SHA" 2 coupon:check redemptions customer-1 order-check "$AMOUNT" | tr '\n' ' ')
    second=$(rcli --raw EVALSHA "$REDIS_SHA" 2 coupon:check redemptions customer-1 order-check "$AMOUNT" | tr '\n' ' ')
    echo "redis sample: first call [$first], same order again [$second]" >>"$RES/checks.txt"
    [[ $first == "ok "*" 1500 0 " && $second == "ok "*" 1500 1 " && ${first% 1500 0 } == "${second% 1500 1 }" ]] ||
        fail "redis sample redeem: expected ok/<id>/1500/0 then the same with replayed 1, got [$first] then [$second]"
}

stop_redis() {
    {
        echo "redis INFO persistence after the runs:"
        rcli INFO persistence | tr -d '\r' | grep -E 'aof_(enabled|rewrites|last_write_status|current_size)'
    } >>"$RES/notes.txt" || true
    cp "$WORK/redis/redis.log" "$RES/redis-server.log" 2>/dev/null || true
    stop_pid "$REDIS_PID"
    REDIS_PID=""
}

# ------------------------------------------------------------- PostgreSQL ---
psql_q() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bench -d couponbench -v ON_ERROR_STOP=1 -qAtX "$@"; }

# pgbench script: one redeem per transaction on the coupons PREFIX-*;
# pipelined, 16 redeems per pipeline, each its own BEGIN ... COMMIT (a
# pgbench 15 pipeline without them would run all 16 as one implicit
# transaction: one commit, shared fate).
pg_script() { # workload prefix file
    local wl=$1 prefix=$2 file=$3 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]} i code
    {
        for ((i = 1; i <= pipe; i++)); do
            echo "\\set cust$i random(0, $((CUSTOMERS - 1)))"
            echo "\\set order$i random(1, 9223372036854775806)"
            [[ $coupons -gt 1 ]] && echo "\\set coupon$i random(0, $((coupons - 1)))"
        done
        [[ $pipe -gt 1 ]] && printf '%s\n' '\startpipeline'
        for ((i = 1; i <= pipe; i++)); do
            if [[ $coupons -gt 1 ]]; then code="'$prefix-' || :coupon$i::text"; else code="'$prefix-0'"; fi
            [[ $pipe -gt 1 ]] && echo 'BEGIN;'
            echo "SELECT * FROM redeem($code, :order$i::text, 'customer-' || :cust$i::text, $AMOUNT);"
            [[ $pipe -gt 1 ]] && echo 'COMMIT;'
        done
        [[ $pipe -gt 1 ]] && printf '%s\n' '\endpipeline'
        true
    } >"$file"
}

pg_run() { # workload round
    local wl=$1 round=$2 coupons=${WL_COUPONS[$1]} pipe=${WL_PIPE[$1]}
    local prefix=$wl-r$round
    psql_q -c "SELECT create_bench_coupons('$prefix', $coupons)" >/dev/null
    local script=$RES/pg-$wl.sql logdir=$WORK/pglog-$prefix
    pg_script "$wl" "$prefix" "$script"
    mkdir -p "$logdir"
    log "postgres $wl round $round: $coupons coupon(s), $CONNS clients$([[ $pipe -gt 1 ]] && echo " × $pipe pipelined"), ${DURATION}s"
    local out=$RES/pg-$wl-r$round.txt err=$RES/pg-$wl-r$round.stderr cpu="" rc=0
    run_sampled "$PG_PID" "$DURATION" "$out" "$err" cpu -- \
        "${CLI_PIN[@]}" "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U bench -n -c "$CONNS" -j 2 -T "$DURATION" \
        -M prepared -f "$script" --log --log-prefix="$logdir/log" couponbench || rc=$?
    local tps processed failed
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    if [[ $rc -ne 0 || -z $tps || -z $processed ]]; then
        fail "postgres $wl round $round: pgbench exited $rc: $(grep -m2 -iE 'error|abort' "$err" "$out")"
        add_result "postgres:$wl" "$round" "" "" "" "$cpu" failed
        return
    fi
    [[ ${failed:-0} -eq 0 ]] || fail "postgres $wl round $round: $failed failed transactions"
    if grep -qiE 'error|aborted' "$err"; then fail "postgres $wl round $round: $(grep -m1 -iE 'error|aborted' "$err")"; fi
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
    rows=$(psql_q -c "SELECT count(*) FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE c.code LIKE '$prefix-%'")
    ok_rows=$(psql_q -c "SELECT coalesce(sum(used), 0) FROM coupons WHERE code LIKE '$prefix-%'")
    # ... and each redeem was its own transaction (pipelined ones too).
    local txns
    txns=$(psql_q -c "SELECT count(DISTINCT r.xmin::text) FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE c.code LIKE '$prefix-%'")
    echo "postgres $wl round $round: pgbench scripts $processed × $pipe redeems = $expect, redemption rows $rows in $txns transactions, used counters $ok_rows" >>"$RES/checks.txt"
    if [[ $rows -lt $expect || $rows -gt $((expect + CONNS * pipe)) || $ok_rows -ne $rows || $txns -ne $rows ]]; then
        fail "postgres $wl round $round: pgbench counted $expect redeems, but $rows redemption rows in $txns transactions and used = $ok_rows"
    fi
    add_result "postgres:$wl" "$round" "$(awk -v t="$tps" -v p="$pipe" 'BEGIN { printf "%d", t * p + 0.5 }')" \
        "${lat% *}" "${lat#* }" "$cpu"
}

start_postgres() {
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
    # The postmaster inherits taskset's affinity and hands it to every
    # backend and auxiliary process it forks.
    as_pg_user "${SRV_PIN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        die "postgres did not start: $(tail -5 "$dir/server.log")"
    PG_PID=$(head -1 "$PG_DATA/postmaster.pid")
    note_affinity "postgres postmaster" "$PG_PID"
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
}

stop_postgres_run() {
    psql_q -c "SELECT 'postgres database size after the runs: ' || pg_size_pretty(pg_database_size('couponbench'))" >>"$RES/notes.txt" || true
    cp "$WORK/postgres/server.log" "$RES/pg-server.log" 2>/dev/null || true
    stop_postgres
}

# ----------------------------------------------------------- instructions ---
# Instructions per redeem, user space, of the server process: counted with
# `perf stat -e instructions:u` when this machine has hardware counters, else
# with valgrind's callgrind (exact, but the server runs some 50× slower and
# its threads one at a time, so it runs a separate server instance). Either
# way two fixed-count runs of the same workload, INSTR_N1 then INSTR_N2
# redeems, on coupons created beforehand; instructions per redeem =
# (count of the second − count of the first) / (redeems of the second −
# redeems of the first), which leaves out what does not grow with the count.
INSTR_METHOD=""
detect_instr_method() { # sets INSTR_METHOD: perf, callgrind or none
    if command -v perf >/dev/null &&
        perf stat -x, -e instructions:u true 2>&1 >/dev/null | grep -qE '^[0-9]+,'; then
        INSTR_METHOD=perf
    elif command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
        INSTR_METHOD=callgrind
    else
        INSTR_METHOD=none
    fi
}

CG_DUMPS=0
PERF_OUT=""
# counter_wrap: the command prefix that starts a server to be counted.
counter_wrap() {
    COUNTER_WRAP=("${SRV_PIN[@]}")
    if [[ $INSTR_METHOD == callgrind ]]; then
        CG_DUMPS=0
        COUNTER_WRAP+=(valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind/cg.out.%p"
            --dump-instr=no --dump-line=no --compress-strings=no)
        mkdir -p "$WORK/callgrind"
    fi
}
counter_start() { # pid
    if [[ $INSTR_METHOD == callgrind ]]; then
        callgrind_control -z "$1" >/dev/null 2>&1
    else
        PERF_OUT=$WORK/perf-stat.$RANDOM
        perf stat -x, -e instructions:u -p "$1" -o "$PERF_OUT" &
        PERF_PID=$!
        sleep 0.3
    fi
}
counter_read() { # pid: sets COUNT to the instructions since counter_start
    COUNT=""
    if [[ $INSTR_METHOD == callgrind ]]; then
        callgrind_control -d "$1" >/dev/null 2>&1
        CG_DUMPS=$((CG_DUMPS + 1))
        COUNT=$(awk '/^totals:/ { print $2 }' "$WORK/callgrind/cg.out.$1.$CG_DUMPS")
    else
        kill -INT "$PERF_PID" 2>/dev/null || true
        wait "$PERF_PID" || true
        PERF_PID=""
        COUNT=$(awk -F, '/instructions/ && $1 ~ /^[0-9]+$/ { print $1 }' "$PERF_OUT")
    fi
}

# instr_result SYSTEM WORKLOAD I1 N1 I2 N2
instr_result() {
    local k=$1:$2
    if [[ -n $3 && -n $5 && $6 -gt $4 ]]; then
        INSTR_PER_OP[$k]=$(awk -v a="$3" -v b="$5" -v n="$4" -v m="$6" 'BEGIN { printf "%d", (b - a) / (m - n) + 0.5 }')
        echo "instructions $1 $2: $3 over $4 redeems, $5 over $6 redeems: ${INSTR_PER_OP[$k]} per redeem" >>"$RES/checks.txt"
        log "$1 $2: ${INSTR_PER_OP[$k]} instructions per redeem"
    else
        fail "instructions $1 $2: counts [$3] over $4 and [$5] over $6 redeems"
    fi
}

instr_couponsd() {
    counter_wrap
    local port addr pid logf=$RES/couponsd-instructions-server.log
    port=$(free_port)
    addr=127.0.0.1:$port
    "${COUNTER_WRAP[@]}" "$COUPONSD" serve --listen "$addr" --data "$WORK/couponsd-instr" >"$logf" 2>&1 &
    CG_PID=$!
    pid=$CG_PID
    wait_couponsd "$addr" "$pid" "$logf" 120
    local wl n i1 i2 r1 r2 out
    for wl in "${INSTR_WORKLOADS[@]}"; do
        couponsd_prepare "$addr" "$wl-instr" "${WL_COUPONS[$wl]}"
        log "couponsd $wl: counting instructions ($INSTR_METHOD) over $INSTR_N1 then $INSTR_N2 redeems"
        for n in "$INSTR_N1" "$INSTR_N2"; do
            out=$RES/couponsd-$wl-instr-$n.json
            counter_start "$pid"
            couponsd_bench "$addr" --op redeem --coupons "${WL_COUPONS[$wl]}" --coupon-prefix "$wl-instr" \
                --pipeline "${WL_PIPE[$wl]}" --requests "$n" >"$out" 2>"$out.stderr" ||
                fail "couponsd $wl: the instruction-count bench exited $?: $(tail -1 "$out.stderr")"
            counter_read "$pid"
            if [[ $n == "$INSTR_N1" ]]; then i1=$COUNT r1=$(jget ok "$out"); else i2=$COUNT r2=$(jget ok "$out"); fi
        done
        instr_result couponsd "$wl" "$i1" "${r1:-0}" "$i2" "${r2:-0}"
    done
    stop_pid "$CG_PID"
    CG_PID=""
}

instr_redis() {
    counter_wrap
    local pid saved_port=${REDIS_PORT:-} saved_sha=${REDIS_SHA:-}
    start_redis_at "$WORK/redis-instr" "$RES/redis-instructions-server.log" "${COUNTER_WRAP[@]}"
    CG_PID=$STARTED_PID
    pid=$CG_PID
    local wl n i1 i2 r1 r2 u0 key prefix
    local -a args
    for wl in "${INSTR_WORKLOADS[@]}"; do
        prefix=coupon:$wl:instr
        key=$(redis_key "$prefix" "${WL_COUPONS[$wl]}")
        redis_create_coupons "$prefix" "${WL_COUPONS[$wl]}"
        log "redis $wl: counting instructions ($INSTR_METHOD) over $INSTR_N1 then $INSTR_N2 redeems"
        for n in "$INSTR_N1" "$INSTR_N2"; do
            u0=$(redis_used "$prefix" "${WL_COUPONS[$wl]}")
            read -r -a args <<<"$(redis_benchmark_args "$n" "${WL_PIPE[$wl]}" "$key" "instr$n$RANDOM$RANDOM")"
            counter_start "$pid"
            "${CLI_PIN[@]}" redis-benchmark "${args[@]}" >"$RES/redis-$wl-instr-$n.csv" 2>&1 ||
                fail "redis $wl: the instruction-count redis-benchmark exited $?"
            counter_read "$pid"
            # What was redeemed, from the coupons' counters.
            if [[ $n == "$INSTR_N1" ]]; then
                i1=$COUNT r1=$(($(redis_used "$prefix" "${WL_COUPONS[$wl]}") - u0))
            else
                i2=$COUNT r2=$(($(redis_used "$prefix" "${WL_COUPONS[$wl]}") - u0))
            fi
        done
        instr_result redis "$wl" "$i1" "$r1" "$i2" "$r2"
    done
    stop_pid "$CG_PID"
    CG_PID=""
    REDIS_PORT=$saved_port
    REDIS_SHA=$saved_sha
}

run_instructions() {
    if [[ $INSTR_METHOD == none ]]; then
        fail "instructions: neither perf with hardware counters nor valgrind is available"
        return
    fi
    log "instructions per redeem: $INSTR_METHOD"
    want couponsd && instr_couponsd
    want redis && instr_redis
    return 0
}

# ----------------------------------------------------------------- report ---
fmt_int() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n + 0.5); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
fmt_ms() { awk -v u="$1" 'BEGIN { m = u / 1000; if (m < 10) printf "%.2f", m; else if (m < 100) printf "%.1f", m; else printf "%.0f", m }'; }
fmt_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) { print "—"; exit } r = a / b; printf (r < 10 ? "%.2f×" : "%.1f×"), r }'; }

med() { stat_of "$1" median; }

cell_ops() { # key: median ops/s, and how many rounds if some failed
    local k=$1 m n
    m=$(med "${R_OPS[$k]:-}")
    n=$(stat_of "${R_OPS[$k]:-}" count)
    if [[ -z $m ]]; then
        [[ -n ${R_FAILED[$k]:-} ]] && echo "failed" || echo "—"
        return
    fi
    if [[ -n ${R_FAILED[$k]:-} ]]; then
        echo "$(fmt_int "$m") ($n of $((n + ${R_FAILED[$k]})) rounds)"
    else
        fmt_int "$m"
    fi
}
cell_spread() { # key: min – max, and the spread as a share of the median
    local k=$1 lo hi m
    lo=$(stat_of "${R_OPS[$k]:-}" min)
    hi=$(stat_of "${R_OPS[$k]:-}" max)
    m=$(med "${R_OPS[$k]:-}")
    [[ -n $m ]] || { echo "—"; return; }
    echo "$(fmt_int "$lo") – $(fmt_int "$hi") ($(awk -v a="$lo" -v b="$hi" -v m="$m" 'BEGIN { printf "±%.0f%%", (b - a) / 2 / m * 100 }'))"
}
cell_lat() {
    local k=$1 a b
    a=$(med "${R_P50[$k]:-}")
    b=$(med "${R_P99[$k]:-}")
    if [[ -n $a && -n $b ]]; then echo "$(fmt_ms "$a") / $(fmt_ms "$b")"; else echo "—"; fi
}
cell_opc() {
    local m
    m=$(med "${R_OPC[$1]:-}")
    if [[ -n $m ]]; then fmt_int "$m"; else echo "—"; fi
}
cell_cpu() {
    local k=$1 s c o
    s=$(med "${R_SRV[$k]:-}")
    c=$(med "${R_CLI[$k]:-}")
    o=$(med "${R_OTH[$k]:-}")
    if [[ -n $s ]]; then printf '%.2f / %.2f / %.2f\n' "$s" "${c:-0}" "${o:-0}"; else echo "—"; fi
}
cell_instr() {
    if [[ -n ${INSTR_PER_OP[$1]:-} ]]; then fmt_int "${INSTR_PER_OP[$1]}"; else echo "—"; fi
}
cell_ratio() { # list-array-name key-a key-b
    local -n arr=$1
    local a b
    a=$(med "${arr[$2]:-}")
    b=$(med "${arr[$3]:-}")
    if [[ -n $a && -n $b ]]; then fmt_ratio "$a" "$b"; else echo "—"; fi
}

SYSTEMS=(couponsd redis postgres)

report_header() {
    local model cores kernel disk
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    cores=$(nproc --all)
    kernel=$(uname -sr)
    disk=$(df -PT "$WORK" | awk 'NR == 2 { printf "%s (%s, %.0f GiB)", $1, $2, $3 / 1048576 }')
    echo "- machine: $cores × ${model:-unknown CPU}, $kernel, data on $disk; load average at start $LOADAVG"
    echo "- CPU placement: $PIN_NOTE"
}

report_instructions_only() {
    echo "## Instructions per redeem ($INSTR_METHOD)"
    echo
    report_header
    local versions=""
    want couponsd && versions+="; couponsd ${VERSION[couponsd]:-?}"
    want redis && versions+="; Redis ${VERSION[redis]:-?} (appendonly yes, appendfsync always)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')$versions"
    echo "- user-space instructions of the server process per redeem: (count over $INSTR_N2 redeems − count over $INSTR_N1) / $((INSTR_N2 - INSTR_N1)), $CONNS connections"
    echo
    local s wl line="| workload |" sep="|---|"
    for s in "${SYSTEMS[@]}"; do
        want "$s" && [[ $s != postgres ]] && { line+=" ${SYS_NAME[$s]} |"; sep+="---:|"; }
    done
    echo "$line"
    echo "$sep"
    for wl in "${INSTR_WORKLOADS[@]}"; do
        line="| ${WL_TITLE[$wl]} |"
        for s in "${SYSTEMS[@]}"; do
            want "$s" && [[ $s != postgres ]] && line+=" $(cell_instr "$s:$wl") |"
        done
        echo "$line"
    done
    report_failures
}

report_failures() {
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        echo
        echo "**Checks failed:**"
        printf -- '- %s\n' "${FAILURES[@]}"
    fi
    return 0
}

report() {
    echo "## Durable coupon redeem: couponsd vs Redis vs PostgreSQL"
    echo
    report_header
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $ROUNDS round(s) of ${DURATION} s per cell$([[ $QUICK -eq 1 ]] && echo " (--quick)"), interleaved: for each workload couponsd, Redis, PostgreSQL, then again; the servers keep running, every round redeems fresh coupons created before its timed part"
    echo "- couponsd ${VERSION[couponsd]:-not run} (always durable); Redis ${VERSION[redis]:-not run} (appendonly yes, appendfsync always; redeem = EVALSHA of benches/compare/redeem.lua); PostgreSQL ${VERSION[postgres]:-not run} (fsync on, synchronous_commit on; redeem = one plpgsql call, benches/compare/schema.sql)"
    echo "- load generators: \`couponsd bench\`, \`redis-benchmark\`, \`pgbench -M prepared -j 2\`; every redeem has a fresh order id, a random customer of $CUSTOMERS and (spread) a random coupon of $SPREAD_COUPONS; order amount 150.00, so every discount is 15.00"
    echo
    echo "Medians over the rounds. ops/s spread: min – max (± half the range, as a share of the median). CPU: cores used by the server / the load generator / the rest of the machine over each run's last ${DURATION} s. Instructions: user-space instructions of the server per redeem ($( [[ $INSTR -eq 1 ]] && echo "$INSTR_METHOD, ${INSTR_N2} − ${INSTR_N1} redeems" || echo "not counted: --no-instructions"))."
    echo
    echo "| workload | system | ops/s | spread | p50 / p99 ms | ops per server CPU-s | CPU: server / load gen / other | instructions per redeem |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    local wl s k first
    for wl in "${WORKLOADS[@]}"; do
        first=1
        for s in "${SYSTEMS[@]}"; do
            want "$s" || continue
            k=$s:$wl
            local instr
            instr=$(cell_instr "$k")
            [[ $s == postgres && $instr == — ]] && instr="not counted"
            echo "| $([[ $first -eq 1 ]] && echo "${WL_TITLE[$wl]}") | ${SYS_NAME[$s]} | $(cell_ops "$k") | $(cell_spread "$k") | $(cell_lat "$k") | $(cell_opc "$k") | $(cell_cpu "$k") | $instr |"
            first=0
        done
    done
    if want couponsd && { want redis || want postgres; }; then
        echo
        echo "| workload | couponsd / Redis ops/s | per server CPU-s | p99 Redis / couponsd | couponsd / PostgreSQL ops/s | per server CPU-s |"
        echo "|---|---:|---:|---:|---:|---:|"
        for wl in "${WORKLOADS[@]}"; do
            echo "| ${WL_TITLE[$wl]} | $(cell_ratio R_OPS "couponsd:$wl" "redis:$wl") | $(cell_ratio R_OPC "couponsd:$wl" "redis:$wl") | $(cell_ratio R_P99 "redis:$wl" "couponsd:$wl") | $(cell_ratio R_OPS "couponsd:$wl" "postgres:$wl") | $(cell_ratio R_OPC "couponsd:$wl" "postgres:$wl") |"
        done
    fi
    if want couponsd; then
        echo
        echo "| couponsd validate (read-only, 1 coupon) | ops/s | spread | p50 / p99 ms | ops per server CPU-s | CPU: server / load gen / other | validate / hot redeem | validate / spread redeem |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        echo "| $CONNS conns | $(cell_ops couponsd:validate) | $(cell_spread couponsd:validate) | $(cell_lat couponsd:validate) | $(cell_opc couponsd:validate) | $(cell_cpu couponsd:validate) | $(cell_ratio R_OPS couponsd:validate couponsd:hot) | $(cell_ratio R_OPS couponsd:validate couponsd:spread) |"
        echo "| $CONNS conns × $PIPE in flight | $(cell_ops couponsd:validatep) | $(cell_spread couponsd:validatep) | $(cell_lat couponsd:validatep) | $(cell_opc couponsd:validatep) | $(cell_cpu couponsd:validatep) | $(cell_ratio R_OPS couponsd:validatep couponsd:hotp) | $(cell_ratio R_OPS couponsd:validatep couponsd:spreadp) |"
    fi
    echo
    echo "Notes:"
    echo "- ops per server CPU-s = ops/s ÷ the cores the server used (its process with all threads; PostgreSQL: the postmaster and every backend), per round, then the median: what a redeem costs the server, whatever the load generator or the rest of the machine took. Pinned, the server has one CPU: up to 1.00 core."
    echo "- Latency is what each load generator reports: couponsd bench times every request on its own; redis-benchmark with -P times the whole pipeline of $PIPE; pgbench times one script (pipelined: $PIPE redeems, each its own BEGIN/COMMIT, sent as one pgbench 15 pipeline). PostgreSQL percentiles come from pgbench's per-transaction log."
    echo "- Redis keeps each coupon (counters, per-customer counts, idempotency entries) in one hash and appends the redemption record to one stream; PostgreSQL keeps coupons, per-customer counts and redemptions in tables, the idempotency entry being redemptions' unique (coupon_id, order_id) index."
    echo "- Redis runs are sized by a calibration run per workload on coupons of its own (redis-benchmark counts requests, not seconds)."
    echo "- Instructions are counted on a separate server instance after the timed runs; PostgreSQL's are not counted (a process per connection)."
    echo "- Every round's figures: rounds.tsv in the run's results directory."
    report_failures
}

# ------------------------------------------------------------------- main ---
ensure_tools
[[ $INSTR -eq 1 && -z $INSTR_METHOD ]] && detect_instr_method
setup_pinning
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=$CMP/results/$STAMP
mkdir -p "$RES"
if [[ ! -f $CMP/results/.gitignore ]]; then
    printf '# Raw results of benches/compare.sh; the latest full run is copied to ../latest.md.\n*\n!.gitignore\n' >"$CMP/results/.gitignore"
fi
WORK=$(mktemp -d "${COMPARE_TMPDIR:-${TMPDIR:-/tmp}}/couponsd-compare.XXXXXX")
chmod 755 "$WORK"
: >"$RES/checks.txt"
: >"$RES/notes.txt"
printf 'system\tworkload\tround\tops_per_sec\tp50_us\tp99_us\tserver_cores\tloadgen_cores\tother_cores\tops_per_server_cpu_s\n' >"$RES/rounds.tsv"
want couponsd && build_couponsd

if [[ $INSTR_ONLY -eq 1 ]]; then
    log "results in $RES, data in $WORK: instructions per redeem only"
    want redis && VERSION[redis]=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    run_instructions
    report_instructions_only | tee "$RES/results.md"
    log "raw outputs in $RES"
    [[ ${#FAILURES[@]} -eq 0 ]] || { log "${#FAILURES[@]} check(s) failed"; exit 1; }
    exit 0
fi

log "results in $RES, data in $WORK, $ROUNDS round(s) of ${DURATION}s per cell"
want couponsd && start_couponsd
want redis && start_redis
want postgres && start_postgres

for wl in "${WORKLOADS[@]}"; do
    want redis && redis_calibrate "$wl"
    for ((round = 1; round <= ROUNDS; round++)); do
        want couponsd && couponsd_run "$wl" "$round"
        want redis && redis_run "$wl" "$round"
        want postgres && pg_run "$wl" "$round"
    done
done
if want couponsd; then
    for ((round = 1; round <= ROUNDS; round++)); do
        couponsd_run validate "$round"
        couponsd_run validatep "$round"
    done
fi
want couponsd && stop_couponsd
want redis && stop_redis
want postgres && stop_postgres_run
[[ $INSTR -eq 1 ]] && run_instructions

report | tee "$RES/results.md"
if [[ $QUICK -eq 0 && -z $ONLY && $ROUNDS -ge 3 ]]; then
    cp "$RES/results.md" "$CMP/latest.md"
    log "table copied to $CMP/latest.md"
fi
log "raw outputs in $RES"
if [[ ${#FAILURES[@]} -gt 0 ]]; then
    log "${#FAILURES[@]} check(s) failed"
    exit 1
fi
