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
