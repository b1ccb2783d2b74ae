//! The connection-scoped session cache (UpKeep session tokens, SAP CSRF tokens). Values may
//! disappear at any time: always be able to re-create them.
//!
//! On wasm32 this is the host's `session-cache` import. Natively it is a thread-local map
//! honouring the TTL, so connector tests behave the same way ([`clear`] resets it).

/// The cached value, if present and not expired.
pub fn get(key: &str) -> Option<String> {
    imp::get(key)
}

/// Stores a value for `ttl_seconds`.
pub fn set(key: &str, value: &str, ttl_seconds: u32) {
    imp::set(key, value, ttl_seconds)
}

pub fn delete(key: &str) {
    imp::delete(key)
}

/// Returns the cached value, or computes, caches and returns it.
pub fn get_or_try_insert<E>(
    key: &str,
    ttl_seconds: u32,
    make: impl FnOnce() -> Result<String, E>,
) -> Result<String, E> {
    if let Some(v) = get(key) {
        return Ok(v);
    }
    let v = make()?;
    set(key, &v, ttl_seconds);
    Ok(v)
}

/// Empties the native cache (no-op on wasm32, where the host owns it).
pub fn clear() {
    #[cfg(not(target_arch = "wasm32"))]
    imp::CACHE.with(|c| c.borrow_mut().clear());
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use crate::bindings::millwright::connector::session_cache;

    pub fn get(key: &str) -> Option<String> {
        session_cache::get(key)
    }
    pub fn set(key: &str, value: &str, ttl_seconds: u32) {
        session_cache::set(key, value, ttl_seconds)
    }
    pub fn delete(key: &str) {
        session_cache::delete(key)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    thread_local! {
        pub(super) static CACHE: RefCell<HashMap<String, (String, Instant)>> = RefCell::new(HashMap::new());
    }

    pub fn get(key: &str) -> Option<String> {
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            match c.get(key) {
                Some((v, deadline)) if Instant::now() < *deadline => Some(v.clone()),
                Some(_) => {
                    c.remove(key);
                    None
                }
                None => None,
            }
        })
    }
    pub fn set(key: &str, value: &str, ttl_seconds: u32) {
        let deadline = Instant::now() + Duration::from_secs(u64::from(ttl_seconds));
        CACHE.with(|c| {
            c.borrow_mut()
                .insert(key.to_owned(), (value.to_owned(), deadline))
        });
    }
    pub fn delete(key: &str) {
        CACHE.with(|c| c.borrow_mut().remove(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_delete() {
        clear();
        set("a", "1", 60);
        assert_eq!(get("a").as_deref(), Some("1"));
        set("b", "2", 0);
        assert_eq!(get("b"), None, "a zero TTL expires at once");
        delete("a");
        assert_eq!(get("a"), None);
        let v: Result<String, ()> = get_or_try_insert("c", 60, || Ok("3".into()));
        assert_eq!(v.unwrap(), "3");
        let v: Result<String, ()> = get_or_try_insert("c", 60, || Err(()));
        assert_eq!(v.unwrap(), "3");
    }
}
