//! Request-body validation for writes, producing MaintainX's `{"errors": [...]}` with the
//! offending `fieldPath` and `fieldValue`. All problems of a body are reported at once, the
//! way MaintainX's schema validator does; unknown properties are ignored.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::data::parse_time;
use super::errors::{FieldError, MxError};

/// Parses a body that must be a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, MxError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(MxError::fields(vec![FieldError::new(
            "Request body should be an object",
        )])),
        Err(e) => Err(MxError::fields(vec![FieldError::new(format!(
            "Invalid JSON body: {e}"
        ))])),
    }
}

/// A field read: absent, explicitly null, or a value.
pub type Field<T> = Option<Option<T>>;

pub struct Body<'a> {
    obj: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Body<'a> {
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Body {
            obj,
            errors: Vec::new(),
        }
    }

    pub fn fail(&mut self, msg: impl Into<String>, path: &str, value: Option<&Value>) {
        self.errors.push(FieldError::at(msg, path, value));
    }

    pub fn raw(&self, k: &str) -> Option<&'a Value> {
        self.obj.get(k)
    }

    /// Common shape of every typed read: absent, null (allowed or not), or converted.
    fn read<T>(
        &mut self,
        k: &str,
        nullable: bool,
        what: &str,
        conv: impl Fn(&Value) -> Option<T>,
    ) -> Field<T> {
        let v = self.obj.get(k)?;
        if v.is_null() {
            if !nullable {
                self.fail(format!("should be {what}"), k, Some(v));
            }
            return Some(None);
        }
        match conv(v) {
            Some(t) => Some(Some(t)),
            None => {
                self.fail(format!("should be {what}"), k, Some(v));
                None
            }
        }
    }

    pub fn require(&mut self, k: &str) {
        if !self.obj.contains_key(k) {
            self.fail(format!("should have required property '{k}'"), k, None);
        }
    }

    pub fn string(&mut self, k: &str, nullable: bool) -> Field<String> {
        self.read(k, nullable, "string", |v| v.as_str().map(str::to_string))
    }

    /// A non-empty string (titles).
    pub fn text(&mut self, k: &str) -> Option<String> {
        let s = self.string(k, false).flatten()?;
        if s.trim().is_empty() {
            self.fail(
                "should NOT be shorter than 1 characters",
                k,
                self.obj.get(k),
            );
            return None;
        }
        Some(s)
    }

    pub fn integer(&mut self, k: &str, nullable: bool) -> Field<i64> {
        self.read(k, nullable, "integer", |v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
        })
    }

    pub fn id(&mut self, k: &str, nullable: bool) -> Field<u64> {
        self.read(k, nullable, "integer", |v| {
            v.as_u64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
        })
    }

    pub fn datetime(&mut self, k: &str, nullable: bool) -> Field<i64> {
        self.read(k, nullable, "a date-time string", |v| {
            v.as_str().and_then(parse_time)
        })
    }

    /// A string from the spec's enum; MaintainX answers "Invalid <field>".
    pub fn enumerated(&mut self, k: &str, allowed: &[&str]) -> Option<String> {
        let v = self.obj.get(k)?;
        match v.as_str().filter(|s| allowed.contains(s)) {
            Some(s) => Some(s.to_string()),
            None => {
                self.fail(format!("Invalid {k}"), k, Some(v));
                None
            }
        }
    }

    pub fn array(&mut self, k: &str) -> Option<&'a Vec<Value>> {
        let v = self.obj.get(k)?;
        let arr = v.as_array();
        if arr.is_none() {
            self.fail("should be array", k, Some(v));
        }
        arr
    }

    pub fn strings(&mut self, k: &str) -> Option<Vec<String>> {
        let arr = self.array(k)?;
        let mut out = Vec::new();
        for (n, v) in arr.iter().enumerate() {
            match v.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.fail("should be string", &format!("{k}[{n}]"), Some(v)),
            }
        }
        Some(out)
    }

    pub fn ids(&mut self, k: &str) -> Option<Vec<u64>> {
        let arr = self.array(k)?;
        let mut out = Vec::new();
        for (n, v) in arr.iter().enumerate() {
            match v.as_u64() {
                Some(id) => out.push(id),
                None => self.fail("should be number", &format!("{k}[{n}]"), Some(v)),
            }
        }
        Some(out)
    }

    /// `extraFields`: an object whose values are strings (keys are custom-field labels).
    pub fn string_map(&mut self, k: &str) -> Option<BTreeMap<String, String>> {
        let v = self.obj.get(k)?;
        let Some(m) = v.as_object() else {
            self.fail("should be object", k, Some(v));
            return None;
        };
        let mut out = BTreeMap::new();
        for (label, val) in m {
            match val.as_str() {
                Some(s) => {
                    out.insert(label.clone(), s.to_string());
                }
                None => self.fail("should be string", &format!("{k}.{label}"), Some(val)),
            }
        }
        Some(out)
    }

    pub fn finish(self) -> Result<(), MxError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(MxError::fields(self.errors))
        }
    }
}
