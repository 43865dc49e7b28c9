//! Resource kind `artifacts` (placeholder).
