//! One module per subcommand: a clap `Args` struct and `run(args) -> anyhow::Result<()>`.

pub mod analyze;
pub mod bench;
pub mod cluster;
pub mod convert;
pub mod forces;
pub mod info;
pub mod kmc;
pub mod md;
pub mod process;
pub mod run;
pub mod surface;
pub mod sweep;
