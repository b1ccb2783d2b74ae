//! Compiling components once per content digest, off the request path, with an on-disk cache
//! of compiled artifacts keyed by digest and the engine's compatibility hash.
//!
//! Invariant: only artifacts this cache wrote are ever deserialized, and only when both the
//! digest of the source bytes and the engine hash match; anything else is recompiled.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// SHA-256 of a module's bytes, lowercase hex: the module's identity everywhere.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct CompileCache {
    engine: Engine,
    dir: Option<PathBuf>,
    engine_hash: String,
    pub compiled: AtomicU64,
    pub cache_hits: AtomicU64,
}

impl CompileCache {
    pub fn new(engine: Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = format!("{:016x}", hasher.finish());
        CompileCache { engine, dir, engine_hash, compiled: AtomicU64::new(0), cache_hits: AtomicU64::new(0) }
    }

    /// The component for these bytes: from the cache when a matching artifact exists, compiled
    /// on a blocking thread otherwise (and then cached).
    pub async fn component(&self, bytes: std::sync::Arc<Vec<u8>>) -> Result<Component> {
        let digest = digest(&bytes);
        let path = self.dir.as_ref().map(|d| d.join(format!("{digest}-{}.cwasm", self.engine_hash)));
        if let Some(path) = &path
            && path.exists()
        {
            let engine = self.engine.clone();
            let artifact = path.clone();
            // SAFETY: the file was written by `Component::serialize` of this cache, named by the
            // digest of its source and the engine's compatibility hash.
            let loaded = tokio::task::spawn_blocking(move || unsafe { Component::deserialize_file(&engine, &artifact) }).await?;
            match loaded {
                Ok(component) => {
                    self.cache_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(component);
                }
                Err(e) => tracing::warn!(error = %e, "discarding unusable compiled artifact"),
            }
        }
        let engine = self.engine.clone();
        let component = tokio::task::spawn_blocking(move || Component::new(&engine, &*bytes))
            .await?
            .map_err(|e| anyhow::anyhow!("{e:#}"))
            .context("not a valid WebAssembly component")?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        if let Some(path) = path {
            if let Err(e) = write_artifact(&component, &path) {
                tracing::warn!(error = %e, path = %path.display(), "could not cache compiled artifact");
            }
        }
        Ok(component)
    }
}

fn write_artifact(component: &Component, path: &std::path::Path) -> Result<()> {
    let bytes = component.serialize().map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
