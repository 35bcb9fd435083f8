//! Guanjia (管家): the GraphQL API of a butler-style property-management service.
pub mod app;
pub mod auth;
pub mod bench;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod service;

/// mimalloc instead of glibc's malloc: a GraphQL response is many small short-lived
/// allocations made on one thread and freed on another, where glibc's arenas spent a fifth of
/// the server's CPU (profiled under the screens benchmark) and kept RSS growing. Declared in the
/// library so the server, the tests and the benchmark (baseline included) all run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
