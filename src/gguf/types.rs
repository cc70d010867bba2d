//! ggml tensor types and llama.cpp file types, as the vendored llama.cpp numbers them.
//!
//! Sources (llama-cpp-sys-2 0.1.160's vendored llama.cpp):
//! - `ggml/include/ggml.h`, `enum ggml_type` (ids) and `ggml/src/ggml.c`, `type_traits`
//!   (block sizes and bytes per block, from the `block_*` structs in `ggml-common.h`);
//! - `include/llama.h`, `enum llama_ftype` (the value of `general.file_type`).
//!
//! A unit test checks every entry against `ggml_blck_size`/`ggml_type_size` of the linked
//! library, so a llama.cpp upgrade that changes a layout cannot go unnoticed.

/// One ggml tensor type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    /// `enum ggml_type` value.
    pub id: u32,
    /// Upper-case name as llama.cpp prints it in quant names (e.g. "Q4_K").
    pub name: &'static str,
    /// Elements per block.
    pub block: u64,
    /// Bytes per block.
    pub bytes: u64,
}

impl GgmlType {
    /// Bytes of a tensor of `n_elements` (a multiple of the block size), or None on overflow.
    pub fn n_bytes(&self, n_elements: u64) -> Option<u64> {
        (n_elements / self.block).checked_mul(self.bytes)
    }
}

/// Every ggml type a GGUF file may hold (ids 4, 5 and 31–33, 36–38 were removed).
pub const GGML_TYPES: &[GgmlType] = &[
    t(0, "F32", 1, 4),
    t(1, "F16", 1, 2),
    t(2, "Q4_0", 32, 18),
    t(3, "Q4_1", 32, 20),
    t(6, "Q5_0", 32, 22),
    t(7, "Q5_1", 32, 24),
    t(8, "Q8_0", 32, 34),
    t(9, "Q8_1", 32, 36),
    t(10, "Q2_K", 256, 84),
    t(11, "Q3_K", 256, 110),
    t(12, "Q4_K", 256, 144),
    t(13, "Q5_K", 256, 176),
    t(14, "Q6_K", 256, 210),
    t(15, "Q8_K", 256, 292),
    t(16, "IQ2_XXS", 256, 66),
    t(17, "IQ2_XS", 256, 74),
    t(18, "IQ3_XXS", 256, 98),
    t(19, "IQ1_S", 256, 50),
    t(20, "IQ4_NL", 32, 18),
    t(21, "IQ3_S", 256, 110),
    t(22, "IQ2_S", 256, 82),
    t(23, "IQ4_XS", 256, 136),
    t(24, "I8", 1, 1),
    t(25, "I16", 1, 2),
    t(26, "I32", 1, 4),
    t(27, "I64", 1, 8),
    t(28, "F64", 1, 8),
    t(29, "IQ1_M", 256, 56),
    t(30, "BF16", 1, 2),
    t(34, "TQ1_0", 256, 54),
    t(35, "TQ2_0", 256, 66),
    t(39, "MXFP4", 32, 17),
    t(40, "NVFP4", 64, 36),
    t(41, "Q1_0", 128, 18),
    t(42, "Q2_0", 64, 18),
];

const fn t(id: u32, name: &'static str, block: u64, bytes: u64) -> GgmlType {
    GgmlType {
        id,
        name,
        block,
        bytes,
    }
}

pub const F32: GgmlType = GGML_TYPES[0];
pub const F16: GgmlType = GGML_TYPES[1];

/// The ggml type with this id, if llama.cpp knows it.
pub fn ggml_type(id: u32) -> Option<GgmlType> {
    GGML_TYPES.iter().copied().find(|t| t.id == id)
}

/// `enum llama_ftype` values and the names lfmbench (and llama-quantize) use for them.
/// Removed values (4–6, 33–35) are absent.
pub const FILE_TYPES: &[(u32, &str)] = &[
    (0, "F32"),
    (1, "F16"),
    (2, "Q4_0"),
    (3, "Q4_1"),
    (7, "Q8_0"),
    (8, "Q5_0"),
    (9, "Q5_1"),
    (10, "Q2_K"),
    (11, "Q3_K_S"),
    (12, "Q3_K_M"),
    (13, "Q3_K_L"),
    (14, "Q4_K_S"),
    (15, "Q4_K_M"),
    (16, "Q5_K_S"),
    (17, "Q5_K_M"),
    (18, "Q6_K"),
    (19, "IQ2_XXS"),
    (20, "IQ2_XS"),
    (21, "Q2_K_S"),
    (22, "IQ3_XS"),
    (23, "IQ3_XXS"),
    (24, "IQ1_S"),
    (25, "IQ4_NL"),
    (26, "IQ3_S"),
    (27, "IQ3_M"),
    (28, "IQ2_S"),
    (29, "IQ2_M"),
    (30, "IQ4_XS"),
    (31, "IQ1_M"),
    (32, "BF16"),
    (36, "TQ1_0"),
    (37, "TQ2_0"),
    (38, "MXFP4_MOE"),
    (39, "NVFP4"),
    (40, "Q1_0"),
    (41, "Q2_0"),
];

