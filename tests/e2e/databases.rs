//! Test databases: a SQLite file in a temporary directory, or a fresh PostgreSQL database cloned
//! from a migrated template (DESIGN.md's test strategy). PostgreSQL is at
//! `MILLWRIGHT_TEST_POSTGRES_URL` (default: the build machines' local server, trust auth).

use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub fn postgres_server() -> String {
    std::env::var("MILLWRIGHT_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A migrated, empty PostgreSQL database of its own; dropped when the guard is dropped.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = format!("{}/postgres", postgres_server());
        let name = self.name.clone();
        // Best effort, on a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

pub async fn fresh_postgres() -> PgDatabase {
    let server = postgres_server();
    let mut admin = PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {server} (set MILLWRIGHT_TEST_POSTGRES_URL): {e}"));
    let template = template_name();
    // One creator of the template at a time, across test threads and processes.
    sqlx::query("SELECT pg_advisory_lock(7345001)").execute(&mut admin).await.unwrap();
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1").bind(&template).fetch_optional(&mut admin).await.unwrap();
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE \"{template}\"")).execute(&mut admin).await.unwrap();
        let store = millwright::store::Store::connect(&format!("{server}/{template}")).await.expect("migrations run on PostgreSQL");
        store.close().await;
    }
    let name = format!("mw_test_{}", uuid::Uuid::now_v7().simple());
    let created = sqlx::query(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).execute(&mut admin).await;
    sqlx::query("SELECT pg_advisory_unlock(7345001)").execute(&mut admin).await.unwrap();
    created.unwrap();
    PgDatabase { url: format!("{server}/{name}"), name }
}

/// Named after the migrations' content, so a schema change gets a new template.
fn template_name() -> String {
    let mut h = Sha256::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        h.update(std::fs::read(f).unwrap());
    }
    let digest = h.finalize();
    format!("mw_template_{}", digest.iter().take(6).map(|b| format!("{b:02x}")).collect::<String>())
}
