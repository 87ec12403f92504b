//! Bank: accounts with initial balances written by one setup transaction,
//! then transfers between random accounts and whole-bank reads, each one
//! transaction (`POST /txn`). Accounts are unkeyed in the history: a transfer
//! names its accounts in its value and a read returns every balance.

use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::{Rng, RngExt};
use serde_json::{Map, Value, json};

/// Accounts when the config does not say.
pub const DEFAULT_ACCOUNTS: usize = 8;

/// Every account's balance before the first transfer.
pub const INITIAL_BALANCE: i64 = 100;

/// The largest amount one transfer moves; large enough that accounts
/// sometimes run dry and transfers abort.
const MAX_AMOUNT: i64 = 30;

/// The bank's account names, which are also the store's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    names: Vec<String>,
}

impl Accounts {
    /// `count` accounts named `{prefix}acct0`, `{prefix}acct1`, ...
    pub fn new(prefix: &str, count: usize) -> Accounts {
        Accounts {
            names: (0..count).map(|i| format!("{prefix}acct{i}")).collect(),
        }
    }

    /// The account names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The setup transaction: every account written with [`INITIAL_BALANCE`].
    pub fn setup_op(&self) -> Op {
        let balances: Map<String, Value> = self
            .names
            .iter()
            .map(|n| (n.clone(), json!(INITIAL_BALANCE)))
            .collect();
        Op {
            f: OpFn::Write,
            key: None,
            value: Value::Object(balances),
        }
    }

    /// A read of every account in one transaction.
    pub fn read_op(&self) -> Op {
        Op {
            f: OpFn::Read,
            key: None,
            value: json!(self.names),
        }
    }
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts::new("", DEFAULT_ACCOUNTS)
    }
}

/// Generates one bank operation: a whole-bank read or a transfer between two
/// distinct accounts.
pub fn next_op<R: Rng + ?Sized>(rng: &mut R, accounts: &Accounts) -> Op {
    let n = accounts.names.len();
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Transfer, 2)]);
    if n < 2 || mix.pick(rng) == OpFn::Read {
        return accounts.read_op();
    }
    let from = rng.random_range(0..n);
    // Any other account, uniformly.
    let to = (from + rng.random_range(1..n)) % n;
    Op {
        f: OpFn::Transfer,
        key: None,
        value: json!({
            "from": accounts.names[from],
            "to": accounts.names[to],
            "amount": rng.random_range(1..=MAX_AMOUNT),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn transfers_move_money_between_two_distinct_accounts() {
        let accounts = Accounts::new("p-", 3);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut transfers = 0;
        for _ in 0..200 {
            let op = next_op(&mut rng, &accounts);
            assert_eq!(op.key, None);
            if op.f == OpFn::Transfer {
                transfers += 1;
                let v = &op.value;
                assert_ne!(v["from"], v["to"]);
                assert!(v["from"].as_str().unwrap().starts_with("p-acct"));
                let amount = v["amount"].as_i64().unwrap();
                assert!((1..=MAX_AMOUNT).contains(&amount));
            } else {
                assert_eq!(op.value, json!(["p-acct0", "p-acct1", "p-acct2"]));
            }
        }
        assert!((100..190).contains(&transfers), "{transfers} transfers");
    }

    #[test]
    fn the_setup_writes_every_account() {
        let op = Accounts::new("", 2).setup_op();
        assert_eq!(op.f, OpFn::Write);
        assert_eq!(op.value, json!({"acct0": 100, "acct1": 100}));
    }
}
