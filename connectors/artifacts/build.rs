//! Builds the guest components with a nested cargo (see the crate docs).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET: &str = "wasm32-wasip2";

/// (constant name, short name, package, crate directory relative to the workspace root)
const GUESTS: &[(&str, &str, &str, &str)] = &[
    (
        "MAINTAINX",
        "maintainx",
        "millwright-connector-maintainx",
        "connectors/maintainx",
    ),
    (
        "HOSTILE",
        "hostile",
        "millwright-hostile-connector",
        "tests/guests/hostile",
    ),
    (
        "MAPPER_V1",
        "mapper-v1",
        "millwright-test-mapper-v1",
        "tests/guests/mapper-v1",
    ),
    (
        "MAPPER_V2",
        "mapper-v2",
        "millwright-test-mapper-v2",
        "tests/guests/mapper-v2",
    ),
    (
        "OAUTH",
        "oauth",
        "millwright-oauth-test-connector",
        "tests/guests/oauth",
    ),
    (
        "TEMPLATE",
        "template",
        "millwright-connector-template",
        "examples/connector-template",
    ),
    (
        "PROBE",
        "probe",
        "millwright-registry-probe",
        "tests/guests/registry-probe",
    ),
];

/// Second builds of a guest, kept beside the plain build as `<crate>_<suffix>.wasm`: (constant
/// name, short name, package, features, extra `--config` values, suffix). Tests and benchmarks
/// only: version 2 of MaintainX for hot swaps, the same unoptimised (~2 MB of code) for the
/// registry benchmark, a probe whose `describe` traps.
const VARIANTS: &[(&str, &str, &str, &str, &[&str], &str)] = &[
    ("MAINTAINX_V2", "maintainx-v2", "millwright-connector-maintainx", "v2", &[], "v2"),
    ("MAINTAINX_V2_O0", "maintainx-v2-o0", "millwright-connector-maintainx", "v2", &["profile.release.opt-level=0"], "v2_o0"),
    ("PROBE_TRAP", "probe-trap", "millwright-registry-probe", "trap", &[], "trap"),
];

/// Directories and files (relative to the workspace root) the guests are built from, besides
/// the guest crates themselves.
const INPUTS: &[&str] = &[
    "wit",
    "connectors/sdk/src",
    "connectors/sdk/Cargo.toml",
    "connectors/model/src",
    "connectors/model/Cargo.toml",
    "tests/guests/mapper-common",
    "Cargo.toml",
    "Cargo.lock",
];

/// Environment variables of the outer build that must not reach the nested cargo.
const SCRUB: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_RUSTDOCFLAGS",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "OUT_DIR",
    "TARGET",
    "HOST",
    "PROFILE",
    "OPT_LEVEL",
    "DEBUG",
    "NUM_JOBS",
    "RUSTC_LINKER",
];

/// Prefixes of outer-build variables to scrub (profile overrides, cfgs, features, per-target
/// settings, package metadata).
const SCRUB_PREFIXES: &[&str] = &[
    "CARGO_PROFILE_",
    "CARGO_CFG_",
    "CARGO_FEATURE_",
    "CARGO_PKG_",
    "CARGO_TARGET_",
    "CARGO_BUILD_",
    "DEP_",
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let target_dir = workspace.join("target").join("guests");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    let guests: Vec<_> = GUESTS
        .iter()
        .filter(|(_, _, _, dir)| workspace.join(dir).join("Cargo.toml").exists())
        .collect();

    println!("cargo:rerun-if-changed=build.rs");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }
    for (_, _, _, dir) in GUESTS {
        // Watch every candidate's whole directory (sources, manifest, rules, a build script added
        // later), and the parent of one not there yet, so a newly added guest crate triggers a
        // rebuild.
        let dir = workspace.join(dir);
        if dir.exists() {
            println!("cargo:rerun-if-changed={}", dir.display());
        } else {
            println!("cargo:rerun-if-changed={}", dir.parent().unwrap().display());
        }
    }

    check_target_installed();

    let release = target_dir.join(TARGET).join("release");
    let wasm_of = |package: &str| release.join(format!("{}.wasm", package.replace('-', "_")));
    // Variants first: the plain build after them links each crate's plain output again.
    let mut variants: Vec<(&str, &str, String, PathBuf)> = Vec::new();
    for &(konst, short, package, feature, configs, suffix) in VARIANTS {
        if !guests.iter().any(|g| g.2 == package) {
            continue;
        }
        nested_build(&workspace, &target_dir, &[package], Some(&format!("{package}/{feature}")), configs);
        let variant = release.join(format!("{}_{suffix}.wasm", package.replace('-', "_")));
        fs::copy(wasm_of(package), &variant).expect("copy the variant build");
        variants.push((konst, short, format!("{package} --features {feature} {}", configs.join(" ")), variant));
    }
    let packages: Vec<&str> = guests.iter().map(|g| g.2).collect();
    nested_build(&workspace, &target_dir, &packages, None, &[]);
    let mut outputs: Vec<(&str, &str, String, PathBuf)> =
        guests.iter().map(|&&(konst, short, package, _)| (konst, short, package.to_string(), wasm_of(package))).collect();
    outputs.extend(variants);

    let wasm_tools = Command::new("wasm-tools")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut code = String::from("// Generated by millwright-artifacts' build script.\n\n");
    let mut all = String::new();
    for (konst, short, package, file) in &outputs {
        check_component(file, wasm_tools);
        let size = fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let path = file.to_str().expect("UTF-8 path");
        writeln!(
            code,
            "/// `{package}` ({size} bytes when built).\npub const {konst}: &str = {path:?};"
        )
        .unwrap();
        writeln!(code, "/// Size in bytes of [`{konst}`] when it was built.\npub const {konst}_SIZE: u64 = {size};\n").unwrap();
        // The bytes themselves, for binaries that embed the built-in connectors (unreferenced
        // ones are dropped by the linker).
        writeln!(code, "/// The bytes of [`{konst}`], embedded.\npub static {konst}_BYTES: &[u8] = include_bytes!({path:?});\n").unwrap();
        write!(all, "(\"{short}\", {konst}), ").unwrap();
    }
    writeln!(
        code,
        "/// Every guest component: (short name, absolute path of the `.wasm`).\n\
         pub fn all() -> &'static [(&'static str, &'static str)] {{\n    &[{all}]\n}}"
    )
    .unwrap();
    fs::write(out_dir.join("artifacts.rs"), code).unwrap();
}

