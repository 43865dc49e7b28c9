//! Resource kind `stack` (placeholder).