/// Name of a `general.file_type` value.
pub fn file_type_name(ftype: u32) -> Option<&'static str> {
    // Bit 10 (LLAMA_FTYPE_GUESSED) is never written to files; ignore it if present.
    let ftype = ftype & !1024;
    FILE_TYPES
        .iter()
        .find(|(v, _)| *v == ftype)
        .map(|(_, n)| *n)
}

/// `general.file_type` value of a quant name (case-insensitive, e.g. "q4_k_m").
pub fn file_type_by_name(name: &str) -> Option<u32> {
    FILE_TYPES
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table matches the linked llama.cpp's own type traits.
    #[test]
    fn ggml_types_match_linked_library() {
        for ty in GGML_TYPES {
            // SAFETY: plain lookups in a static table, for ids below GGML_TYPE_COUNT.
            let (block, bytes, name) = unsafe {
                let id: llama_cpp_sys_2::ggml_type = ty.id;
                let name = llama_cpp_sys_2::ggml_type_name(id);
                (
                    llama_cpp_sys_2::ggml_blck_size(id),
                    llama_cpp_sys_2::ggml_type_size(id),
                    std::ffi::CStr::from_ptr(name)
                        .to_string_lossy()
                        .into_owned(),
                )
            };
            assert_eq!(block as u64, ty.block, "block size of {}", ty.name);
            assert_eq!(bytes as u64, ty.bytes, "bytes per block of {}", ty.name);
            assert!(
                name.eq_ignore_ascii_case(ty.name),
                "id {} is {name} in ggml, {} here",
                ty.id,
                ty.name
            );
        }
        // Every id ggml has that is not in the table is a removed one (block size 0).
        for id in 0..llama_cpp_sys_2::GGML_TYPE_COUNT {
            if ggml_type(id).is_none() {
                // SAFETY: id < GGML_TYPE_COUNT.
                let block = unsafe { llama_cpp_sys_2::ggml_blck_size(id) };
                assert_eq!(block, 0, "ggml type {id} is missing from GGML_TYPES");
            }
        }
    }

    #[test]
    fn file_type_names_round_trip() {
        assert_eq!(file_type_name(15), Some("Q4_K_M"));
        assert_eq!(file_type_name(3), Some("Q4_1"));
        assert_eq!(file_type_name(1), Some("F16"));
        assert_eq!(file_type_name(4), None);
        assert_eq!(file_type_by_name("q4_k_m"), Some(15));
        assert_eq!(file_type_by_name("Q6_K"), Some(18));
        assert_eq!(file_type_by_name("Q4_K"), None);
        for (v, n) in FILE_TYPES {
            assert_eq!(file_type_by_name(n), Some(*v));
        }
    }

    /// The ftype numbers match the linked llama.h (through the generated bindings).
    #[test]
    fn file_types_match_llama_h() {
        use llama_cpp_sys_2 as s;
        let pairs = [
            (s::LLAMA_FTYPE_ALL_F32, "F32"),
            (s::LLAMA_FTYPE_MOSTLY_F16, "F16"),
            (s::LLAMA_FTYPE_MOSTLY_Q4_0, "Q4_0"),
            (s::LLAMA_FTYPE_MOSTLY_Q4_1, "Q4_1"),
            (s::LLAMA_FTYPE_MOSTLY_Q8_0, "Q8_0"),
            (s::LLAMA_FTYPE_MOSTLY_Q5_0, "Q5_0"),
            (s::LLAMA_FTYPE_MOSTLY_Q5_1, "Q5_1"),
            (s::LLAMA_FTYPE_MOSTLY_Q2_K, "Q2_K"),
            (s::LLAMA_FTYPE_MOSTLY_Q3_K_M, "Q3_K_M"),
            (s::LLAMA_FTYPE_MOSTLY_Q4_K_S, "Q4_K_S"),
            (s::LLAMA_FTYPE_MOSTLY_Q4_K_M, "Q4_K_M"),
            (s::LLAMA_FTYPE_MOSTLY_Q5_K_M, "Q5_K_M"),
            (s::LLAMA_FTYPE_MOSTLY_Q6_K, "Q6_K"),
            (s::LLAMA_FTYPE_MOSTLY_IQ4_XS, "IQ4_XS"),
            (s::LLAMA_FTYPE_MOSTLY_BF16, "BF16"),
            (s::LLAMA_FTYPE_MOSTLY_Q2_0, "Q2_0"),
        ];
        for (v, n) in pairs {
            assert_eq!(file_type_name(v), Some(n), "llama_ftype {v}");
        }
    }
}
