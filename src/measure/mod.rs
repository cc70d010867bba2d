//! Measurement helpers that are not the model's own timing: the host fingerprint,
//! peak RSS of child processes, and page-cache control for cold starts.

pub mod bandwidth;
pub mod host;
pub mod isa;
pub mod noise;
pub mod pagecache;
pub mod rss;
