//! Sandbox (placeholder).
