//! `millwright sandbox`: the vendor emulators on their own.

use anyhow::Result;
use clap::Args;
use millwright_sandbox::{Sandbox, SandboxConfig};

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
}

pub async fn run(args: SandboxArgs) -> Result<()> {
    let config = SandboxConfig { seed: args.seed, work_orders: args.work_orders, ..Default::default() };
    let keys = config.maintainx_api_keys.clone();
    let sandbox = Sandbox::bind(&args.listen, config).await?;
    println!("MaintainX emulator: {}", sandbox.maintainx_base_url());
    println!("API key(s): {}", keys.join(", "));
    println!("Faults: GET/PUT http://{}/_sandbox/faults", sandbox.addr());
    super::serve::shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(())
}
