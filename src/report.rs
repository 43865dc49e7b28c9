//! Progress events and the one reporter that renders them to stderr.
