//! Resource kind `connect` (placeholder).
