//! Shared by the bench binaries: CPU time, timing loops at a fixed concurrency, percentiles and
//! markdown tables. `fixture` starts the emulator and the host in-process.
//!
//! CPU time is the whole process's user + system time from `getrusage(RUSAGE_SELF)` (µs
//! resolution), read before and after each phase; it therefore includes every thread of the
//! process: the in-process emulator, the host and the load-generating client.
#![allow(dead_code)]

pub mod fixture;

/// The allocator the `millwright` binary uses (see `host/src/main.rs`), so the in-process host
/// runs as it does in production.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Process CPU time (user + system, all threads) from `getrusage(RUSAGE_SELF)`.
pub fn cpu_now() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage; RUSAGE_SELF is always a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Time this process's threads spent runnable but waiting for a CPU (second field of
/// `/proc/self/task/<tid>/schedstat`): the threads alive now plus the workers of
/// [`measure_threads`] that have exited. Zero without schedstat. CPU taken by other processes
/// shows up here, not in [`cpu_now`].
pub fn run_queue_wait() -> Duration {
    let alive: Duration = match std::fs::read_dir("/proc/self/task") {
        Ok(tasks) => tasks.filter_map(Result::ok).map(|t| schedstat(&t.path().join("schedstat"), 1)).sum(),
        Err(_) => Duration::ZERO,
    };
    alive + Duration::from_nanos(EXITED_WAIT_NS.load(Ordering::Relaxed))
}

/// CPU time of this process's live threads whose name starts with `prefix` (first field of
/// `/proc/self/task/<tid>/schedstat`; zero without schedstat): e.g. sqlx's SQLite worker
/// threads (`sqlx-sqlite-worker-N`, cut to 15 bytes by the kernel), to split a phase's CPU.
pub fn thread_cpu(prefix: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    tasks
        .filter_map(Result::ok)
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|name| name.starts_with(prefix)))
        .map(|t| schedstat(&t.path().join("schedstat"), 0))
        .sum()
}

/// Run-queue wait of [`measure_threads`] workers that have exited (their schedstat is gone).
static EXITED_WAIT_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Field `n` of a thread's schedstat: 0 is its time on a CPU, 1 its time waiting for one.
fn schedstat(path: &std::path::Path, n: usize) -> Duration {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Duration::from_nanos(text.split_whitespace().nth(n).and_then(|w| w.parse().ok()).unwrap_or(0))
}

/// One measured phase (possibly merged over several alternating rounds).
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub label: String,
    pub concurrency: usize,
    pub latencies: Vec<Duration>,
    pub wall: Duration,
    pub cpu: Duration,
}

impl Run {
    pub fn n(&self) -> usize {
        self.latencies.len()
    }
    /// Nearest-rank percentile (`p` in 0..=100).
    pub fn percentile(&self, p: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
        v[rank.min(v.len()) - 1]
    }
    pub fn median(&self) -> Duration {
        self.percentile(50.0)
    }
    pub fn p99(&self) -> Duration {
        self.percentile(99.0)
    }
    pub fn mean(&self) -> Duration {
        self.latencies.iter().sum::<Duration>() / self.n().max(1) as u32
    }
    /// Operations per second of wall time (all workers together).
    pub fn throughput(&self) -> f64 {
        self.n() as f64 / self.wall.as_secs_f64()
    }
    pub fn cpu_per_op(&self) -> Duration {
        self.cpu / self.n().max(1) as u32
    }
    /// Adds another round of the same phase.
    pub fn merge(&mut self, other: Run) {
        if self.label.is_empty() {
            self.label = other.label;
            self.concurrency = other.concurrency;
        }
        self.latencies.extend(other.latencies);
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
    /// `| case | conc | n | median | p99 | mean | ops/s | CPU/op |` cells.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.label.clone(),
            self.concurrency.to_string(),
            self.n().to_string(),
            us(self.median()),
            us(self.p99()),
            us(self.mean()),
            format!("{:.0}", self.throughput()),
            us(self.cpu_per_op()),
        ]
    }
}

pub const RUN_HEAD: [&str; 8] = ["case", "conc", "n", "median µs", "p99 µs", "mean µs", "ops/s", "CPU µs/op"];

pub fn us(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e6;
    if v < 100.0 { format!("{v:.1}") } else { format!("{v:.0}") }
}

pub fn ratio(x: f64) -> String {
    format!("{x:.2}×")
}

