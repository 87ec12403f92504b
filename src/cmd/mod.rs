//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod cluster;
pub mod heal;
pub mod node;
pub mod report;
pub mod run;
pub mod serve;
