//! The firewall commands a partition runs on a node's host: drop rules in
//! faultline's own nftables table, or in faultline's own iptables chain
//! where the host has no `nft`, so healing removes only what faultline
//! added and never a rule of the host's.

use std::net::IpAddr;

/// faultline's nftables table (family `inet`: IPv4 and IPv6).
pub const NFT_TABLE: &str = "faultline";
/// faultline's iptables chain, jumped to from INPUT.
pub const IPTABLES_CHAIN: &str = "FAULTLINE";

/// The tool a host filters packets with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firewall {
    /// nftables.
    Nft,
    /// iptables (and ip6tables for IPv6 peers).
    Iptables,
}

/// Administrators' tools live in sbin, which a non-login shell of an
/// ordinary user may not have on its PATH.
const SBIN_PATH: &str = "PATH=\"$PATH:/usr/sbin:/sbin\"";

/// Prints `nft`, `iptables` or `none`: the first of them the host has.
pub fn detect_argv() -> Vec<String> {
    sh(&format!(
        "{SBIN_PATH}; if command -v nft >/dev/null 2>&1; then echo nft; \
         elif command -v iptables >/dev/null 2>&1; then echo iptables; else echo none; fi"
    ))
}

/// Reads what [`detect_argv`] printed.
pub fn parse_detected(stdout: &str) -> Option<Firewall> {
    match stdout.trim() {
        "nft" => Some(Firewall::Nft),
        "iptables" => Some(Firewall::Iptables),
        _ => None,
    }
}

/// faultline's nftables table for packet loss, apart from the partitions'
/// so that healing one leaves the other in force.
pub const NFT_LOSS_TABLE: &str = "faultline_loss";

/// Removes everything faultline adds to a host's firewall: both tables
/// and the chain, whichever exist; nothing else (`faultline heal`).
pub fn heal_argv() -> Vec<String> {
    heal_tables(&[NFT_TABLE, NFT_LOSS_TABLE])
}

/// Removes the partitions' table and chain only.
pub fn heal_partition_argv() -> Vec<String> {
    heal_tables(&[NFT_TABLE])
}

