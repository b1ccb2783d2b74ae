//! Mapping plugin for tests, version 2: see `../mapper-common/plugin.rs`.

const VERSION: &str = "v2";

include!("../../mapper-common/plugin.rs");
