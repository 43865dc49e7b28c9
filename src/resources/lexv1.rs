//! Resource kind `lexv1` (placeholder).
