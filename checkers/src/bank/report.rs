//! What the bank checker returns: the violations it found, each naming the
//! read and the property, as text and JSON.

use crate::history::ProcessId;
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Violations listed in the text rendering; the JSON report has them all.
const SHOWN_VIOLATIONS: usize = 20;

/// The properties the bank checker judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BankProperty {
    /// Every read's balances add up to the initial total.
    TotalConserved,
    /// No read shows a negative balance.
    NoNegative,
    /// A read after every acknowledged transfer completed reflects all of them.
    AckedVisible,
    /// Every read equals the initial balances plus the transfers that must
    /// precede it plus some subset of those that may.
    Explained,
    /// No read shows an account without a balance (`nil`); judged, as
    /// Jepsen's checker does, on histories without a setup write.
    NoNil,
}

/// Where the total every read is held to comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TotalSource {
    /// The sum of the setup write's initial balances.
    Setup,
    /// Given by the user (Jepsen's `:total-amount`, `--bank-total`).
    Given,
    /// The total most reads show (a history without a setup write).
    Reads,
}

impl BankProperty {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            BankProperty::TotalConserved => "total-conserved",
            BankProperty::NoNegative => "no-negative",
            BankProperty::AckedVisible => "acked-visible",
            BankProperty::Explained => "explained",
            BankProperty::NoNil => "no-nil",
        }
    }
}

impl fmt::Display for BankProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The read a violation is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadRef {
    /// Operation id.
    pub op: usize,
    /// `index` of its `ok` event in the history.
    pub index: u64,
    /// Time of its `ok` event, ns.
    pub time: u64,
    /// Its process.
    pub process: ProcessId,
    /// The node that served it, where recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The balances it returned.
    pub balances: serde_json::Value,
}

/// One violated property, witnessed by one read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankViolation {
    /// Which property.
    pub property: BankProperty,
    /// The read that shows it.
    pub read: ReadRef,
    /// In words.
    pub text: String,
}

/// Result of the bank check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankReport {
    /// Invalid on any violation; unknown without initial balances or when a search gave up.
    pub valid: Validity,
    /// Account names.
    pub accounts: Vec<String>,
    /// The total every read must show (see `total_source`).
    pub initial_total: Option<i64>,
    /// Where `initial_total` comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_source: Option<TotalSource>,
    /// `ok` reads checked.
    pub reads: usize,
    /// Transfers acknowledged `ok`.
    pub transfers_ok: usize,
    /// Transfers with unknown outcome (`info` or never completed).
    pub transfers_unknown: usize,
    /// Violations, in history order (at most one per read: the first property it breaks).
    pub violations: Vec<BankViolation>,
    /// Reads whose explanation search ran out of budget.
    pub undecided: Vec<ReadRef>,
    /// Reads not searched for an explanation because enough were already
    /// unexplained (their totals and signs were still checked).
    #[serde(default)]
    pub explanations_skipped: usize,
    /// Why the history could not be judged at all, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl BankReport {
    /// The first violation, as text: the smallest witness for the report card.
    pub fn witness(&self) -> Option<String> {
        self.violations.first().map(|v| v.text.clone())
    }

    /// One-line human summary.
    pub fn summary(&self) -> String {
        let total = self.initial_total.unwrap_or_default();
        let jepsen = match self.total_source {
            Some(TotalSource::Given) => Some(format!("the given total {total}")),
            Some(TotalSource::Reads) => Some(format!(
                "the total {total} (most reads show it; there is no setup write: give the test's total with --bank-total)"
            )),
            _ => None,
        };
        match self.valid {
            Validity::Valid if jepsen.is_some() => format!(
                "{} read(s) of {} account(s) show {}, none negative or nil (without initial balances the {} acknowledged and {} unknown transfer(s) are not replayed)",
                self.reads,
                self.accounts.len(),
                jepsen.unwrap_or_default(),
                self.transfers_ok,
                self.transfers_unknown
            ),
            Validity::Valid => format!(
                "{} read(s) of {} account(s) conserve the total {}, none negative, every one explained by the {} acknowledged and {} unknown transfer(s)",
                self.reads,
                self.accounts.len(),
                total,
                self.transfers_ok,
                self.transfers_unknown
            ),
            Validity::Invalid => {
                let mut by: Vec<String> = Vec::new();
                for p in [
                    BankProperty::TotalConserved,
                    BankProperty::NoNegative,
                    BankProperty::AckedVisible,
                    BankProperty::Explained,
                    BankProperty::NoNil,
                ] {
                    let n = self.violations.iter().filter(|v| v.property == p).count();
                    if n > 0 {
                        by.push(format!("{n} {p}"));
                    }
                }
                format!(
                    "bank invariants violated in {} of {} read(s): {}",
                    self.violations.len(),
                    self.reads,
                    by.join(", ")
                )
            }
            Validity::Unknown => self.reason.clone().unwrap_or_else(|| {
                format!(
                    "{} read(s) could not be explained within the search budget (too many unknown transfers)",
                    self.undecided.len()
                )
            }),
        }
    }

    /// Multi-line text: the summary and the first violations.
    pub fn render_text(&self) -> String {
        let mut s = format!("bank: {}\n", self.summary());
        for v in self.violations.iter().take(SHOWN_VIOLATIONS) {
            s.push_str(&format!("  [{}] {}\n", v.property, v.text));
        }
        if self.violations.len() > SHOWN_VIOLATIONS {
            s.push_str(&format!(
                "  ... and {} more (all in the JSON report)\n",
                self.violations.len() - SHOWN_VIOLATIONS
            ));
        }
        s
    }

    /// This report as a [`Verdict`] (checker `bank`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "bank".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
