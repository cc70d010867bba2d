//! The embedded font (DejaVu Sans, `assets/`): its bytes, and its registration with
//! plotters under one family name. A chart is then the same bytes on every machine, with
//! no system font lookup; PNG text placement ([`super::glyphs`]) reads the same bytes.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// The family name every chart text asks plotters for.
pub const FONT: &str = "sans-serif";
pub static FONT_BYTES: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

/// Register the embedded font once; every chart text uses it.
pub fn ensure_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the embedded DejaVu Sans font is not a valid TrueType file".to_string())
    })
    .clone()
}
