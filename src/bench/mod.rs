//! The project's own benchmarks (`handbook-admin bench …`): the figures DESIGN.md promises,
//! measured on this machine with the real code paths.

pub mod export;
pub mod http;
pub mod intake;
pub mod ocr;

/// p50 and p99 of a set of durations, in milliseconds.
pub fn percentiles(mut samples: Vec<std::time::Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    };
    (at(0.5), at(0.99))
}

/// p50, p95, p99 and max of a set of durations, in milliseconds.
pub fn summary(mut samples: Vec<std::time::Duration>) -> String {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    };
    format!(
        "n={} p50={:.1} ms p95={:.1} ms p99={:.1} ms max={:.1} ms",
        samples.len(),
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0)
    )
}
