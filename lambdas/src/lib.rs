//! Lambda handlers of both solutions (placeholder; see issue 3).
