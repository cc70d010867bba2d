//! What the OS shows of the CPU's clock and temperature, read during a sustained decode:
//! the mean current frequency of the CPUs (cpufreq's `scaling_cur_freq`, else the
//! `cpu MHz` lines of /proc/cpuinfo) and the hottest sensor (thermal zones, else hwmon).
//! `None` where the OS shows nothing (a VM usually has no sensor, macOS no such files).

use std::path::Path;

/// Mean current frequency of the CPUs in MHz.
pub fn cpu_mhz() -> Option<f64> {
    cpufreq_mhz(Path::new("/sys/devices/system/cpu")).or_else(|| {
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| cpuinfo_mhz(&t))
    })
}

/// Hottest temperature sensor in °C.
pub fn temp_c() -> Option<f64> {
    hottest(Path::new("/sys/class/thermal"), "thermal_zone", "temp")
        .or_else(|| hwmon_c(Path::new("/sys/class/hwmon")))
}

/// Mean of `cpu*/cpufreq/scaling_cur_freq` (kHz) under `dir`, in MHz.
pub fn cpufreq_mhz(dir: &Path) -> Option<f64> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_cpu = name
            .strip_prefix("cpu")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !is_cpu {
            continue;
        }
        if let Some(khz) = read_number(&e.path().join("cpufreq/scaling_cur_freq")) {
            v.push(khz / 1000.0);
        }
    }
    mean(&v)
}

/// Mean of the `cpu MHz : …` lines of a /proc/cpuinfo text.
pub fn cpuinfo_mhz(text: &str) -> Option<f64> {
    let v: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("cpu MHz"))
        .filter_map(|l| l.split(':').nth(1)?.trim().parse().ok())
        .collect();
    mean(&v)
}

/// The largest `<prefix>*/<file>` value under `dir` (millidegrees), in °C.
fn hottest(dir: &Path, prefix: &str, file: &str) -> Option<f64> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .filter_map(|e| read_number(&e.path().join(file)))
        .map(|m| m / 1000.0)
        .filter(|c| (-50.0..200.0).contains(c))
        .reduce(f64::max)
}

/// The hottest `hwmon*/temp*_input` in °C.
fn hwmon_c(dir: &Path) -> Option<f64> {
    let mut best: Option<f64> = None;
    for h in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(files) = std::fs::read_dir(h.path()) else {
            continue;
        };
        for f in files.flatten() {
            let n = f.file_name().to_string_lossy().into_owned();
            if n.starts_with("temp") && n.ends_with("_input") {
                let c = read_number(&f.path()).map(|m| m / 1000.0);
                if let Some(c) = c.filter(|c| (-50.0..200.0).contains(c)) {
                    best = Some(best.map_or(c, |b| b.max(c)));
                }
            }
        }
    }
    best
}

fn read_number(p: &Path) -> Option<f64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_from_cpufreq_and_cpuinfo() {
        let dir = tempfile::tempdir().expect("tmp");
        for (cpu, khz) in [("cpu0", "2400000"), ("cpu1", "1800000")] {
            let d = dir.path().join(cpu).join("cpufreq");
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join("scaling_cur_freq"), format!("{khz}\n")).expect("write");
        }
        // Not a CPU: ignored.
        std::fs::create_dir_all(dir.path().join("cpufreq")).expect("mkdir");
        assert_eq!(cpufreq_mhz(dir.path()), Some(2100.0));
        assert_eq!(cpufreq_mhz(&dir.path().join("none")), None);
        let info = "processor\t: 0\ncpu MHz\t\t: 2600.000\nprocessor\t: 1\ncpu MHz\t\t: 2400.000\n";
        assert_eq!(cpuinfo_mhz(info), Some(2500.0));
        assert_eq!(cpuinfo_mhz("processor : 0\n"), None);
    }

    #[test]
    fn the_hottest_zone_in_degrees() {
        let dir = tempfile::tempdir().expect("tmp");
        for (z, m) in [
            ("thermal_zone0", "45000"),
            ("thermal_zone1", "61500"),
            ("cooling_device0", "3"),
        ] {
            std::fs::create_dir_all(dir.path().join(z)).expect("mkdir");
            std::fs::write(dir.path().join(z).join("temp"), m).expect("write");
        }
        assert_eq!(hottest(dir.path(), "thermal_zone", "temp"), Some(61.5));
    }
}
