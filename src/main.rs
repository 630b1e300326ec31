use std::process::ExitCode;

/// mimalloc: the writer and the connections allocate many small, short-lived
/// buffers; glibc's malloc spent about 40% of the writer's time in
/// malloc_consolidate and free under load (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    couponsd::cli::run(couponsd::cli::parse())
}
