//! Device classes (`[[device]]` in a suite): which machines a class covers (a `match` rule
//! on the facts `host.json` records, and the GPU devices the engine listed), the targets
//! it overrides by criterion name, and the absolute criteria it adds (the plan's week-3
//! targets: P95 under 500 ms on a Raspberry Pi 5, candidate RSS under 2 GiB). Parsing,
//! checking (file:line errors) and matching one machine; nothing here runs or judges.
//!
//! **Matching.** Every field a rule sets must hold; fields it leaves out match anything:
//! - `os` — the OS family (`linux`, `macos`, `ios`, `android`, `windows`, read from
//!   host.json `os`, e.g. "Debian GNU/Linux 12" is `linux`), or a case-insensitive part of
//!   host.json `os`;
//! - `arch` — host.json `arch` (`arm64` and `aarch64`, `amd64` and `x86_64` are one);
//! - `cpu` — a case-insensitive part of host.json `cpu` ("Apple M3", "Cortex-A76");
//! - `min_cores`, `max_cores` — physical cores, inclusive;
//! - `min_memory_gib`, `max_memory_gib` — installed memory in GiB, inclusive;
//! - `gpu` — a case-insensitive part of a GPU device name the engine listed
//!   (engine.json `devices`), or `"none"` for a machine whose engine offloaded nothing.
//!
//! **Overlap.** A machine matching two classes would have two sets of targets, so it is
//! an error: at load, where the rules decide it (two rules overlap when no field sets
//! them apart: different OS or architecture, disjoint core or memory ranges, or CPU or
//! GPU patterns neither of which contains the other), and for a concrete machine when a
//! report classifies it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::{ConfigError, line_col, parse_toml};
use super::suite::{Criterion, DeviceClass, DeviceMatch, Suite};
use crate::measure::host::Host;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The OS family of a host.json `os` string ("Debian GNU/Linux 12" → "linux").
pub fn os_family(os: &str) -> String {
    let l = os.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&["ios", "iphone", "ipados"]) {
        "ios".into()
    } else if has(&["darwin", "macos", "mac os"]) {
        "macos".into()
    } else if has(&["android"]) {
        "android".into()
    } else if has(&["windows"]) {
        "windows".into()
    } else if has(&[
        "linux", "debian", "ubuntu", "fedora", "raspbian", "alpine", "centos", "red hat", "nixos",
    ]) {
        "linux".into()
    } else {
        l
    }
}

