//! The sandbox core: configuration, the shared `World`, request/response/error types, the route
//! table format, and the per-service HTTP dispatcher. `wire` holds the request, answer and error
//! types, route matching and restJson1 rendering; `config` the configuration (services, quota,
//! faults); `world` the emulated state; `shared` what every port shares (World, request log,
//! quota buckets, fault draws); `server` the dispatcher and `start`. Service modules only supply
//! route tables.

mod config;
mod server;
mod shared;
mod wire;
mod world;
pub use config::*;
pub use server::*;
pub use shared::*;
pub use wire::*;
pub use world::*;
#[cfg(test)]
mod tests;
