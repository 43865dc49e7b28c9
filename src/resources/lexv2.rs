//! Resource kind `lexv2` (placeholder).
