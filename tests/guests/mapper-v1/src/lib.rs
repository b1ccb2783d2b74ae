//! Mapping plugin for tests, version 1: see `../mapper-common/plugin.rs`.

const VERSION: &str = "v1";

include!("../../mapper-common/plugin.rs");
