// A mapping plugin for the host's tests, included by `mapper-v1` and `mapper-v2` (each defines
// `VERSION`), so a test can attach one and then replace it with the other while requests run.
//
// What it does with a record (things the rule language cannot express):
// - `custom_fields.plugin` = `VERSION`, `custom_fields.source_keys` = the number of top-level
//   keys of the source record;
// - version 2 also upper-cases the title;
// - a record whose title contains `[refuse]` is refused (the host keeps the rules' output and
//   adds a mapping warning).

wit_bindgen::generate!({
    path: "../../../wit",
    world: "mapper",
});

use serde_json::{Value, json};

struct Plugin;

impl Guest for Plugin {
    fn map(_entity: millwright::connector::types::Entity, unified: String, source: String) -> Result<String, String> {
        let mut record: Value = serde_json::from_str(&unified).map_err(|e| format!("unified JSON: {e}"))?;
        let source: Value = serde_json::from_str(&source).map_err(|e| format!("source JSON: {e}"))?;
        let title = record["title"].as_str().unwrap_or_default().to_string();
        if title.contains("[refuse]") {
            return Err(format!("{VERSION} refuses records titled {title:?}"));
        }
        if VERSION == "v2" {
            record["title"] = json!(title.to_uppercase());
        }
        let keys = source.as_object().map_or(0, |o| o.len());
        let custom = record["custom_fields"].as_object_mut().ok_or("custom_fields is not an object")?;
        custom.insert("plugin".into(), json!(VERSION));
        custom.insert("source_keys".into(), json!(keys));
        Ok(record.to_string())
    }
}

export!(Plugin);
