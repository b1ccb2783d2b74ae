//! # millwright-artifacts
//!
//! Paths of the guest components built by this crate's build script, like wasmtime's
//! `crates/test-programs/artifacts`: the build script runs a nested
//! `cargo build --release --target wasm32-wasip2` of the guest crates into
//! `<workspace>/target/guests` (its own directory: a nested cargo on the outer target
//! directory would block on its lock), with the outer build's `RUSTFLAGS`, `CARGO_TARGET_DIR`,
//! `CARGO_BUILD_TARGET`, profile and cfg variables scrubbed, and checks that each output is a
//! component.
//!
//! ```ignore
//! let bytes = std::fs::read(millwright_artifacts::MAINTAINX)?;
//! for (name, path) in millwright_artifacts::all() { /* ... */ }
//! ```
//!
//! Needs the `wasm32-wasip2` target: `rustup target add wasm32-wasip2`.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

#[cfg(test)]
mod tests {
    #[test]
    fn artifacts_exist_and_are_components() {
        assert!(!super::all().is_empty());
        for (name, path) in super::all() {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
            assert_eq!(
                &bytes[..8],
                b"\0asm\x0d\x00\x01\x00",
                "{name} is not a component"
            );
        }
        assert!(super::MAINTAINX.ends_with("millwright_connector_maintainx.wasm"));
    }
}
