//! `cargo xtask synth`: a deterministic synthetic spec of a requested size, for the
//! generator benchmark and for stress-testing the toolchain.
//!
//! The spec is valid by construction: every transition has a guard (so no candidate
//! shadows another), a chain of transitions reaches every phase, inputs and effects are
//! used round-robin (so none is unhandled or unused when there are enough transitions),
//! and partial operations (`self.m[a]`) sit behind the guard that establishes them.

use std::fmt::Write as _;

/// The size of the spec to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub inputs: usize,
    pub fields: usize,
    pub transitions: usize,
}

/// Large enough for any benchmark, small enough that a typo cannot fill the disk.
pub const MAX: usize = 100_000;

impl Params {
    pub fn validate(&self) -> Result<(), String> {
        if self.inputs > MAX || self.fields > MAX || self.transitions > MAX {
            return Err(format!("sizes are limited to {MAX}"));
        }
        if self.transitions > 0 && self.inputs == 0 {
            return Err("transitions need at least one input".into());
        }
        Ok(())
    }

    /// Non-terminal phases `P0..Pk`; the terminal one is `Closed`.
    fn phases(&self) -> usize {
        self.transitions.clamp(1, 5)
    }

    fn effects(&self) -> usize {
        if self.transitions == 0 {
            0
        } else {
            (self.transitions / 8).clamp(1, 32)
        }
    }
}

/// A fixed-seed linear congruential generator: the same parameters give the same spec.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if n == 0 {
            0
        } else {
            ((self.0 >> 33) % n as u64) as usize
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Set,
    Map,
}

fn kind(field: usize) -> Kind {
    match field % 4 {
        0 | 2 => Kind::Counter,
        1 => Kind::Set,
        _ => Kind::Map,
    }
}

/// Every fourth input is a signal; the others carry two numbers `a` and `b`.
fn has_fields(input: usize) -> bool {
    input % 4 != 3
}

struct Fields {
    counters: Vec<usize>,
    sets: Vec<usize>,
    maps: Vec<usize>,
}

impl Fields {
    fn new(n: usize) -> Self {
        let of = |k: Kind| (0..n).filter(|&i| kind(i) == k).collect();
        Fields {
            counters: of(Kind::Counter),
            sets: of(Kind::Set),
            maps: of(Kind::Map),
        }
    }

    fn pick(list: &[usize], rng: &mut Lcg) -> Option<usize> {
        (!list.is_empty()).then(|| list[rng.below(list.len())])
    }
}

/// The spec text.
pub fn spec(p: Params) -> String {
    let mut out = String::new();
    let mut rng = Lcg(0x5EED_CAFE_F00D_D00D);
    let k = p.phases();
    let effects = p.effects();
    let fields = Fields::new(p.fields);

    let _ = writeln!(
        out,
        "/// Synthetic machine from `cargo xtask synth --inputs {} --fields {} --transitions {}`.",
        p.inputs, p.fields, p.transitions
    );
    out.push_str("machine Synthetic {\n");
    let phases: Vec<String> = (0..k).map(|i| format!("P{i}")).collect();
    let _ = writeln!(out, "    phases {{ {}, Closed }}", phases.join(", "));
    out.push_str("    initial P0;\n    terminal Closed;\n\n    state {\n");
    for i in 0..p.fields {
        let decl = match kind(i) {
            Kind::Counter => "u64 = 0",
            Kind::Set => "Set<u64> = {}",
            Kind::Map => "Map<u64, u64> = {}",
        };
        let _ = writeln!(out, "        f{i}: {decl},");
    }
    out.push_str("    }\n\n");
    for i in 0..p.inputs {
        if has_fields(i) {
            let _ = writeln!(out, "    input In{i} {{ a: u64, b: u64 }}");
        } else {
            let _ = writeln!(out, "    input In{i};");
        }
    }
    out.push('\n');
    for j in 0..effects {
        let _ = writeln!(out, "    effect Out{j} {{ value: u64 }}");
    }
    for t in 0..p.transitions {
        out.push('\n');
        transition(&mut out, &mut rng, &p, &fields, t);
    }
    let known: Vec<String> = phases
        .iter()
        .map(|p| format!("self.phase == Phase::{p}"))
        .collect();
    let _ = writeln!(
        out,
        "\n    invariant phase_known: self.phase != Phase::Closed implies {};",
        known.join(" || ")
    );
    out.push_str("}\n");
    out
}