fn arch_norm(a: &str) -> String {
    match a.to_lowercase().as_str() {
        "arm64" => "aarch64".into(),
        "amd64" | "x64" => "x86_64".into(),
        other => other.into(),
    }
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl DeviceMatch {
    fn is_empty(&self) -> bool {
        *self == DeviceMatch::default()
    }

    /// Whether a machine matches: `Ok` with each fact that matched, in words, or `Err`
    /// with the first that did not. `gpus`: the GPU devices the engine listed.
    pub fn check(&self, host: &Host, gpus: &[String]) -> Result<Vec<String>, String> {
        let mut why = Vec::new();
        if let Some(os) = &self.os {
            let fam = os_family(&host.os);
            if fam == os.to_lowercase() || contains_ci(&host.os, os) {
                why.push(format!("os `{}` is {os}", host.os));
            } else {
                return Err(format!("os `{}` is not {os}", host.os));
            }
        }
        if let Some(a) = &self.arch {
            if arch_norm(&host.arch) == arch_norm(a) {
                why.push(format!("arch {}", host.arch));
            } else {
                return Err(format!("arch {} is not {a}", host.arch));
            }
        }
        if let Some(c) = &self.cpu {
            if contains_ci(&host.cpu, c) {
                why.push(format!("CPU `{}` contains “{c}”", host.cpu));
            } else {
                return Err(format!("CPU `{}` does not contain “{c}”", host.cpu));
            }
        }
        let cores = host.physical_cores;
        match (self.min_cores, self.max_cores) {
            (None, None) => {}
            (lo, hi) => {
                let ok = lo.is_none_or(|l| cores >= l) && hi.is_none_or(|h| cores <= h);
                let range = range_text(lo.map(|x| x as f64), hi.map(|x| x as f64), "");
                if ok {
                    why.push(format!("{cores} physical cores ({range})"));
                } else {
                    return Err(format!("{cores} physical cores, not {range}"));
                }
            }
        }
        let gib = host.memory_bytes as f64 / GIB;
        match (self.min_memory_gib, self.max_memory_gib) {
            (None, None) => {}
            (lo, hi) => {
                let ok = lo.is_none_or(|l| gib >= l) && hi.is_none_or(|h| gib <= h);
                let range = range_text(lo, hi, " GiB");
                if ok {
                    why.push(format!("{gib:.1} GiB of memory ({range})"));
                } else {
                    return Err(format!("{gib:.1} GiB of memory, not {range}"));
                }
            }
        }
        if let Some(g) = &self.gpu {
            if g.eq_ignore_ascii_case("none") {
                if gpus.is_empty() {
                    why.push("no GPU device used by the engine".into());
                } else {
                    return Err(format!("the engine used GPU {}", gpus.join(", ")));
                }
            } else if let Some(hit) = gpus.iter().find(|d| contains_ci(d, g)) {
                why.push(format!("GPU `{hit}` contains “{g}”"));
            } else if gpus.is_empty() {
                return Err(format!("no GPU device used by the engine, not “{g}”"));
            } else {
                return Err(format!(
                    "no GPU device containing “{g}” (the engine listed {})",
                    gpus.join(", ")
                ));
            }
        }
        Ok(why)
    }

    /// A field that tells two rules apart, or `None` when the rules alone cannot (they
    /// overlap, or only a concrete machine can tell).
    fn apart_from(&self, o: &DeviceMatch) -> Option<&'static str> {
        let differ = |a: &Option<String>, b: &Option<String>, norm: fn(&str) -> String| matches!((a, b), (Some(x), Some(y)) if norm(x) != norm(y));
        if differ(&self.os, &o.os, |s| s.to_lowercase()) {
            return Some("os");
        }
        if differ(&self.arch, &o.arch, arch_norm) {
            return Some("arch");
        }
        // Patterns neither of which contains the other: a CPU name holding both may exist,
        // but cannot be ruled out here; a concrete machine decides at report time.
        let patterns_apart = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(x), Some(y)) => {
                let (x, y) = (x.to_lowercase(), y.to_lowercase());
                !x.contains(&y) && !y.contains(&x)
            }
            _ => false,
        };
        if patterns_apart(&self.cpu, &o.cpu) {
            return Some("cpu");
        }
        if patterns_apart(&self.gpu, &o.gpu) {
            return Some("gpu");
        }
        let disjoint = |lo1: Option<f64>, hi1: Option<f64>, lo2: Option<f64>, hi2: Option<f64>| {
            matches!((hi1, lo2), (Some(h), Some(l)) if h < l)
                || matches!((hi2, lo1), (Some(h), Some(l)) if h < l)
        };
        let f = |x: Option<usize>| x.map(|v| v as f64);
        if disjoint(
            f(self.min_cores),
            f(self.max_cores),
            f(o.min_cores),
            f(o.max_cores),
        ) {
            return Some("cores");
        }
        if disjoint(
            self.min_memory_gib,
            self.max_memory_gib,
            o.min_memory_gib,
            o.max_memory_gib,
        ) {
            return Some("memory");
        }
        None
    }
}

fn range_text(lo: Option<f64>, hi: Option<f64>, unit: &str) -> String {
    let n = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x}")
        }
    };
    match (lo, hi) {
        (Some(l), Some(h)) => format!("{}–{}{unit}", n(l), n(h)),
        (Some(l), None) => format!("at least {}{unit}", n(l)),
        (None, Some(h)) => format!("at most {}{unit}", n(h)),
        (None, None) => "any".into(),
    }
}

impl DeviceClass {
    /// The suite as this class judges it: its targets over the suite's, its criteria
    /// added.
    pub fn apply(&self, suite: &Suite) -> Suite {
        let mut s = suite.clone();
        for c in &mut s.criteria {
            if let Some(t) = self.targets.get(&c.name) {
                c.target = *t;
            }
        }
        s.criteria.extend(self.criteria.iter().cloned());
        s
    }
}