/// Drops `percent` % of the packets from `sources`, at random
/// (`numgen random`, which needs no netem), replacing an earlier loss.
pub fn loss_argv(percent: u8, sources: &[IpAddr]) -> Vec<String> {
    let mut argv: Vec<String> = [
        "nft",
        "add",
        "table",
        "inet",
        NFT_LOSS_TABLE,
        ";",
        "add",
        "chain",
        "inet",
        NFT_LOSS_TABLE,
        "input",
        "{",
        "type",
        "filter",
        "hook",
        "input",
        "priority",
        "0",
        ";",
        "policy",
        "accept",
        ";",
        "}",
        ";",
        "flush",
        "chain",
        "inet",
        NFT_LOSS_TABLE,
        "input",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if percent == 0 {
        return argv;
    }
    // `numgen random mod 100` is 0-99, so `< 100` is out of its range: all
    // packets is a plain drop.
    let chance: Vec<String> = if percent >= 100 {
        Vec::new()
    } else {
        ["numgen", "random", "mod", "100", "<", &percent.to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    for source in sources {
        let family = if source.is_ipv6() { "ip6" } else { "ip" };
        argv.extend(
            [
                ";",
                "add",
                "rule",
                "inet",
                NFT_LOSS_TABLE,
                "input",
                family,
                "saddr",
                &source.to_string(),
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        argv.extend(chance.iter().cloned());
        argv.push("drop".into());
    }
    argv
}

/// Removes the loss table (adding it first makes a missing one no error).
pub fn heal_loss_argv() -> Vec<String> {
    [
        "nft",
        "add",
        "table",
        "inet",
        NFT_LOSS_TABLE,
        ";",
        "delete",
        "table",
        "inet",
        NFT_LOSS_TABLE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Adding a table before deleting it makes a missing table no error.
fn heal_tables(tables: &[&str]) -> Vec<String> {
    let nft: String = tables
        .iter()
        .map(|t| format!("nft add table inet {t} && nft delete table inet {t} || exit 1; "))
        .collect();
    sh(&format!(
        "{SBIN_PATH}; \
         if command -v nft >/dev/null 2>&1; then {nft}fi; \
         for t in iptables ip6tables; do \
           command -v $t >/dev/null 2>&1 || continue; \
           for i in 1 2 3 4 5 6 7 8; do $t -w -D INPUT -j {IPTABLES_CHAIN} 2>/dev/null || break; done; \
           $t -w -F {IPTABLES_CHAIN} 2>/dev/null; $t -w -X {IPTABLES_CHAIN} 2>/dev/null; \
         done; true"
    ))
}

impl Firewall {
    /// Drops every packet from `sources` on this host, added to any drop
    /// faultline already holds there.
    pub fn cut_argv(self, sources: &[IpAddr]) -> Vec<String> {
        match self {
            Firewall::Nft => {
                let mut argv: Vec<String> = [
                    "nft", "add", "table", "inet", NFT_TABLE, ";", "add", "chain", "inet",
                    NFT_TABLE, "input", "{", "type", "filter", "hook", "input", "priority", "0",
                    ";", "policy", "accept", ";", "}",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                for source in sources {
                    let family = if source.is_ipv6() { "ip6" } else { "ip" };
                    argv.extend(
                        [
                            ";",
                            "add",
                            "rule",
                            "inet",
                            NFT_TABLE,
                            "input",
                            family,
                            "saddr",
                            &source.to_string(),
                            "drop",
                        ]
                        .iter()
                        .map(|s| s.to_string()),
                    );
                }
                argv
            }
            Firewall::Iptables => {
                // A fixed script, the addresses as its arguments: nothing
                // of the configuration is spliced into shell text.
                let mut argv = sh(&format!(
                    "{SBIN_PATH}; for a in \"$@\"; do \
                       case $a in *:*) t=ip6tables;; *) t=iptables;; esac; \
                       $t -w -N {IPTABLES_CHAIN} 2>/dev/null; \
                       $t -w -C INPUT -j {IPTABLES_CHAIN} 2>/dev/null || $t -w -I INPUT -j {IPTABLES_CHAIN} || exit 1; \
                       $t -w -A {IPTABLES_CHAIN} -s \"$a\" -j DROP || exit 1; \
                     done"
                ));
                argv.push("faultline-cut".into());
                argv.extend(sources.iter().map(|s| s.to_string()));
                argv
            }
        }
    }
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_nft_cut_is_one_command_in_faultlines_table() {
        let argv =
            Firewall::Nft.cut_argv(&["10.0.0.1".parse().unwrap(), "fd00::2".parse().unwrap()]);
        let line = argv.join(" ");
        assert!(line.starts_with("nft add table inet faultline ;"), "{line}");
        assert!(line.contains("add rule inet faultline input ip saddr 10.0.0.1 drop"));
        assert!(line.contains("add rule inet faultline input ip6 saddr fd00::2 drop"));
    }

    #[test]
    fn iptables_addresses_are_arguments_not_script() {
        let argv = Firewall::Iptables.cut_argv(&["10.0.0.1".parse().unwrap()]);
        assert_eq!(argv[0], "sh");
        assert!(!argv[2].contains("10.0.0.1"));
        assert_eq!(argv.last().map(String::as_str), Some("10.0.0.1"));
    }

    #[test]
    fn loss_is_numgen_in_its_own_table_and_heals_apart() {
        let line = loss_argv(30, &["10.0.0.2".parse().unwrap()]).join(" ");
        assert!(line.contains("add rule inet faultline_loss input ip saddr 10.0.0.2 numgen random mod 100 < 30 drop"), "{line}");
        let all = loss_argv(100, &["10.0.0.2".parse().unwrap()]).join(" ");
        assert!(all.ends_with("ip saddr 10.0.0.2 drop"), "{all}");
        assert!(
            !loss_argv(0, &["10.0.0.2".parse().unwrap()])
                .join(" ")
                .contains("rule")
        );
        assert!(!heal_partition_argv()[2].contains(NFT_LOSS_TABLE));
        assert!(heal_argv()[2].contains(NFT_LOSS_TABLE));
    }

    #[test]
    fn detection_output_is_read_back() {
        assert_eq!(parse_detected("nft\n"), Some(Firewall::Nft));
        assert_eq!(parse_detected("iptables"), Some(Firewall::Iptables));
        assert_eq!(parse_detected("none"), None);
    }
}