fn transition(out: &mut String, rng: &mut Lcg, p: &Params, fields: &Fields, t: usize) {
    let k = p.phases();
    let input = t % p.inputs;
    let numbers = has_fields(input);
    let (from, to) = if t + 1 < k {
        (format!("P{t}"), format!("P{}", t + 1))
    } else if t + 1 == p.transitions {
        ("*".to_string(), "Closed".to_string())
    } else {
        let a = rng.below(k);
        let b = (a + 1 + rng.below(k.max(2) - 1)) % k;
        match rng.below(8) {
            0 => ("Closed".into(), "same".into()),
            1 | 2 => (format!("P{a}"), "same".into()),
            3 | 4 => (format!("P{a}"), format!("P{b}")),
            5 if a != b => (format!("[P{a}, P{b}]"), format!("P{}", rng.below(k))),
            5 | 6 => ("*".into(), "same".into()),
            _ => ("*".into(), format!("P{}", rng.below(k))),
        }
    };
    let _ = writeln!(
        out,
        "    /// Synthetic transition {t}.\n    transition t{t} on In{input} from {from} -> {to} {{"
    );

    let mut guards: Vec<String> = Vec::new();
    let mut update: Vec<String> = Vec::new();
    // A map whose key `a` a guard establishes, so `self.m[a]` may be read.
    let mut keyed_map = None;
    for _ in 0..1 + rng.below(3) {
        match rng.below(5) {
            0 | 1 => {
                if let Some(f) = Fields::pick(&fields.counters, rng) {
                    let limit = 1 + rng.below(1_000_000);
                    guards.push(format!("self.f{f} < {limit}"));
                    update.push(format!("self.f{f} += 1;"));
                }
            }
            2 => {
                if let Some(s) = Fields::pick(&fields.sets, rng) {
                    if numbers {
                        guards.push(format!("!(a in self.f{s})"));
                        update.push(format!("self.f{s}.insert(a);"));
                    } else {
                        guards.push(format!("self.f{s}.len() < 1000"));
                        update.push(format!("self.f{s}.insert({});", rng.below(100)));
                    }
                }
            }
            3 => {
                if let Some(m) = Fields::pick(&fields.maps, rng) {
                    if numbers && keyed_map.is_none() {
                        guards.push(format!("a in self.f{m}"));
                        keyed_map = Some(m);
                    } else if numbers {
                        guards.push(format!("!(b in self.f{m})"));
                        update.push(format!("self.f{m}[b] = a;"));
                    } else {
                        guards.push(format!("self.f{m}.len() <= 1000"));
                        update.push(format!("self.f{m}.clear();"));
                    }
                }
            }
            _ => {
                if let Some(s) = Fields::pick(&fields.sets, rng) {
                    guards.push(format!("all x in self.f{s}: x < 1000000"));
                } else if numbers {
                    guards.push(format!("a + b >= {}", rng.below(10)));
                }
            }
        }
    }
    // Repeated picks can produce the same guard or statement twice; once is enough.
    dedup(&mut guards);
    dedup(&mut update);
    if guards.is_empty() {
        guards.push(if numbers {
            "a <= b || b < a".to_string()
        } else {
            "self.phase != Phase::Closed".to_string()
        });
    }
    if let Some(m) = keyed_map {
        // Reads come first: a later statement could remove the key.
        match Fields::pick(&fields.counters, rng) {
            Some(c) => update.insert(0, format!("self.f{c} = self.f{m}[a];")),
            None => update.push(format!("self.f{m}.remove(a);")),
        }
    }
    if rng.below(4) == 0
        && let Some(c) = Fields::pick(&fields.counters, rng)
    {
        update.push(format!(
            "if self.f{c} > 10 {{ self.f{c} = 0; }} else {{ self.f{c} += 1; }}"
        ));
    }
    let effects = p.effects();
    if rng.below(6) == 0
        && let Some(s) = Fields::pick(&fields.sets, rng)
    {
        let effect = rng.below(effects);
        update.push(format!(
            "for x in self.f{s} {{ emit Out{effect} {{ value: x }}; }}"
        ));
    }

    for (i, g) in guards.iter().enumerate() {
        let _ = writeln!(out, "        guard g{i}: {g};");
    }
    if !update.is_empty() {
        out.push_str("        update {\n");
        for s in &update {
            let _ = writeln!(out, "            {s}");
        }
        out.push_str("        }\n");
    }
    let value = match (Fields::pick(&fields.counters, rng), numbers) {
        (Some(c), _) if rng.below(2) == 0 => format!("self.f{c}"),
        (_, true) => "a".to_string(),
        _ => t.to_string(),
    };
    let _ = writeln!(out, "        emit Out{} {{ value: {value} }};", t % effects);
    out.push_str("    }\n");
}

/// Removes repeated entries, keeping the first of each.
fn dedup(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|s| seen.insert(s.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(inputs: usize, fields: usize, transitions: usize) -> Params {
        Params {
            inputs,
            fields,
            transitions,
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(spec(params(7, 9, 30)), spec(params(7, 9, 30)));
    }

    #[test]
    fn exact_counts() {
        let text = spec(params(12, 20, 40));
        let count = |needle: &str| {
            text.lines()
                .filter(|l| l.trim_start().starts_with(needle))
                .count()
        };
        assert_eq!(count("input "), 12);
        assert_eq!(count("transition "), 40);
        let fields = text
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                l.starts_with('f')
                    && l[1..]
                        .split(':')
                        .next()
                        .is_some_and(|n| n.parse::<usize>().is_ok())
            })
            .count();
        assert_eq!(fields, 20);
        assert_eq!(count("effect "), 5);
    }

    #[test]
    fn validation() {
        assert!(params(0, 3, 1).validate().is_err());
        assert!(params(0, 3, 0).validate().is_ok());
        assert!(params(1, MAX + 1, 1).validate().is_err());
    }
}
