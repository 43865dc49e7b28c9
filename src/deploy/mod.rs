//! Deploy: desired state, plan, and the dependency graph that applies it (issue 5).
