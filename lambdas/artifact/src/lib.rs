//! Lambda artifact packaging and checks (placeholder; see issue 3).
