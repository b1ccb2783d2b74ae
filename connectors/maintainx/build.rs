//! The component's linear memory starts at its working set, so a typical call never grows it.
//!
//! The host's pooling allocator gives each call a fresh instance in a recycled slot and, at
//! instantiation, shrinks the slot's accessible memory back to the module's declared initial size
//! (`mprotect`). Taking access away forces a TLB shootdown on every other CPU running the host,
//! an inter-processor interrupt that on a virtual machine costs tens to hundreds of microseconds
//! when the other vCPU is not running. A list of 100 work orders grew this connector's memory
//! from 1.1 MiB to 1.4 MiB in four steps, so every call paid for one; 4 MiB covers a page of 200
//! (the connector's maximum). Pages a call never touches stay unbacked: address space, not memory.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--initial-memory={}", 4 << 20);
    }
}
