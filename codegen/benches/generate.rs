//! Generation time and peak heap of `generate()` on a synthetic spec of 300 inputs,
//! 150 state fields and 800 transitions (`benches/synthetic.machine`, made by
//! `cargo xtask synth --inputs 300 --fields 150 --transitions 800`).
//! Results: docs/benchmarks.md.

use criterion::{Criterion, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live and peak heap bytes so the bench can report peak memory of one run.
struct PeakAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

const SPEC: &str = include_str!("synthetic.machine");

fn generate(c: &mut Criterion) {
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let output = suricate_codegen::generate(SPEC, "benches/synthetic.machine")
        .expect("synthetic spec generates");
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    let lines: usize = output.machines.iter().map(|m| m.rust.lines().count()).sum();
    println!(
        "generate(synthetic): peak heap {:.1} MiB above baseline, {} lines of Rust",
        peak as f64 / (1024.0 * 1024.0),
        lines
    );
    drop(output);

    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.bench_function("synthetic_300_inputs_150_fields_800_transitions", |b| {
        b.iter(|| {
            suricate_codegen::generate(black_box(SPEC), "benches/synthetic.machine")
                .expect("generates")
        })
    });
    group.bench_function("check_only", |b| {
        b.iter(|| {
            suricate_codegen::check(black_box(SPEC), "benches/synthetic.machine").expect("checks")
        })
    });
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
