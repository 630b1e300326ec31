//! Campaign code generation: 1,000,000 codes per iteration, as one bulk
//! request would ask, for the default alphabet at 9 characters (the shortest
//! that holds a million codes) with no check, a check character, and a
//! 4-character MAC; plus `verify` of one code. `exists` is always false here:
//! the server's lookup is not measured.
//!
//! Run: `cargo bench --bench codegen` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::time::Duration;

use couponsd::codegen;
use couponsd_client::wire::{CodeCheck, GenerationRules};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::SeedableRng;

const COUNT: u64 = 1_000_000;
const KEY: [u8; 16] = *b"bench mac key 16";

fn rules(check: CodeCheck, mac_length: u8) -> GenerationRules {
    GenerationRules {
        code_length: 9,
        check,
        mac_length,
        ..GenerationRules::default()
    }
}

fn bench_codegen(c: &mut Criterion) {
    let cases = [
        ("none", rules(CodeCheck::None, 0)),
        ("check_character", rules(CodeCheck::CheckCharacter, 0)),
        ("mac4", rules(CodeCheck::Mac, 4)),
    ];
    let mut group = c.benchmark_group("generate_1m");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(COUNT));
    for (name, rules) in &cases {
        codegen::check_capacity(rules, 0, COUNT).expect("a million codes fit");
        let mut rng = StdRng::seed_from_u64(1);
        group.bench_function(*name, |b| {
            b.iter(|| {
                codegen::generate(black_box(rules), COUNT, &mut rng, &KEY, |_| false)
                    .expect("fresh codes")
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    for (name, rules) in &cases {
        let mut rng = StdRng::seed_from_u64(2);
        let code =
            codegen::generate(rules, 1, &mut rng, &KEY, |_| false).expect("a code")[0].clone();
        group.bench_function(*name, |b| {
            b.iter(|| codegen::verify(black_box(rules), black_box(&code), &KEY))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_codegen);
criterion_main!(benches);