/// Device classes and where they were read (for errors with a line).
#[derive(Debug, Clone, PartialEq)]
pub struct Devices {
    pub file: std::path::PathBuf,
    pub text: String,
    pub classes: Vec<DeviceClass>,
}

impl Devices {
    /// The classes a machine matches, each with why.
    pub fn matching(&self, host: &Host, gpus: &[String]) -> Vec<(&DeviceClass, Vec<String>)> {
        self.classes
            .iter()
            .filter_map(|c| c.rule.check(host, gpus).ok().map(|w| (c, w)))
            .collect()
    }

    /// The place of class `name`'s definition.
    pub fn line_of(&self, name: &str) -> Option<usize> {
        class_pos(&self.text, name).map(|p| line_col(&self.text, p).0)
    }

    /// A machine matching several classes, as an error naming the file and their lines.
    pub fn overlap_error(
        &self,
        machine: &str,
        hits: &[(&DeviceClass, Vec<String>)],
    ) -> ConfigError {
        let names: Vec<String> = hits
            .iter()
            .map(|(c, why)| {
                let at = self
                    .line_of(&c.name)
                    .map_or(String::new(), |l| format!(" (line {l})"));
                format!("`{}`{at}: {}", c.name, why.join(", "))
            })
            .collect();
        let mut e = ConfigError::new(
            &self.file,
            format!(
                "machine `{machine}` matches {} device classes: {}",
                hits.len(),
                names.join("; ")
            ),
        )
        .help("narrow the `match` of one class (a `cpu` pattern, a core or memory range) so that each machine falls in one class");
        if let Some(l) = hits.first().and_then(|(c, _)| self.line_of(&c.name)) {
            e.line = Some(l);
        }
        e
    }
}

/// Byte offset of `name = "<class>"` inside a `[[device]]` table of `text`.
fn class_pos(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(d) = text[from..].find("[[device]]") {
        let start = from + d;
        let end = text[start + 1..]
            .find("\n[")
            .map_or(text.len(), |e| start + 1 + e);
        let block = &text[start..end];
        for needle in [format!("name = \"{name}\""), format!("name=\"{name}\"")] {
            if let Some(p) = block.find(&needle) {
                return Some(start + p);
            }
        }
        from = start + 1;
    }
    None
}

/// An error placed at `needle` inside the definition of class `class` (or at the class).
fn at_in_class(mut e: ConfigError, text: &str, class: &str, needle: &str) -> ConfigError {
    if let Some(start) = class_pos(text, class) {
        let pos = text[start..].find(needle).map_or(start, |p| start + p);
        let (l, c) = line_col(text, pos);
        e.line = Some(l);
        e.column = Some(c);
    }
    e
}

