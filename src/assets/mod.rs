//! The shipped assets (flows, bot, templates, scenarios) and their placeholders. Owned by the assets work (issue 4).
