//! Memory per tracked attacker identity: the process's RSS as the in-memory
//! state takes 1,000,000 distinct IP addresses, each with what one accepted
//! redemption from it leaves in the detectors' state: its velocity window of
//! the coupon (one attempt) and its seen set (one customer). The effects are
//! applied as the applier applies them, on the binary's allocator
//! (mimalloc). Prints RSS per step and bytes per IP, at the margin.
//!
//! Run: `cargo bench --bench fraud_memory` (about half a minute; IPS=... to
//! change the count). It measures memory, not time.

use couponsd::rules::fraud::detectors::SeenKind;
use couponsd::state::{Effect, State};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let ips: u64 = std::env::var("IPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t0: i64 = 1_700_000_000_000;
    let state = State::new(Some([9; 16]), t0);
    let customer = state.key("attacker");
    let base = rss_bytes();
    println!("| IPs | RSS MiB | bytes per IP since the step before |");
    println!("|---|---|---|");
    let mut prev = (0u64, base);
    let steps = [ips / 10, ips / 2, ips];
    let mut done = 0u64;
    for step in steps {
        while done < step {
            let ip = format!(
                "ip\0{}.{}.{}.{}",
                10 + (done >> 24),
                (done >> 16) & 255,
                (done >> 8) & 255,
                done & 255
            );
            let key = state.key(&ip);
            let at = t0 + done as i64;
            state.apply(&Effect::Velocity {
                coupon_id: 1,
                identity: key,
                created_at: vec![at],
            });
            state.apply(&Effect::Seen {
                kind: SeenKind::IpCustomers,
                key,
                members: vec![(customer, at)],
            });
            done += 1;
        }
        let rss = rss_bytes();
        println!(
            "| {done} | {} | {} |",
            rss >> 20,
            (rss - prev.1) / (done - prev.0).max(1)
        );
        prev = (done, rss);
    }
    let (velocity, seen, _) = state.swept_sizes();
    println!();
    println!(
        "{velocity} velocity windows and {seen} seen sets; {} bytes per IP over the empty state ({} MiB). Machine: {} cores, {}.",
        (prev.1 - base) / ips.max(1),
        base >> 20,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
}
