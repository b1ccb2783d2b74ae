//! `millwright sandbox`: the vendor emulators on their own.

use anyhow::Result;
use clap::Args;
use millwright_sandbox::{FaultConfig, Sandbox, SandboxConfig};

#[derive(Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback by default: the emulators accept a fixed demo key).
    #[arg(long, default_value = "127.0.0.1:9090")]
    pub listen: String,
    /// Work orders to generate (10 to 1,000,000); other entities scale with it.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub work_orders: u64,
    /// Seed of the generated data (same seed, same data).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Latency added to every vendor request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction of vendor requests answered with a 5xx (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Requests per minute per API key before 429s (MaintainX's default is 100).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Seed a customised plant: work orders get the plant's own status codes and an
    /// epoch-seconds date in their extra fields (to try per-connection field mappings).
    #[arg(long)]
    pub plant_custom_fields: bool,
    /// Print the addresses as one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: SandboxArgs) -> Result<()> {
    anyhow::ensure!((0.0..=1.0).contains(&args.error_rate), "--error-rate must be between 0 and 1");
    let faults = FaultConfig { latency_ms: args.latency_ms, error_rate: args.error_rate, rate_limit: args.rate_limit, ..Default::default() };
    let config = SandboxConfig { seed: args.seed, work_orders: args.work_orders, faults, plant_custom_fields: args.plant_custom_fields, ..Default::default() };
    let keys = config.maintainx_api_keys.clone();
    let sandbox = Sandbox::bind(&args.listen, config).await?;
    let faults_url = format!("http://{}/_sandbox/faults", sandbox.addr());
    if args.json {
        println!("{}", serde_json::json!({ "maintainx_base_url": sandbox.maintainx_base_url(), "api_keys": keys, "faults_url": faults_url }));
    } else {
        println!("MaintainX emulator: {}", sandbox.maintainx_base_url());
        println!("API key(s): {}", keys.join(", "));
        println!("Faults (change at run time): GET/PUT {faults_url}");
    }
    super::serve::shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(())
}
