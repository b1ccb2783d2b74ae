//! The connectors built from `connectors/`, embedded in the binary and installed on first start.

pub fn modules() -> Vec<&'static [u8]> {
    vec![millwright_artifacts::MAINTAINX_BYTES]
}
