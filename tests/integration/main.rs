//! The harness's integration tests, as one test binary: each module is
//! one area (a workload's runs, the check CLI, reports, ...) and they share
//! the support modules below. One binary links once instead of once per
//! area, and its tests share both cores: a long serial module (the bug
//! detection runs) no longer leaves a core idle while it runs.
//!
//! Run one area with `cargo test --test integration run_e2e::`.

#[path = "../report_support/mod.rs"]
mod report_support;
#[path = "../requirements/mod.rs"]
mod requirements;
#[path = "../run_support/mod.rs"]
mod run_support;

mod bank_run;
mod bench_soak;
mod bug_detection;
mod bugs_e2e;
mod cache_run;
mod check_cli;
mod ci_action;
mod cluster_up;
mod etcd_cluster_up;
mod etcd_run;
mod gossip_run;
mod html_chromium;
mod import_circles;
mod lock_run;
mod paxos_run;
mod report_browser;
mod report_card;
mod report_files;
mod report_markdown;
mod report_serve;
mod run_balance;
mod run_e2e;
mod run_generators;
mod run_signals;
mod run_workloads;
mod ssh_etcd;
mod ssh_lab;
mod ssh_nodes;
mod ssh_one_file;
mod store_description;
mod store_description_bundled;
mod store_description_redis;
mod store_description_routing;
mod twopc_run;
mod txn_run;
