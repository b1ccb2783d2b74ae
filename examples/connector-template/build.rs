//! Starts the component's linear memory at the connector's working set (see the README's
//! "Memory"): the host shrinks each recycled instance slot back to the declared initial size,
//! and every shrink interrupts all the host's CPUs. Raise it if one call of yours needs more.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--initial-memory={}", 4 << 20);
    }
}
