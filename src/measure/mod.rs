//! Measurement helpers that are not the model's own timing: the host fingerprint,
//! peak RSS of child processes, page-cache control for cold starts, the CPU's clock and
//! temperature under sustained load (`thermal`) and whether the host is a VM (`virt`).

pub mod bandwidth;
pub mod host;
pub mod isa;
pub mod noise;
pub mod pagecache;
pub mod rss;
pub mod thermal;
pub mod virt;
