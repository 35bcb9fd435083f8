//! The one integration-test binary: real server on port 0, fresh database per test, real HTTP
//! and websockets. SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.
mod auth;
mod authz;
mod cards;
mod cluster;
mod complaints;
mod estate;
mod faults;
mod fees;
mod field_names;
mod helpers;
mod http;
mod keys;
mod members;
mod moves;
mod notices;
mod patrols;
mod photos;
mod renovation;
mod repairs;
mod schema;
mod screens;
mod staff;
mod targets;
mod ws;
