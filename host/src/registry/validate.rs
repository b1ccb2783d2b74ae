//! Install-time validation: what a module must be before it is stored or loaded.
//!
//! In order, each failure naming the problem: WebAssembly component (not a core module) → it
//! compiles → its `millwright:connector/*` imports are a semver-compatible `0.1.x` → every
//! import is one of the world's (plus WASI 0.2) → it exports the `connector` world → `describe`
//! answers (no trap) with an id and a version → every entity's default rules compile.

use std::collections::HashMap;
use std::sync::Arc;

use millwright_mapping::Mapping;
use millwright_model::Entity;
use wasmtime::component::Component;

use super::ActiveModule;
use super::limits::LimitOverrides;
use crate::runtime::Runtime;
use crate::runtime::bindings::WIT_VERSION;
use crate::runtime::compile::digest;

/// The interfaces of our package a connector may import.
const WORLD_INTERFACES: &[&str] = &["types", "log", "session-cache"];
/// The WASI 0.2 packages the host links (with an empty context).
const WASI_PACKAGES: &[&str] = &["cli", "clocks", "filesystem", "http", "io", "random", "sockets"];
/// What the `connector` world exports.
const WORLD_EXPORTS: &[&str] = &["describe", "check", "list", "get", "create", "update", "passthrough"];

/// Validates `bytes` and loads the module (default limits, no approved hosts). The error is the
/// operator-facing reason.
pub async fn validate(runtime: &Runtime, bytes: Vec<u8>) -> Result<ActiveModule, String> {
    check_header(&bytes)?;
    let digest = digest(&bytes);
    let component = runtime.compile(Arc::new(bytes)).await.map_err(|e| format!("not a valid WebAssembly component: {e:#}"))?;
    check_interfaces(runtime, &component)?;
    let module = runtime.prepare(digest, component).await.map_err(|e| format!("{e:#}"))?;
    let info = &module.info;
    if info.id.is_empty() || !info.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err(format!("`describe` gave the connector id `{}`; ids are lowercase letters, digits, `-` and `_`", info.id));
    }
    if info.version.trim().is_empty() || info.version.len() > 64 {
        return Err("`describe` gave no usable version string".into());
    }
    let mut defaults = HashMap::new();
    for support in &info.entities {
        let entity: Entity = support.entity.into();
        let rules = millwright_mapping::compile_str(entity, &support.default_rules).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("invalid default rules for {}: {}", entity.name(), list.join("; "))
        })?;
        let mapping = Arc::new(Mapping::new(entity, &rules, None));
        defaults.insert(entity, (rules, mapping));
    }
    let limits = runtime.limits().clone();
    let mut module = module;
    module.limits = limits;
    Ok(ActiveModule { module, defaults, overrides: LimitOverrides::default(), approved_hosts: vec![] })
}

/// A component starts with `\0asm`, version 0x0d, layer 1; a core module has version 1.
fn check_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err("not WebAssembly: the bytes do not start with the `\\0asm` magic".into());
    }
    match bytes[4..8] {
        [0x0d, 0x00, 0x01, 0x00] => Ok(()),
        [0x01, 0x00, 0x00, 0x00] => Err("a core WebAssembly module, not a component: build the connector for wasm32-wasip2 \
                                         (or wrap the module with `wasm-tools component new`)"
            .into()),
        _ => Err(format!("an unknown WebAssembly encoding (header {:02x?}), not a component", &bytes[4..8])),
    }
}

/// Imports: our interfaces at a compatible version, WASI 0.2, nothing else. Exports: the world.
fn check_interfaces(runtime: &Runtime, component: &Component) -> Result<(), String> {
    let ty = component.component_type();
    for (name, _) in ty.imports(runtime.engine()) {
        check_import(name)?;
    }
    let exports: Vec<&str> = ty.exports(runtime.engine()).map(|(name, _)| name).collect();
    let missing: Vec<&str> = WORLD_EXPORTS.iter().copied().filter(|e| !exports.contains(e)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "the component does not export the millwright:connector@0.1 `connector` world (missing: {})",
            missing.join(", ")
        ));
    }
    Ok(())
}

/// `millwright:connector/log@0.1.3` or `wasi:io/streams@0.2.12`.
fn check_import(name: &str) -> Result<(), String> {
    let (path, version) = name.split_once('@').unwrap_or((name, ""));
    let (package, interface) = path.split_once('/').unwrap_or((path, ""));
    match package {
        "millwright:connector" => {
            if !compatible(version, 0, 1) {
                return Err(format!(
                    "unsupported WIT version: the component imports `{name}`; this host implements millwright:connector@{WIT_VERSION} \
                     and accepts 0.1.x"
                ));
            }
            if !WORLD_INTERFACES.contains(&interface) {
                return Err(format!("the component imports `{name}`, which is not part of the connector world"));
            }
            Ok(())
        }
        p if p.strip_prefix("wasi:").is_some_and(|w| WASI_PACKAGES.contains(&w)) && compatible(version, 0, 2) => Ok(()),
        _ => Err(format!("the component imports `{name}`, outside the connector world's imports and WASI 0.2")),
    }
}

/// Semver-compatible with `major.minor` for a 0.x package: same major and minor.
fn compatible(version: &str, major: u64, minor: u64) -> bool {
    let mut parts = version.split('.');
    let (Some(a), Some(b), Some(c)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let patch = c.split(['-', '+']).next().unwrap_or("");
    a.parse() == Ok(major) && b.parse() == Ok(minor) && patch.parse::<u64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_and_versions() {
        assert!(check_import("millwright:connector/types@0.1.0").is_ok());
        assert!(check_import("millwright:connector/log@0.1.7").is_ok());
        assert!(check_import("wasi:io/streams@0.2.12").is_ok());
        assert!(check_import("millwright:connector/types@0.2.0").unwrap_err().contains("unsupported WIT version"));
        assert!(check_import("millwright:connector/types@1.1.0").unwrap_err().contains("unsupported WIT version"));
        assert!(check_import("millwright:connector/net@0.1.0").unwrap_err().contains("not part of the connector world"));
        assert!(check_import("wasi:io/streams@0.3.0").unwrap_err().contains("outside"));
        assert!(check_import("wasi:nn/graph@0.2.0").unwrap_err().contains("outside"));
        assert!(check_import("evil:cli/environment@0.2.0").unwrap_err().contains("outside"));
    }

    #[test]
    fn headers() {
        assert!(check_header(b"\0asm\x0d\x00\x01\x00rest").is_ok());
        assert!(check_header(b"\0asm\x01\x00\x00\x00").unwrap_err().contains("core WebAssembly module"));
        assert!(check_header(b"PK\x03\x04zip").unwrap_err().contains("not WebAssembly"));
    }
}