/// `n` sequential calls of `f` on this thread (after `warmup` unmeasured calls).
pub fn measure_sync(label: &str, warmup: usize, n: usize, mut f: impl FnMut()) -> Run {
    for _ in 0..warmup {
        f();
    }
    let mut latencies = Vec::with_capacity(n);
    let (cpu0, t0) = (cpu_now(), Instant::now());
    for _ in 0..n {
        let t = Instant::now();
        f();
        latencies.push(t.elapsed());
    }
    let (wall, cpu) = (t0.elapsed(), cpu_now() - cpu0);
    Run { label: label.into(), concurrency: 1, latencies, wall, cpu }
}

/// `n` calls of a blocking `f` spread over `conc` OS threads (each takes the next call until `n`
/// are done). No warm-up: call it once unmeasured first.
pub fn measure_threads(label: &str, conc: usize, n: usize, f: impl Fn() + Sync) -> Run {
    let next = AtomicUsize::new(0);
    let (cpu0, t0) = (cpu_now(), Instant::now());
    let latencies = std::thread::scope(|s| {
        let workers: Vec<_> = (0..conc)
            .map(|_| {
                s.spawn(|| {
                    let mut lat = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < n {
                        let t = Instant::now();
                        f();
                        lat.push(t.elapsed());
                    }
                    let own = schedstat(std::path::Path::new("/proc/thread-self/schedstat"), 1);
                    EXITED_WAIT_NS.fetch_add(own.as_nanos() as u64, Ordering::Relaxed);
                    lat
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let (wall, cpu) = (t0.elapsed(), cpu_now() - cpu0);
    Run { label: label.into(), concurrency: conc, latencies, wall, cpu }
}

/// `n` calls of the async `f` from `conc` spawned tasks on the current tokio runtime.
pub async fn measure_async<F, Fut>(label: &str, conc: usize, n: usize, f: F) -> Run
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let (cpu0, t0) = (cpu_now(), Instant::now());
    let tasks: Vec<_> = (0..conc)
        .map(|_| {
            let (f, next) = (f.clone(), next.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let t = Instant::now();
                    f().await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await.expect("bench task"));
    }
    let (wall, cpu) = (t0.elapsed(), cpu_now() - cpu0);
    Run { label: label.into(), concurrency: conc, latencies, wall, cpu }
}

/// A markdown table, printed for pasting into BENCHMARKS.md.
pub struct Table {
    title: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, head: &[&str]) -> Table {
        Table { title: title.into(), head: head.iter().map(|h| h.to_string()).collect(), rows: vec![] }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn print(&self) {
        println!("\n#### {}\n", self.title);
        println!("| {} |", self.head.join(" | "));
        println!("|{}", "---|".repeat(self.head.len()));
        for r in &self.rows {
            println!("| {} |", r.join(" | "));
        }
        println!();
    }
}

/// Alternating rounds per comparison: each side runs `n / ROUNDS` calls per round, so drift
/// in machine speed hits baseline and candidate alike.
pub const ROUNDS: usize = 10;

/// Machine line printed above the tables; starts the noise accounting of [`print_load`].
pub fn print_machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("?").trim();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("machine: {cores} cores available, CPU `{model}`; CPU time = getrusage(RUSAGE_SELF) user+sys, whole process");
    let _ = START.set((machine_ticks(), cpu_now(), Instant::now()));
    print_load();
}

static START: std::sync::OnceLock<((u64, u64), Duration, Instant)> = std::sync::OnceLock::new();

/// Machine-wide (busy, steal) clock ticks from the `cpu` line of /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    (at(0) + at(1) + at(2) + at(5) + at(6), at(7))
}

/// `/proc/loadavg`, and since [`print_machine`]: CPU seconds other processes used (machine busy
/// time minus this process's) and steal time. Other work on the 2 cores skews absolute numbers.
pub fn print_load() {
    print!("loadavg: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
    if let Some(((busy0, steal0), own0, t0)) = START.get() {
        let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let (busy, steal) = machine_ticks();
        let own = (cpu_now() - *own0).as_secs_f64();
        let others = ((busy - busy0) as f64 / tick - own).max(0.0);
        print!("; since start {:.0} s: this process {own:.1} CPU s, other processes ≈ {others:.1} CPU s, steal {:.1} s", t0.elapsed().as_secs_f64(), (steal - steal0) as f64 / tick);
    }
    println!();
}

/// Reads an env override (e.g. `MW_BENCH_N=200` for a quick smoke run).
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
