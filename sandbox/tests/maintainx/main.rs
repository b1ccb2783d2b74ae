//! MaintainX emulator tests: real HTTP over loopback against a sandbox per test.
//! One test binary (every extra binary re-links reqwest and jsonschema).

mod auth;
mod common;
mod conformance;
mod control;
mod faults;
mod organizations;
mod paging;
mod spec;
mod writes;
