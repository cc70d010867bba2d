//! Criteria → PASS / FAIL / INCONCLUSIVE / NOT MEASURED, and the Go/No-Go decision.
//! No printing here.
//!
//! OWNED BY: the report work (issue 4).
