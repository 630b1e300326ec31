//! The Prometheus text exposition format (version 0.0.4): `# HELP` and
//! `# TYPE` once per family, then one line per sample, label values
//! escaped. Written by hand: it is a page of lines, and a crate's registry
//! would put a lock (a map of label sets) where our recording has none.

use std::fmt::{Display, Write};

use super::histogram::Snapshot;

/// The Content-Type of the page.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Default)]
pub struct Text {
    out: String,
}

impl Text {
    /// Starts a family: its help line and type. Every sample of it follows
    /// before the next family starts.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        debug_assert!(valid_name(name), "{name}");
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.name());
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(name);
        self.labels(labels, None);
        let _ = writeln!(self.out, " {value}");
    }

    /// A family and its one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// One histogram's series: cumulative buckets, `_sum` and `_count`.
    /// The histogram's unit divided by `per_unit` is the exposed one (1e6:
    /// µs to seconds; 1.0: counts). Divided, not multiplied by 1e-6, so a
    /// bound of 100 µs reads `0.0001`, not `0.00009999999999999999`.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &Snapshot, per_unit: f64) {
        for &(bound, count) in &h.cumulative {
            let le = if bound == u64::MAX {
                "+Inf".to_string()
            } else {
                format!("{}", bound as f64 / per_unit)
            };
            let _ = write!(self.out, "{name}_bucket");
            self.labels(labels, Some(&le));
            let _ = writeln!(self.out, " {count}");
        }
        let _ = write!(self.out, "{name}_sum");
        self.labels(labels, None);
        let _ = writeln!(self.out, " {}", h.sum as f64 / per_unit);
        let _ = write!(self.out, "{name}_count");
        self.labels(labels, None);
        let _ = writeln!(self.out, " {}", h.count);
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn labels(&mut self, labels: &[(&str, &str)], le: Option<&str>) {
        if labels.is_empty() && le.is_none() {
            return;
        }
        self.out.push('{');
        let mut first = true;
        for (key, value) in labels.iter().copied().chain(le.map(|le| ("le", le))) {
            debug_assert!(valid_name(key), "{key}");
            if !first {
                self.out.push(',');
            }
            first = false;
            let _ = write!(self.out, "{key}=\"");
            for c in value.chars() {
                match c {
                    '\\' => self.out.push_str("\\\\"),
                    '"' => self.out.push_str("\\\""),
                    '\n' => self.out.push_str("\\n"),
                    c => self.out.push(c),
                }
            }
            self.out.push('"');
        }
        self.out.push('}');
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the format's rule for metric and label names.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::histogram::Histogram;

    #[test]
    fn families_samples_and_histograms_in_the_text_format() {
        let mut t = Text::default();
        t.single("x_total", Kind::Counter, "Things.\nCounted.", 3);
        t.family("y", Kind::Gauge, "A gauge.");
        t.sample("y", &[("a", "q\"b\\c\nd"), ("b", "2")], 1.5);
        let h = Histogram::new([1_000, u64::MAX]);
        h.observe(500);
        h.observe(2_000);
        t.family("z_seconds", Kind::Histogram, "Latency.");
        t.histogram("z_seconds", &[("op", "PING")], &h.snapshot(), 1e6);
        assert_eq!(
            t.finish(),
            "# HELP x_total Things.\\nCounted.\n# TYPE x_total counter\nx_total 3\n\
             # HELP y A gauge.\n# TYPE y gauge\ny{a=\"q\\\"b\\\\c\\nd\",b=\"2\"} 1.5\n\
             # HELP z_seconds Latency.\n# TYPE z_seconds histogram\n\
             z_seconds_bucket{op=\"PING\",le=\"0.001\"} 1\n\
             z_seconds_bucket{op=\"PING\",le=\"+Inf\"} 2\n\
             z_seconds_sum{op=\"PING\"} 0.0025\n\
             z_seconds_count{op=\"PING\"} 2\n"
        );
    }
}