/// Check the classes of one file: names unique, a rule that matches something and not
/// every machine, finite targets and ranges, no two rules that overlap; and, where the
/// suite's criteria are known (`criteria`), targets naming only those criteria and added
/// criteria with new names.
pub fn validate(
    file: &Path,
    text: &str,
    classes: &[DeviceClass],
    criteria: Option<&[Criterion]>,
) -> Result<(), ConfigError> {
    for (i, c) in classes.iter().enumerate() {
        if classes[..i].iter().any(|o| o.name == c.name) {
            return Err(ConfigError::new(
                file,
                format!("device class `{}` is defined twice", c.name),
            )
            .at_text(text, &format!("name = \"{}\"", c.name))
            .help("give every [[device]] its own name"));
        }
        if c.rule.is_empty() {
            return Err(at_in_class(
                ConfigError::new(
                    file,
                    format!("device class `{}` has an empty `match`: it would match every machine", c.name),
                ),
                text,
                &c.name,
                "match",
            )
            .help("set at least one of os, arch, cpu, min_cores, max_cores, min_memory_gib, max_memory_gib, gpu; default targets are the suite's own criteria"));
        }
        let r = &c.rule;
        let bad_range = matches!((r.min_cores, r.max_cores), (Some(l), Some(h)) if l > h)
            || matches!((r.min_memory_gib, r.max_memory_gib), (Some(l), Some(h)) if l > h)
            || [r.min_memory_gib, r.max_memory_gib]
                .iter()
                .flatten()
                .any(|x| !x.is_finite() || *x < 0.0);
        if bad_range {
            return Err(at_in_class(
                ConfigError::new(
                    file,
                    format!(
                        "device class `{}`: an empty or invalid core or memory range",
                        c.name
                    ),
                ),
                text,
                &c.name,
                "match",
            )
            .help("min must be at most max, memory a non-negative number of GiB"));
        }
        for (name, t) in &c.targets {
            if !t.is_finite() {
                return Err(at_in_class(
                    ConfigError::new(
                        file,
                        format!(
                            "device class `{}`: target of `{name}` is not a finite number",
                            c.name
                        ),
                    ),
                    text,
                    &c.name,
                    &format!("\"{name}\""),
                ));
            }
            if let Some(known) = criteria
                && !known.iter().any(|k| &k.name == name)
            {
                let names: Vec<String> = known.iter().map(|k| format!("`{}`", k.name)).collect();
                return Err(at_in_class(
                    ConfigError::new(
                        file,
                        format!(
                            "device class `{}` sets a target for `{name}`, which is not a criterion of the suite",
                            c.name
                        ),
                    ),
                    text,
                    &c.name,
                    &format!("\"{name}\""),
                )
                .help(format!(
                    "targets override criteria by name; the suite's criteria are {} (add a criterion of the class with [[device.criterion]])",
                    names.join(", ")
                )));
            }
        }
        for k in &c.criteria {
            super::check_criterion(file, text, k)?;
            let clash = criteria.is_some_and(|known| known.iter().any(|o| o.name == k.name))
                || c.criteria.iter().filter(|o| o.name == k.name).count() > 1;
            if clash {
                return Err(at_in_class(
                    ConfigError::new(
                        file,
                        format!(
                            "device class `{}` adds criterion `{}`, a name already taken",
                            c.name, k.name
                        ),
                    ),
                    text,
                    &c.name,
                    &format!("\"{}\"", k.name),
                )
                .help("override a suite criterion with `targets = { \"<name>\" = <value> }`; give an added criterion a name of its own"));
            }
        }
    }
    for (i, a) in classes.iter().enumerate() {
        for b in &classes[..i] {
            if a.rule.apart_from(&b.rule).is_none() {
                let line_b = class_pos(text, &b.name).map(|p| line_col(text, p).0);
                return Err(at_in_class(
                    ConfigError::new(
                        file,
                        format!(
                            "device classes `{}`{} and `{}` can match the same machine",
                            b.name,
                            line_b.map_or(String::new(), |l| format!(" (line {l})")),
                            a.name
                        ),
                    ),
                    text,
                    &a.name,
                    "match",
                )
                .help("set them apart in `match`: a different os or arch, disjoint min/max cores or memory, or cpu patterns neither of which contains the other"));
            }
        }
    }
    Ok(())
}

/// A file holding `[[device]]` tables: a suite, or a file of classes alone (anything else
/// in it is ignored).
#[derive(Debug, Deserialize)]
struct DeviceFile {
    #[serde(default, rename = "device")]
    devices: Vec<DeviceClass>,
    #[serde(flatten)]
    _rest: BTreeMap<String, toml::Value>,
}

/// Read the device classes of `file` (`lfmbench report --devices`), checked as far as
/// they can be without a suite; their target names are checked against each run's suite
/// when the report applies them.
pub fn load(file: &Path) -> Result<Devices, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        ConfigError::new(file, format!("cannot read: {e}"))
            .help("name a suite or a file of [[device]] tables, e.g. suites/phase0.toml")
    })?;
    let parsed: DeviceFile = parse_toml(file, &text)?;
    if parsed.devices.is_empty() {
        return Err(ConfigError::new(file, "no [[device]] class in this file").help(
            "define classes as [[device]] name = \"…\" match = { arch = \"aarch64\" } (see suites/phase0.toml)",
        ));
    }
    validate(file, &text, &parsed.devices, None)?;
    Ok(Devices {
        file: file.to_path_buf(),
        text,
        classes: parsed.devices,
    })
}

#[cfg(test)]
mod tests;