/// `cargo build --release --target wasm32-wasip2` of `packages` into `target_dir`, the outer
/// build's environment scrubbed.
fn nested_build(workspace: &Path, target_dir: &Path, packages: &[&str], features: Option<&str>, configs: &[&str]) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        // Guests only: drop symbols and debug info from the components (the profile is shared
        // with the host, whose release binary keeps its symbols).
        .arg("--config")
        .arg("profile.release.strip=true")
        // Guests only: whole-program optimisation (smaller, faster guest code, less to link
        // per instance); panics already abort on wasm32-wasip2.
        .args(["--config", "profile.release.lto=true"])
        .args(["--config", "profile.release.codegen-units=1"]);
    for package in packages {
        cmd.arg("-p").arg(package);
    }
    if let Some(features) = features {
        cmd.arg("--features").arg(features);
    }
    for config in configs {
        cmd.arg("--config").arg(config);
    }
    // Be as parallel as the outer build was asked to be (its jobserver is not passed on).
    if let Ok(jobs) = env::var("NUM_JOBS") {
        cmd.arg("-j").arg(jobs);
    }
    for var in SCRUB {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars_os() {
        if let Some(k) = key.to_str()
            && SCRUB_PREFIXES.iter().any(|p| k.starts_with(p))
        {
            cmd.env_remove(k);
        }
    }
    // The nested cargo's stdout would be read as build-script directives: keep it out.
    cmd.stdout(Stdio::null()).stderr(Stdio::inherit());

    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("failed to run {cargo}: {e}"));
    if !status.success() {
        panic!(
            "building the guest components failed ({status}); see the cargo output above, or run:\n  \
             cargo build --release --target {TARGET} --target-dir {} {}{}",
            target_dir.display(),
            packages.iter().map(|p| format!("-p {p}")).collect::<Vec<_>>().join(" "),
            features.map(|f| format!(" --features {f}")).unwrap_or_default(),
        );
    }
}

fn check_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output();
    let installed = match out {
        Ok(o) if o.status.success() => {
            let dir = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            Path::new(&dir).is_dir()
                && fs::read_dir(&dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false)
        }
        _ => false,
    };
    if !installed {
        panic!(
            "\n\nThe `{TARGET}` Rust target is not installed; the guest components cannot be built.\n\
             run `rustup target add {TARGET}`\n\n"
        );
    }
}

/// The file must be a WebAssembly component (not a core module): magic `\0asm`, version 0x0d,
/// layer 1. With `wasm-tools` on the PATH, it is also validated.
fn check_component(file: &Path, wasm_tools: bool) {
    let bytes =
        fs::read(file).unwrap_or_else(|e| panic!("guest not built: {}: {e}", file.display()));
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        panic!("{} is not WebAssembly", file.display());
    }
    if bytes[4..8] != [0x0d, 0x00, 0x01, 0x00] {
        panic!(
            "{} is a core module, not a component (header {:02x?}); wasm32-wasip2 cdylibs are components since Rust 1.82",
            file.display(),
            &bytes[4..8]
        );
    }
    if wasm_tools {
        let out = Command::new("wasm-tools")
            .arg("validate")
            .arg(file)
            .output()
            .expect("wasm-tools");
        if !out.status.success() {
            panic!(
                "wasm-tools validate {} failed:\n{}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
